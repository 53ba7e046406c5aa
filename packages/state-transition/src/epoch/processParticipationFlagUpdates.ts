import {ssz} from "@ceibo/types";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {BeaconStatePostAltair} from "../types.ts";

/** altair process_participation_flag_updates */
export function processParticipationFlagUpdates(cs: CachedBeaconState): void {
  const state = cs.state as BeaconStatePostAltair;
  state.previousEpochParticipation = state.currentEpochParticipation;
  state.currentEpochParticipation = ssz.altair.EpochParticipation.toViewDU(
    new Array<number>(state.validators.length).fill(0),
  );
}
