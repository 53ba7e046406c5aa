/**
 * DataAvailabilityTracker: the sidecars of recent blocks, collected from gossip, req/resp, the local engine and
 * our own block production, and the answer to deneb/fulu fork-choice.md is_data_available for a block:
 *   deneb, electra: a verified blob sidecar for every blob_kzg_commitment of the block;
 *   fulu: every column the node samples, verified (das-core.md custody sampling); with at least half of all
 *   columns the full matrix is reconstructed (das-core.md "Reconstruction and cross-seeding") and every column is
 *   then available.
 * Sidecars are kept per block root; only verified sidecars are kept. After import the caller persists them (the
 * custody columns in fulu) through the db sidecar repositories; entries are pruned by slot.
 */
import type {BeaconConfig, ChainConfig} from "@ceibo/config";
import {type RootHex, toRootHex} from "@ceibo/fork-choice";
import {FORK_NAMES, ForkSeq, NUMBER_OF_COLUMNS, SLOTS_PER_EPOCH} from "@ceibo/params";
import {
  computeStartSlotAtEpoch,
  type Kzg,
  kzgCommitmentToVersionedHash,
  kzgVerifies,
  type SignedBeaconBlockAllForks,
  verifyBlobSidecarInclusionProof,
  verifyDataColumnSidecar,
  verifyDataColumnSidecarInclusionProof,
  verifyDataColumnSidecarsKzgProofsBatch,
} from "@ceibo/state-transition";
import {bytesEqual} from "@ceibo/utils";
import type {BeaconDb, BlobSidecar, DataColumnSidecar, DbBatch} from "../../db/index.ts";
import type {ExecutionEngine} from "../../execution/index.ts";
import {blockRootOf, fromRootHex} from "../blockRoot.ts";
import {type Logger, silentLogger} from "../logger.ts";
import {
  getBlobSidecars,
  getBlobSidecarsForIndices,
  sidecarBlockRoot,
  verifyBlobSidecarsKzgProofBatch,
} from "./blobSidecars.ts";
import {
  cellsAndKzgProofsFromBlobs,
  getDataColumnSidecarsFromBlock,
  reconstructDataColumnSidecars,
} from "./dataColumns.ts";
import {DaError} from "./errors.ts";
import {getKzg} from "./kzg.ts";
import {blobKzgCommitmentsOf} from "./merkle.ts";
import {SeenSidecars, type SlotKeySet} from "./sidecarGossip.ts";

/** Which columns a node samples (must have for availability) and custodies (stores); NodeCustody fits. */
export interface ColumnCustody {
  readonly samplingColumns: readonly number[];
  readonly custodyColumns: readonly number[];
}

export interface DataAvailabilityTrackerOpts {
  config: BeaconConfig;
  /** KZG library (default: getKzg(trustedSetupFile), loaded at first use). */
  kzg?: Kzg;
  trustedSetupFile?: string;
  /** fulu: the node's sampling and custody columns (default: all columns, a supernode). Read on every check. */
  custody?: ColumnCustody;
  /** Reconstruct a block's full matrix once at least half of its columns are present (default true). */
  reconstruct?: boolean;
  /** Wait this long after reaching half of the columns before reconstructing (default 0: at once). */
  reconstructionDelayMs?: number;
  /**
   * Called with the columns made by reconstruction that had not been received (the node must expose them as if
   * received: publish those of subscribed subnets).
   */
  onReconstructedColumns?: (blockRoot: RootHex, sidecars: DataColumnSidecar[]) => void;
  /**
   * The gossip `Seen` tuple sets to share with the gossip handler (chain/seenCaches.ts GossipSeenCaches fits);
   * default: the tracker's own.
   */
  seenTuples?: {blobSidecarTuples: SlotKeySet; dataColumnSidecarTuples: SlotKeySet};
  /** Entries whose slot is more than this many slots behind the current slot are pruned (default 2 epochs). */
  maxEntryAgeSlots?: number;
  logger?: Logger;
}

interface Waiter {
  /** Called after any change to the entry. */
  check(): void;
  /** Resolves the wait with false. */
  cancel(): void;
}

