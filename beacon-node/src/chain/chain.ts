import {EventEmitter} from "node:events";
import {BeaconConfig, type ChainConfig} from "@ceibo/config";
import {
  type CheckpointHex,
  ForkChoice,
  ForkChoiceError,
  type ProtoNode,
  type RootHex,
  toRootHex,
} from "@ceibo/fork-choice";
import {
  DOMAIN_BEACON_ATTESTER,
  DOMAIN_SYNC_COMMITTEE,
  EPOCHS_PER_SYNC_COMMITTEE_PERIOD,
  FORK_NAMES,
  type ForkName,
  ForkSeq,
  NUMBER_OF_COLUMNS,
  SLOTS_PER_EPOCH,
} from "@ceibo/params";
import {
  type AttestationAllForks,
  type AttestationData,
  type AttesterSlashingLike,
  type CachedBeaconState,
  computeEpochAtSlot,
  computeStartSlotAtEpoch,
  createCachedBeaconState,
  forkTypes,
  getDomain,
  type ProposerSlashing,
  type SignedBeaconBlockAllForks,
  type SignedBLSToExecutionChange,
  type SignedVoluntaryExit,
  stateTransition,
  validatorPublicKey,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {Signature, verify} from "@chainsafe/blst";
import type {BeaconDb, ResumeData} from "../db/index.ts";
import type {ExecutionEngine} from "../execution/index.ts";
import type {ChainMetricsHook} from "../metrics/hooks.ts";
import {AttestationPool} from "./attestationPool.ts";
import {BlsSingleThread, type BlsVerifier, BlsWorkerPool} from "./bls/pool.ts";
import type {Clock} from "./clock.ts";
import {type ColumnCustody, DataAvailabilityTracker} from "./da/index.ts";
import {DeferredBlockWrites} from "./deferredWrites.ts";
import {ChainError} from "./errors.ts";
import type {ChainEvents} from "./events.ts";
import {type ImportBlockOpts, type ImportedBlock, importBlock} from "./importBlock.ts";
import {LightClientServer} from "./lightClient/server.ts";
import {type Logger, silentLogger} from "./logger.ts";
import {OpPool} from "./opPool.ts";
import {type ProduceBlockOpts, type ProducedBlock, produceBlock} from "./produceBlock.ts";
import {type ChainLink, nearestSnapshot, protoBlockOf} from "./snapshots.ts";
import {ChainStateCache, type ChainStateCacheOpts} from "./stateCache.ts";
import {SyncCommitteeMessagePool} from "./syncCommitteePool.ts";
import type {GossipVerifiedBlock, VerifiedAttestation} from "./verified.ts";

export interface BeaconChainOpts extends ChainStateCacheOpts {
  /** Fee recipient for payloads this node builds (20 bytes; default the zero address). */
  suggestedFeeRecipient?: Uint8Array;
  /**
   * bellatrix validator.md get_terminal_pow_block for a chain that starts before bellatrix (dev chains: the
   * execution client's genesis block, TERMINAL_TOTAL_DIFFICULTY 0): the parent of the merge transition block's
   * payload. Without it no block can be produced at bellatrix+ before the merge.
   */
  terminalBlockHash?: Uint8Array;
  /** KZG trusted setup (default: c-kzg's bundled mainnet setup, loaded on the first blob). */
  trustedSetupFile?: string;
  /**
   * Store an unfinalized state snapshot (checkpoint state) every this many epochs (default 1): a restart then
   * replays at most this many epochs of blocks (snapshots.ts). Larger: less disk written, longer restarts.
   */
  stateSnapshotEpochs?: number;
  /**
   * BLS verification threads (`--bls.workers`): N > 0 a `BlsWorkerPool` of N workers that gossip validation and
   * block import share; 0 or undefined the main thread (`BlsSingleThread`). Ignored when `modules.bls` is given.
   */
  blsWorkers?: number;
}

export interface BeaconChainModules {
  config: ChainConfig;
  db: BeaconDb;
  /** The execution engine (null: payloads are imported optimistically and no block can be produced). */
  engine: ExecutionEngine | null;
  clock: Clock;
  logger?: Logger;
  /** The BLS verifier (default: from `opts.blsWorkers`); the chain closes it in `close()`. */
  bls?: BlsVerifier;
}

/** An electra SingleAttestation (the unaggregated attestation of one validator). */
export interface SingleAttestation {
  committeeIndex: number;
  attesterIndex: number;
  data: AttestationData;
  signature: Uint8Array;
}

const ZERO_HASH = new Uint8Array(32);

export function fromRootHex(hex: RootHex): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.slice(2), "hex"));
}

/** hash_tree_root of a block of the fork active at its slot. */
export function blockRootOf(config: BeaconConfig, block: SignedBeaconBlockAllForks["message"]): Uint8Array {
  const type = forkTypes(config.getForkSeq(block.slot)).BeaconBlock as unknown as {
    hashTreeRoot(v: unknown): Uint8Array;
  };
  return type.hashTreeRoot(block);
}

