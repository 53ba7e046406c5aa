import {
  FAR_FUTURE_EPOCH,
  ForkSeq,
  MAX_EFFECTIVE_BALANCE,
  MAX_PENDING_PARTIALS_PER_WITHDRAWALS_SWEEP,
  MAX_VALIDATORS_PER_WITHDRAWALS_SWEEP,
  MAX_WITHDRAWALS_PER_PAYLOAD,
  MIN_ACTIVATION_BALANCE,
} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import type {ValueOf} from "@chainsafe/ssz";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {WithdrawalsError} from "../errors.ts";
import type {BeaconStateAllForks, BeaconStatePostCapella, BeaconStatePostElectra, ValidatorView} from "../types.ts";
import {decreaseBalance} from "../util/balance.ts";
import {getCurrentEpoch} from "../util/epoch.ts";
import {
  getMaxEffectiveBalance,
  isFullyWithdrawableValidator,
  isPartiallyWithdrawableValidator,
} from "../util/validator.ts";

export type Withdrawal = ValueOf<typeof ssz.capella.Withdrawal>;

/** capella / electra ExpectedWithdrawals (processedPartialWithdrawalsCount is 0 before electra) */
export interface ExpectedWithdrawals {
  withdrawals: Withdrawal[];
  processedPartialWithdrawalsCount: number;
  processedSweepWithdrawalsCount: number;
}

/**
 * capella get_balance_after_withdrawals
 * Spec: `get_balance_after_withdrawals` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/capella/beacon-chain.md#new-get_balance_after_withdrawals
 */
export function getBalanceAfterWithdrawals(
  state: BeaconStateAllForks,
  validatorIndex: number,
  withdrawals: readonly Withdrawal[],
): number {
  let withdrawn = 0;
  for (const w of withdrawals) if (w.validatorIndex === validatorIndex) withdrawn += w.amount;
  return state.balances.get(validatorIndex) - withdrawn;
}

/**
 * electra is_eligible_for_partial_withdrawals
 * Spec: `is_eligible_for_partial_withdrawals` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#new-is_eligible_for_partial_withdrawals
 */
export function isEligibleForPartialWithdrawals(validator: ValidatorView, balance: number): boolean {
  return (
    validator.exitEpoch === FAR_FUTURE_EPOCH &&
    validator.effectiveBalance >= MIN_ACTIVATION_BALANCE &&
    balance > MIN_ACTIVATION_BALANCE
  );
}

function withdrawalAddress(validator: ValidatorView): Uint8Array {
  return validator.withdrawalCredentials.slice(12);
}

/**
 * electra get_pending_partial_withdrawals: [withdrawals, next withdrawal index, processed count]
 * Spec: `get_pending_partial_withdrawals` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#new-get_pending_partial_withdrawals
 */
export function getPendingPartialWithdrawals(
  cs: CachedBeaconState,
  withdrawalIndex: number,
  priorWithdrawals: readonly Withdrawal[],
): [Withdrawal[], number, number] {
  const state = cs.state as BeaconStatePostElectra;
  const epoch = getCurrentEpoch(state);
  const withdrawalsLimit = Math.min(
    priorWithdrawals.length + MAX_PENDING_PARTIALS_PER_WITHDRAWALS_SWEEP,
    MAX_WITHDRAWALS_PER_PAYLOAD - 1,
  );
  if (!(priorWithdrawals.length <= withdrawalsLimit))
    throw new WithdrawalsError(
      {code: "TOO_MANY_PRIOR_WITHDRAWALS", count: priorWithdrawals.length, limit: withdrawalsLimit},
      `too many prior withdrawals: ${priorWithdrawals.length} of at most ${withdrawalsLimit}`,
    );

  let processedCount = 0;
  const withdrawals: Withdrawal[] = [];
  const all = [...priorWithdrawals];
  const queue = state.pendingPartialWithdrawals;
  for (let i = 0, n = queue.length; i < n; i++) {
    const withdrawal = queue.getReadonly(i);
    const isWithdrawable = withdrawal.withdrawableEpoch <= epoch;
    const hasReachedLimit = all.length >= withdrawalsLimit;
    if (!isWithdrawable || hasReachedLimit) break;

    const validatorIndex = withdrawal.validatorIndex;
    const validator = state.validators.getReadonly(validatorIndex);
    const balance = getBalanceAfterWithdrawals(state, validatorIndex, all);
    if (isEligibleForPartialWithdrawals(validator, balance)) {
      const w: Withdrawal = {
        index: withdrawalIndex,
        validatorIndex,
        address: withdrawalAddress(validator),
        amount: Math.min(balance - MIN_ACTIVATION_BALANCE, withdrawal.amount),
      };
      withdrawals.push(w);
      all.push(w);
      withdrawalIndex += 1;
    }
    processedCount += 1;
  }
  return [withdrawals, withdrawalIndex, processedCount];
}