interface BlockDataEntry {
  root: RootHex;
  slot: number;
  fork: number;
  /** The block's blob commitments once the block is known. */
  commitments: Uint8Array[] | null;
  blobSidecars: Map<number, BlobSidecar>;
  columns: Map<number, DataColumnSidecar>;
  waiters: Set<Waiter>;
  reconstruction: "none" | "scheduled" | "done";
  persisted: boolean;
}

export interface AddSidecarOpts {
  /**
   * The sidecar already passed gossip validation (inclusion proof and KZG verified): not verified again.
   * Default false: req/resp and other sources are verified here.
   */
  verified?: boolean;
}

/** What the block import persists with a block (only the custody columns in fulu). */
export interface BlockSidecars {
  blobSidecars?: BlobSidecar[];
  dataColumnSidecars?: DataColumnSidecar[];
}

/**
 * Whether a block of `blockEpoch` is inside the period peers must serve its sidecars (deneb blob_serve_range /
 * fulu data_column_serve_range: [max(current_epoch - MIN_EPOCHS_FOR_*_SIDECARS_REQUESTS, fork epoch),
 * current_epoch]). Outside it the network does not guarantee retrieval (is_data_available's note): sync imports
 * such blocks without their sidecars, and they need not be served.
 */
export function isWithinSidecarServePeriod(
  config: ChainConfig,
  fork: number,
  blockEpoch: number,
  currentEpoch: number,
): boolean {
  if (fork < ForkSeq.deneb) return false;
  const [minEpochs, forkEpoch] =
    fork >= ForkSeq.fulu
      ? [config.MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS, config.FULU_FORK_EPOCH]
      : [config.MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS, config.DENEB_FORK_EPOCH];
  return blockEpoch >= Math.max(currentEpoch - minEpochs, forkEpoch) && blockEpoch <= currentEpoch;
}

export class DataAvailabilityTracker {
  readonly config: BeaconConfig;
  /** Gossip `Seen` state of sidecars (the gossip validators read and update it). */
  readonly seen: SeenSidecars;
  private readonly opts: DataAvailabilityTrackerOpts;
  private readonly logger: Logger;
  private readonly entries = new Map<RootHex, BlockDataEntry>();
  private kzgLib: Kzg | undefined;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(opts: DataAvailabilityTrackerOpts) {
    this.config = opts.config;
    this.opts = opts;
    this.logger = opts.logger ?? silentLogger;
    this.kzgLib = opts.kzg;
    this.seen = new SeenSidecars(opts.seenTuples);
  }

  /** The KZG library (loaded on first use: the trusted setup takes seconds). */
  get kzg(): Kzg {
    this.kzgLib ??= getKzg(this.opts.trustedSetupFile);
    return this.kzgLib;
  }

  /** fulu: the columns that must be present for availability (subscribe to their subnets). */
  get samplingColumns(): readonly number[] {
    return this.opts.custody?.samplingColumns ?? ALL_COLUMNS;
  }

  /** fulu: the columns persisted with an imported block. */
  get custodyColumns(): readonly number[] {
    return this.opts.custody?.custodyColumns ?? ALL_COLUMNS;
  }

  // ------------------------------------------------------------------ inputs

  /** Registers a block (its blob commitments say what must be available). Returns its root. */
  addBlock(signedBlock: SignedBeaconBlockAllForks, blockRoot?: RootHex | Uint8Array): RootHex {
    const block = signedBlock.message;
    const root = rootHexOf(blockRoot ?? blockRootOf(this.config, block));
    const entry = this.entryFor(root, block.slot);
    if (entry.commitments === null) {
      entry.commitments = blobKzgCommitmentsOf(entry.fork, block);
      // sidecars that arrived first must be the block's (same root: same body, and their inclusion proofs held)
      for (const [index, s] of entry.blobSidecars) {
        const c = entry.commitments[index];
        if (c === undefined || !bytesEqual(c, s.kzgCommitment)) entry.blobSidecars.delete(index);
      }
      this.notify(entry);
    }
    return root;
  }

