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
import type {Node} from "@chainsafe/persistent-merkle-tree";
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
import {readUint64List, readUint64ListSince, uint64ListChunks, uint64ListFromValues} from "./uint64List.ts";
import {isInInactivityLeak, mulDiv} from "./util.ts";

const INCREMENT = BigInt(EFFECTIVE_BALANCE_INCREMENT);

/**
 * Reused between epochs: the balances read from and written back to the state (one array of the registry's
 * size instead of eight delta arrays per epoch). Safe to share because the transition is synchronous and
 * `toViewDU` copies it into the tree.
 */
let balancesScratch: Float64Array = new Float64Array(0);

/**
 * The inactivity scores the fused pass last read or wrote, with the chunks subtree of that list (the previous
 * epoch's, shared by every state since: only the epoch transition changes scores). Reused by the next epoch's
 * pass (readUint64ListSince). A pair: both describe the same list, or `lastScoresChunks` is null.
 */
let lastScores: Float64Array = new Float64Array(0);
let lastScoresChunks: Node | null = null;

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
  rewardsAndPenalties(cs, cache, false);
}

/**
 * altair+ process_inactivity_updates followed by process_rewards_and_penalties, in ONE pass over the registry:
 * for each validator its new inactivity score, then its rewards and penalties with that score. Equal to the two
 * steps run one after the other because both are per-validator functions of the validator's own fields and of
 * epoch-wide values that neither step changes (the participation totals, the total active balance, whether the
 * chain is in an inactivity leak: process_justification_and_finalization ran before both). process_epoch calls
 * this; the two spec functions stay for the spec tests and the rewards API.
 * (Not a spec function: the spec links are on processInactivityUpdates and processRewardsAndPenalties.)
 */
export function processInactivityUpdatesAndRewardsAndPenalties(
  cs: CachedBeaconState,
  cache: EpochTransitionCache,
): void {
  // process_inactivity_updates and process_rewards_and_penalties both skip the genesis epoch
  rewardsAndPenalties(cs, cache, true);
}

