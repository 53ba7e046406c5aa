/**
 * GossipHandler over a recording stand-in for the gossipsub service, on a dev chain with staged forks (deneb at
 * genesis, electra at epoch 3, fulu at epoch 6; minimal preset): topic subscriptions around fork boundaries, the
 * verdicts reported for received messages, and what ACCEPTed messages become (unknown-parent callback, op pool,
 * fork choice votes of aggregates once their slot is over).
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";

const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {DevBeaconNode: BeaconNode} = await import("../src/node/dev.ts");
const {GossipHandler, ForkDigests} = await import("../src/network/gossip/index.ts");
const {compressGossipPayload} = await import("../src/network/gossip/messageId.ts");
const {computeSigningRoot} = await import("@ceibo/config");
const params = await import("@ceibo/params");
const st = await import("@ceibo/state-transition");
const {ssz} = await import("@ceibo/types");
const {BitArray} = await import("@chainsafe/ssz");
const {aggregateSignatures, Signature} = await import("@chainsafe/blst");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;

type Node = Awaited<ReturnType<typeof BeaconNode.init>>;

const GENESIS_TIME = 1_700_000_000;
const SLOT_MS = 6000;
const SLOTS_PER_EPOCH = 8; // minimal
const sk = (i: number) => st.interopSecretKey(i);

/** Records what the handler asks of gossipsub; `deliver` plays a received message. */
class FakePubsub {
  readonly topics = new Set<string>();
  readonly results: {msgId: string; peer: string; acceptance: string}[] = [];
  readonly published: {topic: string; data: Uint8Array}[] = [];
  private listener: ((evt: CustomEvent) => void) | null = null;
  private nextId = 0;

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
  reportMessageValidationResult(msgId: string, peer: string, acceptance: string): void {
    this.results.push({msgId, peer, acceptance});
  }
  async publish(topic: string, data: Uint8Array): Promise<{recipients: unknown[]}> {
    this.published.push({topic, data});
    return {recipients: []};
  }

