import {ForkSeq, UNSET_DEPOSIT_REQUESTS_START_INDEX} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import type {ValueOf} from "@chainsafe/ssz";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {BeaconStatePostElectra} from "../types.ts";

export type DepositRequest = ValueOf<typeof ssz.electra.DepositRequest>;

/** electra / fulu process_deposit_request (fulu no longer records deposit_requests_start_index) */
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
