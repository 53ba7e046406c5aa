/**
 * History pruning (`--prune-history`, chain/history.ts) on an in-process dev chain (minimal preset, 64 interop
 * validators, fulu) with a 2-epoch window (devHistoryWindowEpochs): after 8 epochs the finalized blocks before
 * the window's first slot (epoch 8 - 2 = 6, slot 48; also the finalized block's slot) are gone from the database
 * with their archived states, and the node answers for the pruned range as the specs
 * say: over real libp2p req/resp Status v2 reports earliest_available_slot 48, BeaconBlocksByRange from before it
 * is ResourceUnavailable (error code 3) and from 48 on is served, BeaconBlocksByRoot leaves pruned blocks out;
 * the Beacon API answers 404 for pruned blocks by slot and by root. The mode is recorded in the database:
 * started without the flag the node warns that blocks before slot 48 are gone and that backfill refills them;
 * a backfill to genesis from a peer that kept them (an archive node on the same chain) restores them.
 */

import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {monitorEventLoopDelay} from "node:perf_hooks";
import {fromHex} from "@ceibo/utils";
import {noise} from "@chainsafe/libp2p-noise";
import {yamux} from "@chainsafe/libp2p-yamux";
import type {Libp2p} from "@libp2p/interface";
import {tcp} from "@libp2p/tcp";
import {createLibp2p} from "libp2p";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import type {BeaconNode as BeaconNodeType} from "../src/node/index.ts";

const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {ACTIVE_PRESET_NAME} = await import("@ceibo/params");
const {DevBeaconNode: BeaconNode} = await import("../src/node/dev.ts");
const {ReqResp, ReqRespError} = await import("../src/network/reqresp/index.ts");
const {HistoryPruner, historyCutoffSlot, historyWindowEpochs} = await import("../src/chain/history.ts");
const {validatorPublicKey} = await import("@ceibo/state-transition");
const fx = await import("./fixtures/syncNetwork.ts");
const {BackfillSync} = await import("../src/sync/index.ts");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;
if (ACTIVE_PRESET_NAME !== "minimal") throw Error(`@ceibo/params was already loaded with ${ACTIVE_PRESET_NAME}`);

type ReqRespT = InstanceType<typeof ReqResp>;
const GENESIS_TIME = 1_700_000_000;
const SLOT_MS = 6000;
const SLOTS_PER_EPOCH = 8;
const LAST_SLOT = 8 * SLOTS_PER_EPOCH;
const WINDOW = 2;
/** min((8 - 2) * 8, finalized block slot 48) */
const CUTOFF = 48;
const dir = mkdtempSync(join(tmpdir(), "ceibo-history-"));
let nowMs = GENESIS_TIME * 1000;
let node: BeaconNodeType;
/** The same chain without pruning: the peer backfill refills from. */
let archive: BeaconNodeType;
const hosts: Libp2p[] = [];
const rrs: ReqRespT[] = [];
const rootsBySlot = new Map<number, string>();
const warnings: string[] = [];
const infos: string[] = [];

const logger = {
  error() {},
  warn(m: string) {
    warnings.push(m);
  },
  info(m: string) {
    infos.push(m);
  },
  debug() {},
};
const silent = {error() {}, warn() {}, info() {}, debug() {}};

function init(pruneHistory: boolean, dataDir = join(dir, "pruned")): Promise<BeaconNodeType> {
  return BeaconNode.init({
    network: "dev",
    dataDir,
    devValidators: 64,
    genesisTime: GENESIS_TIME,
    slotDurationMs: SLOT_MS,
    nowMs: () => nowMs,
    pruneHistory,
    devHistoryWindowEpochs: WINDOW,
    rest: {address: "127.0.0.1", port: 0},
    logger,
  });
}

