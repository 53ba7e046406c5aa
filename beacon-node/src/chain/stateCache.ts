import {type CheckpointHex, checkpointKey, type ForkChoiceStateCache, type RootHex} from "@ceibo/fork-choice";
import type {CachedBeaconState} from "@ceibo/state-transition";

export interface ChainStateCacheOpts {
  /** Block post-states kept (least recently used evicted first). Default 32. */
  maxBlockStates?: number;
  /** Checkpoint states kept. Default 8. */
  maxCheckpointStates?: number;
}

/**
 * The chain's state cache, and fork choice's `block_states` / `checkpoint_states`: recent block post-states by
 * block root and checkpoint states, each a bounded LRU. The state of the latest finalized block is pinned (never
 * evicted): it is the base every other state can be regenerated from by replaying blocks (`regen`, set by the
 * chain). A miss on a known block regenerates its state, so fork choice never sees a missing state for a block it
 * knows. States handed out are shared: callers clone before mutating.
 */
export class ChainStateCache implements ForkChoiceStateCache {
  private readonly maxBlockStates: number;
  private readonly maxCheckpointStates: number;
  private readonly blockStates = new Map<RootHex, CachedBeaconState>();
  private readonly checkpointStates = new Map<string, {checkpoint: CheckpointHex; state: CachedBeaconState}>();
  private pinned: {root: RootHex; state: CachedBeaconState} | null = null;
  /** Rebuilds the post-state of a known block from the nearest cached ancestor state (the chain's replay). */
  private readonly regen: ((blockRoot: RootHex) => CachedBeaconState | undefined) | null;
  /** How many states were regenerated (for logs and tests). */
  regenCount = 0;

  constructor(
    opts: ChainStateCacheOpts = {},
    regen: ((blockRoot: RootHex) => CachedBeaconState | undefined) | null = null,
  ) {
    this.regen = regen;
    this.maxBlockStates = opts.maxBlockStates ?? 32;
    this.maxCheckpointStates = opts.maxCheckpointStates ?? 8;
    if (!(this.maxBlockStates >= 1 && this.maxCheckpointStates >= 1)) throw Error("state cache sizes must be >= 1");
  }

  /** The cached state of a block, without regeneration. */
  peekBlockState(blockRoot: RootHex): CachedBeaconState | undefined {
    if (this.pinned?.root === blockRoot) return this.pinned.state;
    return this.blockStates.get(blockRoot);
  }

  getBlockState(blockRoot: RootHex): CachedBeaconState | undefined {
    const cached = this.blockStates.get(blockRoot);
    if (cached !== undefined) {
      // LRU: move to the back
      this.blockStates.delete(blockRoot);
      this.blockStates.set(blockRoot, cached);
      return cached;
    }
    if (this.pinned?.root === blockRoot) return this.pinned.state;
    const regenerated = this.regen?.(blockRoot);
    if (regenerated !== undefined) {
      this.regenCount++;
      this.setBlockState(blockRoot, regenerated);
    }
    return regenerated;
  }

  setBlockState(blockRoot: RootHex, state: CachedBeaconState): void {
    this.blockStates.delete(blockRoot);
    this.blockStates.set(blockRoot, state);
    while (this.blockStates.size > this.maxBlockStates) {
      const oldest = this.blockStates.keys().next().value as RootHex;
      this.blockStates.delete(oldest);
    }
  }

  getCheckpointState(checkpoint: CheckpointHex): CachedBeaconState | undefined {
    const key = checkpointKey(checkpoint);
    const entry = this.checkpointStates.get(key);
    if (entry === undefined) return undefined;
    this.checkpointStates.delete(key);
    this.checkpointStates.set(key, entry);
    return entry.state;
  }

  setCheckpointState(checkpoint: CheckpointHex, state: CachedBeaconState): void {
    const key = checkpointKey(checkpoint);
    this.checkpointStates.delete(key);
    this.checkpointStates.set(key, {checkpoint, state});
    while (this.checkpointStates.size > this.maxCheckpointStates) {
      const oldest = this.checkpointStates.keys().next().value as string;
      this.checkpointStates.delete(oldest);
    }
  }

  /**
   * A cached checkpoint state of block `root` usable as a regeneration base for its descendant at `childSlot`
   * (the checkpoint's first slot is before it; the highest such epoch), or, with `childSlot` null, the
   * checkpoint state at the block's own slot (= its post-state). Used by regen so that states after a restart
   * are rebuilt from the loaded snapshots (chain/snapshots.ts) instead of from the finalized state.
   */
  checkpointBase(root: RootHex, blockSlot: number, childSlot: number | null): CachedBeaconState | undefined {
    let best: {epoch: number; state: CachedBeaconState} | undefined;
    for (const {checkpoint, state} of this.checkpointStates.values()) {
      if (checkpoint.root !== root) continue;
      const slot = state.state.slot;
      const valid = childSlot === null ? slot === blockSlot : slot >= blockSlot && slot < childSlot;
      if (valid && (best === undefined || checkpoint.epoch > best.epoch)) best = {epoch: checkpoint.epoch, state};
    }
    return best?.state;
  }

  onPruned(blockRoots: RootHex[], finalized: CheckpointHex): void {
    const gone = new Set(blockRoots);
    for (const root of blockRoots) this.blockStates.delete(root);
    for (const [key, entry] of this.checkpointStates) {
      if (gone.has(entry.checkpoint.root) || entry.checkpoint.epoch < finalized.epoch)
        this.checkpointStates.delete(key);
    }
  }

  /** Makes `state` (the post-state of the finalized block `root`) the regeneration base. */
  pin(root: RootHex, state: CachedBeaconState): void {
    this.pinned = {root, state};
  }

  get pinnedRoot(): RootHex | null {
    return this.pinned?.root ?? null;
  }

  get size(): {blockStates: number; checkpointStates: number} {
    return {blockStates: this.blockStates.size, checkpointStates: this.checkpointStates.size};
  }
}
