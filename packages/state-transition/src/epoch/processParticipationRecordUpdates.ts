import {ssz} from "@ceibo/types";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {BeaconStatePhase0} from "../types.ts";

/**
 * phase0 process_participation_record_updates
 * Spec: `process_participation_record_updates` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#participation-records-rotation
 */
export function processParticipationRecordUpdates(cs: CachedBeaconState): void {
  const state = cs.state as BeaconStatePhase0;
  // Rotate current/previous epoch attestations
  state.previousEpochAttestations = state.currentEpochAttestations;
  state.currentEpochAttestations = ssz.phase0.EpochAttestations.defaultViewDU();
}
