/**
 * The light-client req/resp protocols (altair light-client p2p-interface.md, reqresp/lightClient.ts) between real
 * libp2p hosts (TCP + noise + yamux on 127.0.0.1, identify), each with a ReqResp over a real in-process beacon node
 * (BeaconNode on a manual clock, CEIBO_PRESET=minimal, fulu dev chain, 64 interop validators that sign sync
 * committee messages, so blocks carry sync aggregates and the light-client server derives data). Node A produces a
 * chain that finalizes; node B is a fresh node of the same genesis (no light-client data); host D runs without
 * the light-client server; host C plays a misbehaving server.
 */

import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {toHex} from "@ceibo/utils";
import {noise} from "@chainsafe/libp2p-noise";
import {yamux} from "@chainsafe/libp2p-yamux";
import {identify} from "@libp2p/identify";
import type {Libp2p, Stream} from "@libp2p/interface";
import {tcp} from "@libp2p/tcp";
import {createLibp2p} from "libp2p";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import type {PeerAction} from "../src/network/types.ts";
import type {BeaconNode as BeaconNodeType} from "../src/node/index.ts";

const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {ACTIVE_PRESET_NAME} = await import("@ceibo/params");
const {ssz} = await import("@ceibo/types");
const {lightClientTypes} = await import("@ceibo/state-transition");
const {DevBeaconNode: BeaconNode} = await import("../src/node/dev.ts");
const {ReqResp, ReqRespError, protocolId} = await import("../src/network/reqresp/index.ts");
const lcServe = await import("../src/network/reqresp/lightClient.ts");
const {ByteReader} = await import("../src/network/encoding/byteReader.ts");
const {encodeSszSnappy, encodeSuccessChunk, readResponseChunk} = await import("../src/network/encoding/sszSnappy.ts");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;
if (ACTIVE_PRESET_NAME !== "minimal") throw Error(`@ceibo/params was already loaded with ${ACTIVE_PRESET_NAME}`);

type ReqRespT = InstanceType<typeof ReqResp>;
const SLOTS_PER_EPOCH = 8;
const LAST_SLOT = 33;
const GENESIS_TIME = 1_700_000_000;
const SLOT_MS = 6000;
const LC_IDS = [
  protocolId("light_client_bootstrap", 1),
  protocolId("light_client_updates_by_range", 1),
  protocolId("light_client_finality_update", 1),
  protocolId("light_client_optimistic_update", 1),
];

const dir = mkdtempSync(join(tmpdir(), "ceibo-lcreqresp-"));
let nowMs = GENESIS_TIME * 1000;
const setSlot = (slot: number): void => {
  nowMs = GENESIS_TIME * 1000 + slot * SLOT_MS + 100;
};
let nodeA: BeaconNodeType;
let nodeB: BeaconNodeType;
let hostA: Libp2p;
let hostB: Libp2p;
let hostC: Libp2p;
let hostD: Libp2p;
let rrA: ReqRespT;
let rrB: ReqRespT;
let rrD: ReqRespT;
const reportsA: {peer: string; action: PeerAction; reason: string}[] = [];
const reportsB: {peer: string; action: PeerAction; reason: string}[] = [];
let peerA: string;
let peerB: string;
let peerC: string;
let peerD: string;

function makeHost(): Promise<Libp2p> {
  return createLibp2p({
    addresses: {listen: ["/ip4/127.0.0.1/tcp/0"]},
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {identify: identify()},
  });
}

function makeReqResp(
  node: BeaconNodeType,
  host: Libp2p,
  reports: typeof reportsA,
  opts: Partial<ConstructorParameters<typeof ReqResp>[0]> = {},
): ReqRespT {
  return new ReqResp({
    libp2p: host,
    config: node.chain.beaconConfig,
    chain: node.chain,
    db: node.db,
    logger: {error() {}, warn() {}, info() {}, debug() {}},
    reporter: {reportPeer: (peer, action, reason) => reports.push({peer, action, reason})},
    handlers: {
      getStatus: () => {
        throw Error("not used");
      },
      onStatus: () => {},
      onGoodbye: () => {},
      getMetadata: () => ({seqNumber: 1n, attnets: [], syncnets: [], custodyGroupCount: 4}),
      onPing: () => {},
    },
    ...opts,
  });
}

