/**
 * Backfill: after checkpoint sync, download the blocks before the anchor, newest first, down to genesis or to
 * the oldest slot a node must serve (phase0 p2p-interface.md: "nodes that start from a recent weak subjectivity
 * checkpoint MUST backfill the local block database to at least epoch current_epoch -
 * compute_min_epochs_for_block_requests() ... the node MUST validate both (1) the proposer signatures and (2)
 * that the blocks form a valid chain up to the most recent block referenced in the weak subjectivity state").
 *
 * The anchor block is trusted; every older block is accepted only if its hash_tree_root is the parent_root of the
 * block above it, and (by default) if its proposer signature verifies. Verified batches are written to the block
 * archive (finalized blocks by slot + root index) in one atomic db batch each. Progress needs no record of its
 * own: the lowest archived block is the oldest verified one, so a restart continues from it.
 *
 * With a `sidecars` module (BackfillSidecars, backfillSidecars.ts), the blocks inside the data-availability window
 * (MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS / MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS from the current epoch) get
 * their blob sidecars or custody columns fetched by range and verified with the batch, and written in the same db
 * batch as the blocks; older blocks are backfilled alone. Without it: blocks only.
 */
import {EventEmitter} from "node:events";
import {type BeaconConfig, computeSigningRoot} from "@ceibo/config";
import {DOMAIN_BEACON_PROPOSER, GENESIS_SLOT, SLOTS_PER_EPOCH} from "@ceibo/params";
import {
  computeEpochAtSlot,
  computeStartSlotAtEpoch,
  forkTypes,
  type SetPublicKey,
  type SignatureSet,
  type SignedBeaconBlockAllForks,
} from "@ceibo/state-transition";
import {bytesEqual, toHex} from "@ceibo/utils";
import {BlsSingleThread, type BlsVerifier} from "../chain/bls/pool.ts";
import {type Logger, silentLogger} from "../chain/logger.ts";
import type {BeaconDb} from "../db/beaconDb.ts";
import type {BlockWithFork, PeerIdStr, StatusMessage, SyncNetwork} from "../network/types.ts";
import {type BackfilledSidecars, type BackfillSidecars, BackfillSidecarsError} from "./backfillSidecars.ts";
import {EPOCHS_PER_BATCH} from "./range/range.ts";
import {checkRangeResponse, perSecond, withTimeout} from "./utils.ts";

export interface BackfillOpts {
  /** Epochs per by-range request (default EPOCHS_PER_BATCH). */
  epochsPerBatch?: number;
  /**
   * Oldest slot to backfill to (inclusive). Default: the first slot of current_epoch -
   * compute_min_epochs_for_block_requests() (0 when that is before genesis); the caller computes it.
   */
  minSlot?: number;
  /** Verify proposer signatures (default true; the spec requires it). */
  verifySignatures?: boolean;
  /** Batches downloading or waiting ahead of the verifier (default 4). */
  maxBufferedBatches?: number;
  /** Download/verify attempts of a batch before backfill pauses (default 5). */
  maxAttempts?: number;
  /** Timeout of one by-range request (default 30 s). */
  requestTimeoutMs?: number;
  /** Interval of the progress line (default 5 s). */
  progressIntervalMs?: number;
  /** Pause after a batch exhausted its attempts or no peer could serve (default 5 s). */
  retryDelayMs?: number;
}

interface BackfillBatch {
  /** Request range [startSlot, endSlot). */
  startSlot: number;
  endSlot: number;
  status: "pending" | "downloading" | "downloaded" | "done";
  peer: PeerIdStr | null;
  blocks: BlockWithFork[];
  roots: Uint8Array[];
  /** Verified sidecars by block index (blocks inside the data-availability window). */
  sidecars: Map<number, BackfilledSidecars>;
  attempts: number;
  failedPeers: Set<PeerIdStr>;
  /** A peer that returned this range empty although the chain below proved blocks were there. */
  suspectedEmptyPeer: PeerIdStr | null;
}

export interface BackfillStatus {
  /** Slot of the oldest verified block (the anchor block before any backfill). */
  oldestSlot: number;
  /** The root the next older block must have (the oldest verified block's parent_root). */
  expectedRoot: string;
  minSlot: number;
  complete: boolean;
  /** Blocks written by this run. */
  writtenBlocks: number;
  /** Blob sidecars / data columns written with them (blocks inside the data-availability window). */
  writtenSidecars: number;
}

