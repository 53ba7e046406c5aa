/**
 * Builder API (MEV-boost) end to end, separate processes and real time (issue 15 item 3 "Done when"):
 *   `ceibo mock-engine` (JWT) — `ceibo beacon --network dev --builder-url <relay>` (minimal preset, fulu at genesis,
 *   64 validators, 2 s slots, circuit breaker window 4 / 1 allowed fault) — `ceibo validator --builder` with the 64
 *   interop keys (it skips proposing at slots 26 and 27 on purpose) — and in this process the mock relay
 *   (test/harness/mockRelay.ts), a real HTTP server speaking builder-specs that builds its payloads on the same
 *   engine and signs its bids with its own key.
 * Phases, driven by the test on the chain's clock:
 *   1. relay ok: blocks whose payload is the relay's (same payload root as the one it built, its block hash
 *      revealed through submitBlindedBlockV2, fee recipient = the registered one) are proposed and imported;
 *   2. relay down (503) → local payloads, no missed slot;
 *   3. relay late (answers after 3 s, the node waits 1 s) → local payloads, no missed slot;
 *   4. bids paying another fee recipient → refused (process_bid) → local payloads;
 *   5. relay ok again; slots 26, 27 missed → the circuit breaker trips for 28..30 (no getHeader at all, local
 *      payloads) and recovers at 31 (relay payloads again).
 */
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {ceibo, getJson, type Proc, until} from "../../test/harness/processes.ts";

const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {ACTIVE_PRESET_NAME} = await import("@ceibo/params");
const {ssz} = await import("@ceibo/types");
const {MockRelay} = await import("../../test/harness/mockRelay.ts");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;
if (ACTIVE_PRESET_NAME !== "minimal") throw Error(`@ceibo/params was loaded with ${ACTIVE_PRESET_NAME}`);

const SLOT_MS = 2000;
const VALIDATORS = 64;
const EL_GENESIS_HASH = `0x${"42".repeat(32)}`;
const FEE_RECIPIENT = `0x${"f1".repeat(20)}`;
const SKIPPED = [26, 27];
const JWT = `0x${"5b".repeat(32)}`;

const dir = mkdtempSync(join(tmpdir(), "ceibo-e2e-builder-"));
const jwtFile = join(dir, "jwt.hex");
writeFileSync(jwtFile, `${JWT}\n`);
const procs: Proc[] = [];
let relay: InstanceType<typeof MockRelay> | null = null;

afterAll(async () => {
  await Promise.all(procs.map((p) => p.kill("SIGKILL")));
  await relay?.close();
  if (process.env.KEEP_BUILDER_LOGS === undefined) rmSync(dir, {recursive: true, force: true});
  else console.log(`logs kept in ${dir}`);
});

type BlockJson = {
  data: {
    message: {
      slot: string;
      body: {execution_payload: Record<string, unknown> & {block_hash: string; fee_recipient: string}};
    };
  };
};

