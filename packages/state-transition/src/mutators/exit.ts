import {FAR_FUTURE_EPOCH, ForkSeq} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {StateHelperError} from "../errors.ts";
import type {BeaconStatePostElectra} from "../types.ts";
import {getActivationExitChurnLimit, getConsolidationChurnLimit} from "../util/churn.ts";
import {computeActivationExitEpoch, getCurrentEpoch} from "../util/epoch.ts";

/**
 * phase0 / electra initiate_validator_exit. phase0–deneb use the exit queue kept in the epoch cache (instead of
 * the spec's scan of every validator per exit); electra uses the balance-based churn in the state.
 * Spec: `initiate_validator_exit` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#modified-initiate_validator_exit (phase0; modified in electra)
 */
export function initiateValidatorExit(cs: CachedBeaconState, index: number): void {
  const validator = cs.state.validators.get(index);
  if (validator.exitEpoch !== FAR_FUTURE_EPOCH) return;
  let exitQueueEpoch: number;
  if (cs.fork >= ForkSeq.electra) {
    exitQueueEpoch = computeExitEpochAndUpdateChurn(
      cs as CachedBeaconState<BeaconStatePostElectra>,
      validator.effectiveBalance,
    );
  } else {
    const ctx = cs.epochCtx;
    const floor = computeActivationExitEpoch(getCurrentEpoch(cs.state));
    if (ctx.exitQueueEpoch < floor) {
      ctx.exitQueueEpoch = floor;
      ctx.exitQueueChurn = 0;
    }
    if (ctx.exitQueueChurn >= ctx.churnLimit) {
      ctx.exitQueueEpoch += 1;
      ctx.exitQueueChurn = 0;
    }
    exitQueueEpoch = ctx.exitQueueEpoch;
    ctx.exitQueueChurn += 1;
  }
  const withdrawableEpoch = exitQueueEpoch + cs.config.MIN_VALIDATOR_WITHDRAWABILITY_DELAY;
  assertEpochInRange(exitQueueEpoch, `exit epoch of validator ${index}`);
  assertEpochInRange(withdrawableEpoch, `withdrawable epoch of validator ${index}`);
  validator.exitEpoch = exitQueueEpoch;
  validator.withdrawableEpoch = withdrawableEpoch;
}

/**
 * electra compute_exit_epoch_and_update_churn
 * Spec: `compute_exit_epoch_and_update_churn` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#new-compute_exit_epoch_and_update_churn
 */
export function computeExitEpochAndUpdateChurn(
  cs: CachedBeaconState<BeaconStatePostElectra>,
  exitBalance: number,
): number {
  const state = cs.state;
  let earliestExitEpoch = Math.max(state.earliestExitEpoch, computeActivationExitEpoch(getCurrentEpoch(state)));
  const perEpochChurn = getActivationExitChurnLimit(cs);
  let exitBalanceToConsume = state.earliestExitEpoch < earliestExitEpoch ? perEpochChurn : state.exitBalanceToConsume;
  if (exitBalance > exitBalanceToConsume) {
    const balanceToProcess = exitBalance - exitBalanceToConsume;
    const additionalEpochs = Math.floor((balanceToProcess - 1) / perEpochChurn) + 1;
    earliestExitEpoch += additionalEpochs;
    exitBalanceToConsume += additionalEpochs * perEpochChurn;
  }
  assertEpochInRange(earliestExitEpoch, "earliest_exit_epoch");
  state.exitBalanceToConsume = exitBalanceToConsume - exitBalance;
  state.earliestExitEpoch = earliestExitEpoch;
  return earliestExitEpoch;
}

/**
 * electra compute_consolidation_epoch_and_update_churn
 * Spec: `compute_consolidation_epoch_and_update_churn` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#new-compute_consolidation_epoch_and_update_churn
 */
export function computeConsolidationEpochAndUpdateChurn(
  cs: CachedBeaconState<BeaconStatePostElectra>,
  consolidationBalance: number,
): number {
  const state = cs.state;
  let earliestConsolidationEpoch = Math.max(
    state.earliestConsolidationEpoch,
    computeActivationExitEpoch(getCurrentEpoch(state)),
  );
  const perEpochChurn = getConsolidationChurnLimit(cs);
  let balanceToConsume =
    state.earliestConsolidationEpoch < earliestConsolidationEpoch ? perEpochChurn : state.consolidationBalanceToConsume;
  if (consolidationBalance > balanceToConsume) {
    const balanceToProcess = consolidationBalance - balanceToConsume;
    const additionalEpochs = Math.floor((balanceToProcess - 1) / perEpochChurn) + 1;
    earliestConsolidationEpoch += additionalEpochs;
    balanceToConsume += additionalEpochs * perEpochChurn;
  }
  assertEpochInRange(earliestConsolidationEpoch, "earliest_consolidation_epoch");
  state.consolidationBalanceToConsume = balanceToConsume - consolidationBalance;
  state.earliestConsolidationEpoch = earliestConsolidationEpoch;
  return earliestConsolidationEpoch;
}

/**
 * Epochs are numbers: a value beyond 2**53 only arises from a state whose uint64 epoch arithmetic is about to
 * overflow (where the spec fails); no real chain gets there. Reject instead of storing a rounded value.
 */
function assertEpochInRange(epoch: number, what: string): void {
  if (!Number.isSafeInteger(epoch))
    throw new StateHelperError(
      {code: "EPOCH_OVERFLOW", what, epoch},
      `${what} out of range (uint64 overflow): ${epoch}`,
    );
}
