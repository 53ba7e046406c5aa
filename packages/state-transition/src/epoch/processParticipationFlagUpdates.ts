import {ssz} from "@ceibo/types";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {BeaconStatePostAltair} from "../types.ts";

/**
 * altair process_participation_flag_updates
 * Spec: `process_participation_flag_updates` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/beacon-chain.md#participation-flags-updates
 */
export function processParticipationFlagUpdates(cs: CachedBeaconState): void {
  const state = cs.state as BeaconStatePostAltair;
  state.previousEpochParticipation = state.currentEpochParticipation;
  state.currentEpochParticipation = ssz.altair.EpochParticipation.toViewDU(
    new Array<number>(state.validators.length).fill(0),
  );
}