function makeReqResp(n: BeaconNodeType, host: Libp2p): ReqRespT {
  const rr = new ReqResp({
    libp2p: host,
    config: n.chain.beaconConfig,
    chain: n.chain,
    db: n.db,
    logger: silent,
    reporter: {reportPeer() {}},
    handlers: {
      getStatus: () => ({
        forkDigest: n.chain.beaconConfig.computeForkDigest(n.chain.clock.currentEpoch),
        finalizedRoot: new Uint8Array(32),
        finalizedEpoch: 0,
        headRoot: Buffer.from(n.chain.head.blockRoot.slice(2), "hex"),
        headSlot: n.chain.head.slot,
      }),
      onStatus() {},
      onGoodbye() {},
      getMetadata: () => ({seqNumber: 1n, attnets: Array(64).fill(false), syncnets: Array(4).fill(false)}),
      onPing() {},
    },
  });
  rrs.push(rr);
  return rr;
}

async function makeHost(): Promise<Libp2p> {
  const host = await createLibp2p({
    addresses: {listen: ["/ip4/127.0.0.1/tcp/0"]},
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  });
  hosts.push(host);
  return host;
}

beforeAll(async () => {
  node = await init(true);
  archive = await init(false, join(dir, "archive"));
  node.chain.emitter.on("block", ({slot, block}) => rootsBySlot.set(slot, block));
  for (let slot = 1; slot <= LAST_SLOT; slot++) {
    nowMs = GENESIS_TIME * 1000 + slot * SLOT_MS + 100;
    await node.runSlot(slot);
    await archive.runSlot(slot);
  }
  await node.history?.idle();
}, 600_000);

afterAll(async () => {
  for (const rr of rrs) await rr.stop();
  await Promise.all(hosts.map((h) => h.stop()));
  await node?.close();
  await archive?.close();
  rmSync(dir, {recursive: true, force: true});
});

