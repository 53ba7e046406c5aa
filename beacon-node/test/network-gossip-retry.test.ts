/**
 * The gossip retry queue (network/gossip/retryQueue.ts) in the GossipHandler, over a recording stand-in for the
 * gossipsub service, on an in-process electra dev chain (minimal preset, no dev signing): a SingleAttestation
 * voting for a block the node has not seen gets no verdict at first (before the queue it was IGNOREd at once and
 * dropped), then ACCEPT once that block is imported, and its vote reaches fork choice; an attestation for a block
 * that never comes is IGNOREd when its wait expires (two slots); an attestation of a future slot is ACCEPTed when
 * that slot arrives.
 */

import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {fromHex, toHex} from "@ceibo/utils";
import {afterAll, beforeAll, describe, expect, it} from "vitest";

const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {DevBeaconNode: BeaconNode} = await import("../src/node/dev.ts");
const {GossipHandler, ForkDigests, computeSubnetForAttestation} = await import("../src/network/gossip/index.ts");
const {compressGossipPayload} = await import("../src/network/gossip/messageId.ts");
const {computeSigningRoot} = await import("@ceibo/config");
const params = await import("@ceibo/params");
const st = await import("@ceibo/state-transition");
const {ssz} = await import("@ceibo/types");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;
if (params.ACTIVE_PRESET_NAME !== "minimal") throw Error("@ceibo/params was already loaded with another preset");

type Node = Awaited<ReturnType<typeof BeaconNode.init>>;
const GENESIS_TIME = 1_700_000_000;
const SLOT_MS = 6000;
const sk = (i: number) => st.interopSecretKey(i);

class FakePubsub {
  readonly results = new Map<string, string>();
  private listener: ((evt: CustomEvent) => void) | null = null;
  private nextId = 0;
  subscribe(): void {}
  unsubscribe(): void {}
  addEventListener(_type: string, listener: (evt: CustomEvent) => void): void {
    this.listener = listener;
  }
  removeEventListener(): void {
    this.listener = null;
  }
  reportMessageValidationResult(msgId: string, _peer: string, acceptance: string): void {
    this.results.set(msgId, acceptance);
  }
  async publish(): Promise<{recipients: unknown[]}> {
    return {recipients: []};
  }
  /** Delivers a message; returns its id (the verdict may come later). */
  send(topic: string, data: Uint8Array): string {
    const msgId = `m${this.nextId++}`;
    this.listener?.(
      new CustomEvent("gossipsub:message", {
        detail: {msgId, propagationSource: {toString: () => "peer-x"}, msg: {type: "unsigned", topic, data}},
      }),
    );
    return msgId;
  }
}

