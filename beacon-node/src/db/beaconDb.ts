import {mkdirSync, realpathSync} from "node:fs";
import {resolve} from "node:path";
import {type ChainConfig, forkScheduleOf, getNetwork} from "@ceibo/config";
import {ACTIVE_PRESET_NAME, type ForkName, SLOTS_PER_EPOCH} from "@ceibo/params";
import {ClassicLevel} from "classic-level";
import type {DbMetricsHook} from "../metrics/hooks.ts";
import {type ArchiveRepos, type ArchiveResult, archiveFinalized, type CanonicalBlock} from "./archive.ts";
import {DbBatch} from "./batch.ts";
import {DbError} from "./errors.ts";
import {Kv} from "./kv.ts";
import {acquireInProcess, lockedError, readPidFile, releaseInProcess, removePidFile, writePidFile} from "./lock.ts";
import {AnchorRepository} from "./repositories/anchor.ts";
import {BlockArchiveRepository, type ForkedBlock, HotBlockRepository} from "./repositories/blocks.ts";
import type {RepoContext} from "./repositories/context.ts";
import {ForkChoiceNodeRepository} from "./repositories/forkChoiceNodes.ts";
import {LightClientRepository} from "./repositories/lightClient.ts";
import {MetadataRepository} from "./repositories/metadata.ts";
import {BlobSidecarRepository, DataColumnSidecarRepository} from "./repositories/sidecars.ts";
import {
  type CheckpointKey,
  CheckpointStateRepository,
  StateArchiveRepository,
  type StateInput,
} from "./repositories/states.ts";
import {type AnchorWrite, loadAnchor, type ResumeData, writeAnchor} from "./resume.ts";
import {checkSchema, SCHEMA_VERSION} from "./schema.ts";

export interface BeaconDbOpts {
  /** Network name: the db lives in `<dataDir>/<network>/chain-db` and refuses to open for another network. */
  network: string;
  /** The chain's config (fork schedule for slot → fork). Default: the named network's config. */
  chainConfig?: ChainConfig;
  /** archiveFinalized keeps one finalized state every this many epochs. Default 1024. */
  archiveStateEpochFrequency?: number;
  /** LevelDB block cache in bytes (default 8 MiB). */
  cacheSize?: number;
  /** Operation durations and errors (`--metrics`). */
  metricsHook?: DbMetricsHook | null;
}

export const DEFAULT_ARCHIVE_STATE_EPOCH_FREQUENCY = 1024;

/** `<dataDir>/<network>/chain-db` */
export function chainDbPath(dataDir: string, network: string): string {
  return resolve(dataDir, network, "chain-db");
}

function checkNetworkName(network: string): void {
  if (typeof network !== "string" || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(network)) {
    throw new DbError("INVALID_ARGUMENT", `network name "${network}" is not a valid directory name`);
  }
}

/**
 * The beacon node's chain database: one LevelDB per network data dir, typed repositories over bucketed keys,
 * atomic batches, finalization archiving and the anchor the node resumes from. See README.md.
 */
export class BeaconDb {
  readonly location: string;
  readonly network: string;
  readonly chainConfig: ChainConfig;
  readonly archiveStateEpochFrequency: number;

  readonly hotBlocks: HotBlockRepository;
  readonly blockArchive: BlockArchiveRepository;
  readonly blobSidecars: BlobSidecarRepository;
  readonly dataColumnSidecars: DataColumnSidecarRepository;
  readonly checkpointStates: CheckpointStateRepository;
  readonly stateArchive: StateArchiveRepository;
  readonly anchor: AnchorRepository;
  readonly metadata: MetadataRepository;
  readonly lightClient: LightClientRepository;
  /** Fork-choice summaries of hot blocks (restart without replaying every unfinalized block). */
  readonly forkChoiceNodes: ForkChoiceNodeRepository;

  /** The byte store under the repositories (public for the metrics hook and the size gauge). */
  readonly kv: Kv;
  private readonly repos: ArchiveRepos;
  /** archiveFinalized runs one at a time (each reads the hot set, then writes). */
  private archiveQueue: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | null = null;

  private constructor(kv: Kv, network: string, chainConfig: ChainConfig, archiveStateEpochFrequency: number) {
    this.kv = kv;
    this.location = kv.location;
    this.network = network;
    this.chainConfig = chainConfig;
    this.archiveStateEpochFrequency = archiveStateEpochFrequency;
    const schedule = forkScheduleOf(chainConfig);
    const forkAtSlot = (slot: number): ForkName => {
      const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
      for (let i = schedule.length - 1; i >= 0; i--) if (epoch >= schedule[i].epoch) return schedule[i].name;
      return schedule[0].name;
    };
    const ctx: RepoContext = {kv, forkAtSlot};
    this.hotBlocks = new HotBlockRepository(ctx);
    this.blockArchive = new BlockArchiveRepository(ctx);
    this.blobSidecars = new BlobSidecarRepository(ctx);
    this.dataColumnSidecars = new DataColumnSidecarRepository(ctx);
    this.checkpointStates = new CheckpointStateRepository(ctx);
    this.stateArchive = new StateArchiveRepository(ctx);
    this.anchor = new AnchorRepository(ctx);
    this.metadata = new MetadataRepository(ctx);
    this.lightClient = new LightClientRepository(ctx);
    this.forkChoiceNodes = new ForkChoiceNodeRepository(ctx);
    this.repos = {
      ctx,
      kv,
      hotBlocks: this.hotBlocks,
      blockArchive: this.blockArchive,
      blobSidecars: this.blobSidecars,
      dataColumnSidecars: this.dataColumnSidecars,
      checkpointStates: this.checkpointStates,
      stateArchive: this.stateArchive,
      anchor: this.anchor,
      forkChoiceNodes: this.forkChoiceNodes,
    };
  }

