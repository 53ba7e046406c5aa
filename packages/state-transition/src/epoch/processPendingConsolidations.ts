import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {EpochProcessingError} from "../errors.ts";
import type {BeaconStatePostElectra} from "../types.ts";
import {decreaseBalance, increaseBalance} from "../util/balance.ts";
import {getCurrentEpoch} from "../util/epoch.ts";

/**
 * electra process_pending_consolidations
 * Spec: `process_pending_consolidations` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#new-process_pending_consolidations
 */
export function processPendingConsolidations(cs: CachedBeaconState): void {
  const state = cs.state as BeaconStatePostElectra;
  const nextEpoch = getCurrentEpoch(state) + 1;
  let nextPendingConsolidation = 0;
  const count = state.pendingConsolidations.length;
  for (let i = 0; i < count; i++) {
    const {sourceIndex, targetIndex} = state.pendingConsolidations.getReadonly(i);
    if (sourceIndex >= state.validators.length || targetIndex >= state.validators.length) {
      throw new EpochProcessingError(
        {
          code: "PENDING_CONSOLIDATION_INDEX_OUT_OF_RANGE",
          position: i,
          validatorIndex: sourceIndex >= state.validators.length ? sourceIndex : targetIndex,
        },
        `pending consolidation ${i}: validator index out of range`,
      );
    }
    const sourceValidator = state.validators.getReadonly(sourceIndex);
    if (sourceValidator.slashed) {
      nextPendingConsolidation += 1;
      continue;
    }
    if (sourceValidator.withdrawableEpoch > nextEpoch) break;

    // Calculate the consolidated balance
    const sourceEffectiveBalance = Math.min(state.balances.get(sourceIndex), sourceValidator.effectiveBalance);
    // Move active balance to target. Excess balance is withdrawable.
    decreaseBalance(state, sourceIndex, sourceEffectiveBalance);
    increaseBalance(state, targetIndex, sourceEffectiveBalance);
    nextPendingConsolidation += 1;
  }
  state.pendingConsolidations = state.pendingConsolidations.sliceFrom(nextPendingConsolidation);
}