async function until(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("gossip retry queue", () => {
  let nowMs = GENESIS_TIME * 1000 + 100;
  const setSlot = (slot: number, ms = 100): void => {
    nowMs = GENESIS_TIME * 1000 + slot * SLOT_MS + ms;
  };
  const dir = mkdtempSync(join(tmpdir(), "ceibo-gossip-retry-"));
  let node: Node;
  const pubsub = new FakePubsub();
  let gossip: InstanceType<typeof GossipHandler>;
  let digests: InstanceType<typeof ForkDigests>;

  beforeAll(async () => {
    node = await BeaconNode.init({
      network: "dev",
      dataDir: dir,
      devValidators: 64,
      devFork: "electra",
      devSigning: false,
      genesisTime: GENESIS_TIME,
      slotDurationMs: SLOT_MS,
      nowMs: () => nowMs,
      rest: null,
    });
    digests = new ForkDigests(node.chain.beaconConfig);
    gossip = new GossipHandler({
      pubsub: pubsub as never,
      config: node.chain.beaconConfig,
      chain: node.chain,
      logger: node.logger,
      reporter: {reportPeer() {}},
    });
    gossip.start();
  }, 60_000);

  afterAll(async () => {
    gossip.stop();
    await node.close();
    rmSync(dir, {recursive: true, force: true});
  });

  /** The block of `slot` on the head, signed by its proposer (not imported). */
  async function signedBlock(slot: number) {
    const state = node.chain.getHeadState().clone();
    st.processSlots(state, slot);
    const proposer = state.epochCtx.getBeaconProposer(slot);
    const epoch = st.computeEpochAtSlot(slot);
    const randaoReveal = sk(proposer)
      .sign(computeSigningRoot(ssz.phase0.Epoch, epoch, st.getDomain(state.state, params.DOMAIN_RANDAO, epoch)))
      .toBytes(true);
    const {block} = await node.chain.produceBlock({slot, randaoReveal});
    const signature = sk(proposer)
      .sign(
        computeSigningRoot(
          ssz.electra.BeaconBlock as never,
          block,
          st.getDomain(state.state, params.DOMAIN_BEACON_PROPOSER, epoch),
        ),
      )
      .toBytes(true);
    return {message: block, signature};
  }

  /** A SingleAttestation of the first member of committee 0 at `slot` voting for `root`; its topic. */
  function attestation(slot: number, root: Uint8Array, member = 0) {
    const state = node.chain.getHeadState();
    const committee = [...state.epochCtx.getBeaconCommittee(slot, 0)];
    const attesterIndex = committee[member];
    const data = {
      slot,
      index: 0,
      beaconBlockRoot: root,
      source: state.state.currentJustifiedCheckpoint.toValue(),
      target: {epoch: 0, root: fromHex(node.chain.checkpointOf(node.chain.head.blockRoot, 0).root)},
    };
    const signature = sk(attesterIndex)
      .sign(
        computeSigningRoot(
          ssz.phase0.AttestationData,
          data,
          st.getDomain(state.state, params.DOMAIN_BEACON_ATTESTER, 0),
        ),
      )
      .toBytes(true);
    const subnet = computeSubnetForAttestation(node.config, state.epochCtx.getCommitteeCountPerSlot(0), slot, 0);
    const topic = `/eth2/${digests.digestAt(0)}/beacon_attestation_${subnet}/ssz_snappy`;
    const payload = compressGossipPayload(
      ssz.electra.SingleAttestation.serialize({committeeIndex: 0, attesterIndex, data, signature}),
    );
    return {topic, payload, attesterIndex};
  }

  it("an attestation for a block that arrives later is ACCEPTed once the block is imported", async () => {
    setSlot(1, 3000);
    await node.chain.onSlot(1);
    gossip.onSlot(1);
    const block = await signedBlock(1);
    const root = ssz.electra.BeaconBlock.hashTreeRoot(block.message as never);
    const att = attestation(1, root);
    const msgId = pubsub.send(att.topic, att.payload);
    await until("the attestation to be queued", () => gossip.retryQueue.size === 1);
    expect(pubsub.results.get(msgId)).toBeUndefined();
    expect(gossip.retryQueue.counts.queued).toBe(1);

    await node.chain.importBlock(block as never);
    expect(node.chain.forkChoice.hasBlock(toHex(root))).toBe(true);
    await until("a verdict", () => pubsub.results.has(msgId));
    expect(pubsub.results.get(msgId)).toBe("accept");
    expect(gossip.retryQueue.size).toBe(0);
    expect(gossip.metrics.received.beacon_attestation.accepted).toBe(1);
  });

  it("an attestation for a block that never comes is IGNOREd when its wait expires", async () => {
    const att = attestation(1, new Uint8Array(32).fill(9), 1);
    const msgId = pubsub.send(att.topic, att.payload);
    await until("the attestation to be queued", () => gossip.retryQueue.size === 1);
    expect(pubsub.results.get(msgId)).toBeUndefined();
    // one slot later it still waits; past two slots it is given up
    setSlot(2, 3000);
    gossip.onSlot(2);
    expect(pubsub.results.get(msgId)).toBeUndefined();
    setSlot(3, 3500);
    gossip.onSlot(3);
    expect(pubsub.results.get(msgId)).toBe("ignore");
    expect(gossip.retryQueue.counts.expired).toBe(1);
    expect(gossip.retryQueue.size).toBe(0);
  });

  it("an attestation of a future slot is queued and ACCEPTed when its slot arrives", async () => {
    // at slot 3 (block of slot 1 is the head), an attestation of slot 4 for that head block
    const att = attestation(4, fromHex(node.chain.head.blockRoot), 2);
    const msgId = pubsub.send(att.topic, att.payload);
    await until("the attestation to be queued", () => gossip.retryQueue.size === 1);
    expect(pubsub.results.get(msgId)).toBeUndefined();
    setSlot(4, 100);
    await node.chain.onSlot(4);
    gossip.onSlot(4);
    await until("a verdict", () => pubsub.results.has(msgId));
    expect(pubsub.results.get(msgId)).toBe("accept");
  });
});
