import {type ChainConfig, computeDomain, computeSigningRoot, createDevChainConfig} from "@ceibo/config";
import {
  DOMAIN_BEACON_ATTESTER,
  DOMAIN_BEACON_PROPOSER,
  DOMAIN_BLS_TO_EXECUTION_CHANGE,
  DOMAIN_RANDAO,
  DOMAIN_SYNC_COMMITTEE,
  ForkSeq,
  MAX_COMMITTEES_PER_SLOT,
  SYNC_COMMITTEE_SIZE,
} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {aggregateSignatures, Signature} from "@chainsafe/blst";
import {BitArray, type ValueOf} from "@chainsafe/ssz";
import {beforeAll, describe, expect, it} from "vitest";
import {processBlock} from "../src/block/processBlock.ts";
import {getExpectedWithdrawals} from "../src/block/processWithdrawals.ts";
import type {CachedBeaconState} from "../src/cache/cachedBeaconState.ts";
import {getBlockRoot, getBlockRootAtSlot} from "../src/epoch/util.ts";
import {createInteropGenesisState, interopPubkey, interopSecretKey} from "../src/genesis/interop.ts";
import {createBlockRewardsSink} from "../src/rewards/blockRewardsSink.ts";
import {getBlockSignatureSets} from "../src/signatureSets/blockSignatureSets.ts";
import {verifySignatureSet, verifySignatureSets} from "../src/signatureSets/signatureSet.ts";
import {processSlots} from "../src/slot/processSlots.ts";
import {stateTransition} from "../src/stateTransition.ts";
import type {BeaconStateElectra, SignedBeaconBlockAllForks} from "../src/types.ts";
import {getDomain} from "../src/util/domain.ts";
import {computeTimeAtSlot} from "../src/util/epoch.ts";
import {getBeaconProposerIndex} from "../src/util/proposer.ts";
import {getRandaoMix} from "../src/util/seed.ts";

type SignedBlock = ValueOf<typeof ssz.electra.SignedBeaconBlock>;

const VALIDATORS = 64;
const SLASHED_PROPOSER = 10;
const DOUBLE_VOTER = 11;
const BLS_CHANGER = 12;

/** A dev config with every fork up to electra at genesis. */
function electraConfig(): ChainConfig {
  const out: Record<string, unknown> = {...createDevChainConfig()};
  for (const k of ["ALTAIR", "BELLATRIX", "CAPELLA", "DENEB", "ELECTRA"]) out[`${k}_FORK_EPOCH`] = 0;
  out.FULU_FORK_EPOCH = Number.POSITIVE_INFINITY;
  return out as unknown as ChainConfig;
}

const sign = (index: number, root: Uint8Array): Uint8Array => interopSecretKey(index).sign(root).toBytes(true);
/** A valid signature of `index`, over the wrong message: a well-formed point that must not verify. */
const wrongSignature = (index: number): Uint8Array => sign(index, new Uint8Array(32).fill(0x99));
const aggregate = (sigs: Uint8Array[]): Uint8Array =>
  aggregateSignatures(sigs.map((s) => Signature.fromBytes(s, true))).toBytes(true);

/**
 * Slot-1 electra block on an interop genesis carrying one of every signature-bearing object: RANDAO reveal, a
 * proposer slashing, an attester slashing (double vote), an attestation (committee bits), a full sync aggregate
 * and a BLS-to-execution change; the state root is filled in and the block signed by the proposer.
 */
