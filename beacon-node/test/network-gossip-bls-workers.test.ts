/**
 * A real gossipsub peer feeding a node whose chain verifies on a BLS worker pool (`--bls.workers 2`): two libp2p
 * hosts (tcp + noise + yamux on 127.0.0.1) and two dev beacon nodes with the same genesis. A imports its own block
 * and publishes it, then publishes every attestation of the slot (both committees) with one forged signature among
 * them. B must validate them through its pool (the pool's counters: one call per message, fewer worker batches
 * than calls), ACCEPT the valid ones into its attestation pool, REJECT the forged one,
 * report A for it and lower A's gossipsub score.
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";

const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {DevBeaconNode: BeaconNode} = await import("../src/node/dev.ts");
const {GossipHandler, gossipsubOptions} = await import("../src/network/gossip/index.ts");
const {BlsWorkerPool} = await import("../src/chain/bls/pool.ts");
const {computeSigningRoot} = await import("@ceibo/config");
const params = await import("@ceibo/params");
const st = await import("@ceibo/state-transition");
const {ssz} = await import("@ceibo/types");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;
const {createLibp2p} = await import("libp2p");
const {tcp} = await import("@libp2p/tcp");
const {noise} = await import("@chainsafe/libp2p-noise");
const {yamux} = await import("@chainsafe/libp2p-yamux");
const {identify} = await import("@libp2p/identify");
const {gossipsub} = await import("@libp2p/gossipsub");

type Node = Awaited<ReturnType<typeof BeaconNode.init>>;
type Handler = InstanceType<typeof GossipHandler>;

const GENESIS_TIME = 1_700_000_000;
const SLOT_MS = 6000;

async function waitFor(what: string, cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function createHost(node: Node) {
  return createLibp2p({
    addresses: {listen: ["/ip4/127.0.0.1/tcp/0"]},
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      pubsub: gossipsub(
        gossipsubOptions(node.chain.beaconConfig, {currentSlot: 0, activeValidatorCount: 64, dev: true}),
      ),
    },
  });
}

describe("gossip attestations from a real gossipsub peer, verified on B's BLS worker pool", {timeout: 180_000}, () => {
  let nowMs = GENESIS_TIME * 1000 + 100;
  const setSlot = (slot: number): void => {
    nowMs = GENESIS_TIME * 1000 + slot * SLOT_MS + 100;
  };
  const dirs = [mkdtempSync(join(tmpdir(), "ceibo-gossip-bls-a-")), mkdtempSync(join(tmpdir(), "ceibo-gossip-bls-b-"))];
  let nodeA: Node;
  let nodeB: Node;
  let hostA: Awaited<ReturnType<typeof createHost>>;
  let hostB: Awaited<ReturnType<typeof createHost>>;
  let gossipA: Handler;
  let gossipB: Handler;
  const reportsOnB: {peer: string; action: string; reason: string}[] = [];

  beforeAll(async () => {
    const init = (dataDir: string, devSigning: boolean, blsWorkers: number) =>
      BeaconNode.init({
        network: "dev",
        dataDir,
        devValidators: 64,
        genesisTime: GENESIS_TIME,
        slotDurationMs: SLOT_MS,
        nowMs: () => nowMs,
        rest: null,
        devSigning,
        chain: {blsWorkers},
      });
    nodeA = await init(dirs[0], true, 0);
    nodeB = await init(dirs[1], false, 2);
    expect(nodeB.chain.genesisValidatorsRoot).toEqual(nodeA.chain.genesisValidatorsRoot);
    hostA = await createHost(nodeA);
    hostB = await createHost(nodeB);
    const logger = nodeA.logger;
    gossipA = new GossipHandler({
      pubsub: hostA.services.pubsub,
      config: nodeA.chain.beaconConfig,
      chain: nodeA.chain,
      logger,
      reporter: {reportPeer() {}},
    });
    gossipB = new GossipHandler({
      pubsub: hostB.services.pubsub,
      config: nodeB.chain.beaconConfig,
      chain: nodeB.chain,
      logger,
      reporter: {reportPeer: (peer, action, reason) => reportsOnB.push({peer, action, reason})},
    });
    gossipA.start();
    gossipB.start();
    const subnets = [...Array(nodeA.chain.config.ATTESTATION_SUBNET_COUNT).keys()];
    gossipA.subscribeAttnets(subnets);
    gossipB.subscribeAttnets(subnets);
    await hostA.dial(hostB.getMultiaddrs()[0]);
    const blockTopic = gossipA.getSubscribedTopics().find((t) => t.endsWith("/beacon_block/ssz_snappy")) as string;
    await waitFor("B subscribed on A's side", () =>
      hostA.services.pubsub.getSubscribers(blockTopic).some((p) => p.equals(hostB.peerId)),
    );
  }, 60_000);

  afterAll(async () => {
    gossipA?.stop();
    gossipB?.stop();
    await hostA?.stop();
    await hostB?.stop();
    await nodeA?.close();
    await nodeB?.close();
    for (const d of dirs) rmSync(d, {recursive: true, force: true});
  });

  it("verifies a slot's attestations in worker batches, REJECTs the forged one and penalises the sender", async () => {
    const pool = nodeB.chain.bls;
    if (!(pool instanceof BlsWorkerPool)) throw Error("B does not verify on the worker pool");
    expect(pool.workerCount).toBe(2);

    setSlot(1);
    await nodeA.runSlot(1);
    await nodeB.chain.onSlot(1);
    const block = nodeA.chain.blocks.get(nodeA.chain.head.blockRoot);
    expect(block?.message.slot).toBe(1);
    await gossipA.publishBlock(block as NonNullable<typeof block>);
    await waitFor("B imports the block", () => nodeB.chain.head.blockRoot === nodeA.chain.head.blockRoot);

    const head = nodeA.chain.head;
    const state = nodeA.chain.getHeadState();
    const data = {
      slot: 1,
      index: 0,
      beaconBlockRoot: Uint8Array.from(Buffer.from(head.blockRoot.slice(2), "hex")),
      source: state.state.currentJustifiedCheckpoint.toValue(),
      target: {
        epoch: 0,
        root: Uint8Array.from(Buffer.from(nodeA.chain.checkpointOf(head.blockRoot, 0).root.slice(2), "hex")),
      },
    };
    const signingRoot = computeSigningRoot(
      ssz.phase0.AttestationData,
      data,
      st.getDomain(state.state, params.DOMAIN_BEACON_ATTESTER, 0),
    );
    const attestations: {committeeIndex: number; attesterIndex: number}[] = [];
    for (let c = 0; c < state.epochCtx.getCommitteeCountPerSlot(0); c++) {
      for (const v of state.epochCtx.getBeaconCommittee(1, c)) attestations.push({committeeIndex: c, attesterIndex: v});
    }
    expect(attestations.length).toBeGreaterThanOrEqual(4);
    const forged = attestations[2].attesterIndex;
    const forger = (forged + 1) % 64;

    const statsBefore = {...pool.stats};
    const poolBefore = nodeB.chain.attestationPool.size.attesters;
    const scoreOfAOnB = (): number =>
      (hostB.services.pubsub as unknown as {getScore(peer: string): number}).getScore(hostA.peerId.toString());
    const scoreBefore = scoreOfAOnB();
    await Promise.all(
      attestations.map(({committeeIndex, attesterIndex}) =>
        gossipA.publishAttestation({
          committeeIndex,
          attesterIndex,
          data,
          signature: st
            .interopSecretKey(attesterIndex === forged ? forger : attesterIndex)
            .sign(signingRoot)
            .toBytes(true),
        }),
      ),
    );
    const received = () => gossipB.metrics.received.beacon_attestation;
    await waitFor(
      "B's verdicts on every attestation",
      () => received().accepted + received().rejected === attestations.length,
    );
    expect(received()).toEqual({accepted: attestations.length - 1, ignored: 0, rejected: 1});
    expect(nodeB.chain.attestationPool.size.attesters).toBe(poolBefore + attestations.length - 1);

    // through the pool: one call per message, sharing worker batches
    const calls = pool.stats.calls - statsBefore.calls;
    const batches = pool.stats.batches - statsBefore.batches;
    expect(calls).toBe(attestations.length);
    expect(batches).toBeLessThan(calls);
    // electra attestations of a slot sign one AttestationData (index 0): a shared batch combines them (same message)
    expect(pool.stats.sameMessageCombined).toBeGreaterThan(statsBefore.sameMessageCombined);

    // the sender is penalised: reported to the peer manager, and its gossipsub score on B drops (P4)
    expect(reportsOnB).toEqual([
      {peer: hostA.peerId.toString(), action: "lowTolerance", reason: "gossip beacon_attestation INVALID_SIGNATURE"},
    ]);
    expect(scoreBefore).toBeGreaterThanOrEqual(0);
    await waitFor("A's score on B to drop below zero", () => scoreOfAOnB() < 0);
    console.info("network-gossip-bls-workers:", {
      messages: attestations.length,
      calls,
      batches,
      combined: pool.stats.sameMessageCombined - statsBefore.sameMessageCombined,
      scoreBefore,
      scoreAfter: scoreOfAOnB(),
    });
  });
});