describe("--prune-history with a 2-epoch window", () => {
  it("window and cut-off as computed from the spec's numbers", () => {
    // without the dev override: max(MIN_EPOCHS_FOR_BLOCK_REQUESTS = 256 + 32 / 2 on minimal, ws period)
    expect(historyWindowEpochs(node.config, 100)).toBe(272);
    expect(historyWindowEpochs(node.config, 100)).toBe(
      node.config.MIN_VALIDATOR_WITHDRAWABILITY_DELAY + Math.floor(node.config.CHURN_LIMIT_QUOTIENT / 2),
    );
    expect(historyWindowEpochs(node.config, 10 ** 6)).toBe(10 ** 6);
    expect(historyWindowEpochs(node.config, 100, 2)).toBe(2);
    expect(historyCutoffSlot(8, 2, 48)).toBe(48);
    expect(historyCutoffSlot(8, 2, 40)).toBe(40); // never past the finalized block
    expect(historyCutoffSlot(1, 2, 0)).toBe(0);
  });

  it("finalized epoch 6; blocks and archived states before slot 48 are gone, the rest is kept", async () => {
    expect(node.chain.finalizedCheckpoint.epoch).toBe(6);
    expect(rootsBySlot.size).toBe(LAST_SLOT);
    expect(await node.db.metadata.get("pruneHistory")).toBe(1);
    expect(await node.db.metadata.get("historyPrunedToSlot")).toBe(CUTOFF);
    expect(await node.db.blockArchive.firstSlot()).toBe(CUTOFF);
    const archived = (await node.db.blockArchive.rangeSerialized(0, LAST_SLOT + 1)).map((b) => b.slot);
    expect(archived[0]).toBe(CUTOFF);
    for (let slot = 1; slot < CUTOFF; slot++) {
      expect(await node.db.blockArchive.getSlotByRoot(fromHex(rootsBySlot.get(slot) ?? "0x")), `slot ${slot}`).toBe(
        null,
      );
      expect(await node.db.getBlock(fromHex(rootsBySlot.get(slot) ?? "0x"))).toBeNull();
    }
    for (let slot = CUTOFF; slot <= LAST_SLOT; slot++) {
      expect(await node.db.getBlock(fromHex(rootsBySlot.get(slot) ?? "0x")), `slot ${slot}`).not.toBeNull();
    }
    // archived states before the cut-off too (the genesis state included)
    expect(await node.db.stateArchive.slots(0, CUTOFF)).toEqual([]);
    expect(await node.db.stateArchive.getBySlot(0)).toBeNull();
    expect(infos.some((m) => m.startsWith("Pruned block history"))).toBe(true);
    // light-client bootstraps of pruned checkpoint blocks too; the finalized one (block 48) stays
    expect(await node.db.lightClient.getBootstrap(fromHex(rootsBySlot.get(16) ?? "0x"))).toBeNull();
    expect(await node.db.lightClient.getBootstrap(fromHex(rootsBySlot.get(CUTOFF) ?? "0x"))).not.toBeNull();
    expect(await archive.db.lightClient.getBootstrap(fromHex(rootsBySlot.get(16) ?? "0x"))).not.toBeNull();
  });

  it("req/resp: Status v2 earliest_available_slot, by range before it ResourceUnavailable, by root omits pruned", async () => {
    const [hostP, hostClient] = [await makeHost(), await makeHost()];
    const server = makeReqResp(node, hostP);
    const client = makeReqResp(node, hostClient);
    await server.start();
    await client.start();
    await hostClient.dial(hostP.getMultiaddrs()[0]);
    const peer = hostP.peerId.toString();

    const status = await client.status(peer, {
      forkDigest: node.chain.beaconConfig.computeForkDigest(node.chain.clock.currentEpoch),
      finalizedRoot: new Uint8Array(32),
      finalizedEpoch: 0,
      headRoot: new Uint8Array(32),
      headSlot: 0,
      earliestAvailableSlot: 0,
    });
    expect(status.earliestAvailableSlot).toBe(CUTOFF);

    for (const startSlot of [0, CUTOFF - 8]) {
      const err = await client.beaconBlocksByRange(peer, {startSlot, count: 16}).catch((e: unknown) => e);
      expect(err, `from ${startSlot}`).toBeInstanceOf(ReqRespError);
      expect((err as InstanceType<typeof ReqRespError>).status).toBe(3);
    }
    const served = await client.beaconBlocksByRange(peer, {startSlot: CUTOFF, count: 16});
    expect(served.map((b) => b.block.message.slot)).toEqual(Array.from({length: 16}, (_, i) => CUTOFF + i));

    const byRoot = await client.beaconBlocksByRoot(peer, [
      fromHex(rootsBySlot.get(10) ?? "0x"),
      fromHex(rootsBySlot.get(50) ?? "0x"),
    ]);
    expect(byRoot.map((b) => b.block.message.slot)).toEqual([50]);
  });

  it("Beacon API: 404 for pruned blocks by slot, root and genesis; 200 inside the window", async () => {
    const get = (id: string | number) => fetch(`${node.restUrl}/eth/v2/beacon/blocks/${id}`);
    for (const id of [10, rootsBySlot.get(10) ?? "", "genesis", CUTOFF - 1]) {
      const res = await get(id);
      expect(res.status, `block ${id}`).toBe(404);
      await res.body?.cancel();
    }
    for (const id of [CUTOFF, rootsBySlot.get(CUTOFF + 2) ?? ""]) {
      const res = await get(id);
      expect(res.status, `block ${id}`).toBe(200);
      await res.body?.cancel();
    }
  });

  it("a second run is a no-op; a pruner continues from the stored cursor", async () => {
    const again = await new HistoryPruner({
      db: node.db,
      config: node.config,
      logger: silent,
      windowEpochs: WINDOW,
    }).prune(8, CUTOFF, 0);
    expect(again.batches).toBe(0);
    expect(again.blocks).toBe(0);
  });

  it("started without --prune-history: a clear warning names the first kept slot; the mode is recorded as off", async () => {
    for (const rr of rrs.splice(0)) await rr.stop();
    await node.close();
    warnings.length = 0;
    node = await init(false);
    expect(node.history).toBeNull();
    const warning = warnings.find((w) => w.includes("--prune-history"));
    expect(warning).toBeDefined();
    expect(warning).toContain(`blocks before slot ${CUTOFF} were deleted`);
    expect(warning).toContain("backfill downloads them again");
    expect(await node.db.metadata.get("pruneHistory")).toBe(0);
    // the chain itself resumes and goes on
    nowMs = GENESIS_TIME * 1000 + (LAST_SLOT + 1) * SLOT_MS + 100;
    await node.runSlot(LAST_SLOT + 1);
    expect(node.chain.head.slot, warnings.join("\n")).toBe(LAST_SLOT + 1);
  }, 300_000);

  it("backfill toward genesis (what the node starts when the mode is off) refills the pruned blocks", async () => {
    // both nodes made the same chain (same keys, same deterministic mock payloads)
    expect(archive.chain.finalizedCheckpoint).toEqual(node.chain.finalizedCheckpoint);
    const net = new fx.TestSyncNetwork();
    net.addPeer(new fx.ServingPeer("archive", archive));
    const backfill = new BackfillSync(
      {
        db: node.db,
        config: node.chain.beaconConfig,
        network: net,
        getPubkey: (i) => validatorPublicKey(node.chain.getHeadState(), i),
      },
      {minSlot: 0},
    );
    const done = new Promise((resolve) => backfill.emitter.once("complete", resolve));
    await backfill.start();
    expect(backfill.status.oldestSlot).toBe(CUTOFF);
    await done;
    expect(backfill.writtenBlocks).toBe(CUTOFF);
    expect(await node.db.blockArchive.firstSlot()).toBe(0);
    for (let slot = 1; slot < CUTOFF; slot++) {
      expect(await node.db.blockArchive.getSlotByRoot(fromHex(rootsBySlot.get(slot) ?? "0x")), `slot ${slot}`).toBe(
        slot,
      );
    }
    await backfill.stop();
    // the next start sees a whole database: no warning, the cursor is reset
    await node.close();
    warnings.length = 0;
    node = await init(false);
    expect(warnings.filter((w) => w.includes("--prune-history"))).toEqual([]);
    expect(await node.db.metadata.get("historyPrunedToSlot")).toBe(0);

    // and pruning again when asked
    await node.close();
    warnings.length = 0;
    node = await init(true);
    expect(node.history).not.toBeNull();
    await node.history?.idle();
    expect(await node.db.blockArchive.firstSlot()).toBe(CUTOFF);
    expect(warnings.filter((w) => w.includes("--prune-history"))).toEqual([]);
    expect(await node.db.metadata.get("pruneHistory")).toBe(1);
  }, 300_000);

  it("in small batches with the event loop running between them (the archive node's db, batches of 4 slots)", async () => {
    const delay = monitorEventLoopDelay({resolution: 1});
    delay.enable();
    const r = await new HistoryPruner({
      db: archive.db,
      config: archive.config,
      logger: silent,
      windowEpochs: WINDOW,
      batchSlots: 4,
    }).prune(8, CUTOFF, 0);
    delay.disable();
    expect(r.blocks).toBe(CUTOFF); // blocks 0…47
    expect(r.batches).toBe(CUTOFF / 4);
    expect(await archive.db.metadata.get("historyPrunedToSlot")).toBe(CUTOFF);
    expect(await archive.db.blockArchive.firstSlot()).toBe(CUTOFF);
    console.info(
      `history: ${r.blocks} blocks, ${r.states} states in ${r.batches} batches of 4 slots, longest batch ` +
        `${r.maxBatchMs.toFixed(1)} ms, max event-loop delay ${(delay.max / 1e6).toFixed(1)} ms`,
    );
  });
});
