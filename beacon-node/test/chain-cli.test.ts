import {type ChildProcess, spawn, spawnSync} from "node:child_process";
import {existsSync, mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {afterAll, describe, expect, it} from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const NODE = join(ROOT, "node_modules/.bin/node");
const CEIBO = join(ROOT, "cli/bin/ceibo.js");
const dataDir = mkdtempSync(join(tmpdir(), "ceibo-beacon-cli-"));
afterAll(() => rmSync(dataDir, {recursive: true, force: true}));

interface Running {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first line matching `re` (rejects after `ms`). */
  waitFor(re: RegExp, ms: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

function startBeacon(args: string[]): Running {
  const child = spawn(NODE, [CEIBO, "beacon", ...args], {
    cwd: ROOT,
    env: {...process.env, CEIBO_PRESET: "minimal"},
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const waiters: {re: RegExp; resolve: (m: RegExpMatchArray) => void}[] = [];
  let buffer = "";
  const onData = (d: Buffer): void => {
    buffer += d.toString();
    const parts = buffer.split("\n");
    buffer = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      for (const w of [...waiters]) {
        const m = line.match(w.re);
        if (m !== null) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    }
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  return {
    child,
    lines,
    exited,
    waitFor(re, ms) {
      for (const line of lines) {
        const m = line.match(re);
        if (m !== null) return Promise.resolve(m);
      }
      return new Promise((resolvePromise, reject) => {
        const timer = setTimeout(() => reject(Error(`timed out waiting for ${re}:\n${lines.join("\n")}`)), ms);
        waiters.push({
          re,
          resolve: (m) => {
            clearTimeout(timer);
            resolvePromise(m);
          },
        });
      });
    },
  };
}

describe("ceibo beacon --network dev", () => {
  it("explains every option and refuses bad ones", () => {
    const help = spawnSync(NODE, [CEIBO, "beacon", "--help"], {cwd: ROOT, encoding: "utf8"});
    expect(help.status).toBe(0);
    for (const opt of ["--network", "--data-dir", "--dev.validators", "--dev.genesis-time", "--execution-urls"]) {
      expect(help.stdout).toContain(opt);
    }
    expect(help.stdout).toContain("--jwt-secret");
    const bad = spawnSync(NODE, [CEIBO, "beacon", "--network", "goerli"], {cwd: ROOT, encoding: "utf8"});
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--network goerli is not supported \(mainnet, hoodi, sepolia, dev, or custom/);
    const noJwt = spawnSync(NODE, [CEIBO, "beacon", "--network", "dev", "--execution-urls", "http://127.0.0.1:1"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(noJwt.status).toBe(1);
    expect(noJwt.stderr).toMatch(/--jwt-secret/);
  });

  it("runs a chain with 1 s slots, stops cleanly on SIGTERM and resumes from the data dir", async () => {
    const genesisTime = Math.floor(Date.now() / 1000) + 2;
    const args = [
      "--network",
      "dev",
      "--data-dir",
      dataDir,
      "--dev.validators",
      "64",
      "--dev.slot-duration-ms",
      "1000",
    ];
    const first = startBeacon([...args, "--dev.genesis-time", String(genesisTime), "--rest.port", "0"]);
    await first.waitFor(/Wrote dev genesis validators=64/, 15_000);
    await first.waitFor(/MOCK execution engine/, 15_000);
    const [, url] = await first.waitFor(/Beacon API listening url=(http:\/\/127\.0\.0\.1:\d+)/, 15_000);
    // the event stream sees the blocks as they are imported
    const events = fetch(`${url}/eth/v1/events?topics=head,block`, {signal: AbortSignal.timeout(15_000)});
    const genesis = (await (await fetch(`${url}/eth/v1/beacon/genesis`)).json()) as {data: Record<string, string>};
    expect(genesis.data.genesis_time).toBe(String(genesisTime));
    expect(genesis.data.genesis_fork_version).toBe("0x000ce1b0");
    const stream = (await events).body?.getReader();
    let sse = "";
    while (!/event: block\ndata: \{"slot":"\d+","block":"0x[0-9a-f]{64}","execution_optimistic":false\}/.test(sse)) {
      const chunk = await stream?.read();
      if (chunk === undefined || chunk.done) break;
      sse += new TextDecoder().decode(chunk.value);
    }
    expect(sse).toMatch(/event: head\ndata: \{"slot":"\d+"/);
    await stream?.cancel();
    const [, headSlot] = await first.waitFor(/Slot \d+ \| head ([3-9]|\d\d+) 0x[0-9a-f]{8}… .*EL VALID/, 20_000);
    const syncing = (await (await fetch(`${url}/eth/v1/node/syncing`)).json()) as {data: Record<string, unknown>};
    expect(Number(syncing.data.head_slot)).toBeGreaterThanOrEqual(3);
    expect(syncing.data.is_syncing).toBe(false);
    const fc = await fetch(`${url}/eth/v1/beacon/states/head/finality_checkpoints`);
    expect(fc.status).toBe(200);
    expect(((await fc.json()) as {data: {finalized: {epoch: string}}}).data.finalized.epoch).toBe("0");
    const validators = await fetch(`${url}/eth/v1/beacon/states/head/validators`);
    expect(validators.status).toBe(200);
    expect(((await validators.json()) as {data: unknown[]}).data).toHaveLength(64);
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.lines.some((l) => l.includes("database closed"))).toBe(true);
    expect(existsSync(join(dataDir, "dev", "chain-db", "ceibo.pid"))).toBe(false);
    const lastHead = Math.max(
      ...first.lines.map((l) => Number(l.match(/\| head (\d+) /)?.[1] ?? -1)),
      Number(headSlot),
    );

    const second = startBeacon([...args, "--rest", "false"]);
    const [, resumedSlot] = await second.waitFor(/Resumed chain from the database headSlot=(\d+)/, 15_000);
    expect(Number(resumedSlot)).toBe(lastHead);
    await second.waitFor(/Replayed the stored execution payloads into the mock engine payloads=\d+/, 1000);
    // the resumed node builds on the stored head
    await second.waitFor(new RegExp(`\\| head (?!${lastHead} )\\d+ 0x[0-9a-f]{8}… .*EL VALID`), 10_000);
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);
    expect(second.lines.some((l) => l.includes("Received SIGINT"))).toBe(true);
  });
});
