import {EPOCHS_PER_HISTORICAL_VECTOR} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {getCurrentEpoch} from "../util/epoch.ts";
import {getRandaoMix} from "../util/seed.ts";

/**
 * phase0 process_randao_mixes_reset
 * Spec: `process_randao_mixes_reset` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#randao-mixes-updates
 */
export function processRandaoMixesReset(cs: CachedBeaconState): void {
  const state = cs.state;
  const currentEpoch = getCurrentEpoch(state);
  const nextEpoch = currentEpoch + 1;
  // Set randao mix
  state.randaoMixes.set(nextEpoch % EPOCHS_PER_HISTORICAL_VECTOR, getRandaoMix(state, currentEpoch));
}
