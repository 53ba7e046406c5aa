import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";

/**
 * phase0 / fulu get_beacon_proposer_index for the state's current slot. Before fulu the epoch cache computes
 * the epoch's proposers once; from fulu the cache holds the state's proposer_lookahead for the current epoch.
 * Spec: `get_beacon_proposer_index` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/fulu/beacon-chain.md#modified-get_beacon_proposer_index (phase0; modified in fulu)
 */
export function getBeaconProposerIndex(cs: CachedBeaconState): number {
  return cs.epochCtx.getBeaconProposer(cs.state.slot);
}
