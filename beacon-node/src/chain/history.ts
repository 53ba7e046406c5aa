/**
 * History pruning (`--prune-history`): keep only the blocks a node must serve and drop finalized history older
 * than that, for operators who do not need an archive.
 *
 * The window: phase0 p2p-interface.md requires blocks of [max(GENESIS_EPOCH, current_epoch -
 * MIN_EPOCHS_FOR_BLOCK_REQUESTS), current_epoch] to be served, where MIN_EPOCHS_FOR_BLOCK_REQUESTS
 * (compute_min_epochs_for_block_requests) is the weak subjectivity period of the worst case registry; the node
 * keeps the larger of it and the current compute_weak_subjectivity_period(finalized state) (phase0 and electra
 * weak-subjectivity.md, sync/weakSubjectivity.ts) — consensus-specs a08d8a6. Dev chains can set the window
 * (`--dev.history-window-epochs`) to test it.
 *
 * Only finalized (archived) blocks are pruned: the cut-off is the lower of the window's first slot and the
 * finalized block's slot. Per batch of slots, the archived blocks (slot key and root index), their blob / column
 * sidecars, light-client bootstraps and archived states are deleted and the cursor `historyPrunedToSlot` moves, in ONE LevelDB write batch
 * (deletes are idempotent: after a crash the next run continues from the last cursor). Batches yield to the event
 * loop between them.
 */
import type {ChainConfig} from "@ceibo/config";
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import {readStateHeader} from "../db/codec.ts";
import type {BatchOp, BeaconDb} from "../db/index.ts";
import {Bucket, rootKey} from "../db/keys.ts";
import {hashBlockRoot} from "../network/reqresp/serve.ts";
import {computeMinEpochsForBlockRequests} from "../sync/weakSubjectivity.ts";
import {CoalescedRuns} from "./coalescedRuns.ts";
import type {Logger} from "./logger.ts";
import {DEFAULT_PRUNE_BATCH_SLOTS} from "./retention.ts";

export interface HistoryPrunerOpts {
  db: BeaconDb;
  config: ChainConfig;
  logger: Logger;
  /** Epochs of blocks kept (dev override); default max(MIN_EPOCHS_FOR_BLOCK_REQUESTS, WS period). */
  windowEpochs?: number;
  /** Archived-block slots per write batch (default DEFAULT_PRUNE_BATCH_SLOTS). */
  batchSlots?: number;
  /** Called after a run that deleted something, with the earliest block slot still stored. */
  onPruned?: (earliestSlot: number) => void;
}

export interface HistoryPruneResult {
  blocks: number;
  states: number;
  batches: number;
  maxBatchMs: number;
  /** The new cursor: blocks below it are gone. */
  prunedToSlot: number;
}

/**
 * The number of epochs of blocks a pruning node keeps: max(compute_min_epochs_for_block_requests(),
 * compute_weak_subjectivity_period(state)), or the dev override.
 */
export function historyWindowEpochs(config: ChainConfig, wsPeriod: number, override?: number): number {
  if (override !== undefined) return override;
  return Math.max(computeMinEpochsForBlockRequests(config), wsPeriod);
}

/** The first slot kept: min(first slot of current_epoch - window, finalized block slot), never below 0. */
export function historyCutoffSlot(currentEpoch: number, windowEpochs: number, finalizedSlot: number): number {
  return Math.min(Math.max(0, currentEpoch - windowEpochs) * SLOTS_PER_EPOCH, finalizedSlot);
}

export class HistoryPruner {
  private readonly opts: HistoryPrunerOpts;
  private readonly batchSlots: number;
  private readonly runs: CoalescedRuns<
    {currentEpoch: number; finalizedSlot: number; wsPeriod: number},
    HistoryPruneResult | null
  >;

  constructor(opts: HistoryPrunerOpts) {
    this.opts = opts;
    this.batchSlots = opts.batchSlots ?? DEFAULT_PRUNE_BATCH_SLOTS;
    this.runs = new CoalescedRuns(
      (a) => this.prune(a.currentEpoch, a.finalizedSlot, a.wsPeriod),
      (e): null => {
        if (!this.runs.stopped) this.opts.logger.warn("History pruning failed", {error: e.message});
        return null;
      },
    );
    if (!Number.isSafeInteger(this.batchSlots) || this.batchSlots < 1) {
      throw Error(`history prune batch size must be a positive integer, got ${opts.batchSlots}`);
    }
    const w = opts.windowEpochs;
    if (w !== undefined && (!Number.isSafeInteger(w) || w < 0)) {
      throw Error(`history window must be a non-negative number of epochs, got ${w}`);
    }
  }

  /** Starts a background run after finalization (one at a time; the newest request waits). Never rejects. */
  onFinalized(currentEpoch: number, finalizedSlot: number, wsPeriod: number): Promise<HistoryPruneResult | null> {
    return this.runs.request({currentEpoch, finalizedSlot, wsPeriod});
  }

  idle(): Promise<null> {
    return this.runs.idle();
  }

  stop(): Promise<void> {
    return this.runs.stop();
  }

  /** Deletes archived blocks (with sidecars and archived states) below the cut-off, in bounded batches. */
  async prune(currentEpoch: number, finalizedSlot: number, wsPeriod: number): Promise<HistoryPruneResult> {
    const {db} = this.opts;
    const window = historyWindowEpochs(this.opts.config, wsPeriod, this.opts.windowEpochs);
    const cutoff = historyCutoffSlot(currentEpoch, window, finalizedSlot);
    let cursor = (await db.metadata.get("historyPrunedToSlot")) ?? 0;
    const result: HistoryPruneResult = {blocks: 0, states: 0, batches: 0, maxBatchMs: 0, prunedToSlot: cursor};
    while (cursor < cutoff && !this.runs.stopped) {
      const to = Math.min(cursor + this.batchSlots, cutoff);
      const t0 = performance.now();
      const ops: BatchOp[] = [];
      for (const b of await db.blockArchive.rangeSerialized(cursor, to)) {
        const root = hashBlockRoot(b.fork, b.ssz);
        ops.push(...db.blockArchive.deleteOps(root, b.slot), ...db.blobSidecars.deleteOps(root));
        ops.push(...(await db.dataColumnSidecars.deleteOps(root)));
        // its light-client bootstrap, if one was stored (bootstraps are only owed inside the window)
        ops.push({type: "del", key: rootKey(Bucket.lightClientBootstrap, root)});
        result.blocks++;
      }
      for (const slot of await db.stateArchive.slots(cursor, to)) {
        const value = await db.stateArchive.getValue(slot);
        if (value === null) continue;
        ops.push(
          ...db.stateArchive.deleteOps(slot, readStateHeader(value, `archived state at slot ${slot}`).stateRoot),
        );
        result.states++;
      }
      ops.push(...db.metadata.putOps("historyPrunedToSlot", to));
      await db.kv.write(ops);
      result.batches++;
      result.maxBatchMs = Math.max(result.maxBatchMs, performance.now() - t0);
      cursor = to;
      result.prunedToSlot = to;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (result.blocks + result.states > 0) {
      const earliest = (await db.blockArchive.firstSlot()) ?? cursor;
      this.opts.logger.info("Pruned block history before the retention window", {
        windowEpochs: window,
        prunedToSlot: cursor,
        earliestBlockSlot: earliest,
        blocks: result.blocks,
        states: result.states,
        batches: result.batches,
      });
      this.opts.onPruned?.(earliest);
    }
    return result;
  }
}
