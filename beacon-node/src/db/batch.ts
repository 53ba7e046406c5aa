import type {SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import {DbError} from "./errors.ts";
import type {BatchOp, Kv, WriteOpts} from "./kv.ts";
import type {AnchorRepository, FinalizedAnchor} from "./repositories/anchor.ts";
import type {HotBlockRepository} from "./repositories/blocks.ts";
import type {ForkChoiceNodeRepository, ForkChoiceNodeSummary} from "./repositories/forkChoiceNodes.ts";
import type {ChainMetadata, MetadataKey, MetadataRepository} from "./repositories/metadata.ts";
import type {
  BlobSidecar,
  BlobSidecarRepository,
  DataColumnSidecar,
  DataColumnSidecarRepository,
} from "./repositories/sidecars.ts";
import type {CheckpointKey, CheckpointStateRepository, StateInput} from "./repositories/states.ts";

export interface BatchRepos {
  hotBlocks: HotBlockRepository;
  blobSidecars: BlobSidecarRepository;
  dataColumnSidecars: DataColumnSidecarRepository;
  checkpointStates: CheckpointStateRepository;
  anchor: AnchorRepository;
  metadata: MetadataRepository;
  forkChoiceNodes?: ForkChoiceNodeRepository;
}

/**
 * Writes that land together or not at all: every op is queued and `write()` hands them to LevelDB as one
 * write batch (one log record: after a crash it is either fully replayed or dropped). Encoding happens when an
 * op is added; if that throws, the batch is poisoned and `write()` refuses, so a caller that catches the error
 * cannot commit the other half by accident.
 *
 *   await db.batch().putBlock(root, block).putCheckpointState(cp, state).putAnchor(anchor).write();
 */
export class DbBatch {
  private readonly kv: Kv;
  private readonly repos: BatchRepos;
  /** Queued ops in the order they were added (async parts resolve before the write). */
  private readonly parts: (BatchOp[] | Promise<BatchOp[]>)[] = [];
  private failure: unknown = null;
  private state: "open" | "writing" | "written" = "open";

  constructor(kv: Kv, repos: BatchRepos) {
    this.kv = kv;
    this.repos = repos;
  }

  /** How many LevelDB operations are queued (not counting async parts still being prepared). */
  get length(): number {
    let n = 0;
    for (const p of this.parts) if (Array.isArray(p)) n += p.length;
    return n;
  }

  putBlock(root: Uint8Array, block: SignedBeaconBlockAllForks): this {
    return this.add(() => this.repos.hotBlocks.putOps(root, block));
  }

  putSerializedBlock(root: Uint8Array, ssz: Uint8Array): this {
    return this.add(() => this.repos.hotBlocks.putSerializedOps(root, ssz));
  }

  /** A hot block's fork-choice summary (stored with the block: a restart adds it to fork choice from this). */
  putForkChoiceNode(root: Uint8Array, summary: ForkChoiceNodeSummary): this {
    const repo = this.repos.forkChoiceNodes;
    if (repo === undefined) throw new DbError("INVALID_ARGUMENT", "this batch has no fork-choice node repository");
    return this.add(() => repo.putOps(root, summary));
  }

  deleteBlock(root: Uint8Array): this {
    return this.add(() => this.repos.hotBlocks.deleteOps(root));
  }

  putBlobSidecars(blockRoot: Uint8Array, sidecars: BlobSidecar[]): this {
    return this.add(() => this.repos.blobSidecars.putOps(blockRoot, sidecars));
  }

  putDataColumnSidecars(blockRoot: Uint8Array, sidecars: DataColumnSidecar[]): this {
    return this.add(() => this.repos.dataColumnSidecars.putOps(blockRoot, sidecars));
  }

  putCheckpointState(checkpoint: CheckpointKey, state: StateInput): this {
    return this.add(() => this.repos.checkpointStates.putOps(checkpoint, state));
  }

  deleteCheckpointState(checkpoint: CheckpointKey): this {
    return this.add(() => this.repos.checkpointStates.deleteOps(checkpoint));
  }

  putAnchor(anchor: FinalizedAnchor): this {
    return this.add(() => this.repos.anchor.putOps(anchor));
  }

  putMetadata<K extends MetadataKey>(key: K, value: ChainMetadata[K]): this {
    return this.add(() => this.repos.metadata.putOps(key, value));
  }

  /** Any repository's ops (`repo.putOps(…)`, or an async `deleteOps`). */
  add(makeOps: () => BatchOp[] | Promise<BatchOp[]>): this {
    if (this.state !== "open") throw new DbError("INVALID_ARGUMENT", "batch was already written");
    try {
      const ops = makeOps();
      if (!Array.isArray(ops)) {
        ops.catch((e: unknown) => {
          this.failure ??= e;
        });
      }
      this.parts.push(ops);
    } catch (e) {
      this.failure ??= e;
      throw e;
    }
    return this;
  }

  /** Commits every queued op in one LevelDB write batch. */
  async write(opts?: WriteOpts): Promise<void> {
    if (this.state !== "open") throw new DbError("INVALID_ARGUMENT", "batch was already written");
    this.state = "writing";
    const ops: BatchOp[] = [];
    for (const part of this.parts) {
      try {
        ops.push(...(await part));
      } catch (e) {
        this.failure ??= e;
      }
    }
    if (this.failure !== null) {
      throw new DbError(
        "INVALID_ARGUMENT",
        `batch not written: one of its operations failed: ${(this.failure as Error).message}`,
        {cause: this.failure},
      );
    }
    try {
      await this.kv.write(ops, opts);
    } catch (e) {
      // nothing was written (one LevelDB batch): the same ops may be written again (e.g. once the disk has room)
      this.state = "open";
      throw e;
    }
    this.state = "written";
  }
}
