import {type ChildProcess, spawn} from "node:child_process";
import {cpSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {pathToFileURL} from "node:url";
import {createDevChainConfig} from "@ceibo/config";
import {ClassicLevel} from "classic-level";
import {afterAll, describe, expect, it} from "vitest";
import {BeaconDb, Bucket, chainDbPath, DbError, SCHEMA_VERSION} from "../src/db/index.ts";

/** The dev chain at the mainnet preset (the preset vitest runs). */
const dev = {network: "dev", chainConfig: createDevChainConfig({preset: "mainnet"})};

const ROOT = resolve(import.meta.dirname, "../..");
const NODE = join(ROOT, "node_modules/.bin/node");
const DB_URL = pathToFileURL(resolve(import.meta.dirname, "../src/db/index.ts")).href;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "ceibo-dblock-"));
  dirs.push(d);
  return d;
}

/** A Node 24 child running `code` (an ES module) with DB_URL / DATA_DIR in its environment. */
function child(code: string, dataDir: string): ChildProcess {
  return spawn(NODE, ["--input-type=module", "-e", code], {
    cwd: ROOT,
    env: {...process.env, CEIBO_PRESET: "mainnet", DB_URL, DATA_DIR: dataDir},
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** The first JSON line a child prints (rejects if it exits first). */
function firstLine(proc: ChildProcess): Promise<Record<string, unknown>> {
  return new Promise((resolvePromise, reject) => {
    let out = "";
    let err = "";
    proc.stderr?.on("data", (d) => {
      err += d;
    });
    proc.stdout?.on("data", (d) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl >= 0) resolvePromise(JSON.parse(out.slice(0, nl)));
    });
    proc.on("exit", (code) => reject(new Error(`child exited (${code}) before printing: ${err}`)));
  });
}

function exited(proc: ChildProcess): Promise<number | null> {
  return new Promise((r) => {
    if (proc.exitCode !== null || proc.signalCode !== null) r(proc.exitCode);
    else proc.on("exit", (code) => r(code));
  });
}

/** Tries to open the db in another process and reports the outcome. */
async function openFromOtherProcess(dataDir: string): Promise<{ok: boolean; code?: string; message?: string}> {
  const proc = child(
    `const {BeaconDb} = await import(process.env.DB_URL);
     const {createDevChainConfig} = await import("@ceibo/config");
     const chainConfig = createDevChainConfig({preset: "mainnet"});
     try {
       const db = await BeaconDb.open(process.env.DATA_DIR, {network: "dev", chainConfig});
       await db.close();
       console.log(JSON.stringify({ok: true}));
     } catch (e) {
       console.log(JSON.stringify({ok: false, code: e.code, message: e.message}));
     }`,
    dataDir,
  );
  const result = await firstLine(proc);
  await exited(proc);
  return result as {ok: boolean; code?: string; message?: string};
}

/** Another process that opens the db, prints its pid, and holds the db until its stdin closes. */
async function holdInOtherProcess(dataDir: string): Promise<{proc: ChildProcess; pid: number}> {
  const proc = child(
    `const {BeaconDb} = await import(process.env.DB_URL);
     const {createDevChainConfig} = await import("@ceibo/config");
     const chainConfig = createDevChainConfig({preset: "mainnet"});
     const db = await BeaconDb.open(process.env.DATA_DIR, {network: "dev", chainConfig});
     console.log(JSON.stringify({pid: process.pid}));
     process.stdin.resume();
     process.stdin.on("end", async () => { await db.close(); process.exit(0); });`,
    dataDir,
  );
  const {pid} = await firstLine(proc);
  return {proc, pid: pid as number};
}

async function openError(p: Promise<unknown>): Promise<DbError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DbError);
    return e as DbError;
  }
  throw new Error("expected the open to fail");
}

describe("BeaconDb lock", () => {
  it("refuses a second process while open, naming this pid and --data-dir", async () => {
    const dataDir = tempDir();
    const db = await BeaconDb.open(dataDir, dev);
    const other = await openFromOtherProcess(dataDir);
    expect(other.ok).toBe(false);
    expect(other.code).toBe("LOCKED");
    expect(other.message).toContain(`database ${db.location} is locked by another process (pid ${process.pid}?)`);
    expect(other.message).toContain("is another ceibo beacon running with this --data-dir?");
    await db.close();
    expect((await openFromOtherProcess(dataDir)).ok).toBe(true);
  });

  it("refuses a second open in the same process without releasing the first handle's lock", async () => {
    const dataDir = tempDir();
    const db = await BeaconDb.open(dataDir, dev);
    const e = await openError(BeaconDb.open(dataDir, dev));
    expect(e.code).toBe("LOCKED");
    expect(e.message).toContain(`is already open in this process (pid ${process.pid})`);
    // LevelDB itself would have dropped the fcntl lock here (closing its second LOCK fd); another process must
    // still be kept out, and the first handle must still work.
    expect((await openFromOtherProcess(dataDir)).code).toBe("LOCKED");
    await db.metadata.put("genesisTime", 1);
    expect(await db.metadata.get("genesisTime")).toBe(1);
    await db.close();
  });

  it("is refused while another process holds it, and opens once that process closes", async () => {
    const dataDir = tempDir();
    const {proc, pid} = await holdInOtherProcess(dataDir);
    try {
      const e = await openError(BeaconDb.open(dataDir, dev));
      expect(e.code).toBe("LOCKED");
      expect(e.message).toContain(`locked by another process (pid ${pid}?)`);
    } finally {
      proc.stdin?.end();
      expect(await exited(proc)).toBe(0);
    }
    const db = await BeaconDb.open(dataDir, dev);
    await db.close();
  });

  it("opens after the holder was SIGKILLed (the OS drops the lock; the stale pid file is harmless)", async () => {
    const dataDir = tempDir();
    const {proc} = await holdInOtherProcess(dataDir);
    proc.kill("SIGKILL");
    await exited(proc);
    const db = await BeaconDb.open(dataDir, dev);
    await db.close();
  });
});

