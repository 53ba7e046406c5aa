import {ForkSeq, UNSET_DEPOSIT_REQUESTS_START_INDEX} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import type {ValueOf} from "@chainsafe/ssz";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {BeaconStatePostElectra} from "../types.ts";

export type DepositRequest = ValueOf<typeof ssz.electra.DepositRequest>;

/**
 * electra / fulu process_deposit_request (fulu no longer records deposit_requests_start_index)
 * Spec: `process_deposit_request` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/fulu/beacon-chain.md#modified-process_deposit_request (electra; modified in fulu)
 */
export function processDepositRequest(cs: CachedBeaconState, depositRequest: DepositRequest): void {
  const state = cs.state as BeaconStatePostElectra;
  if (cs.fork < ForkSeq.fulu && state.depositRequestsStartIndex === UNSET_DEPOSIT_REQUESTS_START_INDEX) {
    state.depositRequestsStartIndex = depositRequest.index;
  }
  state.pendingDeposits.push(
    ssz.electra.PendingDeposit.toViewDU({
      pubkey: depositRequest.pubkey,
      withdrawalCredentials: depositRequest.withdrawalCredentials,
      amount: depositRequest.amount,
      signature: depositRequest.signature,
      slot: state.slot,
    }),
  );
}
