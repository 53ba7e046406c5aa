import {
  EFFECTIVE_BALANCE_INCREMENT,
  ForkSeq,
  MAX_EFFECTIVE_BALANCE,
  MIN_ACTIVATION_BALANCE,
  MIN_SEED_LOOKAHEAD,
  TIMELY_HEAD_FLAG_INDEX,
  TIMELY_SOURCE_FLAG_INDEX,
  TIMELY_TARGET_FLAG_INDEX,
} from "@ceibo/params";
import {bytesEqual} from "@ceibo/utils";
import type {Node} from "@chainsafe/persistent-merkle-tree";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {assertViewEpoch, EPOCH_SATURATED, VF_COMPOUNDING, VF_SLASHED} from "../cache/validatorFields.ts";
import type {BeaconStatePhase0, BeaconStatePostAltair} from "../types.ts";
import {getCurrentEpoch, getPreviousEpoch} from "../util/epoch.ts";
import {readUint8List} from "./uint64List.ts";
import {getBlockRoot, getBlockRootAtSlot} from "./util.ts";

/**
 * Per-validator status bits of the epoch transition cache. The participation bits already include the spec's
 * filters: active in that epoch and not slashed (get_unslashed_participating_indices /
 * get_unslashed_attesting_indices).
 */
export const FLAG_PREV_SOURCE = 1 << 0;
export const FLAG_PREV_TARGET = 1 << 1;
export const FLAG_PREV_HEAD = 1 << 2;
export const FLAG_CURR_TARGET = 1 << 3;
/** get_eligible_validator_indices: active in the previous epoch, or slashed and not yet withdrawable */
export const FLAG_ELIGIBLE = 1 << 4;
export const FLAG_ACTIVE_CURR = 1 << 5;
export const FLAG_SLASHED = 1 << 6;
/** electra has_compounding_withdrawal_credential */
export const FLAG_COMPOUNDING = 1 << 7;

/** The participation bit of the previous epoch for each altair flag index. */
export const PREV_FLAG_BY_INDEX = [FLAG_PREV_SOURCE, FLAG_PREV_TARGET, FLAG_PREV_HEAD] as const;

/**
 * What the epoch transition reads about every validator, gathered in ONE pass over the registry (and, for phase0,
 * one pass over the pending attestations) before the first step, so that no step re-scans the registry.
 *
 * Valid for the whole of process_epoch because the steps that run before a reader never change what it reads
 * (rewards and penalties change balances only; registry updates only move activation/exit epochs to
 * compute_activation_exit_epoch(current) or later; validators appended by pending deposits are read from the state).
 * The finalized checkpoint is NOT cached: justification and finalization changes it, and later steps
 * (inactivity leak, activation eligibility) read the updated one from the state.
 */
export interface EpochTransitionCache {
  fork: number;
  currentEpoch: number;
  previousEpoch: number;
  /** Registry size when the cache was built. */
  validatorCount: number;
  /** FLAG_* bits per validator */
  flags: Uint8Array;
  /**
   * effective_balance (Gwei) per validator as of the start of process_epoch; process_effective_balance_updates
   * writes the new values (and those of appended validators) into it.
   */
  effectiveBalances: Float64Array;
  /** len(get_active_validator_indices(state, current_epoch)) */
  activeValidatorCount: number;
  /** get_total_active_balance (Gwei, >= EFFECTIVE_BALANCE_INCREMENT) */
  totalActiveBalance: bigint;
  /** get_total_balance of the unslashed participants (Gwei, >= EFFECTIVE_BALANCE_INCREMENT). */
  prevSourceBalance: bigint;
  prevTargetBalance: bigint;
  prevHeadBalance: bigint;
  currTargetBalance: bigint;
  /** phase0: smallest inclusion delay of a matching source attestation per attester (Infinity = none), and its proposer. */
  inclusionDelays: Float64Array;
  inclusionProposers: Uint32Array;
  /**
   * phase0: the spec's get_block_root(_at_slot) assertions that failed while matching attestations; the result they
   * guard is unknown, and a step that needs it throws this error (as the spec would).
   */
  prevTargetError: Error | null;
  prevHeadError: Error | null;
  currTargetError: Error | null;
  /**
   * Indices (ascending) process_registry_updates may touch: eligible for the activation queue, ejectable, or not
   * activated yet (activation_epoch == FAR_FUTURE_EPOCH).
   */
  registryCandidates: number[];
  /** Indices of slashed validators (process_slashings candidates). */
  slashedIndices: number[];
  /**
   * Active indices (ascending) at current_epoch + MIN_SEED_LOOKAHEAD + 1 (fulu process_proposer_lookahead; the
   * next shuffling of the epoch-cache rotation).
   */
  lookaheadActiveIndices: Uint32Array;
  /** phase0 get_base_reward per validator, computed on first use (see getBaseRewardsPhase0). */
  baseRewardsPhase0: Float64Array | null;
  /** altair+: the inactivity scores after process_inactivity_updates (null until it ran). */
  inactivityScores: Float64Array | null;
  /**
   * The balances as process_rewards_and_penalties left them, with the chunks subtree of the list they were
   * read from or written to (null until it ran): process_effective_balance_updates re-reads only the chunks
   * changed since (slashings, pending deposits and consolidations touch a few), not the whole list.
   */
  balances: Float64Array | null;
  balancesChunks: Node | null;
  /**
   * effective_balance / EFFECTIVE_BALANCE_INCREMENT per validator after process_effective_balance_updates, when
   * every effective balance is a whole number of increments (always on a real chain), else null; set by that
   * step, read by process_proposer_lookahead (the native proposer sampling takes increments).
   */
  effectiveBalanceIncrements: Uint16Array | null;
}

