/**
 * The Beacon API under hostile or unusual requests (issue 14): id lists are capped (400 naming the limit) and
 * deduplicated, bodies are size-limited per route, a maximal request does not stall the event loop (measured with
 * perf_hooks.monitorEventLoopDelay in this process, which is also the node's), JSON with a `__proto__` key is
 * accepted without prototype pollution, many event-stream subscribers are fine, blob_sidecars answers only what
 * the v4.0.0 schema allows, the Host header is checked (DNS rebinding), config/spec serves SECONDS_PER_SLOT, and a
 * failed request is logged at debug. A real dev node (minimal preset, manual clock) serves the API on 127.0.0.1.
 */
import {rmSync} from "node:fs";
import {request} from "node:http";
import {monitorEventLoopDelay} from "node:perf_hooks";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import type {BeaconNode} from "../src/node/index.ts";

const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {ACTIVE_PRESET_NAME} = await import("@ceibo/params");
const fx = await import("./fixtures/syncNetwork.ts");
const {DevBeaconNode: Node} = await import("../src/node/dev.ts");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;
if (ACTIVE_PRESET_NAME !== "minimal") throw Error(`@ceibo/params was loaded with ${ACTIVE_PRESET_NAME}`);

const MAX_IDS = 16384;
const clock = new fx.ManualClock();
const logs: {level: string; message: string; ctx?: Record<string, unknown>}[] = [];
const logger = {
  error: (message: string, ctx?: Record<string, unknown>) => logs.push({level: "error", message, ctx}),
  warn: (message: string, ctx?: Record<string, unknown>) => logs.push({level: "warn", message, ctx}),
  info: (message: string, ctx?: Record<string, unknown>) => logs.push({level: "info", message, ctx}),
  debug: (message: string, ctx?: Record<string, unknown>) => logs.push({level: "debug", message, ctx}),
};
let node: BeaconNode;
let url: string;
let dir: string;

beforeAll(async () => {
  dir = fx.tempDir("api-hardening");
  node = await Node.init({
    network: "dev",
    dataDir: dir,
    devValidators: fx.VALIDATORS,
    genesisTime: fx.GENESIS_TIME,
    slotDurationMs: fx.SLOT_MS,
    nowMs: clock.now,
    devSigning: true,
    rest: {address: "127.0.0.1", port: 0, allowedHosts: ["beacon.example"]},
    logger,
  });
  await fx.advance(node, clock, 1, 3);
  url = node.restUrl as string;
}, 60_000);

afterAll(async () => {
  await node?.close();
  rmSync(dir, {recursive: true, force: true});
});

async function post(path: string, body: unknown): Promise<{status: number; json: Record<string, unknown>}> {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: {"content-type": "application/json"},
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return {status: res.status, json: (await res.json()) as Record<string, unknown>};
}

const pubkeyOf = (i: number): string =>
  `0x${Buffer.from(node.chain.getHeadState().epochCtx.pubkeyCache.getPubkeyBytes(i)).toString("hex")}`;

describe("validator id lists", () => {
  it("POST validators / validator_balances / validator_identities / liveness refuse more ids than the cap with 400 naming it", async () => {
    const ids = Array.from({length: MAX_IDS + 1}, (_, i) => String(i));
    for (const [path, body] of [
      ["/eth/v1/beacon/states/head/validators", {ids}],
      ["/eth/v1/beacon/states/head/validator_balances", ids],
      ["/eth/v1/beacon/states/head/validator_identities", ids],
      ["/eth/v1/validator/liveness/0", ids],
    ] as const) {
      const r = await post(path, body);
      expect(r.status, path).toBe(400);
      expect(String(r.json.message), path).toContain(String(MAX_IDS));
    }
  });

  it("deduplicates ids (an index and the same validator's pubkey count once)", async () => {
    const ids = ["0", "0", "1", pubkeyOf(1), "2", "2"];
    const v = await post("/eth/v1/beacon/states/head/validators", {ids});
    expect(v.status).toBe(200);
    expect((v.json.data as {index: string}[]).map((d) => d.index)).toEqual(["0", "1", "2"]);
    const b = await post("/eth/v1/beacon/states/head/validator_balances", ids);
    expect((b.json.data as {index: string}[]).map((d) => d.index)).toEqual(["0", "1", "2"]);
    const i = await post("/eth/v1/beacon/states/head/validator_identities", ids);
    expect((i.json.data as {index: string}[]).map((d) => d.index)).toEqual(["0", "1", "2"]);
    const l = await post("/eth/v1/validator/liveness/0", ["3", "3", "4"]);
    expect(l.status).toBe(200);
    expect((l.json.data as {index: string}[]).map((d) => d.index)).toEqual(["3", "4"]);
  });

  it("a 1,000,000-id body (~9 MB) is refused by size before it is parsed, naming the limit", async () => {
    const ids = Array.from({length: 1_000_000}, (_, i) => String(i));
    const r = await post("/eth/v1/beacon/states/head/validators", {ids});
    expect(r.status).toBe(413);
    expect(String(r.json.message)).toMatch(/too large.*\d+ bytes/);
  });

  it("a maximal request (16384 ids, pubkeys and indices) answers without holding the event loop", async () => {
    const ids = Array.from({length: MAX_IDS}, (_, i) => (i % 2 === 0 ? String(i) : pubkeyOf(i % fx.VALIDATORS)));
    const h = monitorEventLoopDelay({resolution: 5});
    h.enable();
    const r = await post("/eth/v1/beacon/states/head/validators", {ids});
    const l = await post(
      "/eth/v1/validator/liveness/0",
      ids.filter((_, i) => i % 2 === 0),
    );
    h.disable();
    expect(r.status).toBe(200);
    // unknown indices are skipped, duplicates (every pubkey is one of the 64 validators) counted once
    expect((r.json.data as unknown[]).length).toBe(fx.VALIDATORS);
    expect(l.status).toBe(200);
    expect((l.json.data as unknown[]).length).toBe(MAX_IDS / 2);
    console.log(
      `event loop delay during a ${MAX_IDS}-id validators request and a ${MAX_IDS / 2}-index liveness request: ` +
        `max ${(h.max / 1e6).toFixed(1)} ms, p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms`,
    );
  });
});

