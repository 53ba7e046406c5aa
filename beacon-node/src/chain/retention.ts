/**
 * Retention of blob sidecars and data column sidecars: after finalization, the sidecars of finalized blocks
 * older than the period peers must serve them are deleted from the database, in bounded batches in the
 * background, unless the node archives blobs (`--archive-blobs`).
 *
 * The period is the spec's serve range, counted back from the wall-clock epoch and never before the fork that
 * introduced the sidecars:
 * - deneb p2p-interface.md BlobSidecarsByRange v1: blob_serve_range =
 *   [max(current_epoch - MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS, DENEB_FORK_EPOCH), current_epoch]
 * - fulu p2p-interface.md DataColumnSidecarsByRange v1: data_column_serve_range =
 *   [max(current_epoch - MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS, FULU_FORK_EPOCH), current_epoch]
 * (consensus-specs a08d8a6). Only finalized (archived) blocks are pruned: the cut-off is the lower of the serve
 * range's first slot and the finalized slot + 1.
 *
 * Crash safety: each batch deletes the sidecars of the archived blocks of a slot range and moves the persisted
 * cursor (`blobSidecarsPrunedToSlot` / `dataColumnSidecarsPrunedToSlot`) in ONE LevelDB write batch; deletes are
 * idempotent, so after a crash the next run continues from the last written cursor.
 */
import type {ChainConfig} from "@ceibo/config";
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import type {BatchOp, BeaconDb} from "../db/index.ts";
import {readBlockSummary} from "../db/index.ts";
import {hashBlockRoot} from "../network/reqresp/serve.ts";
import {CoalescedRuns} from "./coalescedRuns.ts";
import type {Logger} from "./logger.ts";

export type SidecarKind = "blob" | "column";

/** Slots of archived blocks handled per write batch (one batch = one short event-loop turn). */
export const DEFAULT_PRUNE_BATCH_SLOTS = 32;

const CURSOR_KEY: Record<SidecarKind, "blobSidecarsPrunedToSlot" | "dataColumnSidecarsPrunedToSlot"> = {
  blob: "blobSidecarsPrunedToSlot",
  column: "dataColumnSidecarsPrunedToSlot",
};

/**
 * The first epoch of the serve range of a sidecar kind at `currentEpoch` (deneb blob_serve_range / fulu
 * data_column_serve_range), or null when the fork that introduced the sidecars is not scheduled.
 */
export function sidecarServeRangeStartEpoch(
  config: ChainConfig,
  kind: SidecarKind,
  currentEpoch: number,
): number | null {
  const [minEpochs, forkEpoch] =
    kind === "blob"
      ? [config.MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS, config.DENEB_FORK_EPOCH]
      : [config.MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS, config.FULU_FORK_EPOCH];
  if (!Number.isFinite(forkEpoch)) return null;
  return Math.max(currentEpoch - minEpochs, forkEpoch);
}

export interface SidecarPrunerOpts {
  db: BeaconDb;
  config: ChainConfig;
  logger: Logger;
  /** Keep every sidecar (`--archive-blobs`): the pruner does nothing. */
  archiveBlobs?: boolean;
  /** Archived-block slots per write batch (default DEFAULT_PRUNE_BATCH_SLOTS). */
  batchSlots?: number;
}

export interface PruneResult {
  /** Blocks whose sidecars were deleted (blob lists / blocks with columns). */
  blobBlocks: number;
  columnBlocks: number;
  /** Data column sidecars deleted. */
  columns: number;
  /** Write batches. */
  batches: number;
  /** Wall time of the longest batch (ms: reads, root extraction, write; the event loop runs during its I/O). */
  maxBatchMs: number;
}

export class SidecarPruner {
  private readonly opts: SidecarPrunerOpts;
  private readonly batchSlots: number;
  private readonly runs: CoalescedRuns<{currentEpoch: number; finalizedSlot: number}, PruneResult>;

  constructor(opts: SidecarPrunerOpts) {
    this.opts = opts;
    this.batchSlots = opts.batchSlots ?? DEFAULT_PRUNE_BATCH_SLOTS;
    this.runs = new CoalescedRuns(
      (a) => this.prune(a.currentEpoch, a.finalizedSlot),
      (e): PruneResult => {
        if (!this.runs.stopped) this.opts.logger.warn("Sidecar pruning failed", {error: e.message});
        return emptyResult();
      },
    );
    if (!Number.isSafeInteger(this.batchSlots) || this.batchSlots < 1) {
      throw Error(`prune batch size must be a positive integer, got ${opts.batchSlots}`);
    }
  }