const INCREMENT = BigInt(EFFECTIVE_BALANCE_INCREMENT);
const MIN_TOTAL = INCREMENT;
const EMPTY_BYTES = new Uint8Array(0);
/** Validators per call of the registry loop (see beforeProcessEpoch). */
const SCAN_CHUNK = 8192;
const SOURCE_BIT = 1 << TIMELY_SOURCE_FLAG_INDEX;
const TARGET_BIT = 1 << TIMELY_TARGET_FLAG_INDEX;
const HEAD_BIT = 1 << TIMELY_HEAD_FLAG_INDEX;

/**
 * An exact sum of Gwei amounts over a whole registry (which can exceed 2**53): whole increments and remainders
 * are summed separately as numbers.
 */
export class GweiSum {
  private increments = 0;
  private remainder = 0;

  add(gwei: number): void {
    const inc = Math.floor(gwei / EFFECTIVE_BALANCE_INCREMENT);
    this.increments += inc;
    this.remainder += gwei - inc * EFFECTIVE_BALANCE_INCREMENT;
  }

  /** The sum in Gwei. */
  sum(): bigint {
    return BigInt(this.increments) * INCREMENT + BigInt(this.remainder);
  }

  /** phase0 get_total_balance: the sum with a minimum of EFFECTIVE_BALANCE_INCREMENT. */
  totalBalance(): bigint {
    const s = this.sum();
    return s < MIN_TOTAL ? MIN_TOTAL : s;
  }
}

