import {
  EFFECTIVE_BALANCE_INCREMENT,
  ForkSeq,
  HYSTERESIS_DOWNWARD_MULTIPLIER,
  HYSTERESIS_QUOTIENT,
  HYSTERESIS_UPWARD_MULTIPLIER,
  MAX_EFFECTIVE_BALANCE,
  MAX_EFFECTIVE_BALANCE_ELECTRA,
  MIN_ACTIVATION_BALANCE,
} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {hasCompoundingWithdrawalCredential} from "../util/validator.ts";
import {beforeProcessEpoch, type EpochTransitionCache, FLAG_COMPOUNDING} from "./epochTransitionCache.ts";
import {readUint64List, readUint64ListSince} from "./uint64List.ts";

const HYSTERESIS_INCREMENT = Math.floor(EFFECTIVE_BALANCE_INCREMENT / HYSTERESIS_QUOTIENT);
const DOWNWARD_THRESHOLD = HYSTERESIS_INCREMENT * HYSTERESIS_DOWNWARD_MULTIPLIER;
const UPWARD_THRESHOLD = HYSTERESIS_INCREMENT * HYSTERESIS_UPWARD_MULTIPLIER;

/**
 * phase0 / electra process_effective_balance_updates (electra: the max effective balance depends on the withdrawal
 * credential). Writes each new effective balance to the state, the epoch cache and the epoch transition cache.
 * Validators appended by process_pending_deposits (beyond the cache) are read from the state.
 * Spec: `process_effective_balance_updates` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#modified-process_effective_balance_updates (phase0; modified in electra)
 */
export function processEffectiveBalanceUpdates(
  cs: CachedBeaconState,
  cache: EpochTransitionCache = beforeProcessEpoch(cs),
): void {
  const {state, fork} = cs;
  const electra = fork >= ForkSeq.electra;
  // the balances rewards and penalties left, brought up to date by reading only the chunks changed since
  const balances =
    cache.balances !== null && cache.balancesChunks !== null
      ? readUint64ListSince(state.balances, cache.balancesChunks, cache.balances)
      : readUint64List(state.balances);
  const n = balances.length;
  // every new effective balance in increments, for process_proposer_lookahead (see the cache's field)
  const increments = new Uint16Array(n);
  let wholeIncrements = true;
  if (cache.effectiveBalances.length < n) {
    const grown = new Float64Array(n);
    grown.set(cache.effectiveBalances);
    cache.effectiveBalances = grown;
  }
  const effectiveBalances = cache.effectiveBalances;
  for (let i = 0; i < n; i++) {
    let effectiveBalance: number;
    let compounding: boolean;
    if (i < cache.validatorCount) {
      effectiveBalance = effectiveBalances[i];
      compounding = (cache.flags[i] & FLAG_COMPOUNDING) !== 0;
    } else {
      const v = state.validators.getReadonly(i);
      effectiveBalance = v.effectiveBalance;
      compounding = hasCompoundingWithdrawalCredential(v.withdrawalCredentials);
      effectiveBalances[i] = effectiveBalance;
    }
    const balance = balances[i];
    if (balance + DOWNWARD_THRESHOLD < effectiveBalance || effectiveBalance + UPWARD_THRESHOLD < balance) {
      const maxEffectiveBalance = electra
        ? compounding
          ? MAX_EFFECTIVE_BALANCE_ELECTRA
          : MIN_ACTIVATION_BALANCE
        : MAX_EFFECTIVE_BALANCE;
      const newEffectiveBalance = Math.min(balance - (balance % EFFECTIVE_BALANCE_INCREMENT), maxEffectiveBalance);
      state.validators.get(i).effectiveBalance = newEffectiveBalance;
      effectiveBalances[i] = newEffectiveBalance;
      cs.epochCtx.setEffectiveBalanceIncrement(i, newEffectiveBalance);
      effectiveBalance = newEffectiveBalance;
    }
    const inc = effectiveBalance / EFFECTIVE_BALANCE_INCREMENT;
    increments[i] = inc;
    if (increments[i] !== inc) wholeIncrements = false;
  }
  cache.effectiveBalanceIncrements = wholeIncrements ? increments : null;
}
