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

import type {ChainConfig} from "@ceibo/config";
import type {ProtoBlock, ProtoNode, RootHex} from "@ceibo/fork-choice";
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import {computeStartSlotAtEpoch, createCachedBeaconState, type PubkeyCache} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {fromHex, toHex} from "@ceibo/utils";
import type {BeaconDb, CheckpointKey, ForkChoiceNodeSummary} from "../db/index.ts";
import type {Logger} from "./logger.ts";
import type {ChainStateCache} from "./stateCache.ts";

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

/** What loading a snapshot at a restart needs from the chain. */
export interface SnapshotLoaderModules {
  db: Pick<BeaconDb, "checkpointStates">;
  stateCache: Pick<ChainStateCache, "getCheckpointState" | "setCheckpointState">;
  config: ChainConfig;
  pubkeyCache: PubkeyCache;
  logger: Logger;
}

/**
 * Loads stored epoch-boundary snapshots into the state cache at a restart (BeaconChain.fromDb): each is checked to
 * be the state of its block at its epoch's first slot before use; one that cannot be read or is wrong is skipped
 * (a longer replay, never a wrong state).
 */
export class SnapshotLoader {
  /** Snapshots read from the database so far. */
  loaded = 0;
  private readonly m: SnapshotLoaderModules;

  constructor(modules: SnapshotLoaderModules) {
    this.m = modules;
  }

  /** The nearest usable snapshot below each of the `max` highest leaves of the hot block tree. */
  async loadNearestToLeaves(
    hotBlocks: {root: Uint8Array; block: {message: {slot: number; parentRoot: Uint8Array}}}[],
    max: number,
  ): Promise<void> {
    const stored = await this.m.db.checkpointStates.checkpoints();
    const links = new Map<RootHex, ChainLink>();
    const hasChild = new Set<RootHex>();
    for (const {root, block} of hotBlocks) {
      const parentRoot = toHex(block.message.parentRoot);
      links.set(toHex(root), {root: toHex(root), slot: block.message.slot, parentRoot});
      hasChild.add(parentRoot);
    }
    const leaves = [...links.values()]
      .filter((l) => !hasChild.has(l.root))
      .sort((a, b) => b.slot - a.slot)
      .slice(0, max);
    for (const leaf of leaves) {
      // a snapshot that cannot be used is skipped for the next one down the chain
      let candidates = stored;
      for (let found = nearestSnapshot(leaf.root, links, candidates); found !== null; ) {
        if (await this.loadCheckpoint(found.checkpoint)) break;
        const bad = found.checkpoint;
        candidates = candidates.filter((cp) => !(cp.epoch === bad.epoch && toHex(cp.root) === bad.root));
        found = nearestSnapshot(leaf.root, links, candidates);
      }
    }
  }

  /** The checkpoint state (epoch, root) from its snapshot into the state cache; false when it is not usable. */
  async loadCheckpoint(cp: {epoch: number; root: RootHex}): Promise<boolean> {
    const {db, stateCache, config, pubkeyCache, logger} = this.m;
    if (stateCache.getCheckpointState(cp) !== undefined) return true;
    try {
      const st = await db.checkpointStates.get({epoch: cp.epoch, root: fromHex(cp.root)});
      if (st === null) return false;
      // the snapshot must be a state of that block at that epoch's first slot, else it is not used
      const header = st.state.latestBlockHeader.toValue();
      if (header.stateRoot.every((b) => b === 0)) header.stateRoot = st.stateRoot;
      const blockRoot = toHex(ssz.phase0.BeaconBlockHeader.hashTreeRoot(header));
      if (blockRoot !== cp.root || st.state.slot !== computeStartSlotAtEpoch(cp.epoch)) {
        throw Error(`it is a state of block ${blockRoot} at slot ${st.state.slot}`);
      }
      stateCache.setCheckpointState(cp, createCachedBeaconState(st.state, config, st.forkSeq, {pubkeyCache}));
      this.loaded++;
      return true;
    } catch (e) {
      // a bad snapshot costs a longer replay, never a wrong state
      logger.warn("Ignored a stored state snapshot", {epoch: cp.epoch, root: cp.root, error: (e as Error).message});
      return false;
    }
  }
}

/** At most this many leaves of the hot block tree get their nearest snapshot loaded at a restart. */
export const MAX_RESUME_SNAPSHOTS = 4;

/** What BeaconChain.fromDb did with the hot blocks. */
export interface ResumeStats {
  /** Unfinalized blocks in the database. */
  hotBlocks: number;
  /** Added to fork choice from their stored summaries (no state transition). */
  fromSummaries: number;
  /** Blocks run through the state transition during the restart (incl. the head state's regeneration). */
  replayedBlocks: number;
  /** Epoch-boundary state snapshots read from the database. */
  snapshotsLoaded: number;
  /** Wall time of the whole step (ms). */
  ms: number;
}
