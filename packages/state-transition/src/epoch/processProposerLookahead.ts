import {MIN_SEED_LOOKAHEAD, SLOTS_PER_EPOCH} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {BeaconStateFulu} from "../types.ts";
import {getCurrentEpoch} from "../util/epoch.ts";
import {computeProposerIndicesFast} from "../util/shuffleNative.ts";
import {beforeProcessEpoch, type EpochTransitionCache} from "./epochTransitionCache.ts";

/**
 * fulu process_proposer_lookahead. get_beacon_proposer_indices(state, current + MIN_SEED_LOOKAHEAD + 1) uses the
 * cache's active indices of that epoch (registry updates cannot change them: they only set activation and exit
 * epochs at compute_activation_exit_epoch(current) or later) and the effective balances as they are now.
 * Spec: `process_proposer_lookahead` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/fulu/beacon-chain.md#new-process_proposer_lookahead
 */
export function processProposerLookahead(
  cs: CachedBeaconState,
  cache: EpochTransitionCache = beforeProcessEpoch(cs),
): void {
  const state = cs.state as BeaconStateFulu;
  const lookahead = state.proposerLookahead.getAll();
  const lastEpochStart = lookahead.length - SLOTS_PER_EPOCH;
  // Shift out proposers in the first epoch
  for (let i = 0; i < lastEpochStart; i++) state.proposerLookahead.set(i, lookahead[i + SLOTS_PER_EPOCH]);
  // Fill in the last epoch with new proposer indices
  const epoch = getCurrentEpoch(state) + MIN_SEED_LOOKAHEAD + 1;
  const proposers = computeProposerIndicesFast(
    cs.fork,
    state,
    epoch,
    cache.lookaheadActiveIndices,
    cache.effectiveBalances,
    cache.effectiveBalanceIncrements,
  );
  for (let i = 0; i < SLOTS_PER_EPOCH; i++) state.proposerLookahead.set(lastEpochStart + i, proposers[i]);
}
