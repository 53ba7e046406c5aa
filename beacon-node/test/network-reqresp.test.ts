/**
 * Req/resp between two real libp2p hosts (TCP + noise + yamux on 127.0.0.1), each with a ReqResp over a real
 * in-process beacon node (BeaconNode on a manual clock, CEIBO_PRESET=minimal, fulu dev chain, 64 interop
 * validators). Node A produces a chain that finalizes (so blocks by range come both from the block archive and
 * from fork choice) with a few empty slots; node B starts from the same genesis and asks A. A third, raw libp2p
 * host plays a misbehaving server for the requester-side checks.
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
import type {MetadataMessage, PeerAction, StatusMessage} from "../src/network/types.ts";
import type {BeaconNode as BeaconNodeType} from "../src/node/index.ts";

// The chain runs on the minimal preset, fixed when @ceibo/params is first loaded: load the consensus packages
// (and everything importing them) only now, in this test file's own worker, then restore the variable.
const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {ACTIVE_PRESET_NAME} = await import("@ceibo/params");
const {ssz} = await import("@ceibo/types");
const {DevBeaconNode: BeaconNode} = await import("../src/node/dev.ts");
const {ReqResp, ReqRespError, protocolId} = await import("../src/network/reqresp/index.ts");
const {ByteReader} = await import("../src/network/encoding/byteReader.ts");
const {encodeSszSnappy, encodeSuccessChunk, readResponseChunk, encodeVarint} = await import(
  "../src/network/encoding/sszSnappy.ts"
);
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;
if (ACTIVE_PRESET_NAME !== "minimal") throw Error(`@ceibo/params was already loaded with ${ACTIVE_PRESET_NAME}`);

type ReqRespT = InstanceType<typeof ReqResp>;
const SLOTS_PER_EPOCH = 8;
const LAST_SLOT = 40;
/** Slots where the proposer stays silent (empty slots): one in the finalized part, one in the hot part. */
const EMPTY_SLOTS = new Set([5, 37]);
const GENESIS_TIME = 1_700_000_000;
const SLOT_MS = 6000;

interface Recorder {
  statuses: {peer: string; status: StatusMessage}[];
  goodbyes: {peer: string; reason: bigint}[];
  pings: {peer: string; seq: bigint}[];
  reports: {peer: string; action: PeerAction; reason: string}[];
}

const dir = mkdtempSync(join(tmpdir(), "ceibo-reqresp-"));
let nowMs = GENESIS_TIME * 1000;
const setSlot = (slot: number): void => {
  nowMs = GENESIS_TIME * 1000 + slot * SLOT_MS + 100;
};
let nodeA: BeaconNodeType;
let nodeB: BeaconNodeType;
let hostA: Libp2p;
let hostB: Libp2p;
let hostC: Libp2p;
let rrA: ReqRespT;
let rrB: ReqRespT;
const recA: Recorder = {statuses: [], goodbyes: [], pings: [], reports: []};
const recB: Recorder = {statuses: [], goodbyes: [], pings: [], reports: []};
let peerA: string;
let peerC: string;
const metadataA: MetadataMessage = {
  seqNumber: 7n,
  attnets: Array.from({length: 64}, (_, i) => i % 9 === 0),
  syncnets: [false, true, false, true],
  custodyGroupCount: 8,
};

function makeHost(): Promise<Libp2p> {
  return createLibp2p({
    addresses: {listen: ["/ip4/127.0.0.1/tcp/0"]},
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  });
}

function statusOf(node: BeaconNodeType): StatusMessage {
  const chain = node.chain;
  const finalized = chain.finalizedCheckpoint;
  return {
    forkDigest: chain.beaconConfig.computeForkDigest(chain.clock.currentEpoch),
    finalizedRoot: finalized.epoch === 0 ? new Uint8Array(32) : Buffer.from(finalized.root.slice(2), "hex"),
    finalizedEpoch: finalized.epoch,
    headRoot: Buffer.from(chain.head.blockRoot.slice(2), "hex"),
    headSlot: chain.head.slot,
  };
}