  /**
   * Starts a background prune after finalization (at most one runs; a request during a run is remembered and run
   * after it). Returns the run's promise (never rejects: failures are logged and retried at the next finalization).
   */
  onFinalized(currentEpoch: number, finalizedSlot: number): Promise<PruneResult | null> {
    if (this.opts.archiveBlobs) return Promise.resolve(null);
    return this.runs.request({currentEpoch, finalizedSlot});
  }

  /** Resolves when no prune runs or is pending. */
  idle(): Promise<null> {
    return this.runs.idle();
  }

  /** Stops after the current batch (before the db closes). */
  stop(): Promise<void> {
    return this.runs.stop();
  }

  /** Prunes both kinds once, in bounded batches. */
  async prune(currentEpoch: number, finalizedSlot: number): Promise<PruneResult> {
    const result = emptyResult();
    if (this.opts.archiveBlobs) return result;
    for (const kind of ["blob", "column"] as const) {
      const start = sidecarServeRangeStartEpoch(this.opts.config, kind, currentEpoch);
      if (start === null) continue;
      const forkEpoch = kind === "blob" ? this.opts.config.DENEB_FORK_EPOCH : this.opts.config.FULU_FORK_EPOCH;
      const cutoff = Math.min(start * SLOTS_PER_EPOCH, finalizedSlot + 1);
      await this.pruneKind(kind, forkEpoch * SLOTS_PER_EPOCH, cutoff, result);
    }
    if (result.blobBlocks + result.columnBlocks > 0) {
      this.opts.logger.info("Pruned sidecars past their retention window", {
        currentEpoch,
        blobBlocks: result.blobBlocks,
        columnBlocks: result.columnBlocks,
        columns: result.columns,
        batches: result.batches,
      });
    }
    return result;
  }

  private async pruneKind(kind: SidecarKind, forkSlot: number, cutoff: number, result: PruneResult): Promise<void> {
    const {db} = this.opts;
    const key = CURSOR_KEY[kind];
    let cursor = Math.max((await db.metadata.get(key)) ?? 0, forkSlot);
    while (cursor < cutoff && !this.runs.stopped) {
      const to = Math.min(cursor + this.batchSlots, cutoff);
      const t0 = performance.now();
      // one more block than the batch: its parent_root is the root of the batch's last block
      const blocks = await db.blockArchive.rangeSerialized(cursor, to);
      const next = blocks.length > 0 ? await this.nextArchived(to) : null;
      const ops: BatchOp[] = [];
      const roots: Uint8Array[] = [];
      for (let i = 0; i < blocks.length; i++) {
        if (i + 1 < blocks.length) roots.push(readBlockSummary(blocks[i + 1].ssz).parentRoot);
        else if (next !== null) roots.push(readBlockSummary(next).parentRoot);
        else roots.push(hashBlockRoot(blocks[i].fork, blocks[i].ssz));
      }
      for (const root of roots) {
        if (kind === "blob") {
          if ((await db.kv.get(blobKey(db, root))) !== undefined) result.blobBlocks++;
          ops.push(...db.blobSidecars.deleteOps(root));
        } else {
          const del = await db.dataColumnSidecars.deleteOps(root);
          if (del.length > 0) {
            result.columnBlocks++;
            result.columns += del.length;
          }
          ops.push(...del);
        }
      }
      ops.push(...db.metadata.putOps(key, to));
      await db.kv.write(ops);
      result.batches++;
      result.maxBatchMs = Math.max(result.maxBatchMs, performance.now() - t0);
      cursor = to;
      // let other work run between batches
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** The SSZ of the first archived block at or after `slot`, or null. */
  private async nextArchived(slot: number): Promise<Uint8Array | null> {
    const last = await this.opts.db.blockArchive.lastSlot();
    if (last === null || last < slot) return null;
    // archived blocks are at most a few empty slots apart; widen the window until one is found
    for (let width = SLOTS_PER_EPOCH; ; width *= 4) {
      const found = await this.opts.db.blockArchive.rangeSerialized(slot, Math.min(slot + width, last + 1));
      if (found.length > 0) return found[0].ssz;
      if (slot + width > last) return null;
    }
  }
}

function blobKey(db: BeaconDb, root: Uint8Array): Uint8Array {
  const op = db.blobSidecars.deleteOps(root)[0];
  return op.key;
}

function emptyResult(): PruneResult {
  return {blobBlocks: 0, columnBlocks: 0, columns: 0, batches: 0, maxBatchMs: 0};
}
