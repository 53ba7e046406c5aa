/**
 * Sidecar retention on in-process ELECTRA dev chains (minimal preset, 64 interop validators, 1 real blob per block
 * from the in-process mock engine, MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS = 1 via devMinEpochsForSidecarsRequests):
 * a pruning node and an archive node (archiveBlobs) run the same slots until epoch 3 is finalized. The pruning
 * node's blob sidecars of finalized blocks before the serve range (deneb p2p-interface.md BlobSidecarsByRange:
 * [max(current_epoch - MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS, DENEB_FORK_EPOCH), current_epoch]) are gone from
 * the database, the archive node keeps all; over real libp2p req/resp the pruned range answers with no sidecars
 * (slots without known blobs are skipped; nothing outside the serve range must be served) and by-root requests
 * for pruned blocks leave them out (BlobSidecarsByRoot: "MAY ... not include the blob sidecar"), while the
 * range inside the window is served whole. A restart continues from the persisted cursor.
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {monitorEventLoopDelay} from "node:perf_hooks";
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
const {ReqResp} = await import("../src/network/reqresp/index.ts");
const {hashBlockRoot} = await import("../src/network/reqresp/serve.ts");
const {SidecarPruner} = await import("../src/chain/retention.ts");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;
if (ACTIVE_PRESET_NAME !== "minimal") throw Error(`@ceibo/params was already loaded with ${ACTIVE_PRESET_NAME}`);

type ReqRespT = InstanceType<typeof ReqResp>;
const GENESIS_TIME = 1_700_000_000;
const SLOT_MS = 6000;
const SLOTS_PER_EPOCH = 8;
/** The first block of epoch 5 finalizes epoch 3 (epochs 3 and 4 justified in a row). */
const LAST_SLOT = 5 * SLOTS_PER_EPOCH;
const dir = mkdtempSync(join(tmpdir(), "ceibo-retention-"));
let nowMs = GENESIS_TIME * 1000;
let pruning: BeaconNodeType;
let archive: BeaconNodeType;
const hosts: Libp2p[] = [];
const rrs: ReqRespT[] = [];

const silent = {error() {}, warn() {}, info() {}, debug() {}};

function init(name: string, archiveBlobs: boolean): Promise<BeaconNodeType> {
  return BeaconNode.init({
    network: "dev",
    dataDir: join(dir, name),
    devValidators: 64,
    genesisTime: GENESIS_TIME,
    slotDurationMs: SLOT_MS,
    nowMs: () => nowMs,
    devFork: "electra",
    devBlobsPerBlock: 1,
    devMinEpochsForSidecarsRequests: 1,
    archiveBlobs,
  });
}