  /**
   * A blob sidecar (deneb, electra). Unless `verified`, checks verify_blob_sidecar_inclusion_proof and the KZG
   * proof (throws DaError INVALID_SIDECAR). Returns false when the sidecar was already there.
   */
  addBlobSidecar(sidecar: BlobSidecar, opts: AddSidecarOpts = {}): boolean {
    return this.addBlobSidecars([sidecar], opts) > 0;
  }

  /** Blob sidecars of any blocks (e.g. a BlobSidecarsByRange response): one KZG batch. Returns how many were new. */
  addBlobSidecars(sidecars: BlobSidecar[], opts: AddSidecarOpts = {}): number {
    const fresh: {entry: BlockDataEntry; sidecar: BlobSidecar}[] = [];
    for (const sidecar of sidecars) {
      const slot = sidecar.signedBlockHeader.message.slot;
      const fork = this.config.getForkSeq(slot);
      if (fork < ForkSeq.deneb || fork >= ForkSeq.fulu) {
        throw new DaError("WRONG_FORK", `a blob sidecar at slot ${slot} (${FORK_NAMES[fork]})`);
      }
      if (!opts.verified && !verifyBlobSidecarInclusionProof(sidecar, fork)) {
        throw new DaError("INVALID_SIDECAR", `blob sidecar ${sidecar.index} of slot ${slot}: invalid inclusion proof`);
      }
      const entry = this.entryFor(toRootHex(sidecarBlockRoot(sidecar)), slot);
      if (entry.blobSidecars.has(sidecar.index)) continue;
      if (entry.commitments !== null) {
        const c = entry.commitments[sidecar.index];
        if (c === undefined || !bytesEqual(c, sidecar.kzgCommitment)) {
          throw new DaError("BLOCK_MISMATCH", `blob sidecar ${sidecar.index} does not match block ${entry.root}`);
        }
      }
      fresh.push({entry, sidecar});
    }
    if (
      !opts.verified &&
      !verifyBlobSidecarsKzgProofBatch(
        this.kzg,
        fresh.map((f) => f.sidecar),
      )
    ) {
      throw new DaError("INVALID_SIDECAR", `the KZG proofs of ${fresh.length} blob sidecars do not verify`);
    }
    let added = 0;
    for (const {entry, sidecar} of fresh) {
      if (entry.blobSidecars.has(sidecar.index)) continue;
      entry.blobSidecars.set(sidecar.index, sidecar);
      added++;
    }
    for (const entry of new Set(fresh.map((f) => f.entry))) this.notify(entry);
    return added;
  }

  /**
   * A data column sidecar (fulu). Unless `verified`, checks verify_data_column_sidecar, the inclusion proof and
   * the KZG proofs (throws DaError INVALID_SIDECAR). Returns false when the column was already there.
   */
  addDataColumnSidecar(sidecar: DataColumnSidecar, opts: AddSidecarOpts = {}): boolean {
    return this.addDataColumnSidecars([sidecar], opts) > 0;
  }

  /** Column sidecars of any blocks (e.g. a DataColumnSidecarsByRange response): one KZG batch. Returns how many were new. */
  addDataColumnSidecars(sidecars: DataColumnSidecar[], opts: AddSidecarOpts = {}): number {
    const fresh: {entry: BlockDataEntry; sidecar: DataColumnSidecar}[] = [];
    for (const sidecar of sidecars) {
      const slot = sidecar.signedBlockHeader.message.slot;
      const fork = this.config.getForkSeq(slot);
      if (fork < ForkSeq.fulu) {
        throw new DaError("WRONG_FORK", `a data column sidecar at slot ${slot} (${FORK_NAMES[fork]})`);
      }
      if (!opts.verified) {
        if (!verifyDataColumnSidecar(this.config.chain, sidecar)) {
          throw new DaError("INVALID_SIDECAR", `data column ${sidecar.index} of slot ${slot} is malformed`);
        }
        if (!verifyDataColumnSidecarInclusionProof(sidecar, fork)) {
          throw new DaError("INVALID_SIDECAR", `data column ${sidecar.index} of slot ${slot}: invalid inclusion proof`);
        }
      }
      const entry = this.entryFor(toRootHex(sidecarBlockRoot(sidecar)), slot);
      if (entry.columns.has(sidecar.index)) continue;
      fresh.push({entry, sidecar});
    }
    if (
      !opts.verified &&
      !verifyDataColumnSidecarsKzgProofsBatch(
        this.kzg,
        fresh.map((f) => f.sidecar),
      )
    ) {
      throw new DaError("INVALID_SIDECAR", `the KZG proofs of ${fresh.length} data column sidecars do not verify`);
    }
    let added = 0;
    for (const {entry, sidecar} of fresh) {
      if (entry.columns.has(sidecar.index)) continue;
      entry.columns.set(sidecar.index, sidecar);
      added++;
    }
    for (const entry of new Set(fresh.map((f) => f.entry))) {
      this.maybeReconstruct(entry);
      this.notify(entry);
    }
    return added;
  }

