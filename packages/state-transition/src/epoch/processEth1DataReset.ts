import {EPOCHS_PER_ETH1_VOTING_PERIOD} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {getCurrentEpoch} from "../util/epoch.ts";

/** phase0 process_eth1_data_reset */
export function processEth1DataReset(cs: CachedBeaconState): void {
  const state = cs.state;
  const nextEpoch = getCurrentEpoch(state) + 1;
  // Reset eth1 data votes
  if (nextEpoch % EPOCHS_PER_ETH1_VOTING_PERIOD === 0) {
    state.eth1DataVotes = ssz.phase0.Eth1DataVotes.defaultViewDU();
  }
}