const serialize = (kind: string, v: {fork: string; data: unknown}): string =>
  toHex(
    (
      lightClientTypes(v.fork as "electra")[kind as "LightClientUpdate"] as unknown as {
        serialize(x: unknown): Uint8Array;
      }
    ).serialize(v.data),
  );

const digestAtSlot = (slot: number): Uint8Array =>
  nodeA.chain.beaconConfig.computeForkDigest(Math.floor(slot / SLOTS_PER_EPOCH));

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
    await nodeA.runSlot(slot);
  }
  await nodeA.chain.lightClient.idle();
  [hostA, hostB, hostC, hostD] = await Promise.all([makeHost(), makeHost(), makeHost(), makeHost()]);
  rrA = makeReqResp(nodeA, hostA, reportsA, {
    rateLimits: {light_client_optimistic_update: {quota: 4, quotaTimeMs: 3_600_000}},
  });
  rrB = makeReqResp(nodeB, hostB, reportsB, {timeouts: {ttfbTimeoutMs: 2000}});
  rrD = makeReqResp(nodeB, hostD, [], {lightClientServer: false});
  await Promise.all([rrA.start(), rrB.start(), rrD.start()]);
  for (const h of [hostA, hostC, hostD]) await hostB.dial(h.getMultiaddrs()[0]);
  peerA = hostA.peerId.toString();
  peerB = hostB.peerId.toString();
  peerC = hostC.peerId.toString();
  peerD = hostD.peerId.toString();
}, 180_000);

afterAll(async () => {
  await rrA?.stop();
  await rrB?.stop();
  await rrD?.stop();
  await Promise.all([hostA?.stop(), hostB?.stop(), hostC?.stop(), hostD?.stop()]);
  await nodeA?.close();
  await nodeB?.close();
  rmSync(dir, {recursive: true, force: true});
});

