/**
 * Range sync and unknown-block lookup between real in-process chains (sync/range/, sync/unknownBlock.ts):
 * node A (interop validators, dev signing) makes and finalizes a chain; fresh nodes from the same genesis sync
 * from peers that serve A's blocks through the SyncNetwork seam (test/fixtures/syncNetwork.ts).
 */
import {rmSync} from "node:fs";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import type {BeaconNode} from "../src/node/index.ts";
import type {BeaconSync} from "../src/sync/index.ts";

// The preset is fixed when @ceibo/params is first loaded: load the consensus packages only now, with
// CEIBO_PRESET=minimal (this file runs in its own worker process), then put the variable back.
const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {ACTIVE_PRESET_NAME} = await import("@ceibo/params");
const fx = await import("./fixtures/syncNetwork.ts");
const {BeaconSync: BeaconSyncClass} = await import("../src/sync/index.ts");
const {blockRootOf} = await import("../src/chain/blockRoot.ts");
const {computeEpochAtSlot, getBlockSignatureSets, processSlots, toPublicKey} = await import("@ceibo/state-transition");
const {getSegmentSignatureSets} = await import("../src/sync/segmentSignatures.ts");
const {toRootHex} = await import("@ceibo/fork-choice");
const {toHex} = await import("@ceibo/utils");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;
if (ACTIVE_PRESET_NAME !== "minimal") throw Error(`@ceibo/params was loaded with ${ACTIVE_PRESET_NAME}`);

const dirs: string[] = [];
const nodes: BeaconNode[] = [];
const syncs: BeaconSync[] = [];
const clock = new fx.ManualClock();
let a: BeaconNode;

async function freshNode(name: string): Promise<BeaconNode> {
  const dir = fx.tempDir(name);
  dirs.push(dir);
  const node = await fx.devNode(clock, dir, false);
  nodes.push(node);
  return node;
}

function startSync(node: BeaconNode, network: InstanceType<typeof fx.TestSyncNetwork>): BeaconSync {
  const sync = new BeaconSyncClass({
    chain: node.chain,
    db: node.db,
    network,
    opts: {range: {retryDelayMs: 100, requestTimeoutMs: 10_000}, backfill: false},
  });
  syncs.push(sync);
  return sync;
}

beforeAll(async () => {
  const dir = fx.tempDir("sync-range-a");
  dirs.push(dir);
  a = await fx.devNode(clock, dir, true);
  nodes.push(a);
  // 5 epochs of 8 slots: epoch 3 is finalized at slot 40
  await fx.advance(a, clock, 1, 40);
}, 60_000);