function buildBlock(genesis: CachedBeaconState): {pre: CachedBeaconState; signedBlock: SignedBlock} {
  const pre = genesis.clone();
  processSlots(pre, 1);
  const state = pre.state as BeaconStateElectra;
  const config = pre.config;
  const proposerIndex = getBeaconProposerIndex(pre);

  const randaoReveal = sign(proposerIndex, computeSigningRoot(ssz.phase0.Epoch, 0, getDomain(state, DOMAIN_RANDAO)));

  const headerDomain = getDomain(state, DOMAIN_BEACON_PROPOSER, 0);
  const signHeader = (bodyByte: number) => {
    const message = {
      slot: 1,
      proposerIndex: SLASHED_PROPOSER,
      parentRoot: new Uint8Array(32),
      stateRoot: new Uint8Array(32),
      bodyRoot: new Uint8Array(32).fill(bodyByte),
    };
    const root = computeSigningRoot(ssz.phase0.BeaconBlockHeader, message, headerDomain);
    return {message, signature: sign(SLASHED_PROPOSER, root)};
  };
  const proposerSlashing = {signedHeader1: signHeader(1), signedHeader2: signHeader(2)};

  const attesterDomain = getDomain(state, DOMAIN_BEACON_ATTESTER, 0);
  const checkpoint0 = {epoch: 0, root: getBlockRoot(state, 0)};
  const source = state.currentJustifiedCheckpoint.toValue();
  const indexedVote = (headByte: number) => {
    const data = {slot: 0, index: 0, beaconBlockRoot: new Uint8Array(32).fill(headByte), source, target: checkpoint0};
    const root = computeSigningRoot(ssz.phase0.AttestationData, data, attesterDomain);
    return {attestingIndices: [DOUBLE_VOTER], data, signature: sign(DOUBLE_VOTER, root)};
  };
  const attesterSlashing = {attestation1: indexedVote(1), attestation2: indexedVote(2)};

  const committee = Array.from(pre.epochCtx.getBeaconCommittee(0, 0));
  const attestationData = {
    slot: 0,
    index: 0,
    beaconBlockRoot: getBlockRootAtSlot(state, 0),
    source,
    target: checkpoint0,
  };
  const attestationRoot = computeSigningRoot(ssz.phase0.AttestationData, attestationData, attesterDomain);
  const committeeBits = BitArray.fromBitLen(MAX_COMMITTEES_PER_SLOT);
  committeeBits.set(0, true);
  const attestation = {
    aggregationBits: BitArray.fromBoolArray(committee.map(() => true)),
    data: attestationData,
    signature: aggregate(committee.map((i) => sign(i, attestationRoot))),
    committeeBits,
  };

  const syncRoot = computeSigningRoot(
    ssz.phase0.Root,
    getBlockRootAtSlot(state, 0),
    getDomain(state, DOMAIN_SYNC_COMMITTEE, 0),
  );
  const memberSignatures = new Map<number, Uint8Array>();
  const syncSignatures = pre.epochCtx.currentSyncCommitteeIndices.map((i) => {
    let s = memberSignatures.get(i);
    if (s === undefined) {
      s = sign(i, syncRoot);
      memberSignatures.set(i, s);
    }
    return s;
  });
  const syncAggregate = {
    syncCommitteeBits: BitArray.fromBoolArray(new Array<boolean>(SYNC_COMMITTEE_SIZE).fill(true)),
    syncCommitteeSignature: aggregate(syncSignatures),
  };

  const change = {
    validatorIndex: BLS_CHANGER,
    fromBlsPubkey: interopPubkey(BLS_CHANGER),
    toExecutionAddress: new Uint8Array(20).fill(0xaa),
  };
  const changeDomain = computeDomain(
    DOMAIN_BLS_TO_EXECUTION_CHANGE,
    config.GENESIS_FORK_VERSION,
    state.genesisValidatorsRoot,
  );
  const blsChange = {
    message: change,
    signature: sign(BLS_CHANGER, computeSigningRoot(ssz.capella.BLSToExecutionChange, change, changeDomain)),
  };

  const executionPayload = {
    ...ssz.electra.ExecutionPayload.defaultValue(),
    parentHash: state.latestExecutionPayloadHeader.blockHash,
    prevRandao: getRandaoMix(state, 0),
    timestamp: computeTimeAtSlot(config.SLOT_DURATION_MS, state.genesisTime, 1),
    blockHash: new Uint8Array(32).fill(0x77),
    withdrawals: getExpectedWithdrawals(pre).withdrawals,
  };

  const body = {
    ...ssz.electra.BeaconBlockBody.defaultValue(),
    randaoReveal,
    eth1Data: state.eth1Data.toValue(),
    proposerSlashings: [proposerSlashing],
    attesterSlashings: [attesterSlashing],
    attestations: [attestation],
    syncAggregate,
    executionPayload,
    blsToExecutionChanges: [blsChange],
  };
  const block = {
    slot: 1,
    proposerIndex,
    parentRoot: state.latestBlockHeader.hashTreeRoot(),
    stateRoot: new Uint8Array(32) as Uint8Array,
    body,
  };
  const post = pre.clone();
  processBlock(post, block, {verifySignatures: true, executionPayloadValid: true});
  block.stateRoot = post.state.hashTreeRoot();
  const blockRoot = computeSigningRoot(ssz.electra.BeaconBlock, block, getDomain(state, DOMAIN_BEACON_PROPOSER, 0));
  return {pre, signedBlock: {message: block, signature: sign(proposerIndex, blockRoot)}};
}