  /** Delivers a message and waits for its verdict. */
  async deliver(topic: string, data: Uint8Array): Promise<string> {
    const msgId = `m${this.nextId++}`;
    this.listener?.(
      new CustomEvent("gossipsub:message", {
        detail: {msgId, propagationSource: {toString: () => "peer-x"}, msg: {type: "unsigned", topic, data}},
      }),
    );
    for (let i = 0; i < 200; i++) {
      const r = this.results.find((x) => x.msgId === msgId);
      if (r !== undefined) return r.acceptance;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw Error("no verdict");
  }
}

describe("GossipHandler", () => {
  let nowMs = GENESIS_TIME * 1000 + 100;
  const setSlot = (slot: number): void => {
    nowMs = GENESIS_TIME * 1000 + slot * SLOT_MS + 100;
  };
  const dir = mkdtempSync(join(tmpdir(), "ceibo-gossip-handler-"));
  let node: Node;
  const pubsub = new FakePubsub();
  let gossip: InstanceType<typeof GossipHandler>;
  let digests: InstanceType<typeof ForkDigests>;
  const unknownParents: {slot: number; peer: string}[] = [];
  const reports: string[] = [];

  beforeAll(async () => {
    node = await BeaconNode.init({
      network: "dev",
      dataDir: dir,
      devValidators: 64,
      devForkEpochs: {electra: 3, fulu: 6},
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
      reporter: {reportPeer: (peer, action, reason) => reports.push(`${peer} ${action} ${reason}`)},
      onUnknownBlockParent: (block, peer) => unknownParents.push({slot: block.message.slot, peer}),
    });
    gossip.start();
    for (let slot = 1; slot <= 2; slot++) {
      setSlot(slot);
      await node.runSlot(slot);
      gossip.onSlot(slot);
    }
  }, 60_000);

  afterAll(async () => {
    gossip.stop();
    await node.close();
    rmSync(dir, {recursive: true, force: true});
  });

  const topicsOf = (digest: string) =>
    [...pubsub.topics].filter((t) => t.startsWith(`/eth2/${digest}/`)).map((t) => t.split("/")[3]);

  it("subscribes the next fork's topics two epochs early and drops the old ones two epochs after", () => {
    const deneb = digests.digestAt(0);
    const electra = digests.digestAt(3);
    const fulu = digests.digestAt(6);
    expect(new Set([deneb, electra, fulu]).size).toBe(3);
    gossip.subscribeAttnets([1, 5]);
    gossip.subscribeSyncnets([2]);
    gossip.subscribeDataColumnSubnets([0, 127]);
    // epoch 0: deneb only, its 6 blob subnets, the subnets asked for
    expect(topicsOf(electra)).toEqual([]);
    expect(topicsOf(deneb).filter((n) => n.startsWith("blob_sidecar_"))).toHaveLength(6);
    expect(topicsOf(deneb)).toEqual(
      expect.arrayContaining(["beacon_attestation_1", "beacon_attestation_5", "sync_committee_2"]),
    );
    expect(topicsOf(deneb).some((n) => n.startsWith("data_column_sidecar"))).toBe(false);
    const at = (epoch: number) => {
      gossip.onSlot(epoch * SLOTS_PER_EPOCH);
      return {deneb: topicsOf(deneb), electra: topicsOf(electra), fulu: topicsOf(fulu)};
    };
    const e1 = at(1);
    expect(e1.deneb.length).toBeGreaterThan(0);
    expect(e1.electra.filter((n) => n.startsWith("blob_sidecar_"))).toHaveLength(9);
    expect(e1.electra).toContain("beacon_attestation_5");
    expect(e1.fulu).toEqual([]);
    const e4 = at(4);
    expect(e4.deneb.length).toBeGreaterThan(0); // until two epochs after electra's epoch 3
    expect(e4.fulu.length).toBeGreaterThan(0); // two epochs before fulu's epoch 6
    const e5 = at(5);
    expect(e5.deneb).toEqual([]);
    expect(e5.fulu).toEqual(
      expect.arrayContaining(["data_column_sidecar_0", "data_column_sidecar_127", "beacon_block"]),
    );
    expect(e5.fulu.some((n) => n.startsWith("blob_sidecar"))).toBe(false);
    const e8 = at(8);
    expect(e8.electra).toEqual([]);
    expect(e8.fulu).toHaveLength(9 + 2 + 1 + 2);
    // back to the chain's own time
    gossip.onSlot(2);
    expect(topicsOf(deneb).length).toBeGreaterThan(0);
    expect(topicsOf(fulu)).toEqual([]);
    gossip.subscribeAttnets([]);
    expect(topicsOf(deneb).some((n) => n.startsWith("beacon_attestation_"))).toBe(false);
  });

  const blockTopic = () => `/eth2/${digests.digestAt(0)}/beacon_block/ssz_snappy`;

  async function signedBlock(slot: number, parentRoot?: Uint8Array) {
    const state = node.chain.getHeadState().clone();
    st.processSlots(state, slot);
    const proposer = state.epochCtx.getBeaconProposer(slot);
    const randaoReveal = sk(proposer)
      .sign(computeSigningRoot(ssz.phase0.Epoch, 0, st.getDomain(state.state, params.DOMAIN_RANDAO, 0)))
      .toBytes(true);
    const {block} = await node.chain.produceBlock({slot, randaoReveal});
    if (parentRoot !== undefined) block.parentRoot = parentRoot;
    const signature = sk(proposer)
      .sign(
        computeSigningRoot(
          ssz.deneb.BeaconBlock as never,
          block,
          st.getDomain(state.state, params.DOMAIN_BEACON_PROPOSER, 0),
        ),
      )
      .toBytes(true);
    return {message: block, signature};
  }

  it("IGNOREs a block with an unknown parent and asks for the parent", async () => {
    setSlot(3);
    await node.chain.onSlot(3);
    const orphan = await signedBlock(3, new Uint8Array(32).fill(5));
    const data = compressGossipPayload(ssz.deneb.SignedBeaconBlock.serialize(orphan as never));
    expect(await pubsub.deliver(blockTopic(), data)).toBe("ignore");
    expect(unknownParents).toEqual([{slot: 3, peer: "peer-x"}]);
    expect(gossip.metrics.received.beacon_block.ignored).toBe(1);
  });

  it("ACCEPTs and imports a valid block; REJECTs bytes that are not the topic's type", async () => {
    const block = await signedBlock(3);
    expect(
      await pubsub.deliver(blockTopic(), compressGossipPayload(ssz.deneb.SignedBeaconBlock.serialize(block as never))),
    ).toBe("accept");
    for (let i = 0; i < 100 && node.chain.head.slot !== 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(node.chain.head.slot).toBe(3);
    expect(await pubsub.deliver(blockTopic(), compressGossipPayload(new Uint8Array(50)))).toBe("reject");
    expect(reports).toEqual(["peer-x lowTolerance gossip beacon_block INVALID_SSZ"]);
  });

  it("keeps an ACCEPTed proposer slashing for blocks (checked against the block's state)", async () => {
    const header = (fill: number) => ({
      slot: 1,
      proposerIndex: 11,
      parentRoot: new Uint8Array(32),
      stateRoot: new Uint8Array(32).fill(fill),
      bodyRoot: new Uint8Array(32),
    });
    const sign = (h: ReturnType<typeof header>) => ({
      message: h,
      signature: sk(11)
        .sign(
          computeSigningRoot(
            ssz.phase0.BeaconBlockHeader,
            h,
            st.getDomain(node.chain.getHeadState().state, params.DOMAIN_BEACON_PROPOSER, 0),
          ),
        )
        .toBytes(true),
    });
    const slashing = {signedHeader1: sign(header(1)), signedHeader2: sign(header(2))};
    const topic = `/eth2/${digests.digestAt(0)}/proposer_slashing/ssz_snappy`;
    expect(await pubsub.deliver(topic, compressGossipPayload(ssz.phase0.ProposerSlashing.serialize(slashing)))).toBe(
      "accept",
    );
    expect(await pubsub.deliver(topic, compressGossipPayload(ssz.phase0.ProposerSlashing.serialize(slashing)))).toBe(
      "ignore",
    );
    const state = node.chain.getHeadState().clone();
    st.processSlots(state, 4);
    expect(gossip.opPool.getOperationsForBlock(state).proposerSlashings).toEqual([slashing]);
  });

  it("gives fork choice the votes of an ACCEPTed aggregate once its slot is over", async () => {
    const state = node.chain.getHeadState();
    const head = node.chain.head;
    const committee = [...state.epochCtx.getBeaconCommittee(3, 1)];
    const data = {
      slot: 3,
      index: 1,
      beaconBlockRoot: Uint8Array.from(Buffer.from(head.blockRoot.slice(2), "hex")),
      source: state.state.currentJustifiedCheckpoint.toValue(),
      target: {
        epoch: 0,
        root: Uint8Array.from(Buffer.from(node.chain.checkpointOf(head.blockRoot, 0).root.slice(2), "hex")),
      },
    };
    const attDomain = st.getDomain(state.state, params.DOMAIN_BEACON_ATTESTER, 0);
    const sigs = committee.map((v) =>
      Signature.fromBytes(
        sk(v)
          .sign(computeSigningRoot(ssz.phase0.AttestationData, data, attDomain))
          .toBytes(true),
      ),
    );
    const aggregator = committee[0];
    const message = {
      aggregatorIndex: aggregator,
      aggregate: {
        aggregationBits: BitArray.fromBoolArray(committee.map(() => true)),
        data,
        signature: aggregateSignatures(sigs).toBytes(true),
      },
      selectionProof: sk(aggregator)
        .sign(computeSigningRoot(ssz.phase0.Slot, 3, st.getDomain(state.state, params.DOMAIN_SELECTION_PROOF, 0)))
        .toBytes(true),
    };
    const signed = {
      message,
      signature: sk(aggregator)
        .sign(
          computeSigningRoot(
            ssz.phase0.AggregateAndProof,
            message,
            st.getDomain(state.state, params.DOMAIN_AGGREGATE_AND_PROOF, 0),
          ),
        )
        .toBytes(true),
    };
    const topic = `/eth2/${digests.digestAt(0)}/beacon_aggregate_and_proof/ssz_snappy`;
    const before = committee.map((v) => node.chain.forkChoice.getLatestMessage(v));
    expect(
      await pubsub.deliver(topic, compressGossipPayload(ssz.phase0.SignedAggregateAndProof.serialize(signed))),
    ).toBe("accept");
    expect(gossip.opPool.getAggregates(3)).toHaveLength(1);
    // slot 3 is not over: no vote yet (validate_on_attestation)
    expect(committee.map((v) => node.chain.forkChoice.getLatestMessage(v))).toEqual(before);
    setSlot(4);
    await node.chain.onSlot(4);
    gossip.onSlot(4);
    for (const v of committee)
      expect(node.chain.forkChoice.getLatestMessage(v)).toEqual({epoch: 0, root: head.blockRoot});
  });
});
