import {
  BASE_REWARD_FACTOR,
  BASE_REWARDS_PER_EPOCH,
  EFFECTIVE_BALANCE_INCREMENT,
  INACTIVITY_PENALTY_QUOTIENT,
  PROPOSER_REWARD_QUOTIENT,
} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {EpochProcessingError} from "../errors.ts";
import {integerSquareroot} from "../util/math.ts";
import {
  beforeProcessEpoch,
  type EpochTransitionCache,
  FLAG_ELIGIBLE,
  FLAG_PREV_HEAD,
  FLAG_PREV_SOURCE,
  FLAG_PREV_TARGET,
} from "./epochTransitionCache.ts";
import {getFinalityDelay, isInInactivityLeak, mulDiv} from "./util.ts";

/** Rewards and penalties per validator index (Gwei), as the spec's deltas functions return them. */
export interface Deltas {
  rewards: number[];
  penalties: number[];
}

export function zeroDeltas(n: number): Deltas {
  return {rewards: new Array<number>(n).fill(0), penalties: new Array<number>(n).fill(0)};
}

/**
 * phase0 get_base_reward for every validator of the cache: effective_balance * BASE_REWARD_FACTOR //
 * integer_squareroot(total_active_balance) // BASE_REWARDS_PER_EPOCH. Computed once per cache.
 */
export function getBaseRewardsPhase0(cache: EpochTransitionCache): Float64Array {
  if (cache.baseRewardsPhase0 !== null) return cache.baseRewardsPhase0;
  const sqrtTotal = Number(integerSquareroot(cache.totalActiveBalance));
  const {effectiveBalances} = cache;
  const out = new Float64Array(effectiveBalances.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = Math.floor(mulDiv(effectiveBalances[i], BASE_REWARD_FACTOR, sqrtTotal) / BASE_REWARDS_PER_EPOCH);
  }
  cache.baseRewardsPhase0 = out;
  return out;
}

/**
 * phase0 get_attestation_component_deltas, for the attesters flagged `flag` with total balance `attestingBalance`.
 * Spec: `get_attestation_component_deltas` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#helpers-2
 */
function getAttestationComponentDeltas(
  cs: CachedBeaconState,
  cache: EpochTransitionCache,
  flag: number,
  attestingBalance: bigint,
): Deltas {
  const n = cache.validatorCount;
  const deltas = zeroDeltas(n);
  const baseRewards = getBaseRewardsPhase0(cache);
  const increment = BigInt(EFFECTIVE_BALANCE_INCREMENT);
  const attestingIncrements = Number(attestingBalance / increment);
  const totalIncrements = Number(cache.totalActiveBalance / increment);
  const leak = isInInactivityLeak(cs.state);
  const {flags} = cache;
  for (let i = 0; i < n; i++) {
    const f = flags[i];
    if ((f & FLAG_ELIGIBLE) === 0) continue;
    if ((f & flag) !== 0) {
      // full base reward during a leak (it is cancelled by the inactivity penalty deltas)
      deltas.rewards[i] += leak ? baseRewards[i] : mulDiv(baseRewards[i], attestingIncrements, totalIncrements);
    } else {
      deltas.penalties[i] += baseRewards[i];
    }
  }
  return deltas;
}

/**
 * phase0 get_source_deltas
 * Spec: `get_source_deltas` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#components-of-attestation-deltas
 */
export function getSourceDeltas(cs: CachedBeaconState, cache: EpochTransitionCache = beforeProcessEpoch(cs)): Deltas {
  return getAttestationComponentDeltas(cs, cache, FLAG_PREV_SOURCE, cache.prevSourceBalance);
}

/**
 * phase0 get_target_deltas
 * Spec: `get_target_deltas` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#components-of-attestation-deltas
 */
export function getTargetDeltas(cs: CachedBeaconState, cache: EpochTransitionCache = beforeProcessEpoch(cs)): Deltas {
  if (cache.prevTargetError !== null) throw cache.prevTargetError;
  return getAttestationComponentDeltas(cs, cache, FLAG_PREV_TARGET, cache.prevTargetBalance);
}

/**
 * phase0 get_head_deltas
 * Spec: `get_head_deltas` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#components-of-attestation-deltas
 */
