import {
  ForkSeq,
  MIN_ATTESTATION_INCLUSION_DELAY,
  PARTICIPATION_FLAG_WEIGHTS,
  PROPOSER_WEIGHT,
  SLOTS_PER_EPOCH,
  TIMELY_HEAD_FLAG_INDEX,
  TIMELY_SOURCE_FLAG_INDEX,
  TIMELY_TARGET_FLAG_INDEX,
  WEIGHT_DENOMINATOR,
} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {bytesEqual} from "@ceibo/utils";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {getBlockRoot, getBlockRootAtSlot} from "../epoch/util.ts";
import {AttestationError} from "../errors.ts";
import type {
  AttestationAllForks,
  AttestationData,
  AttestationElectra,
  BeaconStatePhase0,
  BeaconStatePostAltair,
} from "../types.ts";
import {increaseBalance} from "../util/balance.ts";
import {computeEpochAtSlot, getCurrentEpoch, getPreviousEpoch} from "../util/epoch.ts";
import {intSqrt} from "../util/math.ts";
import {getBeaconProposerIndex} from "../util/proposer.ts";
import {getAttestingIndices, getCommitteeIndices, getIndexedAttestation} from "./attestingIndices.ts";
import {isValidIndexedAttestation} from "./isValidIndexedAttestation.ts";

/**
 * phase0 / altair / deneb / electra process_attestation
 * Spec: `process_attestation` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#modified-process_attestation (phase0; modified in altair, deneb, electra)
 */
export function processAttestation(
  cs: CachedBeaconState,
  attestation: AttestationAllForks,
  verifySignatures = true,
): void {
  if (cs.fork === ForkSeq.phase0) processAttestationPhase0(cs, attestation, verifySignatures);
  else processAttestationAltair(cs, attestation, verifySignatures);
}

/**
 * The checks that open process_attestation in every fork: target epoch, inclusion window (upper bound only
 * before deneb, EIP-7045), committee index / committee bits and aggregation bits length.
 */
function validateAttestationCommittees(cs: CachedBeaconState, attestation: AttestationAllForks): void {
  const state = cs.state;
  const data = attestation.data;
  const currentEpoch = getCurrentEpoch(state);
  if (data.target.epoch !== getPreviousEpoch(state) && data.target.epoch !== currentEpoch) {
    throw new AttestationError(
      {code: "TARGET_EPOCH_NOT_PREVIOUS_OR_CURRENT", targetEpoch: data.target.epoch, currentEpoch},
      `attestation target epoch ${data.target.epoch} is neither the previous nor the current epoch`,
    );
  }
  if (data.target.epoch !== computeEpochAtSlot(data.slot)) {
    throw new AttestationError(
      {code: "TARGET_EPOCH_SLOT_MISMATCH", targetEpoch: data.target.epoch, slot: data.slot},
      `attestation target epoch ${data.target.epoch} does not match slot ${data.slot}`,
    );
  }
  if (!(data.slot + MIN_ATTESTATION_INCLUSION_DELAY <= state.slot)) {
    throw new AttestationError(
      {code: "INCLUDED_TOO_EARLY", attestationSlot: data.slot, stateSlot: state.slot},
      `attestation of slot ${data.slot} included too early at slot ${state.slot}`,
    );
  }
  if (cs.fork < ForkSeq.deneb && !(state.slot <= data.slot + SLOTS_PER_EPOCH)) {
    throw new AttestationError(
      {code: "INCLUDED_TOO_LATE", attestationSlot: data.slot, stateSlot: state.slot},
      `attestation of slot ${data.slot} included too late at slot ${state.slot}`,
    );
  }
  const committeeCount = cs.epochCtx.getCommitteeCountPerSlot(data.target.epoch);
  const bitLen = attestation.aggregationBits.bitLen;
  if (cs.fork < ForkSeq.electra) {
    if (!(data.index < committeeCount)) {
      throw new AttestationError(
        {code: "COMMITTEE_INDEX_OUT_OF_RANGE", committeeIndex: data.index, committeeCount},
        `attestation committee index ${data.index} out of range (${committeeCount} per slot)`,
      );
    }
    const committee = cs.epochCtx.getBeaconCommittee(data.slot, data.index);
    if (bitLen !== committee.length) {
      throw new AttestationError(
        {code: "AGGREGATION_BITS_LENGTH_MISMATCH", bitsLength: bitLen, committeesSize: committee.length},
        `attestation has ${bitLen} aggregation bits for a committee of ${committee.length}`,
      );
    }
    return;
  }
  if (data.index !== 0)
    throw new AttestationError(
      {code: "DATA_INDEX_NOT_ZERO", index: data.index},
      `attestation data.index must be 0, got ${data.index}`,
    );
  const bits = attestation.aggregationBits;
  let committeeOffset = 0;
  for (const committeeIndex of getCommitteeIndices((attestation as AttestationElectra).committeeBits)) {
    if (!(committeeIndex < committeeCount)) {
      throw new AttestationError(
        {code: "COMMITTEE_INDEX_OUT_OF_RANGE", committeeIndex, committeeCount},
        `attestation committee index ${committeeIndex} out of range (${committeeCount} per slot)`,
      );
    }
    const committee = cs.epochCtx.getBeaconCommittee(data.slot, committeeIndex);
    let attesters = 0;
    for (let i = 0; i < committee.length; i++) {
      // a bit past the end of aggregation_bits is an IndexError in the spec
      if (committeeOffset + i >= bitLen)
        throw new AttestationError(
          {code: "AGGREGATION_BITS_TOO_SHORT", bitsLength: bitLen},
          "attestation aggregation bits shorter than its committees",
        );
      if (bits.get(committeeOffset + i)) attesters++;
    }
    if (attesters === 0)
      throw new AttestationError(
        {code: "NO_ATTESTER_IN_COMMITTEE", committeeIndex},
        `attestation has no attester in committee ${committeeIndex}`,
      );
    committeeOffset += committee.length;
  }
  if (bitLen !== committeeOffset) {
    throw new AttestationError(
      {code: "AGGREGATION_BITS_LENGTH_MISMATCH", bitsLength: bitLen, committeesSize: committeeOffset},
      `attestation has ${bitLen} aggregation bits for committees of ${committeeOffset} in total`,
    );
  }
}

