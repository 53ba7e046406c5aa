import {EPOCHS_PER_SLASHINGS_VECTOR} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {getCurrentEpoch} from "../util/epoch.ts";

/** phase0 process_slashings_reset */
export function processSlashingsReset(cs: CachedBeaconState): void {
  const state = cs.state;
  const nextEpoch = getCurrentEpoch(state) + 1;
  // Reset slashings
  state.slashings.set(nextEpoch % EPOCHS_PER_SLASHINGS_VECTOR, 0);
}