  /**
   * Opens (creating if needed) `<dataDir>/<network>/chain-db`. Fails with a LOCKED DbError if another process
   * or another handle in this process has it open, SCHEMA_TOO_NEW / SCHEMA_TOO_OLD / SCHEMA_MISSING for a db this
   * version cannot use, NETWORK_MISMATCH for another network's db.
   */
  static async open(dataDir: string, opts: BeaconDbOpts): Promise<BeaconDb> {
    checkNetworkName(opts.network);
    let chainConfig = opts.chainConfig;
    if (chainConfig === undefined) {
      try {
        chainConfig = getNetwork(opts.network).chainConfig;
      } catch (e) {
        throw new DbError("INVALID_ARGUMENT", `${(e as Error).message} (or pass chainConfig)`, {cause: e});
      }
    }
    if (chainConfig.PRESET_BASE !== ACTIVE_PRESET_NAME) {
      throw new DbError(
        "INVALID_ARGUMENT",
        `chain config ${chainConfig.CONFIG_NAME} uses the ${chainConfig.PRESET_BASE} preset but this process runs ` +
          `${ACTIVE_PRESET_NAME} SSZ types (set CEIBO_PRESET=${chainConfig.PRESET_BASE})`,
      );
    }
    const frequency = opts.archiveStateEpochFrequency ?? DEFAULT_ARCHIVE_STATE_EPOCH_FREQUENCY;
    if (!Number.isSafeInteger(frequency) || frequency < 1) {
      throw new DbError("INVALID_ARGUMENT", `archiveStateEpochFrequency must be a positive integer, got ${frequency}`);
    }
    let location = chainDbPath(dataDir, opts.network);
    try {
      mkdirSync(location, {recursive: true});
      location = realpathSync(location);
    } catch (e) {
      throw new DbError("OPEN_FAILED", `cannot create database directory ${location}: ${(e as Error).message}`, {
        cause: e,
      });
    }

    acquireInProcess(location);
    const level = new ClassicLevel<Uint8Array, Uint8Array>(location, {
      keyEncoding: "view",
      valueEncoding: "view",
      ...(opts.cacheSize !== undefined ? {cacheSize: opts.cacheSize} : {}),
    });
    try {
      await level.open();
    } catch (e) {
      releaseInProcess(location);
      const cause = (e as {cause?: {code?: string}}).cause;
      if (cause?.code === "LEVEL_LOCKED") throw lockedError(location, readPidFile(location), false, e);
      throw new DbError(
        "OPEN_FAILED",
        `cannot open database ${location}: ${(cause as Error | undefined)?.message ?? (e as Error).message}`,
        {cause: e},
      );
    }
    writePidFile(location);

    const kv = new Kv(level, location, opts.metricsHook ?? null);
    try {
      await checkSchema(kv, opts.network);
    } catch (e) {
      await kv.close().catch(() => {});
      removePidFile(location);
      releaseInProcess(location);
      throw e;
    }
    return new BeaconDb(kv, opts.network, chainConfig, frequency);
  }

  static readonly SCHEMA_VERSION = SCHEMA_VERSION;

  get isClosed(): boolean {
    return this.kv.isClosed;
  }

  /** A new atomic batch: queue puts/deletes across repositories, then `write()` them as one. */
  batch(): DbBatch {
    return new DbBatch(this.kv, {...this.repos, metadata: this.metadata});
  }

  /** A block by root, hot or finalized. */
  async getBlock(root: Uint8Array): Promise<ForkedBlock | null> {
    return (await this.hotBlocks.get(root)) ?? (await this.blockArchive.getByRoot(root));
  }

  /**
   * Moves blocks and states of a newly finalized checkpoint to the archive, prunes what can never be canonical,
   * and points the anchor at the checkpoint — in one write batch (see archive.ts).
   */
  archiveFinalized(
    finalized: CheckpointKey,
    canonicalBlocks?: CanonicalBlock[],
    opts: {state?: StateInput} = {},
  ): Promise<ArchiveResult> {
    const run = (): Promise<ArchiveResult> =>
      archiveFinalized(this.repos, finalized, canonicalBlocks, {
        state: opts.state,
        stateEpochFrequency: this.archiveStateEpochFrequency,
      });
    const result = this.archiveQueue.then(run, run);
    this.archiveQueue = result.catch(() => {});
    return result;
  }

  /** Stores the node's starting point (genesis or a checkpoint-sync state and its block) as the anchor. */
  writeAnchor(anchor: AnchorWrite): Promise<void> {
    return writeAnchor(this.repos, this.metadata, anchor, this.chainConfig);
  }

  /** What the node resumes from after a restart: the anchor, its state and block, and the hot blocks after it. */
  loadAnchor(): Promise<ResumeData | null> {
    return loadAnchor(this.repos);
  }

  /** Waits for running archive steps and in-flight reads/writes, then closes LevelDB. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.archiveQueue;
      await this.kv.close();
      removePidFile(this.location);
      releaseInProcess(this.location);
    })();
    return this.closing;
  }
}
