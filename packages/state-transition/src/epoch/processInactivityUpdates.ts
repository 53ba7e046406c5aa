import {GENESIS_EPOCH} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {BeaconStatePostAltair} from "../types.ts";
import {getCurrentEpoch} from "../util/epoch.ts";
import {
  beforeProcessEpoch,
  type EpochTransitionCache,
  FLAG_ELIGIBLE,
  FLAG_PREV_TARGET,
} from "./epochTransitionCache.ts";
import {readUint64List, uint64ListFromValues} from "./uint64List.ts";
import {isInInactivityLeak} from "./util.ts";

/**
 * altair process_inactivity_updates
 * Spec: `process_inactivity_updates` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/beacon-chain.md#inactivity-scores
 */
export function processInactivityUpdates(
  cs: CachedBeaconState,
  cache: EpochTransitionCache = beforeProcessEpoch(cs),
): void {
  const state = cs.state as BeaconStatePostAltair;
  // Skip the genesis epoch as score updates are based on the previous epoch participation
  if (getCurrentEpoch(state) === GENESIS_EPOCH) return;
  const bias = cs.config.INACTIVITY_SCORE_BIAS;
  const recoveryRate = cs.config.INACTIVITY_SCORE_RECOVERY_RATE;
  const leak = isInInactivityLeak(state);
  const scores = readUint64List(state.inactivityScores);
  const {flags} = cache;
  const changed: number[] = [];
  for (let i = 0; i < cache.validatorCount; i++) {
    const f = flags[i];
    if ((f & FLAG_ELIGIBLE) === 0) continue;
    const before = scores[i];
    let score = before;
    // Increase the inactivity score of inactive validators
    if ((f & FLAG_PREV_TARGET) !== 0) score -= Math.min(1, score);
    else score += bias;
    // Decrease the inactivity score of all eligible validators during a leak-free epoch
    if (!leak) score -= Math.min(recoveryRate, score);
    if (score !== before) {
      scores[i] = score;
      changed.push(i);
    }
  }
  // few changes (the usual case outside a leak) are set one by one, many rebuild the list in bulk
  if (changed.length > scores.length >>> 6) {
    state.inactivityScores = uint64ListFromValues(state.inactivityScores, scores);
  } else {
    for (const i of changed) state.inactivityScores.set(i, scores[i]);
  }
  // process_rewards_and_penalties reads the updated scores from here
  cache.inactivityScores = scores;
}