/** Builds the epoch transition cache of `cs` (state at the last slot of the epoch being finished). */
export function beforeProcessEpoch(cs: CachedBeaconState): EpochTransitionCache {
  const {state, fork, config} = cs;
  const currentEpoch = getCurrentEpoch(state);
  const previousEpoch = getPreviousEpoch(state);
  const lookaheadEpoch = currentEpoch + MIN_SEED_LOOKAHEAD + 1;
  const electra = fork >= ForkSeq.electra;
  const ejectionBalance = config.EJECTION_BALANCE;

  // the registry as flat arrays, brought up to date from the tree (re-reads only validators changed since)
  const view = cs.validatorFields;
  assertViewEpoch(lookaheadEpoch); // the largest epoch compared with the view's epochs below
  view.sync(state.validators);
  const n = view.length;
  const {activationEligibilityEpoch, activationEpoch, exitEpoch, withdrawableEpoch, bits} = view;
  const flags = new Uint8Array(n);
  const effectiveBalances = view.readEffectiveBalances();
  // altair+: ParticipationFlags are one byte each, so the serialized lists are the flags (read in bulk, no
  // per-item calls) and are scanned in the same pass as the registry; phase0 matches pending attestations after
  const altair = fork >= ForkSeq.altair;
  let current: Uint8Array = EMPTY_BYTES;
  let previous: Uint8Array = EMPTY_BYTES;
  if (altair) {
    const s = state as BeaconStatePostAltair;
    current = readUint8List(s.currentEpochParticipation);
    // get_unslashed_participating_indices: in the genesis epoch the previous epoch IS the current epoch
    previous = previousEpoch === currentEpoch ? current : readUint8List(s.previousEpochParticipation);
  }
  const candidates = new Uint32Array(n);
  const slashed = new Uint32Array(n);
  const lookahead = new Uint32Array(n);
  // [activeValidatorCount, active increments, active remainder, candidates, slashed, lookahead, then
  // increments and remainder of: prev source, prev target, prev head, curr target]
  const counts = new Float64Array(14);
  // in chunks: the loop function becomes hot as a function and is optimized as one (not only by on-stack
  // replacement mid-loop, which is redone every epoch), and its optimized code is reused by every later chunk
  for (let from = 0; from < n; from += SCAN_CHUNK) {
    scanRegistry(
      from,
      Math.min(n, from + SCAN_CHUNK),
      effectiveBalances,
      activationEligibilityEpoch,
      activationEpoch,
      exitEpoch,
      withdrawableEpoch,
      bits,
      previousEpoch,
      currentEpoch,
      lookaheadEpoch,
      electra,
      ejectionBalance,
      flags,
      candidates,
      slashed,
      lookahead,
      altair,
      previous,
      current,
      counts,
    );
  }
  const activeValidatorCount = counts[0];
  const registryCandidates = Array.from(candidates.subarray(0, counts[3]));
  const slashedIndices = Array.from(slashed.subarray(0, counts[4]));
  const lookaheadCount = counts[5];

  const cache: EpochTransitionCache = {
    fork,
    currentEpoch,
    previousEpoch,
    validatorCount: n,
    flags,
    effectiveBalances,
    activeValidatorCount,
    totalActiveBalance: totalBalanceOf(counts[1], counts[2]),
    prevSourceBalance: totalBalanceOf(counts[6], counts[7]),
    prevTargetBalance: totalBalanceOf(counts[8], counts[9]),
    prevHeadBalance: totalBalanceOf(counts[10], counts[11]),
    currTargetBalance: totalBalanceOf(counts[12], counts[13]),
    inclusionDelays: new Float64Array(0),
    inclusionProposers: new Uint32Array(0),
    prevTargetError: null,
    prevHeadError: null,
    currTargetError: null,
    registryCandidates,
    slashedIndices,
    lookaheadActiveIndices: lookahead.subarray(0, lookaheadCount),
    baseRewardsPhase0: null,
    inactivityScores: null,
    balances: null,
    balancesChunks: null,
    effectiveBalanceIncrements: null,
  };

  if (!altair) collectPendingAttestations(cs, cache);
  return cache;
}

/** phase0 get_total_balance of a sum kept as whole increments plus remainders (Gwei, at least one increment). */
function totalBalanceOf(increments: number, remainder: number): bigint {
  const sum = BigInt(increments) * INCREMENT + BigInt(remainder);
  return sum < MIN_TOTAL ? MIN_TOTAL : sum;
}

/**
 * The registry pass of beforeProcessEpoch over the ValidatorFields arrays and (altair+) both participation lists:
 * typed arrays and numbers only (no property access or allocation in the loop, so that it stays optimized for a
 * million iterations). One pass instead of a registry pass and a participation pass: each of a million-entry
 * loop runs cold once per epoch, so fewer loops is less time before the optimized code takes over.
 */
