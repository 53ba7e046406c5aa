import {GENESIS_EPOCH, JUSTIFICATION_BITS_LENGTH} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {BitArray} from "@chainsafe/ssz";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {BeaconStateAllForks, Checkpoint} from "../types.ts";
import {getCurrentEpoch, getPreviousEpoch} from "../util/epoch.ts";
import {getJustificationBalances, type JustificationBalances} from "./epochTransitionCache.ts";
import {getBlockRoot} from "./util.ts";

/**
 * phase0 / altair process_justification_and_finalization. The target balances come from the epoch transition
 * cache: phase0 from the matching target attestations, altair+ from the TIMELY_TARGET participation flags.
 * Spec: `process_justification_and_finalization` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/beacon-chain.md#justification-and-finalization (phase0; modified in altair)
 */
export function processJustificationAndFinalization(cs: CachedBeaconState, epochCache?: JustificationBalances): void {
  const state = cs.state;
  // Skip FFG updates in the first two epochs to avoid corner cases that might result in modifying the stub root.
  if (getCurrentEpoch(state) <= GENESIS_EPOCH + 1) return;
  // run alone (compute_pulled_up_tip on every block): only the three balances, not the whole cache
  const cache = epochCache ?? getJustificationBalances(cs);
  if (cache.prevTargetError !== null) throw cache.prevTargetError;
  if (cache.currTargetError !== null) throw cache.currTargetError;
  weighJustificationAndFinalization(state, cache.totalActiveBalance, cache.prevTargetBalance, cache.currTargetBalance);
}

/**
 * phase0 weigh_justification_and_finalization (balances in Gwei, as bigint: they are registry-wide sums)
 * Spec: `weigh_justification_and_finalization` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#justification-and-finalization
 */
export function weighJustificationAndFinalization(
  state: BeaconStateAllForks,
  totalActiveBalance: bigint,
  previousEpochTargetBalance: bigint,
  currentEpochTargetBalance: bigint,
): void {
  const previousEpoch = getPreviousEpoch(state);
  const currentEpoch = getCurrentEpoch(state);
  const oldPreviousJustified: Checkpoint = state.previousJustifiedCheckpoint.toValue();
  const oldCurrentJustified: Checkpoint = state.currentJustifiedCheckpoint.toValue();

  // Process justifications
  state.previousJustifiedCheckpoint = ssz.phase0.Checkpoint.toViewDU(oldCurrentJustified);
  const oldBits = state.justificationBits.toValue();
  const bits = BitArray.fromBitLen(JUSTIFICATION_BITS_LENGTH);
  for (let i = 1; i < JUSTIFICATION_BITS_LENGTH; i++) bits.set(i, oldBits.get(i - 1));
  bits.set(0, false);
  if (previousEpochTargetBalance * 3n >= totalActiveBalance * 2n) {
    state.currentJustifiedCheckpoint = ssz.phase0.Checkpoint.toViewDU({
      epoch: previousEpoch,
      root: getBlockRoot(state, previousEpoch),
    });
    bits.set(1, true);
  }
  if (currentEpochTargetBalance * 3n >= totalActiveBalance * 2n) {
    state.currentJustifiedCheckpoint = ssz.phase0.Checkpoint.toViewDU({
      epoch: currentEpoch,
      root: getBlockRoot(state, currentEpoch),
    });
    bits.set(0, true);
  }
  state.justificationBits = ssz.phase0.JustificationBits.toViewDU(bits);

  // Process finalizations
  const all = (from: number, to: number): boolean => {
    for (let i = from; i < to; i++) if (!bits.get(i)) return false;
    return true;
  };
  // The 2nd/3rd/4th most recent epochs are justified, the 2nd using the 4th as source
  if (all(1, 4) && oldPreviousJustified.epoch + 3 === currentEpoch) {
    state.finalizedCheckpoint = ssz.phase0.Checkpoint.toViewDU(oldPreviousJustified);
  }
  // The 2nd/3rd most recent epochs are justified, the 2nd using the 3rd as source
  if (all(1, 3) && oldPreviousJustified.epoch + 2 === currentEpoch) {
    state.finalizedCheckpoint = ssz.phase0.Checkpoint.toViewDU(oldPreviousJustified);
  }
  // The 1st/2nd/3rd most recent epochs are justified, the 1st using the 3rd as source
  if (all(0, 3) && oldCurrentJustified.epoch + 2 === currentEpoch) {
    state.finalizedCheckpoint = ssz.phase0.Checkpoint.toViewDU(oldCurrentJustified);
  }
  // The 1st/2nd most recent epochs are justified, the 1st using the 2nd as source
  if (all(0, 2) && oldCurrentJustified.epoch + 1 === currentEpoch) {
    state.finalizedCheckpoint = ssz.phase0.Checkpoint.toViewDU(oldCurrentJustified);
  }
}