function makeReqResp(node: BeaconNodeType, host: Libp2p): ReqRespT {
  const rr = new ReqResp({
    libp2p: host,
    config: node.chain.beaconConfig,
    chain: node.chain,
    db: node.db,
    logger: silent,
    reporter: {reportPeer() {}},
    handlers: {
      getStatus: () => ({
        forkDigest: node.chain.beaconConfig.computeForkDigest(node.chain.clock.currentEpoch),
        finalizedRoot: new Uint8Array(32),
        finalizedEpoch: 0,
        headRoot: Buffer.from(node.chain.head.blockRoot.slice(2), "hex"),
        headSlot: node.chain.head.slot,
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

/** The archived blocks of a node as (slot, root), roots hashed from the stored blocks. */
async function archivedRoots(node: BeaconNodeType): Promise<{slot: number; root: Uint8Array}[]> {
  const blocks = await node.db.blockArchive.rangeSerialized(0, LAST_SLOT + 1);
  return blocks.map((b) => ({slot: b.slot, root: hashBlockRoot(b.fork, b.ssz)}));
}

beforeAll(async () => {
  pruning = await init("pruning", false);
  archive = await init("archive", true);
  for (let slot = 1; slot <= LAST_SLOT; slot++) {
    nowMs = GENESIS_TIME * 1000 + slot * SLOT_MS + 100;
    await pruning.runSlot(slot);
    await archive.runSlot(slot);
  }
  await pruning.retention?.idle();
  await archive.retention?.idle();
}, 300_000);

afterAll(async () => {
  for (const rr of rrs) await rr.stop();
  await Promise.all(hosts.map((h) => h.stop()));
  await pruning?.close();
  await archive?.close();
  rmSync(dir, {recursive: true, force: true});
});

describe("blob sidecar retention (window 1 epoch)", () => {
  it("the chain finalized epoch 3 with one blob in every block", () => {
    expect(pruning.chain.finalizedCheckpoint.epoch).toBe(3);
    expect(archive.chain.finalizedCheckpoint.epoch).toBe(3);
    expect(pruning.config.MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS).toBe(1);
  });

  it("sidecars of finalized blocks before the serve range are gone; the rest is kept; the archive node keeps all", async () => {
    // current epoch 5: serve range starts at epoch 4 (slot 32); finalized block at slot 24 → pruned below slot 25
    const roots = await archivedRoots(pruning);
    expect(roots.map((r) => r.slot).filter((s) => s > 0)).toEqual(Array.from({length: 24}, (_, i) => i + 1));
    const kept: number[] = [];
    for (const {slot, root} of roots) if ((await pruning.db.blobSidecars.get(root)) !== null) kept.push(slot);
    expect(kept).toEqual([]);
    // the unfinalized blocks (25…40) keep theirs
    for (let slot = 25; slot <= LAST_SLOT; slot++) {
      const node = [...pruning.chain.blocks.entries()].find(([, b]) => b.message.slot === slot);
      expect(node, `block at ${slot}`).toBeDefined();
      const stored = await pruning.db.blobSidecars.get(Buffer.from((node?.[0] ?? "").slice(2), "hex"));
      expect(stored?.sidecars.length, `sidecars at ${slot}`).toBe(1);
    }
    expect(await pruning.db.metadata.get("blobSidecarsPrunedToSlot")).toBe(25);

    const archived = (await archivedRoots(archive)).filter((r) => r.slot > 0);
    expect(archived).toHaveLength(24);
    for (const {slot, root} of archived) {
      expect((await archive.db.blobSidecars.get(root))?.sidecars.length, `archive sidecars at ${slot}`).toBe(1);
    }
    expect(await archive.db.metadata.get("blobSidecarsPrunedToSlot")).toBeNull();
  });

  it("by range: the pruned range answers with no sidecars, the window is served; by root: pruned ones left out", async () => {
    const [hostP, hostA, hostClient] = [await makeHost(), await makeHost(), await makeHost()];
    const rrP = makeReqResp(pruning, hostP);
    const rrA = makeReqResp(archive, hostA);
    const client = makeReqResp(archive, hostClient);
    for (const rr of [rrP, rrA, client]) await rr.start();
    await hostClient.dial(hostP.getMultiaddrs()[0]);
    await hostClient.dial(hostA.getMultiaddrs()[0]);
    const peerP = hostP.peerId.toString();
    const peerA = hostA.peerId.toString();

    const slotsOf = (s: {signedBlockHeader: {message: {slot: number}}}[]) =>
      s.map((x) => x.signedBlockHeader.message.slot);
    expect(await client.blobSidecarsByRange(peerP, {startSlot: 0, count: 25})).toEqual([]);
    expect(slotsOf(await client.blobSidecarsByRange(peerP, {startSlot: 20, count: 21}))).toEqual(
      Array.from({length: 16}, (_, i) => 25 + i),
    );
    expect(slotsOf(await client.blobSidecarsByRange(peerA, {startSlot: 0, count: 25}))).toEqual(
      Array.from({length: 24}, (_, i) => 1 + i),
    );

    const roots = await archivedRoots(pruning);
    const old = roots.find((r) => r.slot === 10)?.root ?? new Uint8Array(32);
    const recentHex = [...pruning.chain.blocks.entries()].find(([, b]) => b.message.slot === 30)?.[0] ?? "0x";
    const recent = Buffer.from(recentHex.slice(2), "hex");
    const ids = [
      {blockRoot: old, index: 0},
      {blockRoot: recent, index: 0},
    ];
    expect(slotsOf(await client.blobSidecarsByRoot(peerP, ids))).toEqual([30]);
    expect(slotsOf(await client.blobSidecarsByRoot(peerA, ids))).toEqual([10, 30]);
  });

  it("a pruner run continues from the persisted cursor and is a no-op when nothing is left (crash-safe cursor)", async () => {
    const pruner = new SidecarPruner({db: pruning.db, config: pruning.config, logger: silent, batchSlots: 4});
    const again = await pruner.prune(5, 24);
    expect(again.batches).toBe(0);
    expect(again.blobBlocks).toBe(0);
    // the archive node's db, pruned in batches of 4 slots by fresh pruners: a first run stopped at finalized slot 7
    // (cursor 8), a second one continues from the stored cursor, not from the start
    const p2 = new SidecarPruner({db: archive.db, config: archive.config, logger: silent, batchSlots: 4});
    const first = await p2.prune(5, 7);
    expect(first.blobBlocks).toBe(7);
    expect(await archive.db.metadata.get("blobSidecarsPrunedToSlot")).toBe(8);
    const delay = monitorEventLoopDelay({resolution: 1});
    delay.enable();
    const r = await new SidecarPruner({db: archive.db, config: archive.config, logger: silent, batchSlots: 4}).prune(
      5,
      24,
    );
    expect(r.blobBlocks).toBe(24 - 7);
    expect(r.batches).toBe(Math.ceil((25 - 8) / 4));
    for (const {root} of await archivedRoots(archive)) expect(await archive.db.blobSidecars.get(root)).toBeNull();
    delay.disable();
    console.info(
      `retention: ${r.batches} batches of 4 slots, longest batch ${r.maxBatchMs.toFixed(1)} ms, max event-loop delay ${(delay.max / 1e6).toFixed(1)} ms`,
    );
  });
});