  /**
   * A block with all its blobs: our own production (the engine's blobs bundle), a block published through the
   * Beacon API with its blobs and proofs, or all blobs from engine_getBlobs. Builds the sidecars (deneb, electra:
   * get_blob_sidecars with one proof per blob; fulu: get_data_column_sidecars_from_block with compute_cells and
   * CELLS_PER_EXT_BLOB cell proofs per blob), verifies the proofs unless `verify: false` (our own engine's bundle),
   * registers block and sidecars, and returns the sidecars to publish. Throws DaError INVALID_BLOBS.
   */
  addBlockWithBlobs(
    signedBlock: SignedBeaconBlockAllForks,
    blobs: Uint8Array[],
    proofs: Uint8Array[],
    opts: {verify?: boolean; blockRoot?: RootHex | Uint8Array} = {},
  ): BlockSidecars {
    const root = this.addBlock(signedBlock, opts.blockRoot);
    const entry = this.entries.get(root) as BlockDataEntry;
    const commitments = entry.commitments ?? [];
    if (entry.fork < ForkSeq.deneb) return {};
    if (blobs.length !== commitments.length) {
      throw new DaError("INVALID_BLOBS", `the block has ${commitments.length} commitments, got ${blobs.length} blobs`);
    }
    const verify = opts.verify ?? true;
    if (entry.fork >= ForkSeq.fulu) {
      if (commitments.length === 0) return {dataColumnSidecars: []};
      let rows: ReturnType<typeof cellsAndKzgProofsFromBlobs>;
      try {
        rows = cellsAndKzgProofsFromBlobs(this.kzg, blobs, proofs);
      } catch (e) {
        throw new DaError("INVALID_BLOBS", (e as Error).message, {cause: e});
      }
      const sidecars = getDataColumnSidecarsFromBlock(this.config, signedBlock, rows);
      // every cell of every column: verify_data_column_sidecar_kzg_proofs of all the sidecars, one batch
      if (verify && !verifyDataColumnSidecarsKzgProofsBatch(this.kzg, sidecars)) {
        throw new DaError("INVALID_BLOBS", "the cell proofs do not verify against the block's commitments");
      }
      this.addDataColumnSidecars(sidecars, {verified: true});
      return {dataColumnSidecars: sidecars};
    }
    if (proofs.length !== blobs.length) {
      throw new DaError("INVALID_BLOBS", `expected ${blobs.length} blob KZG proofs, got ${proofs.length}`);
    }
    if (verify && !kzgVerifies(() => this.kzg.verifyBlobKzgProofBatch(blobs, commitments, proofs))) {
      throw new DaError("INVALID_BLOBS", "the blob KZG proofs do not verify against the block's commitments");
    }
    const sidecars = getBlobSidecars(this.config, signedBlock, blobs, proofs);
    this.addBlobSidecars(sidecars, {verified: true});
    return {blobSidecars: sidecars};
  }

