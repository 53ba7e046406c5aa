import {SLOTS_PER_EPOCH, SLOTS_PER_HISTORICAL_ROOT} from "@ceibo/params";
import {digest64} from "@chainsafe/as-sha256";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {getCurrentEpoch} from "../util/epoch.ts";

/**
 * phase0 process_historical_roots_update (phase0 … bellatrix)
 * Spec: `process_historical_roots_update` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#historical-roots-updates
 */
export function processHistoricalRootsUpdate(cs: CachedBeaconState): void {
  const state = cs.state;
  // Set historical root accumulator
  const nextEpoch = getCurrentEpoch(state) + 1;
  if (nextEpoch % Math.floor(SLOTS_PER_HISTORICAL_ROOT / SLOTS_PER_EPOCH) === 0) {
    // hash_tree_root(HistoricalBatch(block_roots, state_roots)): a two-field container
    const input = new Uint8Array(64);
    input.set(state.blockRoots.hashTreeRoot(), 0);
    input.set(state.stateRoots.hashTreeRoot(), 32);
    state.historicalRoots.push(digest64(input));
  }
}