export function getHeadDeltas(cs: CachedBeaconState, cache: EpochTransitionCache = beforeProcessEpoch(cs)): Deltas {
  if (cache.prevTargetError !== null) throw cache.prevTargetError;
  if (cache.prevHeadError !== null) throw cache.prevHeadError;
  return getAttestationComponentDeltas(cs, cache, FLAG_PREV_HEAD, cache.prevHeadBalance);
}

/**
 * phase0 get_inclusion_delay_deltas: the proposer of each attester's earliest-included matching source attestation
 * gets its proposer reward, the attester the rest of its base reward divided by the inclusion delay.
 * Spec: `get_inclusion_delay_deltas` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#components-of-attestation-deltas
 */
export function getInclusionDelayDeltas(
  cs: CachedBeaconState,
  cache: EpochTransitionCache = beforeProcessEpoch(cs),
): Deltas {
  const n = cache.validatorCount;
  const deltas = zeroDeltas(n);
  const baseRewards = getBaseRewardsPhase0(cache);
  const {flags, inclusionDelays, inclusionProposers} = cache;
  for (let i = 0; i < n; i++) {
    if ((flags[i] & FLAG_PREV_SOURCE) === 0) continue;
    const delay = inclusionDelays[i];
    if (delay === 0)
      throw new EpochProcessingError(
        {code: "INCLUSION_DELAY_ZERO", validatorIndex: i},
        `get_inclusion_delay_deltas: inclusion delay 0 for validator ${i}`,
      );
    const proposerReward = Math.floor(baseRewards[i] / PROPOSER_REWARD_QUOTIENT);
    const proposer = inclusionProposers[i];
    if (proposer >= n) {
      throw new EpochProcessingError(
        {code: "PROPOSER_INDEX_OUT_OF_RANGE", proposerIndex: proposer, validatorCount: n},
        `get_inclusion_delay_deltas: proposer index ${proposer} out of range`,
      );
    }
    deltas.rewards[proposer] += proposerReward;
    deltas.rewards[i] += Math.floor((baseRewards[i] - proposerReward) / delay);
  }
  return deltas;
}

/**
 * phase0 get_inactivity_penalty_deltas
 * Spec: `get_inactivity_penalty_deltas` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#components-of-attestation-deltas
 */
export function getInactivityPenaltyDeltasPhase0(
  cs: CachedBeaconState,
  cache: EpochTransitionCache = beforeProcessEpoch(cs),
): Deltas {
  const n = cache.validatorCount;
  const deltas = zeroDeltas(n);
  if (!isInInactivityLeak(cs.state)) return deltas;
  if (cache.prevTargetError !== null) throw cache.prevTargetError;
  const baseRewards = getBaseRewardsPhase0(cache);
  const finalityDelay = getFinalityDelay(cs.state);
  const {flags, effectiveBalances} = cache;
  for (let i = 0; i < n; i++) {
    const f = flags[i];
    if ((f & FLAG_ELIGIBLE) === 0) continue;
    // If the validator is performing optimally this cancels all rewards for a neutral balance
    const base = baseRewards[i];
    deltas.penalties[i] += BASE_REWARDS_PER_EPOCH * base - Math.floor(base / PROPOSER_REWARD_QUOTIENT);
    if ((f & FLAG_PREV_TARGET) === 0) {
      deltas.penalties[i] += mulDiv(effectiveBalances[i], finalityDelay, INACTIVITY_PENALTY_QUOTIENT);
    }
  }
  return deltas;
}

/**
 * phase0 get_attestation_deltas
 * Spec: `get_attestation_deltas` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#get_attestation_deltas
 */
export function getAttestationDeltas(
  cs: CachedBeaconState,
  cache: EpochTransitionCache = beforeProcessEpoch(cs),
): Deltas {
  const source = getSourceDeltas(cs, cache);
  const target = getTargetDeltas(cs, cache);
  const head = getHeadDeltas(cs, cache);
  const inclusionDelay = getInclusionDelayDeltas(cs, cache);
  const inactivity = getInactivityPenaltyDeltasPhase0(cs, cache);
  const n = cache.validatorCount;
  const deltas = zeroDeltas(n);
  for (let i = 0; i < n; i++) {
    deltas.rewards[i] = source.rewards[i] + target.rewards[i] + head.rewards[i] + inclusionDelay.rewards[i];
    deltas.penalties[i] = source.penalties[i] + target.penalties[i] + head.penalties[i] + inactivity.penalties[i];
  }
  return deltas;
}
