import {type ChildProcess, spawn} from "node:child_process";
import {mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync} from "node:fs";
import {createServer} from "node:net";
import {tmpdir} from "node:os";
import path from "node:path";
import {ConsoleLogger} from "@ceibo/beacon-node/node";
import {logTimestamp} from "@ceibo/config";
import {createLogger} from "@ceibo/validator-client";
import {afterAll, describe, expect, it} from "vitest";
import {RotatingLogFile} from "../src/logFile.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const NODE = path.join(ROOT, "node_modules/.bin/node");
const CEIBO = path.join(ROOT, "cli/bin/ceibo.js");
const dir = mkdtempSync(path.join(tmpdir(), "ceibo-logging-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(dir, {recursive: true, force: true});
});

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$/;

describe("log lines", () => {
  it("timestamps carry the date, the time and the zone offset, and denote the same instant", () => {
    const d = new Date(2026, 0, 2, 3, 4, 5, 6); // local time
    const t = logTimestamp(d);
    expect(t).toMatch(TIME);
    expect(t.startsWith("2026-01-02T03:04:05.006")).toBe(true);
    expect(Date.parse(t)).toBe(d.getTime());
  });

  const at = new Date(Date.UTC(2026, 5, 1, 12, 0, 0, 250));
  const loggers = {
    "beacon node (ConsoleLogger)": (write: (l: string) => void, format: "json" | "human") =>
      new ConsoleLogger("debug", write, {format, now: () => at}),
    "validator client (createLogger)": (write: (l: string) => void, format: "json" | "human") =>
      createLogger({level: "debug", write, format, now: () => at}),
  };
  for (const [name, make] of Object.entries(loggers)) {
    it(`${name}: json is one parsable object per line with time, level, module, msg and the fields`, () => {
      const lines: string[] = [];
      const log = make((l) => lines.push(l), "json");
      log.info("Imported block", {slot: 12, root: new Uint8Array([0xab, 0xcd]), big: 2n ** 70n, note: "two\nlines"});
      log.warn("Engine offline", {error: new Error("ECONNREFUSED"), msg: "clash", nested: {a: [1, 2]}});
      log.debug("quiet");
      expect(lines).toHaveLength(3);
      const objs = lines.map((l) => {
        expect(l).not.toContain("\n");
        return JSON.parse(l) as Record<string, unknown>;
      });
      for (const o of objs) {
        expect(o.time).toMatch(TIME);
        expect(Date.parse(o.time as string)).toBe(at.getTime());
      }
      const module = name.startsWith("beacon") ? "beacon" : "validator";
      expect(objs[0]).toEqual({
        time: objs[0].time,
        level: "info",
        module,
        msg: "Imported block",
        slot: 12,
        root: "0xabcd",
        big: "1180591620717411303424",
        note: "two\nlines",
      });
      expect(objs[1]).toMatchObject({
        level: "warn",
        msg: "Engine offline",
        error: "ECONNREFUSED",
        "ctx.msg": "clash",
        nested: {a: [1, 2]},
      });
      expect(objs[2]).toMatchObject({level: "debug", msg: "quiet"});
    });

    it(`${name}: human lines start with date, time and zone, then level and module`, () => {
      const lines: string[] = [];
      make((l) => lines.push(l), "human").info("Published block", {slot: 3});
      const [time, level, module, ...rest] = lines[0].split(/\s+/);
      expect(time).toMatch(TIME);
      expect(level).toBe("INFO");
      expect(module).toMatch(/^\[(beacon|validator)\]$/);
      expect(rest.join(" ")).toBe("Published block slot=3");
    });

    it(`${name}: fields named like secrets are never written`, () => {
      for (const format of ["json", "human"] as const) {
        const lines: string[] = [];
        make((l) => lines.push(l), format).info("x", {
          password: "hunter2-pw",
          jwtSecret: "0xsecretjwt",
          mnemonic: "abandon abandon art",
          token: "bearer-token-value",
          tokenFile: "/var/lib/ceibo/api-token.txt",
        });
        const out = lines.join("\n");
        for (const secret of ["hunter2-pw", "0xsecretjwt", "abandon", "bearer-token-value"]) {
          expect(out).not.toContain(secret);
        }
        expect(out).toContain("/var/lib/ceibo/api-token.txt");
        expect(out).toContain("[redacted]");
      }
    });
  }
});