describe("builder flow: mock relay + mock engine + beacon node + validator client", {timeout: 180_000}, () => {
  let api = "";
  let genesisTime = 0;
  const slotNow = () => Math.floor((Date.now() / 1000 - genesisTime) / (SLOT_MS / 1000));
  const blockAt = async (slot: number): Promise<BlockJson | null> => {
    const res = await fetch(`${api}/eth/v2/beacon/blocks/${slot}`);
    if (res.status === 404) return null;
    if (!res.ok) throw Error(`block ${slot}: ${res.status}`);
    return (await res.json()) as BlockJson;
  };
  const fromRelay = (b: BlockJson): boolean =>
    relay?.built.has(b.data.message.body.execution_payload.block_hash) ?? false;
  /** Waits until the chain has reached `slot` (the head is at or after it, or the clock is 2 slots past it). */
  const reach = (slot: number) =>
    until(
      `slot ${slot}`,
      120_000,
      async () => {
        const h = await getJson<{data: {header: {message: {slot: string}}}}>(`${api}/eth/v1/beacon/headers/head`);
        return Number(h.data.header.message.slot) >= slot || slotNow() >= slot + 2;
      },
      procs,
    );
  const blocksIn = async (from: number, to: number) => {
    const out: {slot: number; block: BlockJson | null}[] = [];
    for (let s = from; s <= to; s++) out.push({slot: s, block: await blockAt(s)});
    return out;
  };

  it("starts the engine, the node (with --builder-url), the relay and the validator client", async () => {
    const engine = ceibo("mock-engine", [
      "mock-engine",
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      "--jwt-secret",
      jwtFile,
      "--genesis-block-hash",
      EL_GENESIS_HASH,
      "--fork",
      "fulu",
    ]);
    procs.push(engine);
    const engineUrl = (await engine.waitFor(/mock engine listening on (http:\/\/127\.0\.0\.1:\d+)/, 30_000))[1];

    // the relay's port first (the node is told its URL), its event stream connects once the node is up
    relay = new MockRelay({
      beaconApi: "http://127.0.0.1:0",
      engineUrl,
      jwtSecret: Uint8Array.from(Buffer.from(JWT.slice(2), "hex")),
      genesisForkVersion: new Uint8Array(4),
    });
    const relayUrl = await relay.start();

    genesisTime = Math.ceil(Date.now() / 1000) + 8;
    const bn = ceibo(
      "beacon",
      [
        "beacon",
        "--network",
        "dev",
        "--dev.validators",
        String(VALIDATORS),
        "--dev.genesis-time",
        String(genesisTime),
        "--dev.slot-duration-ms",
        String(SLOT_MS),
        "--dev.signing",
        "false",
        "--execution-urls",
        engineUrl,
        "--jwt-secret",
        jwtFile,
        "--rest.port",
        "0",
        "--data-dir",
        join(dir, "bn"),
        "--builder-url",
        relayUrl,
        "--builder.fault-inspection-window",
        "4",
        "--builder.allowed-faults",
        "1",
      ],
      {CEIBO_PRESET: "minimal"},
      {logFile: join(dir, "bn.log")},
    );
    procs.push(bn);
    api = (await bn.waitFor(/Beacon API listening url=(http:\/\/127\.0\.0\.1:\d+)/, 60_000))[1];
    await bn.waitFor(/Builder connected/, 20_000);
    const genesis = await getJson<{data: {genesis_fork_version: string}}>(`${api}/eth/v1/beacon/genesis`);
    (relay.opts as {beaconApi: string}).beaconApi = api;
    (relay.opts as {genesisForkVersion: Uint8Array}).genesisForkVersion = Uint8Array.from(
      Buffer.from(genesis.data.genesis_fork_version.slice(2), "hex"),
    );

    const vc = ceibo(
      "validator",
      [
        "validator",
        "--beacon-nodes",
        api,
        "--interop-indexes",
        `0..${VALIDATORS - 1}`,
        "--data-dir",
        join(dir, "vc"),
        "--fee-recipient",
        FEE_RECIPIENT,
        "--builder",
        "--doppelganger-protection",
        "false",
        "--dev.skip-proposals",
        SKIPPED.join(","),
      ],
      {CEIBO_PRESET: "minimal"},
      {logFile: join(dir, "vc.log")},
    );
    procs.push(vc);
    // every key registered with the relay (signature checked there), through the node's register_validator
    await until("64 registrations at the relay", 90_000, async () => relay?.registrations.size === VALIDATORS, procs);
    for (const r of relay.registrations.values()) {
      expect(`0x${Buffer.from(r.feeRecipient).toString("hex")}`).toBe(FEE_RECIPIENT);
      expect(r.gasLimit).toBe(60_000_000);
    }
  });

  it("proposes and imports blocks built from the relay's payloads (fulu: the relay publishes them)", async () => {
    const r = relay as InstanceType<typeof MockRelay>;
    // the relay saw 3 of its payloads published (v2); then those slots' blocks are read back (light polling: the
    // machine is small and busy)
    await until("3 payloads revealed by the relay", 120_000, async () => r.revealed.size >= 3, procs, 500);
    const found: {slot: number; block: BlockJson | null}[] = [];
    for (const slot of [...r.revealed.values()].slice(0, 3)) {
      found.push({slot, block: await until(`the block of slot ${slot}`, 30_000, () => blockAt(slot), procs)});
    }
    for (const {slot, block} of found) {
      const payloadJson = (block as BlockJson).data.message.body.execution_payload;
      const built = r.built.get(payloadJson.block_hash);
      expect(built?.slot).toBe(slot);
      // the block's payload is exactly the relay's: same hash tree root, same fee recipient (the registered one)
      const payload = ssz.fulu.ExecutionPayload.fromJson(payloadJson);
      expect(Buffer.from(ssz.fulu.ExecutionPayload.hashTreeRoot(payload)).toString("hex")).toBe(
        Buffer.from(ssz.fulu.ExecutionPayload.hashTreeRoot(built?.payload as never)).toString("hex"),
      );
      expect(payloadJson.fee_recipient).toBe(FEE_RECIPIENT);
      // revealed through submitBlindedBlockV2 (the relay published it) for this slot
      expect(r.revealed.get(payloadJson.block_hash)).toBe(slot);
      // GET blinded_blocks: the same block with the payload's header
      const blinded = await getJson<{
        version: string;
        data: {message: {body: {execution_payload_header: {block_hash: string; transactions_root: string}}}};
      }>(`${api}/eth/v1/beacon/blinded_blocks/${slot}`);
      expect(blinded.version).toBe("fulu");
      expect(blinded.data.message.body.execution_payload_header.block_hash).toBe(payloadJson.block_hash);
    }
    expect(r.errors).toEqual([]);
  });

  const localPhase = async (what: string, setup: () => void, blocks: number) => {
    const r = relay as InstanceType<typeof MockRelay>;
    const start = slotNow() + 1;
    setup();
    await reach(start + blocks);
    const end = start + blocks - 1;
    const got = await blocksIn(start, end);
    const missed = got.filter((b) => b.block === null).map((b) => b.slot);
    const fromTheRelay = got.filter((b) => b.block !== null && fromRelay(b.block)).map((b) => b.slot);
    expect({what, missed, fromTheRelay}).toEqual({what, missed: [], fromTheRelay: []});
    // every proposal asked the relay (and got nothing usable), none waited past the slot
    for (let s = start; s <= end; s++) expect(r.headerRequests.some((h) => h.slot === s)).toBe(true);
    for (const b of got)
      expect((b.block as BlockJson).data.message.body.execution_payload.fee_recipient).toBe(FEE_RECIPIENT);
    r.mode = "ok";
    r.feeRecipient = null;
  };

  it("relay down → local payloads, no missed slot", async () => {
    await localPhase(
      "down",
      () => {
        (relay as InstanceType<typeof MockRelay>).mode = "down";
      },
      3,
    );
  });

  it("relay late (3 s, the node waits 1 s) → local payloads, no missed slot", async () => {
    await localPhase(
      "slow",
      () => {
        const r = relay as InstanceType<typeof MockRelay>;
        r.delayMs = 3000;
        r.mode = "slow";
      },
      2,
    );
  });

  it("a bid paying another fee recipient is refused (process_bid) → local payloads", async () => {
    await localPhase(
      "fee recipient",
      () => {
        (relay as InstanceType<typeof MockRelay>).feeRecipient = new Uint8Array(20).fill(0xbb);
      },
      2,
    );
    expect((procs[1] as Proc).output).toMatch(/Builder bid invalid: local payload .*fee recipient 0xbbbb/);
  });

  it("the circuit breaker trips after the missed slots 26, 27 and recovers", async () => {
    const r = relay as InstanceType<typeof MockRelay>;
    expect(slotNow()).toBeLessThan(SKIPPED[0] - 1); // the phases before must leave room (a slow machine: say so)
    await reach(32);
    expect(await blockAt(26)).toBeNull();
    expect(await blockAt(27)).toBeNull();
    // 28..30: window of 4 slots holds 2 missed > 1 allowed: the relay is not even asked, payloads are local
    for (const s of [28, 29, 30]) {
      expect(r.headerRequests.filter((h) => h.slot === s)).toEqual([]);
      const b = await blockAt(s);
      if (b !== null) expect(fromRelay(b)).toBe(false);
    }
    const bn = procs[1] as Proc;
    expect(bn.output).toMatch(/Builder circuit breaker tripped: local payloads only slot=28 missed=2/);
    // recovered: relay payloads again from slot 31
    const recovered = await until(
      "a relay block after slot 30",
      60_000,
      async () => {
        const head = await getJson<{data: {header: {message: {slot: string}}}}>(`${api}/eth/v1/beacon/headers/head`);
        const got = await blocksIn(31, Number(head.data.header.message.slot));
        return got.find((b) => b.block !== null && fromRelay(b.block)) ?? null;
      },
      procs,
      1000,
    );
    expect(recovered.slot).toBeGreaterThanOrEqual(31);
    expect(bn.output).toMatch(/Builder circuit breaker recovered slot=3\d/);
    expect(r.errors).toEqual([]);
  });
});
