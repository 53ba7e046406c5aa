/**
 * The light-client gossip topics (altair light-client p2p-interface.md, chain/validation/lightClient.ts,
 * gossip/lightClientPublisher.ts): GossipHandlers over a recording stand-in for the gossipsub service, on a real
 * in-process fulu dev chain (minimal preset, 64 interop validators signing sync committee messages, manual clock)
 * whose light-client server derives the updates. Publishing (topics, digests, bytes, when), subscription, and the
 * ACCEPT / IGNORE / REJECT verdicts of received messages.
 */

import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {toHex} from "@ceibo/utils";
import {afterAll, beforeAll, describe, expect, it} from "vitest";

const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {DevBeaconNode: BeaconNode} = await import("../src/node/dev.ts");
const {GossipHandler} = await import("../src/network/gossip/index.ts");
const {compressGossipPayload, decompressGossipPayload} = await import("../src/network/gossip/messageId.ts");
const lc = await import("../src/chain/validation/lightClient.ts");
const {GossipValidationError} = await import("../src/network/types.ts");
const {ssz} = await import("@ceibo/types");
const {SYNC_COMMITTEE_SIZE} = await import("@ceibo/params");
const {BitArray} = await import("@chainsafe/ssz");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;

type Node = Awaited<ReturnType<typeof BeaconNode.init>>;
type Handler = InstanceType<typeof GossipHandler>;

const GENESIS_TIME = 1_700_000_000;
const SLOT_MS = 6000;
const SLOTS_PER_EPOCH = 8;
const LAST_SLOT = 33;
/** get_sync_message_due_ms() with SYNC_MESSAGE_DUE_BPS 3333: 3333 * 6000 // 10000. */
const DUE_MS = 1999;
const DISPARITY_MS = 500;
const unzip = (data: Uint8Array): Uint8Array => decompressGossipPayload(node.chain.config, data);