describe("--log-file rotation (injected clock)", () => {
  const day = (d: number) => new Date(2026, 2, d, 12, 0, 0); // March d, noon local time

  it("rotates at the first line of a new day and keeps the newest N rotated files", () => {
    const logDir = path.join(dir, "rotate");
    let now = day(1);
    const file = new RotatingLogFile({path: path.join(logDir, "beacon.log"), retention: 2, now: () => now});
    file.write("day 1 a");
    file.write("day 1 b");
    now = new Date(2026, 2, 1, 23, 59, 59, 999);
    file.write("day 1 c");
    expect(readdirSync(logDir)).toEqual(["beacon.log"]);
    now = new Date(2026, 2, 2, 0, 0, 0, 0);
    file.write("day 2 a");
    expect(readdirSync(logDir).sort()).toEqual(["beacon.2026-03-01.log", "beacon.log"]);
    expect(readFileSync(path.join(logDir, "beacon.2026-03-01.log"), "utf8")).toBe("day 1 a\nday 1 b\nday 1 c\n");
    expect(readFileSync(path.join(logDir, "beacon.log"), "utf8")).toBe("day 2 a\n");
    for (const d of [3, 4, 5]) {
      now = day(d);
      file.write(`day ${d} a`);
    }
    file.close();
    // retention 2: days 3 and 4 kept, days 1 and 2 deleted; day 5 is the current file
    expect(readdirSync(logDir).sort()).toEqual(["beacon.2026-03-03.log", "beacon.2026-03-04.log", "beacon.log"]);
    expect(readFileSync(path.join(logDir, "beacon.2026-03-04.log"), "utf8")).toBe("day 4 a\n");
    expect(readFileSync(path.join(logDir, "beacon.log"), "utf8")).toBe("day 5 a\n");
  });

  it("a file left by an earlier day is rotated at start; other files in the directory are left alone", () => {
    const logDir = path.join(dir, "restart");
    const logPath = path.join(logDir, "vc");
    let now = day(10);
    const first = new RotatingLogFile({path: logPath, retention: 0, now: () => now});
    first.write("old run");
    first.close();
    utimesSync(logPath, day(10), day(10));
    writeFileSync(path.join(logDir, "notes.txt"), "keep me");
    now = day(11);
    const second = new RotatingLogFile({path: logPath, retention: 1, now: () => now});
    expect(readdirSync(logDir).sort()).toEqual(["notes.txt", "vc", "vc.2026-03-10"]);
    expect(readFileSync(path.join(logDir, "vc.2026-03-10"), "utf8")).toBe("old run\n");
    second.write("new run");
    now = day(12);
    second.write("next day");
    second.close();
    // retention 1: only the newest rotated file (day 11) remains
    expect(readdirSync(logDir).sort()).toEqual(["notes.txt", "vc", "vc.2026-03-11"]);
    expect(readFileSync(path.join(logDir, "vc.2026-03-11"), "utf8")).toBe("new run\n");
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as {port: number}).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts `ceibo …`, resolves once `file` holds a line matching `re` (polled), then stops it with SIGTERM. */
async function runUntilLogged(args: string[], file: string, re: RegExp, env: Record<string, string> = {}) {
  const child = spawn(NODE, [CEIBO, ...args], {
    cwd: dir,
    env: {...process.env, ...env},
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += d;
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {}
    if (re.test(text)) break;
    if (child.exitCode !== null) throw new Error(`ceibo exited early (${child.exitCode}): ${stderr}${stdout}`);
    if (Date.now() > deadline) throw new Error(`no ${re} in ${file} within 60 s: ${stderr}${stdout}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill("SIGTERM");
  const code = await exited;
  return {code, stdout, stderr, file: readFileSync(file, "utf8")};
}

describe("the processes with --log-format json --log-file", () => {
  it("ceibo beacon: every stdout line and every file line is a JSON object; the status line names epoch and sync committee", async () => {
    const file = path.join(dir, "bn", "beacon.log");
    const r = await runUntilLogged(
      ["beacon", "--network", "dev", "--data-dir", path.join(dir, "bn-data"), "--rest.port", "0"]
        .concat(["--dev.slot-duration-ms", "1000", "--dev.genesis-time", String(Math.floor(Date.now() / 1000))])
        .concat(["--log-format", "json", "--log-file", file]),
      file,
      /"msg":"Slot \d+ \|/,
      {CEIBO_PRESET: "minimal"},
    );
    expect(r.code, r.stderr).toBe(0);
    const fileLines = r.file.trimEnd().split("\n");
    const outLines = r.stdout.trimEnd().split("\n");
    for (const l of [...fileLines, ...outLines]) {
      const o = JSON.parse(l);
      expect(o.time).toMatch(TIME);
      expect(o.module).toBe("beacon");
      expect(["info", "warn", "error", "debug"]).toContain(o.level);
      expect(typeof o.msg).toBe("string");
    }
    // the file holds what stdout shows (the file may be one line behind at the moment of the SIGTERM)
    expect(outLines.slice(0, fileLines.length)).toEqual(fileLines);
    const status = fileLines.map((l) => JSON.parse(l).msg as string).find((m) => m.startsWith("Slot "));
    expect(status).toMatch(
      /^Slot (\d+) \| head \d+ 0x[0-9a-f]{8}… \| epoch \d+ \| .*\| sync committee votes \d+\/32 \|/,
    );
  });

  it("ceibo validator: json lines to stderr and the file", async () => {
    const file = path.join(dir, "vc", "validator.log");
    const r = await runUntilLogged(
      ["validator", "--beacon-nodes", `http://127.0.0.1:${await freePort()}`, "--interop-indexes", "0..1"].concat([
        "--data-dir",
        path.join(dir, "vc-data"),
        "--log-format",
        "json",
        "--log-file",
        file,
      ]),
      file,
      /"msg":"Using interop keys/,
      {CEIBO_PRESET: "minimal"},
    );
    const lines = r.file.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines)
      expect(JSON.parse(l)).toMatchObject({module: "validator", time: expect.stringMatching(TIME)});
    expect(r.stderr.split("\n")[0]).toBe(lines[0]);
  });

  it("bad log options are one clear error", async () => {
    const {spawnSync} = await import("node:child_process");
    const cases: [string[], RegExp][] = [
      [["--log-format", "xml"], /--log-format must be human or json, got "xml"/],
      [["--log-file-retention", "3"], /--log-file-retention needs --log-file/],
      [
        ["--log-file", path.join(dir, "x.log"), "--log-file-retention=-1"],
        /--log-file-retention must be a non-negative integer/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = spawnSync(NODE, [CEIBO, "validator", "--interop-indexes", "0..0", ...args], {
        encoding: "utf8",
        cwd: dir,
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(message);
    }
  });
});
