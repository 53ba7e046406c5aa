import {
  EFFECTIVE_BALANCE_INCREMENT,
  ForkSeq,
  GENESIS_EPOCH,
  INACTIVITY_PENALTY_QUOTIENT_ALTAIR,
  INACTIVITY_PENALTY_QUOTIENT_BELLATRIX,
  PARTICIPATION_FLAG_WEIGHTS,
  TIMELY_HEAD_FLAG_INDEX,
  TIMELY_SOURCE_FLAG_INDEX,
  TIMELY_TARGET_FLAG_INDEX,
  WEIGHT_DENOMINATOR,
} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {BeaconStatePostAltair} from "../types.ts";
import {getCurrentEpoch} from "../util/epoch.ts";
import {getAttestationDeltas} from "./attestationDeltas.ts";
import {
  beforeProcessEpoch,
  type EpochTransitionCache,
  FLAG_ELIGIBLE,
  FLAG_PREV_HEAD,
  FLAG_PREV_SOURCE,
  FLAG_PREV_TARGET,
} from "./epochTransitionCache.ts";
import {getBaseRewardPerIncrement} from "./flagIndexDeltas.ts";
import {readUint64List, uint64ListFromValues} from "./uint64List.ts";
import {isInInactivityLeak, mulDiv} from "./util.ts";

const INCREMENT = BigInt(EFFECTIVE_BALANCE_INCREMENT);

/**
 * Reused between epochs: the balances read from and written back to the state (one array of the registry's
 * size instead of eight delta arrays per epoch). Safe to share because the transition is synchronous and
 * `toViewDU` copies it into the tree.
 */
let balancesScratch: Float64Array = new Float64Array(0);

/**
 * phase0 / altair process_rewards_and_penalties. Each set of deltas is applied in the spec's order, with
 * increase_balance then decrease_balance (saturating at zero) per set, so the result matches the spec exactly
 * even where a balance hits zero in between. altair+: the three flag deltas and the inactivity penalty are
 * computed and applied in one pass per validator (a validator's deltas depend only on its own fields and the
 * epoch's totals), and the balances list is rebuilt in bulk.
 * Spec: `process_rewards_and_penalties` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/beacon-chain.md#rewards-and-penalties-1 (phase0; modified in altair)
 */
export function processRewardsAndPenalties(
  cs: CachedBeaconState,
  cache: EpochTransitionCache = beforeProcessEpoch(cs),
): void {
  const state = cs.state;
  // No rewards are applied at the end of `GENESIS_EPOCH` because rewards are for work done in the previous epoch
  if (getCurrentEpoch(state) === GENESIS_EPOCH) return;
  const balances = readUint64List(state.balances, balancesScratch);
  balancesScratch = balances;

  const changed =
    cs.fork === ForkSeq.phase0 ? applyDeltasPhase0(cs, cache, balances) : applyDeltasAltair(cs, cache, balances);
  if (changed) state.balances = uint64ListFromValues(state.balances, balances);
}

/** phase0: the attestation deltas (one set: get_attestation_deltas) applied to `balances`. */
function applyDeltasPhase0(cs: CachedBeaconState, cache: EpochTransitionCache, balances: Float64Array): boolean {
  const {rewards, penalties} = getAttestationDeltas(cs, cache);
  let changed = false;
  for (let i = 0; i < cache.validatorCount; i++) {
    const before = balances[i];
    let balance = before + rewards[i];
    const penalty = penalties[i];
    balance = penalty > balance ? 0 : balance - penalty;
    if (balance !== before) {
      balances[i] = balance;
      changed = true;
    }
  }
  return changed;
}

/**
 * altair+: get_flag_index_deltas for each flag (source, target, head, in the spec's order) then
 * get_inactivity_penalty_deltas, applied to `balances` in one pass. Same arithmetic as getFlagIndexDeltas and
 * getInactivityPenaltyDeltasAltair (which the rewards API and spec tests use).
 */
function applyDeltasAltair(cs: CachedBeaconState, cache: EpochTransitionCache, balances: Float64Array): boolean {
  const state = cs.state as BeaconStatePostAltair;
  const leak = isInInactivityLeak(state);
  const baseRewardPerIncrement = getBaseRewardPerIncrement(cache);
  const rewardDenominator = Number(cache.totalActiveBalance / INCREMENT) * WEIGHT_DENOMINATOR;
  const sourceIncrements = Number(cache.prevSourceBalance / INCREMENT);
  const targetIncrements = Number(cache.prevTargetBalance / INCREMENT);
  const headIncrements = Number(cache.prevHeadBalance / INCREMENT);
  const sourceWeight = PARTICIPATION_FLAG_WEIGHTS[TIMELY_SOURCE_FLAG_INDEX];
  const targetWeight = PARTICIPATION_FLAG_WEIGHTS[TIMELY_TARGET_FLAG_INDEX];
  const headWeight = PARTICIPATION_FLAG_WEIGHTS[TIMELY_HEAD_FLAG_INDEX];
  const quotient =
    cs.fork >= ForkSeq.bellatrix ? INACTIVITY_PENALTY_QUOTIENT_BELLATRIX : INACTIVITY_PENALTY_QUOTIENT_ALTAIR;
  const inactivityDenominator = cs.config.INACTIVITY_SCORE_BIAS * quotient;
  const {flags, effectiveBalances} = cache;
  // Only the scores of validators missing the target are read: from the array process_inactivity_updates left in
  // the cache, else (a step run alone) on demand from the state
  const inactivityScores = state.inactivityScores;
  const scores = cache.inactivityScores;

  let changed = false;
  for (let i = 0; i < cache.validatorCount; i++) {
    const f = flags[i];
    if ((f & FLAG_ELIGIBLE) === 0) continue;
    const effectiveBalance = effectiveBalances[i];
    const baseReward = Math.floor(effectiveBalance / EFFECTIVE_BALANCE_INCREMENT) * baseRewardPerIncrement;
    const before = balances[i];
    let balance = before;
    let penalty: number;
    // get_flag_index_deltas(TIMELY_SOURCE_FLAG_INDEX)
    if ((f & FLAG_PREV_SOURCE) !== 0) {
      if (!leak) balance += mulDiv(baseReward * sourceWeight, sourceIncrements, rewardDenominator);
    } else {
      penalty = Math.floor((baseReward * sourceWeight) / WEIGHT_DENOMINATOR);
      balance = penalty > balance ? 0 : balance - penalty;
    }
    // get_flag_index_deltas(TIMELY_TARGET_FLAG_INDEX)
    if ((f & FLAG_PREV_TARGET) !== 0) {
      if (!leak) balance += mulDiv(baseReward * targetWeight, targetIncrements, rewardDenominator);
    } else {
      penalty = Math.floor((baseReward * targetWeight) / WEIGHT_DENOMINATOR);
      balance = penalty > balance ? 0 : balance - penalty;
    }
    // get_flag_index_deltas(TIMELY_HEAD_FLAG_INDEX): no penalty for a missed head
    if ((f & FLAG_PREV_HEAD) !== 0 && !leak) {
      balance += mulDiv(baseReward * headWeight, headIncrements, rewardDenominator);
    }
    // get_inactivity_penalty_deltas
    if ((f & FLAG_PREV_TARGET) === 0) {
      penalty = mulDiv(effectiveBalance, scores !== null ? scores[i] : inactivityScores.get(i), inactivityDenominator);
      balance = penalty > balance ? 0 : balance - penalty;
    }
    if (balance !== before) {
      balances[i] = balance;
      changed = true;
    }
  }
  return changed;
}
