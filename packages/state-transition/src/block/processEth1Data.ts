import {EPOCHS_PER_ETH1_VOTING_PERIOD, SLOTS_PER_EPOCH} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {bytesEqual} from "@ceibo/utils";
import type {ValueOf} from "@chainsafe/ssz";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";

export type Eth1Data = ValueOf<typeof ssz.phase0.Eth1Data>;

/**
 * phase0 process_eth1_data (votes are compared by hash_tree_root, which is equality for a container)
 * Spec: `process_eth1_data` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#eth1-data
 */
export function processEth1Data(cs: CachedBeaconState, body: {eth1Data: Eth1Data}): void {
  const state = cs.state;
  const eth1Data = body.eth1Data;
  state.eth1DataVotes.push(ssz.phase0.Eth1Data.toViewDU(eth1Data));
  const root = ssz.phase0.Eth1Data.hashTreeRoot(eth1Data);
  let count = 0;
  for (const vote of state.eth1DataVotes.getAllReadonly()) {
    if (bytesEqual(vote.hashTreeRoot(), root)) count++;
  }
  if (count * 2 > EPOCHS_PER_ETH1_VOTING_PERIOD * SLOTS_PER_EPOCH) {
    state.eth1Data = ssz.phase0.Eth1Data.toViewDU(eth1Data);
  }
}
