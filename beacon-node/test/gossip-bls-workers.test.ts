/**
 * Gossip validation and block import through the BLS worker pool (`--bls.workers N`, chain.bls): a fulu dev chain
 * (minimal preset, 64 interop validators, manual clock) whose chain verifies on 2 worker threads. Blocks are
 * imported through the pool; gossip attestations are verified there as batchable calls (several messages share a
 * batch), a forged one among valid ones is REJECTed alone, and two copies of one attestation in flight at the same
 * time give one ACCEPT and one IGNORE (the Seen rule is checked again after the signature await). A gossip-verified
 * block is imported without its proposer signature in the batch (one set fewer than the block has).
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";

const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {DevBeaconNode: BeaconNode} = await import("../src/node/dev.ts");
const {BlsWorkerPool} = await import("../src/chain/bls/pool.ts");
const {GossipSeenCaches} = await import("../src/chain/seenCaches.ts");
const {GossipValidationError} = await import("../src/network/types.ts");
const {computeSigningRoot} = await import("@ceibo/config");
const params = await import("@ceibo/params");
const st = await import("@ceibo/state-transition");
const {ssz} = await import("@ceibo/types");
const {validateBeaconAttestationGossip} = await import("../src/chain/validation/attestation.ts");
const {validateBeaconBlockGossip} = await import("../src/chain/validation/block.ts");
const {computeSubnetForAttestation} = await import("../src/network/gossip/topics.ts");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;

type AttestationData = import("@ceibo/state-transition").AttestationData;

const GENESIS_TIME = 1_700_000_000;
const SLOT_MS = 6000;

async function verdict(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return "ACCEPT";
  } catch (e) {
    if (e instanceof GossipValidationError) return `${e.acceptance} ${e.code}`;
    throw e;
  }
}

describe("gossip validation with --bls.workers 2", {timeout: 120_000}, () => {
  const dir = mkdtempSync(join(tmpdir(), "ceibo-gossip-bls-"));
  let nowMs = GENESIS_TIME * 1000;
  let node: Awaited<ReturnType<typeof BeaconNode.init>>;
  const setTime = (slot: number) => {
    nowMs = GENESIS_TIME * 1000 + slot * SLOT_MS + 100;
  };
  const pool = () => {
    const bls = node.chain.bls;
    if (!(bls instanceof BlsWorkerPool)) throw Error("the chain does not verify on the worker pool");
    return bls;
  };

  beforeAll(async () => {
    node = await BeaconNode.init({
      network: "dev",
      dataDir: dir,
      devValidators: 64,
      devFork: "fulu",
      genesisTime: GENESIS_TIME,
      slotDurationMs: SLOT_MS,
      nowMs: () => nowMs,
      rest: null,
      chain: {blsWorkers: 2},
    });
    for (let slot = 1; slot <= 2; slot++) {
      setTime(slot);
      await node.runSlot(slot);
    }
    setTime(3);
    await node.chain.onSlot(3);
  }, 120_000);

  afterAll(async () => {
    await node?.close();
    rmSync(dir, {recursive: true, force: true});
  });

  const attestationData = (slot: number): AttestationData => {
    const head = node.chain.head;
    const epoch = st.computeEpochAtSlot(slot);
    const source = node.chain.getHeadState().state.currentJustifiedCheckpoint;
    const target = node.chain.checkpointOf(head.blockRoot, epoch);
    return {
      slot,
      index: 0,
      beaconBlockRoot: Uint8Array.from(Buffer.from(head.blockRoot.slice(2), "hex")),
      source: {epoch: source.epoch, root: source.root},
      target: {epoch: target.epoch, root: Uint8Array.from(Buffer.from(target.root.slice(2), "hex"))},
    };
  };
  const single = (data: AttestationData, attesterIndex: number, keyIndex = attesterIndex) => {
    const domain = st.getDomain(node.chain.getHeadState().state, params.DOMAIN_BEACON_ATTESTER, data.target.epoch);
    const signature = st
      .interopSecretKey(keyIndex)
      .sign(computeSigningRoot(ssz.phase0.AttestationData, data, domain))
      .toBytes(true);
    return {committeeIndex: 0, attesterIndex, data, signature};
  };
  const subnetOf = (slot: number) =>
    computeSubnetForAttestation(
      node.chain.config,
      node.chain.getHeadState().epochCtx.getCommitteeCountPerSlot(st.computeEpochAtSlot(slot)),
      slot,
      0,
    );

  it("imports blocks through the pool (not batched with gossip)", () => {
    expect(pool().workerCount).toBe(2);
    // two blocks imported: each one call of all its signature sets
    expect(pool().stats.calls).toBeGreaterThanOrEqual(2);
    expect(node.chain.head.slot).toBe(2);
  });

  it("verifies a committee's attestations in shared batches and rejects the forged one alone", async () => {
    const data = attestationData(3);
    const committee = [...node.chain.getHeadState().epochCtx.getBeaconCommittee(3, 0)];
    expect(committee.length).toBeGreaterThanOrEqual(3);
    const ctx = {chain: node.chain, seen: new GossipSeenCaches()};
    const before = {...pool().stats};
    const forged = committee[1];
    const verdicts = await Promise.all(
      committee.map((v) =>
        verdict(() =>
          validateBeaconAttestationGossip(ctx, "fulu", single(data, v, v === forged ? committee[0] : v), subnetOf(3)),
        ),
      ),
    );
    expect(verdicts).toEqual(committee.map((v) => (v === forged ? "REJECT INVALID_SIGNATURE" : "ACCEPT")));
    const calls = pool().stats.calls - before.calls;
    const batches = pool().stats.batches - before.batches;
    expect(calls).toBe(committee.length);
    // batchable calls waited for each other: fewer worker jobs than messages
    expect(batches).toBeLessThan(calls);
    // the batch with the forged signature failed as a whole and was verified call by call
    expect(pool().stats.batchRetries).toBeGreaterThan(before.batchRetries);
  });

  it("two copies of one attestation in flight: one ACCEPT, one IGNORE", async () => {
    const data = attestationData(3);
    const [, , v] = node.chain.getHeadState().epochCtx.getBeaconCommittee(3, 0);
    const ctx = {chain: node.chain, seen: new GossipSeenCaches()};
    const att = single(data, v);
    const verdicts = await Promise.all([
      verdict(() => validateBeaconAttestationGossip(ctx, "fulu", att, subnetOf(3))),
      verdict(() => validateBeaconAttestationGossip(ctx, "fulu", {...att}, subnetOf(3))),
    ]);
    expect(verdicts.sort()).toEqual(["ACCEPT", "IGNORE ATTESTATION_ALREADY_KNOWN"]);
  });

  it("imports a gossip-verified block without verifying its proposer signature again", async () => {
    // a block for slot 3 on the head, produced by the chain and signed by its proposer
    const state = node.chain.getHeadState().clone();
    st.processSlots(state, 3);
    const proposer = state.epochCtx.getBeaconProposer(3);
    const epoch = st.computeEpochAtSlot(3);
    const randaoReveal = st
      .interopSecretKey(proposer)
      .sign(computeSigningRoot(ssz.phase0.Epoch, epoch, st.getDomain(state.state, params.DOMAIN_RANDAO, epoch)))
      .toBytes(true);
    const {block} = await node.chain.produceBlock({slot: 3, randaoReveal});
    const domain = st.getDomain(state.state, params.DOMAIN_BEACON_PROPOSER, epoch);
    const signed = {
      message: block,
      signature: st
        .interopSecretKey(proposer)
        .sign(computeSigningRoot(ssz.fulu.BeaconBlock as never, block, domain))
        .toBytes(true),
    };
    const allSets = st.getBlockSignatureSets(state, signed).length;
    expect(allSets).toBeGreaterThanOrEqual(2); // proposer + randao at least

    const verified = await validateBeaconBlockGossip({chain: node.chain, seen: new GossipSeenCaches()}, signed, "fulu");
    const before = {...pool().stats};
    await node.chain.importBlock(verified);
    expect(node.chain.head.blockRoot).toBe(verified.blockRootHex);
    expect(pool().stats.calls - before.calls).toBe(1);
    expect(pool().stats.sets - before.sets).toBe(allSets - 1);
  });
});
