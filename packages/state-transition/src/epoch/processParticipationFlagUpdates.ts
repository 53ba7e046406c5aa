import {ssz} from "@ceibo/types";
import {BranchNode, LeafNode, zeroNode} from "@chainsafe/persistent-merkle-tree";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {BeaconStatePostAltair} from "../types.ts";

/**
 * altair process_participation_flag_updates. The new current-epoch list (all flags zero) is built in O(1): a list
 * of n zero bytes is the zero subtree of the list's depth with n mixed in as its length (no per-validator work).
 * Spec: `process_participation_flag_updates` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/beacon-chain.md#participation-flags-updates
 */
export function processParticipationFlagUpdates(cs: CachedBeaconState): void {
  const state = cs.state as BeaconStatePostAltair;
  state.previousEpochParticipation = state.currentEpochParticipation;
  state.currentEpochParticipation = zeroEpochParticipation(state.validators.length);
}

/** An EpochParticipation list of `length` zero flags, in O(1). */
export function zeroEpochParticipation(length: number): BeaconStatePostAltair["currentEpochParticipation"] {
  const type = ssz.altair.EpochParticipation;
  return type.getViewDU(new BranchNode(zeroNode(type.chunkDepth), LeafNode.fromUint32(length)));
}