class FakePubsub {
  readonly topics = new Set<string>();
  readonly results: {msgId: string; acceptance: string}[] = [];
  readonly published: {topic: string; data: Uint8Array; atMs: number}[] = [];
  private listener: ((evt: CustomEvent) => void) | null = null;
  private nextId = 0;
  private readonly now: () => number;
  constructor(now: () => number) {
    this.now = now;
  }
  subscribe(topic: string): void {
    this.topics.add(topic);
  }
  unsubscribe(topic: string): void {
    this.topics.delete(topic);
  }
  addEventListener(_type: string, listener: (evt: CustomEvent) => void): void {
    this.listener = listener;
  }
  removeEventListener(): void {
    this.listener = null;
  }
  reportMessageValidationResult(msgId: string, _peer: string, acceptance: string): void {
    this.results.push({msgId, acceptance});
  }
  async publish(topic: string, data: Uint8Array): Promise<{recipients: unknown[]}> {
    this.published.push({topic, data, atMs: this.now()});
    return {recipients: []};
  }
  async deliver(topic: string, data: Uint8Array): Promise<string> {
    const msgId = `m${this.nextId++}`;
    this.listener?.(
      new CustomEvent("gossipsub:message", {
        detail: {msgId, propagationSource: {toString: () => "peer-x"}, msg: {type: "unsigned", topic, data}},
      }),
    );
    for (let i = 0; i < 400; i++) {
      const r = this.results.find((x) => x.msgId === msgId);
      if (r !== undefined) return r.acceptance;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw Error("no verdict");
  }
}

let nowMs = GENESIS_TIME * 1000;
const slotStart = (slot: number): number => GENESIS_TIME * 1000 + slot * SLOT_MS;
const dir = mkdtempSync(join(tmpdir(), "ceibo-gossip-lc-"));
let node: Node;
const pubsub = new FakePubsub(() => nowMs);
let publisher: Handler;
const disabledPubsub = new FakePubsub(() => nowMs);
let disabled: Handler;
/** Every latest update of the light-client server, in order, with the time it appeared. */
const latest: {signatureSlot: number; attestedSlot: number; finalizedSlot: number}[] = [];

function handler(ps: FakePubsub, opts: {lightClientServer?: boolean} = {}): Handler {
  return new GossipHandler({
    pubsub: ps as never,
    config: node.chain.beaconConfig,
    chain: node.chain,
    logger: node.logger,
    reporter: {reportPeer: () => {}},
    ...opts,
  });
}

const digestOfSlot = (slot: number): string =>
  Buffer.from(node.chain.beaconConfig.computeForkDigest(Math.floor(slot / SLOTS_PER_EPOCH))).toString("hex");
const topicOf = (name: string, attestedSlot: number): string =>
  `/eth2/${digestOfSlot(attestedSlot)}/${name}/ssz_snappy`;

beforeAll(async () => {
  node = await BeaconNode.init({
    network: "dev",
    dataDir: dir,
    devValidators: 64,
    genesisTime: GENESIS_TIME,
    slotDurationMs: SLOT_MS,
    nowMs: () => nowMs,
    devSigning: true,
    rest: null,
  });
  node.chain.lightClient.onLatestUpdate((u) =>
    latest.push({
      signatureSlot: u.data.signatureSlot,
      attestedSlot: u.data.attestedHeader.beacon.slot,
      finalizedSlot: u.data.finalizedHeader.beacon.slot,
    }),
  );
  publisher = handler(pubsub);
  publisher.start();
  disabled = handler(disabledPubsub, {lightClientServer: false});
  disabled.start();
  for (let slot = 1; slot <= LAST_SLOT; slot++) {
    // past the sync message due time: the publisher sends a new update as soon as the server has it
    nowMs = slotStart(slot) + DUE_MS + 100;
    await node.runSlot(slot);
    publisher.onSlot(slot);
    await node.chain.lightClient.idle();
    await publisher.lightClientPublisher?.idle();
  }
}, 180_000);

afterAll(async () => {
  publisher?.stop();
  disabled?.stop();
  await node?.close();
  rmSync(dir, {recursive: true, force: true});
});

describe("light-client gossip: subscription and publishing", () => {
  it("subscribes both topics at the current digest; a node without the light-client server does not", () => {
    const digest = digestOfSlot(LAST_SLOT);
    for (const name of ["light_client_finality_update", "light_client_optimistic_update"]) {
      expect(pubsub.topics.has(`/eth2/${digest}/${name}/ssz_snappy`)).toBe(true);
      expect(disabledPubsub.topics.has(`/eth2/${digest}/${name}/ssz_snappy`)).toBe(false);
    }
    expect(disabledPubsub.topics.has(`/eth2/${digest}/beacon_block/ssz_snappy`)).toBe(true);
    expect(disabledPubsub.published.filter((p) => p.topic.includes("light_client"))).toEqual([]);
  });

  it("publishes an optimistic update each time the attested slot increases, on the attested epoch's digest", () => {
    const published = pubsub.published.filter((p) => p.topic.includes("light_client_optimistic_update"));
    const attestedSlots = [...new Set(latest.map((l) => l.attestedSlot))];
    expect(published.length).toBe(attestedSlots.length);
    expect(published.length).toBeGreaterThanOrEqual(LAST_SLOT - 2);
    for (let i = 0; i < published.length; i++) {
      const value = ssz.electra.LightClientOptimisticUpdate.deserialize(unzip(published[i].data));
      expect(value.attestedHeader.beacon.slot).toBe(attestedSlots[i]);
      expect(published[i].topic).toBe(topicOf("light_client_optimistic_update", attestedSlots[i]));
      // never before get_sync_message_due_ms() into the signature slot
      expect(published[i].atMs).toBeGreaterThanOrEqual(slotStart(value.signatureSlot) + DUE_MS);
    }
    // the last one is the server's current optimistic update, byte for byte
    const current = node.chain.lightClient.getOptimisticUpdate();
    expect(toHex(unzip(published[published.length - 1].data))).toBe(
      toHex(ssz.electra.LightClientOptimisticUpdate.serialize(current?.data)),
    );
  });

  it("publishes a finality update only when the finalized slot increases", () => {
    const published = pubsub.published
      .filter((p) => p.topic.includes("light_client_finality_update"))
      .map((p) => ssz.electra.LightClientFinalityUpdate.deserialize(unzip(p.data)));
    const finalizedSlots = published.map((u) => u.finalizedHeader.beacon.slot);
    // strictly increasing, and every finalized slot the server's updates reached
    for (let i = 1; i < finalizedSlots.length; i++) expect(finalizedSlots[i]).toBeGreaterThan(finalizedSlots[i - 1]);
    expect(finalizedSlots).toEqual([...new Set(latest.map((l) => l.finalizedSlot))]);
    expect(finalizedSlots.at(-1)).toBeGreaterThanOrEqual(2 * SLOTS_PER_EPOCH); // A finalized epoch ≥ 2
    expect(node.chain.finalizedCheckpoint.epoch).toBeGreaterThanOrEqual(2);
  });

  it("the publisher's own messages count as forwarded: the same update from a peer is IGNOREd", async () => {
    const current = node.chain.lightClient.getOptimisticUpdate();
    if (current === null) throw Error("no update");
    const bytes = ssz.electra.LightClientOptimisticUpdate.serialize(current.data);
    const topic = topicOf("light_client_optimistic_update", current.data.attestedHeader.beacon.slot);
    expect(await pubsub.deliver(topic, compressGossipPayload(bytes))).toBe("ignore");
  });
});

describe("light-client gossip validation (full node rules)", () => {
  /** A fresh handler (nothing forwarded yet) whose publisher is off, receiving messages. */
  let receiver: Handler;
  const rx = new FakePubsub(() => nowMs);

  beforeAll(() => {
    receiver = handler(rx);
    // started before the latest update is due (its publisher would publish it at once) and the publisher stopped
    nowMs = slotStart(LAST_SLOT) + 100;
    receiver.start();
    receiver.lightClientPublisher?.stop();
    nowMs = slotStart(LAST_SLOT) + DUE_MS + 100;
  });
  afterAll(() => receiver.stop());

  const current = () => {
    const fin = node.chain.lightClient.getFinalityUpdate();
    const opt = node.chain.lightClient.getOptimisticUpdate();
    if (fin === null || opt === null) throw Error("no updates");
    return {fin, opt};
  };
  const codeOf = (run: () => void): string => {
    try {
      run();
    } catch (e) {
      if (e instanceof GossipValidationError) return `${e.acceptance} ${e.code}`;
      throw e;
    }
    return "ACCEPT";
  };

  it("IGNOREs an update received before get_sync_message_due_ms() into its signature slot (500 ms allowance)", async () => {
    const {opt, fin} = current();
    const signatureSlot = opt.data.signatureSlot;
    const ctx = {chain: node.chain, seen: receiver.seen};
    const state = new lc.LightClientGossipState();
    const bytes = ssz.electra.LightClientOptimisticUpdate.serialize(opt.data);
    const at = (ms: number) =>
      codeOf(() =>
        lc.validateLightClientOptimisticUpdateGossip(ctx, state, opt.data, bytes, slotStart(signatureSlot) + ms),
      );
    expect(at(DUE_MS - DISPARITY_MS - 1)).toBe("IGNORE TOO_EARLY");
    expect(state.optimisticAttestedSlot).toBe(-1); // nothing recorded
    expect(at(DUE_MS - DISPARITY_MS)).toBe("ACCEPT");
    const finBytes = ssz.electra.LightClientFinalityUpdate.serialize(fin.data);
    expect(
      codeOf(() =>
        lc.validateLightClientFinalityUpdateGossip(ctx, state, fin.data, finBytes, slotStart(signatureSlot) + 100),
      ),
    ).toBe("IGNORE TOO_EARLY");
    // through the handler: the same message early is IGNOREd, later ACCEPTed
    nowMs = slotStart(signatureSlot) + 200;
    const topic = topicOf("light_client_optimistic_update", opt.data.attestedHeader.beacon.slot);
    expect(await rx.deliver(topic, compressGossipPayload(bytes))).toBe("ignore");
    nowMs = slotStart(signatureSlot) + DUE_MS + 100;
  });

  it("IGNOREs an update that does not match the locally computed one", async () => {
    const {opt, fin} = current();
    const forged = ssz.electra.LightClientOptimisticUpdate.clone(opt.data);
    forged.attestedHeader.beacon.stateRoot = new Uint8Array(32).fill(9);
    const state = new lc.LightClientGossipState();
    const ctx = {chain: node.chain, seen: receiver.seen};
    expect(
      codeOf(() =>
        lc.validateLightClientOptimisticUpdateGossip(
          ctx,
          state,
          forged as never,
          ssz.electra.LightClientOptimisticUpdate.serialize(forged),
        ),
      ),
    ).toBe("IGNORE NOT_MATCHING_LOCAL");
    const forgedFin = ssz.electra.LightClientFinalityUpdate.clone(fin.data);
    forgedFin.finalityBranch[0] = new Uint8Array(32).fill(1);
    const topic = topicOf("light_client_finality_update", fin.data.attestedHeader.beacon.slot);
    expect(
      await rx.deliver(topic, compressGossipPayload(ssz.electra.LightClientFinalityUpdate.serialize(forgedFin))),
    ).toBe("ignore");
  });

  it("ACCEPTs the local updates once; the same again is IGNOREd (not newer than what was forwarded)", async () => {
    const {opt, fin} = current();
    const optTopic = topicOf("light_client_optimistic_update", opt.data.attestedHeader.beacon.slot);
    const finTopic = topicOf("light_client_finality_update", fin.data.attestedHeader.beacon.slot);
    const optMsg = compressGossipPayload(ssz.electra.LightClientOptimisticUpdate.serialize(opt.data));
    const finMsg = compressGossipPayload(ssz.electra.LightClientFinalityUpdate.serialize(fin.data));
    expect(await rx.deliver(optTopic, optMsg)).toBe("accept");
    expect(await rx.deliver(finTopic, finMsg)).toBe("accept");
    expect(receiver.lightClientState.optimisticAttestedSlot).toBe(opt.data.attestedHeader.beacon.slot);
    expect(receiver.lightClientState.finalizedSlot).toBe(fin.data.finalizedHeader.beacon.slot);
    expect(await rx.deliver(optTopic, optMsg)).toBe("ignore");
    expect(await rx.deliver(finTopic, finMsg)).toBe("ignore");
    expect(receiver.metrics.received.light_client_optimistic_update.accepted).toBe(1);
    expect(receiver.metrics.received.light_client_finality_update.accepted).toBe(1);
  });

  it("IGNOREs an update on the topic of another fork digest than its attested header's epoch", () => {
    const {opt} = current();
    const ctx = {chain: node.chain, seen: receiver.seen};
    const attested = opt.data.attestedHeader.beacon.slot;
    expect(codeOf(() => lc.checkLightClientTopicDigest(ctx, digestOfSlot(attested), opt.data))).toBe("ACCEPT");
    const otherDigest = Buffer.from(node.chain.beaconConfig.computeForkDigest(0).map((b) => b ^ 0xff)).toString("hex");
    expect(codeOf(() => lc.checkLightClientTopicDigest(ctx, otherDigest, opt.data))).toBe("IGNORE WRONG_FORK_DIGEST");
  });

  it("REJECTs bytes that are not the topic's type", async () => {
    const {opt} = current();
    const topic = topicOf("light_client_optimistic_update", opt.data.attestedHeader.beacon.slot);
    expect(await rx.deliver(topic, compressGossipPayload(new Uint8Array(7)))).toBe("reject");
    expect(receiver.metrics.received.light_client_optimistic_update.rejected).toBe(1);
  });

  it("finality: the same finalized slot is forwarded again only when it first reaches a supermajority", () => {
    const state = new lc.LightClientGossipState();
    const update = (finalizedSlot: number, participants: number) => {
      const bits = BitArray.fromBitLen(SYNC_COMMITTEE_SIZE);
      for (let i = 0; i < participants; i++) bits.set(i, true);
      return {
        attestedHeader: {beacon: {slot: finalizedSlot + 20}},
        finalizedHeader: {beacon: {slot: finalizedSlot}},
        syncAggregate: {syncCommitteeBits: bits},
        signatureSlot: finalizedSlot + 21,
      };
    };
    const twoThirds = (SYNC_COMMITTEE_SIZE * 2) / 3; // 21.33 of 32 on minimal
    const below = Math.floor(twoThirds);
    const above = below + 1;
    expect(state.isNewFinality(update(8, below))).toBe(true);
    state.recordFinality(update(8, below));
    expect(state.isNewFinality(update(8, below))).toBe(false);
    expect(state.isNewFinality(update(8, above))).toBe(true); // > 2/3 while the forwarded one was not
    state.recordFinality(update(8, above));
    expect(state.isNewFinality(update(8, SYNC_COMMITTEE_SIZE))).toBe(false);
    expect(state.isNewFinality(update(7, SYNC_COMMITTEE_SIZE))).toBe(false);
    expect(state.isNewFinality(update(16, 1))).toBe(true);
  });
});
