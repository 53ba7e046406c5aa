/**
 * Sync of blocks that carry blobs (sync/dataAvailability.ts with range sync and the unknown-block lookup): source
 * nodes make chains whose every block has 1 real blob (the mock engine's blob, real KZG commitments and proofs);
 * fresh nodes sync from peers serving the source's blocks and sidecars from its database through the SyncNetwork
 * seam (test/fixtures/syncNetwork.ts):
 * - fulu: the syncing node's sampling columns from the peers that custody them, by range (and by root for the
 *   lookup); a peer serving a tampered column is penalised and the column is fetched from another peer;
 * - electra: blob sidecars by range from the batch's peer; a tampered sidecar is penalised and re-downloaded;
 * - blocks older than the sidecar serve period import without sidecars.
 */
import {rmSync} from "node:fs";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import type {DataColumnSidecar} from "../src/network/types.ts";
import type {BeaconNode} from "../src/node/index.ts";
import type {BeaconSync} from "../src/sync/index.ts";

// The preset is fixed when @ceibo/params is first loaded: load the consensus packages only now, with
// CEIBO_PRESET=minimal (this file runs in its own worker process), then put the variable back.
const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {ACTIVE_PRESET_NAME, SLOTS_PER_EPOCH} = await import("@ceibo/params");
const fx = await import("./fixtures/syncNetwork.ts");
const {BeaconSync: BeaconSyncClass} = await import("../src/sync/index.ts");
const {NodeCustody} = await import("../src/chain/da/custody.ts");
const {peerIdToNodeId} = await import("../src/network/network.ts");
const {blockRootOf} = await import("../src/chain/index.ts");
const {ssz} = await import("@ceibo/types");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;
if (ACTIVE_PRESET_NAME !== "minimal") throw Error(`@ceibo/params was loaded with ${ACTIVE_PRESET_NAME}`);

type SyncNet = InstanceType<typeof fx.TestSyncNetwork>;

const dirs: string[] = [];
const nodes: BeaconNode[] = [];
const syncs: BeaconSync[] = [];
const clock = new fx.ManualClock();
/** Source chains: fulu and electra, 1 blob in every block. */
let fulu: BeaconNode;
let electra: BeaconNode;
const HEAD_SLOT = 24;

async function freshNode(name: string, fork: "fulu" | "electra", ownClock = clock): Promise<BeaconNode> {
  const dir = fx.tempDir(name);
  dirs.push(dir);
  const node = await fx.devNode(ownClock, dir, false, false, {fork});
  nodes.push(node);
  return node;
}

function startSync(node: BeaconNode, network: SyncNet): BeaconSync {
  const sync = new BeaconSyncClass({
    chain: node.chain,
    db: node.db,
    network,
    opts: {range: {retryDelayMs: 100, requestTimeoutMs: 20_000}, backfill: false, missingSidecarsDelayMs: 0},
  });
  syncs.push(sync);
  return sync;
}

/** A node id's PeerDAS custody (4 groups) and sampling (8 groups) columns. */
function custodyOf(node: BeaconNode, nodeIdByte: number): {custody: number[]; sampling: number[]} {
  const c = new NodeCustody(node.chain.config, `0x${nodeIdByte.toString(16).padStart(2, "0").repeat(32)}`);
  return {custody: [...c.custodyColumns], sampling: [...c.samplingColumns]};
}

/** The canonical blocks of a node with their roots and blob counts, oldest first (genesis left out). */
async function chainBlocks(node: BeaconNode): Promise<{slot: number; root: Uint8Array; blobs: number}[]> {
  const blocks = await new fx.ServingPeer("reader", node).canonical();
  return blocks
    .filter((blk) => blk.message.slot > 0)
    .map((blk) => ({
      slot: blk.message.slot,
      root: blockRootOf(node.chain.beaconConfig, blk.message),
      blobs: ((blk.message.body as {blobKzgCommitments?: Uint8Array[]}).blobKzgCommitments ?? []).length,
    }));
}

