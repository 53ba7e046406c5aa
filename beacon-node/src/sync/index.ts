/**
 * Sync: range sync (finalized, then head), unknown-block lookup by root and backfill after checkpoint sync,
 * over the `SyncNetwork` seam (network/types.ts), importing into the BeaconChain. Checkpoint sync itself runs
 * before the chain exists (`fetchCheckpoint` + `writeCheckpointAnchor`).
 */

import {toRootHex} from "@ceibo/fork-choice";
import type {SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import {validatorKeyPoint} from "@ceibo/state-transition";
import {type BeaconChain, blockRootOf} from "../chain/chain.ts";
import {type Logger, silentLogger} from "../chain/logger.ts";
import type {BeaconDb} from "../db/beaconDb.ts";
import type {PeerIdStr, SyncNetwork} from "../network/types.ts";
import {type BackfillOpts, BackfillSync, defaultBackfillMinSlot} from "./backfill.ts";
import {BackfillSidecars} from "./backfillSidecars.ts";
import {SyncDataAvailability, type SyncDataAvailabilityOpts} from "./dataAvailability.ts";
import {RangeSync, type RangeSyncOpts, type SyncState} from "./range/range.ts";
import {UnknownBlockSync, type UnknownBlockSyncOpts} from "./unknownBlock.ts";
import {computeMinEpochsForBlockRequests} from "./weakSubjectivity.ts";

export {
  type BackfillOpts,
  type BackfillStatus,
  BackfillSync,
  defaultBackfillMinSlot,
} from "./backfill.ts";
export {type BackfilledSidecars, BackfillSidecars, BackfillSidecarsError} from "./backfillSidecars.ts";
export {
  type CheckpointAnchor,
  type CheckpointSource,
  CheckpointSyncError,
  type CheckpointSyncErrorCode,
  type FetchCheckpointOpts,
  fetchCheckpoint,
  writeCheckpointAnchor,
} from "./checkpoint.ts";
export {
  type BlockData,
  DataUnavailableError,
  SyncDataAvailability,
  type SyncDataAvailabilityOpts,
} from "./dataAvailability.ts";
export {
  type BatchDataAvailability,
  EPOCHS_PER_BATCH,
  RangeSync,
  type RangeSyncOpts,
  type SyncState,
  type SyncTarget,
} from "./range/range.ts";
export {type BlockDataAvailability, UnknownBlockSync, type UnknownBlockSyncOpts} from "./unknownBlock.ts";
export {
  computeMinEpochsForBlockRequests,
  computeWeakSubjectivityPeriod,
  computeWeakSubjectivityPeriodElectra,
  computeWeakSubjectivityPeriodPhase0,
  isWithinWeakSubjectivityPeriod,
} from "./weakSubjectivity.ts";

/** Beacon API /eth/v1/node/syncing `data` (camelCase; the API layer writes head_slot, sync_distance, …). */
export interface SyncStatus {
  headSlot: number;
  syncDistance: number;
  isSyncing: boolean;
  isOptimistic: boolean;
  elOffline: boolean;
}

export interface BeaconSyncOpts {
  range?: RangeSyncOpts;
  unknownBlock?: UnknownBlockSyncOpts;
  /** Backfill below a checkpoint-sync anchor (default on, to compute_min_epochs_for_block_requests); false: off. */
  backfill?: BackfillOpts | false;
  /** Blob / data column sidecars for range sync and the unknown-block lookup. */
  dataAvailability?: SyncDataAvailabilityOpts;
  /**
   * A gossip block whose sidecars did not all arrive: how long after `onMissingSidecars` to ask peers by root for
   * what is still missing (default a third of a slot, so gossip can deliver first).
   */
  missingSidecarsDelayMs?: number;
}

export interface BeaconSyncModules {
  chain: BeaconChain;
  db: BeaconDb;
  network: SyncNetwork;
  logger?: Logger;
  opts?: BeaconSyncOpts;
}

/**
 * The node's sync service. `start()` begins range sync from the peers' statuses and, for a checkpoint-synced
 * database, backfill once the node is synced. The gossip block handler calls `onUnknownBlockParent` (and the
 * attestation handlers `onUnknownBlockRoot`); gossip block import and validator duties are gated on `isSynced()`.
 */
export class BeaconSync {
  readonly range: RangeSync;
  readonly unknownBlock: UnknownBlockSync;
  /** Sidecar download for range sync, the unknown-block lookup and gossip blocks missing sidecars. */
  readonly dataAvailability: SyncDataAvailability;
  backfill: BackfillSync | null = null;
  private readonly chain: BeaconChain;
  private readonly db: BeaconDb;
  private readonly network: SyncNetwork;
  private readonly logger: Logger;
  private readonly backfillOpts: BackfillOpts | false;
  private started = false;
  private stopped = false;
  private backfillStarting: Promise<void> | null = null;
  private readonly missingSidecarsDelayMs: number;
  /** Roots of gossip blocks whose missing sidecars are being fetched by root. */
  private readonly missingSidecarRoots = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(modules: BeaconSyncModules) {
    const opts = modules.opts ?? {};
    this.chain = modules.chain;
    this.db = modules.db;
    this.network = modules.network;
    this.logger = modules.logger ?? silentLogger;
    this.backfillOpts = opts.backfill ?? {};
    this.missingSidecarsDelayMs = opts.missingSidecarsDelayMs ?? Math.floor(this.chain.clock.slotDurationMs / 3);
    this.dataAvailability = new SyncDataAvailability(
      {chain: this.chain, network: this.network, logger: this.logger},
      opts.dataAvailability,
    );
    this.range = new RangeSync(
      {chain: this.chain, network: this.network, logger: this.logger},
      {dataAvailability: this.dataAvailability, ...opts.range},
    );
    this.unknownBlock = new UnknownBlockSync(
      {
        chain: this.chain,
        network: this.network,
        logger: this.logger,
        onTooFar: (peer, slot, root) => {
          if (slot !== null) this.range.onPeerHasBlock(peer, slot, root);
        },
      },
      {dataAvailability: this.dataAvailability, ...opts.unknownBlock},
    );
  }

  /** Starts range sync; backfill follows once synced (checkpoint-synced databases only). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.range.emitter.on("state", (state) => {
      if (state === "synced") this.maybeStartBackfill();
    });
    this.range.start();
    if (this.range.state === "synced") this.maybeStartBackfill();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.backfillStarting;
    await Promise.all([this.range.stop(), this.unknownBlock.stop(), this.backfill?.stop()]);
  }

  /** A gossip block whose parent is unknown: fetch the missing ancestors from peers, then import. */
  onUnknownBlockParent(block: SignedBeaconBlockAllForks, peer: PeerIdStr): void {
    this.unknownBlock.onUnknownBlockParent(block, peer);
  }

  /**
   * A gossip block waits for sidecars that have not all arrived (chain/da gossipAdapter.ts `requestMissing`): after
   * `missingSidecarsDelayMs`, if they are still missing, ask peers by root (BlobSidecarsByRoot /
   * DataColumnSidecarsByRoot, columns from peers that custody them). What arrives goes into chain.da, where the
   * gossip import waits for it.
   */
  onMissingSidecars(block: SignedBeaconBlockAllForks, peer: PeerIdStr | null = null): void {
    if (this.stopped) return;
    const root = toRootHex(blockRootOf(this.chain.beaconConfig, block.message));
    if (this.missingSidecarRoots.has(root)) return;
    this.missingSidecarRoots.add(root);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped || this.chain.da.isDataAvailable(root)) {
        this.missingSidecarRoots.delete(root);
        return;
      }
      this.dataAvailability
        .fetchForBlock(peer, block)
        .catch((e: unknown) => {
          this.logger.debug("Missing sidecars not obtained by root", {root, error: (e as Error).message});
        })
        .finally(() => this.missingSidecarRoots.delete(root));
    }, this.missingSidecarsDelayMs);
    this.timers.add(timer);
  }

  /** A gossip attestation (or aggregate) for a block root we do not know: fetch that block. */
  onUnknownBlockRoot(root: Uint8Array, peer: PeerIdStr): void {
    this.unknownBlock.onUnknownBlockRoot(root, peer);
  }

  get state(): SyncState {
    return this.range.state;
  }

  /** Whether gossip block import and validator duties should run (range sync caught up with the peers / clock). */
  isSynced(): boolean {
    return this.range.state === "synced";
  }

  /** Beacon API /eth/v1/node/syncing. */
  getSyncStatus(): SyncStatus {
    return {
      headSlot: this.chain.head.slot,
      syncDistance: this.range.syncDistance,
      isSyncing: this.range.state !== "synced",
      isOptimistic: this.range.isOptimistic,
      elOffline: this.chain.elStatus === "ERROR",
    };
  }

  private maybeStartBackfill(): void {
    if (this.backfillOpts === false || this.backfill !== null || this.backfillStarting !== null || this.stopped) {
      return;
    }
    const opts = this.backfillOpts;
    this.backfillStarting = (async () => {
      const anchor = await this.db.anchor.get();
      const first = await this.db.blockArchive.firstSlot();
      if (anchor === null || first === null || first === 0 || this.stopped) return;
      const minEpochs = computeMinEpochsForBlockRequests(this.chain.config);
      const backfill = new BackfillSync(
        {
          db: this.db,
          config: this.chain.beaconConfig,
          network: this.network,
          logger: this.logger,
          bls: this.chain.bls,
          getPubkey: (index) => validatorKeyPoint(this.chain.getBlockState(this.chain.finalizedCheckpoint.root), index),
          sidecars: new BackfillSidecars({
            config: this.chain.beaconConfig,
            network: this.network,
            kzg: () => this.chain.da.kzg,
            custodyColumns: () => this.chain.da.custodyColumns,
            currentEpoch: () => this.chain.clock.currentEpoch,
          }),
        },
        {...opts, minSlot: opts.minSlot ?? defaultBackfillMinSlot(this.chain.clock.currentEpoch, minEpochs)},
      );
      this.backfill = backfill;
      await backfill.start();
    })().catch((e: unknown) => {
      this.logger.error("Backfill could not start", {error: (e as Error).message});
    });
  }
}