  /**
   * deneb "Blob retrieval via local execution-layer client" / fulu "Distributed blob publishing": asks the engine
   * for the block's missing blobs (engine_getBlobsV1: any subset; engine_getBlobsV2: all or nothing), builds the
   * sidecars, marks them in the gossip `Seen` state, and returns the new ones (to publish: blob sidecars on their
   * subnets; data columns only on subscribed subnets). Null when the engine had nothing usable.
   */
  async retrieveFromEngine(
    engine: ExecutionEngine,
    signedBlock: SignedBeaconBlockAllForks,
    blockRoot?: RootHex | Uint8Array,
  ): Promise<BlockSidecars | null> {
    const root = this.addBlock(signedBlock, blockRoot);
    const entry = this.entries.get(root) as BlockDataEntry;
    const commitments = entry.commitments ?? [];
    if (entry.fork < ForkSeq.deneb || commitments.length === 0 || this.isDataAvailable(root)) return null;
    const header = signedBlock.message;
    if (entry.fork >= ForkSeq.fulu) {
      const res = await engine.getBlobs(FORK_NAMES[entry.fork], commitments.map(kzgCommitmentToVersionedHash));
      if (res.version !== 2 || res.blobs === null) return null;
      const blobs = res.blobs.map((b) => b.blob);
      const proofs = res.blobs.flatMap((b) => b.proofs);
      // fulu p2p-interface.md: clients SHOULD skip verification of blobs from their local engine
      const before = new Set(entry.columns.keys());
      const {dataColumnSidecars = []} = this.addBlockWithBlobs(signedBlock, blobs, proofs, {
        verify: false,
        blockRoot: root,
      });
      const fresh = dataColumnSidecars.filter((s) => !before.has(s.index));
      for (const s of fresh) this.seen.addDataColumnSidecar(header.slot, header.proposerIndex, s.index);
      return {dataColumnSidecars: fresh};
    }
    const missing = commitments.map((_, i) => i).filter((i) => !entry.blobSidecars.has(i));
    const res = await engine.getBlobs(
      FORK_NAMES[entry.fork],
      missing.map((i) => kzgCommitmentToVersionedHash(commitments[i])),
    );
    if (res.version !== 1) return null;
    const items: {index: number; blob: Uint8Array; kzgProof: Uint8Array}[] = [];
    res.blobs.forEach((b, i) => {
      if (b !== null) items.push({index: missing[i], blob: b.blob, kzgProof: b.proof});
    });
    if (items.length === 0) return null;
    const sidecars = getBlobSidecarsForIndices(this.config, signedBlock, items);
    // deneb: behave as if received via gossip (which verified the KZG proof)
    this.addBlobSidecars(sidecars, {verified: false});
    for (const s of sidecars) this.seen.addBlobSidecar(header.slot, header.proposerIndex, s.index);
    return {blobSidecars: sidecars};
  }

  // ------------------------------------------------------------------ availability

  /**
   * is_data_available for a block (or the root of a block added with addBlock): true without blob commitments;
   * deneb/electra: every blob's sidecar is here; fulu: every sampling column is here (after reconstruction, all).
   */
  isDataAvailable(blockOrRoot: SignedBeaconBlockAllForks | RootHex): boolean {
    const root = typeof blockOrRoot === "string" ? blockOrRoot : this.addBlock(blockOrRoot);
    const entry = this.entries.get(root);
    if (entry === undefined || entry.commitments === null) return false;
    return this.entryAvailable(entry);
  }

