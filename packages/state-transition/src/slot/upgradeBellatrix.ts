import {ForkSeq} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {BeaconStateAltair, BeaconStateBellatrix} from "../types.ts";
import {copyUnchangedFields, setUpgradedFork} from "./upgradeCommon.ts";

/**
 * bellatrix upgrade_to_bellatrix
 * Spec: `upgrade_to_bellatrix` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/bellatrix/fork.md#upgrading-the-state
 */
export function upgradeToBellatrix(cs: CachedBeaconState): BeaconStateBellatrix {
  const pre = cs.state as BeaconStateAltair;
  // latest_execution_payload_header = ExecutionPayloadHeader(): the default of the new field
  const post = ssz.bellatrix.BeaconState.defaultViewDU();
  copyUnchangedFields(ssz.altair.BeaconState, pre, ssz.bellatrix.BeaconState, post);
  setUpgradedFork(cs.config, pre, post, ForkSeq.bellatrix);
  return post;
}
