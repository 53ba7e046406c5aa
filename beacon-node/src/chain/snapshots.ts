/**
 * Restart without replaying every unfinalized block.
 *
 * Two things are on disk for the unfinalized (hot) part of the chain, each written in the block's import batch
 * (one LevelDB write: a crash leaves both or neither):
 * - a state snapshot at epoch boundaries: the checkpoint state (phase0 fork-choice.md
 *   store_target_checkpoint_state) of the first block imported in an epoch, in the checkpoint-state bucket;
 *   archiveFinalized deletes those at or before the finalized epoch;
 * - the block's fork-choice summary: what on_block read from its post-state (justified, finalized and pulled-up
 *   checkpoints, payload hash).
 *
 * At a restart (BeaconChain.fromDb) fork choice gets every hot block from its summary (no state transition), the
 * nearest snapshot below each leaf of the block tree and the justified checkpoint's state are loaded, and a state
 * is regenerated from the nearest snapshot on its chain: at most one snapshot interval of blocks is replayed
 * (one epoch by default; `stateSnapshotEpochs` N: a snapshot when a block crosses a multiple of N epochs since
 * its parent). A snapshot is checked (its block and slot) before use and skipped for the next one down when it
 * cannot be read. Blocks stored without a summary (an older database) are replayed as before.
 */
import type {ProtoBlock, ProtoNode, RootHex} from "@ceibo/fork-choice";
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import {fromHex, toHex} from "@ceibo/utils";
import type {CheckpointKey, ForkChoiceNodeSummary} from "../db/index.ts";

const ZERO_ROOT = new Uint8Array(32);

/** The stored summary of a fork-choice node (after on_block). */
export function forkChoiceSummaryOf(node: ProtoNode): ForkChoiceNodeSummary {
  return {
    slot: node.slot,
    parentRoot: fromHex(node.parentRoot),
    stateRoot: fromHex(node.stateRoot),
    proposerIndex: node.proposerIndex,
    justifiedEpoch: node.justifiedEpoch,
    justifiedRoot: fromHex(node.justifiedRoot),
    finalizedEpoch: node.finalizedEpoch,
    finalizedRoot: fromHex(node.finalizedRoot),
    unrealizedJustifiedEpoch: node.unrealizedJustifiedEpoch,
    unrealizedJustifiedRoot: fromHex(node.unrealizedJustifiedRoot),
    unrealizedFinalizedEpoch: node.unrealizedFinalizedEpoch,
    unrealizedFinalizedRoot: fromHex(node.unrealizedFinalizedRoot),
    hasExecutionBlockHash: node.executionBlockHash !== null,
    executionBlockHash: node.executionBlockHash === null ? ZERO_ROOT : fromHex(node.executionBlockHash),
  };
}

/** The fork-choice block of a stored summary. */
export function protoBlockOf(root: RootHex, s: ForkChoiceNodeSummary): Omit<ProtoBlock, "executionStatus" | "timely"> {
  return {
    slot: s.slot,
    blockRoot: root,
    parentRoot: toHex(s.parentRoot),
    stateRoot: toHex(s.stateRoot),
    proposerIndex: s.proposerIndex,
    justifiedEpoch: s.justifiedEpoch,
    justifiedRoot: toHex(s.justifiedRoot),
    finalizedEpoch: s.finalizedEpoch,
    finalizedRoot: toHex(s.finalizedRoot),
    unrealizedJustifiedEpoch: s.unrealizedJustifiedEpoch,
    unrealizedJustifiedRoot: toHex(s.unrealizedJustifiedRoot),
    unrealizedFinalizedEpoch: s.unrealizedFinalizedEpoch,
    unrealizedFinalizedRoot: toHex(s.unrealizedFinalizedRoot),
    executionBlockHash: s.hasExecutionBlockHash ? toHex(s.executionBlockHash) : null,
  };
}

/** A block on a chain: its root, slot and parent. */
export interface ChainLink {
  root: RootHex;
  slot: number;
  parentRoot: RootHex;
}

/**
 * The snapshot a state of `from` is regenerated from: walking back from `from` through `links`, the first
 * stored checkpoint (E, R) that is a valid base — R on the path and, for the next block C on the path, the epoch's
 * first slot E * SLOTS_PER_EPOCH before C's slot (the checkpoint state is R's post-state advanced to that slot);
 * for `from` itself only a checkpoint at its own slot (then it is its post-state). The highest such epoch wins.
 * Returns the checkpoint and how many blocks are replayed on top of it, or null when none is on the path.
 */
export function nearestSnapshot(
  from: RootHex,
  links: Map<RootHex, ChainLink>,
  stored: CheckpointKey[],
): {checkpoint: {epoch: number; root: RootHex}; replay: number} | null {
  const byRoot = new Map<RootHex, number[]>();
  for (const cp of stored) {
    const root = toHex(cp.root);
    const list = byRoot.get(root) ?? [];
    list.push(cp.epoch);
    byRoot.set(root, list);
  }
  let childSlot: number | null = null;
  let replay = 0;
  for (let link = links.get(from); link !== undefined; link = links.get(link.parentRoot)) {
    const epochs = byRoot.get(link.root) ?? [];
    let best = -1;
    for (const e of epochs) {
      const start = e * SLOTS_PER_EPOCH;
      const valid = childSlot === null ? start === link.slot : start >= link.slot && start < childSlot;
      if (valid && e > best) best = e;
    }
    if (best >= 0) return {checkpoint: {epoch: best, root: link.root}, replay};
    childSlot = link.slot;
    replay++;
  }
  return null;
}