function makeReqResp(
  node: BeaconNodeType,
  host: Libp2p,
  rec: Recorder,
  metadata: MetadataMessage,
  opts: Partial<ConstructorParameters<typeof ReqResp>[0]> = {},
): ReqRespT {
  return new ReqResp({
    libp2p: host,
    config: node.chain.beaconConfig,
    chain: node.chain,
    db: node.db,
    logger: {error() {}, warn() {}, info() {}, debug() {}},
    reporter: {reportPeer: (peer, action, reason) => rec.reports.push({peer, action, reason})},
    handlers: {
      getStatus: () => statusOf(node),
      onStatus: (peer, status) => rec.statuses.push({peer, status}),
      onGoodbye: (peer, reason) => rec.goodbyes.push({peer, reason}),
      getMetadata: () => metadata,
      onPing: (peer, seq) => rec.pings.push({peer, seq}),
    },
    ...opts,
  });
}

/** A's canonical chain (genesis … head) as (slot, root, bytes) from fork choice and A's blocks. */
async function canonicalChainOfA(): Promise<{slot: number; root: string; bytes: Uint8Array}[]> {
  const out: {slot: number; root: string; bytes: Uint8Array}[] = [];
  let root: string | null = nodeA.chain.head.blockRoot;
  while (root !== null) {
    const stored = await nodeA.db.getBlock(Buffer.from(root.slice(2), "hex"));
    if (stored === null) throw Error(`A lacks block ${root}`);
    const type = ssz[stored.fork].SignedBeaconBlock as unknown as {serialize(v: unknown): Uint8Array};
    out.push({slot: stored.block.message.slot, root, bytes: type.serialize(stored.block)});
    root = stored.block.message.slot === 0 ? null : toHex(stored.block.message.parentRoot);
  }
  return out.reverse();
}

beforeAll(async () => {
  setSlot(0);
  const init = (name: string, devSigning: boolean): Promise<BeaconNodeType> =>
    BeaconNode.init({
      network: "dev",
      dataDir: join(dir, name),
      devValidators: 64,
      genesisTime: GENESIS_TIME,
      slotDurationMs: SLOT_MS,
      nowMs: () => nowMs,
      devSigning,
    });
  nodeA = await init("a", true);
  nodeB = await init("b", false);
  for (let slot = 1; slot <= LAST_SLOT; slot++) {
    setSlot(slot);
    if (EMPTY_SLOTS.has(slot)) await nodeA.chain.onSlot(slot);
    else await nodeA.runSlot(slot);
  }
  [hostA, hostB, hostC] = await Promise.all([makeHost(), makeHost(), makeHost()]);
  rrA = makeReqResp(nodeA, hostA, recA, metadataA, {rateLimits: {ping: {quota: 3, quotaTimeMs: 3_600_000}}});
  rrB = makeReqResp(nodeB, hostB, recB, {...metadataA, seqNumber: 1n}, {timeouts: {ttfbTimeoutMs: 800}});
  await rrA.start();
  await rrB.start();
  await hostB.dial(hostA.getMultiaddrs()[0]);
  await hostB.dial(hostC.getMultiaddrs()[0]);
  peerA = hostA.peerId.toString();
  peerC = hostC.peerId.toString();
}, 120_000);

afterAll(async () => {
  await rrA?.stop();
  await rrB?.stop();
  await Promise.all([hostA?.stop(), hostB?.stop(), hostC?.stop()]);
  await nodeA?.close();
  await nodeB?.close();
  rmSync(dir, {recursive: true, force: true});
});