/**
 * The anchor block of a genesis state: its latest_block_header with the state root filled in and an empty body
 * (interop genesis commits the header to the fork's empty BeaconBlockBody).
 */
export function genesisBlockOf(cs: CachedBeaconState): SignedBeaconBlockAllForks {
  const header = cs.state.latestBlockHeader.toValue();
  const types = forkTypes(cs.fork) as unknown as {BeaconBlockBody: {defaultValue(): unknown}};
  const message = {
    slot: header.slot,
    proposerIndex: header.proposerIndex,
    parentRoot: header.parentRoot,
    stateRoot: cs.state.hashTreeRoot(),
    body: types.BeaconBlockBody.defaultValue(),
  } as SignedBeaconBlockAllForks["message"];
  return {message, signature: new Uint8Array(96)};
}

/** At most this many leaves of the hot block tree get their nearest snapshot loaded at a restart. */
const MAX_RESUME_SNAPSHOTS = 4;

/** What BeaconChain.fromDb did with the hot blocks. */
export interface ResumeStats {
  /** Unfinalized blocks in the database. */
  hotBlocks: number;
  /** Added to fork choice from their stored summaries (no state transition). */
  fromSummaries: number;
  /** Blocks run through the state transition during the restart (incl. the head state's regeneration). */
  replayedBlocks: number;
  /** Epoch-boundary state snapshots read from the database. */
  snapshotsLoaded: number;
  /** Wall time of the whole step (ms). */
  ms: number;
}

/**
 * The beacon chain: fork choice over the blocks it imported, the states of recent blocks (regenerated by block
 * replay when evicted), the attestation pool, the block import pipeline (importBlock.ts) and block production
 * (produceBlock.ts), persistence of blocks / checkpoint states / finalized anchor, and the execution engine's
 * forkchoice state. Emits `head`, `block`, `finalized_checkpoint` and `chain_reorg`.
 */
export class BeaconChain {
  readonly config: ChainConfig;
  readonly beaconConfig: BeaconConfig;
  readonly db: BeaconDb;
  readonly engine: ExecutionEngine | null;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly opts: BeaconChainOpts;
  /** Every BLS signature the chain and gossip validation check goes through here (worker pool or main thread). */
  readonly bls: BlsVerifier;
  readonly forkChoice: ForkChoice;
  readonly stateCache: ChainStateCache;
  readonly attestationPool = new AttestationPool();
  readonly syncCommitteePool = new SyncCommitteeMessagePool();
  /** Exits, slashings and BLS changes for blocks (gossip and API), plus gossip aggregates and contributions. */
  readonly opPool = new OpPool();
  /**
   * Blob sidecars / data column sidecars per block until the block is imported (deneb/fulu is_data_available).
   * Its custody (fulu sampling/custody columns) defaults to all columns until the network sets the node's own.
   */
  readonly da: DataAvailabilityTracker;
  /** The columns this node samples and custodies (mutable: the network sets them from the node id). */
  readonly custody: {samplingColumns: readonly number[]; custodyColumns: readonly number[]};
  readonly emitter = new EventEmitter<ChainEvents>();
  readonly genesisTime: number;
  readonly genesisValidatorsRoot: Uint8Array;
  /** Blocks fork choice may need to replay for state regeneration: the finalized block and its descendants. */
  readonly blocks = new Map<RootHex, SignedBeaconBlockAllForks>();
  /** Gossip attestations fork choice cannot take yet (their slot is not over): applied at the next slot. */
  private pendingVotes: {attestingIndices: number[]; data: AttestationData}[] = [];
  private headNode: ProtoNode;
  private finalized: CheckpointHex;
  /** Block imports run one at a time. */
  private importQueue: Promise<unknown> = Promise.resolve();
  /** The last forkchoice state sent to the engine, to skip repeats. */
  private lastForkchoiceKey = "";
  /** The engine's last answer to forkchoiceUpdated ("VALID", "SYNCING", … or "ERROR"). */
  elStatus = "UNKNOWN";
  /** Block writes that failed on a full disk / I/O error, written again before newer ones (deferredWrites.ts). */
  readonly blockWrites: DeferredBlockWrites;
  /** Block import timings (set by the node when it runs with --metrics). */
  metrics: ChainMetricsHook | null = null;
  /** Blocks replayed by state regeneration since start (logs, tests: restart replay is bounded by snapshots). */
  regenReplayedBlocks = 0;
  /** Light-client data from imported blocks (bootstraps, best updates by period, latest finality/optimistic). */
  readonly lightClient: LightClientServer;

