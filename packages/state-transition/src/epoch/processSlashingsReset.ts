import {EPOCHS_PER_SLASHINGS_VECTOR} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {getCurrentEpoch} from "../util/epoch.ts";

/**
 * phase0 process_slashings_reset
 * Spec: `process_slashings_reset` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#slashings-balances-updates
 */
export function processSlashingsReset(cs: CachedBeaconState): void {
  const state = cs.state;
  const nextEpoch = getCurrentEpoch(state) + 1;
  // Reset slashings
  state.slashings.set(nextEpoch % EPOCHS_PER_SLASHINGS_VECTOR, 0);
}