function scanRegistry(
  from: number,
  to: number,
  effectiveBalances: Float64Array,
  activationEligibilityEpoch: Uint32Array,
  activationEpoch: Uint32Array,
  exitEpoch: Uint32Array,
  withdrawableEpoch: Uint32Array,
  bits: Uint8Array,
  previousEpoch: number,
  currentEpoch: number,
  lookaheadEpoch: number,
  electra: boolean,
  ejectionBalance: number,
  flags: Uint8Array,
  candidates: Uint32Array,
  slashedOut: Uint32Array,
  lookahead: Uint32Array,
  altair: boolean,
  previous: Uint8Array,
  current: Uint8Array,
  counts: Float64Array,
): void {
  // the counts so far (earlier chunks)
  let activeValidatorCount = counts[0];
  let activeIncrements = counts[1];
  let activeRemainder = counts[2];
  let candidateCount = counts[3];
  let slashedCount = counts[4];
  let lookaheadCount = counts[5];
  let sourceInc = counts[6];
  let sourceRem = counts[7];
  let targetInc = counts[8];
  let targetRem = counts[9];
  let headInc = counts[10];
  let headRem = counts[11];
  let currInc = counts[12];
  let currRem = counts[13];
  for (let i = from; i < to; i++) {
    const eb = effectiveBalances[i];
    const activation = activationEpoch[i];
    const exit = exitEpoch[i];
    const b = bits[i];
    const slashed = (b & VF_SLASHED) !== 0;
    // read unconditionally: a load first reached late in the loop would deoptimize it
    const withdrawable = withdrawableEpoch[i];
    const eligibilityEpoch = activationEligibilityEpoch[i];
    const p = altair ? previous[i] : 0;
    const c = altair ? current[i] : 0;
    const inc = Math.floor(eb / EFFECTIVE_BALANCE_INCREMENT);
    const rem = eb - inc * EFFECTIVE_BALANCE_INCREMENT;
    let f = 0;
    const activePrev = activation <= previousEpoch && previousEpoch < exit;
    const activeCurr = activation <= currentEpoch && currentEpoch < exit;
    if (activeCurr) {
      f |= FLAG_ACTIVE_CURR;
      activeIncrements += inc;
      activeRemainder += rem;
      activeValidatorCount++;
    }
    // the index stores are unconditional (the count moves only when it belongs): a store first reached late in
    // the loop would deoptimize it
    slashedOut[slashedCount] = i;
    if (slashed) {
      f |= FLAG_SLASHED;
      slashedCount++;
    } else {
      // get_unslashed_participating_indices of the previous (source, target, head) and current (target) epoch
      if (activePrev) {
        if ((p & SOURCE_BIT) !== 0) {
          f |= FLAG_PREV_SOURCE;
          sourceInc += inc;
          sourceRem += rem;
        }
        if ((p & TARGET_BIT) !== 0) {
          f |= FLAG_PREV_TARGET;
          targetInc += inc;
          targetRem += rem;
        }
        if ((p & HEAD_BIT) !== 0) {
          f |= FLAG_PREV_HEAD;
          headInc += inc;
          headRem += rem;
        }
      }
      if (activeCurr && (c & TARGET_BIT) !== 0) {
        f |= FLAG_CURR_TARGET;
        currInc += inc;
        currRem += rem;
      }
    }
    if (activePrev || (slashed && previousEpoch + 1 < withdrawable)) f |= FLAG_ELIGIBLE;
    if (electra && (b & VF_COMPOUNDING) !== 0) f |= FLAG_COMPOUNDING;
    flags[i] = f;

    // EPOCH_SATURATED: FAR_FUTURE_EPOCH or a finite epoch >= 2**32 - 1, a superset of the spec's test (the
    // candidates are re-checked against the validator's own fields by process_registry_updates)
    const queueEligible =
      eligibilityEpoch === EPOCH_SATURATED && (electra ? eb >= MIN_ACTIVATION_BALANCE : eb === MAX_EFFECTIVE_BALANCE);
    const ejectable = activeCurr && eb <= ejectionBalance;
    candidates[candidateCount] = i;
    if (queueEligible || ejectable || activation === EPOCH_SATURATED) candidateCount++;

    lookahead[lookaheadCount] = i;
    if (activation <= lookaheadEpoch && lookaheadEpoch < exit) lookaheadCount++;
  }
  counts[0] = activeValidatorCount;
  counts[1] = activeIncrements;
  counts[2] = activeRemainder;
  counts[3] = candidateCount;
  counts[4] = slashedCount;
  counts[5] = lookaheadCount;
  counts[6] = sourceInc;
  counts[7] = sourceRem;
  counts[8] = targetInc;
  counts[9] = targetRem;
  counts[10] = headInc;
  counts[11] = headRem;
  counts[12] = currInc;
  counts[13] = currRem;
}