describe("req/resp between two nodes", () => {
  it("node A's chain finalized and has empty slots (the fixture the block tests rely on)", async () => {
    expect(nodeA.chain.head.slot).toBe(LAST_SLOT);
    expect(nodeA.chain.finalizedCheckpoint.epoch).toBeGreaterThanOrEqual(2);
    const chain = await canonicalChainOfA();
    expect(chain.map((b) => b.slot).filter((s) => EMPTY_SLOTS.has(s))).toEqual([]);
    expect(chain.length).toBe(LAST_SLOT + 1 - EMPTY_SLOTS.size);
    // the finalized part is in the block archive, the rest only in the hot store
    expect(await nodeA.db.blockArchive.getSerializedBySlot(8)).not.toBeNull();
    expect(await nodeA.db.blockArchive.getSerializedBySlot(LAST_SLOT)).toBeNull();
  });

  it("Status v2 handshake: each side gets the other's status", async () => {
    const ours = statusOf(nodeB);
    const theirs = await rrB.status(peerA, ours);
    const expected = statusOf(nodeA);
    expect(toHex(theirs.headRoot)).toBe(toHex(expected.headRoot));
    expect(theirs.headSlot).toBe(LAST_SLOT);
    expect(theirs.finalizedEpoch).toBe(expected.finalizedEpoch);
    expect(toHex(theirs.forkDigest)).toBe(toHex(expected.forkDigest));
    expect(theirs.earliestAvailableSlot).toBe(0); // v2 (fulu is scheduled): A has its genesis block
    const seen = recA.statuses.at(-1);
    expect(seen?.peer).toBe(hostB.peerId.toString());
    expect(toHex(seen?.status.headRoot ?? new Uint8Array())).toBe(toHex(ours.headRoot));
    expect(seen?.status.earliestAvailableSlot).toBe(0);
  });

  it("Ping and GetMetaData v3", async () => {
    expect(await rrB.ping(peerA, 1n)).toBe(7n);
    expect(recA.pings.at(-1)).toEqual({peer: hostB.peerId.toString(), seq: 1n});
    expect(await rrB.metadata(peerA)).toEqual(metadataA);
  });

  it("BeaconBlocksByRange: A's canonical blocks across the finalized/unfinalized boundary, empty slots omitted", async () => {
    const chain = await canonicalChainOfA();
    const blocks = await rrB.beaconBlocksByRange(peerA, {startSlot: 0, count: 64});
    expect(blocks.map((b) => b.block.message.slot)).toEqual(chain.map((b) => b.slot));
    for (let i = 0; i < blocks.length; i++) expect(toHex(blocks[i].bytes)).toBe(toHex(chain[i].bytes));
    // a window: [4, 12) skips slot 5
    const window = await rrB.beaconBlocksByRange(peerA, {startSlot: 4, count: 8});
    expect(window.map((b) => b.block.message.slot)).toEqual([4, 6, 7, 8, 9, 10, 11]);
    // beyond the head: nothing
    expect(await rrB.beaconBlocksByRange(peerA, {startSlot: LAST_SLOT + 1, count: 10})).toEqual([]);
  });

  it("BeaconBlocksByRange: B imports the blocks it received", async () => {
    const blocks = await rrB.beaconBlocksByRange(peerA, {startSlot: 1, count: 12});
    for (const {block} of blocks) await nodeB.chain.importBlock(block, {dataAvailable: true});
    expect(nodeB.chain.head.slot).toBe(12);
    expect(nodeB.chain.head.blockRoot).toBe((await canonicalChainOfA()).find((b) => b.slot === 12)?.root);
  });

  it("BeaconBlocksByRoot: the known blocks, in request order, unknown roots skipped", async () => {
    const chain = await canonicalChainOfA();
    const wanted = [chain[30], chain[3], chain[chain.length - 1]];
    const unknown = new Uint8Array(32).fill(0x42);
    const roots = [
      Buffer.from(wanted[0].root.slice(2), "hex"),
      unknown,
      ...wanted.slice(1).map((b) => Buffer.from(b.root.slice(2), "hex")),
    ];
    const blocks = await rrB.beaconBlocksByRoot(peerA, roots);
    expect(blocks.map((b) => toHex(b.bytes))).toEqual(wanted.map((b) => toHex(b.bytes)));
  });

  it("BeaconBlocksByHead (fulu): the block at the root and its ancestors, newest first", async () => {
    const chain = await canonicalChainOfA();
    const rootAt = (slot: number): Uint8Array => {
      const b = chain.find((x) => x.slot === slot);
      if (b === undefined) throw Error(`no block at ${slot}`);
      return Buffer.from(b.root.slice(2), "hex");
    };
    const five = await rrB.beaconBlocksByHead(peerA, {beaconRoot: rootAt(20), count: 5});
    expect(five.map((b) => b.block.message.slot)).toEqual([20, 19, 18, 17, 16]);
    // down to genesis, across the empty slot 5
    const all = await rrB.beaconBlocksByHead(peerA, {beaconRoot: rootAt(7), count: 20});
    expect(all.map((b) => b.block.message.slot)).toEqual([7, 6, 4, 3, 2, 1, 0]);
    expect(toHex(all[0].bytes)).toBe(toHex(chain.find((x) => x.slot === 7)?.bytes ?? new Uint8Array()));
    expect(await rrB.beaconBlocksByHead(peerA, {beaconRoot: new Uint8Array(32).fill(3), count: 4})).toEqual([]);
  });

  it("DataColumnSidecarsByRange / ByRoot: columns A stores for a canonical block, filtered by request", async () => {
    const chain = await canonicalChainOfA();
    const target = chain.find((b) => b.slot === 33);
    if (target === undefined) throw Error("no block at 33");
    const stored = await nodeA.db.getBlock(Buffer.from(target.root.slice(2), "hex"));
    if (stored === null) throw Error("missing");
    const message = stored.block.message;
    const header = {
      slot: message.slot,
      proposerIndex: message.proposerIndex,
      parentRoot: message.parentRoot,
      stateRoot: message.stateRoot,
      bodyRoot: (ssz.fulu.BeaconBlockBody as unknown as {hashTreeRoot(v: unknown): Uint8Array}).hashTreeRoot(
        message.body,
      ),
    };
    const sidecars = [3, 10, 77].map((index) => {
      const s = ssz.fulu.DataColumnSidecar.defaultValue();
      s.index = index;
      s.signedBlockHeader = {message: header, signature: stored.block.signature};
      return s;
    });
    await nodeA.db.dataColumnSidecars.put(Buffer.from(target.root.slice(2), "hex"), sidecars);
    const byRange = await rrB.dataColumnSidecarsByRange(peerA, {startSlot: 30, count: 8, columns: [77, 3, 4]});
    expect(byRange.map((s) => [s.signedBlockHeader.message.slot, s.index])).toEqual([
      [33, 3],
      [33, 77],
    ]);
    expect(ssz.fulu.DataColumnSidecar.serialize(byRange[1])).toEqual(ssz.fulu.DataColumnSidecar.serialize(sidecars[2]));
    const byRoot = await rrB.dataColumnSidecarsByRoot(peerA, [
      {blockRoot: Buffer.from(target.root.slice(2), "hex"), columns: [10, 11]},
      {blockRoot: new Uint8Array(32).fill(9), columns: [3]},
    ]);
    expect(byRoot.map((s) => s.index)).toEqual([10]);
  });

  it("ResourceUnavailable for a range before the earliest available slot", async () => {
    rrA.setEarliestAvailableSlot(16);
    try {
      const err = await rrB.beaconBlocksByRange(peerA, {startSlot: 8, count: 4}).catch((e) => e);
      expect(err).toBeInstanceOf(ReqRespError);
      expect(err.code).toBe("ERROR_RESPONSE");
      expect(err.status).toBe(3);
      expect((await rrB.beaconBlocksByRange(peerA, {startSlot: 16, count: 2})).length).toBe(2);
    } finally {
      rrA.setEarliestAvailableSlot(0);
    }
  });

  it("request arguments beyond the protocol limits are refused before anything is sent", async () => {
    const err = await rrB.beaconBlocksByRange(peerA, {startSlot: 0, count: 129}).catch((e) => e);
    expect(err.code).toBe("INVALID_REQUEST_ARGUMENT");
  });

  it("Goodbye reaches the handler", async () => {
    await rrB.goodbye(peerA, 3);
    expect(recA.goodbyes.at(-1)).toEqual({peer: hostB.peerId.toString(), reason: 3n});
  });

  it("a malformed request gets InvalidRequest and the peer is reported", async () => {
    const before = recA.reports.length;
    const stream = await hostB.dialProtocol(hostA.peerId, protocolId("beacon_blocks_by_range", 2));
    // length prefix 24 (a BeaconBlocksByRangeRequest) followed by bytes that are not snappy frames
    stream.send(Uint8Array.from([...encodeVarint(24), 0x01, 0x02, 0x03, 0x04, 0x05]));
    await stream.close();
    const chunk = await readResponseChunk(new ByteReader(stream), {
      contextBytes: true,
      boundsFor: () => ({minSize: 0, maxSize: 1 << 20}),
      maxPayloadSize: 10 << 20,
    });
    expect(chunk).not.toBeNull();
    expect(chunk?.result).toBe(1);
    expect("errorMessage" in (chunk ?? {}) ? (chunk as {errorMessage: string}).errorMessage : "").toMatch(
      /SNAPPY|EOF|BYTES/,
    );
    expect(recA.reports.slice(before)).toEqual([
      {peer: hostB.peerId.toString(), action: "lowTolerance", reason: "beacon_blocks_by_range: invalid request"},
    ]);
    // and trailing bytes after a valid request too
    const s2 = await hostB.dialProtocol(hostA.peerId, protocolId("ping", 1));
    s2.send(Uint8Array.from([...encodeSszSnappy(ssz.phase0.Ping.serialize(1n)), 0x00]));
    await s2.close();
    const c2 = await readResponseChunk(new ByteReader(s2), {
      contextBytes: false,
      boundsFor: () => ssz.phase0.Ping,
      maxPayloadSize: 10 << 20,
    });
    expect(c2?.result).toBe(1);
  });

  it("rate limit: a peer over its quota gets ResourceUnavailable and is reported", async () => {
    // ping quota on A: 3 per hour; one was used by the Ping test (the malformed ping never reached the limiter)
    const results: (bigint | Error)[] = [];
    for (let i = 0; i < 4; i++) results.push(await rrB.ping(peerA, 2n).catch((e) => e as Error));
    const errors = results.filter((r): r is InstanceType<typeof ReqRespError> => r instanceof ReqRespError);
    expect(results.slice(0, 2)).toEqual([7n, 7n]);
    expect(errors.length).toBe(2);
    expect(errors[0].status).toBe(3);
    expect(errors[0].message).toMatch(/rate limited/);
    expect(recA.reports.filter((r) => r.reason === "rate limit" && r.action === "highTolerance").length).toBe(2);
  });
});

