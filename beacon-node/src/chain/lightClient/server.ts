import {type ForkName, ForkSeq, MIN_SYNC_COMMITTEE_PARTICIPANTS} from "@ceibo/params";
import {
  type BeaconStatePostAltair,
  type CachedBeaconState,
  computeEpochAtSlot,
  computeSyncCommitteePeriodAtSlot,
  createLightClientBootstrap,
  createLightClientFinalityUpdate,
  createLightClientOptimisticUpdate,
  createLightClientUpdate,
  type ForkedLightClientData,
  isBetterUpdate,
  type LightClientForkSchedule,
  lightClientForkSchedule,
  type SignedBeaconBlockAllForks,
  upgradeLcUpdateToGloas,
} from "@ceibo/state-transition";
import {fromHex, toHex} from "@ceibo/utils";
import type {BeaconDb} from "../../db/index.ts";
import type {StoredLightClientData} from "../../db/repositories/lightClient.ts";
import type {BlockEvent, FinalizedCheckpointEvent} from "../events.ts";
import type {Logger} from "../logger.ts";

/**
 * The light-client server (issue 15): derives light-client data from imported blocks with the full-node functions
 * of specs/altair/light-client/full-node.md (a08d8a6) and keeps what the Beacon API and req/resp serve:
 *
 * - the best LightClientUpdate of each sync-committee period (is_better_update; only updates whose attested and
 *   signature slots share a period), persisted in the db (LightClientRepository);
 * - the LightClientBootstrap of every finalized checkpoint block (from its post-state), persisted; for other
 *   known blocks whose post-state is at hand one is built on request;
 * - the latest LightClientFinalityUpdate / LightClientOptimisticUpdate (highest attested slot, then signature
 *   slot), in memory.
 *
 * Work runs off the `block` / `finalized_checkpoint` events, one job after another, never failing an import.
 */

/** What the server needs from the chain (BeaconChain satisfies it). */
export interface LightClientChain {
  readonly db: BeaconDb;
  readonly logger: Logger;
  readonly beaconConfig: {
    chain: {
      ALTAIR_FORK_EPOCH: number;
      CAPELLA_FORK_EPOCH: number;
      DENEB_FORK_EPOCH: number;
      ELECTRA_FORK_EPOCH: number;
    };
    computeForkVersion(epoch: number): Uint8Array;
  };
  readonly blocks: Map<string, SignedBeaconBlockAllForks>;
  readonly emitter: {
    on(e: "block", f: (e: BlockEvent) => void): unknown;
    on(e: "finalized_checkpoint", f: (e: FinalizedCheckpointEvent) => void): unknown;
    off(e: "block", f: (e: BlockEvent) => void): unknown;
    off(e: "finalized_checkpoint", f: (e: FinalizedCheckpointEvent) => void): unknown;
  };
  getBlockState(root: string): CachedBeaconState;
  forkNameAtSlot(slot: number): ForkName;
}

/** The largest `count` of one updates request (MAX_REQUEST_LIGHT_CLIENT_UPDATES, altair p2p-interface.md). */
export const MAX_REQUEST_LIGHT_CLIENT_UPDATES = 128;

export class LightClientServer {
  private readonly chain: LightClientChain;
  private readonly cfg: LightClientForkSchedule;
  private latest: ForkedLightClientData | null = null;
  /** The best update of each period seen so far (the db holds the same; this avoids a read per block). */
  private readonly best = new Map<number, ForkedLightClientData>();
  private queue: Promise<void> = Promise.resolve();
  /** Called when the latest update changes (gossip publishes the finality / optimistic updates from it). */
  private readonly latestListeners = new Set<(update: ForkedLightClientData) => void>();
  private readonly onBlock = (e: BlockEvent): void => this.enqueue(() => this.onImportedBlock(e.block));
  private readonly onFinalized = (e: FinalizedCheckpointEvent): void =>
    this.enqueue(() => this.onFinalizedBlock(e.block));

  constructor(chain: LightClientChain) {
    this.chain = chain;
    this.cfg = lightClientForkSchedule(chain.beaconConfig);
    chain.emitter.on("block", this.onBlock);
    chain.emitter.on("finalized_checkpoint", this.onFinalized);
  }

  close(): void {
    this.chain.emitter.off("block", this.onBlock);
    this.chain.emitter.off("finalized_checkpoint", this.onFinalized);
  }

  /** Resolves once every event received so far has been processed (for tests and an orderly shutdown). */
  async idle(): Promise<void> {
    await this.queue;
  }

  private enqueue(job: () => Promise<void>): void {
    this.queue = this.queue.then(job).catch((err: Error) => {
      this.chain.logger.warn("Light-client data not derived", {error: err.message});
    });
  }

  private async getBlock(rootHex: string): Promise<{block: SignedBeaconBlockAllForks; fork: ForkName} | null> {
    const block = this.chain.blocks.get(rootHex);
    if (block !== undefined) return {block, fork: this.chain.forkNameAtSlot(block.message.slot)};
    return this.chain.db.getBlock(fromHex(rootHex, "block root", {prefixOptional: true}));
  }

