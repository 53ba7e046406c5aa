import {
  CachedBeaconState,
  getJustificationBalances,
  processJustificationAndFinalization,
} from "@ceibo/state-transition";
import type {CheckpointHex} from "../protoArray/interface.ts";
import {toRootHex} from "./util.ts";

export interface PulledUpCheckpoints {
  justified: CheckpointHex;
  finalized: CheckpointHex;
}

/**
 * The checkpoints of phase0 compute_pulled_up_tip: process_justification_and_finalization run on a copy of the
 * block's post-state (the post-state itself is untouched). The copy shares the epoch cache, which
 * justification and finalization only reads, and the validator-fields view (synced from the tree, not rebuilt).
 * Run on every imported block: only the three balances it weighs are computed (`getJustificationBalances`), not the
 * whole epoch transition cache.
 * Spec: `compute_pulled_up_tip` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/fork-choice.md#compute_pulled_up_tip
 */
export function computePulledUpTip(postState: CachedBeaconState): PulledUpCheckpoints {
  postState.state.commit();
  const copy = new CachedBeaconState(
    postState.state.clone(),
    postState.config,
    postState.epochCtx,
    postState.fork,
    postState.validatorFields,
  );
  processJustificationAndFinalization(copy, getJustificationBalances(copy));
  return {
    justified: checkpointOf(copy.state.currentJustifiedCheckpoint),
    finalized: checkpointOf(copy.state.finalizedCheckpoint),
  };
}

/** A state's checkpoint (value or view) with a hex root. */
export function checkpointOf(cp: {epoch: number; root: Uint8Array}): CheckpointHex {
  return {epoch: cp.epoch, root: toRootHex(cp.root)};
}
