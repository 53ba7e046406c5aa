/**
 * Range sync: when peers report a finalized checkpoint or a head ahead of ours, download the blocks in between
 * with BeaconBlocksByRange and import them in slot order (phase0 p2p-interface.md "Status": the client with the
 * lower finalized_epoch / head_slot requests blocks by range from its counterparty).
 *
 * One sync chain runs at a time: first a *finalized* chain to the peers' finalized checkpoint (its start slot
 * and root), then a *head* chain to the peers' head. A chain is cut into batches of `epochsPerBatch` epochs;
 * several batches download at once from different peers while import stays sequential in slot order. A batch
 * that fails to download (error, timeout, malformed response) or to import is retried with another peer, a
 * bounded number of times; a peer whose batch proves bad is reported (`lowTolerance`), and a peer that served
 * an empty batch where the next batch proves blocks existed is reported `midTolerance`. With a
 * `dataAvailability` module (BeaconSync passes SyncDataAvailability) a batch's download includes the blob
 * sidecars / data columns of its blocks, and each block imports with is_data_available of what was fetched.
 */
import {EventEmitter} from "node:events";
import {toRootHex} from "@ceibo/fork-choice";
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import {computeEpochAtSlot, computeStartSlotAtEpoch, type SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import type {BeaconChain} from "../chain/chain.ts";
import {BlockError} from "../chain/errors.ts";
import {type Logger, silentLogger} from "../chain/logger.ts";
import type {BlockWithFork, PeerIdStr, StatusMessage, SyncNetwork} from "../network/types.ts";
import type {BlockData} from "./dataAvailability.ts";
import {checkRangeResponse, INVALID_BLOCK_CODES, LOCAL_FAILURE_CODES, perSecond, toHex, withTimeout} from "./utils.ts";

/** Epochs of blocks per BeaconBlocksByRange request (2 * 32 = 64 blocks on mainnet, within MAX_REQUEST_BLOCKS_DENEB). */
export const EPOCHS_PER_BATCH = 2;

/** `stalled`: behind and no peer to sync from; `syncing`: a sync chain runs; `synced`: caught up. */
export type SyncState = "stalled" | "syncing" | "synced";

/**
 * Fetches and verifies the blob / data column sidecars of a downloaded batch (deneb+), so blocks with blob
 * commitments can be imported (is_data_available). SyncDataAvailability (dataAvailability.ts) implements it.
 */
export interface BatchDataAvailability {
  /**
   * Sidecars for `blocks` (the by-range response of `peer` for `req`): per block, its verified data.
   * Throwing counts as a failed download (the batch is retried with another peer).
   */
  fetch(peer: PeerIdStr, req: {startSlot: number; count: number}, blocks: BlockWithFork[]): Promise<BlockData[]>;
  /** Right before a block's import: its data back into the chain's tracker; the import's `dataAvailable`. */
  prepareImport(block: SignedBeaconBlockAllForks, data: BlockData): boolean;
  /** After the import: makes sure the block's sidecars were stored. */
  afterImport(block: SignedBeaconBlockAllForks, data: BlockData): Promise<void>;
}

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

type BatchStatus = "pending" | "downloading" | "downloaded" | "processing" | "done";

interface Batch {
  id: number;
  startSlot: number;
  count: number;
  status: BatchStatus;
  /** The peer whose blocks the batch holds (or is downloading). */
  peer: PeerIdStr | null;
  blocks: BlockWithFork[];
  /** The blocks' sidecars (with a dataAvailability module), one per block. */
  data: BlockData[] | null;
  downloadAttempts: number;
  processingAttempts: number;
  /** Peers whose download or blocks failed for this batch (tried last). */
  failedPeers: Set<PeerIdStr>;
  /** A peer that served this batch empty before the next batch proved it had blocks (penalised if confirmed). */
  suspectedEmptyPeer: PeerIdStr | null;
  /** Peers whose blocks did not link to the previous batch (penalised if another peer's blocks do). */
  unlinkedPeers: Set<PeerIdStr>;
}

export type SyncChainType = "finalized" | "head";

export interface SyncTarget {
  type: SyncChainType;
  /** Finalized chain: the checkpoint epoch's start slot; head chain: the head slot. */
  slot: number;
  root: Uint8Array;
  /** Finalized chain: the checkpoint epoch. */
  epoch?: number;
}

/** One sync chain: batches from `startSlot` up to and including `target.slot`. */
class SyncChain {
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

  constructor(target: SyncTarget, startSlot: number) {
    this.target = target;
    this.startSlot = startSlot;
    this.nextBatchSlot = startSlot;
  }

  restartAt(startSlot: number): void {
    this.startSlot = startSlot;
    this.nextBatchSlot = startSlot;
    this.batches = [];
  }

  newBatch(batchSlots: number): Batch | null {
    if (this.nextBatchSlot > this.target.slot) return null;
    const batch: Batch = {
      id: this.nextId++,
      startSlot: this.nextBatchSlot,
      count: batchSlots,
      status: "pending",
      peer: null,
      blocks: [],
      data: null,
      downloadAttempts: 0,
      processingAttempts: 0,
      failedPeers: new Set(),
      suspectedEmptyPeer: null,
      unlinkedPeers: new Set(),
    };
    this.nextBatchSlot += batchSlots;
    this.batches.push(batch);
    return batch;
  }

  get isComplete(): boolean {
    return this.nextBatchSlot > this.target.slot && this.batches.every((b) => b.status === "done");
  }
}

export interface RangeSyncEvents {
  state: [SyncState];
  /** A sync chain reached its target. */
  chainCompleted: [SyncTarget];
  /** A sync chain was abandoned. */
  chainFailed: [SyncTarget, string];
}

/**
 * Range sync over a SyncNetwork, importing into a BeaconChain. `start()` subscribes to peer statuses; the sync
 * state, distance and the Beacon API /eth/v1/node/syncing view are read from it at any time.
 */
export class RangeSync {
  private readonly chain: BeaconChain;
  private readonly network: SyncNetwork;
  private readonly logger: Logger;
  private readonly batchSlots: number;
  private readonly maxBufferedBatches: number;
  private readonly maxRequestsPerPeer: number;
  private readonly maxDownloadAttempts: number;
  private readonly maxProcessingAttempts: number;
  private readonly requestTimeoutMs: number;
  readonly slotImportTolerance: number;
  private readonly progressIntervalMs: number;
  private readonly retryDelayMs: number;
  private readonly dataAvailability: BatchDataAvailability | null;
  readonly emitter = new EventEmitter<RangeSyncEvents>();

  private current: SyncChain | null = null;
  private readonly activeRequests = new Map<PeerIdStr, number>();
  private started = false;
  private stopped = false;
  /** True from the start of a sync chain until no peer is ahead: keeps syncing within the tolerance. */
  private inSession = false;
  private unsubscribe: (() => void) | null = null;
  private progressTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private processingDone: Promise<void> = Promise.resolve();
  /** Heads peers showed us after their last Status (a block they sent that is ahead of ours). */
  private readonly headHints = new Map<PeerIdStr, {slot: number; root: Uint8Array}>();
  private lastState: SyncState | null = null;
  /** Blocks imported by range sync (ALREADY_KNOWN not counted). */
  importedBlocks = 0;
  private progressMark = {time: Date.now(), imported: 0};

  constructor(modules: {chain: BeaconChain; network: SyncNetwork; logger?: Logger}, opts: RangeSyncOpts = {}) {
    this.chain = modules.chain;
    this.network = modules.network;
    this.logger = modules.logger ?? silentLogger;
    const epochsPerBatch = opts.epochsPerBatch ?? EPOCHS_PER_BATCH;
    this.batchSlots = epochsPerBatch * SLOTS_PER_EPOCH;
    const maxRequest = Math.min(this.chain.config.MAX_REQUEST_BLOCKS, this.chain.config.MAX_REQUEST_BLOCKS_DENEB);
    if (!(Number.isSafeInteger(epochsPerBatch) && epochsPerBatch >= 1 && this.batchSlots <= maxRequest)) {
      throw Error(`epochsPerBatch must be >= 1 and at most ${maxRequest} slots, got ${epochsPerBatch}`);
    }
    this.maxBufferedBatches = opts.maxBufferedBatches ?? 5;
    this.maxRequestsPerPeer = opts.maxRequestsPerPeer ?? 1;
    this.maxDownloadAttempts = opts.maxDownloadAttempts ?? 5;
    this.maxProcessingAttempts = opts.maxProcessingAttempts ?? 3;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.slotImportTolerance = opts.slotImportTolerance ?? SLOTS_PER_EPOCH;
    this.progressIntervalMs = opts.progressIntervalMs ?? 5000;
    this.retryDelayMs = opts.retryDelayMs ?? 2000;
    this.dataAvailability = opts.dataAvailability ?? null;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.unsubscribe = this.network.onPeerStatus(() => this.evaluate());
    this.progressTimer = setInterval(() => this.logProgress(), this.progressIntervalMs);
    this.progressTimer.unref();
    this.evaluate();
  }

  /** Stops scheduling; waits for the running import step. Downloads still in flight are ignored. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.progressTimer !== null) clearInterval(this.progressTimer);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.current = null;
    await this.processingDone;
  }

  // ---------------------------------------------------------------- status

  get state(): SyncState {
    if (this.current !== null) return "syncing";
    if (this.syncDistance <= this.slotImportTolerance) return "synced";
    const peers = this.syncPeers();
    if (peers.length > 0 && this.findTarget(peers, 0) === null) return "synced";
    return "stalled";
  }

  /** Slots between the wall clock and our head. */
  get syncDistance(): number {
    return Math.max(0, this.chain.clock.currentSlot - this.chain.head.slot);
  }

  /** Whether the head was imported optimistically (its payload not yet validated by the engine). */
  get isOptimistic(): boolean {
    return this.chain.head.executionStatus === "syncing";
  }

  /** The running chain's target, if any. */
  get target(): SyncTarget | null {
    return this.current?.target ?? null;
  }

  /**
   * A peer showed us a block at `slot` (e.g. a gossip block too far ahead for the unknown-block lookup): treat it
   * as that peer's head until its next Status says more, and re-evaluate.
   */
  onPeerHasBlock(peer: PeerIdStr, slot: number, root: Uint8Array): void {
    const hint = this.headHints.get(peer);
    if (hint === undefined || slot > hint.slot) this.headHints.set(peer, {slot, root});
    this.evaluate();
  }

  /** Connected sync peers with their Status, heads raised by newer hints. */
  private syncPeers(): {peer: PeerIdStr; status: StatusMessage}[] {
    const peers = this.network.getSyncPeers();
    const connected = new Set<PeerIdStr>();
    const out = peers.map(({peer, status}) => {
      connected.add(peer);
      const hint = this.headHints.get(peer);
      if (hint === undefined) return {peer, status};
      if (hint.slot <= status.headSlot) {
        this.headHints.delete(peer);
        return {peer, status};
      }
      return {peer, status: {...status, headSlot: hint.slot, headRoot: hint.root}};
    });
    for (const peer of this.headHints.keys()) if (!connected.has(peer)) this.headHints.delete(peer);
    return out;
  }

  // ---------------------------------------------------------------- choosing what to sync

  /**
   * Which chain to sync, from the peers' statuses: the finalized checkpoint most peers agree on, when it is
   * ahead of ours and unknown to us; else the highest head ahead of ours by more than `tolerance` slots.
   */
  private findTarget(
    peers: {peer: PeerIdStr; status: StatusMessage}[],
    tolerance: number,
  ): {target: SyncTarget; peers: PeerIdStr[]} | null {
    const fc = this.chain.forkChoice;
    const localFinalizedEpoch = this.chain.finalizedCheckpoint.epoch;
    const localHeadSlot = this.chain.head.slot;
    const finalizedGroups = new Map<string, {epoch: number; root: Uint8Array; peers: PeerIdStr[]}>();
    const headPeers: {peer: PeerIdStr; status: StatusMessage}[] = [];
    for (const {peer, status} of peers) {
      if (status.finalizedEpoch > localFinalizedEpoch && !fc.hasBlock(toHex(status.finalizedRoot))) {
        const key = `${status.finalizedEpoch}:${toHex(status.finalizedRoot)}`;
        let group = finalizedGroups.get(key);
        if (group === undefined) {
          group = {epoch: status.finalizedEpoch, root: status.finalizedRoot, peers: []};
          finalizedGroups.set(key, group);
        }
        group.peers.push(peer);
      } else if (status.headSlot > localHeadSlot + tolerance && !fc.hasBlock(toHex(status.headRoot))) {
        headPeers.push({peer, status});
      }
    }
    let best: {epoch: number; root: Uint8Array; peers: PeerIdStr[]} | null = null;
    for (const g of finalizedGroups.values()) {
      if (
        best === null ||
        g.peers.length > best.peers.length ||
        (g.peers.length === best.peers.length && g.epoch > best.epoch)
      ) {
        best = g;
      }
    }
    if (best !== null) {
      // peers that finalized further on have the blocks too
      const more = peers.filter((p) => p.status.finalizedEpoch > (best as {epoch: number}).epoch).map((p) => p.peer);
      return {
        target: {type: "finalized", slot: computeStartSlotAtEpoch(best.epoch), root: best.root, epoch: best.epoch},
        peers: [...new Set([...best.peers, ...more])],
      };
    }
    if (headPeers.length > 0) {
      const top = headPeers.reduce((a, b) => (b.status.headSlot > a.status.headSlot ? b : a));
      return {
        target: {type: "head", slot: top.status.headSlot, root: top.status.headRoot},
        peers: headPeers.map((p) => p.peer),
      };
    }
    return null;
  }

  /** Starts a sync chain if peers are ahead, or adds newly seen peers to the running one. */
  private evaluate(): void {
    if (this.stopped || !this.started) return;
    const peers = this.syncPeers();
    const current = this.current;
    if (current !== null) {
      for (const {peer, status} of peers) {
        if (this.peerFitsChain(current, status)) current.peers.add(peer);
      }
      this.pump();
      this.emitState();
      return;
    }
    const found = this.findTarget(peers, this.inSession ? 0 : this.slotImportTolerance);
    if (found === null) {
      this.inSession = false;
      this.emitState();
      return;
    }
    const {target} = found;
    const finalizedStart = computeStartSlotAtEpoch(this.chain.finalizedCheckpoint.epoch);
    const startSlot =
      target.type === "finalized"
        ? finalizedStart
        : Math.max(finalizedStart, computeStartSlotAtEpoch(computeEpochAtSlot(this.chain.head.slot)));
    const chain = new SyncChain(target, startSlot);
    for (const p of found.peers) chain.peers.add(p);
    this.current = chain;
    this.inSession = true;
    this.progressMark = {time: Date.now(), imported: this.importedBlocks};
    this.logger.info("Range sync started", {
      type: target.type,
      startSlot,
      targetSlot: target.slot,
      targetRoot: toHex(target.root),
      peers: chain.peers.size,
    });
    this.emitState();
    this.pump();
  }

  private peerFitsChain(chain: SyncChain, status: StatusMessage): boolean {
    if (chain.target.type === "finalized") {
      const epoch = chain.target.epoch ?? 0;
      return (
        status.finalizedEpoch > epoch ||
        (status.finalizedEpoch === epoch && Buffer.compare(status.finalizedRoot, chain.target.root) === 0)
      );
    }
    return status.headSlot > this.chain.head.slot;
  }

  // ---------------------------------------------------------------- scheduling

  /** Creates batches up to the buffer size, starts downloads on free peers and the next import. */
  private pump(): void {
    const chain = this.current;
    if (chain === null || this.stopped) return;
    let buffered = chain.batches.filter((b) => b.status !== "done").length;
    while (buffered < this.maxBufferedBatches && chain.newBatch(this.batchSlots) !== null) buffered++;
    // drop finished batches at the front once a later non-empty batch imported (it proves they were complete)
    while (
      chain.batches.length > 1 &&
      chain.batches[0].status === "done" &&
      chain.batches[1].status === "done" &&
      chain.batches[1].blocks.length > 0
    ) {
      chain.batches.shift();
    }

    const statuses = new Map(this.syncPeers().map((p) => [p.peer, p.status]));
    for (const batch of chain.batches) {
      if (batch.status !== "pending") continue;
      const peer = this.pickPeer(chain, batch, statuses);
      if (peer !== null) this.download(chain, batch, peer);
    }

    if (!chain.processing && Date.now() >= chain.pausedUntil) {
      const next = chain.batches.find((b) => b.status !== "done");
      if (next?.status === "downloaded") {
        chain.processing = true;
        this.processingDone = this.process(chain, next).finally(() => {
          chain.processing = false;
          this.pump();
        });
      }
    }

    if (chain.isComplete) {
      this.onChainComplete(chain);
      return;
    }
    const pending = chain.batches.find((b) => b.status === "pending");
    const busy = chain.processing || chain.batches.some((b) => b.status === "downloading");
    if (pending !== undefined && !busy && this.activeRequests.size === 0) {
      // nothing in flight and no peer can take the next batch: give up on this chain (re-evaluated later)
      this.failChain(chain, `no peer can serve the batch at slot ${pending.startSlot}`);
    }
  }

  /**
   * A chain peer that can serve the batch and is not at its request limit. Peers that have not failed this batch
   * come first, even if that means waiting for one to be free; a peer that failed it is asked again only when
   * no other peer can serve it. Among equals, the least busy, at random.
   */
  private pickPeer(chain: SyncChain, batch: Batch, statuses: Map<PeerIdStr, StatusMessage>): PeerIdStr | null {
    const able: {peer: PeerIdStr; failed: boolean; load: number}[] = [];
    for (const peer of chain.peers) {
      const status = statuses.get(peer);
      if (status === undefined) continue; // disconnected
      if (chain.target.type === "head" && status.headSlot < batch.startSlot) continue;
      able.push({peer, failed: batch.failedPeers.has(peer), load: this.activeRequests.get(peer) ?? 0});
    }
    const fresh = able.filter((c) => !c.failed);
    const pool = (fresh.length > 0 ? fresh : able).filter((c) => c.load < this.maxRequestsPerPeer);
    if (pool.length === 0) return null;
    const minLoad = Math.min(...pool.map((c) => c.load));
    const least = pool.filter((c) => c.load === minLoad);
    return least[Math.floor(Math.random() * least.length)].peer;
  }

  // ---------------------------------------------------------------- download

  private download(chain: SyncChain, batch: Batch, peer: PeerIdStr): void {
    batch.status = "downloading";
    batch.peer = peer;
    this.activeRequests.set(peer, (this.activeRequests.get(peer) ?? 0) + 1);
    const req = {startSlot: batch.startSlot, count: batch.count};
    const run = async (): Promise<{blocks: BlockWithFork[]; data: BlockData[] | null}> => {
      const blocks = await this.network.beaconBlocksByRange(peer, req);
      const checked = checkRangeResponse(this.chain.beaconConfig, req, blocks);
      if (!checked.ok) throw new BadResponse(checked.reason);
      const data =
        this.dataAvailability !== null && blocks.length > 0
          ? await this.dataAvailability.fetch(peer, req, blocks)
          : null;
      return {blocks, data};
    };
    withTimeout(run(), this.requestTimeoutMs, `blocks by range ${req.startSlot}+${req.count} from ${peer}`)
      .then(
        ({blocks, data}) => {
          if (this.current !== chain || batch.status !== "downloading" || batch.peer !== peer) return;
          batch.blocks = blocks;
          batch.data = data;
          batch.status = "downloaded";
          this.logger.debug("Batch downloaded", {startSlot: batch.startSlot, blocks: blocks.length, peer});
        },
        (e: unknown) => {
          if (this.current !== chain || batch.status !== "downloading" || batch.peer !== peer) return;
          const reason = (e as Error).message;
          if (e instanceof BadResponse) {
            this.network.reportPeer(
              peer,
              "lowTolerance",
              `range sync batch at slot ${batch.startSlot}: bad blocks by range response: ${reason}`,
            );
          }
          this.logger.debug("Batch download failed", {startSlot: batch.startSlot, peer, error: reason});
          batch.failedPeers.add(peer);
          batch.downloadAttempts++;
          batch.status = "pending";
          batch.peer = null;
          if (batch.downloadAttempts >= this.maxDownloadAttempts) {
            this.failChain(
              chain,
              `batch at slot ${batch.startSlot} failed ${batch.downloadAttempts} downloads: ${reason}`,
            );
          }
        },
      )
      .finally(() => {
        const n = (this.activeRequests.get(peer) ?? 1) - 1;
        if (n <= 0) this.activeRequests.delete(peer);
        else this.activeRequests.set(peer, n);
        this.pump();
      });
  }

  // ---------------------------------------------------------------- import

  /** Imports one downloaded batch in slot order; on failure the batch (or its predecessors) is downloaded again. */
  private async process(chain: SyncChain, batch: Batch): Promise<void> {
    batch.status = "processing";
    const peer = batch.peer as PeerIdStr;
    let imported = 0;
    for (let i = 0; i < batch.blocks.length; i++) {
      if (this.current !== chain) return;
      const {block} = batch.blocks[i];
      const data = batch.data?.[i];
      try {
        const dataAvailable =
          data !== undefined && this.dataAvailability !== null
            ? this.dataAvailability.prepareImport(block, data)
            : undefined;
        await this.chain.importBlock(block, dataAvailable === undefined ? {} : {dataAvailable});
        imported++;
        this.importedBlocks++;
        if (data !== undefined && this.dataAvailability !== null) await this.storeSidecars(block, data);
      } catch (e) {
        if (!(e instanceof BlockError)) {
          this.processingFailed(chain, batch, peer, `import error: ${(e as Error).message}`, null);
          return;
        }
        if (e.code === "ALREADY_KNOWN") continue;
        if (e.code === "WOULD_REVERT_FINALIZED") continue; // at or before our finalized slot: nothing to do
        if (e.code === "PARENT_UNKNOWN" && i === 0) {
          this.onFirstBlockUnlinked(chain, batch, peer);
          return;
        }
        if (e.code === "PARENT_UNKNOWN" || INVALID_BLOCK_CODES.has(e.code)) {
          this.processingFailed(chain, batch, peer, e.message, "lowTolerance");
          return;
        }
        if (LOCAL_FAILURE_CODES.has(e.code) || e.code === "FUTURE_SLOT") {
          if (e.code === "DATA_UNAVAILABLE" && this.dataAvailability !== null) {
            // the peer's sidecars did not make the data available: try another peer's
            this.processingFailed(chain, batch, peer, e.message, null);
            return;
          }
          this.logger.warn("Range sync paused: block import failed locally", {slot: e.slot, error: e.message});
          batch.status = "downloaded";
          chain.pausedUntil = Date.now() + this.retryDelayMs;
          this.scheduleRetry();
          return;
        }
        this.processingFailed(chain, batch, peer, e.message, null);
        return;
      }
    }
    // success: the blocks of this batch link to what we had
    if (batch.blocks.length > 0) chain.importedAny = true;
    if (batch.suspectedEmptyPeer !== null && batch.blocks.length > 0 && batch.suspectedEmptyPeer !== peer) {
      this.network.reportPeer(
        batch.suspectedEmptyPeer,
        "midTolerance",
        `returned no blocks for slots ${batch.startSlot}..${batch.startSlot + batch.count - 1} that had blocks`,
      );
    }
    for (const p of batch.unlinkedPeers) {
      if (p !== peer) this.network.reportPeer(p, "midTolerance", `blocks at slot ${batch.startSlot} did not link`);
    }
    batch.suspectedEmptyPeer = null;
    batch.unlinkedPeers.clear();
    batch.status = "done";
    this.logger.debug("Batch imported", {startSlot: batch.startSlot, blocks: batch.blocks.length, imported, peer});
    batch.blocks = batch.blocks.length > 0 ? [batch.blocks[batch.blocks.length - 1]] : [];
    batch.data = null;
  }

  private async storeSidecars(block: SignedBeaconBlockAllForks, data: BlockData): Promise<void> {
    try {
      await this.dataAvailability?.afterImport(block, data);
    } catch (e) {
      this.logger.warn("Could not store the sidecars of a synced block", {
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
  private onFirstBlockUnlinked(chain: SyncChain, batch: Batch, peer: PeerIdStr): void {
    const index = chain.batches.indexOf(batch);
    const emptyBefore: Batch[] = [];
    for (let i = index - 1; i >= 0; i--) {
      const prev = chain.batches[i];
      if (prev.status !== "done" || prev.blocks.length > 0) break;
      emptyBefore.push(prev);
    }
    // batches not yet re-checked: download them again from other peers (if all were, this batch is to blame)
    if (emptyBefore.some((b) => b.suspectedEmptyPeer === null)) {
      for (const prev of emptyBefore) {
        this.logger.debug("Empty batch proven incomplete: downloading it again", {startSlot: prev.startSlot});
        if (prev.peer !== null) {
          prev.failedPeers.add(prev.peer);
          prev.suspectedEmptyPeer = prev.peer;
        }
        prev.status = "pending";
        prev.peer = null;
        prev.downloadAttempts++;
        if (prev.downloadAttempts >= this.maxDownloadAttempts) {
          this.failChain(chain, `batch at slot ${prev.startSlot} stays empty but the next batch needs its blocks`);
          return;
        }
      }
      batch.status = "downloaded"; // its blocks are fine as far as we know: import again after the others
      return;
    }
    const finalizedStart = computeStartSlotAtEpoch(this.chain.finalizedCheckpoint.epoch);
    if (!chain.importedAny && index === 0 && chain.startSlot > finalizedStart) {
      this.logger.debug("Sync chain start is not linked to our chain: restarting at the finalized epoch", {
        from: chain.startSlot,
        to: finalizedStart,
      });
      chain.restartAt(finalizedStart);
      return;
    }
    batch.unlinkedPeers.add(peer);
    this.processingFailed(
      chain,
      batch,
      peer,
      `first block's parent ${toHex(batch.blocks[0].block.message.parentRoot)} is unknown`,
      null,
    );
  }

  private processingFailed(
    chain: SyncChain,
    batch: Batch,
    peer: PeerIdStr,
    reason: string,
    penalty: "lowTolerance" | null,
  ): void {
    if (penalty !== null)
      this.network.reportPeer(peer, penalty, `range sync batch at slot ${batch.startSlot}: ${reason}`);
    this.logger.debug("Batch import failed", {startSlot: batch.startSlot, peer, error: reason});
    batch.failedPeers.add(peer);
    batch.processingAttempts++;
    batch.status = "pending";
    batch.peer = null;
    batch.blocks = [];
    batch.data = null;
    if (batch.processingAttempts >= this.maxProcessingAttempts) {
      this.failChain(
        chain,
        `batch at slot ${batch.startSlot} failed import ${batch.processingAttempts} times: ${reason}`,
      );
    }
  }

  // ---------------------------------------------------------------- chain end

  private onChainComplete(chain: SyncChain): void {
    if (this.current !== chain) return;
    const {target} = chain;
    // the peers' finalized block must be among what we imported (or we finalized at or past its epoch ourselves)
    if (
      target.type === "finalized" &&
      !this.chain.forkChoice.hasBlock(toRootHex(target.root)) &&
      this.chain.finalizedCheckpoint.epoch < (target.epoch ?? 0)
    ) {
      this.failChain(
        chain,
        `imported up to slot ${target.slot} but the finalized block ${toHex(target.root)} is not among the blocks`,
      );
      return;
    }
    this.current = null;
    this.logger.info("Range sync chain done", {
      type: target.type,
      targetSlot: target.slot,
      headSlot: this.chain.head.slot,
    });
    this.emitter.emit("chainCompleted", target);
    this.evaluate();
  }

  private failChain(chain: SyncChain, reason: string): void {
    if (this.current !== chain) return;
    this.current = null;
    this.logger.warn("Range sync chain abandoned", {type: chain.target.type, targetSlot: chain.target.slot, reason});
    this.emitter.emit("chainFailed", chain.target, reason);
    this.emitState();
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer !== null) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.current !== null) this.pump();
      else this.evaluate();
    }, this.retryDelayMs);
    this.retryTimer.unref();
  }

  private emitState(): void {
    const state = this.state;
    if (state === this.lastState) return;
    this.lastState = state;
    this.logger.info("Sync state", {state, headSlot: this.chain.head.slot, syncDistance: this.syncDistance});
    this.emitter.emit("state", state);
  }

  private logProgress(): void {
    const chain = this.current;
    if (chain === null) return;
    const now = Date.now();
    const rate = perSecond(this.importedBlocks - this.progressMark.imported, now - this.progressMark.time);
    this.progressMark = {time: now, imported: this.importedBlocks};
    const peers = [...chain.peers].filter((p) => this.network.getSyncPeers().some((s) => s.peer === p)).length;
    this.logger.info(`Syncing: slot ${this.chain.head.slot}/${chain.target.slot} (${rate} blocks/s, ${peers} peers)`);
  }
}

/** A by-range response that breaks the protocol's rules (range, order, chain). */
class BadResponse extends Error {}
