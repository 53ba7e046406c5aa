/**
 * The validator client against the project's own beacon node (`ceibo beacon --network dev --dev.signing false`,
 * minimal preset, in-process mock execution engine), both as child processes: every duty goes over the Beacon
 * API to a node that imports blocks with full verification (signatures, state transition, fork choice).
 */
import {type ChildProcess, spawn} from "node:child_process";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import path from "node:path";
import {afterAll, describe, expect, it} from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "node_modules/.bin/ceibo");
const env = {
  ...process.env,
  PATH: `${path.join(ROOT, "node_modules/.bin")}:${process.env.PATH}`,
  CEIBO_PRESET: "minimal",
};

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

function run(args: string[]): {child: ChildProcess; out: () => string; exited: Promise<number | null>} {
  const child = spawn(BIN, args, {env});
  children.push(child);
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return {child, out: () => out, exited};
}

async function until<T>(f: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function getJson(url: string): Promise<{data: Record<string, unknown>}> {
  const res = await fetch(url);
  if (!res.ok) throw Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as {data: Record<string, unknown>};
}

describe("validator client + ceibo beacon node", () => {
  it("drives a dev chain the node signs nothing on: blocks, attestations and sync aggregates are imported", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ceibo-vc-bn-"));
    dirs.push(dir);
    const bn = run([
      "beacon",
      "--network",
      "dev",
      "--dev.signing",
      "false",
      "--dev.slot-duration-ms",
      "2000",
      "--dev.genesis-time",
      String(Math.floor(Date.now() / 1000) + 6),
      "--rest.port",
      "0",
      "--data-dir",
      path.join(dir, "bn"),
    ]);
    const url = await until(
      () => /Beacon API listening url=(http:\/\/[0-9.:]+)/.exec(bn.out())?.[1],
      30_000,
      "the beacon node's API",
    );
    const vc = run([
      "validator",
      "--beacon-nodes",
      url,
      "--interop-indexes",
      "0..63",
      "--data-dir",
      path.join(dir, "vc"),
      "--graffiti",
      "vc+bn",
    ]);
    // five blocks on the node's head, all proposed by the validator client
    const headSlot = async () =>
      Number(
        ((await getJson(`${url}/eth/v1/beacon/headers/head`)).data.header as {message: {slot: string}}).message.slot,
      );
    await until(async () => ((await headSlot()) >= 5 ? true : undefined), 40_000, "head slot 5");
    vc.child.kill("SIGTERM");
    expect(await vc.exited, vc.out()).toBe(0);
    const log = vc.out();
    expect(log).not.toMatch(/ERROR/);
    // every block the node has in slots 1..5 was proposed by this client (a loaded machine can miss a slot)
    const proposed = new Set([...log.matchAll(/Proposed block slot=(\d+) /g)].map((m) => Number(m[1])));
    expect(proposed.size, log).toBeGreaterThanOrEqual(3);
    for (let slot = 1; slot <= 5; slot++) {
      const res = await fetch(`${url}/eth/v1/beacon/headers/${slot}`);
      if (res.status === 200) expect(proposed.has(slot), `block at slot ${slot}`).toBe(true);
      else expect(res.status).toBe(404);
    }

    const block = (await getJson(`${url}/eth/v2/beacon/blocks/head`)).data as {
      message: {
        slot: string;
        body: {graffiti: string; attestations: unknown[]; sync_aggregate: {sync_committee_bits: string}};
      };
    };
    const body = block.message.body;
    expect(Buffer.from(body.graffiti.slice(2), "hex").toString("utf8").replace(/\0+$/, "")).toBe("vc+bn");
    // the VC's attestations of the previous slot(s), aggregated by the node, are in the block
    expect(body.attestations.length).toBeGreaterThanOrEqual(1);
    // minimal preset: 32 sync committee seats, every one of them signed by the VC (0xffffffff)
    expect(body.sync_aggregate.sync_committee_bits).toBe("0xffffffff");
    bn.child.kill("SIGTERM");
    expect(await bn.exited).toBe(0);
  });
});
