import {FAR_FUTURE_EPOCH, ForkSeq, GENESIS_SLOT, MAX_PENDING_DEPOSITS_PER_EPOCH} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {applyPendingDeposit, findValidatorIndex, type PendingDepositValue} from "../mutators/deposit.ts";
import type {BeaconStatePostElectra} from "../types.ts";
import {computeStartSlotAtEpoch, getCurrentEpoch} from "../util/epoch.ts";
import {activationExitChurnLimit} from "./churn.ts";
import {beforeProcessEpoch, type EpochTransitionCache} from "./epochTransitionCache.ts";

/**
 * electra / fulu process_pending_deposits. fulu drops the check that every Eth1 bridge deposit is applied before
 * the first deposit request. The queue is read lazily: at most MAX_PENDING_DEPOSITS_PER_EPOCH entries are visited.
 * Spec: `process_pending_deposits` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/fulu/beacon-chain.md#modified-process_pending_deposits (electra; modified in fulu)
 */
export function processPendingDeposits(
  cs: CachedBeaconState,
  cache: EpochTransitionCache = beforeProcessEpoch(cs),
): void {
  const state = cs.state as BeaconStatePostElectra;
  const nextEpoch = getCurrentEpoch(state) + 1;
  const availableForProcessing =
    state.depositBalanceToConsume + activationExitChurnLimit(cs.config, cache.totalActiveBalance);
  let processedAmount = 0;
  let nextDepositIndex = 0;
  const depositsToPostpone: PendingDepositValue[] = [];
  let isChurnLimitReached = false;
  const finalizedSlot = computeStartSlotAtEpoch(state.finalizedCheckpoint.epoch);
  const checkBridge = cs.fork < ForkSeq.fulu;

  const count = state.pendingDeposits.length;
  for (let i = 0; i < count; i++) {
    const deposit = state.pendingDeposits.getReadonly(i).toValue();
    // electra: do not process deposit requests if Eth1 bridge deposits are not yet applied.
    if (
      checkBridge &&
      deposit.slot > GENESIS_SLOT &&
      BigInt(state.eth1DepositIndex) < state.depositRequestsStartIndex
    ) {
      break;
    }
    // Check if deposit has been finalized, otherwise, stop processing.
    if (deposit.slot > finalizedSlot) break;
    // Check if number of processed deposits has not reached the limit, otherwise, stop processing.
    if (nextDepositIndex >= MAX_PENDING_DEPOSITS_PER_EPOCH) break;

    // Read validator state
    let isValidatorExited = false;
    let isValidatorWithdrawn = false;
    const index = findValidatorIndex(cs, deposit.pubkey);
    if (index !== undefined) {
      const validator = state.validators.getReadonly(index);
      isValidatorExited = validator.exitEpoch < FAR_FUTURE_EPOCH;
      isValidatorWithdrawn = validator.withdrawableEpoch < nextEpoch;
    }

    if (isValidatorWithdrawn) {
      // Deposited balance will never become active. Increase balance but do not consume churn
      applyPendingDeposit(cs, deposit);
    } else if (isValidatorExited) {
      // Validator is exiting, postpone the deposit until after withdrawable epoch
      depositsToPostpone.push(deposit);
    } else {
      // Check if deposit fits in the churn, otherwise, do no more deposit processing in this epoch.
      isChurnLimitReached = processedAmount + deposit.amount > availableForProcessing;
      if (isChurnLimitReached) break;
      // Consume churn and apply deposit.
      processedAmount += deposit.amount;
      applyPendingDeposit(cs, deposit);
    }
    // Regardless of how the deposit was handled, we move on in the queue.
    nextDepositIndex += 1;
  }

  const remaining = state.pendingDeposits.sliceFrom(nextDepositIndex);
  for (const deposit of depositsToPostpone) remaining.push(ssz.electra.PendingDeposit.toViewDU(deposit));
  state.pendingDeposits = remaining;

  // Accumulate churn only if the churn limit has been hit.
  state.depositBalanceToConsume = isChurnLimitReached ? availableForProcessing - processedAmount : 0;
}