  private constructor(
    modules: BeaconChainModules,
    opts: BeaconChainOpts,
    anchorState: CachedBeaconState,
    anchorBlock: SignedBeaconBlockAllForks,
    anchorEpoch?: number,
  ) {
    this.config = modules.config;
    this.db = modules.db;
    this.engine = modules.engine;
    this.clock = modules.clock;
    this.logger = modules.logger ?? silentLogger;
    this.blockWrites = new DeferredBlockWrites(this.logger);
    this.opts = opts;
    const every = opts.stateSnapshotEpochs;
    if (every !== undefined && (!Number.isSafeInteger(every) || every < 1)) {
      throw new ChainError(
        "INVALID_ARGUMENT",
        `state snapshot interval must be a positive number of epochs, got ${every}`,
      );
    }
    this.bls =
      modules.bls ??
      (opts.blsWorkers !== undefined && opts.blsWorkers > 0
        ? new BlsWorkerPool({workers: opts.blsWorkers})
        : new BlsSingleThread());
    this.genesisTime = anchorState.state.genesisTime;
    this.genesisValidatorsRoot = anchorState.state.genesisValidatorsRoot;
    this.beaconConfig = new BeaconConfig(this.config, this.genesisValidatorsRoot);
    this.stateCache = new ChainStateCache(opts);
    const allColumns = Array.from({length: NUMBER_OF_COLUMNS}, (_, i) => i);
    this.custody = {samplingColumns: allColumns, custodyColumns: allColumns};
    this.da = new DataAvailabilityTracker({
      config: this.beaconConfig,
      custody: this.custody as ColumnCustody,
      trustedSetupFile: opts.trustedSetupFile,
      logger: this.logger,
    });
    // the db's anchor checkpoint: after a missed epoch-boundary slot its epoch is later than the state's
    const fcOpts = anchorEpoch !== undefined ? {anchorEpoch} : {};
    this.forkChoice = ForkChoice.fromAnchor(anchorState, anchorBlock.message, fcOpts, {stateCache: this.stateCache});
    const anchorRoot = this.forkChoice.finalizedCheckpoint.root;
    this.stateCache.pin(anchorRoot, anchorState);
    this.stateCache.regen = (root) => this.regenerate(root);
    this.blocks.set(anchorRoot, anchorBlock);
    this.tick();
    this.headNode = this.forkChoice.getHead();
    this.finalized = this.forkChoice.finalizedCheckpoint;
    this.lightClient = new LightClientServer(this);
  }

  /**
   * Resumes from the database: the anchor (genesis or the last finalized checkpoint) becomes fork choice's anchor
   * and the hot blocks after it are added from their stored fork-choice summaries; states are regenerated from
   * the stored epoch-boundary snapshots (snapshots.ts: at most one epoch of blocks replayed, without signature
   * checks: they were verified when first imported). Blocks without a summary are replayed.
   */
  static async fromDb(modules: BeaconChainModules, opts: BeaconChainOpts = {}): Promise<BeaconChain> {
    const resume: ResumeData | null = await modules.db.loadAnchor();
    if (resume === null) throw new ChainError("INVALID_DATABASE", "the database has no anchor (genesis not written)");
    const anchorState = createCachedBeaconState(resume.state.state, modules.config, resume.state.forkSeq);
    // a checkpoint's block is never after its epoch's first slot: an anchor stored by an older version as
    // (get_current_epoch(post-state), root) after a missed boundary slot (3 for block 31) is read as (4, root)
    const anchorEpoch = Math.max(resume.anchor.checkpoint.epoch, Math.ceil(resume.anchor.blockSlot / SLOTS_PER_EPOCH));
    const chain = new BeaconChain(modules, opts, anchorState, resume.block.block, anchorEpoch);
    await chain.resumeHotBlocks(resume);
    if (resume.orphanedHotBlocks > 0) {
      chain.logger.warn("Ignored hot blocks that do not descend from the anchor", {count: resume.orphanedHotBlocks});
    }
    await chain.notifyForkchoiceUpdate();
    return chain;
  }

  /** What the last restart did (null for a chain that did not resume hot blocks). */
  resumeStats: ResumeStats | null = null;

