import {ssz} from "@ceibo/types";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {BeaconStatePhase0} from "../types.ts";

/** phase0 process_participation_record_updates */
export function processParticipationRecordUpdates(cs: CachedBeaconState): void {
  const state = cs.state as BeaconStatePhase0;
  // Rotate current/previous epoch attestations
  state.previousEpochAttestations = state.currentEpochAttestations;
  state.currentEpochAttestations = ssz.phase0.EpochAttestations.defaultViewDU();
}