describe("BeaconDb schema and network checks", () => {
  const schemaKey = Uint8Array.of(Bucket.internal, ...new TextEncoder().encode("schemaVersion"));

  async function writeRaw(dataDir: string, network: string, key: Uint8Array, value: Uint8Array): Promise<void> {
    const raw = new ClassicLevel<Uint8Array, Uint8Array>(chainDbPath(dataDir, network), {
      keyEncoding: "view",
      valueEncoding: "view",
    });
    await raw.put(key, value);
    await raw.close();
  }
  const u32 = (n: number): Uint8Array => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n);
    return b;
  };

  it("refuses a database written with a newer schema, with a clear message, and releases the lock", async () => {
    const dataDir = tempDir();
    await (await BeaconDb.open(dataDir, dev)).close();
    await writeRaw(dataDir, "dev", schemaKey, u32(SCHEMA_VERSION + 1));
    const e = await openError(BeaconDb.open(dataDir, dev));
    expect(e.code).toBe("SCHEMA_TOO_NEW");
    expect(e.message).toContain(`has schema version ${SCHEMA_VERSION + 1}`);
    expect(e.message).toContain(`understands versions up to ${SCHEMA_VERSION}`);
    expect(e.message).toContain("upgrade ceibo or use another --data-dir");
    // the failed open let go of LevelDB: it can be opened (and fixed) again
    await writeRaw(dataDir, "dev", schemaKey, u32(SCHEMA_VERSION));
    await (await BeaconDb.open(dataDir, dev)).close();
  });

  it("refuses an older schema that has no migration", async () => {
    const dataDir = tempDir();
    await (await BeaconDb.open(dataDir, dev)).close();
    await writeRaw(dataDir, "dev", schemaKey, u32(0));
    const e = await openError(BeaconDb.open(dataDir, dev));
    expect(e.code).toBe("SCHEMA_TOO_OLD");
    expect(e.message).toContain(`schema version 0 and no migration to ${SCHEMA_VERSION}`);
  });

  it("refuses a LevelDB directory that is not a ceibo database", async () => {
    const dataDir = tempDir();
    await writeRaw(dataDir, "dev", new TextEncoder().encode("someone-else"), Uint8Array.of(1));
    const e = await openError(BeaconDb.open(dataDir, dev));
    expect(e.code).toBe("SCHEMA_MISSING");
    expect(e.message).toContain("not a ceibo chain database");
  });

  it("refuses another network's database", async () => {
    const dataDir = tempDir();
    await (await BeaconDb.open(dataDir, dev)).close();
    cpSync(chainDbPath(dataDir, "dev"), chainDbPath(dataDir, "hoodi"), {recursive: true});
    const e = await openError(BeaconDb.open(dataDir, {network: "hoodi", chainConfig: dev.chainConfig}));
    expect(e.code).toBe("NETWORK_MISMATCH");
    expect(e.message).toContain(`belongs to network "dev", not "hoodi"`);
  });

  it("refuses bad options and unusable directories with clear errors", async () => {
    const dataDir = tempDir();
    expect((await openError(BeaconDb.open(dataDir, {network: "../etc"}))).code).toBe("INVALID_ARGUMENT");
    const minimalDev = await openError(BeaconDb.open(dataDir, {network: "dev"}));
    expect(minimalDev.code).toBe("INVALID_ARGUMENT");
    expect(minimalDev.message).toContain("uses the minimal preset but this process runs mainnet SSZ types");
    expect((await openError(BeaconDb.open(dataDir, {network: "nonet"}))).message).toMatch(/Unknown network "nonet"/);
    const e = await openError(BeaconDb.open(dataDir, {...dev, archiveStateEpochFrequency: 0}));
    expect(e.code).toBe("INVALID_ARGUMENT");
    const file = join(dataDir, "a-file");
    writeFileSync(file, "x");
    expect((await openError(BeaconDb.open(file, dev))).code).toBe("OPEN_FAILED");
  });
});
