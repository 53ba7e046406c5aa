import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";

/** upgrade_to_<next fork>: replaces cs.state with the next fork's state and increments cs.fork. */
export function upgradeStateToNextFork(_cs: CachedBeaconState): void {
  throw Error("upgradeStateToNextFork: not implemented yet");
}
