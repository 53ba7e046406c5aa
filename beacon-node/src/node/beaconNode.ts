/**
 * The beacon node's composition root. `BeaconNode.init` runs one step after the other, each building its part from
 * what the steps before returned: anchor (database + chain anchor, anchor.ts) → engine (the Engine API client, or
 * the engine a composition hands in) → chain → network (p2p + sync) → in-node duties (dev.ts only) → API (Beacon
 * API + metrics). Nothing is patched after construction: every part gets its dependencies in its constructor.
 * Started in that order with one AbortSignal and closed in reverse. Dev chains are composed by dev.ts, which hands
 * its genesis, mock engine and validators to these steps; this file imports nothing dev-only.
 */

import {join} from "node:path";
import {type ChainConfig, isPublicNetwork, type NetworkInfo, networks} from "@ceibo/config";
import {SLOTS_PER_EPOCH, SYNC_COMMITTEE_SIZE} from "@ceibo/params";
import type {SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import type {FastifyInstance} from "fastify";
import type {ApiContext} from "../api/index.ts";
import {NodeCustody} from "../chain/da/custody.ts";
import {type BlockSidecars, createGossipDataAvailability} from "../chain/da/index.ts";
import {BeaconChain, ChainError, Clock, type Logger, silentLogger} from "../chain/index.ts";
import type {BeaconDb} from "../db/index.ts";
import {BuilderService} from "../execution/builder/index.ts";
import {type ExecutionEngine, ExecutionEngineHttp} from "../execution/index.ts";
import {BeaconMetrics} from "../metrics/beaconMetrics.ts";
import type {EngineMetricsHook} from "../metrics/hooks.ts";
import {NodeMetrics} from "../metrics/nodeMetrics.ts";
import {loadOrCreatePeerKey, Network, nodeIdOfPeerKey} from "../network/index.ts";
import {BeaconSync} from "../sync/index.ts";
import {type Anchor, type GenesisSource, openAnchor} from "./anchor.ts";
import {attachedOf, CustodyKeeper, persistedCustodyGroupCount} from "./custodyPersistence.ts";
import {
  attachHistoryPruner,
  checkHistoryMode,
  type HistoryMode,
  type HistoryPruner,
  historyBackfillMinSlot,
} from "./history.ts";
import {createApiNetwork} from "./networkApi.ts";
import type {BeaconNodeOpts} from "./options.ts";
import {createApiBackend, startRestApi} from "./restApi.ts";
import {attachSidecarPruner, type SidecarPruner} from "./retention.ts";

export type {Anchor, GenesisSource} from "./anchor.ts";
export type {BeaconNodeOpts, CheckpointOpts, P2pOpts} from "./options.ts";

export interface SlotStatus {
  slot: number;
  headSlot: number;
  headRoot: string;
  finalizedEpoch: number;
  justifiedEpoch: number;
  elStatus: string;
  proposed: boolean;
  attestations: number;
  syncCommitteeMessages: number;
  /** Set bits of the head block's sync aggregate (altair+). */
  headSyncParticipants: number;
}

/** The execution engine the chain talks to, as the engine step returns it. */
export interface EngineHandle {
  engine: ExecutionEngine;
  /** An engine run by this process (dev's mock): no "execution client unreachable" warnings. */
  inProcess: boolean;
  /** Closes what the composition started for it (after the chain). */
  close?: () => Promise<void>;
}

/** What one slot's in-node duties did (dev validators). */
export interface SlotDutiesDone {
  proposed: unknown | null;
  attestations: number;
  syncCommitteeMessages: number;
}

/** Validators that sign inside the node (dev.ts' DevValidators): run once a slot after the chain's tick. */
export interface InNodeDuties {
  /** Their validator indices (validator custody counts them). */
  readonly indices: readonly number[];
  onSlot(slot: number): Promise<SlotDutiesDone>;
}

/**
 * What a composition that is not a public or custom network (dev.ts) hands to the generic steps. Every field is a
 * value or a factory called by the step that needs it, with what the earlier steps built.
 */
export interface NodeComposition {
  /** The chain config (dev: createDevChainConfig). */
  config: ChainConfig;
  /** The genesis of an empty data dir started without a checkpoint; the check of a resumed one. */
  genesis: GenesisSource;
  /** The genesis time a checkpoint must have. */
  genesisTime?: number;
  /** The engine when there is no Engine API URL (dev: the in-process mock), from the anchor. */
  engine?: (anchor: Anchor, ctx: {logger: Logger; metricsHook: EngineMetricsHook | null}) => Promise<EngineHandle>;
  /** Validators inside the node, given the chain and how to gossip a block they proposed (null: no network). */
  duties?: (
    chain: BeaconChain,
    publishBlock: ((signed: SignedBeaconBlockAllForks, sidecars: BlockSidecars) => void) | null,
  ) => InNodeDuties;
  /** Epochs of blocks `pruneHistory` keeps (default: chain/history.ts' window). */
  historyWindowEpochs?: number;
}

interface NodeParts {
  config: ChainConfig;
  db: BeaconDb;
  chain: BeaconChain;
  clock: Clock;
  engine: EngineHandle;
  duties: InNodeDuties | null;
  network: Network | null;
  sync: BeaconSync | null;
  logger: Logger;
  resumed: boolean;
  rest: {server: FastifyInstance; url: string} | null;
  metrics: NodeMetrics | null;
  retention: SidecarPruner;
  history: HistoryPruner | null;
  custodyKeeper: CustodyKeeper | null;
}

export class BeaconNode {
  readonly config: ChainConfig;
  readonly db: BeaconDb;
  readonly chain: BeaconChain;
  readonly clock: Clock;
  readonly engine: ExecutionEngine;
  /** Validators signing inside the node (dev only; null: none). */
  readonly duties: InNodeDuties | null;
  /** The p2p network (null: --p2p false). */
  readonly network: Network | null;
  /** Range sync, unknown-block lookup and backfill over the network (null without one). */
  readonly sync: BeaconSync | null;
  readonly logger: Logger;
  readonly restServer: FastifyInstance | null;
  /** The Beacon API's URL, when it runs. */
  readonly restUrl: string | null;
  /** Whether the chain came from the data dir (true) or a new genesis (false). */
  readonly resumed: boolean;
  /** Metrics and validator monitor (null without opts.metrics). */
  readonly metrics: NodeMetrics | null;
  /** Blob / data column sidecar retention (prunes after finalization unless archiveBlobs). */
  readonly retention: SidecarPruner;
  /** History pruning (`--prune-history`; null when off). */
  readonly history: HistoryPruner | null;
  /** Validator custody, custody group count and MetaData seq persistence (null without a network). */
  readonly custodyKeeper: CustodyKeeper | null;
  readonly statusListeners: ((s: SlotStatus) => void)[] = [];
  private readonly engineHandle: EngineHandle;
  private readonly controller = new AbortController();
  private loop: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  /** Whether the last slot found the execution client unusable (its warning is logged on the change). */
  private elOffline = false;

  private constructor(parts: NodeParts) {
    this.config = parts.config;
    this.db = parts.db;
    this.chain = parts.chain;
    this.clock = parts.clock;
    this.engineHandle = parts.engine;
    this.engine = parts.engine.engine;
    this.duties = parts.duties;
    this.network = parts.network;
    this.sync = parts.sync;
    this.logger = parts.logger;
    this.resumed = parts.resumed;
    this.restServer = parts.rest?.server ?? null;
    this.restUrl = parts.rest?.url ?? null;
    this.metrics = parts.metrics;
    this.retention = parts.retention;
    this.history = parts.history;
    this.custodyKeeper = parts.custodyKeeper;
    const {metrics, custodyKeeper} = parts;
    if (metrics !== null) this.statusListeners.push((s) => metrics.onSlot(s.slot));
    if (custodyKeeper !== null) this.statusListeners.push(() => void custodyKeeper.persist());
  }

  /**
   * Builds a node of a public or custom network (`dev`: dev.ts' DevBeaconNode.init, which passes `composition`):
   * anchor → engine → chain → network → duties → API, then starts the network and sync. A failed step closes
   * what the earlier ones opened.
   */
  static async init(opts: BeaconNodeOpts, composition?: NodeComposition): Promise<BeaconNode> {
    const logger = opts.logger ?? silentLogger;
    const {config, publicNetwork} = resolveNetwork(opts, composition);
    // made first: the database, engine, chain and network get its hooks at construction
    const beaconMetrics = opts.metrics != null ? new BeaconMetrics() : null;
    const anchor = await openAnchor(
      {
        network: opts.network,
        dataDir: opts.dataDir,
        config,
        publicNetwork,
        custom: opts.custom,
        checkpoint: opts.checkpoint,
        genesisTime: composition?.genesisTime,
        genesis: composition?.genesis,
        metricsHook: beaconMetrics?.dbHook,
      },
      logger,
    );
    // what a failed start must close again (e.g. the p2p port taken after the Beacon API started): else the
    // process would stay alive on the open server instead of exiting with the error
    const undo: (() => Promise<unknown>)[] = [() => anchor.db.close()];
    try {
      const engine = await initEngine(opts, anchor, composition, beaconMetrics, logger);
      if (engine.close !== undefined) undo.push(engine.close);
      const custody = opts.p2p != null ? await initCustody(opts, anchor) : null;
      const {chain, clock, historyMode} = await initChain(opts, anchor, engine, custody, beaconMetrics, logger);
      undo.push(() => chain.close()); // the BLS worker threads
      const p2p = await initNetwork(
        opts,
        anchor,
        chain,
        engine,
        custody,
        historyMode,
        composition,
        beaconMetrics,
        logger,
      );
      const {network, sync} = p2p ?? {network: null, sync: null};
      const duties =
        composition?.duties?.(
          chain,
          network !== null
            ? (signed, sidecars) => createApiNetwork(network, null, logger).publishBlock(signed, sidecars)
            : null,
        ) ?? null;
      const api = await initApi(opts, chain, p2p, beaconMetrics, logger);
      if (api.rest !== null) undo.push(() => api.rest?.server.close() ?? Promise.resolve());
      const custodyKeeper =
        network !== null
          ? new CustodyKeeper({
              db: anchor.db,
              chain,
              network,
              logger,
              attachedIndices: () => attachedOf(duties?.indices ?? [], api.context),
            })
          : null;
      await custodyKeeper?.start();
      if (network !== null && sync !== null) {
        undo.push(
          () => sync.stop(),
          () => network.stop(),
        );
        await network.start();
        await sync.start();
        logger.info("p2p network started", {peerId: network.peerId, enr: network.enr, addresses: network.multiaddrs});
      }
      return new BeaconNode({
        config,
        db: anchor.db,
        chain,
        clock,
        engine,
        duties,
        network,
        sync,
        logger,
        resumed: anchor.resumed,
        rest: api.rest,
        metrics: api.metrics,
        custodyKeeper,
        retention: attachSidecarPruner(chain, anchor.db, config, logger, opts.archiveBlobs === true),
        history: historyMode.prune
          ? attachHistoryPruner(chain, anchor.db, config, logger, composition?.historyWindowEpochs, (slot) =>
              network?.reqResp.setEarliestAvailableSlot(slot),
            )
          : null,
      });
    } catch (e) {
      for (const close of undo.reverse()) await close().catch(() => {});
      throw e;
    }
  }

  /** Starts the slot loop in the background. */
  start(): void {
    if (this.loop !== null) return;
    const wait = this.clock.msUntilGenesis;
    if (wait > 0) this.logger.info("Waiting for genesis", {seconds: Math.ceil(wait / 1000)});
    this.loop = this.clock
      .run(
        async (slot) => {
          // one slot's failure (e.g. a database write on a full disk) must not end the loop: the next slot retries
          try {
            await this.runSlot(slot);
          } catch (e) {
            this.logger.error(`Slot ${slot} failed (retried at the next slot): ${(e as Error).message}`);
          }
        },
        this.controller.signal,
        ({jumpMs, fromSlot, toSlot}) => {
          const seconds = (Math.abs(jumpMs) / 1000).toFixed(1);
          if (jumpMs > 0) {
            this.logger.warn(
              `Wall clock jumped forward by ${seconds} s: slot ${fromSlot} → ${toSlot}; the slots in between are missed`,
            );
          } else {
            this.logger.warn(`Wall clock jumped back by ${seconds} s: waiting for slot ${fromSlot} (now ${toSlot})`);
          }
        },
      )
      .catch((e) => {
        this.logger.error("Slot loop stopped", {error: (e as Error).message});
      });
  }

  /** One slot: fork choice tick, in-node (dev) duties, status line. Public so tests can drive slots on a manual clock. */
  async runSlot(slot: number): Promise<SlotStatus> {
    await this.chain.onSlot(slot);
    this.network?.onSlot(slot);
    const duties = this.duties !== null ? await this.duties.onSlot(slot) : null;
    const head = this.chain.head;
    const status: SlotStatus = {
      slot,
      headSlot: head.slot,
      headRoot: head.blockRoot,
      finalizedEpoch: this.chain.finalizedCheckpoint.epoch,
      justifiedEpoch: this.chain.justifiedCheckpoint.epoch,
      elStatus: this.chain.elStatus,
      proposed: duties?.proposed != null,
      attestations: duties?.attestations ?? 0,
      syncCommitteeMessages: duties?.syncCommitteeMessages ?? 0,
      headSyncParticipants: this.headSyncParticipants(),
    };
    const connected = this.network?.getPeerCount().connected ?? 0;
    const peers =
      this.network === null
        ? ""
        : connected === 0
          ? " | peers 0 (no peers reachable: still searching via discovery)"
          : ` | peers ${connected}`;
    const syncing = this.sync !== null && !this.sync.isSynced() ? ` | ${this.sync.state}` : "";
    if (status.elStatus === "ERROR" && !this.engineHandle.inProcess) {
      // once when it goes away, then once an epoch while it stays away
      if (!this.elOffline || slot % SLOTS_PER_EPOCH === 0) {
        const url = (this.engine as {url?: string}).url ?? "the execution client";
        this.logger.warn(
          `Execution client ${url} is not usable (unreachable, or refusing our JWT): the node cannot follow the chain; ` +
            "check that it runs there and uses the same --jwt-secret file",
        );
      }
      this.elOffline = true;
    } else if (this.elOffline && status.elStatus !== "ERROR") {
      this.elOffline = false;
      this.logger.info("Execution client is reachable again", {status: status.elStatus});
    }
    this.logger.info(
      // the wall-clock slot and epoch, the head, checkpoints, the sync committee's votes in the head block's sync
      // aggregate (of SYNC_COMMITTEE_SIZE), the execution client's last verdict
      `Slot ${slot} | head ${head.slot} ${head.blockRoot.slice(0, 10)}… | epoch ${Math.floor(slot / SLOTS_PER_EPOCH)} | justified ${status.justifiedEpoch} | finalized ${status.finalizedEpoch} | sync committee votes ${status.headSyncParticipants}/${SYNC_COMMITTEE_SIZE} | EL ${status.elStatus}${peers}${syncing}`,
    );
    if (this.network !== null && slot % SLOTS_PER_EPOCH === 0) this.logGossipMesh();
    for (const l of this.statusListeners) l(status);
    return status;
  }

  /** One line per epoch: how many peers are in our gossip mesh of the block and aggregate topics. */
  private logGossipMesh(): void {
    const network = this.network;
    if (network === null) return;
    // the gossipsub class (the service type is its interface) knows its mesh per topic
    const pubsub = network.libp2p.services.pubsub as unknown as {getMeshPeers(topic: string): string[]};
    const mesh = (name: string): number => {
      const topics = network.gossip.getSubscribedTopics().filter((t) => t.split("/")[3] === name);
      return topics.reduce((n, t) => Math.max(n, pubsub.getMeshPeers(t).length), 0);
    };
    this.logger.info(
      `Gossip mesh beacon_block=${mesh("beacon_block")} beacon_aggregate_and_proof=${mesh("beacon_aggregate_and_proof")} | peers ${network.getPeerCount().connected}`,
    );
  }

  private headSyncParticipants(): number {
    const block = this.chain.blocks.get(this.chain.head.blockRoot)?.message.body as
      | {syncAggregate?: {syncCommitteeBits: {getTrueBitIndexes(): number[]}}}
      | undefined;
    return block?.syncAggregate?.syncCommitteeBits.getTrueBitIndexes().length ?? 0;
  }

  /** Stops the loop, then closes the engine and the database. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.controller.abort();
      await this.restServer?.close();
      await this.loop;
      await this.sync?.stop();
      await this.network?.stop();
      await this.chain.close();
      await this.engineHandle.close?.();
      await this.retention?.stop();
      await this.history?.stop();
      await this.custodyKeeper?.stop();
      await this.db.close();
      this.logger.info("Beacon node stopped, database closed");
    })();
    return this.closing;
  }
}

/** The chain config and public network description of `opts.network`; checks the options each network needs. */
function resolveNetwork(
  opts: BeaconNodeOpts,
  composition: NodeComposition | undefined,
): {config: ChainConfig; publicNetwork?: NetworkInfo} {
  if (opts.network === "dev") {
    if (composition === undefined) {
      throw new ChainError("INVALID_ARGUMENT", "network dev is built by the dev composition (node/dev.ts)");
    }
    return {config: composition.config};
  }
  if (isPublicNetwork(opts.network)) {
    if (opts.executionUrl === undefined) {
      throw new ChainError("INVALID_ARGUMENT", `network ${opts.network} needs an execution client (executionUrl)`);
    }
    return {config: networks[opts.network].chainConfig, publicNetwork: networks[opts.network]};
  }
  if (opts.network !== "custom") throw new ChainError("INVALID_ARGUMENT", `unsupported network ${opts.network}`);
  if (opts.custom === undefined) {
    throw new ChainError("INVALID_ARGUMENT", "network custom needs its chain config and genesis state file");
  }
  return {config: opts.custom.chainConfig};
}

/** The engine step: the Engine API at `executionUrl`, else the composition's engine (dev: the in-process mock). */
async function initEngine(
  opts: BeaconNodeOpts,
  anchor: Anchor,
  composition: NodeComposition | undefined,
  metrics: BeaconMetrics | null,
  logger: Logger,
): Promise<EngineHandle> {
  const metricsHook = metrics?.engineHook ?? null;
  if (opts.executionUrl === undefined) {
    if (composition?.engine === undefined) {
      throw new ChainError("INVALID_ARGUMENT", `network ${opts.network} needs an execution client (executionUrl)`);
    }
    return composition.engine(anchor, {logger, metricsHook});
  }
  if (opts.jwtSecret === undefined) throw new ChainError("INVALID_ARGUMENT", "an execution URL needs a JWT secret");
  logger.info("Execution engine", {url: opts.executionUrl});
  return {
    engine: new ExecutionEngineHttp({url: opts.executionUrl, jwtSecret: opts.jwtSecret, metricsHook}),
    inProcess: false,
  };
}

/**
 * The node's PeerDAS custody (fulu das-core.md), built before the chain from the node's peer key, so that the chain
 * and the network share it: the columns of this node id, at the custody group count stored by the last run
 * (NUMBER_OF_CUSTODY_GROUPS for a supernode).
 */
async function initCustody(
  opts: BeaconNodeOpts,
  anchor: Anchor,
): Promise<{key: Awaited<ReturnType<typeof loadOrCreatePeerKey>>; custody: NodeCustody}> {
  const key = await loadOrCreatePeerKey(join(opts.dataDir, opts.network));
  const count = opts.p2p?.supernode
    ? anchor.config.NUMBER_OF_CUSTODY_GROUPS
    : ((await persistedCustodyGroupCount(anchor.db)) ?? undefined);
  return {key, custody: new NodeCustody(anchor.config, nodeIdOfPeerKey(key), count)};
}

/** The chain step: the clock and the chain loaded from the anchor's database, and the history mode. */
async function initChain(
  opts: BeaconNodeOpts,
  anchor: Anchor,
  engine: EngineHandle,
  identity: {custody: NodeCustody} | null,
  metrics: BeaconMetrics | null,
  logger: Logger,
): Promise<{chain: BeaconChain; clock: Clock; historyMode: HistoryMode}> {
  const {config, db} = anchor;
  const historyMode = await checkHistoryMode(db, opts.pruneHistory === true, logger);
  const genesisTime = (await db.metadata.get("genesisTime")) as number;
  const clock = new Clock({genesisTime, slotDurationMs: config.SLOT_DURATION_MS, nowMs: opts.nowMs});
  const chain = await BeaconChain.fromDb(
    {config, db, engine: engine.engine, clock, logger, custody: identity?.custody, metrics},
    // a chain that starts before bellatrix merges onto the execution genesis block (TTD 0)
    {terminalBlockHash: anchor.genesisBlockHash, ...opts.chain},
  );
  if (anchor.resumed) {
    logger.info("Resumed chain from the database", {
      headSlot: chain.head.slot,
      headRoot: chain.head.blockRoot,
      finalizedEpoch: chain.finalizedCheckpoint.epoch,
    });
  }
  return {chain, clock, historyMode};
}

/**
 * The network step: the p2p network (sharing the chain's custody) and sync over it. Gossip's data-availability
 * lookups and unknown parents go to sync, which needs the network: they reach it through `syncRef`, set once sync
 * is built, before anything runs (network.start()).
 */
async function initNetwork(
  opts: BeaconNodeOpts,
  anchor: Anchor,
  chain: BeaconChain,
  engine: EngineHandle,
  identity: Awaited<ReturnType<typeof initCustody>> | null,
  historyMode: HistoryMode,
  composition: NodeComposition | undefined,
  metrics: BeaconMetrics | null,
  logger: Logger,
): Promise<{network: Network; sync: BeaconSync} | null> {
  const p2p = opts.p2p;
  if (p2p == null || identity === null) return null;
  let syncRef: BeaconSync | null = null;
  const network = await Network.create({
    config: chain.beaconConfig,
    chain,
    db: anchor.db,
    logger,
    dataDir: join(opts.dataDir, opts.network),
    opts: {
      listenAddress: p2p.listenAddress,
      port: p2p.port,
      discoveryPort: p2p.discoveryPort,
      bootnodes: p2p.bootnodes,
      staticPeers: p2p.staticPeers,
      targetPeers: p2p.targetPeers,
      discv5: p2p.discv5,
      subscribeAllSubnets: p2p.subscribeAllSubnets,
      lightClientServer: p2p.lightClientServer,
      peerBlockListFile: p2p.peerBlockListFile,
      privateKey: identity.key,
      custody: identity.custody,
      dev: opts.network === "dev",
      metricsHook: metrics,
      gossip: {
        da: createGossipDataAvailability({
          chain,
          tracker: chain.da,
          engine: engine.engine,
          logger,
          requestMissing: (block) => syncRef?.onMissingSidecars(block),
        }),
        onUnknownBlockParent: (block, peer) => syncRef?.onUnknownBlockParent(block, peer),
      },
    },
  });
  // --prune-history: backfill down to the window's start; after it was turned off: back to genesis
  const backfill = historyMode.prune
    ? {minSlot: historyBackfillMinSlot(chain, composition?.historyWindowEpochs)}
    : historyMode.refill
      ? {minSlot: 0}
      : undefined;
  const sync = new BeaconSync({
    chain,
    db: anchor.db,
    network,
    logger,
    ...(backfill !== undefined ? {opts: {backfill}} : {}),
  });
  syncRef = sync;
  return {network, sync};
}

/**
 * The API step: the Beacon API backend (with the network's view and the builder), the metrics (which monitor the
 * validators registered there) and the server (instrumented by the metrics), listening.
 */
async function initApi(
  opts: BeaconNodeOpts,
  chain: BeaconChain,
  p2p: {network: Network; sync: BeaconSync} | null,
  beaconMetrics: BeaconMetrics | null,
  logger: Logger,
): Promise<{
  rest: {server: FastifyInstance; url: string} | null;
  context: ApiContext | undefined;
  metrics: NodeMetrics | null;
}> {
  let api: ReturnType<typeof createApiBackend> | null = null;
  if (opts.rest != null) {
    const builder = opts.builder != null ? new BuilderService(opts.builder, logger) : null;
    if (builder !== null) void builder.checkStatus();
    const network = p2p !== null ? createApiNetwork(p2p.network, p2p.sync, logger) : null;
    api = createApiBackend(chain, {network, builder});
  }
  const metrics =
    opts.metrics != null && beaconMetrics !== null
      ? new NodeMetrics(
          {
            chain,
            db: chain.db,
            network: p2p?.network ?? null,
            sync: p2p?.sync ?? null,
            logger,
            api: api?.context,
            beacon: beaconMetrics,
          },
          opts.metrics,
        )
      : null;
  if (api === null || opts.rest == null) return {rest: null, context: undefined, metrics};
  const started = await startRestApi(chain, api, opts.rest, (server) => metrics?.beacon.instrumentApi(server));
  logger.info("Beacon API listening", {url: started.url});
  return {rest: {server: started.server, url: started.url}, context: api.context, metrics};
}
