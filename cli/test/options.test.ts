import {spawnSync} from "node:child_process";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import path from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {parse as parseYaml, stringify as stringifyYaml} from "yaml";
import {UsageError} from "../src/command.ts";
import {BEACON_OPTIONS} from "../src/commands/beacon.ts";
import {DEV_OPTIONS} from "../src/commands/dev.ts";
import {INFO_OPTIONS} from "../src/commands/info.ts";
import {MOCK_ENGINE_OPTIONS} from "../src/commands/mockEngine.ts";
import {VALIDATOR_OPTIONS} from "../src/commands/validator.ts";
import {type OptionTable, parseOptions} from "../src/options.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const NODE = path.join(ROOT, "node_modules/.bin/node");
const CEIBO = path.join(ROOT, "cli/bin/ceibo.js");
const dir = mkdtempSync(path.join(tmpdir(), "ceibo-options-"));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

function ceibo(...args: string[]) {
  return spawnSync(NODE, [CEIBO, ...args], {encoding: "utf8", cwd: dir});
}

let n = 0;
function yamlFile(doc: unknown, text?: string): string {
  const file = path.join(dir, `c${n++}.yaml`);
  writeFileSync(file, text ?? stringifyYaml(doc));
  return file;
}

/** A value for every option of a table that differs from its default: strings "value-of-NAME", booleans flipped. */
function everyOption(table: OptionTable): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const [name, spec] of Object.entries(table)) {
    out[name] = spec.type === "boolean" ? spec.default !== true : `value-of-${name}`;
  }
  return out;
}

const TABLES: [string, OptionTable][] = [
  ["beacon", BEACON_OPTIONS],
  ["validator", VALIDATOR_OPTIONS],
  ["dev", DEV_OPTIONS],
  ["mock-engine", MOCK_ENGINE_OPTIONS],
  ["info", INFO_OPTIONS],
];

describe("option layer: --config FILE.yaml", () => {
  for (const [command, table] of TABLES) {
    it(`${command}: every option (${Object.keys(table).length}) is settable from YAML`, () => {
      const want = everyOption(table);
      const warnings: string[] = [];
      const parsed = parseOptions(["--config", yamlFile(want)], table, {command, warn: (l) => warnings.push(l)});
      expect(parsed.values).toEqual(want);
      expect(Object.values(parsed.sources).every((s) => s === "config file")).toBe(true);
      expect(warnings).toEqual([]);
    });
  }

  for (const command of ["beacon", "validator"]) {
    it(`ceibo ${command} --config F --print-config: the process reads every option from the file`, () => {
      const table = command === "beacon" ? BEACON_OPTIONS : VALIDATOR_OPTIONS;
      const want = everyOption(table);
      const r = ceibo(command, "--config", yamlFile(want), "--print-config");
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toBe("");
      expect(parseYaml(r.stdout)).toEqual(want);
    });
  }

  it("the command line wins over the file (strings, and booleans through --no-NAME)", () => {
    const file = yamlFile({
      "rest.port": 5000,
      supernode: true,
      "data-dir": "/from/file",
      bootnodes: ["enr:a", "enr:b"],
    });
    const parsed = parseOptions(["--config", file, "--rest.port", "6000", "--no-supernode"], BEACON_OPTIONS, {
      command: "beacon",
    });
    expect(parsed.values["rest.port"]).toBe("6000");
    expect(parsed.values.supernode).toBe(false);
    expect(parsed.values["data-dir"]).toBe("/from/file");
    expect(parsed.values.bootnodes).toBe("enr:a,enr:b");
    expect(parsed.sources["rest.port"]).toBe("command line");
    expect(parsed.sources["data-dir"]).toBe("config file");
    // also when the command line comes first and through an old spelling
    const r = ceibo("beacon", "--dataDir", "/from/cli", "--config", file, "--print-config");
    expect(r.status, r.stderr).toBe(0);
    expect(parseYaml(r.stdout)["data-dir"]).toBe("/from/cli");
  });

  it("nested YAML mappings are dotted names; numbers and booleans of string options become their text", () => {
    const file = yamlFile(
      undefined,
      "rest:\n  port: 5052\n  address: 0.0.0.0\ndev:\n  genesis-time: 1700000000\np2p: false\n",
    );
    const {values} = parseOptions(["--config", file], BEACON_OPTIONS, {command: "beacon"});
    expect(values["rest.port"]).toBe("5052");
    expect(values["rest.address"]).toBe("0.0.0.0");
    expect(values["dev.genesis-time"]).toBe("1700000000");
    expect(values.p2p).toBe("false");
  });

  it("an unknown key, a bad value or a bad file is one error naming the key and the file", () => {
    const cases: [string, RegExp][] = [
      [yamlFile({"data-dir": "x", "rest.prot": 1}), /c\d+\.yaml: unknown option "rest.prot" for ceibo beacon/],
      [yamlFile({supernode: "yes"}), /c\d+\.yaml: "supernode" must be true or false, got "yes"/],
      [yamlFile(undefined, "port:\n"), /c\d+\.yaml: "port" has no value/],
      [yamlFile(undefined, "- a\n- b\n"), /c\d+\.yaml: expected a mapping of option names/],
      [yamlFile(undefined, "port: [1\n"), /c\d+\.yaml is not valid YAML/],
      [yamlFile({config: "other.yaml"}), /"config" cannot be set in a config file/],
      [path.join(dir, "missing.yaml"), /cannot read --config .*missing\.yaml: ENOENT/],
    ];
    for (const [file, message] of cases) {
      expect(() => parseOptions(["--config", file], BEACON_OPTIONS, {command: "beacon"})).toThrow(message);
    }
    const r = ceibo("beacon", "--config", cases[0][0]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown option "rest.prot"/);
  });
});