/** What process_justification_and_finalization reads from the epoch transition cache. */
export type JustificationBalances = Pick<
  EpochTransitionCache,
  "totalActiveBalance" | "prevTargetBalance" | "currTargetBalance" | "prevTargetError" | "currTargetError"
>;

/**
 * The balances process_justification_and_finalization weighs, without the rest of the epoch transition cache:
 * altair+ one pass over the registry view and the two participation lists that only sums (no per-validator
 * arrays allocated), for a caller that runs that step alone on every block (compute_pulled_up_tip); phase0 builds
 * the whole cache (its target balances come from matching the pending attestations).
 */
export function getJustificationBalances(cs: CachedBeaconState): JustificationBalances {
  if (cs.fork === ForkSeq.phase0) return beforeProcessEpoch(cs);
  const state = cs.state as BeaconStatePostAltair;
  const currentEpoch = getCurrentEpoch(state);
  const previousEpoch = getPreviousEpoch(state);
  const view = cs.validatorFields;
  assertViewEpoch(currentEpoch);
  view.sync(state.validators);
  const current = readUint8List(state.currentEpochParticipation);
  const previous = previousEpoch === currentEpoch ? current : readUint8List(state.previousEpochParticipation);
  // [active, prev target, curr target] as increments and remainders
  const sums = new Float64Array(6);
  sumJustificationBalances(
    view.length,
    view.effectiveBalanceIncrements,
    // exact Gwei only for a view with effective balances that are not whole increments (hand-made states)
    view.effectiveBalanceExceptions.size > 0 ? view.readEffectiveBalances() : null,
    view.activationEpoch,
    view.exitEpoch,
    view.bits,
    previous,
    current,
    previousEpoch,
    currentEpoch,
    sums,
  );
  return {
    totalActiveBalance: totalBalanceOf(sums[0], sums[1]),
    prevTargetBalance: totalBalanceOf(sums[2], sums[3]),
    currTargetBalance: totalBalanceOf(sums[4], sums[5]),
    prevTargetError: null,
    currTargetError: null,
  };
}

/** The loop of getJustificationBalances: the same filters as scanRegistry, sums only. */
function sumJustificationBalances(
  n: number,
  increments: Uint16Array,
  exactEffectiveBalances: Float64Array | null,
  activationEpoch: Uint32Array,
  exitEpoch: Uint32Array,
  bits: Uint8Array,
  previous: Uint8Array,
  current: Uint8Array,
  previousEpoch: number,
  currentEpoch: number,
  sums: Float64Array,
): void {
  let activeInc = 0;
  let activeRem = 0;
  let prevInc = 0;
  let prevRem = 0;
  let currInc = 0;
  let currRem = 0;
  for (let i = 0; i < n; i++) {
    const eb =
      exactEffectiveBalances !== null ? exactEffectiveBalances[i] : increments[i] * EFFECTIVE_BALANCE_INCREMENT;
    const activation = activationEpoch[i];
    const exit = exitEpoch[i];
    const unslashed = (bits[i] & VF_SLASHED) === 0;
    const p = previous[i];
    const c = current[i];
    const inc = Math.floor(eb / EFFECTIVE_BALANCE_INCREMENT);
    const rem = eb - inc * EFFECTIVE_BALANCE_INCREMENT;
    const activeCurr = activation <= currentEpoch && currentEpoch < exit;
    if (activeCurr) {
      activeInc += inc;
      activeRem += rem;
      if (unslashed && (c & TARGET_BIT) !== 0) {
        currInc += inc;
        currRem += rem;
      }
    }
    if (unslashed && (p & TARGET_BIT) !== 0 && activation <= previousEpoch && previousEpoch < exit) {
      prevInc += inc;
      prevRem += rem;
    }
  }
  sums[0] = activeInc;
  sums[1] = activeRem;
  sums[2] = prevInc;
  sums[3] = prevRem;
  sums[4] = currInc;
  sums[5] = currRem;
}

/** Runs `fn`, returning its result or the error it throws. */
function attempt<T>(fn: () => T): {value: T; error: null} | {value: null; error: Error} {
  try {
    return {value: fn(), error: null};
  } catch (e) {
    return {value: null, error: e instanceof Error ? e : Error(String(e))};
  }
}

/**
 * phase0: the matching source/target/head attesters of the previous epoch (with the smallest inclusion delay and
 * its proposer per attester) and the matching target attesters of the current epoch, from the pending attestations
 * and the epoch cache's committees.
 */
