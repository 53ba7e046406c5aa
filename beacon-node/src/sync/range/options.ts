/** Range sync's options and their defaults. */
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import type {BatchDataAvailability} from "./batch.ts";

/** Epochs of blocks per BeaconBlocksByRange request (2 * 32 = 64 blocks on mainnet, within MAX_REQUEST_BLOCKS_DENEB). */
export const EPOCHS_PER_BATCH = 2;

export interface RangeSyncOpts {
  /** Epochs per batch (default EPOCHS_PER_BATCH). */
  epochsPerBatch?: number;
  /** Batches downloading, downloaded or importing at once, ahead of import (default 5). */
  maxBufferedBatches?: number;
  /** Concurrent by-range requests per peer (default 1). */
  maxRequestsPerPeer?: number;
  /** Download attempts per batch before the sync chain is abandoned (default 5). */
  maxDownloadAttempts?: number;
  /** Import attempts per batch (each with blocks from another peer if possible) before abandoning (default 3). */
  maxProcessingAttempts?: number;
  /** Timeout of one by-range request, sidecars included (default 30 s). */
  requestTimeoutMs?: number;
  /**
   * A peer whose head is at most this many slots ahead does not start a sync (gossip and unknown-block lookup
   * cover it); also the sync distance up to which the node counts as synced without peers. Default SLOTS_PER_EPOCH.
   */
  slotImportTolerance?: number;
  /** Interval of the "Syncing: slot X/Y" progress line (default 5 s). */
  progressIntervalMs?: number;
  /** Wait before re-evaluating after an abandoned chain or a local import failure (default 2 s). */
  retryDelayMs?: number;
  /** Sidecar download for blocks with blob commitments (deneb+); without it such blocks stall the sync. */
  dataAvailability?: BatchDataAvailability;
}

/** The options with their defaults filled in; `batchSlots` = epochsPerBatch × SLOTS_PER_EPOCH. */
export interface RangeSyncSettings {
  batchSlots: number;
  maxBufferedBatches: number;
  maxRequestsPerPeer: number;
  maxDownloadAttempts: number;
  maxProcessingAttempts: number;
  requestTimeoutMs: number;
  slotImportTolerance: number;
  progressIntervalMs: number;
  retryDelayMs: number;
  dataAvailability: BatchDataAvailability | null;
}

/** The settings of `opts`; a batch must fit one request (MAX_REQUEST_BLOCKS and MAX_REQUEST_BLOCKS_DENEB). */
export function rangeSyncSettings(
  opts: RangeSyncOpts,
  config: {MAX_REQUEST_BLOCKS: number; MAX_REQUEST_BLOCKS_DENEB: number},
): RangeSyncSettings {
  const epochsPerBatch = opts.epochsPerBatch ?? EPOCHS_PER_BATCH;
  const batchSlots = epochsPerBatch * SLOTS_PER_EPOCH;
  const maxRequest = Math.min(config.MAX_REQUEST_BLOCKS, config.MAX_REQUEST_BLOCKS_DENEB);
  if (!(Number.isSafeInteger(epochsPerBatch) && epochsPerBatch >= 1 && batchSlots <= maxRequest)) {
    throw Error(`epochsPerBatch must be >= 1 and at most ${maxRequest} slots, got ${epochsPerBatch}`);
  }
  return {
    batchSlots,
    maxBufferedBatches: opts.maxBufferedBatches ?? 5,
    maxRequestsPerPeer: opts.maxRequestsPerPeer ?? 1,
    maxDownloadAttempts: opts.maxDownloadAttempts ?? 5,
    maxProcessingAttempts: opts.maxProcessingAttempts ?? 3,
    requestTimeoutMs: opts.requestTimeoutMs ?? 30_000,
    slotImportTolerance: opts.slotImportTolerance ?? SLOTS_PER_EPOCH,
    progressIntervalMs: opts.progressIntervalMs ?? 5000,
    retryDelayMs: opts.retryDelayMs ?? 2000,
    dataAvailability: opts.dataAvailability ?? null,
  };
}