export interface BackfillEvents {
  complete: [BackfillStatus];
}

/**
 * Downloads blocks backwards from the db's oldest archived block. `start()` loads the progress from the db and
 * runs in the background until complete or `stop()`.
 */
export class BackfillSync {
  private readonly db: BeaconDb;
  private readonly config: BeaconConfig;
  private readonly network: SyncNetwork;
  private readonly logger: Logger;
  private readonly getPubkey: (index: number) => SetPublicKey;
  private readonly bls: BlsVerifier;
  private readonly sidecars: BackfillSidecars | null;
  private readonly batchSlots: number;
  private readonly minSlotOpt: number | undefined;
  private readonly verifySignatures: boolean;
  private readonly maxBufferedBatches: number;
  private readonly maxAttempts: number;
  private readonly requestTimeoutMs: number;
  private readonly progressIntervalMs: number;
  private readonly retryDelayMs: number;
  readonly emitter = new EventEmitter<BackfillEvents>();

  /** The oldest verified block: its slot and the root its parent must have. */
  private cursor: {slot: number; expectedRoot: Uint8Array} | null = null;
  private minSlot = 0;
  private batches: BackfillBatch[] = [];
  /** Upper end (exclusive) of the next batch to create. */
  private nextEndSlot = 0;
  private complete = false;
  private started = false;
  private stopped = false;
  private verifying = false;
  private pausedUntil = 0;
  private unsubscribe: (() => void) | null = null;
  private progressTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private work: Promise<void> = Promise.resolve();
  writtenBlocks = 0;
  /** Blob sidecars / data columns written by this run (blocks inside the data-availability window). */
  writtenSidecars = 0;
  private progressMark = {time: Date.now(), written: 0};

  constructor(
    modules: {
      db: BeaconDb;
      config: BeaconConfig;
      network: SyncNetwork;
      /** Public key of a validator index (any state at or after the anchor knows every older proposer). */
      getPubkey: (index: number) => SetPublicKey;
      /** Where the proposer signatures are verified (the chain's BLS worker pool; default the main thread). */
      bls?: BlsVerifier;
      logger?: Logger;
      /** Fetches and verifies the sidecars of blocks inside the data-availability window (default: blocks only). */
      sidecars?: BackfillSidecars;
    },
    opts: BackfillOpts = {},
  ) {
    this.db = modules.db;
    this.config = modules.config;
    this.network = modules.network;
    this.getPubkey = modules.getPubkey;
    this.bls = modules.bls ?? new BlsSingleThread();
    this.sidecars = modules.sidecars ?? null;
    this.logger = modules.logger ?? silentLogger;
    this.batchSlots = (opts.epochsPerBatch ?? EPOCHS_PER_BATCH) * SLOTS_PER_EPOCH;
    this.minSlotOpt = opts.minSlot;
    this.verifySignatures = opts.verifySignatures ?? true;
    this.maxBufferedBatches = opts.maxBufferedBatches ?? 4;
    this.maxAttempts = opts.maxAttempts ?? 5;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.progressIntervalMs = opts.progressIntervalMs ?? 5000;
    this.retryDelayMs = opts.retryDelayMs ?? 5000;
  }

  /** Loads the progress (the oldest archived block) and starts downloading; resolves once started. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const first = await this.db.blockArchive.firstSlot();
    if (first === null) {
      this.logger.warn("Backfill: the block archive is empty (no anchor block?): nothing to do");
      this.complete = true;
      return;
    }
    const oldest = await this.db.blockArchive.getBySlot(first);
    if (oldest === null) throw Error(`backfill: archived block at slot ${first} vanished`);
    this.cursor = {slot: first, expectedRoot: oldest.block.message.parentRoot};
    this.minSlot = Math.max(GENESIS_SLOT, this.minSlotOpt ?? 0);
    this.nextEndSlot = first;
    if (this.isDone()) {
      this.complete = true;
      this.logger.debug("Backfill: nothing to do", {oldestSlot: first, minSlot: this.minSlot});
      return;
    }
    this.logger.info("Backfill started", {
      fromSlot: first,
      toSlot: this.minSlot,
      expectedRoot: toHex(oldest.block.message.parentRoot),
    });
    this.unsubscribe = this.network.onPeerStatus(() => this.pump());
    this.progressTimer = setInterval(() => this.logProgress(), this.progressIntervalMs);
    this.progressTimer.unref();
    this.progressMark = {time: Date.now(), written: 0};
    this.pump();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.progressTimer !== null) clearInterval(this.progressTimer);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    await this.work;
  }

  get status(): BackfillStatus {
    return {
      oldestSlot: this.cursor?.slot ?? 0,
      expectedRoot: this.cursor === null ? "" : toHex(this.cursor.expectedRoot),
      minSlot: this.minSlot,
      complete: this.complete,
      writtenBlocks: this.writtenBlocks,
      writtenSidecars: this.writtenSidecars,
    };
  }

  /** The slot of the earliest block this node can serve (fulu Status v2 earliest_available_slot). */
  get earliestAvailableSlot(): number {
    return this.cursor?.slot ?? 0;
  }