describe("light-client req/resp between two nodes", () => {
  it("the fixture: A finalized and its light-client server has data; B has none", () => {
    expect(nodeA.chain.head.slot).toBe(LAST_SLOT);
    expect(nodeA.chain.finalizedCheckpoint.epoch).toBeGreaterThanOrEqual(2);
    expect(nodeA.chain.lightClient.getFinalityUpdate()).not.toBeNull();
    expect(nodeB.chain.lightClient.getFinalityUpdate()).toBeNull();
  });

  it("the light-client protocols are advertised through identify (and not by a node without the server)", async () => {
    const until = async (peer: string, ok: (protocols: string[]) => boolean): Promise<string[]> => {
      for (let i = 0; i < 200; i++) {
        const protocols = (await hostB.peerStore.get(hostB.getPeers().find((p) => p.toString() === peer)!)).protocols;
        if (ok(protocols)) return protocols;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw Error(`identify of ${peer} never listed the req/resp protocols`);
    };
    const ofA = await until(peerA, (p) => p.includes(protocolId("status", 2)));
    for (const id of LC_IDS) expect(ofA).toContain(id);
    const ofD = await until(peerD, (p) => p.includes(protocolId("status", 2)));
    for (const id of LC_IDS) expect(ofD).not.toContain(id);
  });

  it("GetLightClientBootstrap: the bootstrap of A's finalized checkpoint block", async () => {
    const rootHex = nodeA.chain.finalizedCheckpoint.root;
    const root = Buffer.from(rootHex.slice(2), "hex");
    const expected = await nodeA.chain.lightClient.getBootstrap(root);
    if (expected === null) throw Error("A has no bootstrap of its finalized block");
    const got = await rrB.lightClientBootstrap(peerA, root);
    expect(got.fork).toBe("electra"); // fulu serves electra's light-client form
    expect(serialize("LightClientBootstrap", got)).toBe(serialize("LightClientBootstrap", expected));
    expect(toHex(ssz.phase0.BeaconBlockHeader.hashTreeRoot(got.data.header.beacon))).toBe(rootHex);
    // the current sync committee is the finalized state's
    const state = nodeA.chain.getBlockState(rootHex).state as unknown as {
      currentSyncCommittee: {hashTreeRoot(): Uint8Array};
    };
    expect(toHex(ssz.altair.SyncCommittee.hashTreeRoot(got.data.currentSyncCommittee))).toBe(
      toHex(state.currentSyncCommittee.hashTreeRoot()),
    );
  });

  it("GetLightClientBootstrap of an unknown block → ResourceUnavailable", async () => {
    const err = await rrB.lightClientBootstrap(peerA, new Uint8Array(32).fill(0x42)).catch((e) => e);
    expect(err).toBeInstanceOf(ReqRespError);
    expect(err.code).toBe("ERROR_RESPONSE");
    expect(err.status).toBe(3);
    expect(err.message).toMatch(/no light-client bootstrap/);
  });

  it("LightClientUpdatesByRange: the best update of each period in range, none past the head's period", async () => {
    // minimal preset: 8 epochs of 8 slots per sync-committee period, the chain is in period 0
    const best = await nodeA.chain.lightClient.getBestUpdate(0);
    if (best === null) throw Error("A has no best update of period 0");
    const got = await rrB.lightClientUpdatesByRange(peerA, {startPeriod: 0, count: 4});
    expect(got.length).toBe(1);
    expect(serialize("LightClientUpdate", got[0])).toBe(serialize("LightClientUpdate", best));
    expect(got[0].data.attestedHeader.beacon.slot).toBeLessThan(64);
    expect(await rrB.lightClientUpdatesByRange(peerA, {startPeriod: 1, count: 100})).toEqual([]);
    // a request costs its count: 4 + 100 of the 128 per 10 s are used, 100 more is over the quota
    const limited = await rrB.lightClientUpdatesByRange(peerA, {startPeriod: 0, count: 100}).catch((e) => e);
    expect(limited.status).toBe(3);
    expect(limited.message).toMatch(/rate limited/);
    const err = await rrB.lightClientUpdatesByRange(peerA, {startPeriod: 0, count: 129}).catch((e) => e);
    expect(err.code).toBe("INVALID_REQUEST_ARGUMENT");
  });

  it("GetLightClientFinalityUpdate / OptimisticUpdate: A's latest ones", async () => {
    const fin = nodeA.chain.lightClient.getFinalityUpdate();
    const opt = nodeA.chain.lightClient.getOptimisticUpdate();
    if (fin === null || opt === null) throw Error("A has no latest updates");
    const gotFin = await rrB.lightClientFinalityUpdate(peerA);
    expect(serialize("LightClientFinalityUpdate", gotFin)).toBe(serialize("LightClientFinalityUpdate", fin));
    // signed in the head block (slot 33) over its parent; the finalized header is A's finalized checkpoint block
    expect(gotFin.data.signatureSlot).toBe(LAST_SLOT);
    expect(gotFin.data.attestedHeader.beacon.slot).toBe(LAST_SLOT - 1);
    expect(toHex(ssz.phase0.BeaconBlockHeader.hashTreeRoot(gotFin.data.finalizedHeader.beacon))).toBe(
      nodeA.chain.finalizedCheckpoint.root,
    );
    const gotOpt = await rrB.lightClientOptimisticUpdate(peerA);
    expect(serialize("LightClientOptimisticUpdate", gotOpt)).toBe(serialize("LightClientOptimisticUpdate", opt));
  });

  it("a node without light-client data answers ResourceUnavailable to both", async () => {
    for (const get of [() => rrA.lightClientFinalityUpdate(peerB), () => rrA.lightClientOptimisticUpdate(peerB)]) {
      const err = await get().catch((e) => e);
      expect(err.code).toBe("ERROR_RESPONSE");
      expect(err.status).toBe(3);
    }
    expect(await rrA.lightClientUpdatesByRange(peerB, {startPeriod: 0, count: 8})).toEqual([]);
  });

  it("a node started without the light-client server does not speak the protocols", async () => {
    const err = await rrB.lightClientFinalityUpdate(peerD).catch((e) => e);
    expect(err.code).toBe("DIAL_FAILED");
  });

  it("on the wire: the context bytes are the fork digest of the attested header's epoch", async () => {
    const stream = await hostB.dialProtocol(hostA.peerId, protocolId("light_client_finality_update", 1));
    await stream.close();
    const chunk = await readResponseChunk(new ByteReader(stream), {
      contextBytes: true,
      boundsFor: () => ({minSize: 0, maxSize: 1 << 20}),
      maxPayloadSize: 10 << 20,
    });
    if (chunk === null || "errorMessage" in chunk) throw Error("no success chunk");
    const update = ssz.electra.LightClientFinalityUpdate.deserialize(chunk.ssz);
    expect(toHex(chunk.contextBytes ?? new Uint8Array())).toBe(toHex(digestAtSlot(update.attestedHeader.beacon.slot)));
    // a bootstrap request of the wrong size is an invalid request (and A reports the peer)
    const before = reportsA.length;
    const s2 = await hostB.dialProtocol(hostA.peerId, protocolId("light_client_bootstrap", 1));
    s2.send(encodeSszSnappy(new Uint8Array(31)));
    await s2.close();
    const c2 = await readResponseChunk(new ByteReader(s2), {
      contextBytes: true,
      boundsFor: () => ({minSize: 0, maxSize: 1 << 20}),
      maxPayloadSize: 10 << 20,
    });
    expect(c2?.result).toBe(1);
    expect(reportsA.slice(before).map((r) => r.action)).toEqual(["lowTolerance"]);
  });

  it("rate limit: optimistic updates over the quota get ResourceUnavailable 'rate limited'", async () => {
    // quota 4 per hour on A: one used by the test above
    const reportsBefore = reportsA.filter((r) => r.reason === "rate limit").length;
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await rrB.lightClientOptimisticUpdate(peerA).catch((e) => e));
    const errors = results.filter((r) => r instanceof ReqRespError);
    expect(results.length - errors.length).toBe(3);
    expect(errors.length).toBe(1);
    expect(errors[0].status).toBe(3);
    expect(errors[0].message).toMatch(/rate limited/);
    expect(reportsA.filter((r) => r.reason === "rate limit").length).toBe(reportsBefore + 1);
  });
});