  /**
   * The hot blocks after the anchor into fork choice (chain/snapshots.ts): from their stored fork-choice summaries
   * (replayed only when a block has none), with the nearest epoch-boundary snapshot of each leaf of the block
   * tree and the justified checkpoint's state loaded, so the head state is regenerated from at most one epoch of
   * blocks. The votes of the blocks of the last two epochs are applied (latest messages older than that are lost).
   */
  private async resumeHotBlocks(resume: ResumeData): Promise<void> {
    const t0 = performance.now();
    const db = this.db;
    const stored = await db.checkpointStates.checkpoints();
    const anchorRoot = this.forkChoice.finalizedCheckpoint.root;
    const links = new Map<RootHex, ChainLink>();
    const hasChild = new Set<RootHex>();
    for (const {root, block} of resume.hotBlocks) {
      const parentRoot = toRootHex(block.message.parentRoot);
      links.set(toRootHex(root), {root: toRootHex(root), slot: block.message.slot, parentRoot});
      hasChild.add(parentRoot);
    }
    const leaves = [...links.values()]
      .filter((l) => !hasChild.has(l.root))
      .sort((a, b) => b.slot - a.slot)
      .slice(0, MAX_RESUME_SNAPSHOTS);
    let snapshotsLoaded = 0;
    const loadCheckpoint = async (cp: {epoch: number; root: RootHex}): Promise<boolean> => {
      if (this.stateCache.getCheckpointState(cp) !== undefined) return true;
      try {
        const st = await db.checkpointStates.get({epoch: cp.epoch, root: fromRootHex(cp.root)});
        if (st === null) return false;
        // the snapshot must be a state of that block at that epoch's first slot, else it is not used
        const header = st.state.latestBlockHeader.toValue();
        if (header.stateRoot.every((b) => b === 0)) header.stateRoot = st.stateRoot;
        const blockRoot = toRootHex(ssz.phase0.BeaconBlockHeader.hashTreeRoot(header));
        if (blockRoot !== cp.root || st.state.slot !== computeStartSlotAtEpoch(cp.epoch)) {
          throw Error(`it is a state of block ${blockRoot} at slot ${st.state.slot}`);
        }
        this.stateCache.setCheckpointState(cp, createCachedBeaconState(st.state, this.config, st.forkSeq));
        snapshotsLoaded++;
        return true;
      } catch (e) {
        // a bad snapshot costs a longer replay, never a wrong state
        this.logger.warn("Ignored a stored state snapshot", {
          epoch: cp.epoch,
          root: cp.root,
          error: (e as Error).message,
        });
        return false;
      }
    };
    for (const leaf of leaves) {
      // a snapshot that cannot be used is skipped for the next one down the chain
      let candidates = stored;
      for (let found = nearestSnapshot(leaf.root, links, candidates); found !== null; ) {
        if (await loadCheckpoint(found.checkpoint)) break;
        const bad = found.checkpoint;
        candidates = candidates.filter((cp) => !(cp.epoch === bad.epoch && toRootHex(cp.root) === bad.root));
        found = nearestSnapshot(leaf.root, links, candidates);
      }
    }

    let fromSummaries = 0;
    let replayedAtStart = 0;
    const regenBefore = this.regenReplayedBlocks;
    for (const {root, block} of resume.hotBlocks) {
      const rootHex = toRootHex(root);
      const summary = await db.forkChoiceNodes.get(root);
      if (summary !== null) {
        this.forkChoice.onBlockSummary(block.message, protoBlockOf(rootHex, summary), "syncing");
        this.blocks.set(rootHex, block);
        fromSummaries++;
      } else {
        await this.replayBlock(block, rootHex);
        replayedAtStart++;
      }
    }
    // the justified checkpoint's state (justified balances) from its snapshot, when stored
    const justified = this.forkChoice.justifiedCheckpoint;
    if (justified.root !== anchorRoot) await loadCheckpoint(justified);
    // latest messages: the votes in the blocks of the last two epochs (each validator votes once an epoch)
    const lastSlot = resume.hotBlocks.reduce((m, b) => Math.max(m, b.block.message.slot), 0);
    const votesFrom = Math.max(0, computeEpochAtSlot(lastSlot) - 1) * SLOTS_PER_EPOCH;
    for (const {root, block} of resume.hotBlocks) {
      if (block.message.slot < votesFrom || !this.forkChoice.hasBlock(toRootHex(root))) continue;
      for (const attestation of block.message.body.attestations) {
        try {
          this.forkChoice.onAttestation(attestation, true, {verifySignature: false});
        } catch {
          // a vote fork choice cannot take changes nothing
        }
      }
    }
    this.updateHead();
    this.getHeadState();
    const stats: ResumeStats = {
      hotBlocks: resume.hotBlocks.length,
      fromSummaries,
      replayedBlocks: replayedAtStart + (this.regenReplayedBlocks - regenBefore),
      snapshotsLoaded,
      ms: Math.round(performance.now() - t0),
    };
    this.resumeStats = stats;
    if (stats.hotBlocks > 0) this.logger.info("Rebuilt fork choice from the database", {...stats});
  }

  /** Writes a genesis (or checkpoint) state and its block as the database's anchor. */
  static async initializeDb(db: BeaconDb, state: CachedBeaconState): Promise<void> {
    await db.writeAnchor({state, block: genesisBlockOf(state)});
  }

  // ---------------------------------------------------------------- views

  get head(): ProtoNode {
    return this.headNode;
  }

  get finalizedCheckpoint(): CheckpointHex {
    return this.finalized;
  }

  get justifiedCheckpoint(): CheckpointHex {
    return this.forkChoice.justifiedCheckpoint;
  }