describe("requester checks against a misbehaving server", () => {
  /** Serves `method`/`version` on host C with chunks built by `respond`. */
  async function serveOnC(method: string, version: number, respond: () => Uint8Array[]): Promise<void> {
    const id = protocolId(method as "beacon_blocks_by_range", version);
    await hostC.unhandle(id);
    await hostC.handle(id, async (stream: Stream) => {
      for await (const _ of stream) {
        // drain the request
      }
      for (const chunk of respond()) stream.send(chunk);
      await stream.close();
    });
  }

  async function aBlock(slot: number): Promise<{bytes: Uint8Array; root: Uint8Array}> {
    const chain = await canonicalChainOfA();
    const b = chain.find((x) => x.slot === slot);
    if (b === undefined) throw Error(`no block at ${slot}`);
    return {bytes: b.bytes, root: Buffer.from(b.root.slice(2), "hex")};
  }

  const digestAt = (slot: number): Uint8Array =>
    nodeA.chain.beaconConfig.computeForkDigest(Math.floor(slot / SLOTS_PER_EPOCH));

  it("wrong context bytes → WRONG_CONTEXT_BYTES, peer reported lowTolerance", async () => {
    const block = await aBlock(10);
    await serveOnC("beacon_blocks_by_range", 2, () => [encodeSuccessChunk(block.bytes, Uint8Array.from([1, 2, 3, 4]))]);
    const before = recB.reports.length;
    const err = await rrB.beaconBlocksByRange(peerC, {startSlot: 10, count: 1}).catch((e) => e);
    expect(err.code).toBe("WRONG_CONTEXT_BYTES");
    expect(recB.reports.slice(before)).toEqual([
      {peer: peerC, action: "lowTolerance", reason: "beacon_blocks_by_range: WRONG_CONTEXT_BYTES"},
    ]);
  });

  it("blocks outside the range, out of order or not chained → INVALID_RESPONSE_CONTENT", async () => {
    const [b10, b11, b12] = [await aBlock(10), await aBlock(11), await aBlock(12)];
    await serveOnC("beacon_blocks_by_range", 2, () => [encodeSuccessChunk(b12.bytes, digestAt(12))]);
    expect((await rrB.beaconBlocksByRange(peerC, {startSlot: 10, count: 2}).catch((e) => e)).code).toBe(
      "INVALID_RESPONSE_CONTENT",
    );
    await serveOnC("beacon_blocks_by_range", 2, () => [
      encodeSuccessChunk(b11.bytes, digestAt(11)),
      encodeSuccessChunk(b10.bytes, digestAt(10)),
    ]);
    expect((await rrB.beaconBlocksByRange(peerC, {startSlot: 10, count: 3}).catch((e) => e)).code).toBe(
      "INVALID_RESPONSE_CONTENT",
    );
    await serveOnC("beacon_blocks_by_range", 2, () => [
      encodeSuccessChunk(b10.bytes, digestAt(10)),
      encodeSuccessChunk(b12.bytes, digestAt(12)),
    ]);
    const err = await rrB.beaconBlocksByRange(peerC, {startSlot: 10, count: 3}).catch((e) => e);
    expect(err.code).toBe("INVALID_RESPONSE_CONTENT");
    expect(err.message).toMatch(/does not descend/);
    // the honest answer passes
    await serveOnC("beacon_blocks_by_range", 2, () => [
      encodeSuccessChunk(b10.bytes, digestAt(10)),
      encodeSuccessChunk(b11.bytes, digestAt(11)),
      encodeSuccessChunk(b12.bytes, digestAt(12)),
    ]);
    expect((await rrB.beaconBlocksByRange(peerC, {startSlot: 10, count: 3})).length).toBe(3);
  });

  it("by root: a block that was not asked for → INVALID_RESPONSE_CONTENT; garbage → INVALID_RESPONSE", async () => {
    const [b10, b11] = [await aBlock(10), await aBlock(11)];
    const id = protocolId("beacon_blocks_by_root", 2);
    await hostC.unhandle(id);
    let answer: Uint8Array[] = [];
    await hostC.handle(id, async (stream: Stream) => {
      for await (const _ of stream) {
        // drain
      }
      for (const chunk of answer) stream.send(chunk);
      await stream.close();
    });
    answer = [encodeSuccessChunk(b11.bytes, digestAt(11))];
    expect((await rrB.beaconBlocksByRoot(peerC, [b10.root]).catch((e) => e)).code).toBe("INVALID_RESPONSE_CONTENT");
    answer = [Uint8Array.from([0, ...digestAt(10), ...encodeVarint(500), 1, 2, 3])];
    expect((await rrB.beaconBlocksByRoot(peerC, [b10.root]).catch((e) => e)).code).toBe("INVALID_RESPONSE");
    answer = [encodeSuccessChunk(b10.bytes, digestAt(10))];
    expect((await rrB.beaconBlocksByRoot(peerC, [b10.root])).map((b) => b.block.message.slot)).toEqual([10]);
  });

  it("by head: a block that is not the parent of the one before → INVALID_RESPONSE_CONTENT", async () => {
    const [b10, b11, b12] = [await aBlock(10), await aBlock(11), await aBlock(12)];
    await serveOnC("beacon_blocks_by_head", 1, () => [
      encodeSuccessChunk(b12.bytes, digestAt(12)),
      encodeSuccessChunk(b10.bytes, digestAt(10)),
    ]);
    const err = await rrB.beaconBlocksByHead(peerC, {beaconRoot: b12.root, count: 3}).catch((e) => e);
    expect(err.code).toBe("INVALID_RESPONSE_CONTENT");
    await serveOnC("beacon_blocks_by_head", 1, () => [
      encodeSuccessChunk(b12.bytes, digestAt(12)),
      encodeSuccessChunk(b11.bytes, digestAt(11)),
    ]);
    expect((await rrB.beaconBlocksByHead(peerC, {beaconRoot: b12.root, count: 3})).length).toBe(2);
  });

  it("a server that never answers → TTFB_TIMEOUT", async () => {
    const id = protocolId("ping", 1);
    await hostC.handle(id, async () => {
      // hold the stream open without answering
      await new Promise((r) => setTimeout(r, 3000));
    });
    const t0 = Date.now();
    const err = await rrB.ping(peerC, 1n).catch((e) => e);
    expect(err.code).toBe("TTFB_TIMEOUT");
    expect(Date.now() - t0).toBeLessThan(2500);
  });
});