function collectPendingAttestations(cs: CachedBeaconState, cache: EpochTransitionCache): void {
  const state = cs.state as BeaconStatePhase0;
  const n = cache.validatorCount;
  const {flags, effectiveBalances, previousEpoch, currentEpoch} = cache;
  const inclusionDelays = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const inclusionProposers = new Uint32Array(n);

  // get_matching_source_attestations: in the genesis epoch the previous epoch IS the current epoch
  state.previousEpochAttestations.commit();
  state.currentEpochAttestations.commit();
  const sourceAttestations = (
    previousEpoch === currentEpoch ? state.currentEpochAttestations : state.previousEpochAttestations
  ).getAllReadonlyValues();
  const currentAttestations = state.currentEpochAttestations.getAllReadonlyValues();
  // get_matching_target_attestations evaluates get_block_root (and its assertion) only for a non-empty list
  let prevTargetRoot: Uint8Array | null = null;
  if (sourceAttestations.length > 0) {
    const r = attempt(() => getBlockRoot(state, previousEpoch));
    prevTargetRoot = r.value;
    cache.prevTargetError = r.error;
  }
  let currTargetRoot: Uint8Array | null = null;
  if (currentAttestations.length > 0) {
    const r = attempt(() => getBlockRoot(state, currentEpoch));
    currTargetRoot = r.value;
    cache.currTargetError = r.error;
  }

  const attesting = new Uint8Array(n);
  for (const att of sourceAttestations) {
    const committee = cs.epochCtx.getBeaconCommittee(att.data.slot, att.data.index);
    const isTarget = prevTargetRoot !== null && bytesEqual(att.data.target.root, prevTargetRoot);
    let isHead = false;
    if (isTarget && cache.prevHeadError === null) {
      const r = attempt(() => getBlockRootAtSlot(state, att.data.slot));
      if (r.error !== null) cache.prevHeadError = r.error;
      else isHead = bytesEqual(att.data.beaconBlockRoot, r.value);
    }
    const bits = FLAG_PREV_SOURCE | (isTarget ? FLAG_PREV_TARGET : 0) | (isHead ? FLAG_PREV_HEAD : 0);
    const delay = att.inclusionDelay;
    for (let k = 0; k < committee.length; k++) {
      if (!att.aggregationBits.get(k)) continue;
      const index = committee[k];
      attesting[index] |= bits;
      // min(..., key=inclusion_delay) keeps the first attestation among equal delays
      if (delay < inclusionDelays[index]) {
        inclusionDelays[index] = delay;
        inclusionProposers[index] = att.proposerIndex;
      }
    }
  }
  if (currTargetRoot !== null) {
    for (const att of currentAttestations) {
      if (!bytesEqual(att.data.target.root, currTargetRoot)) continue;
      const committee = cs.epochCtx.getBeaconCommittee(att.data.slot, att.data.index);
      for (let k = 0; k < committee.length; k++) {
        if (att.aggregationBits.get(k)) attesting[committee[k]] |= FLAG_CURR_TARGET;
      }
    }
  }

  const prevSource = new GweiSum();
  const prevTarget = new GweiSum();
  const prevHead = new GweiSum();
  const currTarget = new GweiSum();
  for (let i = 0; i < n; i++) {
    const a = attesting[i];
    if (a === 0 || (flags[i] & FLAG_SLASHED) !== 0) continue;
    flags[i] |= a;
    const effectiveBalance = effectiveBalances[i];
    if (a & FLAG_PREV_SOURCE) prevSource.add(effectiveBalance);
    if (a & FLAG_PREV_TARGET) prevTarget.add(effectiveBalance);
    if (a & FLAG_PREV_HEAD) prevHead.add(effectiveBalance);
    if (a & FLAG_CURR_TARGET) currTarget.add(effectiveBalance);
  }
  cache.prevSourceBalance = prevSource.totalBalance();
  cache.prevTargetBalance = prevTarget.totalBalance();
  cache.prevHeadBalance = prevHead.totalBalance();
  cache.currTargetBalance = currTarget.totalBalance();
  cache.inclusionDelays = inclusionDelays;
  cache.inclusionProposers = inclusionProposers;
}
