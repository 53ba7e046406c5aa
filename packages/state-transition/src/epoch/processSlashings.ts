import {
  EFFECTIVE_BALANCE_INCREMENT,
  EPOCHS_PER_SLASHINGS_VECTOR,
  ForkSeq,
  PROPORTIONAL_SLASHING_MULTIPLIER,
  PROPORTIONAL_SLASHING_MULTIPLIER_ALTAIR,
  PROPORTIONAL_SLASHING_MULTIPLIER_BELLATRIX,
} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {decreaseBalance} from "../util/balance.ts";
import {getCurrentEpoch} from "../util/epoch.ts";
import {beforeProcessEpoch, type EpochTransitionCache} from "./epochTransitionCache.ts";

function proportionalSlashingMultiplier(fork: number): number {
  if (fork >= ForkSeq.bellatrix) return PROPORTIONAL_SLASHING_MULTIPLIER_BELLATRIX;
  if (fork >= ForkSeq.altair) return PROPORTIONAL_SLASHING_MULTIPLIER_ALTAIR;
  return PROPORTIONAL_SLASHING_MULTIPLIER;
}

/**
 * phase0 / altair / bellatrix / electra process_slashings. Only slashed validators can be penalized, so only
 * the cache's slashed indices are visited. Products of registry-wide totals are computed on bigint.
 * Spec: `process_slashings` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#modified-process_slashings (phase0; modified in altair, bellatrix, electra)
 */
export function processSlashings(cs: CachedBeaconState, cache: EpochTransitionCache = beforeProcessEpoch(cs)): void {
  const {state, fork} = cs;
  const epoch = getCurrentEpoch(state);
  const totalBalance = cache.totalActiveBalance;
  let slashingsSum = 0n;
  for (const s of state.slashings.getAll()) slashingsSum += BigInt(s);
  const scaled = slashingsSum * BigInt(proportionalSlashingMultiplier(fork));
  const adjustedTotalSlashingBalance = scaled < totalBalance ? scaled : totalBalance;
  const increment = BigInt(EFFECTIVE_BALANCE_INCREMENT);
  // electra: penalty per effective balance increment, computed once
  const penaltyPerIncrement = adjustedTotalSlashingBalance / (totalBalance / increment);
  const withdrawableEpoch = epoch + Math.floor(EPOCHS_PER_SLASHINGS_VECTOR / 2);
  for (const index of cache.slashedIndices) {
    const validator = state.validators.getReadonly(index);
    if (!validator.slashed || validator.withdrawableEpoch !== withdrawableEpoch) continue;
    const effectiveBalanceIncrements = BigInt(Math.floor(validator.effectiveBalance / EFFECTIVE_BALANCE_INCREMENT));
    let penalty: bigint;
    if (fork >= ForkSeq.electra) {
      penalty = penaltyPerIncrement * effectiveBalanceIncrements;
    } else {
      const penaltyNumerator = effectiveBalanceIncrements * adjustedTotalSlashingBalance;
      penalty = (penaltyNumerator / totalBalance) * increment;
    }
    decreaseBalance(state, index, Number(penalty));
  }
}