/**
 * capella / electra get_validators_sweep_withdrawals: [withdrawals, next withdrawal index, processed count]
 * Spec: `get_validators_sweep_withdrawals` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#modified-get_validators_sweep_withdrawals (capella; modified in electra)
 */
export function getValidatorsSweepWithdrawals(
  cs: CachedBeaconState,
  withdrawalIndex: number,
  priorWithdrawals: readonly Withdrawal[],
): [Withdrawal[], number, number] {
  const state = cs.state as BeaconStatePostCapella;
  const fork = cs.fork;
  const epoch = getCurrentEpoch(state);
  const validatorCount = state.validators.length;
  const validatorsLimit = Math.min(validatorCount, MAX_VALIDATORS_PER_WITHDRAWALS_SWEEP);
  const withdrawalsLimit = MAX_WITHDRAWALS_PER_PAYLOAD;
  // there must be at least one space reserved for validator sweep withdrawals
  if (!(priorWithdrawals.length < withdrawalsLimit))
    throw new WithdrawalsError(
      {code: "NO_ROOM_FOR_SWEEP", count: priorWithdrawals.length, limit: withdrawalsLimit},
      `no room left for sweep withdrawals: ${priorWithdrawals.length} prior of ${withdrawalsLimit}`,
    );

  let processedCount = 0;
  const withdrawals: Withdrawal[] = [];
  const all = [...priorWithdrawals];
  let validatorIndex = state.nextWithdrawalValidatorIndex;
  for (let n = 0; n < validatorsLimit; n++) {
    if (all.length >= withdrawalsLimit) break;
    const validator = state.validators.getReadonly(validatorIndex);
    const balance = getBalanceAfterWithdrawals(state, validatorIndex, all);
    let amount: number | null = null;
    if (isFullyWithdrawableValidator(fork, validator, balance, epoch)) {
      amount = balance;
    } else if (isPartiallyWithdrawableValidator(fork, validator, balance)) {
      const maxEffectiveBalance =
        fork >= ForkSeq.electra ? getMaxEffectiveBalance(validator.withdrawalCredentials) : MAX_EFFECTIVE_BALANCE;
      amount = balance - maxEffectiveBalance;
    }
    if (amount !== null) {
      const w: Withdrawal = {index: withdrawalIndex, validatorIndex, address: withdrawalAddress(validator), amount};
      withdrawals.push(w);
      all.push(w);
      withdrawalIndex += 1;
    }
    validatorIndex = (validatorIndex + 1) % validatorCount;
    processedCount += 1;
  }
  return [withdrawals, withdrawalIndex, processedCount];
}

/**
 * capella / electra get_expected_withdrawals
 * Spec: `get_expected_withdrawals` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#modified-get_expected_withdrawals (capella; modified in electra)
 */
export function getExpectedWithdrawals(cs: CachedBeaconState): ExpectedWithdrawals {
  const state = cs.state as BeaconStatePostCapella;
  let withdrawalIndex = state.nextWithdrawalIndex;
  const withdrawals: Withdrawal[] = [];

  let processedPartialWithdrawalsCount = 0;
  if (cs.fork >= ForkSeq.electra) {
    const [partialWithdrawals, nextIndex, processed] = getPendingPartialWithdrawals(cs, withdrawalIndex, withdrawals);
    withdrawals.push(...partialWithdrawals);
    withdrawalIndex = nextIndex;
    processedPartialWithdrawalsCount = processed;
  }

  const [sweepWithdrawals, , processedSweepWithdrawalsCount] = getValidatorsSweepWithdrawals(
    cs,
    withdrawalIndex,
    withdrawals,
  );
  withdrawals.push(...sweepWithdrawals);
  return {withdrawals, processedPartialWithdrawalsCount, processedSweepWithdrawalsCount};
}

