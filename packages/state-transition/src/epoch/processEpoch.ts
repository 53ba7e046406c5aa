import {ForkSeq} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {beforeProcessEpoch} from "./epochTransitionCache.ts";
import {processEffectiveBalanceUpdates} from "./processEffectiveBalanceUpdates.ts";
import {processEth1DataReset} from "./processEth1DataReset.ts";
import {processHistoricalRootsUpdate} from "./processHistoricalRootsUpdate.ts";
import {processHistoricalSummariesUpdate} from "./processHistoricalSummariesUpdate.ts";
import {processInactivityUpdates} from "./processInactivityUpdates.ts";
import {processJustificationAndFinalization} from "./processJustificationAndFinalization.ts";
import {processParticipationFlagUpdates} from "./processParticipationFlagUpdates.ts";
import {processParticipationRecordUpdates} from "./processParticipationRecordUpdates.ts";
import {processPendingConsolidations} from "./processPendingConsolidations.ts";
import {processPendingDeposits} from "./processPendingDeposits.ts";
import {processProposerLookahead} from "./processProposerLookahead.ts";
import {processRandaoMixesReset} from "./processRandaoMixesReset.ts";
import {processRegistryUpdates} from "./processRegistryUpdates.ts";
import {processRewardsAndPenalties} from "./processRewardsAndPenalties.ts";
import {processSlashings} from "./processSlashings.ts";
import {processSlashingsReset} from "./processSlashingsReset.ts";
import {processSyncCommitteeUpdates} from "./processSyncCommitteeUpdates.ts";

/**
 * phase0 / altair / capella / electra / fulu process_epoch: the steps of the state's fork in the spec's order.
 * The registry is scanned once, into the epoch transition cache that every step reads.
 * Spec: `process_epoch` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/fulu/beacon-chain.md#modified-process_epoch (phase0; modified in altair, capella, electra, fulu)
 */
export function processEpoch(cs: CachedBeaconState): void {
  const fork = cs.fork;
  const cache = beforeProcessEpoch(cs);
  processJustificationAndFinalization(cs, cache);
  if (fork >= ForkSeq.altair) processInactivityUpdates(cs, cache);
  processRewardsAndPenalties(cs, cache);
  processRegistryUpdates(cs, cache);
  processSlashings(cs, cache);
  processEth1DataReset(cs);
  if (fork >= ForkSeq.electra) {
    processPendingDeposits(cs, cache);
    processPendingConsolidations(cs);
  }
  processEffectiveBalanceUpdates(cs, cache);
  processSlashingsReset(cs);
  processRandaoMixesReset(cs);
  if (fork >= ForkSeq.capella) processHistoricalSummariesUpdate(cs);
  else processHistoricalRootsUpdate(cs);
  if (fork === ForkSeq.phase0) {
    processParticipationRecordUpdates(cs);
  } else {
    processParticipationFlagUpdates(cs);
    processSyncCommitteeUpdates(cs);
  }
  if (fork >= ForkSeq.fulu) processProposerLookahead(cs, cache);
  // Leave no pending changes: bulk readers such as getAllReadonlyValues (the next epoch cache) need them committed
  cs.state.commit();
}
