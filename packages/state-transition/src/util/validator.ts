import {
  COMPOUNDING_WITHDRAWAL_PREFIX,
  ETH1_ADDRESS_WITHDRAWAL_PREFIX,
  FAR_FUTURE_EPOCH,
  ForkSeq,
  MAX_EFFECTIVE_BALANCE,
  MAX_EFFECTIVE_BALANCE_ELECTRA,
  MIN_ACTIVATION_BALANCE,
} from "@ceibo/params";
import type {ValidatorValue} from "@ceibo/types";

/** The fields of a validator these predicates read (a value or a tree view). */
export type ValidatorLike = Omit<ValidatorValue, "pubkey">;

/**
 * phase0 is_active_validator
 * Spec: `is_active_validator` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#is_active_validator
 */
export function isActiveValidator(v: Pick<ValidatorLike, "activationEpoch" | "exitEpoch">, epoch: number): boolean {
  return v.activationEpoch <= epoch && epoch < v.exitEpoch;
}

/**
 * phase0 (exactly MAX_EFFECTIVE_BALANCE) / electra (at least MIN_ACTIVATION_BALANCE) is_eligible_for_activation_queue
 * Spec: `is_eligible_for_activation_queue` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#modified-is_eligible_for_activation_queue (phase0; modified in electra)
 */
export function isEligibleForActivationQueue(fork: number, v: ValidatorLike): boolean {
  if (v.activationEligibilityEpoch !== FAR_FUTURE_EPOCH) return false;
  return fork >= ForkSeq.electra
    ? v.effectiveBalance >= MIN_ACTIVATION_BALANCE
    : v.effectiveBalance === MAX_EFFECTIVE_BALANCE;
}

/**
 * phase0 is_eligible_for_activation
 * Spec: `is_eligible_for_activation` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#is_eligible_for_activation
 */
export function isEligibleForActivation(finalizedEpoch: number, v: ValidatorLike): boolean {
  return v.activationEligibilityEpoch <= finalizedEpoch && v.activationEpoch === FAR_FUTURE_EPOCH;
}

/**
 * phase0 is_slashable_validator
 * Spec: `is_slashable_validator` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#is_slashable_validator
 */
export function isSlashableValidator(v: ValidatorLike, epoch: number): boolean {
  return !v.slashed && v.activationEpoch <= epoch && epoch < v.withdrawableEpoch;
}

/**
 * capella has_eth1_withdrawal_credential
 * Spec: `has_eth1_withdrawal_credential` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/capella/beacon-chain.md#has_eth1_withdrawal_credential
 */
export function hasEth1WithdrawalCredential(withdrawalCredentials: Uint8Array): boolean {
  return withdrawalCredentials[0] === ETH1_ADDRESS_WITHDRAWAL_PREFIX;
}

/**
 * electra is_compounding_withdrawal_credential / has_compounding_withdrawal_credential
 * Spec: `has_compounding_withdrawal_credential` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#new-has_compounding_withdrawal_credential
 */
export function hasCompoundingWithdrawalCredential(withdrawalCredentials: Uint8Array): boolean {
  return withdrawalCredentials[0] === COMPOUNDING_WITHDRAWAL_PREFIX;
}

/**
 * electra has_execution_withdrawal_credential
 * Spec: `has_execution_withdrawal_credential` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#new-has_execution_withdrawal_credential
 */
export function hasExecutionWithdrawalCredential(withdrawalCredentials: Uint8Array): boolean {
  return (
    hasCompoundingWithdrawalCredential(withdrawalCredentials) || hasEth1WithdrawalCredential(withdrawalCredentials)
  );
}

/**
 * electra get_max_effective_balance
 * Spec: `get_max_effective_balance` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#new-get_max_effective_balance
 */
export function getMaxEffectiveBalance(withdrawalCredentials: Uint8Array): number {
  return hasCompoundingWithdrawalCredential(withdrawalCredentials)
    ? MAX_EFFECTIVE_BALANCE_ELECTRA
    : MIN_ACTIVATION_BALANCE;
}

/**
 * capella / electra is_fully_withdrawable_validator
 * Spec: `is_fully_withdrawable_validator` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#modified-is_fully_withdrawable_validator (capella; modified in electra)
 */
export function isFullyWithdrawableValidator(fork: number, v: ValidatorLike, balance: number, epoch: number): boolean {
  const credentialOk =
    fork >= ForkSeq.electra
      ? hasExecutionWithdrawalCredential(v.withdrawalCredentials)
      : hasEth1WithdrawalCredential(v.withdrawalCredentials);
  return credentialOk && v.withdrawableEpoch <= epoch && balance > 0;
}

/**
 * capella / electra is_partially_withdrawable_validator
 * Spec: `is_partially_withdrawable_validator` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#modified-is_partially_withdrawable_validator (capella; modified in electra)
 */
export function isPartiallyWithdrawableValidator(fork: number, v: ValidatorLike, balance: number): boolean {
  if (fork >= ForkSeq.electra) {
    const maxEffectiveBalance = getMaxEffectiveBalance(v.withdrawalCredentials);
    return (
      hasExecutionWithdrawalCredential(v.withdrawalCredentials) &&
      v.effectiveBalance === maxEffectiveBalance &&
      balance > maxEffectiveBalance
    );
  }
  return (
    hasEth1WithdrawalCredential(v.withdrawalCredentials) &&
    v.effectiveBalance === MAX_EFFECTIVE_BALANCE &&
    balance > MAX_EFFECTIVE_BALANCE
  );
}
