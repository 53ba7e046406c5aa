/**
 * Req/resp on an ELECTRA dev chain (fulu not scheduled), two real libp2p hosts on 127.0.0.1: Status v1 and
 * MetaData v2 are what gets negotiated, blob sidecars stored by node A are served by range and by root with the
 * electra fork digest as context, parallel requests queue behind MAX_CONCURRENT_REQUESTS, and a requester
 * refuses blob sidecars outside the requested range.
 */

import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {toHex} from "@ceibo/utils";
import {noise} from "@chainsafe/libp2p-noise";
import {yamux} from "@chainsafe/libp2p-yamux";
import type {Libp2p, Stream} from "@libp2p/interface";
import {tcp} from "@libp2p/tcp";
import {createLibp2p} from "libp2p";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import type {MetadataMessage, StatusMessage} from "../src/network/types.ts";
import type {BeaconNode as BeaconNodeType} from "../src/node/index.ts";

const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {ACTIVE_PRESET_NAME} = await import("@ceibo/params");
const {ssz} = await import("@ceibo/types");
const {DevBeaconNode: BeaconNode} = await import("../src/node/dev.ts");
const {ReqResp, protocolId, MAX_CONCURRENT_REQUESTS} = await import("../src/network/reqresp/index.ts");
const {encodeSuccessChunk} = await import("../src/network/encoding/sszSnappy.ts");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;
if (ACTIVE_PRESET_NAME !== "minimal") throw Error(`@ceibo/params was already loaded with ${ACTIVE_PRESET_NAME}`);

type ReqRespT = InstanceType<typeof ReqResp>;
type BlobSidecarT = ReturnType<typeof ssz.deneb.BlobSidecar.defaultValue>;
const GENESIS_TIME = 1_700_000_000;
const SLOT_MS = 6000;
const LAST_SLOT = 12;
const dir = mkdtempSync(join(tmpdir(), "ceibo-reqresp-blobs-"));
let nowMs = GENESIS_TIME * 1000;
let nodeA: BeaconNodeType;
let nodeB: BeaconNodeType;
let hostA: Libp2p;
let hostB: Libp2p;
let hostC: Libp2p;
let rrA: ReqRespT;
let rrB: ReqRespT;
let peerA: string;
const statusesSeenByA: StatusMessage[] = [];
const metadata: MetadataMessage = {
  seqNumber: 3n,
  attnets: Array.from({length: 64}, (_, i) => i < 2),
  syncnets: [true, false, false, false],
  custodyGroupCount: 4,
};
/** Blob sidecars node A stores, by block slot. */
const stored = new Map<number, {root: Uint8Array; sidecars: BlobSidecarT[]}>();

function makeHost(): Promise<Libp2p> {
  return createLibp2p({
    addresses: {listen: ["/ip4/127.0.0.1/tcp/0"]},
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  });
}

function statusOf(node: BeaconNodeType): StatusMessage {
  return {
    forkDigest: node.chain.beaconConfig.computeForkDigest(node.chain.clock.currentEpoch),
    finalizedRoot: new Uint8Array(32),
    finalizedEpoch: 0,
    headRoot: Buffer.from(node.chain.head.blockRoot.slice(2), "hex"),
    headSlot: node.chain.head.slot,
  };
}

function makeReqResp(node: BeaconNodeType, host: Libp2p, onStatus: (s: StatusMessage) => void): ReqRespT {
  return new ReqResp({
    libp2p: host,
    config: node.chain.beaconConfig,
    chain: node.chain,
    db: node.db,
    logger: {error() {}, warn() {}, info() {}, debug() {}},
    reporter: {reportPeer() {}},
    handlers: {
      getStatus: () => statusOf(node),
      onStatus: (_peer, s) => onStatus(s),
      onGoodbye() {},
      getMetadata: () => metadata,
      onPing() {},
    },
  });
}

/** Blob sidecars for A's block at `slot` (dummy blobs and proofs; the header is the block's). */
async function storeBlobs(slot: number, indices: number[]): Promise<void> {
  const archived = await nodeA.db.blockArchive.getBySlot(slot);
  let block = archived?.block;
  let root: Uint8Array | undefined;
  if (block === undefined) {
    for (const [r, b] of nodeA.chain.blocks) {
      if (b.message.slot === slot) {
        block = b;
        root = Buffer.from(r.slice(2), "hex");
      }
    }
  }
  if (block === undefined) throw Error(`no block at ${slot}`);
  const m = block.message;
  const bodyRoot = (ssz.electra.BeaconBlockBody as unknown as {hashTreeRoot(v: unknown): Uint8Array}).hashTreeRoot(
    m.body,
  );
  const header = {
    slot: m.slot,
    proposerIndex: m.proposerIndex,
    parentRoot: m.parentRoot,
    stateRoot: m.stateRoot,
    bodyRoot,
  };
  root ??= ssz.phase0.BeaconBlockHeader.hashTreeRoot(header);
  const sidecars = indices.map((index) => {
    const s = ssz.deneb.BlobSidecar.defaultValue();
    s.index = index;
    s.blob = new Uint8Array(s.blob.length).fill(slot * 16 + index);
    s.signedBlockHeader = {message: header, signature: block.signature};
    return s;
  });
  await nodeA.db.blobSidecars.put(root, sidecars);
  stored.set(slot, {root, sidecars});
}

