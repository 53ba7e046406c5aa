import {
  FAR_FUTURE_EPOCH,
  FULL_EXIT_REQUEST_AMOUNT,
  MIN_ACTIVATION_BALANCE,
  PENDING_PARTIAL_WITHDRAWALS_LIMIT,
} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {bytesEqual} from "@ceibo/utils";
import type {ValueOf} from "@chainsafe/ssz";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {findValidatorIndex} from "../mutators/deposit.ts";
import {computeExitEpochAndUpdateChurn, initiateValidatorExit} from "../mutators/exit.ts";
import type {BeaconStatePostElectra} from "../types.ts";
import {getCurrentEpoch} from "../util/epoch.ts";
import {
  hasCompoundingWithdrawalCredential,
  hasExecutionWithdrawalCredential,
  isActiveValidator,
} from "../util/validator.ts";

export type WithdrawalRequest = ValueOf<typeof ssz.electra.WithdrawalRequest>;

/**
 * electra get_pending_balance_to_withdraw (a scan of the pending partial withdrawals queue)
 * Spec: `get_pending_balance_to_withdraw` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#new-get_pending_balance_to_withdraw
 */
export function getPendingBalanceToWithdraw(cs: CachedBeaconState, validatorIndex: number): number {
  const queue = (cs.state as BeaconStatePostElectra).pendingPartialWithdrawals;
  let total = 0;
  for (let i = 0, n = queue.length; i < n; i++) {
    const withdrawal = queue.getReadonly(i);
    if (withdrawal.validatorIndex === validatorIndex) total += withdrawal.amount;
  }
  return total;
}

/**
 * electra process_withdrawal_request
 * Spec: `process_withdrawal_request` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#new-process_withdrawal_request
 */
export function processWithdrawalRequest(cs: CachedBeaconState, withdrawalRequest: WithdrawalRequest): void {
  const state = cs.state as BeaconStatePostElectra;
  const amount = withdrawalRequest.amount;
  const isFullExitRequest = amount === FULL_EXIT_REQUEST_AMOUNT;
  // if the partial withdrawal queue is full, only full exits are processed
  if (state.pendingPartialWithdrawals.length === PENDING_PARTIAL_WITHDRAWALS_LIMIT && !isFullExitRequest) return;

  const index = findValidatorIndex(cs, withdrawalRequest.validatorPubkey);
  if (index === undefined) return;
  const validator = state.validators.getReadonly(index);

  const hasCorrectCredential = hasExecutionWithdrawalCredential(validator.withdrawalCredentials);
  const isCorrectSourceAddress = bytesEqual(
    validator.withdrawalCredentials.subarray(12),
    withdrawalRequest.sourceAddress,
  );
  if (!(hasCorrectCredential && isCorrectSourceAddress)) return;
  const currentEpoch = getCurrentEpoch(state);
  if (!isActiveValidator(validator, currentEpoch)) return;
  if (validator.exitEpoch !== FAR_FUTURE_EPOCH) return;
  if (currentEpoch < validator.activationEpoch + cs.config.SHARD_COMMITTEE_PERIOD) return;

  const pendingBalanceToWithdraw = getPendingBalanceToWithdraw(cs, index);
  if (isFullExitRequest) {
    // only exit a validator that has no pending withdrawals in the queue
    if (pendingBalanceToWithdraw === 0) initiateValidatorExit(cs, index);
    return;
  }

  const balance = state.balances.get(index);
  const hasSufficientEffectiveBalance = validator.effectiveBalance >= MIN_ACTIVATION_BALANCE;
  const hasExcessBalance = balance > MIN_ACTIVATION_BALANCE + pendingBalanceToWithdraw;
  // only allow partial withdrawals with compounding withdrawal credentials
  if (
    hasCompoundingWithdrawalCredential(validator.withdrawalCredentials) &&
    hasSufficientEffectiveBalance &&
    hasExcessBalance
  ) {
    const toWithdraw = Math.min(balance - MIN_ACTIVATION_BALANCE - pendingBalanceToWithdraw, amount);
    const exitQueueEpoch = computeExitEpochAndUpdateChurn(cs as CachedBeaconState<BeaconStatePostElectra>, toWithdraw);
    const withdrawableEpoch = exitQueueEpoch + cs.config.MIN_VALIDATOR_WITHDRAWABILITY_DELAY;
    state.pendingPartialWithdrawals.push(
      ssz.electra.PendingPartialWithdrawal.toViewDU({validatorIndex: index, amount: toWithdraw, withdrawableEpoch}),
    );
  }
}