/**
 * capella apply_withdrawals
 * Spec: `apply_withdrawals` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/capella/beacon-chain.md#new-apply_withdrawals
 */
export function applyWithdrawals(state: BeaconStateAllForks, withdrawals: readonly Withdrawal[]): void {
  for (const w of withdrawals) decreaseBalance(state, w.validatorIndex, w.amount);
}

/**
 * capella update_next_withdrawal_index
 * Spec: `update_next_withdrawal_index` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/capella/beacon-chain.md#new-update_next_withdrawal_index
 */
export function updateNextWithdrawalIndex(state: BeaconStatePostCapella, withdrawals: readonly Withdrawal[]): void {
  if (withdrawals.length !== 0) state.nextWithdrawalIndex = withdrawals[withdrawals.length - 1].index + 1;
}

/**
 * electra update_pending_partial_withdrawals
 * Spec: `update_pending_partial_withdrawals` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#new-update_pending_partial_withdrawals
 */
export function updatePendingPartialWithdrawals(
  state: BeaconStatePostElectra,
  processedPartialWithdrawalsCount: number,
): void {
  state.pendingPartialWithdrawals = state.pendingPartialWithdrawals.sliceFrom(processedPartialWithdrawalsCount);
}

/**
 * capella update_next_withdrawal_validator_index
 * Spec: `update_next_withdrawal_validator_index` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/capella/beacon-chain.md#new-update_next_withdrawal_validator_index
 */
export function updateNextWithdrawalValidatorIndex(
  state: BeaconStatePostCapella,
  withdrawals: readonly Withdrawal[],
): void {
  const validatorCount = state.validators.length;
  if (withdrawals.length === MAX_WITHDRAWALS_PER_PAYLOAD) {
    // next sweep starts after the latest withdrawal's validator index
    state.nextWithdrawalValidatorIndex = (withdrawals[withdrawals.length - 1].validatorIndex + 1) % validatorCount;
  } else {
    // advance the sweep by its maximum length if there was not a full set of withdrawals
    state.nextWithdrawalValidatorIndex =
      (state.nextWithdrawalValidatorIndex + MAX_VALIDATORS_PER_WITHDRAWALS_SWEEP) % validatorCount;
  }
}

/**
 * capella / electra process_withdrawals
 * Spec: `process_withdrawals` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#modified-process_withdrawals (capella; modified in electra)
 */
export function processWithdrawals(cs: CachedBeaconState, payload: {withdrawals: Withdrawal[]}): void {
  const state = cs.state as BeaconStatePostCapella;
  const expected = getExpectedWithdrawals(cs);
  const got = payload.withdrawals;
  if (got.length !== expected.withdrawals.length) {
    throw new WithdrawalsError(
      {code: "COUNT_MISMATCH", count: got.length, expected: expected.withdrawals.length},
      `payload has ${got.length} withdrawals, expected ${expected.withdrawals.length}`,
    );
  }
  for (let i = 0; i < got.length; i++) {
    if (!ssz.capella.Withdrawal.equals(got[i], expected.withdrawals[i])) {
      throw new WithdrawalsError(
        {code: "WITHDRAWAL_MISMATCH", index: i},
        `payload withdrawal ${i} does not match the expected withdrawal`,
      );
    }
  }
  applyWithdrawals(state, expected.withdrawals);
  updateNextWithdrawalIndex(state, expected.withdrawals);
  if (cs.fork >= ForkSeq.electra) {
    updatePendingPartialWithdrawals(state as BeaconStatePostElectra, expected.processedPartialWithdrawalsCount);
  }
  updateNextWithdrawalValidatorIndex(state, expected.withdrawals);
}
