import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";

/** phase0 … fulu process_epoch. */
export function processEpoch(_cs: CachedBeaconState): void {
  throw Error("processEpoch: not implemented yet");
}
