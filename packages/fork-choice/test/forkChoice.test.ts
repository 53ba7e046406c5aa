import {createDevChainConfig} from "@ceibo/config";
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import {
  type BeaconBlockAllForks,
  type CachedBeaconState,
  createInteropGenesisState,
  processBlock,
  processSlots,
  type SignedBeaconBlockAllForks,
  stateTransition,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {BitArray} from "@chainsafe/ssz";
import {describe, expect, it} from "vitest";
import {ForkChoiceError} from "../src/errors.ts";
import {ForkChoice} from "../src/forkChoice/forkChoice.ts";
import {getProposerHead, isHeadWeak, isParentStrong} from "../src/forkChoice/proposerHead.ts";
import {toRootHex} from "../src/forkChoice/util.ts";

// an altair chain (no execution payloads) of 64 interop validators
const config = createDevChainConfig({forkEpochs: {altair: 0, bellatrix: Number.POSITIVE_INFINITY}});
const GENESIS_TIME = 1_600_000_000;
const SLOT_SECONDS = config.SLOT_DURATION_MS / 1000;
const VALIDATORS = 64;
const BALANCE = 32_000_000_000;
const G2_POINT_AT_INFINITY = Uint8Array.from([0xc0, ...new Uint8Array(95)]);

function genesis(): {state: CachedBeaconState; block: BeaconBlockAllForks} {
  const state = createInteropGenesisState(config, {validatorCount: VALIDATORS, genesisTime: GENESIS_TIME});
  const block = {
    slot: 0,
    proposerIndex: 0,
    parentRoot: new Uint8Array(32),
    stateRoot: state.state.hashTreeRoot(),
    body: ssz.altair.BeaconBlockBody.defaultValue(),
  } as BeaconBlockAllForks;
  return {state, block};
}

/** An unsigned empty block at `slot` on top of `parent` (graffiti makes siblings distinct). */
function produceBlock(parent: CachedBeaconState, slot: number, graffiti = 0): SignedBeaconBlockAllForks {
  const pre = parent.clone();
  processSlots(pre, slot);
  const body = ssz.altair.BeaconBlockBody.defaultValue();
  body.eth1Data = pre.state.eth1Data.toValue();
  body.graffiti[0] = graffiti;
  body.syncAggregate.syncCommitteeSignature = G2_POINT_AT_INFINITY;
  const block = {
    slot,
    proposerIndex: pre.epochCtx.getBeaconProposer(slot),
    parentRoot: pre.state.latestBlockHeader.hashTreeRoot(),
    stateRoot: new Uint8Array(32),
    body,
  } as BeaconBlockAllForks;
  const post = pre.clone();
  processBlock(post, block, {verifySignatures: false, executionPayloadValid: true});
  block.stateRoot = post.state.hashTreeRoot();
  return {message: block, signature: new Uint8Array(96)};
}

function rootOf(block: BeaconBlockAllForks): string {
  return toRootHex(
    ssz.altair.BeaconBlock.hashTreeRoot(block as Parameters<typeof ssz.altair.BeaconBlock.hashTreeRoot>[0]),
  );
}

/** Imports `signed` on top of its parent's state in `fc`; returns the post-state. */
function importBlock(fc: ForkChoice, signed: SignedBeaconBlockAllForks, opts = {}): CachedBeaconState {
  const parentState = fc.states.getBlockState(toRootHex(signed.message.parentRoot)) as CachedBeaconState;
  const post = stateTransition(parentState, signed, {verifySignatures: false});
  fc.onBlock(signed.message, post, opts);
  return post;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof ForkChoiceError) return e.code;
    throw e;
  }
  return undefined;
}

function timeAtSlot(slot: number, extraSeconds = 0): number {
  return GENESIS_TIME + slot * SLOT_SECONDS + extraSeconds;
}