  /** The head block's post-state (shared: clone before mutating). */
  getHeadState(): CachedBeaconState {
    return this.getBlockState(this.headNode.blockRoot);
  }

  getBlockState(root: RootHex): CachedBeaconState {
    const state = this.stateCache.getBlockState(root);
    if (state === undefined) throw new ChainError("MISSING_STATE", `no state for block ${root}`);
    return state;
  }

  forkNameAtSlot(slot: number): ForkName {
    return FORK_NAMES[this.beaconConfig.getForkSeq(slot)];
  }

  // ---------------------------------------------------------------- time

  /** Fork choice on_tick to the clock's time (nothing before genesis). */
  private tick(): void {
    const now = this.clock.nowSeconds;
    if (now >= this.genesisTime && now > this.forkChoice.time) this.forkChoice.onTick(now);
  }

  /**
   * Called at the start of every slot: advances fork choice's time, applies the votes of the previous slots,
   * updates the head (and the engine's forkchoice state) and handles a finality change from pulled-up tips.
   */
  async onSlot(slot: number): Promise<void> {
    await this.enqueue(async () => {
      this.tick();
      await this.blockWrites.flush();
      this.applyPendingVotes();
      this.attestationPool.prune(slot);
      this.syncCommitteePool.prune(slot);
      this.da.prune(slot, this.finalized.epoch);
      this.opPool.prune(slot);
      this.updateHead();
      await this.onFinalityMaybeChanged();
      await this.notifyForkchoiceUpdate();
    });
  }

  // ---------------------------------------------------------------- blocks

  /** Runs the block import pipeline (importBlock.ts); imports run one at a time. */
  importBlock(
    signedBlock: SignedBeaconBlockAllForks | GossipVerifiedBlock,
    opts: ImportBlockOpts = {},
  ): Promise<ImportedBlock> {
    return this.enqueue(() => {
      this.tick();
      return importBlock(this, signedBlock, opts);
    });
  }

  /** Builds an unsigned block for `slot` on the current head (produceBlock.ts). */
  produceBlock(opts: ProduceBlockOpts): Promise<ProducedBlock> {
    return this.enqueue(() => {
      this.tick();
      return produceBlock(this, opts);
    });
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const result = this.importQueue.then(job, job);
    this.importQueue = result.catch(() => {});
    return result;
  }

  /** Re-imports a stored block at start-up (trusted: no signature checks). */
  private async replayBlock(signedBlock: SignedBeaconBlockAllForks, root: RootHex): Promise<void> {
    const block = signedBlock.message;
    const parent = this.getBlockState(toRootHex(block.parentRoot));
    const post = stateTransition(parent, signedBlock, {verifySignatures: false, executionPayloadValid: true});
    this.forkChoice.onBlock(block, post, {blockRoot: fromRootHex(root), executionStatus: "syncing", isTimely: false});
    this.blocks.set(root, signedBlock);
    for (const attestation of block.body.attestations) {
      try {
        this.forkChoice.onAttestation(attestation, true, {verifySignature: false});
      } catch {
        // a vote fork choice cannot take (e.g. for a pruned block) changes nothing
      }
    }
  }

  /**
   * The post-state of a known block, replayed from the nearest ancestor whose state is cached (the finalized
   * block's state is always there). Blocks were fully verified when imported, so signatures are not re-checked.
   */
  private regenerate(root: RootHex): CachedBeaconState | undefined {
    const path: SignedBeaconBlockAllForks[] = [];
    let cursor = root;
    let base = this.stateCache.peekBlockState(cursor);
    while (base === undefined) {
      const block = this.blocks.get(cursor);
      if (block === undefined) return undefined;
      // a cached checkpoint state of this block (an epoch-boundary snapshot loaded at restart) is a base too
      const childSlot = path.length > 0 ? path[path.length - 1].message.slot : null;
      base = this.stateCache.checkpointBase(cursor, block.message.slot, childSlot);
      if (base !== undefined) break;
      path.push(block);
      cursor = toRootHex(block.message.parentRoot);
      base = this.stateCache.peekBlockState(cursor);
    }
    this.regenReplayedBlocks += path.length;
    let state = base;
    for (let i = path.length - 1; i >= 0; i--) {
      state = stateTransition(state, path[i], {
        verifySignatures: false,
        verifyStateRoot: false,
        executionPayloadValid: true,
      });
    }
    this.logger.debug("Regenerated state", {root, replayedBlocks: path.length});
    return state;
  }

  // ---------------------------------------------------------------- head, finality, engine