afterAll(async () => {
  for (const s of syncs) await s.stop();
  for (const n of nodes) await n.close();
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

describe("range sync", () => {
  let b: BeaconNode;
  let bSync: BeaconSync;
  let bNet: InstanceType<typeof fx.TestSyncNetwork>;

  it("brings a genesis node to the peers' head (finalized, then head sync) over several peers", async () => {
    expect(a.chain.head.slot).toBe(40);
    expect(a.chain.finalizedCheckpoint.epoch).toBe(3);
    b = await freshNode("sync-range-b");
    bNet = new fx.TestSyncNetwork();
    bNet.delayMs = 5; // overlapping requests
    bSync = startSync(b, bNet);
    await bSync.start();
    // no peers, head 40 slots behind the clock: stalled
    expect(bSync.state).toBe("stalled");
    expect(bSync.getSyncStatus()).toEqual({
      headSlot: 0,
      syncDistance: 40,
      isSyncing: true,
      isOptimistic: false,
      elOffline: false,
    });
    const t0 = Date.now();
    for (const id of ["p1", "p2", "p3"]) bNet.addPeer(new fx.ServingPeer(id, a));
    expect(bSync.state).toBe("syncing");
    expect(bSync.range.target?.type).toBe("finalized");
    await fx.until(() => b.chain.head.blockRoot === a.chain.head.blockRoot, 30_000, "B at A's head");
    await fx.until(() => bSync.state === "synced", 5_000, "B synced");
    const ms = Date.now() - t0;
    console.log(
      `range sync: ${bSync.range.importedBlocks} blocks in ${ms} ms (${((bSync.range.importedBlocks * 1000) / ms).toFixed(1)} blocks/s)`,
    );

    expect(b.chain.head.slot).toBe(40);
    // the same blocks and votes give the same finality
    expect(b.chain.finalizedCheckpoint).toEqual(a.chain.finalizedCheckpoint);
    expect(b.chain.justifiedCheckpoint).toEqual(a.chain.justifiedCheckpoint);
    expect(bSync.range.importedBlocks).toBe(40);
    expect(bSync.isSynced()).toBe(true);
    expect(bSync.getSyncStatus()).toMatchObject({headSlot: 40, syncDistance: 0, isSyncing: false});
    // batches of 2 epochs (16 slots) aligned to epochs, from several peers, each slot requested
    const range = bNet.requests.filter((r) => r.method === "range");
    expect(range.every((r) => r.count === 16 && (r.startSlot as number) % 8 === 0)).toBe(true);
    expect(new Set(range.map((r) => r.peer)).size).toBeGreaterThan(1);
    for (let slot = 1; slot <= 40; slot++) {
      expect(range.some((r) => (r.startSlot as number) <= slot && slot < (r.startSlot as number) + 16)).toBe(true);
    }
    expect(bNet.reports).toEqual([]);
  });

  it("imports a gap of blocks by root when a gossip block's parent is unknown; penalises a wrong by-root answer", async () => {
    await fx.advance(a, clock, 41, 43);
    const tip = await a.db.getBlock(Buffer.from(a.chain.head.blockRoot.slice(2), "hex"));
    expect(tip?.block.message.slot).toBe(43);
    // "liar" answers every by-root request with A's block at slot 40
    const liar = new fx.ServingPeer("liar", a);
    liar.wrongByRoot = (await liar.canonical()).find((blk) => blk.message.slot === 40) ?? null;
    bNet.addPeer(liar);
    const before = b.chain.head.slot;
    expect(before).toBe(40);
    // the gossip block arrived from the liar: its parent (42) is asked from it first
    const calls = countBlsCalls(b);
    const rangeBefore = bSync.range.importedBlocks;
    bSync.onUnknownBlockParent(tip?.block as never, "liar");
    await fx.until(() => b.chain.head.blockRoot === a.chain.head.blockRoot, 10_000, "B at A's head (43)");
    // on a busy machine the previous test's range-sync session may still be open (it syncs within the tolerance
    // until no peer is ahead) and import some of 41..43 first: every block is imported once, by one path or the other
    const byRange = bSync.range.importedBlocks - rangeBefore;
    expect(bSync.unknownBlock.importedBlocks + byRange).toBe(3);
    expect(bSync.unknownBlock.importedBlocks).toBeGreaterThanOrEqual(1);
    expect(calls.every((c) => c.valid)).toBe(true);
    // 41, 42 (by root) and 43 (gossip) are one line of one epoch: their signatures in one chain.bls call
    if (byRange === 0) expect(calls.map((c) => c.valid)).toEqual([true]);
    expect(bSync.unknownBlock.pendingCount).toBe(0);
    const liarReports = bNet.reportsOf("liar");
    expect(liarReports.length).toBeGreaterThanOrEqual(1);
    expect(liarReports.every((r) => r.action === "lowTolerance" && /another block/.test(r.reason))).toBe(true);
    expect(bNet.reports.filter((r) => r.peer !== "liar")).toEqual([]);
    // the range sync did not run for 3 slots (within the tolerance): only by-root requests since
    const roots = bNet.requests.filter((r) => r.method === "root");
    expect(roots.length).toBeGreaterThanOrEqual(3);
    bNet.removePeer("liar");
  });

  it("fetches the block of an unknown attested root", async () => {
    await fx.advance(a, clock, 44, 44);
    bSync.onUnknownBlockRoot(Buffer.from(a.chain.head.blockRoot.slice(2), "hex"), "p1");
    await fx.until(() => b.chain.head.blockRoot === a.chain.head.blockRoot, 10_000, "B at A's head (44)");
    expect(b.chain.head.slot).toBe(44);
  });

  it("hands a gossip block too far ahead to range sync, which catches up", async () => {
    await fx.advance(a, clock, 45, 64);
    const tip = await a.db.getBlock(Buffer.from(a.chain.head.blockRoot.slice(2), "hex"));
    // peers' statuses are stale (no re-status): only the gossip block tells B that p2 is at slot 64
    const stale = {
      headSlot: b.chain.head.slot,
      headRoot: Buffer.from(b.chain.head.blockRoot.slice(2), "hex"),
      finalizedEpoch: b.chain.finalizedCheckpoint.epoch,
      finalizedRoot: Buffer.from(b.chain.finalizedCheckpoint.root.slice(2), "hex"),
    };
    for (const p of bNet.peers.values()) p.statusOverride = stale;
    bSync.onUnknownBlockParent(tip?.block as never, "p2");
    expect(bSync.unknownBlock.pendingCount).toBe(0);
    expect(bSync.state).toBe("syncing");
    expect(bSync.range.target).toMatchObject({type: "head", slot: 64});
    await fx.until(() => b.chain.head.blockRoot === a.chain.head.blockRoot, 20_000, "B at A's head (64)");
    for (const p of bNet.peers.values()) p.statusOverride = {};
    await fx.until(() => bSync.state === "synced", 5_000, "B synced");
    expect(b.chain.finalizedCheckpoint).toEqual(a.chain.finalizedCheckpoint);
  });
});

describe("range sync with bad peers", () => {
  it("penalises peers serving a bad signature or a broken chain and retries their batches with another peer", async () => {
    const c = await freshNode("sync-range-c");
    const net = new fx.TestSyncNetwork();
    net.delayMs = 5;
    const sync = startSync(c, net);
    await sync.start();
    // badSig: every non-genesis block carries another block's (valid-point) signature
    const good = new fx.ServingPeer("good", a);
    const donor = (await good.canonical())[5].signature;
    const badSig = new fx.ServingPeer("badSig", a, (blk) => {
      if (blk.message.slot > 0) blk.signature = donor;
      return blk;
    });
    // badChain: the block at slot 20 has another graffiti, so slot 21's parent_root no longer matches
    const badChain = new fx.ServingPeer("badChain", a, (blk) => {
      if (blk.message.slot === 20 || blk.message.slot === 4 || blk.message.slot === 36) {
        (blk.message.body as {graffiti: Uint8Array}).graffiti = new Uint8Array(32).fill(0xee);
      }
      return blk;
    });
    for (const p of [good, badSig, badChain]) net.addPeer(p);
    await fx.until(() => c.chain.head.blockRoot === a.chain.head.blockRoot, 30_000, "C at A's head");
    expect(c.chain.finalizedCheckpoint).toEqual(a.chain.finalizedCheckpoint);

    const sig = net.reportsOf("badSig");
    expect(sig.length).toBeGreaterThanOrEqual(1);
    expect(sig.every((r) => r.action === "lowTolerance" && /INVALID_SIGNATURE/.test(r.reason))).toBe(true);
    const chainReports = net.reportsOf("badChain");
    expect(chainReports.length).toBeGreaterThanOrEqual(1);
    expect(chainReports.every((r) => r.action === "lowTolerance" && /not the previous block/.test(r.reason))).toBe(
      true,
    );
    expect(net.reportsOf("good")).toEqual([]);
    // every batch a bad peer was penalised for was asked again from another peer
    const range = net.requests.filter((r) => r.method === "range");
    for (const r of [
      ...sig.map((x) => ({...x, peer: "badSig"})),
      ...chainReports.map((x) => ({...x, peer: "badChain"})),
    ]) {
      const startSlot = Number(/batch at slot (\d+)/.exec(r.reason)?.[1]);
      expect(range.some((x) => x.startSlot === startSlot && x.peer !== r.peer)).toBe(true);
    }
  });

  it("re-downloads a batch served empty when the next batch proves it had blocks", async () => {
    const d = await freshNode("sync-range-d");
    const net = new fx.TestSyncNetwork();
    const sync = startSync(d, net);
    await sync.start();
    // withholder: serves nothing for slots 16..31 (its status claims a head far beyond); its answer for slot 32
    // is held until the test lets it go
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const withholder = new fx.ServingPeer("withholder", a, (blk) =>
      blk.message.slot >= 16 && blk.message.slot < 32 ? null : blk,
    );
    const serve = withholder.blocksByRange.bind(withholder);
    withholder.blocksByRange = async (req) => {
      if (req.startSlot === 32) await gate;
      return serve(req);
    };
    net.addPeer(withholder);
    // alone, it serves the batches one by one; once it is asked for slot 32 (after its empty 16..31 answer) it
    // disconnects and an honest peer arrives: the batch at 32 does not link, 16..31 is asked again
    await fx.until(() => net.requests.some((r) => r.startSlot === 32), 10_000, "batch 32 requested");
    expect(net.requests.filter((r) => r.method === "range").map((r) => [r.peer, r.startSlot])).toEqual([
      ["withholder", 0],
      ["withholder", 16],
      ["withholder", 32],
    ]);
    net.removePeer("withholder");
    net.addPeer(new fx.ServingPeer("honest", a));
    release();
    await fx.until(() => d.chain.head.blockRoot === a.chain.head.blockRoot, 30_000, "D at A's head");
    const reports = net.reportsOf("withholder");
    expect(reports.map((r) => r.action)).toContain("midTolerance");
    expect(reports.find((r) => r.action === "midTolerance")?.reason).toMatch(/no blocks for slots 16\.\.31/);
    expect(net.reportsOf("honest")).toEqual([]);
    expect(net.requests.some((r) => r.peer === "honest" && r.startSlot === 16)).toBe(true);
  });
});

/** Counts the node's chain.bls calls (a pass-through wrapper: the real verifier still answers). */
function countBlsCalls(node: BeaconNode): {sets: number; valid: boolean}[] {
  const calls: {sets: number; valid: boolean}[] = [];
  const bls = node.chain.bls;
  const verify = bls.verifySignatureSets.bind(bls);
  bls.verifySignatureSets = async (sets, opts) => {
    const valid = await verify(sets, opts);
    calls.push({sets: sets.length, valid});
    return valid;
  };
  return calls;
}

describe("range sync: one chain.bls call per segment (issue 13)", () => {
  it("verifies the signatures of each epoch's blocks of a batch in one call", async () => {
    const f = await freshNode("sync-range-f");
    const calls = countBlsCalls(f);
    const net = new fx.TestSyncNetwork();
    const sync = startSync(f, net);
    await sync.start();
    net.addPeer(new fx.ServingPeer("p1", a));
    await fx.until(() => f.chain.head.blockRoot === a.chain.head.blockRoot, 30_000, "F at A's head");
    expect(net.reports).toEqual([]);
    // batches are 2 epochs aligned to epochs: a segment is an epoch's blocks, one call each (before: one per block)
    const blocks = (await new fx.ServingPeer("q", a).canonical()).filter((b) => b.message.slot > 0);
    const slots = blocks.map((b) => b.message.slot);
    // blocks after the first of their epoch carry sync aggregates and attestations (their sets are built on the
    // segment's first pre-state: the sync aggregate's signed root is their parent's)
    const later = blocks.filter((b) => b.message.slot % 8 > 1);
    const body = (b: (typeof blocks)[number]) =>
      b.message.body as unknown as {
        syncAggregate: {syncCommitteeBits: {getTrueBitIndexes(): number[]}};
        attestations: unknown[];
      };
    expect(later.every((b) => body(b).syncAggregate.syncCommitteeBits.getTrueBitIndexes().length > 0)).toBe(true);
    expect(later.every((b) => body(b).attestations.length > 0)).toBe(true);
    expect(sync.range.importedBlocks).toBe(slots.length);
    const epochs = new Set(slots.map((s) => computeEpochAtSlot(s)));
    console.info("range sync pool calls:", {blocks: slots.length, epochs: epochs.size, calls: calls.length});
    expect(calls.length).toBe(epochs.size);
    expect(calls.every((c) => c.valid)).toBe(true);
    // every block's sets went through them (a block has at least its proposer and RANDAO sets)
    expect(calls.reduce((n, c) => n + c.sets, 0)).toBeGreaterThanOrEqual(2 * slots.length);
  });

  it("builds the sets of each block of a segment exactly as on the block's own pre-state", async () => {
    const g = await freshNode("sync-range-g");
    const blocks = (await new fx.ServingPeer("q", a).canonical()).filter((b) => b.message.slot > 0);
    type Sets = ReturnType<typeof getBlockSignatureSets>;
    const describeSets = (sets: Sets) =>
      sets.map((x) => ({
        pubkeys: (x.type === "single" ? [x.pubkey] : x.pubkeys).map((k) => toHex(toPublicKey(k).toBytes(true))),
        signingRoot: toHex(x.signingRoot),
        signature: toHex(x.signature),
      }));
    let compared = 0;
    let syncAggregates = 0;
    for (let epoch = 0; epoch <= computeEpochAtSlot(blocks[blocks.length - 1].message.slot); epoch++) {
      const epochBlocks = blocks.filter((b) => computeEpochAtSlot(b.message.slot) === epoch);
      if (epochBlocks.length === 0) continue;
      const segment = epochBlocks.length > 1 ? getSegmentSignatureSets(g.chain, epochBlocks, 0) : null;
      if (epochBlocks.length > 1) expect(segment?.end).toBe(epochBlocks.length);
      for (let k = 0; k < epochBlocks.length; k++) {
        const block = epochBlocks[k];
        // the oracle: the import's own way, on this block's real pre-state (its parent imported just before)
        const pre = g.chain.getBlockState(toRootHex(block.message.parentRoot)).clone();
        processSlots(pre, block.message.slot);
        const real = getBlockSignatureSets(pre, block);
        if (segment !== null) {
          expect(describeSets(segment.setsPerBlock[k])).toEqual(describeSets(real));
          compared++;
          if (k > 0 && real.length > 2 + block.message.body.attestations.length) syncAggregates++;
        }
        await g.chain.importBlock(block, {});
      }
    }
    expect(compared).toBeGreaterThanOrEqual(30);
    expect(syncAggregates).toBeGreaterThan(0);
  });

  it("a segment with one bad signature: the peer is penalised, the good blocks before it are imported", async () => {
    const e = await freshNode("sync-range-e");
    const calls = countBlsCalls(e);
    const net = new fx.TestSyncNetwork();
    const sync = startSync(e, net);
    await sync.start();
    const canonical = await new fx.ServingPeer("q", a).canonical();
    const bySlot = new Map(canonical.map((b) => [b.message.slot, b]));
    const rootAt = (slot: number) => {
      const b = bySlot.get(slot);
      if (b === undefined) throw Error(`A has no block at slot ${slot}`);
      return toRootHex(blockRootOf(a.chain.beaconConfig, b.message));
    };
    // bad: the block at slot 13 (epoch 1, second half of the first batch) carries another block's signature
    const donor = (bySlot.get(5) as (typeof canonical)[number]).signature;
    const bad = new fx.ServingPeer("bad", a, (blk) => {
      if (blk.message.slot === 13) blk.signature = donor;
      return blk;
    });
    net.addPeer(bad);
    await fx.until(() => net.reportsOf("bad").length > 0, 30_000, "bad peer penalised");
    const report = net.reportsOf("bad")[0];
    expect(report.action).toBe("lowTolerance");
    expect(report.reason).toMatch(/batch at slot 0: .*INVALID_SIGNATURE/);
    // the blocks before slot 13 are imported, 13 is not
    for (let slot = 1; slot < 13; slot++)
      if (bySlot.has(slot)) expect(e.chain.forkChoice.hasBlock(rootAt(slot))).toBe(true);
    expect(e.chain.forkChoice.hasBlock(rootAt(13))).toBe(false);
    // until the report: epoch 0's segment in one call (valid), epoch 1's in one call (invalid), then epoch 1's blocks
    // one call each up to the bad one (the block that fails names itself)
    const epoch1 = [...bySlot.keys()].filter((s) => s >= 8 && s <= 13).length;
    const upToReport = calls.slice(0, 2 + epoch1);
    expect(upToReport.map((c) => c.valid)).toEqual([true, false, ...Array(epoch1 - 1).fill(true), false]);
    // an honest peer then serves the batch again and the node reaches A's head
    net.addPeer(new fx.ServingPeer("good", a));
    await fx.until(() => e.chain.head.blockRoot === a.chain.head.blockRoot, 30_000, "E at A's head");
    expect(net.reportsOf("good")).toEqual([]);
  });
});