beforeAll(async () => {
  const t0 = Date.now();
  for (const fork of ["fulu", "electra"] as const) {
    const dir = fx.tempDir(`sync-blobs-${fork}`);
    dirs.push(dir);
    const node = await fx.devNode(clock, dir, true, false, {fork, blobsPerBlock: 1});
    nodes.push(node);
    if (fork === "fulu") fulu = node;
    else electra = node;
  }
  // both chains on the same clock: 3 epochs of 8 slots, a block with one blob at every slot
  for (let slot = 1; slot <= HEAD_SLOT; slot++) {
    clock.setSlot(slot);
    await fulu.runSlot(slot);
    await electra.runSlot(slot);
  }
  console.log(`source chains: 2 × ${HEAD_SLOT} blocks with a blob in ${Date.now() - t0} ms`);
}, 120_000);

afterAll(async () => {
  for (const s of syncs) await s.stop();
  for (const n of nodes) await n.close();
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

describe("range sync with data columns (fulu)", () => {
  let b: BeaconNode;
  let bSync: BeaconSync;
  let bNet: SyncNet;

  it("fetches the sampling columns from the peers that custody them and stores the custody columns", async () => {
    expect(fulu.chain.head.slot).toBe(HEAD_SLOT);
    const blocks = await chainBlocks(fulu);
    expect(blocks.length).toBe(HEAD_SLOT);
    expect(blocks.every((x) => x.blobs === 1)).toBe(true);
    // the source stored all 128 columns of every block (no network: it samples and custodies every column)
    expect((await fulu.db.dataColumnSidecars.getIndices(blocks[0].root)).length).toBe(128);

    b = await freshNode("sync-blobs-b", "fulu");
    const {custody, sampling} = custodyOf(b, 0x11);
    expect(sampling.length).toBe(8);
    expect(custody.every((c) => sampling.includes(c))).toBe(true);
    b.chain.custody.samplingColumns = sampling;
    b.chain.custody.custodyColumns = custody;

    bNet = new fx.TestSyncNetwork();
    bNet.delayMs = 5;
    bSync = startSync(b, bNet);
    await bSync.start();
    // half of B's sampling columns at each of p1 and p2 (plus others); p3 custodies none of them
    const others = Array.from({length: 128}, (_, i) => i).filter((c) => !sampling.includes(c));
    const p1 = new fx.ServingPeer("p1", fulu);
    p1.custodyColumns = [...sampling.slice(0, 4), ...others.slice(0, 12)].sort((x, y) => x - y);
    const p2 = new fx.ServingPeer("p2", fulu);
    p2.custodyColumns = [...sampling.slice(4), ...others.slice(12, 24)].sort((x, y) => x - y);
    const p3 = new fx.ServingPeer("p3", fulu);
    p3.custodyColumns = others.slice(24, 40);
    const t0 = Date.now();
    for (const p of [p1, p2, p3]) bNet.addPeer(p);
    await fx.until(() => b.chain.head.blockRoot === fulu.chain.head.blockRoot, 30_000, "B at the source's head");
    console.log(`fulu range sync: ${bSync.range.importedBlocks} blocks with 8 columns each in ${Date.now() - t0} ms`);
    // the head moves inside the import, the counter right after it returns
    await fx.until(() => bSync.range.importedBlocks === HEAD_SLOT, 5_000, "24 blocks counted");
    expect(b.chain.finalizedCheckpoint).toEqual(fulu.chain.finalizedCheckpoint);
    expect(bNet.reports).toEqual([]);

    // columns asked only of peers that custody them; p1 and p2 shared the work, p3 was never asked
    const columnReqs = bNet.requests.filter((r) => r.method === "columnsByRange");
    expect(columnReqs.length).toBeGreaterThan(0);
    for (const r of columnReqs) {
      const peer = bNet.peers.get(r.peer) as InstanceType<typeof fx.ServingPeer>;
      expect(r.indices?.every((c) => peer.custodyColumns.includes(c))).toBe(true);
      expect(r.indices?.every((c) => sampling.includes(c))).toBe(true);
    }
    expect(new Set(columnReqs.map((r) => r.peer))).toEqual(new Set(["p1", "p2"]));
    // every sampling column of every block slot was asked for
    for (const {slot} of blocks) {
      const asked = new Set(
        columnReqs
          .filter((r) => (r.startSlot as number) <= slot && slot < (r.startSlot as number) + (r.count as number))
          .flatMap((r) => r.indices ?? []),
      );
      expect([...asked].sort((x, y) => x - y)).toEqual(sampling);
    }
    // B stored exactly its custody columns of each block, byte-identical to the source's
    for (const {root} of blocks) {
      expect(await b.db.dataColumnSidecars.getIndices(root)).toEqual(custody);
      const mine = await b.db.dataColumnSidecars.get(root, custody[0]);
      const theirs = await fulu.db.dataColumnSidecars.get(root, custody[0]);
      expect(Buffer.from(ssz.fulu.DataColumnSidecar.serialize(mine?.sidecar as DataColumnSidecar))).toEqual(
        Buffer.from(ssz.fulu.DataColumnSidecar.serialize(theirs?.sidecar as DataColumnSidecar)),
      );
    }
  });

  it("the unknown-block lookup fetches the missing blocks' columns by root", async () => {
    for (let slot = HEAD_SLOT + 1; slot <= HEAD_SLOT + 2; slot++) {
      clock.setSlot(slot);
      await fulu.runSlot(slot);
      await electra.runSlot(slot);
    }
    const tip = await fulu.db.getBlock(Buffer.from(fulu.chain.head.blockRoot.slice(2), "hex"));
    expect(tip?.block.message.slot).toBe(HEAD_SLOT + 2);
    const before = bNet.requests.length;
    bSync.onUnknownBlockParent(tip?.block as never, "p1");
    await fx.until(() => b.chain.head.blockRoot === fulu.chain.head.blockRoot, 15_000, "B at the source's head");
    await fx.until(() => bSync.unknownBlock.importedBlocks === 2, 5_000, "2 blocks counted");
    const byRoot = bNet.requests.slice(before).filter((r) => r.method === "columnsByRoot");
    // both blocks (the parent found by root, the gossip block itself) had their columns fetched by root
    const roots = new Set(byRoot.flatMap((r) => r.roots ?? []));
    expect(roots.size).toBe(2);
    const {custody} = custodyOf(b, 0x11);
    for (const root of roots) {
      expect(await b.db.dataColumnSidecars.getIndices(Buffer.from(root.slice(2), "hex"))).toEqual(custody);
    }
    expect(bNet.reports).toEqual([]);
  });

  it("fetches the missing columns of a gossip block by root (onMissingSidecars)", async () => {
    const slot = HEAD_SLOT + 3;
    clock.setSlot(slot);
    await fulu.runSlot(slot);
    await electra.runSlot(slot);
    const stored = await fulu.db.getBlock(Buffer.from(fulu.chain.head.blockRoot.slice(2), "hex"));
    const block = stored?.block as NonNullable<typeof stored>["block"];
    expect(block.message.slot).toBe(slot);
    // as the gossip handler does: the block is known to the tracker, its columns did not come
    const root = b.chain.da.addBlock(block);
    expect(b.chain.da.isDataAvailable(root)).toBe(false);
    bSync.onMissingSidecars(block);
    expect(await b.chain.da.waitForAvailability(root, 10_000)).toBe(true);
    await b.chain.importBlock(block);
    expect(b.chain.head.blockRoot).toBe(fulu.chain.head.blockRoot);
    const {custody} = custodyOf(b, 0x11);
    expect(await b.db.dataColumnSidecars.getIndices(Buffer.from(root.slice(2), "hex"))).toEqual(custody);
  });

  it("penalises a peer serving a tampered column and fetches that column from another peer", async () => {
    const c = await freshNode("sync-blobs-c", "fulu");
    const {custody, sampling} = custodyOf(c, 0x22);
    c.chain.custody.samplingColumns = sampling;
    c.chain.custody.custodyColumns = custody;
    const net = new fx.TestSyncNetwork();
    net.delayMs = 5;
    const sync = startSync(c, net);
    await sync.start();
    // both custody every sampling column; "bad" flips a byte of the first cell of every column it serves
    const bad = new fx.ServingPeer("bad", fulu);
    bad.tamperColumn = (s: DataColumnSidecar) => {
      s.column[0][5] ^= 0xff;
      return s;
    };
    const good = new fx.ServingPeer("good", fulu);
    for (const p of [bad, good]) net.addPeer(p);
    await fx.until(() => c.chain.head.blockRoot === fulu.chain.head.blockRoot, 30_000, "C at the source's head");

    const badReports = net.reportsOf("bad");
    expect(badReports.length).toBeGreaterThanOrEqual(1);
    expect(badReports.every((r) => r.action === "lowTolerance" && /invalid data column/.test(r.reason))).toBe(true);
    expect(net.reportsOf("good")).toEqual([]);
    // every column asked of "bad" for a range was asked of "good" for that range afterwards
    const reqs = net.requests.filter((r) => r.method === "columnsByRange");
    const badReqs = reqs.filter((r) => r.peer === "bad");
    expect(badReqs.length).toBeGreaterThanOrEqual(1);
    for (const r of badReqs) {
      const i = reqs.indexOf(r);
      const later = reqs
        .slice(i + 1)
        .filter((x) => x.peer === "good" && x.startSlot === r.startSlot)
        .flatMap((x) => x.indices ?? []);
      for (const c of r.indices ?? []) expect(later).toContain(c);
    }
    // what C stored is the source's (untampered) data
    for (const {root} of await chainBlocks(fulu)) {
      expect(await c.db.dataColumnSidecars.getIndices(root)).toEqual(custody);
      const mine = await c.db.dataColumnSidecars.get(root, custody[0]);
      const theirs = await fulu.db.dataColumnSidecars.get(root, custody[0]);
      expect(Buffer.from(mine?.sidecar.column[0] as Uint8Array)).toEqual(
        Buffer.from(theirs?.sidecar.column[0] as Uint8Array),
      );
    }
  });

  it("asks again for the rest of a range when a peer limits its column response", async () => {
    const h = await freshNode("sync-blobs-h", "fulu");
    const {custody, sampling} = custodyOf(h, 0x55);
    h.chain.custody.samplingColumns = sampling;
    h.chain.custody.custodyColumns = custody;
    const net = new fx.TestSyncNetwork();
    const sync = startSync(h, net);
    await sync.start();
    // the only peer answers each DataColumnSidecarsByRange with the columns of its first 3 blocks at most
    const limited = new fx.ServingPeer("limited", fulu);
    const serve = limited.dataColumnSidecarsByRange.bind(limited);
    limited.dataColumnSidecarsByRange = async (req) => (await serve(req)).slice(0, 3 * req.columns.length);
    net.addPeer(limited);
    await fx.until(() => h.chain.head.blockRoot === fulu.chain.head.blockRoot, 30_000, "H at the source's head");
    const reqs = net.requests.filter((r) => r.method === "columnsByRange");
    // a 16-slot batch takes 6 requests of 3 blocks, each starting at the first block still without columns
    expect(reqs.length).toBeGreaterThanOrEqual(6);
    expect(reqs.every((r) => r.returned !== undefined && r.returned <= 3 * sampling.length)).toBe(true);
    const starts = reqs.map((r) => r.startSlot as number);
    expect(new Set(starts).size).toBe(starts.length);
    for (const {root} of await chainBlocks(fulu)) {
      expect(await h.db.dataColumnSidecars.getIndices(root)).toEqual(custody);
    }
    expect(net.reports).toEqual([]);
  });

  it("asks a custodian whose last Status is behind the batch when no other peer custodies the columns", async () => {
    const k = await freshNode("sync-blobs-k", "fulu");
    const {custody, sampling} = custodyOf(k, 0x66);
    k.chain.custody.samplingColumns = sampling;
    k.chain.custody.custodyColumns = custody;
    const net = new fx.TestSyncNetwork();
    const sync = startSync(k, net);
    await sync.start();
    // "blocks" serves the chain but custodies none of K's columns; "stale" custodies them all, but its last Status
    // (periodic) still says genesis
    const blocks = new fx.ServingPeer("blocks", fulu);
    blocks.custodyColumns = Array.from({length: 128}, (_, i) => i).filter((c) => !sampling.includes(c));
    const stale = new fx.ServingPeer("stale", fulu);
    stale.statusOverride = {headSlot: 0, headRoot: Buffer.from(k.chain.head.blockRoot.slice(2), "hex")};
    for (const p of [blocks, stale]) net.addPeer(p);
    await fx.until(() => k.chain.head.blockRoot === fulu.chain.head.blockRoot, 30_000, "K at the source's head");
    expect(net.requests.filter((r) => r.method === "range").every((r) => r.peer === "blocks")).toBe(true);
    const columnPeers = new Set(net.requests.filter((r) => r.method === "columnsByRange").map((r) => r.peer));
    expect(columnPeers).toEqual(new Set(["stale"]));
    expect(net.reports).toEqual([]);
  });

  it("stores the custody columns even when the DA tracker prunes them while a block imports", async () => {
    const g = await freshNode("sync-blobs-g", "fulu");
    const {custody, sampling} = custodyOf(g, 0x44);
    g.chain.custody.samplingColumns = sampling;
    g.chain.custody.custodyColumns = custody;
    // the per-slot prune runs between the sync's hand-over of the columns and the import's db write
    const importBlock = g.chain.importBlock.bind(g.chain);
    g.chain.importBlock = (block, opts) => {
      g.chain.da.prune(Number.MAX_SAFE_INTEGER);
      return importBlock(block, opts);
    };
    const net = new fx.TestSyncNetwork();
    const sync = startSync(g, net);
    await sync.start();
    net.addPeer(new fx.ServingPeer("p", fulu));
    await fx.until(() => g.chain.head.blockRoot === fulu.chain.head.blockRoot, 30_000, "G at the source's head");
    for (const {root} of await chainBlocks(fulu)) {
      expect(await g.db.dataColumnSidecars.getIndices(root)).toEqual(custody);
    }
  });

  it("reconstructs from half of the columns when no peer custodies a sampling column", async () => {
    // reconstruction costs ~0.5 s a blob: a wall clock that leaves only the last epoch (slots 24..) inside the
    // serve period [current_epoch - MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS, current_epoch]
    const late = new fx.ManualClock();
    late.setSlot((fulu.chain.config.MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS + 3) * SLOTS_PER_EPOCH);
    const d = await freshNode("sync-blobs-d", "fulu", late);
    const {custody, sampling} = custodyOf(d, 0x33);
    d.chain.custody.samplingColumns = sampling;
    d.chain.custody.custodyColumns = custody;
    const net = new fx.TestSyncNetwork();
    const sync = startSync(d, net);
    await sync.start();
    // one peer custodies 64 columns, none of D's sampling columns among them
    const half = new fx.ServingPeer("half", fulu);
    half.custodyColumns = Array.from({length: 128}, (_, i) => i)
      .filter((c) => !sampling.includes(c))
      .slice(0, 64);
    net.addPeer(half);
    const t0 = Date.now();
    await fx.until(() => d.chain.head.blockRoot === fulu.chain.head.blockRoot, 60_000, "D at the source's head");
    console.log(`fulu range sync by reconstruction: ${sync.range.importedBlocks} blocks in ${Date.now() - t0} ms`);
    const reqs = net.requests.filter((r) => r.method === "columnsByRange");
    expect(reqs.length).toBeGreaterThanOrEqual(1);
    expect(reqs.every((r) => (r.indices ?? []).length === 64 && (r.startSlot as number) >= 24)).toBe(true);
    // blocks before epoch 3 imported without columns; the custody columns of the others were recovered,
    // identical to the source's
    const blocks = await chainBlocks(fulu);
    for (const {root, slot} of blocks) {
      if (slot < 3 * SLOTS_PER_EPOCH) {
        expect(await d.db.dataColumnSidecars.getIndices(root)).toEqual([]);
        continue;
      }
      expect(await d.db.dataColumnSidecars.getIndices(root)).toEqual(custody);
      const mine = await d.db.dataColumnSidecars.get(root, custody[0]);
      const theirs = await fulu.db.dataColumnSidecars.get(root, custody[0]);
      expect(Buffer.from(mine?.sidecar.column[0] as Uint8Array)).toEqual(
        Buffer.from(theirs?.sidecar.column[0] as Uint8Array),
      );
    }
    expect(net.reports).toEqual([]);
  });
});

describe("range sync with blob sidecars (electra)", () => {
  it("fetches blob sidecars by range from the batch's peer; a tampered sidecar is penalised and re-downloaded", async () => {
    const e = await freshNode("sync-blobs-e", "electra");
    const net = new fx.TestSyncNetwork();
    net.delayMs = 5;
    const sync = startSync(e, net);
    await sync.start();
    // "bad" serves every blob sidecar with its KZG proof replaced by the commitment (a valid G1 point, wrong proof)
    const bad = new fx.ServingPeer("bad", electra);
    bad.tamperBlob = (s) => {
      s.kzgProof = s.kzgCommitment;
      return s;
    };
    // alone first: its batches fail on their sidecars until "good" arrives
    net.addPeer(bad);
    const t0 = Date.now();
    await fx.until(() => net.reportsOf("bad").length >= 2, 10_000, "bad penalised twice");
    expect(e.chain.head.slot).toBe(0);
    net.addPeer(new fx.ServingPeer("good", electra));
    await fx.until(() => e.chain.head.blockRoot === electra.chain.head.blockRoot, 30_000, "E at the source's head");
    console.log(`electra range sync: ${sync.range.importedBlocks} blocks in ${Date.now() - t0} ms`);
    expect(e.chain.finalizedCheckpoint).toEqual(electra.chain.finalizedCheckpoint);
    // blob sidecars were asked of the peer that served each batch's blocks
    const reqs = net.requests;
    for (const r of reqs.filter((x) => x.method === "blobsByRange")) {
      const blocksReq = reqs.filter((x) => x.method === "range" && x.peer === r.peer);
      expect(
        blocksReq.some(
          (x) =>
            (x.startSlot as number) <= (r.startSlot as number) &&
            (r.startSlot as number) < (x.startSlot as number) + (x.count as number),
        ),
      ).toBe(true);
    }
    const badReports = net.reportsOf("bad");
    const badBlobReqs = reqs.filter((x) => x.method === "blobsByRange" && x.peer === "bad");
    // whenever bad served a batch's blobs it was penalised and the batch went to good
    expect(badBlobReqs.length).toBeGreaterThanOrEqual(2);
    expect(badReports.length).toBe(badBlobReqs.length);
    expect(badReports.every((r) => r.action === "lowTolerance" && /invalid blob sidecars/.test(r.reason))).toBe(true);
    for (const r of badBlobReqs) {
      expect(reqs.some((x) => x.method === "blobsByRange" && x.peer === "good" && x.startSlot === r.startSlot)).toBe(
        true,
      );
    }
    expect(net.reportsOf("good")).toEqual([]);
    // E stored each block's blob sidecar, identical to the source's
    for (const {root} of await chainBlocks(electra)) {
      const mine = await e.db.blobSidecars.get(root);
      const theirs = await electra.db.blobSidecars.get(root);
      expect(mine?.sidecars.length).toBe(1);
      expect(Buffer.from(mine?.sidecars[0].kzgProof as Uint8Array)).toEqual(
        Buffer.from(theirs?.sidecars[0].kzgProof as Uint8Array),
      );
    }
  });
});

describe("outside the sidecar serve period", () => {
  it("imports blocks with blob commitments without their sidecars", async () => {
    // a wall clock MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS + 1 epochs after the blocks
    const late = new fx.ManualClock();
    const cfg = fulu.chain.config;
    late.setSlot((cfg.MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS + 4) * SLOTS_PER_EPOCH);
    const f = await freshNode("sync-blobs-f", "fulu", late);
    const net = new fx.TestSyncNetwork();
    const sync = startSync(f, net);
    await sync.start();
    net.addPeer(new fx.ServingPeer("p", fulu));
    await fx.until(() => f.chain.head.blockRoot === fulu.chain.head.blockRoot, 30_000, "F at the source's head");
    expect(net.requests.filter((r) => r.method !== "range" && r.method !== "root")).toEqual([]);
    const blocks = await chainBlocks(fulu);
    expect(await f.db.dataColumnSidecars.getIndices(blocks[0].root)).toEqual([]);
    expect(net.reports).toEqual([]);
  });
});

describe("over real networks (libp2p, req/resp, MetaData custody)", () => {
  it("a node syncs the fulu chain from a supernode peer through its Network", {timeout: 60_000}, async () => {
    const {Network} = await import("../src/network/network.ts");
    const {NUMBER_OF_COLUMNS} = await import("@ceibo/params");
    const networks: Awaited<ReturnType<typeof Network.create>>[] = [];
    const netDir = (): string => {
      const d = fx.tempDir("sync-blobs-net");
      dirs.push(d);
      return d;
    };
    const create = async (node: BeaconNode, opts: Record<string, unknown>) => {
      const network = await Network.create({
        config: node.chain.beaconConfig,
        chain: node.chain,
        db: node.db,
        logger: node.logger,
        dataDir: netDir(),
        opts: {listenAddress: "127.0.0.1", port: 0, discv5: false, dev: true, persistPeers: false, ...opts},
      });
      networks.push(network);
      return network;
    };
    try {
      // the source serves every column (supernode: MetaData custody_group_count 128)
      const source = await create(fulu, {custodyGroupCount: NUMBER_OF_COLUMNS});
      await source.start();
      const n = await freshNode("sync-blobs-n", "fulu");
      const network = await create(n, {staticPeers: [source.multiaddrs[0]]});
      // as the beacon node does: the chain samples and custodies the columns of this node id
      n.chain.custody.samplingColumns = network.custody.samplingColumns;
      n.chain.custody.custodyColumns = network.custody.custodyColumns;
      const sync = new BeaconSyncClass({chain: n.chain, db: n.db, network, opts: {backfill: false}});
      syncs.push(sync);
      await network.start();
      await sync.start();
      await fx.until(() => n.chain.head.blockRoot === fulu.chain.head.blockRoot, 30_000, "N at the source's head");
      // the source's custody as N learned it from its MetaData (node id from its peer id)
      await fx.until(() => network.peerManager.getPeerMetadata(source.peerId) !== null, 10_000, "source MetaData");
      expect(network.getPeerCustodyColumns(source.peerId).length).toBe(NUMBER_OF_COLUMNS);
      expect(source.getPeerCustodyColumns(network.peerId)).toEqual(network.custody.custodyColumns);
      for (const {root} of await chainBlocks(fulu)) {
        expect(await n.db.dataColumnSidecars.getIndices(root)).toEqual([...network.custody.custodyColumns]);
      }
    } finally {
      for (const net of networks) await net.stop();
    }
  });
});

describe("network: peer custody", () => {
  it("a secp256k1 peer id maps to the node id of its ENR (keccak256 of the uncompressed public key)", async () => {
    const {generateKeyPair} = await import("@libp2p/crypto/keys");
    const {peerIdFromPrivateKey} = await import("@libp2p/peer-id");
    const {SignableENR} = await import("@chainsafe/enr");
    for (let i = 0; i < 3; i++) {
      const key = await generateKeyPair("secp256k1");
      expect(peerIdToNodeId(peerIdFromPrivateKey(key).toString())).toBe(SignableENR.createV4(key.raw).nodeId);
    }
    const ed = await generateKeyPair("Ed25519");
    expect(peerIdToNodeId(peerIdFromPrivateKey(ed).toString())).toBeNull();
    expect(peerIdToNodeId("not a peer id")).toBeNull();
  });
});