  /** get_head; emits `head` (and `chain_reorg` when the new head does not descend from the old one). */
  updateHead(): boolean {
    const old = this.headNode;
    const head = this.forkChoice.getHead();
    if (head.blockRoot === old.blockRoot) return false;
    this.headNode = head;
    const executionOptimistic = head.executionStatus === "syncing";
    if (!this.forkChoice.protoArray.isDescendant(old.blockRoot, head.blockRoot)) {
      let ancestor: ProtoNode | undefined = old;
      while (ancestor !== undefined && !this.forkChoice.protoArray.isDescendant(ancestor.blockRoot, head.blockRoot)) {
        ancestor = this.forkChoice.getBlock(ancestor.parentRoot);
      }
      const depth = old.slot - (ancestor?.slot ?? 0);
      this.logger.warn("Chain reorg", {oldHead: old.blockRoot, newHead: head.blockRoot, depth});
      this.emitter.emit("chain_reorg", {
        slot: head.slot,
        depth,
        oldHeadBlock: old.blockRoot,
        newHeadBlock: head.blockRoot,
        oldHeadState: old.stateRoot,
        newHeadState: head.stateRoot,
        epoch: computeEpochAtSlot(head.slot),
        executionOptimistic,
      });
    }
    this.emitter.emit("head", {
      slot: head.slot,
      block: head.blockRoot,
      state: head.stateRoot,
      epochTransition: computeEpochAtSlot(head.slot) !== computeEpochAtSlot(old.slot),
      executionOptimistic,
    });
    return true;
  }

  /**
   * When fork choice's finalized checkpoint moved: archive the finalized chain in the database (one batch with the
   * new anchor), make the finalized block's state the regeneration base, drop blocks before it, emit the event.
   */
  async onFinalityMaybeChanged(): Promise<void> {
    const cp = this.forkChoice.finalizedCheckpoint;
    if (cp.epoch <= this.finalized.epoch) return;
    if (this.blockWrites.pending > 0) return; // archiving needs the blocks on disk: at a later slot
    const state = this.getBlockState(cp.root);
    const finalizedNode = this.forkChoice.getBlock(cp.root);
    await this.db.archiveFinalized({epoch: cp.epoch, root: fromRootHex(cp.root)}, undefined, {state});
    this.stateCache.pin(cp.root, state);
    const finalizedSlot = finalizedNode?.slot ?? state.state.slot;
    for (const [root, block] of this.blocks) {
      if (block.message.slot < finalizedSlot || (root !== cp.root && !this.forkChoice.hasBlock(root))) {
        this.blocks.delete(root);
      }
    }
    this.finalized = cp;
    this.logger.info("Finalized", {epoch: cp.epoch, root: cp.root});
    this.emitter.emit("finalized_checkpoint", {
      epoch: cp.epoch,
      block: cp.root,
      state: toRootHex(state.state.hashTreeRoot()),
      executionOptimistic: finalizedNode?.executionStatus === "syncing",
    });
  }

  /** The execution block hash of a block fork choice knows (zero before the merge or for an unknown block). */
  executionHashOf(root: RootHex): Uint8Array {
    const hash = this.forkChoice.getBlock(root)?.executionBlockHash;
    return hash === null || hash === undefined ? ZERO_HASH : fromRootHex(hash);
  }

  /** bellatrix fork-choice.md notify_forkchoice_updated for the current head, justified (safe) and finalized. */
  async notifyForkchoiceUpdate(): Promise<void> {
    if (this.engine === null) return;
    const head = this.headNode;
    if (head.executionBlockHash === null) return;
    const state = {
      headBlockHash: fromRootHex(head.executionBlockHash),
      safeBlockHash: this.executionHashOf(this.forkChoice.justifiedCheckpoint.root),
      finalizedBlockHash: this.executionHashOf(this.forkChoice.finalizedCheckpoint.root),
    };
    const key = [state.headBlockHash, state.safeBlockHash, state.finalizedBlockHash].map(toRootHex).join();
    if (key === this.lastForkchoiceKey && this.elStatus === "VALID") return;
    try {
      const result = await this.engine.notifyForkchoiceUpdate(this.forkNameAtSlot(head.slot), state);
      this.lastForkchoiceKey = key;
      this.elStatus = result.payloadStatus.status;
      if (result.payloadStatus.status === "VALID") this.forkChoice.onExecutionValid(head.blockRoot);
      else if (result.payloadStatus.status === "INVALID") {
        const lvh = result.payloadStatus.latestValidHash;
        this.forkChoice.onExecutionInvalid(head.blockRoot, lvh === null ? null : toRootHex(lvh));
        this.updateHead();
      }
    } catch (e) {
      // once per outage (it is retried every slot; the node's status line says the engine is offline)
      if (this.elStatus !== "ERROR") this.logger.warn("forkchoiceUpdated failed", {error: (e as Error).message});
      else this.logger.debug("forkchoiceUpdated failed", {error: (e as Error).message});
      this.elStatus = "ERROR";
    }
  }

  // ---------------------------------------------------------------- attestations

