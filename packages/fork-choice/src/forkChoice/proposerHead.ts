import {SLOTS_PER_EPOCH} from "@ceibo/params";
import {computeEpochAtSlot} from "@ceibo/state-transition";
import {ForkChoiceError} from "../errors.ts";
import type {ProtoNode, RootHex} from "../protoArray/interface.ts";
import type {ForkChoice} from "./forkChoice.ts";

/**
 * phase0 "Proposer head and reorg helpers" (fork-choice.md at a08d8a6): whether a proposer at `slot` builds on the
 * head or re-orgs a late, weak head by building on its parent. Call after getHead() (weights are read from the
 * proto-array as the last head computation left them).
 */

/**
 * is_head_late
 * Spec: `is_head_late` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/fork-choice.md#is_head_late
 */
export function isHeadLate(fc: ForkChoice, headRoot: RootHex): boolean {
  return !nodeOf(fc, headRoot).timely;
}

/**
 * is_not_epoch_boundary
 * Spec: `is_not_epoch_boundary` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/fork-choice.md#is_not_epoch_boundary
 */
export function isNotEpochBoundary(slot: number): boolean {
  return slot % SLOTS_PER_EPOCH !== 0;
}

/**
 * is_ffg_competitive: head and parent have the same unrealized justification
 * Spec: `is_ffg_competitive` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/fork-choice.md#is_ffg_competitive
 */
export function isFfgCompetitive(fc: ForkChoice, headRoot: RootHex, parentRoot: RootHex): boolean {
  const head = nodeOf(fc, headRoot);
  const parent = nodeOf(fc, parentRoot);
  return (
    head.unrealizedJustifiedEpoch === parent.unrealizedJustifiedEpoch &&
    head.unrealizedJustifiedRoot === parent.unrealizedJustifiedRoot
  );
}

/**
 * is_finalization_ok
 * Spec: `is_finalization_ok` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/fork-choice.md#is_finalization_ok
 */
export function isFinalizationOk(fc: ForkChoice, slot: number): boolean {
  const epochsSinceFinalization = computeEpochAtSlot(slot) - fc.finalizedCheckpoint.epoch;
  return epochsSinceFinalization <= fc.config.REORG_MAX_EPOCHS_SINCE_FINALIZATION;
}

/**
 * is_proposing_on_time
 * Spec: `is_proposing_on_time` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/fork-choice.md#is_proposing_on_time
 */
export function isProposingOnTime(fc: ForkChoice): boolean {
  return fc.timeIntoSlotMs <= fc.getSlotComponentDurationMs(fc.config.PROPOSER_REORG_CUTOFF_BPS);
}

/**
 * is_head_weak: the head's attestation score plus the effective balance of the equivocating validators of the
 * head slot's committees is below REORG_HEAD_WEIGHT_THRESHOLD of a committee.
 * Spec: `is_head_weak` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/fork-choice.md#is_head_weak
 */
export function isHeadWeak(fc: ForkChoice, headRoot: RootHex): boolean {
  const reorgThreshold = fc.calculateCommitteeFraction(fc.config.REORG_HEAD_WEIGHT_THRESHOLD);
  const head = nodeOf(fc, headRoot);
  let headWeight = head.weight; // get_attestation_score(store, head, justified_state)
  if (fc.equivocatingIndices.size > 0) {
    const headState = fc.states.getBlockState(headRoot);
    if (headState === undefined) throw new ForkChoiceError("MISSING_STATE", `no state for the head block ${headRoot}`);
    const justifiedState = fc.getCheckpointState(fc.justifiedCheckpoint);
    const validators = justifiedState.state.validators;
    const committees = headState.epochCtx.getCommitteeCountPerSlot(computeEpochAtSlot(head.slot));
    for (let index = 0; index < committees; index++) {
      for (const i of headState.epochCtx.getBeaconCommittee(head.slot, index)) {
        if (fc.equivocatingIndices.has(i) && i < validators.length) {
          headWeight += validators.getReadonly(i).effectiveBalance;
        }
      }
    }
  }
  return headWeight < reorgThreshold;
}

/**
 * is_parent_strong: the parent's attestation score is above REORG_PARENT_WEIGHT_THRESHOLD of a committee
 * Spec: `is_parent_strong` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/fork-choice.md#is_parent_strong
 */
export function isParentStrong(fc: ForkChoice, headRoot: RootHex): boolean {
  const parentThreshold = fc.calculateCommitteeFraction(fc.config.REORG_PARENT_WEIGHT_THRESHOLD);
  const parent = nodeOf(fc, nodeOf(fc, headRoot).parentRoot);
  return parent.weight > parentThreshold;
}

/**
 * is_proposer_equivocation: another known block has the same slot and proposer
 * Spec: `is_proposer_equivocation` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/fork-choice.md#is_proposer_equivocation
 */
export function isProposerEquivocation(fc: ForkChoice, headRoot: RootHex): boolean {
  const head = nodeOf(fc, headRoot);
  let matching = 0;
  for (const node of fc.protoArray.nodes) {
    if (node.proposerIndex === head.proposerIndex && node.slot === head.slot) matching++;
  }
  return matching > 1;
}

/**
 * get_proposer_head: the parent of `headRoot` when re-orging the head is allowed and worthwhile, else the head.
 * A head without a known parent (the anchor) is never re-orged.
 * Spec: `get_proposer_head` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/fork-choice.md#get_proposer_head
 */
export function getProposerHead(fc: ForkChoice, headRoot: RootHex, slot: number): ProtoNode {
  const head = nodeOf(fc, headRoot);
  const parent = fc.protoArray.getNode(head.parentRoot);
  if (parent === undefined) return head;
  if (fc.proposerBoostRoot === headRoot) {
    throw new ForkChoiceError("INVALID_NODE", "get_proposer_head: the head still has the proposer boost");
  }
  const currentTimeOk = head.slot + 1 === slot;
  const headWeak = isHeadWeak(fc, headRoot);
  const reorg =
    isHeadLate(fc, headRoot) &&
    isNotEpochBoundary(slot) &&
    isFfgCompetitive(fc, headRoot, parent.blockRoot) &&
    isFinalizationOk(fc, slot) &&
    isProposingOnTime(fc) &&
    parent.slot + 1 === head.slot &&
    currentTimeOk &&
    headWeak &&
    isParentStrong(fc, headRoot);
  if (reorg) return parent;
  if (headWeak && currentTimeOk && isProposerEquivocation(fc, headRoot)) return parent;
  return head;
}

function nodeOf(fc: ForkChoice, root: RootHex): ProtoNode {
  const node = fc.protoArray.getNode(root);
  if (node === undefined) throw new ForkChoiceError("UNKNOWN_BLOCK", `block ${root} is unknown`);
  return node;
}