/** Replaces one signature of a copy of the block. */
type Tamper = (b: SignedBlock) => void;
const TAMPERS: Record<string, Tamper> = {
  "RANDAO reveal": (b) => {
    b.message.body.randaoReveal = wrongSignature(b.message.proposerIndex);
  },
  "proposer slashing header": (b) => {
    b.message.body.proposerSlashings[0].signedHeader2.signature = wrongSignature(SLASHED_PROPOSER);
  },
  "attester slashing attestation": (b) => {
    b.message.body.attesterSlashings[0].attestation1.signature = wrongSignature(DOUBLE_VOTER);
  },
  attestation: (b) => {
    b.message.body.attestations[0].signature = wrongSignature(0);
  },
  // the set's keys come from the committee's cached block aggregates (committeeKeys.ts): a signer left out of the
  // bits must leave its key out too
  "attestation (a signer's bit cleared)": (b) => {
    const bits = b.message.body.attestations[0].aggregationBits;
    bits.set(bits.bitLen - 1, false);
  },
  "sync aggregate": (b) => {
    b.message.body.syncAggregate.syncCommitteeSignature = wrongSignature(0);
  },
  "BLS to execution change": (b) => {
    b.message.body.blsToExecutionChanges[0].signature = wrongSignature(BLS_CHANGER);
  },
};

describe("block signature sets", () => {
  let genesis: CachedBeaconState;
  let pre: CachedBeaconState;
  let signedBlock: SignedBlock;

  beforeAll(() => {
    genesis = createInteropGenesisState(electraConfig(), {validatorCount: VALIDATORS, genesisTime: 0});
    ({pre, signedBlock} = buildBlock(genesis));
  });

  const copy = (): SignedBlock => ssz.electra.SignedBeaconBlock.clone(signedBlock);
  const setsOf = (b: SignedBlock, skipProposer = false) =>
    getBlockSignatureSets(pre, b as unknown as SignedBeaconBlockAllForks, {skipProposer});

  it("the block is valid: state_transition with signature checks reaches its state root", () => {
    expect(pre.fork).toBe(ForkSeq.electra);
    const post = stateTransition(genesis, signedBlock as unknown as SignedBeaconBlockAllForks, {
      verifySignatures: true,
    });
    expect(post.state.validators.getReadonly(SLASHED_PROPOSER).slashed).toBe(true);
    expect(post.state.validators.getReadonly(DOUBLE_VOTER).slashed).toBe(true);
    expect(post.state.validators.getReadonly(BLS_CHANGER).withdrawalCredentials[0]).toBe(0x01);
  });

  it("collects one set per signature and they all verify, one by one and batched", () => {
    const sets = setsOf(signedBlock);
    // proposer, randao, 2 proposer slashing headers, 2 attester slashing attestations, attestation, sync, BLS change
    expect(sets.length).toBe(9);
    for (const set of sets) expect(verifySignatureSet(set)).toBe(true);
    expect(verifySignatureSets(sets)).toBe(true);
    expect(setsOf(signedBlock, true).length).toBe(8);
  });

  it("a wrong block signature fails the batch and the state transition", () => {
    const b = copy();
    b.signature = wrongSignature(b.message.proposerIndex);
    expect(verifySignatureSets(setsOf(b))).toBe(false);
    expect(verifySignatureSets(setsOf(b, true))).toBe(true);
    expect(() => stateTransition(genesis, b as unknown as SignedBeaconBlockAllForks)).toThrow(/block signature/);
  });

  for (const [what, tamper] of Object.entries(TAMPERS)) {
    it(`a wrong ${what} signature fails the batch and the inline check, not processing without checks`, () => {
      const b = copy();
      tamper(b);
      expect(verifySignatureSets(setsOf(b))).toBe(false);
      expect(verifySignatureSets(setsOf(b, true))).toBe(false);
      expect(() =>
        processBlock(pre.clone(), b.message, {verifySignatures: true, executionPayloadValid: true}),
      ).toThrow();
      // the caller batch-verified (and would reject): processing itself does not look at signatures
      processBlock(pre.clone(), b.message, {verifySignatures: false, executionPayloadValid: true});
    });
  }

  it("an empty sync aggregate needs the G2 point at infinity as signature", () => {
    const b = copy();
    b.message.body.syncAggregate.syncCommitteeBits = BitArray.fromBitLen(SYNC_COMMITTEE_SIZE);
    b.message.body.syncAggregate.syncCommitteeSignature = Uint8Array.from([0xc0, ...new Uint8Array(95)]);
    // no set for the sync aggregate (eth_fast_aggregate_verify accepts), and processing accepts it
    expect(setsOf(b, true).length).toBe(7);
    expect(verifySignatureSets(setsOf(b, true))).toBe(true);
    processBlock(pre.clone(), b.message, {verifySignatures: true, executionPayloadValid: true});
    // any other signature with no participant is invalid
    b.message.body.syncAggregate.syncCommitteeSignature = signedBlock.message.body.syncAggregate.syncCommitteeSignature;
    expect(verifySignatureSets(setsOf(b, true))).toBe(false);
    expect(() => processBlock(pre.clone(), b.message, {verifySignatures: true, executionPayloadValid: true})).toThrow(
      /sync aggregate/,
    );
  });

  it("rejects the block when the execution engine says the payload is invalid", () => {
    expect(() =>
      processBlock(pre.clone(), signedBlock.message, {verifySignatures: true, executionPayloadValid: false}),
    ).toThrow(/execution payload/);
  });
});