/**
 * phase0 process_attestation
 * Spec: `process_attestation` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#attestations-1
 */
function processAttestationPhase0(
  cs: CachedBeaconState,
  attestation: AttestationAllForks,
  verifySignatures: boolean,
): void {
  const state = cs.state as BeaconStatePhase0;
  const data = attestation.data;
  validateAttestationCommittees(cs, attestation);
  const pendingAttestation = ssz.phase0.PendingAttestation.toViewDU({
    aggregationBits: attestation.aggregationBits,
    data,
    inclusionDelay: state.slot - data.slot,
    proposerIndex: getBeaconProposerIndex(cs),
  });
  if (data.target.epoch === getCurrentEpoch(state)) {
    if (!ssz.phase0.Checkpoint.equals(data.source, state.currentJustifiedCheckpoint.toValue())) {
      throw new AttestationError(
        {code: "WRONG_SOURCE", targetEpoch: data.target.epoch},
        "attestation source is not the current justified checkpoint",
      );
    }
    state.currentEpochAttestations.push(pendingAttestation);
  } else {
    if (!ssz.phase0.Checkpoint.equals(data.source, state.previousJustifiedCheckpoint.toValue())) {
      throw new AttestationError(
        {code: "WRONG_SOURCE", targetEpoch: data.target.epoch},
        "attestation source is not the previous justified checkpoint",
      );
    }
    state.previousEpochAttestations.push(pendingAttestation);
  }
  if (!isValidIndexedAttestation(cs, getIndexedAttestation(cs, attestation), verifySignatures)) {
    throw new AttestationError({code: "INVALID_INDEXED_ATTESTATION"}, "attestation is not a valid indexed attestation");
  }
}

/**
 * altair / deneb get_attestation_participation_flag_indices
 * Spec: `get_attestation_participation_flag_indices` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/deneb/beacon-chain.md#modified-get_attestation_participation_flag_indices (altair; modified in deneb)
 */