describe("light-client requester checks against a misbehaving server", () => {
  async function serveOnC(method: string, respond: () => Uint8Array[]): Promise<void> {
    const id = protocolId(method as "light_client_bootstrap", 1);
    await hostC.unhandle(id);
    await hostC.handle(id, async (stream: Stream) => {
      for await (const _ of stream) {
        // drain the request
      }
      for (const chunk of respond()) stream.send(chunk);
      await stream.close();
    });
  }

  it("context bytes of no fork of the chain → WRONG_CONTEXT_BYTES, reported", async () => {
    const fin = nodeA.chain.lightClient.getFinalityUpdate();
    if (fin === null) throw Error("no update");
    const bytes = ssz.electra.LightClientFinalityUpdate.serialize(fin.data);
    await serveOnC("light_client_finality_update", () => [encodeSuccessChunk(bytes, Uint8Array.from([1, 2, 3, 4]))]);
    const before = reportsB.length;
    const err = await rrB.lightClientFinalityUpdate(peerC).catch((e) => e);
    expect(err.code).toBe("WRONG_CONTEXT_BYTES");
    expect(reportsB.slice(before)).toEqual([
      {peer: peerC, action: "lowTolerance", reason: "light_client_finality_update: WRONG_CONTEXT_BYTES"},
    ]);
    // the right context passes
    await serveOnC("light_client_finality_update", () => [
      encodeSuccessChunk(bytes, digestAtSlot(fin.data.attestedHeader.beacon.slot)),
    ]);
    expect((await rrB.lightClientFinalityUpdate(peerC)).data.signatureSlot).toBe(fin.data.signatureSlot);
  });

  it("a bootstrap of another block, an update outside the range → INVALID_RESPONSE_CONTENT", async () => {
    const root = Buffer.from(nodeA.chain.finalizedCheckpoint.root.slice(2), "hex");
    const bootstrap = await nodeA.chain.lightClient.getBootstrap(root);
    const best = await nodeA.chain.lightClient.getBestUpdate(0);
    if (bootstrap === null || best === null) throw Error("no data");
    await serveOnC("light_client_bootstrap", () => [
      encodeSuccessChunk(
        ssz.electra.LightClientBootstrap.serialize(bootstrap.data),
        digestAtSlot(bootstrap.data.header.beacon.slot),
      ),
    ]);
    expect((await rrB.lightClientBootstrap(peerC, new Uint8Array(32).fill(7)).catch((e) => e)).code).toBe(
      "INVALID_RESPONSE_CONTENT",
    );
    expect(
      toHex(
        ssz.phase0.BeaconBlockHeader.hashTreeRoot((await rrB.lightClientBootstrap(peerC, root)).data.header.beacon),
      ),
    ).toBe(toHex(root));
    const updateChunk = encodeSuccessChunk(
      ssz.electra.LightClientUpdate.serialize(best.data),
      digestAtSlot(best.data.attestedHeader.beacon.slot),
    );
    await serveOnC("light_client_updates_by_range", () => [updateChunk]);
    expect((await rrB.lightClientUpdatesByRange(peerC, {startPeriod: 1, count: 2}).catch((e) => e)).code).toBe(
      "INVALID_RESPONSE_CONTENT",
    );
    // the same period twice
    await serveOnC("light_client_updates_by_range", () => [updateChunk, updateChunk]);
    expect((await rrB.lightClientUpdatesByRange(peerC, {startPeriod: 0, count: 2}).catch((e) => e)).code).toBe(
      "INVALID_RESPONSE_CONTENT",
    );
  });
});

