import {ForkSeq} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {BeaconStateBellatrix, BeaconStateCapella} from "../types.ts";
import {copyUnchangedFields, setUpgradedFork} from "./upgradeCommon.ts";

/**
 * capella upgrade_to_capella
 * Spec: `upgrade_to_capella` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/capella/fork.md#upgrading-the-state
 */
export function upgradeToCapella(cs: CachedBeaconState): BeaconStateCapella {
  const pre = cs.state as BeaconStateBellatrix;
  // next_withdrawal_index = next_withdrawal_validator_index = 0, historical_summaries = []: the defaults
  const post = ssz.capella.BeaconState.defaultViewDU();
  copyUnchangedFields(ssz.bellatrix.BeaconState, pre, ssz.capella.BeaconState, post);
  setUpgradedFork(cs.config, pre, post, ForkSeq.capella);
  post.latestExecutionPayloadHeader = ssz.capella.ExecutionPayloadHeader.toViewDU({
    ...pre.latestExecutionPayloadHeader.toValue(),
    withdrawalsRoot: new Uint8Array(32),
  });
  return post;
}
