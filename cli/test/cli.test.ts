import {spawnSync} from "node:child_process";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import path from "node:path";
import {describe, expect, it} from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "node_modules/.bin/ceibo");

/** Runs the installed `ceibo` bin the way a user's shell would (through its shebang, Node 24 first on PATH). */
function ceibo(...args: string[]) {
  const env = {...process.env, PATH: `${path.join(ROOT, "node_modules/.bin")}:${process.env.PATH}`};
  return spawnSync(BIN, args, {encoding: "utf8", env});
}

describe("ceibo CLI", () => {
  it("--help lists the commands", () => {
    const r = ceibo("--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: ceibo <command>/);
    expect(r.stdout).toMatch(/info/);
  });

  it("info --json gives sepolia's fork schedule with its published digests", () => {
    const r = ceibo("info", "--network", "sepolia", "--json");
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.forks.find((f: {fork: string}) => f.fork === "electra").digest).toBe("0x14045b5a");
    expect(out.blobSchedule.map((b: {digest: string}) => b.digest)).toEqual(["0xfd32b622", "0x74d01459"]);
  });

  it("an unknown command or network fails with a message that says what was wrong", () => {
    const unknown = ceibo("frobnicate");
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    const badNetwork = ceibo("info", "--network", "goerli");
    expect(badNetwork.status).toBe(1);
    expect(badNetwork.stderr).toMatch(/Unknown network "goerli": expected one of mainnet, sepolia, hoodi, dev/);
  });

  it("beacon: bad networking, sync and custom-network options are usage errors naming the option", () => {
    const cases: [string[], RegExp][] = [
      [["--p2p", "true", "--bootnodes", "16Uiu2HAm…"], /--bootnodes: .* is not an ENR/],
      [["--p2p", "true", "--static-peers", "127.0.0.1:9000"], /--static-peers: .* is not a multiaddr/],
      [["--p2p", "true", "--port", "70000"], /--port must be at most 65535/],
      [["--p2p", "maybe"], /--p2p must be true or false/],
      [["--checkpoint-sync-url", "ftp://x", "--p2p", "false"], /--checkpoint-sync-url must be an http\(s\) URL/],
      [
        ["--checkpoint-sync-url", "http://a", "--checkpoint-state", "s.ssz"],
        /either --checkpoint-sync-url or --checkpoint-state/,
      ],
      [["--checkpoint-block", "b.ssz"], /--checkpoint-block needs --checkpoint-state/],
      [["--genesis-state", "g.ssz"], /--config-file and --genesis-state are for --network custom/],
    ];
    for (const [args, message] of cases) {
      const r = ceibo("beacon", "--network", "dev", ...args);
      expect(r.status, `${args.join(" ")}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(message);
    }
    const custom = ceibo("beacon", "--network", "custom");
    expect(custom.status).toBe(1);
    expect(custom.stderr).toMatch(/--network custom needs --config-file FILE .* and --genesis-state FILE/);
  });

  it("--dev.signing true on a custom network is refused: only the dev composition signs inside the node", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ceibo-cli-custom-"));
    try {
      const config = path.join(dir, "config.yaml");
      writeFileSync(config, "PRESET_BASE: 'mainnet'\nCONFIG_NAME: 'my-devnet'\nGENESIS_FORK_VERSION: 0x12345678\n");
      const args = [
        "beacon",
        "--network",
        "custom",
        "--config-file",
        config,
        "--genesis-state",
        path.join(dir, "g.ssz"),
      ];
      const r = ceibo(...args, "--dev.signing", "true", "--data-dir", path.join(dir, "data"));
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/--dev\.signing true is for --network dev/);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});