  /**
   * Resolves true as soon as the block's data is available (the block must be added: addBlock or
   * isDataAvailable(block)), false after `timeoutMs`.
   */
  waitForAvailability(blockRoot: RootHex, timeoutMs: number): Promise<boolean> {
    if (this.isDataAvailable(blockRoot)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const entry = this.entryFor(blockRoot, null);
      const finish = (ok: boolean): void => {
        clearTimeout(timer);
        this.timers.delete(timer);
        entry.waiters.delete(waiter);
        resolve(ok);
      };
      const waiter: Waiter = {
        check: () => {
          if (this.entryAvailable(entry)) finish(true);
        },
        cancel: () => finish(false),
      };
      const timer = setTimeout(() => finish(false), Math.max(0, timeoutMs));
      timer.unref();
      this.timers.add(timer);
      entry.waiters.add(waiter);
    });
  }

  /**
   * What is still missing for a known block: blob indices (deneb/electra) or sampling columns (fulu), for
   * BlobSidecarsByRoot / DataColumnSidecarsByRoot requests. Null for an unknown block.
   */
  getMissing(blockRoot: RootHex): {blobIndices: number[]} | {columns: number[]} | null {
    const entry = this.entries.get(blockRoot);
    if (entry === undefined || entry.commitments === null) return null;
    if (entry.fork >= ForkSeq.fulu) {
      if (entry.commitments.length === 0) return {columns: []};
      return {columns: this.samplingColumns.filter((c) => !entry.columns.has(c))};
    }
    return {blobIndices: entry.commitments.map((_, i) => i).filter((i) => !entry.blobSidecars.has(i))};
  }

  /** The verified blob sidecars held for a block, by index. */
  getBlobSidecars(blockRoot: RootHex): BlobSidecar[] {
    const entry = this.entries.get(blockRoot);
    return entry === undefined ? [] : [...entry.blobSidecars.values()].sort((a, b) => a.index - b.index);
  }

  /** The verified column sidecars held for a block (all, or those of `columns`), by index. */
  getDataColumnSidecars(blockRoot: RootHex, columns?: readonly number[]): DataColumnSidecar[] {
    const entry = this.entries.get(blockRoot);
    if (entry === undefined) return [];
    const want = columns === undefined ? null : new Set(columns);
    return [...entry.columns.values()]
      .filter((s) => want === null || want.has(s.index))
      .sort((a, b) => a.index - b.index);
  }

  // ------------------------------------------------------------------ persistence and pruning

  /** The sidecars to store with an imported block: all blob sidecars, or the custody columns (fulu). */
  getSidecarsForImport(blockRoot: RootHex): BlockSidecars {
    const entry = this.entries.get(blockRoot);
    if (entry === undefined || entry.fork < ForkSeq.deneb) return {};
    if (entry.fork >= ForkSeq.fulu)
      return {dataColumnSidecars: this.getDataColumnSidecars(blockRoot, this.custodyColumns)};
    return {blobSidecars: this.getBlobSidecars(blockRoot)};
  }

  /** Queues the block's sidecars (getSidecarsForImport) into a db batch: the block import's atomic write. */
  putSidecarsInBatch(batch: DbBatch, blockRoot: RootHex): DbBatch {
    const {blobSidecars, dataColumnSidecars} = this.getSidecarsForImport(blockRoot);
    const rootBytes = fromRootHex(blockRoot);
    if (blobSidecars !== undefined && blobSidecars.length > 0) batch.putBlobSidecars(rootBytes, blobSidecars);
    if (dataColumnSidecars !== undefined && dataColumnSidecars.length > 0) {
      batch.putDataColumnSidecars(rootBytes, dataColumnSidecars);
    }
    const entry = this.entries.get(blockRoot);
    if (entry !== undefined) entry.persisted = true;
    return batch;
  }

  /** Writes the block's sidecars to the db (when the block import did not put them in its own batch). */
  async persist(db: BeaconDb, blockRoot: RootHex): Promise<void> {
    const batch = this.putSidecarsInBatch(db.batch(), blockRoot);
    if (batch.length > 0) await batch.write();
  }

  /**
   * Drops entries more than maxEntryAgeSlots behind `currentSlot` (persisted ones after 2 slots; never one with a
   * pending waitForAvailability) and the gossip Seen state at or before the finalized slot. Call once per slot.
   */
  prune(currentSlot: number, finalizedEpoch = 0): void {
    const maxAge = this.opts.maxEntryAgeSlots ?? 2 * SLOTS_PER_EPOCH;
    for (const [root, entry] of this.entries) {
      if (entry.waiters.size > 0) continue;
      // entries without a slot were created by a wait for a block that never showed up; persisted ones are in the
      // db (their custody columns) and only linger for a slot or two of gossip / by-root traffic
      const age = currentSlot - entry.slot;
      if (entry.slot < 0 || age > maxAge || (entry.persisted && age > PERSISTED_ENTRY_AGE_SLOTS)) {
        this.entries.delete(root);
      }
    }
    this.seen.prune(computeStartSlotAtEpoch(finalizedEpoch));
  }

  /** Stops pending reconstructions and timeouts (waiters resolve false). */
  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const entry of this.entries.values()) {
      entry.reconstruction = "done";
      for (const w of [...entry.waiters]) w.cancel();
    }
  }

  /** Number of blocks with data held (tests, metrics). */
  get size(): number {
    return this.entries.size;
  }

  // ------------------------------------------------------------------ internals

  /** The entry of a block root; `slot` null when only waiting (filled when the block or a sidecar arrives). */
  private entryFor(root: RootHex, slot: number | null): BlockDataEntry {
    let entry = this.entries.get(root);
    if (entry === undefined) {
      entry = {
        root,
        slot: slot ?? -1,
        fork: slot === null ? ForkSeq.phase0 : this.config.getForkSeq(slot),
        commitments: null,
        blobSidecars: new Map(),
        columns: new Map(),
        waiters: new Set(),
        reconstruction: "none",
        persisted: false,
      };
      this.entries.set(root, entry);
    } else if (entry.slot < 0 && slot !== null) {
      entry.slot = slot;
      entry.fork = this.config.getForkSeq(slot);
    }
    return entry;
  }

  private entryAvailable(entry: BlockDataEntry): boolean {
    const commitments = entry.commitments;
    if (commitments === null) return false;
    if (entry.fork < ForkSeq.deneb || commitments.length === 0) return true;
    if (entry.fork >= ForkSeq.fulu) return this.samplingColumns.every((c) => entry.columns.has(c));
    for (let i = 0; i < commitments.length; i++) if (!entry.blobSidecars.has(i)) return false;
    return true;
  }

  private notify(entry: BlockDataEntry): void {
    if (entry.waiters.size === 0 || !this.entryAvailable(entry)) return;
    for (const w of [...entry.waiters]) w.check();
  }

  /** das-core.md: with 50%+ of the columns (and not all), reconstruct the matrix (after the configured delay). */
  private maybeReconstruct(entry: BlockDataEntry): void {
    if (this.opts.reconstruct === false || entry.reconstruction !== "none") return;
    const count = entry.columns.size;
    if (count * 2 < NUMBER_OF_COLUMNS || count === NUMBER_OF_COLUMNS) return;
    entry.reconstruction = "scheduled";
    const run = (): void => {
      if (entry.reconstruction !== "scheduled" || this.entries.get(entry.root) !== entry) return;
      entry.reconstruction = "done";
      if (entry.columns.size === NUMBER_OF_COLUMNS) return;
      const t0 = Date.now();
      let all: DataColumnSidecar[];
      try {
        all = reconstructDataColumnSidecars(this.kzg, [...entry.columns.values()]);
      } catch (e) {
        this.logger.warn("Data column reconstruction failed", {root: entry.root, error: (e as Error).message});
        return;
      }
      const fresh = all.filter((s) => !entry.columns.has(s.index));
      for (const s of fresh) entry.columns.set(s.index, s);
      this.logger.debug("Reconstructed data columns", {
        root: entry.root,
        slot: entry.slot,
        recovered: fresh.length,
        ms: Date.now() - t0,
      });
      this.notify(entry);
      if (fresh.length > 0) this.opts.onReconstructedColumns?.(entry.root, fresh);
    };
    const delay = this.opts.reconstructionDelayMs ?? 0;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, delay);
    this.timers.add(timer);
  }
}

/** Slots a persisted entry stays in memory after its block's slot. */
const PERSISTED_ENTRY_AGE_SLOTS = 2;

const ALL_COLUMNS: readonly number[] = Array.from({length: NUMBER_OF_COLUMNS}, (_, i) => i);

function rootHexOf(root: RootHex | Uint8Array): RootHex {
  return typeof root === "string" ? root : toRootHex(root);
}
