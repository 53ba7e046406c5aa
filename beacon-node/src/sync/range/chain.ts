/**
 * One sync chain (range sync): the batches from `startSlot` up to and including its target's slot, the peers that
 * can serve them, and the work on its batches — which peer downloads a batch, the download (BeaconBlocksByRange
 * with the response checks, then the batch's sidecars), and the import in slot order with the peer penalties of
 * ../README.md. The range manager (range.ts) decides which chain runs and schedules it (`pump`).
 */
import {computeStartSlotAtEpoch, type SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import {bytesEqual, toHex} from "@ceibo/utils";
import type {BeaconChain} from "../../chain/chain.ts";
import {BlockError} from "../../chain/errors.ts";
import type {ImportBlockOpts} from "../../chain/importBlock.ts";
import type {Logger} from "../../chain/logger.ts";
import type {BlockWithFork, PeerIdStr, StatusMessage, SyncNetwork} from "../../network/types.ts";
import type {BlockData} from "../dataAvailability.ts";
import {type SegmentVerification, verifySegmentSignatures} from "../segmentSignatures.ts";
import {checkRangeResponse, INVALID_BLOCK_CODES, LOCAL_FAILURE_CODES, withTimeout} from "../utils.ts";
import {Batch, type BatchDataAvailability} from "./batch.ts";

export type SyncChainType = "finalized" | "head";

export interface SyncTarget {
  type: SyncChainType;
  /** Finalized chain: the checkpoint epoch's start slot; head chain: the head slot. */
  slot: number;
  root: Uint8Array;
  /** Finalized chain: the checkpoint epoch. */
  epoch?: number;
}

/** What a sync chain needs from the range manager that runs it. */
export interface SyncChainContext {
  readonly chain: BeaconChain;
  readonly network: SyncNetwork;
  readonly logger: Logger;
  readonly dataAvailability: BatchDataAvailability | null;
  readonly maxRequestsPerPeer: number;
  readonly maxDownloadAttempts: number;
  readonly maxProcessingAttempts: number;
  readonly requestTimeoutMs: number;
  readonly retryDelayMs: number;
  /** By-range requests in flight per peer (over all chains). */
  readonly activeRequests: Map<PeerIdStr, number>;
  /** Whether `chain` is still the running one (results of an abandoned chain are dropped). */
  isCurrent(chain: SyncChain): boolean;
  /** Abandons `chain` (re-evaluated later). */
  failChain(chain: SyncChain, reason: string): void;
  /** Schedules what can run next. */
  pump(): void;
  /** Re-runs `pump` after the retry delay. */
  scheduleRetry(): void;
  /** A block was imported (for the progress rate). */
  onBlockImported(): void;
}

/** A by-range response that breaks the protocol's rules (range, order, chain). */
class BadResponse extends Error {}

/** One sync chain: batches from `startSlot` up to and including `target.slot`. */
export class SyncChain {
  readonly target: SyncTarget;
  readonly peers = new Set<PeerIdStr>();
  startSlot: number;
  batches: Batch[] = [];
  nextBatchSlot: number;
  /** Whether any batch of this chain imported a block (so a first-block PARENT_UNKNOWN is not about our start). */
  importedAny = false;
  processing = false;
  /** Chain paused until this time (local import failure). */
  pausedUntil = 0;
  private nextId = 0;
  private readonly ctx: SyncChainContext;

  constructor(target: SyncTarget, startSlot: number, ctx: SyncChainContext) {
    this.target = target;
    this.startSlot = startSlot;
    this.nextBatchSlot = startSlot;
    this.ctx = ctx;
  }

  restartAt(startSlot: number): void {
    this.startSlot = startSlot;
    this.nextBatchSlot = startSlot;
    this.batches = [];
  }

  newBatch(batchSlots: number): Batch | null {
    if (this.nextBatchSlot > this.target.slot) return null;
    const batch = new Batch(this.nextId++, this.nextBatchSlot, batchSlots);
    this.nextBatchSlot += batchSlots;
    this.batches.push(batch);
    return batch;
  }

  get isComplete(): boolean {
    return this.nextBatchSlot > this.target.slot && this.batches.every((b) => b.status === "done");
  }

  /** Whether a peer with this Status can serve this chain's blocks. */
  peerFits(status: StatusMessage): boolean {
    if (this.target.type === "finalized") {
      const epoch = this.target.epoch ?? 0;
      return (
        status.finalizedEpoch > epoch ||
        (status.finalizedEpoch === epoch && bytesEqual(status.finalizedRoot, this.target.root))
      );
    }
    return status.headSlot > this.ctx.chain.head.slot;
  }

  /**
   * A chain peer that can serve the batch and is not at its request limit. Peers that have not failed this batch
   * come first, even if that means waiting for one to be free; a peer that failed it is asked again only when
   * no other peer can serve it. Among equals, the least busy, at random.
   */
  pickPeer(batch: Batch, statuses: Map<PeerIdStr, StatusMessage>): PeerIdStr | null {
    const able: {peer: PeerIdStr; failed: boolean; load: number}[] = [];
    for (const peer of this.peers) {
      const status = statuses.get(peer);
      if (status === undefined) continue; // disconnected
      if (this.target.type === "head" && status.headSlot < batch.startSlot) continue;
      able.push({peer, failed: batch.failedPeers.has(peer), load: this.ctx.activeRequests.get(peer) ?? 0});
    }
    const fresh = able.filter((c) => !c.failed);
    const pool = (fresh.length > 0 ? fresh : able).filter((c) => c.load < this.ctx.maxRequestsPerPeer);
    if (pool.length === 0) return null;
    const minLoad = Math.min(...pool.map((c) => c.load));
    const least = pool.filter((c) => c.load === minLoad);
    return least[Math.floor(Math.random() * least.length)].peer;
  }

  // ---------------------------------------------------------------- download

  download(batch: Batch, peer: PeerIdStr): void {
    const ctx = this.ctx;
    batch.startDownload(peer);
    ctx.activeRequests.set(peer, (ctx.activeRequests.get(peer) ?? 0) + 1);
    const req = batch.request;
    const run = async (): Promise<{blocks: BlockWithFork[]; data: BlockData[] | null}> => {
      const blocks = await ctx.network.beaconBlocksByRange(peer, req);
      const checked = checkRangeResponse(ctx.chain.beaconConfig, req, blocks);
      if (!checked.ok) throw new BadResponse(checked.reason);
      const data =
        ctx.dataAvailability !== null && blocks.length > 0 ? await ctx.dataAvailability.fetch(peer, req, blocks) : null;
      return {blocks, data};
    };
    withTimeout(run(), ctx.requestTimeoutMs, `blocks by range ${req.startSlot}+${req.count} from ${peer}`)
      .then(
        ({blocks, data}) => {
          if (!ctx.isCurrent(this) || !batch.isDownloadingFrom(peer)) return;
          batch.downloaded(blocks, data);
          ctx.logger.debug("Batch downloaded", {startSlot: batch.startSlot, blocks: blocks.length, peer});
        },
        (e: unknown) => {
          if (!ctx.isCurrent(this) || !batch.isDownloadingFrom(peer)) return;
          const reason = (e as Error).message;
          if (e instanceof BadResponse) {
            ctx.network.reportPeer(
              peer,
              "lowTolerance",
              `range sync batch at slot ${batch.startSlot}: bad blocks by range response: ${reason}`,
            );
          }
          ctx.logger.debug("Batch download failed", {startSlot: batch.startSlot, peer, error: reason});
          const attempts = batch.downloadFailed(peer);
          if (attempts >= ctx.maxDownloadAttempts) {
            ctx.failChain(this, `batch at slot ${batch.startSlot} failed ${attempts} downloads: ${reason}`);
          }
        },
      )
      .finally(() => {
        const n = (ctx.activeRequests.get(peer) ?? 1) - 1;
        if (n <= 0) ctx.activeRequests.delete(peer);
        else ctx.activeRequests.set(peer, n);
        ctx.pump();
      });
  }

  // ---------------------------------------------------------------- import

  /** Imports one downloaded batch in slot order; on failure the batch (or its predecessors) is downloaded again. */
  async process(batch: Batch): Promise<void> {
    const ctx = this.ctx;
    const da = ctx.dataAvailability;
    batch.startProcessing();
    const peer = batch.peer as PeerIdStr;
    let imported = 0;
    const blocks = batch.blocks.map((b) => b.block);
    // the signatures of each segment (consecutive blocks of one epoch) in one chain.bls call (../segmentSignatures.ts);
    // a segment that fails is imported block by block, each verifying its own, so the bad block is named
    let segment: SegmentVerification | null = null;
    for (let i = 0; i < batch.blocks.length; i++) {
      if (!ctx.isCurrent(this)) return;
      const {block} = batch.blocks[i];
      const data = batch.data?.[i];
      try {
        if (segment === null || i >= segment.end) {
          segment = await verifySegmentSignatures(ctx.chain, blocks, i);
          if (segment !== null) {
            const {start, end, valid, sets} = segment;
            ctx.logger.debug("Segment signatures verified", {
              slot: block.message.slot,
              blocks: end - start,
              sets,
              valid,
            });
          }
          if (!ctx.isCurrent(this)) return;
        }
        const opts: ImportBlockOpts = {};
        if (segment !== null && i === segment.start) opts.preState = segment.preState;
        if (segment?.valid && i < segment.end) opts.signaturesVerified = true;
        const dataAvailable = data !== undefined && da !== null ? da.prepareImport(block, data) : undefined;
        if (dataAvailable !== undefined) opts.dataAvailable = dataAvailable;
        await ctx.chain.importBlock(block, opts);
        imported++;
        ctx.onBlockImported();
        if (data !== undefined && da !== null) await this.storeSidecars(block, data);
      } catch (e) {
        if (!(e instanceof BlockError)) {
          this.processingFailed(batch, peer, `import error: ${(e as Error).message}`, null);
          return;
        }
        if (e.code === "ALREADY_KNOWN") continue;
        if (e.code === "WOULD_REVERT_FINALIZED") continue; // at or before our finalized slot: nothing to do
        if (e.code === "PARENT_UNKNOWN" && i === 0) {
          this.onFirstBlockUnlinked(batch, peer);
          return;
        }
        if (e.code === "PARENT_UNKNOWN" || INVALID_BLOCK_CODES.has(e.code)) {
          this.processingFailed(batch, peer, e.message, "lowTolerance");
          return;
        }
        if (LOCAL_FAILURE_CODES.has(e.code) || e.code === "FUTURE_SLOT") {
          if (e.code === "DATA_UNAVAILABLE" && da !== null) {
            // the peer's sidecars did not make the data available: try another peer's
            this.processingFailed(batch, peer, e.message, null);
            return;
          }
          ctx.logger.warn("Range sync paused: block import failed locally", {slot: e.slot, error: e.message});
          batch.processingPaused();
          this.pausedUntil = Date.now() + ctx.retryDelayMs;
          ctx.scheduleRetry();
          return;
        }
        this.processingFailed(batch, peer, e.message, null);
        return;
      }
    }
    // success: the blocks of this batch link to what we had
    if (batch.blocks.length > 0) this.importedAny = true;
    if (batch.suspectedEmptyPeer !== null && batch.blocks.length > 0 && batch.suspectedEmptyPeer !== peer) {
      ctx.network.reportPeer(
        batch.suspectedEmptyPeer,
        "midTolerance",
        `returned no blocks for slots ${batch.startSlot}..${batch.startSlot + batch.count - 1} that had blocks`,
      );
    }
    for (const p of batch.unlinkedPeers) {
      if (p !== peer) ctx.network.reportPeer(p, "midTolerance", `blocks at slot ${batch.startSlot} did not link`);
    }
    ctx.logger.debug("Batch imported", {startSlot: batch.startSlot, blocks: batch.blocks.length, imported, peer});
    batch.processed();
  }

  private async storeSidecars(block: SignedBeaconBlockAllForks, data: BlockData): Promise<void> {
    try {
      await this.ctx.dataAvailability?.afterImport(block, data);
    } catch (e) {
      this.ctx.logger.warn("Could not store the sidecars of a synced block", {
        root: data.root,
        error: (e as Error).message,
      });
    }
  }

  /**
   * The first block of a batch has an unknown parent: the blocks before it are missing. Either earlier batches
   * came back empty although blocks existed (download them again from other peers), or the chain started after
   * a block we do not have (restart from our finalized epoch), or this peer's blocks are on another branch.
   */
  private onFirstBlockUnlinked(batch: Batch, peer: PeerIdStr): void {
    const ctx = this.ctx;
    const index = this.batches.indexOf(batch);
    const emptyBefore: Batch[] = [];
    for (let i = index - 1; i >= 0; i--) {
      const prev = this.batches[i];
      if (prev.status !== "done" || prev.blocks.length > 0) break;
      emptyBefore.push(prev);
    }
    // batches not yet re-checked: download them again from other peers (if all were, this batch is to blame)
    if (emptyBefore.some((b) => b.suspectedEmptyPeer === null)) {
      for (const prev of emptyBefore) {
        ctx.logger.debug("Empty batch proven incomplete: downloading it again", {startSlot: prev.startSlot});
        if (prev.provenIncomplete() >= ctx.maxDownloadAttempts) {
          ctx.failChain(this, `batch at slot ${prev.startSlot} stays empty but the next batch needs its blocks`);
          return;
        }
      }
      batch.processingPaused(); // its blocks are fine as far as we know: import again after the others
      return;
    }
    const finalizedStart = computeStartSlotOfFinalized(ctx.chain);
    if (!this.importedAny && index === 0 && this.startSlot > finalizedStart) {
      ctx.logger.debug("Sync chain start is not linked to our chain: restarting at the finalized epoch", {
        from: this.startSlot,
        to: finalizedStart,
      });
      this.restartAt(finalizedStart);
      return;
    }
    batch.unlinkedPeers.add(peer);
    this.processingFailed(
      batch,
      peer,
      `first block's parent ${toHex(batch.blocks[0].block.message.parentRoot)} is unknown`,
      null,
    );
  }

  private processingFailed(batch: Batch, peer: PeerIdStr, reason: string, penalty: "lowTolerance" | null): void {
    const ctx = this.ctx;
    if (penalty !== null)
      ctx.network.reportPeer(peer, penalty, `range sync batch at slot ${batch.startSlot}: ${reason}`);
    ctx.logger.debug("Batch import failed", {startSlot: batch.startSlot, peer, error: reason});
    const attempts = batch.processingFailed(peer);
    if (attempts >= ctx.maxProcessingAttempts) {
      ctx.failChain(this, `batch at slot ${batch.startSlot} failed import ${attempts} times: ${reason}`);
    }
  }
}

/** The first slot of our finalized checkpoint's epoch. */
export function computeStartSlotOfFinalized(chain: BeaconChain): number {
  return computeStartSlotAtEpoch(chain.finalizedCheckpoint.epoch);
}
