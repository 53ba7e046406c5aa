import type {CachedBeaconState} from "@ceibo/state-transition";
import type {CheckpointHex, RootHex} from "../protoArray/interface.ts";

/**
 * Where fork choice finds the spec store's `block_states` and `checkpoint_states`. The beacon node plugs in its
 * own state cache (with regeneration and eviction); MemoryStateCache keeps everything in memory.
 * States handed out are shared: callers clone before mutating.
 */
export interface ForkChoiceStateCache {
  getBlockState(blockRoot: RootHex): CachedBeaconState | undefined;
  setBlockState(blockRoot: RootHex, state: CachedBeaconState): void;
  getCheckpointState(checkpoint: CheckpointHex): CachedBeaconState | undefined;
  setCheckpointState(checkpoint: CheckpointHex, state: CachedBeaconState): void;
  /** The blocks were pruned from fork choice (they conflict with finality): their states may go. */
  onPruned(blockRoots: RootHex[], finalized: CheckpointHex): void;
}

export function checkpointKey(cp: CheckpointHex): string {
  return `${cp.epoch}:${cp.root}`;
}

/** Every block and checkpoint state in memory until its block is pruned; for tests, spec tests and dev chains. */
export class MemoryStateCache implements ForkChoiceStateCache {
  private readonly blockStates = new Map<RootHex, CachedBeaconState>();
  private readonly checkpointStates = new Map<string, {checkpoint: CheckpointHex; state: CachedBeaconState}>();

  getBlockState(blockRoot: RootHex): CachedBeaconState | undefined {
    return this.blockStates.get(blockRoot);
  }

  setBlockState(blockRoot: RootHex, state: CachedBeaconState): void {
    this.blockStates.set(blockRoot, state);
  }

  getCheckpointState(checkpoint: CheckpointHex): CachedBeaconState | undefined {
    return this.checkpointStates.get(checkpointKey(checkpoint))?.state;
  }

  setCheckpointState(checkpoint: CheckpointHex, state: CachedBeaconState): void {
    this.checkpointStates.set(checkpointKey(checkpoint), {checkpoint, state});
  }

  onPruned(blockRoots: RootHex[], finalized: CheckpointHex): void {
    const gone = new Set(blockRoots);
    for (const root of blockRoots) this.blockStates.delete(root);
    for (const [key, entry] of this.checkpointStates) {
      if (gone.has(entry.checkpoint.root) || entry.checkpoint.epoch < finalized.epoch)
        this.checkpointStates.delete(key);
    }
  }

  get size(): {blockStates: number; checkpointStates: number} {
    return {blockStates: this.blockStates.size, checkpointStates: this.checkpointStates.size};
  }
}
