/**
 * Sync: range sync (finalized, then head), unknown-block lookup by root and backfill after checkpoint sync,
 * over the `SyncNetwork` seam (network/types.ts), importing into the BeaconChain. Checkpoint sync itself runs
 * before the chain exists (`fetchCheckpoint` + `writeCheckpointAnchor`).
 */

import type {SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import {validatorPublicKey} from "@ceibo/state-transition";
import type {BeaconChain} from "../chain/chain.ts";
import {type Logger, silentLogger} from "../chain/logger.ts";
import type {BeaconDb} from "../db/beaconDb.ts";
import type {PeerIdStr, SyncNetwork} from "../network/types.ts";
import {type BackfillOpts, BackfillSync, defaultBackfillMinSlot} from "./backfill.ts";
import {RangeSync, type RangeSyncOpts, type SyncState} from "./rangeSync.ts";
import {UnknownBlockSync, type UnknownBlockSyncOpts} from "./unknownBlock.ts";
import {computeMinEpochsForBlockRequests} from "./weakSubjectivity.ts";

export {
  type BackfillOpts,
  type BackfillStatus,
  BackfillSync,
  defaultBackfillMinSlot,
} from "./backfill.ts";
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
  type BatchDataAvailability,
  EPOCHS_PER_BATCH,
  RangeSync,
  type RangeSyncOpts,
  type SyncState,
  type SyncTarget,
} from "./rangeSync.ts";
export {UnknownBlockSync, type UnknownBlockSyncOpts} from "./unknownBlock.ts";
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
  backfill: BackfillSync | null = null;
  private readonly chain: BeaconChain;
  private readonly db: BeaconDb;
  private readonly network: SyncNetwork;
  private readonly logger: Logger;
  private readonly backfillOpts: BackfillOpts | false;
  private started = false;
  private stopped = false;
  private backfillStarting: Promise<void> | null = null;

  constructor(modules: BeaconSyncModules) {
    const opts = modules.opts ?? {};
    this.chain = modules.chain;
    this.db = modules.db;
    this.network = modules.network;
    this.logger = modules.logger ?? silentLogger;
    this.backfillOpts = opts.backfill ?? {};
    this.range = new RangeSync({chain: this.chain, network: this.network, logger: this.logger}, opts.range);
    this.unknownBlock = new UnknownBlockSync(
      {
        chain: this.chain,
        network: this.network,
        logger: this.logger,
        onTooFar: (peer, slot, root) => {
          if (slot !== null) this.range.onPeerHasBlock(peer, slot, root);
        },
      },
      opts.unknownBlock,
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
    await this.backfillStarting;
    await Promise.all([this.range.stop(), this.unknownBlock.stop(), this.backfill?.stop()]);
  }

  /** A gossip block whose parent is unknown: fetch the missing ancestors from peers, then import. */
  onUnknownBlockParent(block: SignedBeaconBlockAllForks, peer: PeerIdStr): void {
    this.unknownBlock.onUnknownBlockParent(block, peer);
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
          getPubkey: (index) =>
            validatorPublicKey(this.chain.getBlockState(this.chain.finalizedCheckpoint.root), index),
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
