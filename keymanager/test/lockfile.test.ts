import {execFileSync, spawn} from "node:child_process";
import {existsSync, readFileSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {afterEach, describe, expect, it} from "vitest";
import {KeystoreError} from "../src/errors.ts";
import {acquireKeystoreLock, acquireKeystoreLocks, isPidAlive, releaseAllLocks} from "../src/lockfile.ts";
import {tempDir} from "./helpers.ts";

const LOCKFILE_URL = new URL("../src/lockfile.ts", import.meta.url).href;

/** pid of a process that has exited. */
function deadPid(): number {
  const pid = Number(
    execFileSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {encoding: "utf8"}),
  );
  expect(isPidAlive(pid)).toBe(false);
  return pid;
}

afterEach(() => releaseAllLocks());

describe("keystore lockfiles", () => {
  it("creates <keystore>.lock holding our pid and removes it on release", () => {
    const ks = join(tempDir(), "k.json");
    const lock = acquireKeystoreLock(ks);
    expect(lock.lockPath).toBe(`${ks}.lock`);
    expect(readFileSync(lock.lockPath, "utf8").trim()).toBe(String(process.pid));
    lock.release();
    expect(existsSync(lock.lockPath)).toBe(false);
    lock.release(); // idempotent
  });

  it("refuses a key this process already holds", () => {
    const ks = join(tempDir(), "k.json");
    acquireKeystoreLock(ks);
    expect(() => acquireKeystoreLock(ks)).toThrow(/already in use by this process/);
  });

  it("refuses a key locked by a live process, with a clear message", async () => {
    const ks = join(tempDir(), "k.json");
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], {stdio: "ignore"});
    try {
      await new Promise((r) => child.once("spawn", r));
      writeFileSync(`${ks}.lock`, `${child.pid}\n`);
      let err: KeystoreError | undefined;
      try {
        acquireKeystoreLock(ks);
      } catch (e) {
        err = e as KeystoreError;
      }
      expect(err).toBeInstanceOf(KeystoreError);
      expect(err?.code).toBe("KEY_LOCKED");
      expect(err?.message).toContain(`keystore ${ks} is locked by running process ${child.pid} (lock file ${ks}.lock)`);
      expect(readFileSync(`${ks}.lock`, "utf8").trim()).toBe(String(child.pid)); // untouched
    } finally {
      child.kill();
    }
  });

  it("takes over a stale lock (dead pid, our own recycled pid, or garbage content)", () => {
    const dir = tempDir();
    for (const [name, content] of [
      ["dead", `${deadPid()}\n`],
      ["self", `${process.pid}\n`],
      ["garbage", "not a pid"],
      ["empty", ""],
    ]) {
      const ks = join(dir, `${name}.json`);
      writeFileSync(`${ks}.lock`, content);
      const lock = acquireKeystoreLock(ks);
      expect(readFileSync(lock.lockPath, "utf8").trim()).toBe(String(process.pid));
    }
  });

  it("acquireKeystoreLocks is all-or-nothing", async () => {
    const dir = tempDir();
    const paths = ["a", "b", "c"].map((n) => join(dir, `${n}.json`));
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], {stdio: "ignore"});
    try {
      await new Promise((r) => child.once("spawn", r));
      writeFileSync(`${paths[2]}.lock`, String(child.pid));
      expect(() => acquireKeystoreLocks(paths)).toThrow(/locked by running process/);
      expect(existsSync(`${paths[0]}.lock`)).toBe(false);
      expect(existsSync(`${paths[1]}.lock`)).toBe(false);
    } finally {
      child.kill();
    }
  });

  it("releases held locks when the process exits", () => {
    const ks = join(tempDir(), "k.json");
    const script = `import {acquireKeystoreLock} from ${JSON.stringify(LOCKFILE_URL)};
      import {existsSync} from "node:fs";
      acquireKeystoreLock(${JSON.stringify(ks)});
      process.stdout.write(String(existsSync(${JSON.stringify(`${ks}.lock`)})));
      process.exit(0);`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {encoding: "utf8"});
    expect(out).toBe("true");
    expect(existsSync(`${ks}.lock`)).toBe(false);
  });
});