export function getAttestationParticipationFlagIndices(
  cs: CachedBeaconState,
  data: AttestationData,
  inclusionDelay: number,
): number[] {
  const state = cs.state as BeaconStatePostAltair;
  const justifiedCheckpoint =
    data.target.epoch === getCurrentEpoch(state) ? state.currentJustifiedCheckpoint : state.previousJustifiedCheckpoint;
  const isMatchingSource = ssz.phase0.Checkpoint.equals(data.source, justifiedCheckpoint.toValue());
  // the spec computes both roots before asserting the source (and get_block_root* assert their slot range)
  const targetRootMatches = bytesEqual(data.target.root, getBlockRoot(state, data.target.epoch));
  const isMatchingTarget = isMatchingSource && targetRootMatches;
  const headRootMatches = bytesEqual(data.beaconBlockRoot, getBlockRootAtSlot(state, data.slot));
  const isMatchingHead = isMatchingTarget && headRootMatches;
  if (!isMatchingSource)
    throw new AttestationError(
      {code: "WRONG_SOURCE", targetEpoch: data.target.epoch},
      "attestation source does not match the justified checkpoint",
    );

  const flags: number[] = [];
  if (isMatchingSource && inclusionDelay <= intSqrt(SLOTS_PER_EPOCH)) flags.push(TIMELY_SOURCE_FLAG_INDEX);
  if (isMatchingTarget && (cs.fork >= ForkSeq.deneb || inclusionDelay <= SLOTS_PER_EPOCH)) {
    flags.push(TIMELY_TARGET_FLAG_INDEX);
  }
  if (isMatchingHead && inclusionDelay === MIN_ATTESTATION_INCLUSION_DELAY) flags.push(TIMELY_HEAD_FLAG_INDEX);
  return flags;
}

/**
 * altair / deneb / electra process_attestation
 * Spec: `process_attestation` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/beacon-chain.md#modified-process_attestation
 */
function processAttestationAltair(
  cs: CachedBeaconState,
  attestation: AttestationAllForks,
  verifySignatures: boolean,
): void {
  const state = cs.state as BeaconStatePostAltair;
  const data = attestation.data;
  validateAttestationCommittees(cs, attestation);
  const participationFlagIndices = getAttestationParticipationFlagIndices(cs, data, state.slot - data.slot);

  const attestingIndices = getAttestingIndices(cs, attestation);
  // is_valid_indexed_attestation(get_indexed_attestation(...)): the indexed form is the sorted set of committee
  // members, so it is always strictly increasing and in the registry; what can fail is emptiness and the
  // signature. Sorting ~30k indices per aggregate is only needed to build that object for the signature check.
  if (attestingIndices.length === 0)
    throw new AttestationError({code: "NO_ATTESTERS"}, "attestation is not a valid indexed attestation: no attesters");
  if (verifySignatures) {
    const indexed = {
      attestingIndices: attestingIndices.slice().sort((a, b) => a - b),
      data,
      signature: attestation.signature,
    };
    if (!isValidIndexedAttestation(cs, indexed, true))
      throw new AttestationError(
        {code: "INVALID_INDEXED_ATTESTATION"},
        "attestation is not a valid indexed attestation",
      );
  }

  const epochParticipation =
    data.target.epoch === getCurrentEpoch(state) ? state.currentEpochParticipation : state.previousEpochParticipation;
  let flagsToAdd = 0;
  for (const flagIndex of participationFlagIndices) flagsToAdd |= 1 << flagIndex;
  const {effectiveBalanceIncrements, baseRewardPerIncrement} = cs.epochCtx;
  let proposerRewardNumerator = 0;
  for (const index of attestingIndices) {
    const flags = epochParticipation.get(index);
    const newFlags = flags | flagsToAdd;
    if (newFlags === flags) continue;
    epochParticipation.set(index, newFlags);
    // get_base_reward(state, index) * weight for every flag newly set
    const baseReward = effectiveBalanceIncrements[index] * baseRewardPerIncrement;
    for (let flagIndex = 0; flagIndex < PARTICIPATION_FLAG_WEIGHTS.length; flagIndex++) {
      if (((newFlags & ~flags) >> flagIndex) & 1)
        proposerRewardNumerator += baseReward * PARTICIPATION_FLAG_WEIGHTS[flagIndex];
    }
  }
  const proposerRewardDenominator = ((WEIGHT_DENOMINATOR - PROPOSER_WEIGHT) * WEIGHT_DENOMINATOR) / PROPOSER_WEIGHT;
  const proposerReward = Math.floor(proposerRewardNumerator / proposerRewardDenominator);
  increaseBalance(state, getBeaconProposerIndex(cs), proposerReward);
  if (cs.rewardsSink !== null) cs.rewardsSink.attestations += proposerReward;
}
