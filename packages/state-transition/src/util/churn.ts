import {EFFECTIVE_BALANCE_INCREMENT} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";

/**
 * deneb get_validator_activation_churn_limit (validators per epoch)
 * Spec: `get_validator_activation_churn_limit` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/deneb/beacon-chain.md#new-get_validator_activation_churn_limit
 */
export function getValidatorActivationChurnLimit(cs: CachedBeaconState): number {
  return Math.min(cs.config.MAX_PER_EPOCH_ACTIVATION_CHURN_LIMIT, cs.epochCtx.churnLimit);
}

/**
 * electra get_balance_churn_limit (Gwei)
 * Spec: `get_balance_churn_limit` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#new-get_balance_churn_limit
 */
export function getBalanceChurnLimit(cs: CachedBeaconState): number {
  const churn = Math.max(
    cs.config.MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA,
    Math.floor(cs.epochCtx.getTotalActiveBalance() / cs.config.CHURN_LIMIT_QUOTIENT),
  );
  return churn - (churn % EFFECTIVE_BALANCE_INCREMENT);
}

/**
 * electra get_activation_exit_churn_limit (Gwei)
 * Spec: `get_activation_exit_churn_limit` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#new-get_activation_exit_churn_limit
 */
export function getActivationExitChurnLimit(cs: CachedBeaconState): number {
  return Math.min(cs.config.MAX_PER_EPOCH_ACTIVATION_EXIT_CHURN_LIMIT, getBalanceChurnLimit(cs));
}

/**
 * electra get_consolidation_churn_limit (Gwei)
 * Spec: `get_consolidation_churn_limit` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#new-get_consolidation_churn_limit
 */
export function getConsolidationChurnLimit(cs: CachedBeaconState): number {
  return getBalanceChurnLimit(cs) - getActivationExitChurnLimit(cs);
}