  /**
   * An unaggregated attestation (electra SingleAttestation): checked against the shuffling of its target
   * checkpoint (committee, membership, signature), added to the pool and counted as an LMD vote (at the next slot
   * if its own slot is not over: phase0 validate_on_attestation).
   */
  submitAttestation(att: SingleAttestation): void {
    const {data} = att;
    const reject = (why: string): never => {
      throw new ChainError("INVALID_ATTESTATION", `${why} (slot ${data.slot}, validator ${att.attesterIndex})`);
    };
    if (data.target.epoch !== computeEpochAtSlot(data.slot)) reject("target epoch is not the slot's epoch");
    const targetRoot = toRootHex(data.target.root);
    if (!this.forkChoice.hasBlock(targetRoot)) reject(`unknown target root ${targetRoot}`);
    if (!this.forkChoice.hasBlock(toRootHex(data.beaconBlockRoot))) reject("unknown beacon block root");
    let targetState: CachedBeaconState;
    try {
      targetState = this.forkChoice.getCheckpointState({epoch: data.target.epoch, root: targetRoot});
    } catch (e) {
      if (e instanceof ForkChoiceError) reject(e.message);
      throw e;
    }
    const committeeCount = targetState.epochCtx.getCommitteeCountPerSlot(data.target.epoch);
    if (att.committeeIndex >= committeeCount) reject(`committee index ${att.committeeIndex} >= ${committeeCount}`);
    if (data.index !== 0 && this.beaconConfig.getForkSeq(data.slot) >= ForkSeq.electra)
      reject("electra data.index must be 0");
    const committee = targetState.epochCtx.getBeaconCommittee(data.slot, att.committeeIndex);
    const position = committee.indexOf(att.attesterIndex);
    if (position < 0) reject(`validator is not in committee ${att.committeeIndex}`);
    const domain = getDomain(targetState.state, DOMAIN_BEACON_ATTESTER, data.target.epoch);
    const signingRoot = ssz.phase0.SigningData.hashTreeRoot({
      objectRoot: ssz.phase0.AttestationData.hashTreeRoot(data),
      domain,
    });
    let valid = false;
    try {
      const key = validatorPublicKey(targetState, att.attesterIndex);
      valid = verify(signingRoot, key, Signature.fromBytes(att.signature, true));
    } catch {
      valid = false;
    }
    if (!valid) reject("invalid signature");
    this.attestationPool.add(data, att.committeeIndex, committee.length, position, att.signature);
    this.pendingVotes.push({attestingIndices: [att.attesterIndex], data});
    if (data.slot < this.forkChoice.currentSlot) this.applyPendingVotes();
  }

  /**
   * A gossip attestation that passed validation (VerifiedAttestation: committee and signature verified on the
   * target checkpoint's shuffling): added to the pool and counted as an LMD vote (at the next slot if its own slot
   * is not over), without checking it again.
   */
  onGossipAttestation(att: VerifiedAttestation): void {
    this.attestationPool.add(att.data, att.committeeIndex, att.committeeSize, att.committeePosition, att.signature);
    this.pendingVotes.push({attestingIndices: [att.attesterIndex], data: att.data});
    if (att.data.slot < this.forkChoice.currentSlot) this.applyPendingVotes();
  }