describe("ForkChoice store", () => {
  const g = genesis();
  const genesisRoot = rootOf(g.block);

  it("get_forkchoice_store: the anchor is the justified and finalized checkpoint and the head", () => {
    const fc = ForkChoice.fromAnchor(g.state, g.block);
    expect(fc.time).toBe(GENESIS_TIME);
    expect(fc.justifiedCheckpoint).toEqual({epoch: 0, root: genesisRoot});
    expect(fc.finalizedCheckpoint).toEqual({epoch: 0, root: genesisRoot});
    expect(fc.getHead().blockRoot).toBe(genesisRoot);
    expect(fc.getJustifiedBalances().totalActiveBalance).toBe(VALIDATORS * BALANCE);
    // committee weight * PROPOSER_SCORE_BOOST / 100
    expect(fc.getProposerScore()).toBe(Math.floor(((VALIDATORS * BALANCE) / SLOTS_PER_EPOCH) * 0.4));
  });

  it("on_tick with slots that are not whole seconds (1500 ms) catches up slot by slot and ends", () => {
    // before the fix the catch-up loop never ended: the next slot's time rounded down to a time inside the
    // current slot (genesis + 1 s is still slot 0 with 1.5 s slots)
    const cfg15 = createDevChainConfig({
      forkEpochs: {altair: 0, bellatrix: Number.POSITIVE_INFINITY},
      slotDurationMs: 1500,
    });
    const state = createInteropGenesisState(cfg15, {validatorCount: VALIDATORS, genesisTime: GENESIS_TIME});
    const block = {...g.block, stateRoot: state.state.hashTreeRoot()};
    const fc = ForkChoice.fromAnchor(state, block);
    fc.onTick(GENESIS_TIME + 1);
    expect(fc.currentSlot).toBe(0);
    fc.onTick(GENESIS_TIME + 2);
    expect(fc.currentSlot).toBe(1);
    // 3 epochs and a bit at once: slot floor(37 000 / 1500) = 24
    fc.onTick(GENESIS_TIME + 37);
    expect(fc.currentSlot).toBe(24);
    expect(fc.time).toBe(GENESIS_TIME + 37);
  });

  it("refuses an anchor block that does not commit to the anchor state", () => {
    const block = {...g.block, stateRoot: new Uint8Array(32).fill(1)};
    expect(codeOf(() => ForkChoice.fromAnchor(g.state, block))).toBe("INVALID_ANCHOR");
  });

  it("on_block: a block from the future is refused and the store is left as it was", () => {
    const fc = ForkChoice.fromAnchor(g.state, g.block);
    const b1 = produceBlock(g.state, 1);
    const post = stateTransition(g.state, b1, {verifySignatures: false});
    expect(codeOf(() => fc.onBlock(b1.message, post))).toBe("FUTURE_SLOT");
    expect(fc.hasBlock(rootOf(b1.message))).toBe(false);
    fc.onTick(timeAtSlot(1));
    expect(codeOf(() => fc.onBlock(b1.message, post, {dataAvailable: false}))).toBe("DATA_UNAVAILABLE");
    expect(fc.hasBlock(rootOf(b1.message))).toBe(false);
    expect(fc.proposerBoostRoot).toBe(null);
    // a post-state that is not the block's
    expect(codeOf(() => fc.onBlock(b1.message, g.state))).toBe("POST_STATE_MISMATCH");
    fc.onBlock(b1.message, post);
    expect(fc.getHead().blockRoot).toBe(rootOf(b1.message));
  });

  it("on_block: an unknown parent is refused", () => {
    const fc = ForkChoice.fromAnchor(g.state, g.block);
    const b1 = produceBlock(g.state, 1);
    const post1 = stateTransition(g.state, b1, {verifySignatures: false});
    const b2 = produceBlock(post1, 2);
    const post2 = stateTransition(post1, b2, {verifySignatures: false});
    fc.onTick(timeAtSlot(2));
    expect(codeOf(() => fc.onBlock(b2.message, post2))).toBe("UNKNOWN_PARENT");
  });

  it("proposer boost: a timely first block is boosted until the next slot; a late one is not", () => {
    const fc = ForkChoice.fromAnchor(g.state, g.block);
    fc.onTick(timeAtSlot(1));
    const b1 = produceBlock(g.state, 1);
    importBlock(fc, b1);
    const root1 = rootOf(b1.message);
    expect(fc.getBlock(root1)?.timely).toBe(true);
    expect(fc.proposerBoostRoot).toBe(root1);
    // the boost is on the head and its ancestors
    fc.getHead();
    expect(fc.getWeight(root1)).toBe(fc.getProposerScore());
    expect(fc.getWeight(genesisRoot)).toBe(fc.getProposerScore());
    fc.onTick(timeAtSlot(2));
    expect(fc.proposerBoostRoot).toBe(null);

    // slot 2's block arrives 2 s into its slot: after the attestation deadline (ATTESTATION_DUE_BPS of 6 s)
    fc.onTick(timeAtSlot(2, 2));
    const b2 = produceBlock(fc.states.getBlockState(root1) as CachedBeaconState, 2);
    importBlock(fc, b2);
    expect(fc.getBlock(rootOf(b2.message))?.timely).toBe(false);
    expect(fc.proposerBoostRoot).toBe(null);
    expect(fc.getHead().blockRoot).toBe(rootOf(b2.message));
  });

  it("LMD votes choose between two forks, and the proposer boost can outweigh them", () => {
    const fc = ForkChoice.fromAnchor(g.state, g.block);
    fc.onTick(timeAtSlot(2, 5)); // late: no boost for these two
    const a = produceBlock(g.state, 1, 0xa);
    const b = produceBlock(g.state, 2, 0xb);
    importBlock(fc, a);
    importBlock(fc, b);
    const rootA = rootOf(a.message);
    const rootB = rootOf(b.message);
    expect(fc.getHead().blockRoot).toBe(rootA > rootB ? rootA : rootB); // no votes: the higher root
    fc.onTick(timeAtSlot(3));
    const vote = (indices: number[], root: string, slot: number) =>
      fc.onIndexedAttestation({
        attestingIndices: indices,
        data: {
          slot,
          index: 0,
          beaconBlockRoot: Buffer.from(root.slice(2), "hex"),
          source: {epoch: 0, root: Buffer.from(genesisRoot.slice(2), "hex")},
          target: {epoch: 0, root: Buffer.from(genesisRoot.slice(2), "hex")},
        },
      });
    vote([0, 1, 2], rootA, 1);
    expect(fc.getHead().blockRoot).toBe(rootA);
    expect(fc.getWeight(rootA)).toBe(3 * BALANCE);
    vote([3, 4, 5, 6], rootB, 2);
    expect(fc.getHead().blockRoot).toBe(rootB);
    const byRoot = (x: {root: string}, y: {root: string}) => (x.root < y.root ? -1 : 1);
    expect(fc.getViableLeaves().sort(byRoot)).toEqual(
      [
        {root: rootA, weight: 3 * BALANCE},
        {root: rootB, weight: 4 * BALANCE},
      ].sort(byRoot),
    );
    // the same validators again for the same target epoch: not newer, ignored
    vote([3, 4, 5, 6], rootA, 2);
    expect(fc.getWeight(rootB)).toBe(4 * BALANCE);

    // a timely block on A at slot 3 gets the boost (40% of a committee's weight = 0.4 * 2 validators here is
    // smaller than 1 vote), then votes on it; its boost alone does not beat B's votes…
    const c = produceBlock(fc.states.getBlockState(rootA) as CachedBeaconState, 3, 0xc);
    importBlock(fc, c);
    const rootC = rootOf(c.message);
    expect(fc.proposerBoostRoot).toBe(rootC);
    expect(fc.getProposerScore()).toBeLessThan(BALANCE);
    expect(fc.getHead().blockRoot).toBe(rootB);
    // …with one more vote for A's branch (4 votes + boost vs 4 votes) it does
    vote([7], rootA, 2);
    expect(fc.getHead().blockRoot).toBe(rootC);
  });

  it("on_attestation checks the vote against the store", () => {
    const fc = ForkChoice.fromAnchor(g.state, g.block);
    fc.onTick(timeAtSlot(1));
    const a = produceBlock(g.state, 1);
    importBlock(fc, a);
    const rootA = Buffer.from(rootOf(a.message).slice(2), "hex");
    const gRoot = Buffer.from(genesisRoot.slice(2), "hex");
    const data = (over: Record<string, unknown>) => ({
      slot: 1,
      index: 0,
      beaconBlockRoot: rootA,
      source: {epoch: 0, root: gRoot},
      target: {epoch: 0, root: gRoot},
      ...over,
    });
    const attest = (d: ReturnType<typeof data>) =>
      codeOf(() => fc.onIndexedAttestation({attestingIndices: [1], data: d}));
    // attestations only count from the slot after theirs
    expect(attest(data({}))).toBe("FUTURE_ATTESTATION");
    fc.onTick(timeAtSlot(2));
    expect(attest(data({target: {epoch: 0, root: rootA}}))).toBe("INCONSISTENT_TARGET");
    expect(attest(data({beaconBlockRoot: new Uint8Array(32).fill(7)}))).toBe("UNKNOWN_HEAD_BLOCK");
    expect(attest(data({target: {epoch: 0, root: new Uint8Array(32).fill(7)}}))).toBe("UNKNOWN_TARGET_ROOT");
    expect(attest(data({slot: 0}))).toBe("ATTESTS_TO_FUTURE_BLOCK");
    expect(attest(data({target: {epoch: 1, root: gRoot}}))).toBe("BAD_TARGET_EPOCH");
    expect(fc.getLatestMessage(1)).toBe(null);
    expect(attest(data({}))).toBe(undefined);
    expect(fc.getLatestMessage(1)).toEqual({epoch: 0, root: rootOf(a.message)});
  });

  it("on_attestation builds the indexed attestation on the target checkpoint state and checks its signature", () => {
    const fc = ForkChoice.fromAnchor(g.state, g.block);
    fc.onTick(timeAtSlot(2));
    const committee = g.state.epochCtx.getBeaconCommittee(1, 0);
    const bits = BitArray.fromBitLen(committee.length);
    for (let i = 0; i < committee.length; i++) bits.set(i, true);
    const gRoot = Buffer.from(genesisRoot.slice(2), "hex");
    const attestation = {
      aggregationBits: bits,
      data: {
        slot: 1,
        index: 0,
        beaconBlockRoot: gRoot,
        source: {epoch: 0, root: gRoot},
        target: {epoch: 0, root: gRoot},
      },
      signature: G2_POINT_AT_INFINITY,
    };
    expect(codeOf(() => fc.onAttestation(attestation))).toBe("INVALID_INDEXED_ATTESTATION");
    // fewer aggregation bits than committee members: get_attesting_indices fails
    const short = {...attestation, aggregationBits: BitArray.fromBoolArray([true])};
    expect(committee.length).toBeGreaterThan(1);
    expect(codeOf(() => fc.onAttestation(short, false, {verifySignature: false}))).toBe("INVALID_INDEXED_ATTESTATION");
    expect(fc.getLatestMessage(committee[0])).toBe(null);
    fc.onAttestation(attestation, false, {verifySignature: false});
    for (const v of committee) expect(fc.getLatestMessage(v)).toEqual({epoch: 0, root: genesisRoot});
    expect(fc.getCheckpointState({epoch: 0, root: genesisRoot})).toBe(g.state);
  });

  it("on_attester_slashing: equivocating validators' votes stop counting", () => {
    const fc = ForkChoice.fromAnchor(g.state, g.block);
    fc.onTick(timeAtSlot(2, 5));
    const a = produceBlock(g.state, 1, 0xa);
    const b = produceBlock(g.state, 2, 0xb);
    importBlock(fc, a);
    importBlock(fc, b);
    fc.onTick(timeAtSlot(3));
    const gRoot = Buffer.from(genesisRoot.slice(2), "hex");
    const data = (root: string, slot: number) => ({
      slot,
      index: 0,
      beaconBlockRoot: Buffer.from(root.slice(2), "hex"),
      source: {epoch: 0, root: gRoot},
      target: {epoch: 0, root: gRoot},
    });
    const rootA = rootOf(a.message);
    const rootB = rootOf(b.message);
    fc.onIndexedAttestation({attestingIndices: [0, 1, 2], data: data(rootA, 1)});
    fc.onIndexedAttestation({attestingIndices: [3, 4], data: data(rootB, 2)});
    expect(fc.getHead().blockRoot).toBe(rootA);
    const slashing = {
      attestation1: {attestingIndices: [0, 1, 5], data: data(rootA, 1), signature: G2_POINT_AT_INFINITY},
      attestation2: {attestingIndices: [1, 2, 5], data: data(rootB, 2), signature: G2_POINT_AT_INFINITY},
    };
    // same data twice is not slashable
    expect(codeOf(() => fc.onAttesterSlashing({...slashing, attestation2: slashing.attestation1}))).toBe(
      "NOT_SLASHABLE",
    );
    expect(codeOf(() => fc.onAttesterSlashing(slashing))).toBe("INVALID_ATTESTER_SLASHING"); // bad signatures
    fc.onAttesterSlashing(slashing, {verifySignature: false});
    expect([...fc.equivocatingIndices].sort()).toEqual([1, 5]);
    expect(fc.getHead().blockRoot).toBe(rootA); // 0 and 2 (64) vs 3 and 4 (64): tie
    expect(fc.getWeight(rootA)).toBe(2 * BALANCE);
    // an equivocator's later vote is ignored
    fc.onIndexedAttestation({attestingIndices: [1, 5], data: {...data(rootB, 2), target: {epoch: 0, root: gRoot}}});
    expect(fc.getWeight(rootB)).toBe(2 * BALANCE);
  });

  it("checkpoint states are the block state advanced to the epoch's first slot, computed once", () => {
    const fc = ForkChoice.fromAnchor(g.state, g.block);
    const cp = {epoch: 1, root: genesisRoot};
    const s1 = fc.getCheckpointState(cp);
    expect(s1.state.slot).toBe(SLOTS_PER_EPOCH);
    expect(fc.getCheckpointState(cp)).toBe(s1);
    expect(g.state.state.slot).toBe(0);
    expect(codeOf(() => fc.getCheckpointState({epoch: 1, root: `0x${"11".repeat(32)}`}))).toBe("MISSING_STATE");
  });

  it("on_tick refuses a time that is not an integer or before genesis, and crosses epochs slot by slot", () => {
    const fc = ForkChoice.fromAnchor(g.state, g.block);
    expect(codeOf(() => fc.onTick(GENESIS_TIME - 1))).toBe("INVALID_TIME");
    expect(codeOf(() => fc.onTick(GENESIS_TIME + 0.5))).toBe("INVALID_TIME");
    fc.onTick(timeAtSlot(3 * SLOTS_PER_EPOCH + 1, 1));
    expect(fc.currentSlot).toBe(3 * SLOTS_PER_EPOCH + 1);
    expect(fc.currentEpoch).toBe(3);
    expect(fc.time).toBe(timeAtSlot(3 * SLOTS_PER_EPOCH + 1, 1));
  });

  it("get_proposer_head re-orgs a late, weak head onto a strong parent, and only then", () => {
    const setup = (headTimely: boolean, headVotes: number[]) => {
      const fc = ForkChoice.fromAnchor(g.state, g.block);
      fc.onTick(timeAtSlot(1));
      const a = produceBlock(g.state, 1, 0xa);
      const stateA = importBlock(fc, a);
      fc.onTick(timeAtSlot(2, headTimely ? 0 : 5));
      const b = produceBlock(stateA, 2, 0xb);
      importBlock(fc, b);
      fc.onTick(timeAtSlot(3));
      const gRoot = Buffer.from(genesisRoot.slice(2), "hex");
      const vote = (indices: number[], block: BeaconBlockAllForks) =>
        fc.onIndexedAttestation({
          attestingIndices: indices,
          data: {
            slot: 2,
            index: 0,
            beaconBlockRoot: Buffer.from(rootOf(block).slice(2), "hex"),
            source: {epoch: 0, root: gRoot},
            target: {epoch: 0, root: gRoot},
          },
        });
      vote([10, 11, 12, 13], a.message); // 128 ETH > 160% of a 64 ETH committee
      if (headVotes.length > 0) vote(headVotes, b.message);
      const head = fc.getHead();
      expect(head.blockRoot).toBe(rootOf(b.message));
      return {fc, head, rootA: rootOf(a.message), rootB: rootOf(b.message)};
    };
    const late = setup(false, []);
    expect(isHeadWeak(late.fc, late.rootB)).toBe(true);
    expect(isParentStrong(late.fc, late.rootB)).toBe(true);
    expect(getProposerHead(late.fc, late.rootB, 3).blockRoot).toBe(late.rootA);
    // not on the next slot: no single-slot re-org
    expect(getProposerHead(late.fc, late.rootB, 4).blockRoot).toBe(late.rootB);
    // a timely head is kept
    const timely = setup(true, []);
    timely.fc.onTick(timeAtSlot(3)); // the boost of the timely head is gone in slot 3
    expect(getProposerHead(timely.fc, timely.rootB, 3).blockRoot).toBe(timely.rootB);
    // one vote (32 ETH) is more than 20% of a committee (12.8 ETH): the head is not weak
    const voted = setup(false, [20]);
    expect(isHeadWeak(voted.fc, voted.rootB)).toBe(false);
    expect(getProposerHead(voted.fc, voted.rootB, 3).blockRoot).toBe(voted.rootB);
  });
});
