import {type ForkName, ForkSeq} from "@ceibo/params";
import {
  type CachedBeaconState,
  processEffectiveBalanceUpdates,
  processEpoch,
  processEth1DataReset,
  processHistoricalRootsUpdate,
  processHistoricalSummariesUpdate,
  processInactivityUpdates,
  processJustificationAndFinalization,
  processParticipationFlagUpdates,
  processParticipationRecordUpdates,
  processPendingConsolidations,
  processPendingDeposits,
  processProposerLookahead,
  processRandaoMixesReset,
  processRegistryUpdates,
  processRewardsAndPenalties,
  processSlashings,
  processSlashingsReset,
  processSyncCommitteeUpdates,
} from "@ceibo/state-transition";
import {caseFork, expectInvalid, expectStateEqual, loadCachedState} from "../util/state.ts";
import type {TestCase} from "../util/testCase.ts";

/** Each handler's sub-transition (`process_<handler>`) and the first fork it exists in. */
const STEPS: Record<string, {fn: (cs: CachedBeaconState) => void; from: ForkName; until?: ForkName}> = {
  justification_and_finalization: {fn: (cs) => processJustificationAndFinalization(cs), from: "phase0"},
  inactivity_updates: {fn: (cs) => processInactivityUpdates(cs), from: "altair"},
  rewards_and_penalties: {fn: (cs) => processRewardsAndPenalties(cs), from: "phase0"},
  registry_updates: {fn: (cs) => processRegistryUpdates(cs), from: "phase0"},
  slashings: {fn: (cs) => processSlashings(cs), from: "phase0"},
  eth1_data_reset: {fn: processEth1DataReset, from: "phase0"},
  pending_deposits: {fn: (cs) => processPendingDeposits(cs), from: "electra"},
  pending_consolidations: {fn: processPendingConsolidations, from: "electra"},
  effective_balance_updates: {fn: (cs) => processEffectiveBalanceUpdates(cs), from: "phase0"},
  slashings_reset: {fn: processSlashingsReset, from: "phase0"},
  randao_mixes_reset: {fn: processRandaoMixesReset, from: "phase0"},
  historical_roots_update: {fn: processHistoricalRootsUpdate, from: "phase0", until: "bellatrix"},
  historical_summaries_update: {fn: processHistoricalSummariesUpdate, from: "capella"},
  participation_record_updates: {fn: processParticipationRecordUpdates, from: "phase0", until: "phase0"},
  participation_flag_updates: {fn: processParticipationFlagUpdates, from: "altair"},
  sync_committee_updates: {fn: processSyncCommitteeUpdates, from: "altair"},
  proposer_lookahead: {fn: (cs) => processProposerLookahead(cs), from: "fulu"},
};

/**
 * epoch_processing/<handler> (tests/formats/epoch_processing): `pre` run through exactly that sub-transition must
 * equal `post` (no `post`: it must throw). When the case also has `pre_epoch`/`post_epoch`, the alternative
 * condition is checked too: the whole process_epoch on `pre_epoch` must give `post_epoch`.
 */
export function epochProcessingHandler(handler: string): (tc: TestCase) => void {
  const step = Object.hasOwn(STEPS, handler) ? STEPS[handler] : undefined;
  if (step === undefined) throw Error(`epoch_processing: unknown handler ${handler}`);
  return (tc) => {
    const fork = caseFork(tc);
    const seq = ForkSeq[fork];
    if (seq < ForkSeq[step.from] || (step.until !== undefined && seq > ForkSeq[step.until])) {
      throw Error(`epoch_processing/${handler} does not exist at ${fork}`);
    }
    const cs = loadCachedState(tc, "pre", fork);
    if (!tc.hasSsz("post")) {
      expectInvalid(() => step.fn(cs), `process_${handler}`);
    } else {
      step.fn(cs);
      expectStateEqual(tc, cs.state, fork);
    }

    if (tc.hasSsz("pre_epoch")) {
      const epochState = loadCachedState(tc, "pre_epoch", fork);
      if (!tc.hasSsz("post_epoch")) {
        expectInvalid(() => processEpoch(epochState), "process_epoch");
      } else {
        processEpoch(epochState);
        expectStateEqual(tc, epochState.state, fork, "post_epoch");
      }
    }
  };
}