  /** Reached genesis (the zero parent root) or the configured oldest slot. */
  private isDone(): boolean {
    const c = this.cursor;
    if (c === null) return true;
    return c.slot <= this.minSlot || c.expectedRoot.every((b) => b === 0);
  }

  // ---------------------------------------------------------------- scheduling

  private pump(): void {
    if (this.stopped || this.complete || this.cursor === null) return;
    const open = this.batches.filter((b) => b.status !== "done").length;
    let buffered = open;
    while (buffered < this.maxBufferedBatches && this.nextEndSlot > this.minSlot) {
      const endSlot = this.nextEndSlot;
      const startSlot = Math.max(this.minSlot, endSlot - this.batchSlots);
      this.batches.push({
        startSlot,
        endSlot,
        status: "pending",
        peer: null,
        blocks: [],
        roots: [],
        sidecars: new Map(),
        attempts: 0,
        failedPeers: new Set(),
        suspectedEmptyPeer: null,
      });
      this.nextEndSlot = startSlot;
      buffered++;
    }
    const now = Date.now();
    if (now >= this.pausedUntil) {
      const peers = this.network.getSyncPeers();
      const busy = new Set(this.batches.filter((b) => b.status === "downloading").map((b) => b.peer));
      for (const batch of this.batches) {
        if (batch.status !== "pending") continue;
        const peer = this.pickPeer(batch, peers, busy);
        if (peer === null) continue;
        busy.add(peer);
        this.download(batch, peer);
      }
    }
    const next = this.batches.find((b) => b.status !== "done");
    if (!this.verifying && next?.status === "downloaded") {
      this.verifying = true;
      this.work = this.verifyAndWrite(next)
        .catch((e: unknown) => {
          this.logger.error("Backfill write failed", {error: (e as Error).message});
          this.pause();
        })
        .finally(() => {
          this.verifying = false;
          this.pump();
        });
    }
  }

  private pickPeer(
    batch: BackfillBatch,
    peers: {peer: PeerIdStr; status: StatusMessage}[],
    busy: Set<PeerIdStr | null>,
  ): PeerIdStr | null {
    const able = peers.filter(
      ({status}) =>
        status.headSlot >= batch.endSlot - 1 &&
        (status.earliestAvailableSlot === undefined || status.earliestAvailableSlot <= batch.startSlot),
    );
    // peers that have not failed this batch first (waiting for one to be free); failed ones only as a last resort
    const fresh = able.filter((p) => !batch.failedPeers.has(p.peer));
    const pool = (fresh.length > 0 ? fresh : able).filter((p) => !busy.has(p.peer));
    if (pool.length === 0) return null;
    return pool[Math.floor(Math.random() * pool.length)].peer;
  }

  private download(batch: BackfillBatch, peer: PeerIdStr): void {
    batch.status = "downloading";
    batch.peer = peer;
    const req = {startSlot: batch.startSlot, count: batch.endSlot - batch.startSlot};
    withTimeout(
      this.network.beaconBlocksByRange(peer, req),
      this.requestTimeoutMs,
      `backfill ${req.startSlot}+${req.count}`,
    )
      .then(
        async (blocks) => {
          if (batch.status !== "downloading" || batch.peer !== peer) return;
          const checked = checkRangeResponse(this.config, req, blocks);
          if (!checked.ok) {
            this.network.reportPeer(peer, "lowTolerance", `bad backfill blocks by range response: ${checked.reason}`);
            this.failBatch(batch, checked.reason);
            return;
          }
          let sidecars = new Map<number, BackfilledSidecars>();
          if (this.sidecars !== null) {
            try {
              sidecars = await withTimeout(
                this.sidecars.fetch(peer, blocks, checked.roots),
                this.requestTimeoutMs,
                `backfill sidecars ${req.startSlot}+${req.count}`,
              );
            } catch (e) {
              if (batch.status !== "downloading" || batch.peer !== peer) return;
              if (e instanceof BackfillSidecarsError && e.invalid) {
                this.network.reportPeer(e.peer ?? peer, "lowTolerance", `backfill sidecars: ${e.message}`);
              }
              this.failBatch(batch, `sidecars: ${(e as Error).message}`);
              return;
            }
            if (batch.status !== "downloading" || batch.peer !== peer) return;
          }
          batch.blocks = blocks;
          batch.roots = checked.roots;
          batch.sidecars = sidecars;
          batch.status = "downloaded";
        },
        (e: unknown) => {
          if (batch.status !== "downloading" || batch.peer !== peer) return;
          this.failBatch(batch, (e as Error).message);
        },
      )
      .finally(() => this.pump());
  }

