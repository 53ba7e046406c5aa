import {ForkSeq} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {EpochRotationInput} from "../cache/epochCache.ts";
import {beforeProcessEpoch} from "./epochTransitionCache.ts";
import {processEffectiveBalanceUpdates} from "./processEffectiveBalanceUpdates.ts";
import {processEth1DataReset} from "./processEth1DataReset.ts";
import {processHistoricalRootsUpdate} from "./processHistoricalRootsUpdate.ts";
import {processHistoricalSummariesUpdate} from "./processHistoricalSummariesUpdate.ts";
import {processJustificationAndFinalization} from "./processJustificationAndFinalization.ts";
import {processParticipationFlagUpdates} from "./processParticipationFlagUpdates.ts";
import {processParticipationRecordUpdates} from "./processParticipationRecordUpdates.ts";
import {processPendingConsolidations} from "./processPendingConsolidations.ts";
import {processPendingDeposits} from "./processPendingDeposits.ts";
import {processProposerLookahead} from "./processProposerLookahead.ts";
import {processRandaoMixesReset} from "./processRandaoMixesReset.ts";
import {processRegistryUpdates} from "./processRegistryUpdates.ts";
import {
  processInactivityUpdatesAndRewardsAndPenalties,
  processRewardsAndPenalties,
} from "./processRewardsAndPenalties.ts";
import {processSlashings} from "./processSlashings.ts";
import {processSlashingsReset} from "./processSlashingsReset.ts";
import {processSyncCommitteeUpdates} from "./processSyncCommitteeUpdates.ts";

/**
 * phase0 / altair / capella / electra / fulu process_epoch: the steps of the state's fork in the spec's order.
 * The registry is scanned once, into the epoch transition cache that every step reads; what the epoch-cache
 * rotation needs from it is returned (EpochCache.rotate).
 * Spec: `process_epoch` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/fulu/beacon-chain.md#modified-process_epoch (phase0; modified in altair, capella, electra, fulu)
 */
export function processEpoch(cs: CachedBeaconState): EpochRotationInput {
  const fork = cs.fork;
  const mark = stepTimer(cs.epochStepTimes);
  const cache = beforeProcessEpoch(cs);
  mark("beforeProcessEpoch");
  processJustificationAndFinalization(cs, cache);
  mark("processJustificationAndFinalization");
  if (fork >= ForkSeq.altair) {
    // process_inactivity_updates then process_rewards_and_penalties, in one pass over the registry
    processInactivityUpdatesAndRewardsAndPenalties(cs, cache);
    mark("processInactivityUpdates+processRewardsAndPenalties");
  } else {
    processRewardsAndPenalties(cs, cache);
    mark("processRewardsAndPenalties");
  }
  processRegistryUpdates(cs, cache);
  mark("processRegistryUpdates");
  processSlashings(cs, cache);
  mark("processSlashings");
  processEth1DataReset(cs);
  mark("processEth1DataReset");
  if (fork >= ForkSeq.electra) {
    processPendingDeposits(cs, cache);
    mark("processPendingDeposits");
    processPendingConsolidations(cs);
    mark("processPendingConsolidations");
  }
  processEffectiveBalanceUpdates(cs, cache);
  mark("processEffectiveBalanceUpdates");
  processSlashingsReset(cs);
  processRandaoMixesReset(cs);
  if (fork >= ForkSeq.capella) processHistoricalSummariesUpdate(cs);
  else processHistoricalRootsUpdate(cs);
  mark("resets and historical summaries");
  if (fork === ForkSeq.phase0) {
    processParticipationRecordUpdates(cs);
    mark("processParticipationRecordUpdates");
  } else {
    processParticipationFlagUpdates(cs);
    mark("processParticipationFlagUpdates");
    processSyncCommitteeUpdates(cs);
    mark("processSyncCommitteeUpdates");
  }
  if (fork >= ForkSeq.fulu) {
    processProposerLookahead(cs, cache);
    mark("processProposerLookahead");
  }
  // Leave no pending changes: bulk readers such as getAllReadonlyValues (the next epoch cache) need them committed
  cs.state.commit();
  mark("commit");
  return {effectiveBalances: cache.effectiveBalances, nextActiveIndices: cache.lookaheadActiveIndices};
}

const noMark = (_step: string): void => {};

/**
 * A function that adds the time since its previous call (or since its creation) to `times[step]`; a no-op
 * without `times` (the normal path).
 */
export function stepTimer(times: Record<string, number> | null): (step: string) => void {
  if (times === null) return noMark;
  let t0 = performance.now();
  return (step) => {
    const now = performance.now();
    times[step] = (times[step] ?? 0) + (now - t0);
    t0 = now;
  };
}
