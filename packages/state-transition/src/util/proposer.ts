import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";

/**
 * phase0 / fulu get_beacon_proposer_index for the state's current slot. Before fulu the epoch cache computes
 * the epoch's proposers once; from fulu the cache holds the state's proposer_lookahead for the current epoch.
 */
export function getBeaconProposerIndex(cs: CachedBeaconState): number {
  return cs.epochCtx.getBeaconProposer(cs.state.slot);
}
