export {getActiveUnslashedEffectiveBalances} from "./activeBalances.ts";
export {
  type Deltas,
  getAttestationDeltas,
  getHeadDeltas,
  getInclusionDelayDeltas,
  getSourceDeltas,
  getTargetDeltas,
} from "./attestationDeltas.ts";
export {
  beforeProcessEpoch,
  type EpochTransitionCache,
  getJustificationBalances,
  type JustificationBalances,
} from "./epochTransitionCache.ts";
export {getFlagIndexDeltas, getInactivityPenaltyDeltas} from "./flagIndexDeltas.ts";
export {processEffectiveBalanceUpdates} from "./processEffectiveBalanceUpdates.ts";
export {processEpoch} from "./processEpoch.ts";
export {processEth1DataReset} from "./processEth1DataReset.ts";
export {processHistoricalRootsUpdate} from "./processHistoricalRootsUpdate.ts";
export {processHistoricalSummariesUpdate} from "./processHistoricalSummariesUpdate.ts";
export {processInactivityUpdates} from "./processInactivityUpdates.ts";
export {
  processJustificationAndFinalization,
  weighJustificationAndFinalization,
} from "./processJustificationAndFinalization.ts";
export {processParticipationFlagUpdates} from "./processParticipationFlagUpdates.ts";
export {processParticipationRecordUpdates} from "./processParticipationRecordUpdates.ts";
export {processPendingConsolidations} from "./processPendingConsolidations.ts";
export {processPendingDeposits} from "./processPendingDeposits.ts";
export {processProposerLookahead} from "./processProposerLookahead.ts";
export {processRandaoMixesReset} from "./processRandaoMixesReset.ts";
export {processRegistryUpdates} from "./processRegistryUpdates.ts";
export {processRewardsAndPenalties} from "./processRewardsAndPenalties.ts";
export {processSlashings} from "./processSlashings.ts";
export {processSlashingsReset} from "./processSlashingsReset.ts";
export {processSyncCommitteeUpdates} from "./processSyncCommitteeUpdates.ts";
