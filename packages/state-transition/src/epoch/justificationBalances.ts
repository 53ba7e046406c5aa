/**
 * The three balances process_justification_and_finalization weighs (get_total_active_balance and the unslashed
 * TIMELY_TARGET participants' balance of the previous and the current epoch), without the rest of the epoch
 * transition cache. Fork choice's compute_pulled_up_tip runs justification and finalization on every imported
 * block: the whole `beforeProcessEpoch` there (a registry pass filling six arrays of N) cost ~200 ms per block at
 * 1M validators; this is one allocation-free pass over the typed-array validator view and the two participation
 * lists read in bulk.
 */
import {EFFECTIVE_BALANCE_INCREMENT, ForkSeq, TIMELY_TARGET_FLAG_INDEX} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {VF_SLASHED} from "../cache/validatorFields.ts";
import type {BeaconStatePostAltair} from "../types.ts";
import {getCurrentEpoch, getPreviousEpoch} from "../util/epoch.ts";
import {beforeProcessEpoch, type EpochTransitionCache} from "./epochTransitionCache.ts";

/** What process_justification_and_finalization reads from the epoch transition cache. */
export type JustificationBalances = Pick<
  EpochTransitionCache,
  "totalActiveBalance" | "prevTargetBalance" | "currTargetBalance" | "prevTargetError" | "currTargetError"
>;

const INCREMENT = BigInt(EFFECTIVE_BALANCE_INCREMENT);

/**
 * The balances of process_justification_and_finalization for `cs` as it is now (not only at an epoch's last slot).
 * phase0 (pending attestations) goes through the full epoch transition cache.
 */
export function getJustificationBalances(cs: CachedBeaconState): JustificationBalances {
  if (cs.fork < ForkSeq.altair) return beforeProcessEpoch(cs);
  const state = cs.state as BeaconStatePostAltair;
  const currentEpoch = getCurrentEpoch(state);
  const previousEpoch = getPreviousEpoch(state);
  const view = cs.validatorFields;
  // re-reads only the validators changed since the view's last sync (a few per block)
  view.sync(state.validators);
  // ParticipationFlags are one byte each: the serialized lists are the flags
  const current = state.currentEpochParticipation.serialize();
  // get_unslashed_participating_indices: in the genesis epoch the previous epoch IS the current epoch
  const previous = previousEpoch === currentEpoch ? current : state.previousEpochParticipation.serialize();
  const sums = new Float64Array(6);
  sumTargetBalances(
    view.length,
    view.effectiveBalance,
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
    totalActiveBalance: totalBalance(sums[0], sums[1]),
    prevTargetBalance: totalBalance(sums[2], sums[3]),
    currTargetBalance: totalBalance(sums[4], sums[5]),
    prevTargetError: null,
    currTargetError: null,
  };
}

/** phase0 get_total_balance of a sum kept as whole increments plus remainders (at least one increment). */
function totalBalance(increments: number, remainder: number): bigint {
  const sum = BigInt(increments) * INCREMENT + BigInt(remainder);
  return sum < INCREMENT ? INCREMENT : sum;
}

/** The loop: typed arrays and numbers only. sums = [active inc, rem, prev target inc, rem, curr target inc, rem]. */
function sumTargetBalances(
  n: number,
  effectiveBalance: Float64Array,
  activationEpoch: Float64Array,
  exitEpoch: Float64Array,
  bits: Uint8Array,
  previous: Uint8Array,
  current: Uint8Array,
  previousEpoch: number,
  currentEpoch: number,
  sums: Float64Array,
): void {
  const targetBit = 1 << TIMELY_TARGET_FLAG_INDEX;
  let activeInc = 0;
  let activeRem = 0;
  let prevInc = 0;
  let prevRem = 0;
  let currInc = 0;
  let currRem = 0;
  for (let i = 0; i < n; i++) {
    // every load unconditional: a load first reached late in a million iterations would deoptimize the loop
    const activation = activationEpoch[i];
    const exit = exitEpoch[i];
    const eb = effectiveBalance[i];
    const b = bits[i];
    const p = previous[i];
    const c = current[i];
    const activeCurr = activation <= currentEpoch && currentEpoch < exit;
    const activePrev = activation <= previousEpoch && previousEpoch < exit;
    if (!activeCurr && !activePrev) continue;
    const inc = Math.floor(eb / EFFECTIVE_BALANCE_INCREMENT);
    const rem = eb - inc * EFFECTIVE_BALANCE_INCREMENT;
    // get_total_active_balance counts slashed validators too
    if (activeCurr) {
      activeInc += inc;
      activeRem += rem;
    }
    if ((b & VF_SLASHED) !== 0) continue;
    if (activePrev && (p & targetBit) !== 0) {
      prevInc += inc;
      prevRem += rem;
    }
    if (activeCurr && (c & targetBit) !== 0) {
      currInc += inc;
      currRem += rem;
    }
  }
  sums[0] = activeInc;
  sums[1] = activeRem;
  sums[2] = prevInc;
  sums[3] = prevRem;
  sums[4] = currInc;
  sums[5] = currRem;
}

/**
 * The effective balance of every validator active at the state's current epoch and not slashed, 0 for the others
 * (fork choice's get_attestation_score weights on the justified checkpoint state), from the typed-array view:
 * no validator object is built (reading a 1M registry as values cost seconds per justified checkpoint).
 */
export function getActiveUnslashedEffectiveBalances(cs: CachedBeaconState): Float64Array {
  const view = cs.validatorFields;
  view.sync(cs.state.validators);
  const epoch = getCurrentEpoch(cs.state);
  const n = view.length;
  const balances = new Float64Array(n);
  const {effectiveBalance, activationEpoch, exitEpoch, bits} = view;
  for (let i = 0; i < n; i++) {
    const activation = activationEpoch[i];
    const exit = exitEpoch[i];
    const b = bits[i];
    const eb = effectiveBalance[i];
    if ((b & VF_SLASHED) === 0 && activation <= epoch && epoch < exit) balances[i] = eb;
  }
  return balances;
}