function rewardsAndPenalties(cs: CachedBeaconState, cache: EpochTransitionCache, updateScores: boolean): void {
  const state = cs.state;
  // No rewards are applied at the end of `GENESIS_EPOCH` because rewards are for work done in the previous epoch
  if (getCurrentEpoch(state) === GENESIS_EPOCH) return;
  const balances = readUint64List(state.balances, balancesScratch);
  balancesScratch = balances;

  const changed =
    cs.fork === ForkSeq.phase0
      ? applyDeltasPhase0(cs, cache, balances)
      : applyDeltasAltair(cs, cache, balances, updateScores);
  if (changed) state.balances = uint64ListFromValues(state.balances, balances);
  cache.balances = balances;
  cache.balancesChunks = uint64ListChunks(state.balances);
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

/** Reward/penalty tables are indexed by effective balance increments up to this (MAX_EFFECTIVE_BALANCE_ELECTRA). */
const TABLE_MAX_INCREMENTS = 2048;
/** Validators per call of the rewards loop. */
const LOOP_CHUNK = 8192;

/**
 * altair+: get_flag_index_deltas for each flag (source, target, head, in the spec's order) then
 * get_inactivity_penalty_deltas, applied to `balances` in one pass. Same arithmetic as getFlagIndexDeltas and
 * getInactivityPenaltyDeltasAltair (which the rewards API and spec tests use). With `updateScores`, the pass first
 * applies process_inactivity_updates to each validator (see processInactivityUpdatesAndRewardsAndPenalties).
 */
function applyDeltasAltair(
  cs: CachedBeaconState,
  cache: EpochTransitionCache,
  balances: Float64Array,
  updateScores: boolean,
): boolean {
  const state = cs.state as BeaconStatePostAltair;
  const leak = isInInactivityLeak(state);
  const baseRewardPerIncrement = getBaseRewardPerIncrement(cache);
  const rewardDenominator = Number(cache.totalActiveBalance / INCREMENT) * WEIGHT_DENOMINATOR;
  const sourceIncrements = Number(cache.prevSourceBalance / INCREMENT);
  const targetIncrements = Number(cache.prevTargetBalance / INCREMENT);
  const headIncrements = Number(cache.prevHeadBalance / INCREMENT);
  const quotient =
    cs.fork >= ForkSeq.bellatrix ? INACTIVITY_PENALTY_QUOTIENT_BELLATRIX : INACTIVITY_PENALTY_QUOTIENT_ALTAIR;
  const inactivityDenominator = cs.config.INACTIVITY_SCORE_BIAS * quotient;
  // Each flag's reward and penalty depends on the validator only through its effective balance increments
  // (base_reward = increments * base_reward_per_increment): one table entry per increment value, computed once
  // with the same arithmetic, instead of three products and divisions per validator
  const t = new Float64Array(5 * (TABLE_MAX_INCREMENTS + 1));
  const sourceWeight = PARTICIPATION_FLAG_WEIGHTS[TIMELY_SOURCE_FLAG_INDEX];
  const targetWeight = PARTICIPATION_FLAG_WEIGHTS[TIMELY_TARGET_FLAG_INDEX];
  const headWeight = PARTICIPATION_FLAG_WEIGHTS[TIMELY_HEAD_FLAG_INDEX];
  for (let inc = 0; inc <= TABLE_MAX_INCREMENTS; inc++) {
    const baseReward = inc * baseRewardPerIncrement;
    const k = 5 * inc;
    t[k] = mulDiv(baseReward * sourceWeight, sourceIncrements, rewardDenominator);
    t[k + 1] = Math.floor((baseReward * sourceWeight) / WEIGHT_DENOMINATOR);
    t[k + 2] = mulDiv(baseReward * targetWeight, targetIncrements, rewardDenominator);
    t[k + 3] = Math.floor((baseReward * targetWeight) / WEIGHT_DENOMINATOR);
    t[k + 4] = mulDiv(baseReward * headWeight, headIncrements, rewardDenominator);
  }
  // process_inactivity_updates' scores: updated here (updateScores), else as that step left them in the cache,
  // else (a step run alone) read from the state
  let scores: Float64Array;
  if (!updateScores) {
    scores = cache.inactivityScores ?? readUint64List(state.inactivityScores);
  } else {
    // the scores change only in process_inactivity_updates (and by appended zeros): re-read only the chunks that
    // differ from the list this pass read or wrote last time (usually none), not the whole list
    const known = lastScoresChunks;
    lastScoresChunks = null; // the pair is inconsistent until both are set again below
    scores =
      known !== null
        ? readUint64ListSince(state.inactivityScores, known, lastScores)
        : readUint64List(state.inactivityScores);
  }
  // [balances changed, scores changed]
  const changes = new Float64Array(2);
  const changedScores = updateScores ? new Uint32Array(cache.validatorCount) : new Uint32Array(0);
  // in chunks, as the registry loop of beforeProcessEpoch (optimized as a function, reused by every chunk)
  const n = cache.validatorCount;
  for (let from = 0; from < n; from += LOOP_CHUNK) {
    applyDeltasAltairLoop(
      from,
      Math.min(n, from + LOOP_CHUNK),
      cache.flags,
      cache.effectiveBalances,
      balances,
      scores,
      t,
      leak,
      updateScores,
      cs.config.INACTIVITY_SCORE_BIAS,
      cs.config.INACTIVITY_SCORE_RECOVERY_RATE,
      baseRewardPerIncrement,
      rewardDenominator,
      sourceIncrements,
      targetIncrements,
      headIncrements,
      inactivityDenominator,
      changedScores,
      changes,
    );
  }
  if (updateScores) {
    writeInactivityScores(state, scores, changedScores.subarray(0, changes[1]));
    cache.inactivityScores = scores;
    lastScores = scores;
    lastScoresChunks = uint64ListChunks(state.inactivityScores);
  }
  return changes[0] !== 0;
}

/**
 * The inactivity scores list after process_inactivity_updates changed `changed` of `scores`: few changes (the
 * usual case outside a leak) are set one by one, many rebuild the list in bulk.
 */
export function writeInactivityScores(
  state: BeaconStatePostAltair,
  scores: Float64Array,
  changed: ArrayLike<number>,
): void {
  if (changed.length > scores.length >>> 6) {
    state.inactivityScores = uint64ListFromValues(state.inactivityScores, scores);
  } else {
    for (let k = 0; k < changed.length; k++) state.inactivityScores.set(changed[k], scores[changed[k]]);
  }
}

/** The loop of applyDeltasAltair: typed arrays and numbers only (stays optimized for a million iterations). */
function applyDeltasAltairLoop(
  from: number,
  to: number,
  flags: Uint8Array,
  effectiveBalances: Float64Array,
  balances: Float64Array,
  scores: Float64Array,
  t: Float64Array,
  leak: boolean,
  updateScores: boolean,
  bias: number,
  recoveryRate: number,
  baseRewardPerIncrement: number,
  rewardDenominator: number,
  sourceIncrements: number,
  targetIncrements: number,
  headIncrements: number,
  inactivityDenominator: number,
  changedScores: Uint32Array,
  changes: Float64Array,
): void {
  const sourceWeight = PARTICIPATION_FLAG_WEIGHTS[TIMELY_SOURCE_FLAG_INDEX];
  const targetWeight = PARTICIPATION_FLAG_WEIGHTS[TIMELY_TARGET_FLAG_INDEX];
  const headWeight = PARTICIPATION_FLAG_WEIGHTS[TIMELY_HEAD_FLAG_INDEX];
  // the counts so far (earlier chunks)
  let balancesChanged = changes[0];
  let scoresChanged = changes[1];
  for (let i = from; i < to; i++) {
    const f = flags[i];
    if ((f & FLAG_ELIGIBLE) === 0) continue;
    const target = (f & FLAG_PREV_TARGET) !== 0;
    let score = scores[i];
    // process_inactivity_updates
    if (updateScores) {
      const scoreBefore = score;
      // Increase the inactivity score of inactive validators
      if (target) score -= Math.min(1, score);
      else score += bias;
      // Decrease the inactivity score of all eligible validators during a leak-free epoch
      if (!leak) score -= Math.min(recoveryRate, score);
      changedScores[scoresChanged] = i;
      if (score !== scoreBefore) {
        scores[i] = score;
        scoresChanged++;
      }
    }
    const effectiveBalance = effectiveBalances[i];
    const inc = Math.floor(effectiveBalance / EFFECTIVE_BALANCE_INCREMENT);
    const before = balances[i];
    let balance = before;
    let penalty: number;
    if (inc <= TABLE_MAX_INCREMENTS) {
      const k = 5 * inc;
      // get_flag_index_deltas(TIMELY_SOURCE_FLAG_INDEX)
      if ((f & FLAG_PREV_SOURCE) !== 0) {
        if (!leak) balance += t[k];
      } else {
        penalty = t[k + 1];
        balance = penalty > balance ? 0 : balance - penalty;
      }
      // get_flag_index_deltas(TIMELY_TARGET_FLAG_INDEX)
      if (target) {
        if (!leak) balance += t[k + 2];
      } else {
        penalty = t[k + 3];
        balance = penalty > balance ? 0 : balance - penalty;
      }
      // get_flag_index_deltas(TIMELY_HEAD_FLAG_INDEX): no penalty for a missed head
      if ((f & FLAG_PREV_HEAD) !== 0 && !leak) balance += t[k + 4];
    } else {
      // beyond the tables (an effective balance above MAX_EFFECTIVE_BALANCE_ELECTRA: test states only)
      const baseReward = inc * baseRewardPerIncrement;
      if ((f & FLAG_PREV_SOURCE) !== 0) {
        if (!leak) balance += mulDiv(baseReward * sourceWeight, sourceIncrements, rewardDenominator);
      } else {
        penalty = Math.floor((baseReward * sourceWeight) / WEIGHT_DENOMINATOR);
        balance = penalty > balance ? 0 : balance - penalty;
      }
      if (target) {
        if (!leak) balance += mulDiv(baseReward * targetWeight, targetIncrements, rewardDenominator);
      } else {
        penalty = Math.floor((baseReward * targetWeight) / WEIGHT_DENOMINATOR);
        balance = penalty > balance ? 0 : balance - penalty;
      }
      if ((f & FLAG_PREV_HEAD) !== 0 && !leak) {
        balance += mulDiv(baseReward * headWeight, headIncrements, rewardDenominator);
      }
    }
    // get_inactivity_penalty_deltas
    if (!target) {
      penalty = mulDiv(effectiveBalance, score, inactivityDenominator);
      balance = penalty > balance ? 0 : balance - penalty;
    }
    if (balance !== before) {
      balances[i] = balance;
      balancesChanged++;
    }
  }
  changes[0] = balancesChanged;
  changes[1] = scoresChanged;
}