describe("request hygiene", () => {
  it("accepts valid JSON with a __proto__ key, without polluting any prototype", async () => {
    const body = '{"ids":["1"],"__proto__":{"polluted":"yes"},"statuses":[]}';
    const r = await post("/eth/v1/beacon/states/head/validators", body);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect((r.json.data as {index: string}[]).map((d) => d.index)).toEqual(["1"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("twenty event-stream subscribers do not trip MaxListenersExceededWarning", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on("warning", onWarning);
    const controllers = Array.from({length: 20}, () => new AbortController());
    try {
      const streams = await Promise.all(
        controllers.map((c) =>
          fetch(`${url}/eth/v1/events?topics=head&topics=block&topics=finalized_checkpoint`, {signal: c.signal}),
        ),
      );
      for (const s of streams) expect(s.status).toBe(200);
      await fx.advance(node, clock, 4, 4);
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      for (const c of controllers) c.abort();
      process.off("warning", onWarning);
    }
    expect(warnings.filter((w) => w.includes("MaxListeners"))).toEqual([]);
  });

  it("blob_sidecars never answers a version the v4.0.0 schema does not allow (fulu has no blob sidecars)", async () => {
    const res = await fetch(`${url}/eth/v1/beacon/blob_sidecars/head`);
    const json = (await res.json()) as {version?: string; message?: string};
    if (res.status === 200) expect(["deneb", "electra"]).toContain(json.version);
    else {
      expect(res.status).toBe(400);
      expect(json.message).toMatch(/fulu.*\/eth\/v1\/beacon\/blobs/);
    }
    expect(node.chain.forkNameAtSlot(node.chain.head.slot)).toBe("fulu");
    expect(res.status).toBe(400);
  });

  it("config/spec serves SECONDS_PER_SLOT next to SLOT_DURATION_MS", async () => {
    const res = await fetch(`${url}/eth/v1/config/spec`);
    const spec = ((await res.json()) as {data: Record<string, string>}).data;
    expect(spec.SLOT_DURATION_MS).toBe(String(fx.SLOT_MS));
    expect(spec.SECONDS_PER_SLOT).toBe(String(fx.SLOT_MS / 1000));
  });

  it("logs a failed request at debug with method, route, status and reason", async () => {
    const res = await fetch(`${url}/eth/v1/beacon/states/head/validators/999999?x=1`);
    expect(res.status).toBe(404);
    const gone = await fetch(`${url}/eth/v1/no/such/route`);
    expect(gone.status).toBe(404);
    const failed = logs.filter((l) => l.level === "debug" && l.message === "Beacon API request failed");
    expect(failed.map((l) => l.ctx)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          method: "GET",
          route: "/eth/v1/beacon/states/:state_id/validators/:validator_id",
          status: 404,
          reason: expect.stringMatching(/999999/),
        }),
        expect.objectContaining({method: "GET", route: "/eth/v1/no/such/route", status: 404}),
      ]),
    );
  });
});

/** A raw HTTP GET with a chosen Host header (fetch does not let one set it). */
function getWithHost(path: string, host: string): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({host: u.hostname, port: u.port, path, headers: {host}}, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("Host header (DNS rebinding)", () => {
  it("serves localhost, loopback addresses and configured names; refuses other names with 403", async () => {
    const port = new URL(url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, "localhost", `[::1]:${port}`, "beacon.example"]) {
      expect(await getWithHost("/eth/v1/node/version", host), host).toBe(200);
    }
    for (const host of [`evil.example:${port}`, "attacker.test", "localhost.evil.example"]) {
      expect(await getWithHost("/eth/v1/node/version", host), host).toBe(403);
    }
  });
});

describe("sync committee duties by the clock's period (last: moves the clock)", () => {
  it("at a period's first slot, before its block, the clock's next period is answered (not a 400)", async () => {
    // minimal preset: 8 epochs of 8 slots per period; the head at slot 63 is period 0's last block
    await fx.advance(node, clock, 5, 63);
    expect(node.chain.head.slot).toBe(63);
    clock.setSlot(64);
    await node.chain.onSlot(64);
    const ask = async (epoch: number) => {
      const r = await post(
        `/eth/v1/validator/duties/sync/${epoch}`,
        Array.from({length: fx.VALIDATORS}, (_, i) => String(i)),
      );
      return r;
    };
    const current = await ask(8);
    expect(current.status, JSON.stringify(current.json)).toBe(200);
    const next = await ask(16);
    expect(next.status, JSON.stringify(next.json)).toBe(200);
    // every seat of the 32-member committee is someone's
    const seats = (next.json.data as {validator_sync_committee_indices: string[]}[]).flatMap(
      (d) => d.validator_sync_committee_indices,
    );
    expect(seats.length).toBe(32);
    expect((await ask(24)).status).toBe(400);
  });
});