beforeAll(async () => {
  const init = (name: string, devSigning: boolean): Promise<BeaconNodeType> =>
    BeaconNode.init({
      network: "dev",
      dataDir: join(dir, name),
      devValidators: 64,
      genesisTime: GENESIS_TIME,
      slotDurationMs: SLOT_MS,
      nowMs: () => nowMs,
      devFork: "electra",
      devSigning,
    });
  nodeA = await init("a", true);
  nodeB = await init("b", false);
  for (let slot = 1; slot <= LAST_SLOT; slot++) {
    nowMs = GENESIS_TIME * 1000 + slot * SLOT_MS + 100;
    await nodeA.runSlot(slot);
  }
  await storeBlobs(3, [0, 1]);
  await storeBlobs(9, [2]);
  [hostA, hostB, hostC] = await Promise.all([makeHost(), makeHost(), makeHost()]);
  rrA = makeReqResp(nodeA, hostA, (s) => statusesSeenByA.push(s));
  rrB = makeReqResp(nodeB, hostB, () => {});
  await rrA.start();
  await rrB.start();
  await hostB.dial(hostA.getMultiaddrs()[0]);
  await hostB.dial(hostC.getMultiaddrs()[0]);
  peerA = hostA.peerId.toString();
}, 120_000);

afterAll(async () => {
  await rrA?.stop();
  await rrB?.stop();
  await Promise.all([hostA?.stop(), hostB?.stop(), hostC?.stop()]);
  await nodeA?.close();
  await nodeB?.close();
  rmSync(dir, {recursive: true, force: true});
});

describe("req/resp on an electra chain", () => {
  it("without fulu scheduled, Status v1 and MetaData v2 are negotiated", async () => {
    expect(nodeA.chain.beaconConfig.getForkName(LAST_SLOT)).toBe("electra");
    const theirs = await rrB.status(peerA, statusOf(nodeB));
    expect(theirs.headSlot).toBe(LAST_SLOT);
    expect(theirs.earliestAvailableSlot).toBeUndefined();
    expect(statusesSeenByA.at(-1)?.earliestAvailableSlot).toBeUndefined();
    const md = await rrB.metadata(peerA);
    expect(md).toEqual({seqNumber: 3n, attnets: metadata.attnets, syncnets: metadata.syncnets});
  });

  it("BlobSidecarsByRange: the stored sidecars of canonical blocks in (slot, index) order, electra context", async () => {
    const sidecars = await rrB.blobSidecarsByRange(peerA, {startSlot: 0, count: 20});
    expect(sidecars.map((s) => [s.signedBlockHeader.message.slot, s.index])).toEqual([
      [3, 0],
      [3, 1],
      [9, 2],
    ]);
    const expected = [...(stored.get(3)?.sidecars ?? []), ...(stored.get(9)?.sidecars ?? [])];
    for (let i = 0; i < expected.length; i++) {
      expect(toHex(ssz.deneb.BlobSidecar.serialize(sidecars[i]))).toBe(
        toHex(ssz.deneb.BlobSidecar.serialize(expected[i])),
      );
    }
    expect(await rrB.blobSidecarsByRange(peerA, {startSlot: 4, count: 5})).toEqual([]);
  });

  it("BlobSidecarsByRoot: only the requested sidecars that exist", async () => {
    const r3 = stored.get(3)?.root ?? new Uint8Array(32);
    const r9 = stored.get(9)?.root ?? new Uint8Array(32);
    const sidecars = await rrB.blobSidecarsByRoot(peerA, [
      {blockRoot: r9, index: 2},
      {blockRoot: r3, index: 1},
      {blockRoot: r3, index: 5},
      {blockRoot: new Uint8Array(32).fill(1), index: 0},
    ]);
    expect(sidecars.map((s) => [s.signedBlockHeader.message.slot, s.index])).toEqual([
      [9, 2],
      [3, 1],
    ]);
  });

  it("parallel requests to one peer all complete (at most MAX_CONCURRENT_REQUESTS at a time)", async () => {
    const results = await Promise.all(
      Array.from({length: 6}, (_, i) => rrB.beaconBlocksByRange(peerA, {startSlot: i, count: 4})),
    );
    expect(results.map((r) => r.map((b) => b.block.message.slot))).toEqual(
      Array.from({length: 6}, (_, i) => [i, i + 1, i + 2, i + 3]),
    );
  });

  it("the requester never has more than MAX_CONCURRENT_REQUESTS streams of one protocol open to a peer", async () => {
    let open = 0;
    let maxOpen = 0;
    await hostC.handle(protocolId("beacon_blocks_by_range", 2), async (stream: Stream) => {
      open++;
      maxOpen = Math.max(maxOpen, open);
      for await (const _ of stream) {
        // drain the request
      }
      await new Promise((r) => setTimeout(r, 100));
      open--;
      await stream.close();
    });
    const results = await Promise.all(
      Array.from({length: 5}, () => rrB.beaconBlocksByRange(hostC.peerId.toString(), {startSlot: 0, count: 1})),
    );
    expect(results).toEqual([[], [], [], [], []]);
    expect(maxOpen).toBe(MAX_CONCURRENT_REQUESTS);
  });

  it("a blob sidecar outside the requested range is refused", async () => {
    const id = protocolId("blob_sidecars_by_range", 1);
    const sidecar = stored.get(9)?.sidecars[0];
    if (sidecar === undefined) throw Error("fixture");
    await hostC.handle(id, async (stream: Stream) => {
      for await (const _ of stream) {
        // drain the request
      }
      stream.send(
        encodeSuccessChunk(ssz.deneb.BlobSidecar.serialize(sidecar), nodeA.chain.beaconConfig.computeForkDigest(1)),
      );
      await stream.close();
    });
    const err = await rrB.blobSidecarsByRange(hostC.peerId.toString(), {startSlot: 0, count: 5}).catch((e) => e);
    expect(err.code).toBe("INVALID_RESPONSE_CONTENT");
  });
});
