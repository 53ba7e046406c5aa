import {ForkSeq} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {BeaconStateCapella, BeaconStateDeneb} from "../types.ts";
import {copyUnchangedFields, setUpgradedFork} from "./upgradeCommon.ts";

/**
 * deneb upgrade_to_deneb
 * Spec: `upgrade_to_deneb` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/deneb/fork.md#upgrading-the-state
 */
export function upgradeToDeneb(cs: CachedBeaconState): BeaconStateDeneb {
  const pre = cs.state as BeaconStateCapella;
  const post = ssz.deneb.BeaconState.defaultViewDU();
  copyUnchangedFields(ssz.capella.BeaconState, pre, ssz.deneb.BeaconState, post);
  setUpgradedFork(cs.config, pre, post, ForkSeq.deneb);
  post.latestExecutionPayloadHeader = ssz.deneb.ExecutionPayloadHeader.toViewDU({
    ...pre.latestExecutionPayloadHeader.toValue(),
    blobGasUsed: 0,
    excessBlobGas: 0,
  });
  return post;
}