describe("option layer: names", () => {
  it("an old spelling still works and warns once (command line and config file)", () => {
    const warnings: string[] = [];
    const warn = (l: string) => warnings.push(l);
    const {values} = parseOptions(
      ["--dataDir", "d", "--staticPeers", "p", "--dev.genesisTime", "7", "--dataDir", "d2"],
      BEACON_OPTIONS,
      {command: "beacon", warn},
    );
    expect(values["data-dir"]).toBe("d2");
    expect(values["static-peers"]).toBe("p");
    expect(values["dev.genesis-time"]).toBe("7");
    expect(warnings).toEqual([
      "ceibo beacon: --dataDir is deprecated; use --data-dir",
      "ceibo beacon: --staticPeers is deprecated; use --static-peers",
      "ceibo beacon: --dev.genesisTime is deprecated; use --dev.genesis-time",
    ]);
    warnings.length = 0;
    const file = yamlFile({"execution.urls": "http://127.0.0.1:8551"});
    expect(parseOptions(["--config", file], BEACON_OPTIONS, {command: "beacon", warn}).values["execution-urls"]).toBe(
      "http://127.0.0.1:8551",
    );
    expect(warnings).toEqual([`ceibo beacon: ${file}: "execution.urls" is deprecated; use "execution-urls"`]);
  });

  it("the same option under its name and an old spelling is an error", () => {
    expect(() =>
      parseOptions(["--data-dir", "a", "--dataDir", "b"], BEACON_OPTIONS, {command: "beacon", warn: () => {}}),
    ).toThrow(UsageError);
    expect(() =>
      parseOptions(["--data-dir", "a", "--dataDir", "b"], BEACON_OPTIONS, {command: "beacon", warn: () => {}}),
    ).toThrow(/--data-dir is given twice/);
  });

  it("a real process prints exactly one deprecation line per old spelling", () => {
    const r = ceibo("validator", "--dataDir", "v", "--print-config");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("ceibo validator: --dataDir is deprecated; use --data-dir\n");
    expect(parseYaml(r.stdout)["data-dir"]).toBe("v");
  });

  it("unknown options and missing values are usage errors naming the option", () => {
    expect(() => parseOptions(["--frobnicate"], BEACON_OPTIONS, {command: "beacon"})).toThrow(
      /unknown option --frobnicate \(see ceibo beacon --help\)/,
    );
    expect(() => parseOptions(["--rest.port"], BEACON_OPTIONS, {command: "beacon"})).toThrow(
      /--rest.port needs a value/,
    );
  });

  for (const [command, table] of TABLES) {
    it(`${command}: canonical names are kebab-case and --help lists each of them and --config`, () => {
      const r = ceibo(command, "--help");
      expect(r.status).toBe(0);
      for (const name of [...Object.keys(table), "config", "print-config"]) {
        expect(name, "kebab-case, dots as namespaces").toMatch(/^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)*$/);
        expect(r.stdout, `--${name} in ceibo ${command} --help`).toMatch(
          new RegExp(`--${name.replace(".", "\\.")}\\b`),
        );
      }
    });
  }
});