describe("LightClientUpdatesByRange serving rules (a source with updates of periods 2, 3 and 5, head in period 6)", () => {
  const update = (period: number) => {
    const data = ssz.electra.LightClientUpdate.defaultValue();
    data.attestedHeader.beacon.slot = period * 64 + 10; // minimal: 64 slots per period
    data.signatureSlot = period * 64 + 11;
    return {fork: "electra" as const, data};
  };
  const source = {
    reads: [] as number[],
    async getBootstrap() {
      return null;
    },
    async getBestUpdate(period: number) {
      this.reads.push(period);
      return [2, 3, 5].includes(period) ? update(period) : null;
    },
    getFinalityUpdate: () => null,
    getOptimisticUpdate: () => ({fork: "electra" as const, data: update(6).data}),
  };
  const periods = async (startPeriod: number, count: number): Promise<number[]> =>
    (await lcServe.serveLightClientUpdatesByRange(source, {startPeriod, count})).map((c) =>
      Math.floor(ssz.electra.LightClientUpdate.deserialize(c.ssz).attestedHeader.beacon.slot / 64),
    );

  it("starts at the earliest known update in the range and stops at the first gap after it", async () => {
    expect(await periods(0, 10)).toEqual([2, 3]);
    expect(await periods(3, 10)).toEqual([3]);
    expect(await periods(4, 10)).toEqual([5]);
    expect(await periods(0, 2)).toEqual([]);
    expect(await periods(6, 100)).toEqual([]);
  });

  it("reads no period past the head's, and at most MAX_REQUEST_LIGHT_CLIENT_UPDATES of them", async () => {
    source.reads = [];
    await periods(4, 2 ** 40);
    expect(source.reads).toEqual([4, 5, 6]);
    source.reads = [];
    await periods(0, 0);
    expect(source.reads).toEqual([]);
    expect(lcServe.MAX_REQUEST_LIGHT_CLIENT_UPDATES).toBe(128);
  });

  it("each chunk's context slot is its attested header's", async () => {
    const chunks = await lcServe.serveLightClientUpdatesByRange(source, {startPeriod: 5, count: 1});
    expect(chunks.map((c) => c.contextSlot)).toEqual([5 * 64 + 10]);
  });
});