describe("block rewards sink (Beacon API block / sync committee rewards)", () => {
  it("what the sink collects is what processBlock pays: proposer and sync committee balances", () => {
    const genesis = createInteropGenesisState(electraConfig(), {validatorCount: VALIDATORS, genesisTime: 0});
    const {pre, signedBlock} = buildBlock(genesis);
    const block = signedBlock.message;
    const post = pre.clone();
    const sink = createBlockRewardsSink();
    post.rewardsSink = sink;
    processBlock(post, block as never, {verifySignatures: false, executionPayloadValid: true});
    const delta = (i: number): number => post.state.balances.get(i) - pre.state.balances.get(i);

    // electra slash_validator in a block: the proposer is the whistleblower and gets the whole whistleblower reward,
    // effective_balance // WHISTLEBLOWER_REWARD_QUOTIENT_ELECTRA = 32 ETH // 4096, once per slashing
    expect(sink.proposerSlashings).toBe(32_000_000_000 / 4096);
    expect(sink.attesterSlashings).toBe(32_000_000_000 / 4096);
    expect(sink.attestations).toBeGreaterThan(0);
    expect(sink.syncAggregate).toBeGreaterThan(0);
    // the proposer's balance change: its block rewards plus its own sync committee reward (if a member)
    const proposer = block.proposerIndex;
    expect([SLASHED_PROPOSER, DOUBLE_VOTER]).not.toContain(proposer);
    const total = sink.attestations + sink.syncAggregate + sink.proposerSlashings + sink.attesterSlashings;
    expect(delta(proposer)).toBe(total + (sink.syncCommittee.get(proposer) ?? 0));
    // every other member: exactly its sync committee reward (the slashed two also lose their slashing penalty)
    expect(sink.syncCommittee.size).toBeGreaterThan(0);
    for (const [i, reward] of sink.syncCommittee) {
      expect(reward).toBeGreaterThan(0); // a full sync aggregate
      if (i === proposer || i === SLASHED_PROPOSER || i === DOUBLE_VOTER) continue;
      expect(delta(i), `member ${i}`).toBe(reward);
    }
    // the normal path collects nothing and is left untouched by the replay
    expect(pre.rewardsSink).toBeNull();
  });
});
