import type {ChainConfig} from "@ceibo/config";
import {EFFECTIVE_BALANCE_INCREMENT} from "@ceibo/params";

/**
 * electra get_activation_exit_churn_limit (via get_balance_churn_limit) for a total active balance given exactly
 * as a bigint, as the epoch transition cache holds it.
 */
export function activationExitChurnLimit(config: ChainConfig, totalActiveBalance: bigint): number {
  const quotient = totalActiveBalance / BigInt(config.CHURN_LIMIT_QUOTIENT);
  const churn = Math.max(config.MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA, Number(quotient));
  const balanceChurnLimit = churn - (churn % EFFECTIVE_BALANCE_INCREMENT);
  return Math.min(config.MAX_PER_EPOCH_ACTIVATION_EXIT_CHURN_LIMIT, balanceChurnLimit);
}
