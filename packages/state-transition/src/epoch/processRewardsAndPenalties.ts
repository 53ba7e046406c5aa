import {ForkSeq, GENESIS_EPOCH, PARTICIPATION_FLAG_WEIGHTS} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {getCurrentEpoch} from "../util/epoch.ts";
import {type Deltas, getAttestationDeltas} from "./attestationDeltas.ts";
import {beforeProcessEpoch, type EpochTransitionCache} from "./epochTransitionCache.ts";
import {getFlagIndexDeltas, getInactivityPenaltyDeltasAltair} from "./flagIndexDeltas.ts";

/**
 * phase0 / altair process_rewards_and_penalties. Each set of deltas is applied in the spec's order, with
 * increase_balance then decrease_balance (saturating at zero) per set, so the result matches the spec exactly
 * even where a balance hits zero in between.
 * Spec: `process_rewards_and_penalties` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/beacon-chain.md#rewards-and-penalties-1 (phase0; modified in altair)
 */
export function processRewardsAndPenalties(
  cs: CachedBeaconState,
  cache: EpochTransitionCache = beforeProcessEpoch(cs),
): void {
  const state = cs.state;
  // No rewards are applied at the end of `GENESIS_EPOCH` because rewards are for work done in the previous epoch
  if (getCurrentEpoch(state) === GENESIS_EPOCH) return;

  let deltasList: Deltas[];
  if (cs.fork === ForkSeq.phase0) {
    deltasList = [getAttestationDeltas(cs, cache)];
  } else {
    deltasList = PARTICIPATION_FLAG_WEIGHTS.map((_, flagIndex) => getFlagIndexDeltas(cs, flagIndex, cache));
    deltasList.push(getInactivityPenaltyDeltasAltair(cs, cache));
  }

  const before = state.balances.getAll();
  const n = cache.validatorCount;
  for (let i = 0; i < n; i++) {
    let balance = before[i];
    for (const {rewards, penalties} of deltasList) {
      balance += rewards[i];
      const penalty = penalties[i];
      balance = penalty > balance ? 0 : balance - penalty;
    }
    if (balance !== before[i]) state.balances.set(i, balance);
  }
}
