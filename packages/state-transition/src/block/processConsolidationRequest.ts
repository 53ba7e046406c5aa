import {FAR_FUTURE_EPOCH, MIN_ACTIVATION_BALANCE, PENDING_CONSOLIDATIONS_LIMIT} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {bytesEqual} from "@ceibo/utils";
import type {ValueOf} from "@chainsafe/ssz";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {findValidatorIndex} from "../mutators/deposit.ts";
import {computeConsolidationEpochAndUpdateChurn} from "../mutators/exit.ts";
import type {BeaconStatePostElectra} from "../types.ts";
import {getConsolidationChurnLimit} from "../util/churn.ts";
import {getCurrentEpoch} from "../util/epoch.ts";
import {
  hasCompoundingWithdrawalCredential,
  hasEth1WithdrawalCredential,
  hasExecutionWithdrawalCredential,
  isActiveValidator,
} from "../util/validator.ts";
import {getPendingBalanceToWithdraw} from "./processWithdrawalRequest.ts";
import {switchToCompoundingValidator} from "./switchToCompoundingValidator.ts";

export type ConsolidationRequest = ValueOf<typeof ssz.electra.ConsolidationRequest>;

/**
 * electra is_valid_switch_to_compounding_request
 * Spec: `is_valid_switch_to_compounding_request` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#new-is_valid_switch_to_compounding_request
 */
export function isValidSwitchToCompoundingRequest(
  cs: CachedBeaconState,
  consolidationRequest: ConsolidationRequest,
): boolean {
  // switch to compounding requires source and target be equal
  if (!bytesEqual(consolidationRequest.sourcePubkey, consolidationRequest.targetPubkey)) return false;
  const sourceIndex = findValidatorIndex(cs, consolidationRequest.sourcePubkey);
  if (sourceIndex === undefined) return false;
  const sourceValidator = cs.state.validators.getReadonly(sourceIndex);
  // request authorized by the source's execution address
  if (!bytesEqual(sourceValidator.withdrawalCredentials.subarray(12), consolidationRequest.sourceAddress)) {
    return false;
  }
  if (!hasEth1WithdrawalCredential(sourceValidator.withdrawalCredentials)) return false;
  if (!isActiveValidator(sourceValidator, getCurrentEpoch(cs.state))) return false;
  if (sourceValidator.exitEpoch !== FAR_FUTURE_EPOCH) return false;
  return true;
}

/**
 * electra process_consolidation_request
 * Spec: `process_consolidation_request` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#new-process_consolidation_request
 */
export function processConsolidationRequest(cs: CachedBeaconState, consolidationRequest: ConsolidationRequest): void {
  const state = cs.state as BeaconStatePostElectra;
  if (isValidSwitchToCompoundingRequest(cs, consolidationRequest)) {
    const sourceIndex = findValidatorIndex(cs, consolidationRequest.sourcePubkey) as number;
    switchToCompoundingValidator(cs, sourceIndex);
    return;
  }

  // source != target, so a consolidation cannot be used as an exit
  if (bytesEqual(consolidationRequest.sourcePubkey, consolidationRequest.targetPubkey)) return;
  // queue full: ignored
  if (state.pendingConsolidations.length === PENDING_CONSOLIDATIONS_LIMIT) return;
  // too little consolidation churn: ignored
  if (getConsolidationChurnLimit(cs) <= MIN_ACTIVATION_BALANCE) return;

  const sourceIndex = findValidatorIndex(cs, consolidationRequest.sourcePubkey);
  if (sourceIndex === undefined) return;
  const targetIndex = findValidatorIndex(cs, consolidationRequest.targetPubkey);
  if (targetIndex === undefined) return;
  const sourceValidator = state.validators.getReadonly(sourceIndex);
  const targetValidator = state.validators.getReadonly(targetIndex);

  const hasCorrectCredential = hasExecutionWithdrawalCredential(sourceValidator.withdrawalCredentials);
  const isCorrectSourceAddress = bytesEqual(
    sourceValidator.withdrawalCredentials.subarray(12),
    consolidationRequest.sourceAddress,
  );
  if (!(hasCorrectCredential && isCorrectSourceAddress)) return;
  if (!hasCompoundingWithdrawalCredential(targetValidator.withdrawalCredentials)) return;

  const currentEpoch = getCurrentEpoch(state);
  if (!isActiveValidator(sourceValidator, currentEpoch)) return;
  if (!isActiveValidator(targetValidator, currentEpoch)) return;
  if (sourceValidator.exitEpoch !== FAR_FUTURE_EPOCH) return;
  if (targetValidator.exitEpoch !== FAR_FUTURE_EPOCH) return;
  if (currentEpoch < sourceValidator.activationEpoch + cs.config.SHARD_COMMITTEE_PERIOD) return;
  if (getPendingBalanceToWithdraw(cs, sourceIndex) > 0) return;

  // initiate the source's exit and queue the consolidation
  const source = state.validators.get(sourceIndex);
  source.exitEpoch = computeConsolidationEpochAndUpdateChurn(
    cs as CachedBeaconState<BeaconStatePostElectra>,
    source.effectiveBalance,
  );
  source.withdrawableEpoch = source.exitEpoch + cs.config.MIN_VALIDATOR_WITHDRAWABILITY_DELAY;
  state.pendingConsolidations.push(ssz.electra.PendingConsolidation.toViewDU({sourceIndex, targetIndex}));
}