  /** create_light_client_update for an imported block (attested = its parent) and the bookkeeping it feeds. */
  private async onImportedBlock(rootHex: string): Promise<void> {
    const block = this.chain.blocks.get(rootHex);
    if (block === undefined) return;
    const slot = block.message.slot;
    const parentHex = toHex(block.message.parentRoot);
    const attestedBlock = await this.getBlock(parentHex);
    if (attestedBlock === null) return;
    if (computeEpochAtSlot(attestedBlock.block.message.slot) < this.cfg.ALTAIR_FORK_EPOCH) return;
    // biome-ignore lint/suspicious/noExplicitAny: an altair+ block body
    const syncAggregate = (block.message.body as any).syncAggregate;
    if (syncAggregate.syncCommitteeBits.getTrueBitIndexes().length < MIN_SYNC_COMMITTEE_PARTICIPANTS) return;

    const state = this.chain.getBlockState(rootHex).state;
    const attestedState = this.chain.getBlockState(parentHex).state;
    const finalizedRoot = (attestedState as BeaconStatePostAltair).finalizedCheckpoint.root;
    let finalizedBlock: {block: SignedBeaconBlockAllForks; fork: ForkName} | null;
    if (finalizedRoot.every((b) => b === 0)) {
      // the genesis checkpoint (zero root): the finality branch proves the zero root, the header stays empty
      const genesis = [...this.chain.blocks.values()].find((b) => b.message.slot === 0);
      finalizedBlock = genesis === undefined ? null : {block: genesis, fork: this.chain.forkNameAtSlot(0)};
    } else {
      finalizedBlock = await this.getBlock(toHex(finalizedRoot));
    }
    const update = createLightClientUpdate(
      this.cfg,
      state,
      block,
      this.chain.forkNameAtSlot(slot),
      attestedState,
      attestedBlock.block,
      attestedBlock.fork,
      finalizedBlock,
    );

    // best update of the attested period (only when the signature is from the same period)
    const attestedSlot = attestedBlock.block.message.slot;
    const period = computeSyncCommitteePeriodAtSlot(attestedSlot);
    if (period === computeSyncCommitteePeriodAtSlot(slot)) {
      const best = this.best.get(period) ?? (await this.chain.db.lightClient.getBestUpdate(period));
      if (best === null || this.isBetter(update, best)) {
        this.best.set(period, update);
        await this.chain.db.lightClient.putBestUpdate(period, update as StoredLightClientData);
      } else {
        this.best.set(period, best);
      }
    }

    // latest finality / optimistic update: the highest attested slot, then the highest signature slot
    const latest = this.latest;
    if (
      latest === null ||
      attestedSlot > latest.data.attestedHeader.beacon.slot ||
      (attestedSlot === latest.data.attestedHeader.beacon.slot && slot > latest.data.signatureSlot)
    ) {
      this.latest = update;
      for (const listener of this.latestListeners) {
        try {
          listener(update);
        } catch (e) {
          this.chain.logger.warn("Light-client update listener failed", {error: (e as Error).message});
        }
      }
    }
  }

  /** The latest update (highest attested slot, then signature slot), or null before the first. */
  get latestUpdate(): ForkedLightClientData | null {
    return this.latest;
  }

  /** Subscribes to changes of the latest update (the source of getFinalityUpdate / getOptimisticUpdate). */
  onLatestUpdate(listener: (update: ForkedLightClientData) => void): () => void {
    this.latestListeners.add(listener);
    return () => this.latestListeners.delete(listener);
  }

  private isBetter(a: ForkedLightClientData, b: ForkedLightClientData): boolean {
    return isBetterUpdate(
      upgradeLcUpdateToGloas(this.cfg, a.fork, a.data),
      upgradeLcUpdateToGloas(this.cfg, b.fork, b.data),
    );
  }

  /** create_light_client_bootstrap for a newly finalized checkpoint block, persisted. */
  private async onFinalizedBlock(rootHex: string): Promise<void> {
    const bootstrap = await this.buildBootstrap(rootHex);
    if (bootstrap !== null)
      await this.chain.db.lightClient.putBootstrap(
        fromHex(rootHex, "block root", {prefixOptional: true}),
        bootstrap as StoredLightClientData,
      );
  }

  private async buildBootstrap(rootHex: string): Promise<ForkedLightClientData | null> {
    const block = await this.getBlock(rootHex);
    if (block === null || ForkSeq[block.fork] < ForkSeq.altair) return null;
    let state: CachedBeaconState;
    try {
      state = this.chain.getBlockState(rootHex);
    } catch {
      return null;
    }
    return createLightClientBootstrap(this.cfg, state.state, block.block, block.fork);
  }

  /** The bootstrap for a block root: stored (finalized checkpoints) or built from a known post-state; null if neither. */
  async getBootstrap(blockRoot: Uint8Array): Promise<StoredLightClientData | null> {
    const stored = await this.chain.db.lightClient.getBootstrap(blockRoot);
    if (stored !== null) return stored;
    return (await this.buildBootstrap(toHex(blockRoot))) as StoredLightClientData | null;
  }

  /** The best update of one sync-committee period, or null when none is known. */
  async getBestUpdate(period: number): Promise<StoredLightClientData | null> {
    const update = this.best.get(period) ?? (await this.chain.db.lightClient.getBestUpdate(period));
    return update as StoredLightClientData | null;
  }

  /** The best updates of `count` periods from `startPeriod`, stopping at the first period without one. */
  async getUpdates(startPeriod: number, count: number): Promise<StoredLightClientData[]> {
    const out: StoredLightClientData[] = [];
    const n = Math.min(count, MAX_REQUEST_LIGHT_CLIENT_UPDATES);
    for (let period = startPeriod; period < startPeriod + n; period++) {
      const update = this.best.get(period) ?? (await this.chain.db.lightClient.getBestUpdate(period));
      if (update === null) break;
      out.push(update as StoredLightClientData);
    }
    return out;
  }

  /** create_light_client_finality_update of the latest update, or null before the first one. */
  getFinalityUpdate(): StoredLightClientData | null {
    return this.latest === null ? null : (createLightClientFinalityUpdate(this.latest) as StoredLightClientData);
  }

  /** create_light_client_optimistic_update of the latest update, or null before the first one. */
  getOptimisticUpdate(): StoredLightClientData | null {
    return this.latest === null ? null : (createLightClientOptimisticUpdate(this.latest) as StoredLightClientData);
  }
}