  private failBatch(batch: BackfillBatch, reason: string): void {
    this.logger.debug("Backfill batch failed", {startSlot: batch.startSlot, peer: batch.peer, reason});
    if (batch.peer !== null) batch.failedPeers.add(batch.peer);
    batch.status = "pending";
    batch.peer = null;
    batch.blocks = [];
    batch.roots = [];
    batch.sidecars = new Map();
    batch.attempts++;
    if (batch.attempts >= this.maxAttempts) {
      this.logger.warn("Backfill batch keeps failing: pausing", {startSlot: batch.startSlot, reason});
      batch.attempts = 0;
      batch.failedPeers.clear();
      this.pause();
    }
  }

  private pause(): void {
    this.pausedUntil = Date.now() + this.retryDelayMs;
    if (this.retryTimer !== null || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.pump();
    }, this.retryDelayMs);
    this.retryTimer.unref();
  }

  // ---------------------------------------------------------------- verification

  /**
   * The next batch below the cursor: its newest block must be the block the cursor expects (hash chain), every
   * proposer signature must verify; then it is written and the cursor moves to its oldest block. An empty batch
   * is accepted provisionally (the chain may skip those slots) until a lower batch links.
   */
  private async verifyAndWrite(batch: BackfillBatch): Promise<void> {
    const cursor = this.cursor as {slot: number; expectedRoot: Uint8Array};
    const peer = batch.peer as PeerIdStr;
    if (batch.blocks.length === 0) {
      batch.status = "done";
      if (batch.startSlot <= this.minSlot && this.minSlot === GENESIS_SLOT) {
        // the genesis block is at slot 0: an empty range down to genesis cannot be the whole story
        this.onUnlinked(batch, peer, "no blocks down to genesis");
      } else if (batch.startSlot <= this.minSlot) {
        this.finish();
      }
      return;
    }
    const top = batch.roots[batch.roots.length - 1];
    if (!bytesEqual(top, cursor.expectedRoot)) {
      this.onUnlinked(
        batch,
        peer,
        `newest block ${toHex(top)} (slot ${batch.blocks[batch.blocks.length - 1].block.message.slot}) is not ` +
          `the expected parent ${toHex(cursor.expectedRoot)}`,
      );
      return;
    }
    if (this.verifySignatures && !(await this.proposerSignaturesValid(batch.blocks.map((b) => b.block)))) {
      this.network.reportPeer(
        peer,
        "lowTolerance",
        `backfill batch at slot ${batch.startSlot}: invalid proposer signature`,
      );
      this.failBatch(batch, "invalid proposer signature");
      return;
    }
    if (this.stopped) return; // stopped while the signatures were verified
    const write = this.db.batch();
    for (let i = 0; i < batch.blocks.length; i++) {
      const {block} = batch.blocks[i];
      const root = batch.roots[i];
      write.add(() => this.db.blockArchive.putOps(root, block));
      const sidecars = batch.sidecars.get(i);
      if (sidecars?.blobSidecars !== undefined) write.putBlobSidecars(root, sidecars.blobSidecars);
      if (sidecars?.dataColumnSidecars !== undefined) write.putDataColumnSidecars(root, sidecars.dataColumnSidecars);
    }
    await write.write();
    if (this.stopped) return;
    this.writtenBlocks += batch.blocks.length;
    for (const s of batch.sidecars.values()) {
      this.writtenSidecars += (s.blobSidecars?.length ?? 0) + (s.dataColumnSidecars?.length ?? 0);
    }
    const oldest = batch.blocks[0].block.message;
    this.cursor = {slot: oldest.slot, expectedRoot: oldest.parentRoot};
    // the empty batches between the previous cursor and these blocks were really empty (they are dropped below);
    // a batch that had come back empty before and now linked proves its first peer withheld blocks
    if (batch.suspectedEmptyPeer !== null && batch.suspectedEmptyPeer !== peer) {
      this.network.reportPeer(
        batch.suspectedEmptyPeer,
        "midTolerance",
        `returned no blocks for slots ${batch.startSlot}..${batch.endSlot - 1} that had blocks`,
      );
    }
    batch.status = "done";
    batch.blocks = [];
    batch.roots = [];
    batch.sidecars = new Map();
    this.batches = this.batches.filter((b) => b.status !== "done");
    this.logger.debug("Backfilled blocks", {fromSlot: oldest.slot, toSlot: batch.endSlot - 1, peer});
    if (this.isDone() || batch.startSlot <= this.minSlot) this.finish();
  }

  /**
   * A batch does not link to the chain above it. If empty batches were accepted in between, the blocks may be
   * in them: download those again from other peers first. Otherwise this batch's peer served another chain.
   */
  private onUnlinked(batch: BackfillBatch, peer: PeerIdStr, reason: string): void {
    const above = this.batches.filter((b) => b.status === "done" && b.startSlot >= batch.endSlot);
    const recheck = above.filter((b) => b.suspectedEmptyPeer === null);
    if (recheck.length > 0) {
      for (const b of recheck) {
        b.suspectedEmptyPeer = b.peer;
        if (b.peer !== null) b.failedPeers.add(b.peer);
        b.status = "pending";
        b.peer = null;
      }
      if (batch.blocks.length > 0) batch.status = "downloaded";
      else {
        batch.status = "pending";
        batch.peer = null;
      }
      return;
    }
    this.network.reportPeer(peer, "lowTolerance", `backfill batch at slot ${batch.startSlot}: ${reason}`);
    if (batch.status === "done") batch.status = "downloaded"; // an empty batch: fail it below
    this.failBatch(batch, reason);
  }

  /**
   * The batch's proposer signatures (the genesis block has none) in one call to the BLS verifier: randomized
   * multi-pairings on the worker pool, chunked across its workers.
   */
  private async proposerSignaturesValid(blocks: SignedBeaconBlockAllForks[]): Promise<boolean> {
    const sets: SignatureSet[] = [];
    try {
      for (const signed of blocks) {
        const block = signed.message;
        if (block.slot === GENESIS_SLOT) continue;
        const epoch = computeEpochAtSlot(block.slot);
        const domain = this.config.getDomain(epoch, DOMAIN_BEACON_PROPOSER, epoch);
        const type = forkTypes(this.config.getForkSeq(block.slot)).BeaconBlock as unknown as {
          hashTreeRoot(v: unknown): Uint8Array;
        };
        sets.push({
          type: "single",
          pubkey: this.getPubkey(block.proposerIndex),
          signingRoot: computeSigningRoot(type, block, domain),
          signature: signed.signature,
        });
      }
    } catch (e) {
      this.logger.debug("Backfill signature set failed", {error: (e as Error).message});
      return false;
    }
    return this.bls.verifySignatureSets(sets);
  }

  private finish(): void {
    if (this.complete) return;
    this.complete = true;
    this.unsubscribe?.();
    if (this.progressTimer !== null) clearInterval(this.progressTimer);
    this.logger.info("Backfill complete", {
      oldestSlot: this.cursor?.slot,
      minSlot: this.minSlot,
      written: this.writtenBlocks,
      sidecars: this.writtenSidecars,
    });
    this.emitter.emit("complete", this.status);
  }

  private logProgress(): void {
    if (this.complete || this.cursor === null) return;
    const now = Date.now();
    const rate = perSecond(this.writtenBlocks - this.progressMark.written, now - this.progressMark.time);
    this.progressMark = {time: now, written: this.writtenBlocks};
    this.logger.info(
      `Backfilling: slot ${this.cursor.slot} → ${this.minSlot} (${rate} blocks/s, ${this.network.getSyncPeers().length} peers)`,
    );
  }
}

/** The default oldest slot to backfill to: the first slot of current_epoch - compute_min_epochs_for_block_requests(). */
export function defaultBackfillMinSlot(currentEpoch: number, minEpochsForBlockRequests: number): number {
  return computeStartSlotAtEpoch(Math.max(0, currentEpoch - minEpochsForBlockRequests));
}
