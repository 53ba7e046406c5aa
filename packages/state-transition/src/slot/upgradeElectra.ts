import {FAR_FUTURE_EPOCH, ForkSeq, GENESIS_SLOT, UNSET_DEPOSIT_REQUESTS_START_INDEX} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {queueExcessActiveBalance} from "../block/switchToCompoundingValidator.ts";
import {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {BeaconStateDeneb, BeaconStateElectra} from "../types.ts";
import {getActivationExitChurnLimit, getConsolidationChurnLimit} from "../util/churn.ts";
import {computeActivationExitEpoch, getCurrentEpoch} from "../util/epoch.ts";
import {hasCompoundingWithdrawalCredential} from "../util/validator.ts";
import {copyUnchangedFields, setUpgradedFork} from "./upgradeCommon.ts";

/** bls.G2_POINT_AT_INFINITY: the signature placeholder of pending deposits made by the upgrade */
const G2_POINT_AT_INFINITY: Uint8Array = Uint8Array.from([0xc0, ...new Array<number>(95).fill(0)]);

/**
 * electra upgrade_to_electra. The churn limits read the total active balance from the epoch cache (the post
 * state has the same validators, balances and epoch as the pre state at that point).
 * Spec: `upgrade_to_electra` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/fork.md#upgrading-the-state
 */
export function upgradeToElectra(cs: CachedBeaconState): BeaconStateElectra {
  const pre = cs.state as BeaconStateDeneb;
  const currentEpoch = getCurrentEpoch(pre);
  const validators = pre.validators.getAllReadonlyValues();

  let earliestExitEpoch = computeActivationExitEpoch(currentEpoch);
  for (const validator of validators) {
    if (validator.exitEpoch !== FAR_FUTURE_EPOCH) earliestExitEpoch = Math.max(earliestExitEpoch, validator.exitEpoch);
  }
  earliestExitEpoch += 1;

  // pending_deposits, pending_partial_withdrawals, pending_consolidations = [], *_balance_to_consume = 0: defaults
  const post = ssz.electra.BeaconState.defaultViewDU();
  copyUnchangedFields(ssz.deneb.BeaconState, pre, ssz.electra.BeaconState, post);
  setUpgradedFork(cs.config, pre, post, ForkSeq.electra);
  post.depositRequestsStartIndex = UNSET_DEPOSIT_REQUESTS_START_INDEX;
  post.earliestExitEpoch = earliestExitEpoch;
  post.earliestConsolidationEpoch = computeActivationExitEpoch(currentEpoch);
  post.exitBalanceToConsume = getActivationExitChurnLimit(cs);
  post.consolidationBalanceToConsume = getConsolidationChurnLimit(cs);

  // add validators that are not yet active to pending balance deposits
  const preActivation: number[] = [];
  for (let i = 0; i < validators.length; i++) {
    if (validators[i].activationEpoch === FAR_FUTURE_EPOCH) preActivation.push(i);
  }
  preActivation.sort((a, b) => {
    const ea = validators[a].activationEligibilityEpoch;
    const eb = validators[b].activationEligibilityEpoch;
    return ea < eb ? -1 : ea > eb ? 1 : a - b;
  });

  // The post state has the pre state's validators and epoch: the pre state's epoch cache serves it
  const postCs = new CachedBeaconState<BeaconStateElectra>(post, cs.config, cs.epochCtx, ForkSeq.electra);
  for (const index of preActivation) {
    const balance = post.balances.get(index);
    post.balances.set(index, 0);
    const validator = post.validators.get(index);
    validator.effectiveBalance = 0;
    validator.activationEligibilityEpoch = FAR_FUTURE_EPOCH;
    // Use bls.G2_POINT_AT_INFINITY as a signature field placeholder
    // and GENESIS_SLOT to distinguish from a pending deposit request
    post.pendingDeposits.push(
      ssz.electra.PendingDeposit.toViewDU({
        pubkey: validator.pubkey,
        withdrawalCredentials: validator.withdrawalCredentials,
        amount: balance,
        signature: G2_POINT_AT_INFINITY,
        slot: GENESIS_SLOT,
      }),
    );
  }

  // Ensure early adopters of compounding credentials go through the activation churn
  for (let index = 0; index < validators.length; index++) {
    if (hasCompoundingWithdrawalCredential(validators[index].withdrawalCredentials)) {
      queueExcessActiveBalance(postCs, index);
    }
  }
  return post;
}