  /**
   * A SyncCommitteeMessage (altair validator.md): the validator must be in the sync committee that signs at
   * `slot` (the next slot's period decides, as get_sync_committee_message does) and the signature of the block
   * root must verify; it then waits in the pool for the next block's SyncAggregate.
   */
  submitSyncCommitteeMessage(msg: {
    slot: number;
    beaconBlockRoot: Uint8Array;
    validatorIndex: number;
    signature: Uint8Array;
  }): void {
    const reject = (why: string): never => {
      throw new ChainError(
        "INVALID_SYNC_COMMITTEE_MESSAGE",
        `${why} (slot ${msg.slot}, validator ${msg.validatorIndex})`,
      );
    };
    if (this.beaconConfig.getForkSeq(msg.slot) < ForkSeq.altair) reject("no sync committee before altair");
    if (!this.forkChoice.hasBlock(toRootHex(msg.beaconBlockRoot))) reject("unknown beacon block root");
    const state = this.getHeadState();
    const headPeriod = Math.floor(computeEpochAtSlot(state.state.slot) / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
    const period = Math.floor(computeEpochAtSlot(msg.slot + 1) / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
    let committee: number[];
    if (period === headPeriod) committee = state.epochCtx.currentSyncCommitteeIndices;
    else if (period === headPeriod + 1) committee = state.epochCtx.nextSyncCommitteeIndices;
    else committee = reject("slot is outside the head state's sync committee periods");
    if (!committee.includes(msg.validatorIndex)) reject("validator is not in the sync committee");
    const domain = getDomain(state.state, DOMAIN_SYNC_COMMITTEE, computeEpochAtSlot(msg.slot));
    const signingRoot = ssz.phase0.SigningData.hashTreeRoot({objectRoot: msg.beaconBlockRoot, domain});
    let valid = false;
    try {
      valid = verify(
        signingRoot,
        validatorPublicKey(state, msg.validatorIndex),
        Signature.fromBytes(msg.signature, true),
      );
    } catch {
      valid = false;
    }
    if (!valid) reject("invalid signature");
    this.syncCommitteePool.add(msg.slot, msg.beaconBlockRoot, msg.validatorIndex, msg.signature);
  }

  // ---------------------------------------------------------------- verified operations (gossip, Beacon API)
  // The chain is the only writer of fork choice and of its pools: the network and the API hand it what they verified.

  /**
   * A verified aggregate (gossip ACCEPT or the Beacon API): kept for blocks (op pool; the attestation pool merges it
   * with the single attesters it holds) and its attesters' votes given to fork choice once its slot is over
   * (phase0 on_attestation, validate_on_attestation: not from a block).
   */
  onAggregate(aggregate: AttestationAllForks, committeeIndex: number, attestingIndices: number[]): void {
    this.opPool.addAggregate(aggregate, committeeIndex);
    this.attestationPool.addAggregate(
      aggregate.data,
      committeeIndex,
      aggregate.aggregationBits.toBoolArray(),
      aggregate.signature,
    );
    this.pendingVotes.push({attestingIndices, data: aggregate.data});
    if (aggregate.data.slot < this.forkChoice.currentSlot) this.applyPendingVotes();
  }

  /**
   * A verified attester slashing (gossip ACCEPT or the Beacon API): kept for blocks, and fork choice's
   * on_attester_slashing (the equivocating validators stop counting; signatures were verified by the caller).
   */
  onAttesterSlashing(slashing: AttesterSlashingLike, slashableIndices: number[]): void {
    this.opPool.addAttesterSlashing(slashing, slashableIndices);
    try {
      this.forkChoice.onAttesterSlashing(slashing, {verifySignature: false});
    } catch (e) {
      // fork choice's own checks (e.g. not slashable on its justified state): the op pool still has it
      this.logger.debug("Attester slashing not applied by fork choice", {error: (e as Error).message});
    }
  }

  /** A verified voluntary exit, kept for blocks. */
  addVoluntaryExit(exit: SignedVoluntaryExit): void {
    this.opPool.addVoluntaryExit(exit);
  }

  /** A verified proposer slashing, kept for blocks. */
  addProposerSlashing(slashing: ProposerSlashing): void {
    this.opPool.addProposerSlashing(slashing);
  }

  /** A verified BLS-to-execution change, kept for blocks. */
  addBlsToExecutionChange(change: SignedBLSToExecutionChange): void {
    this.opPool.addBlsToExecutionChange(change);
  }

  /** A verified sync committee contribution, kept for the next block's SyncAggregate. */
  addSyncContribution(contribution: Parameters<OpPool["addSyncContribution"]>[0]): void {
    this.opPool.addSyncContribution(contribution);
  }

  /** A sync committee message verified by gossip validation, kept for the next block's SyncAggregate. */
  addVerifiedSyncCommitteeMessage(msg: {
    slot: number;
    beaconBlockRoot: Uint8Array;
    validatorIndex: number;
    signature: Uint8Array;
  }): void {
    this.syncCommitteePool.add(msg.slot, msg.beaconBlockRoot, msg.validatorIndex, msg.signature);
  }

  private applyPendingVotes(): void {
    const keep: typeof this.pendingVotes = [];
    for (const vote of this.pendingVotes) {
      if (vote.data.slot >= this.forkChoice.currentSlot) {
        keep.push(vote);
        continue;
      }
      try {
        this.forkChoice.onIndexedAttestation(vote, false);
      } catch (e) {
        this.logger.debug("Vote not applied", {slot: vote.data.slot, error: (e as Error).message});
      }
    }
    this.pendingVotes = keep;
  }

  /** The checkpoint of `epoch` on the chain of `root`: the block at or before the epoch's first slot. */
  checkpointOf(root: RootHex, epoch: number): CheckpointHex {
    const node = this.forkChoice.getBlock(root);
    if (node === undefined) throw new ChainError("UNKNOWN_BLOCK", `unknown block ${root}`);
    if (node.slot <= computeStartSlotAtEpoch(epoch)) return {epoch, root};
    return {epoch, root: this.forkChoice.getAncestor(root, computeStartSlotAtEpoch(epoch)).blockRoot};
  }

  /** Closes what the chain owns that outlives a stopped node otherwise: the BLS worker threads. Idempotent. */
  async close(): Promise<void> {
    await this.bls.close();
  }

  /** Epoch of the head slot, for status lines. */
  get headEpoch(): number {
    return Math.floor(this.headNode.slot / SLOTS_PER_EPOCH);
  }
}
