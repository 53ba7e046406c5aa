import {EPOCHS_PER_ETH1_VOTING_PERIOD} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {getCurrentEpoch} from "../util/epoch.ts";

/**
 * phase0 process_eth1_data_reset
 * Spec: `process_eth1_data_reset` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#eth1-data-votes-updates
 */
export function processEth1DataReset(cs: CachedBeaconState): void {
  const state = cs.state;
  const nextEpoch = getCurrentEpoch(state) + 1;
  // Reset eth1 data votes
  if (nextEpoch % EPOCHS_PER_ETH1_VOTING_PERIOD === 0) {
    state.eth1DataVotes = ssz.phase0.Eth1DataVotes.defaultViewDU();
  }
}
