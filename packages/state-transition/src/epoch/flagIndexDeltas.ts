import {
  BASE_REWARD_FACTOR,
  EFFECTIVE_BALANCE_INCREMENT,
  ForkSeq,
  INACTIVITY_PENALTY_QUOTIENT_ALTAIR,
  INACTIVITY_PENALTY_QUOTIENT_BELLATRIX,
  PARTICIPATION_FLAG_WEIGHTS,
  TIMELY_HEAD_FLAG_INDEX,
  WEIGHT_DENOMINATOR,
} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {EpochProcessingError} from "../errors.ts";
import type {BeaconStatePostAltair} from "../types.ts";
import {integerSquareroot} from "../util/math.ts";
import {type Deltas, getInactivityPenaltyDeltasPhase0, zeroDeltas} from "./attestationDeltas.ts";
import {
  beforeProcessEpoch,
  type EpochTransitionCache,
  FLAG_ELIGIBLE,
  FLAG_PREV_TARGET,
  PREV_FLAG_BY_INDEX,
} from "./epochTransitionCache.ts";
import {isInInactivityLeak, mulDiv} from "./util.ts";

const INCREMENT = BigInt(EFFECTIVE_BALANCE_INCREMENT);

/**
 * altair get_base_reward_per_increment, from the cache's (exact) total active balance
 * Spec: `get_base_reward_per_increment` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/beacon-chain.md#get_base_reward_per_increment
 */
export function getBaseRewardPerIncrement(cache: EpochTransitionCache): number {
  return Number((INCREMENT * BigInt(BASE_REWARD_FACTOR)) / integerSquareroot(cache.totalActiveBalance));
}

/**
 * altair get_flag_index_deltas
 * Spec: `get_flag_index_deltas` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/beacon-chain.md#get_flag_index_deltas
 */
export function getFlagIndexDeltas(
  cs: CachedBeaconState,
  flagIndex: number,
  cache: EpochTransitionCache = beforeProcessEpoch(cs),
): Deltas {
  const n = cache.validatorCount;
  const deltas = zeroDeltas(n);
  const flag = PREV_FLAG_BY_INDEX[flagIndex];
  const weight = PARTICIPATION_FLAG_WEIGHTS[flagIndex];
  if (flag === undefined || weight === undefined) {
    throw new EpochProcessingError(
      {code: "UNKNOWN_PARTICIPATION_FLAG", flagIndex},
      `unknown participation flag index ${flagIndex}`,
    );
  }
  const participatingBalance = [cache.prevSourceBalance, cache.prevTargetBalance, cache.prevHeadBalance][flagIndex];
  const participatingIncrements = Number(participatingBalance / INCREMENT);
  const activeIncrements = Number(cache.totalActiveBalance / INCREMENT);
  const baseRewardPerIncrement = getBaseRewardPerIncrement(cache);
  const leak = isInInactivityLeak(cs.state);
  const rewardDenominator = activeIncrements * WEIGHT_DENOMINATOR;
  const {flags, effectiveBalances} = cache;
  for (let i = 0; i < n; i++) {
    const f = flags[i];
    if ((f & FLAG_ELIGIBLE) === 0) continue;
    const baseReward = Math.floor(effectiveBalances[i] / EFFECTIVE_BALANCE_INCREMENT) * baseRewardPerIncrement;
    if ((f & flag) !== 0) {
      if (!leak) deltas.rewards[i] += mulDiv(baseReward * weight, participatingIncrements, rewardDenominator);
    } else if (flagIndex !== TIMELY_HEAD_FLAG_INDEX) {
      deltas.penalties[i] += Math.floor((baseReward * weight) / WEIGHT_DENOMINATOR);
    }
  }
  return deltas;
}

/**
 * altair / bellatrix get_inactivity_penalty_deltas
 * Spec: `get_inactivity_penalty_deltas` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/beacon-chain.md#modified-get_inactivity_penalty_deltas
 */
export function getInactivityPenaltyDeltasAltair(
  cs: CachedBeaconState,
  cache: EpochTransitionCache = beforeProcessEpoch(cs),
): Deltas {
  const n = cache.validatorCount;
  const deltas = zeroDeltas(n);
  const quotient =
    cs.fork >= ForkSeq.bellatrix ? INACTIVITY_PENALTY_QUOTIENT_BELLATRIX : INACTIVITY_PENALTY_QUOTIENT_ALTAIR;
  const denominator = cs.config.INACTIVITY_SCORE_BIAS * quotient;
  const scores = (cs.state as BeaconStatePostAltair).inactivityScores.getAll();
  const {flags, effectiveBalances} = cache;
  for (let i = 0; i < n; i++) {
    const f = flags[i];
    if ((f & FLAG_ELIGIBLE) === 0 || (f & FLAG_PREV_TARGET) !== 0) continue;
    deltas.penalties[i] += mulDiv(effectiveBalances[i], scores[i], denominator);
  }
  return deltas;
}

/**
 * phase0 / altair / bellatrix get_inactivity_penalty_deltas, by the state's fork
 * Spec: `get_inactivity_penalty_deltas` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/bellatrix/beacon-chain.md#modified-get_inactivity_penalty_deltas (phase0; modified in altair, bellatrix)
 */
export function getInactivityPenaltyDeltas(
  cs: CachedBeaconState,
  cache: EpochTransitionCache = beforeProcessEpoch(cs),
): Deltas {
  return cs.fork >= ForkSeq.altair
    ? getInactivityPenaltyDeltasAltair(cs, cache)
    : getInactivityPenaltyDeltasPhase0(cs, cache);
}
