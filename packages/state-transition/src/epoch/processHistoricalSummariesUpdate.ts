import {SLOTS_PER_EPOCH, SLOTS_PER_HISTORICAL_ROOT} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {BeaconStatePostCapella} from "../types.ts";
import {getCurrentEpoch} from "../util/epoch.ts";

/**
 * capella process_historical_summaries_update
 * Spec: `process_historical_summaries_update` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/capella/beacon-chain.md#historical-summaries-updates
 */
export function processHistoricalSummariesUpdate(cs: CachedBeaconState): void {
  const state = cs.state as BeaconStatePostCapella;
  // Set historical block root accumulator.
  const nextEpoch = getCurrentEpoch(state) + 1;
  if (nextEpoch % Math.floor(SLOTS_PER_HISTORICAL_ROOT / SLOTS_PER_EPOCH) === 0) {
    state.historicalSummaries.push(
      ssz.capella.HistoricalSummary.toViewDU({
        blockSummaryRoot: state.blockRoots.hashTreeRoot(),
        stateSummaryRoot: state.stateRoots.hashTreeRoot(),
      }),
    );
  }
}
