/**
 * The beacon node's composition root: database → execution engine → chain → clock loop (→ dev validators),
 * started in that order with one AbortSignal and closed in reverse.
 */

import {randomBytes} from "node:crypto";
import {readFileSync} from "node:fs";
import {join} from "node:path";
import {type ChainConfig, createDevChainConfig, forkScheduleOf, isPublicNetwork, networks} from "@ceibo/config";
import {
  ACTIVE_PRESET_NAME,
  FAR_FUTURE_EPOCH,
  FORK_NAMES,
  type ForkName,
  ForkSeq,
  SLOTS_PER_EPOCH,
  SYNC_COMMITTEE_SIZE,
} from "@ceibo/params";
import {
  type BeaconStateAllForks,
  type BeaconStatePostBellatrix,
  type CachedBeaconState,
  createCachedBeaconState,
  createGenesisStateFromDeposits,
  createInteropGenesisState,
  type DepositData,
  forkTypes,
  genesisForkOf,
  kzgCommitmentToVersionedHash,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import type {FastifyInstance} from "fastify";
import {createGossipDataAvailability} from "../chain/da/index.ts";
import {BeaconChain, type BeaconChainOpts, ChainError, Clock, type Logger, silentLogger} from "../chain/index.ts";
import {BeaconDb} from "../db/index.ts";
import {BuilderService, type BuilderServiceOpts} from "../execution/builder/index.ts";
import {
  type ExecutionEngine,
  ExecutionEngineHttp,
  type ExecutionPayload,
  forkTimesFromGenesis,
  MockEngineServer,
} from "../execution/index.ts";
import {NodeMetrics, type NodeMetricsOpts} from "../metrics/nodeMetrics.ts";
import {Network} from "../network/index.ts";
import {BeaconSync, fetchCheckpoint, writeCheckpointAnchor} from "../sync/index.ts";
import {attachedOf, CustodyKeeper, persistedCustodyGroupCount} from "./custodyPersistence.ts";
import {DevValidators} from "./devValidators.ts";
import {attachHistoryPruner, checkHistoryMode, type HistoryPruner, historyBackfillMinSlot} from "./history.ts";
import {createApiNetwork} from "./networkApi.ts";
import {startRestApi} from "./restApi.ts";
import {attachSidecarPruner, type SidecarPruner, withDevRetention} from "./retention.ts";

export interface BeaconNodeOpts {
  /**
   * "dev": an interop genesis made here; "custom": a network given by its config and genesis state (`custom`);
   * "mainnet" | "hoodi" | "sepolia": a public network (built-in config; starts from a checkpoint or `custom`'s
   * genesis state file; needs `executionUrl`).
   */
  network: "dev" | "custom" | "mainnet" | "hoodi" | "sepolia";
  /**
   * network "custom": the chain config (config.yaml) and the genesis state file (SSZ) of that network; a public
   * network: its genesis state file (with the built-in config).
   */
  custom?: {chainConfig: ChainConfig; genesisStateFile: string};
  dataDir: string;
  /** Interop validators of a new dev genesis. */
  devValidators: number;
  /**
   * A new dev genesis from these signed deposits (initialize_beacon_state_from_eth1) instead of the interop keys,
   * e.g. a `ceibo keys new --network dev` deposit_data file. Ignored when the db has a chain.
   */
  devDeposits?: DepositData[];
  /** Genesis time of a new dev chain (seconds; default now + 5 s rounded up). Ignored when the db has a chain. */
  genesisTime?: number;
  /** SLOT_DURATION_MS of the dev chain (default the dev config's). Must stay the same across restarts. */
  slotDurationMs?: number;
  /**
   * The fork of the dev chain (bellatrix … fulu, default fulu): every fork up to it active from genesis, later ones
   * never. Must stay the same across restarts (checked against the stored genesis).
   */
  devFork?: ForkName;
  /**
   * Staged fork epochs of the dev chain (createDevChainConfig forkEpochs; a fork left out activates with the one
   * before it). Replaces devFork. Must stay the same across restarts. With staged forks an EXTERNAL engine is
   * expected (executionUrl) whose fork timestamps match (the in-process mock only knows forks at genesis).
   */
  devForkEpochs?: Partial<Record<"altair" | "bellatrix" | "capella" | "deneb" | "electra" | "fulu", number>>;
  /** SHARD_COMMITTEE_PERIOD of the dev chain (default the preset's; 0: exits allowed from genesis). */
  devShardCommitteePeriod?: number;
  /**
   * latest_execution_payload_header.block_hash of a NEW dev genesis: the execution client's genesis block hash
   * (default 0x42…42, what the in-process mock engine uses).
   */
  eth1BlockHash?: Uint8Array;
  /** Engine API URL; none: an in-process mock execution engine is started. */
  executionUrl?: string;
  /** The in-process mock engine's blob transactions per payload at deneb+ (default 0; dev only). */
  devBlobsPerBlock?: number;
  /** Keep every blob / data column sidecar (no retention pruning; `--archive-blobs`). */
  archiveBlobs?: boolean;
  /**
   * MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS and MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS of a dev chain (default the
   * config's 4096; dev only, for short retention windows in tests).
   */
  devMinEpochsForSidecarsRequests?: number;
  /** Keep only the blocks of the retention window (`--prune-history`, chain/history.ts); recorded in the db. */
  pruneHistory?: boolean;
  /** Epochs of blocks kept by pruneHistory instead of max(MIN_EPOCHS_FOR_BLOCK_REQUESTS, WS period) (dev, tests). */
  devHistoryWindowEpochs?: number;
  jwtSecret?: Uint8Array;
  /** Beacon API server (default none; the CLI passes 127.0.0.1:5052). Port 0: any free port. */
  rest?: {address: string; port: number; allowedHosts?: string[]} | null;
  /** Propose and attest with the interop keys inside the node (dev only; default true). */
  devSigning?: boolean;
  chain?: BeaconChainOpts;
  /** Join the p2p network (null/undefined: no networking — a lone node). */
  p2p?: P2pOpts | null;
  /** Start an empty data dir from a finalized checkpoint (URL of a trusted Beacon API, or SSZ files). */
  checkpoint?: CheckpointOpts | null;
  /**
   * A builder / relay / mev-boost (builder-specs) for produceBlockV3 and the blinded routes (`--builder-url`;
   * null/undefined: none, local payloads only). Needs the Beacon API (`rest`).
   */
  builder?: BuilderServiceOpts | null;
  /** Prometheus metrics and the validator monitor (null: none). The CLI serves `node.metrics.registry`. */
  metrics?: NodeMetricsOpts | null;
  logger?: Logger;
  /** Wall clock in ms (tests). */
  nowMs?: () => number;
}

export interface P2pOpts {
  listenAddress: string;
  port: number;
  discoveryPort: number;
  /** discv5 bootnodes (ENR strings). */
  bootnodes: string[];
  /** Multiaddrs to stay connected to. */
  staticPeers: string[];
  targetPeers: number;
  discv5: boolean;
  subscribeAllSubnets: boolean;
  /** PeerDAS supernode: custody group count NUMBER_OF_CUSTODY_GROUPS (all columns). */
  supernode?: boolean;
  /** Serve light clients over p2p: the light-client req/resp protocols and gossip topics (default true). */
  lightClientServer?: boolean;
  /** Dev only: the peer block-list file (NetworkOpts.peerBlockListFile). */
  peerBlockListFile?: string;
}

export interface CheckpointOpts {
  url?: string;
  stateFile?: string;
  blockFile?: string;
  /** Accept a checkpoint outside the weak subjectivity period. */
  force: boolean;
}

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

export class BeaconNode {
  readonly config: ChainConfig;
  readonly db: BeaconDb;
  readonly chain: BeaconChain;
  readonly clock: Clock;
  readonly engine: ExecutionEngine;
  readonly mockEngine: MockEngineServer | null;
  readonly devValidators: DevValidators | null;
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
  private readonly controller = new AbortController();
  private loop: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  readonly statusListeners: ((s: SlotStatus) => void)[] = [];
  /** Blob / data column sidecar retention (prunes after finalization unless archiveBlobs). */
  retention: SidecarPruner | null = null;
  /** History pruning (`--prune-history`; null when off). */
  history: HistoryPruner | null = null;
  /** Validator custody, custody group count and MetaData seq persistence (null without a network). */
  custodyKeeper: CustodyKeeper | null = null;
  /** Whether the last slot found the execution client unusable (its warning is logged on the change). */
  private elOffline = false;

  private constructor(parts: {
    config: ChainConfig;
    db: BeaconDb;
    chain: BeaconChain;
    clock: Clock;
    engine: ExecutionEngine;
    mockEngine: MockEngineServer | null;
    devValidators: DevValidators | null;
    network: Network | null;
    sync: BeaconSync | null;
    logger: Logger;
    resumed: boolean;
    rest: {server: FastifyInstance; url: string} | null;
    metrics?: NodeMetrics | null;
  }) {
    this.config = parts.config;
    this.db = parts.db;
    this.chain = parts.chain;
    this.clock = parts.clock;
    this.engine = parts.engine;
    this.mockEngine = parts.mockEngine;
    this.devValidators = parts.devValidators;
    this.network = parts.network;
    this.sync = parts.sync;
    this.logger = parts.logger;
    this.resumed = parts.resumed;
    this.restServer = parts.rest?.server ?? null;
    this.restUrl = parts.rest?.url ?? null;
    this.metrics = parts.metrics ?? null;
    const metrics = this.metrics;
    if (metrics !== null) this.statusListeners.push((s) => metrics.onSlot(s.slot));
  }

  /** Opens the data dir, writes a dev genesis if it has no chain, connects the engine and loads the chain. */
  static async init(opts: BeaconNodeOpts): Promise<BeaconNode> {
    const logger = opts.logger ?? silentLogger;
    const isPublic = isPublicNetwork(opts.network);
    if (opts.network !== "dev" && opts.network !== "custom" && !isPublic) {
      throw new ChainError("INVALID_ARGUMENT", `unsupported network ${opts.network}`);
    }
    const publicNetwork = isPublicNetwork(opts.network) ? networks[opts.network] : undefined;
    if (publicNetwork !== undefined && opts.executionUrl === undefined) {
      throw new ChainError("INVALID_ARGUMENT", `network ${opts.network} needs an execution client (executionUrl)`);
    }
    const custom = opts.network === "custom" || isPublic ? opts.custom : undefined;
    if (opts.network === "custom" && custom === undefined) {
      throw new ChainError("INVALID_ARGUMENT", "network custom needs its chain config and genesis state file");
    }
    const config =
      publicNetwork?.chainConfig ??
      custom?.chainConfig ??
      withDevRetention(
        createDevChainConfig({
          preset: ACTIVE_PRESET_NAME,
          slotDurationMs: opts.slotDurationMs,
          forkEpochs: opts.devForkEpochs ?? devForkEpochs(opts.devFork ?? "fulu"),
          shardCommitteePeriod: opts.devShardCommitteePeriod,
        }),
        opts.devMinEpochsForSidecarsRequests,
      );
    const db = await BeaconDb.open(opts.dataDir, {network: opts.network, chainConfig: config});
    let mockEngine: MockEngineServer | null = null;
    // what a failed start must close again (e.g. the p2p port taken after the Beacon API started): else the
    // process would stay alive on the open server instead of exiting with the error
    const undo: (() => Promise<unknown>)[] = [];
    try {
      let resumed = (await db.anchor.get()) !== null;
      let genesisBlockHash: Uint8Array;
      let fromCheckpoint = false;
      if (resumed && opts.checkpoint != null) {
        logger.warn("The data dir already holds a chain: the checkpoint sync options are ignored");
      }
      if (!resumed && opts.checkpoint != null) {
        const source = opts.checkpoint.url ?? opts.checkpoint.stateFile;
        logger.info("Checkpoint sync: fetching the finalized state and block", {source});
        const anchor = await fetchCheckpoint(
          {url: opts.checkpoint.url, stateFile: opts.checkpoint.stateFile, blockFile: opts.checkpoint.blockFile},
          {
            config,
            // a public network's checkpoint must be of that network's chain
            genesisValidatorsRoot: publicNetwork?.genesis?.genesisValidatorsRoot,
            genesisTime: opts.genesisTime ?? publicNetwork?.genesis?.genesisTime,
            force: opts.checkpoint.force,
            logger,
          },
        );
        await writeCheckpointAnchor(db, anchor);
        fromCheckpoint = true;
        genesisBlockHash = (anchor.state as BeaconStatePostBellatrix).latestExecutionPayloadHeader.blockHash;
        logger.info("Checkpoint sync: starting from the checkpoint", {
          epoch: anchor.checkpoint.epoch,
          slot: anchor.block.message.slot,
          blockRoot: `0x${Buffer.from(anchor.blockRoot).toString("hex")}`,
          withinWeakSubjectivityPeriod: anchor.withinWsPeriod,
          source: anchor.source,
        });
      } else if (!resumed && custom !== undefined) {
        const genesis = readGenesisState(config, custom.genesisStateFile);
        const known = publicNetwork?.genesis;
        if (
          known !== undefined &&
          Buffer.compare(genesis.state.genesisValidatorsRoot, known.genesisValidatorsRoot) !== 0
        ) {
          throw new ChainError(
            "INVALID_ARGUMENT",
            `${custom.genesisStateFile} has genesis_validators_root 0x${Buffer.from(genesis.state.genesisValidatorsRoot).toString("hex")}, ` +
              `not ${opts.network}'s 0x${Buffer.from(known.genesisValidatorsRoot).toString("hex")}`,
          );
        }
        await BeaconChain.initializeDb(db, genesis);
        genesisBlockHash =
          genesis.fork >= ForkSeq.bellatrix
            ? (genesis.state as BeaconStatePostBellatrix).latestExecutionPayloadHeader.blockHash
            : genesis.state.eth1Data.blockHash;
        logger.info("Wrote genesis from file", {
          file: custom.genesisStateFile,
          fork: FORK_NAMES[genesis.fork],
          genesisTime: genesis.state.genesisTime,
          validators: genesis.state.validators.length,
          stateRoot: `0x${Buffer.from(genesis.state.hashTreeRoot()).toString("hex")}`,
        });
      } else if (!resumed && publicNetwork !== undefined) {
        throw new ChainError(
          "INVALID_ARGUMENT",
          `the data dir has no ${opts.network} chain yet: start it with a checkpoint (URL or state + block files) or its genesis state`,
        );
      } else if (!resumed) {
        const nowMs = opts.nowMs?.() ?? Date.now();
        const genesisTime = opts.genesisTime ?? Math.ceil(nowMs / 1000) + 5;
        const genesis =
          opts.devDeposits !== undefined
            ? createGenesisStateFromDeposits(config, opts.devDeposits, {genesisTime, eth1BlockHash: opts.eth1BlockHash})
            : createInteropGenesisState(config, {
                validatorCount: opts.devValidators,
                genesisTime,
                eth1BlockHash: opts.eth1BlockHash,
              });
        await BeaconChain.initializeDb(db, genesis);
        genesisBlockHash =
          genesis.fork >= ForkSeq.bellatrix
            ? (genesis.state as BeaconStatePostBellatrix).latestExecutionPayloadHeader.blockHash
            : genesis.state.eth1Data.blockHash;
        logger.info("Wrote dev genesis", {
          validators: genesis.state.validators.length,
          genesisTime,
          fork: FORK_NAMES[genesis.fork],
          stateRoot: `0x${Buffer.from(genesis.state.hashTreeRoot()).toString("hex")}`,
          from: opts.devDeposits !== undefined ? "deposit data" : "interop keys",
        });
      } else {
        const stored = await db.stateArchive.getBySlot(0);
        if (custom === undefined && stored !== null && stored.forkSeq !== genesisForkOf(config)) {
          throw new ChainError(
            "INVALID_ARGUMENT",
            `the data dir holds a ${FORK_NAMES[stored.forkSeq]} dev chain but the node was started for ` +
              `${FORK_NAMES[genesisForkOf(config)]} (start it with --dev.fork ${FORK_NAMES[stored.forkSeq]})`,
          );
        }
        genesisBlockHash = await genesisExecutionHash(db);
        resumed = true;
      }
      // a chain without its genesis state (checkpoint sync): the mock engine starts from the anchor's payload
      const executionAnchor =
        fromCheckpoint || (resumed && (await db.stateArchive.getBySlot(0)) === null)
          ? await executionAnchorOf(db)
          : null;

      let engine: ExecutionEngine;
      if (opts.executionUrl !== undefined) {
        if (opts.jwtSecret === undefined)
          throw new ChainError("INVALID_ARGUMENT", "an execution URL needs a JWT secret");
        engine = new ExecutionEngineHttp({url: opts.executionUrl, jwtSecret: opts.jwtSecret});
        logger.info("Execution engine", {url: opts.executionUrl});
      } else {
        const jwtSecret = randomBytes(32);
        mockEngine = new MockEngineServer({
          host: "127.0.0.1",
          port: 0,
          jwtSecret,
          genesisBlockHash,
          genesisBlockNumber: executionAnchor?.number,
          genesisTimestamp: executionAnchor?.timestamp,
          forkTimes: forkTimesFromGenesis(FORK_NAMES[genesisForkOf(config)]),
          blobsPerBlock: opts.devBlobsPerBlock,
        });
        const url = await mockEngine.start();
        engine = new ExecutionEngineHttp({url, jwtSecret});
        logger.info("No --execution-urls: started an in-process MOCK execution engine (dev only)", {url});
        if (resumed) {
          const replayed = await replayExecutionChain(db, engine);
          logger.info("Replayed the stored execution payloads into the mock engine", {payloads: replayed});
        }
      }

      const historyMode = await checkHistoryMode(db, opts.pruneHistory === true, logger);
      const genesisTime = (await db.metadata.get("genesisTime")) as number;
      const clock = new Clock({genesisTime, slotDurationMs: config.SLOT_DURATION_MS, nowMs: opts.nowMs});
      const chain = await BeaconChain.fromDb(
        {config, db, engine, clock, logger},
        // a chain that starts before bellatrix merges onto the execution genesis block (TTD 0)
        {terminalBlockHash: genesisBlockHash, ...opts.chain},
      );
      undo.push(() => chain.close()); // the BLS worker threads
      if (resumed) {
        logger.info("Resumed chain from the database", {
          headSlot: chain.head.slot,
          headRoot: chain.head.blockRoot,
          finalizedEpoch: chain.finalizedCheckpoint.epoch,
        });
      }
      const count = chain.getHeadState().state.validators.length;
      const devValidators =
        (opts.devSigning ?? true)
          ? new DevValidators(chain, {indices: Array.from({length: count}, (_, i) => i), logger})
          : null;
      let network: Network | null = null;
      let sync: BeaconSync | null = null;
      if (opts.p2p != null) {
        const p2p = opts.p2p;
        let syncRef: BeaconSync | null = null;
        network = await Network.create({
          config: chain.beaconConfig,
          chain,
          db,
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
            custodyGroupCount: p2p.supernode
              ? config.NUMBER_OF_CUSTODY_GROUPS
              : ((await persistedCustodyGroupCount(db)) ?? undefined),
            dev: opts.network === "dev",
            gossip: {
              da: createGossipDataAvailability({
                chain,
                tracker: chain.da,
                engine,
                logger,
                requestMissing: (block) => syncRef?.onMissingSidecars(block),
              }),
              onUnknownBlockParent: (block, peer) => syncRef?.onUnknownBlockParent(block, peer),
            },
          },
        });
        // fulu: sample and custody the columns of this node id (das-core.md)
        chain.custody.samplingColumns = network.custody.samplingColumns;
        chain.custody.custodyColumns = network.custody.custodyColumns;
        // --prune-history: backfill down to the window's start; after it was turned off: back to genesis
        const backfill = historyMode.prune
          ? {minSlot: historyBackfillMinSlot(chain, opts.devHistoryWindowEpochs)}
          : historyMode.refill
            ? {minSlot: 0}
            : undefined;
        sync = new BeaconSync({chain, db, network, logger, ...(backfill !== undefined ? {opts: {backfill}} : {})});
        syncRef = sync;
        const net = network;
        if (devValidators !== null) {
          devValidators.onProposed = (signed, sidecars) =>
            createApiNetwork(net, null, logger).publishBlock(signed, sidecars);
        }
      }
      const metrics = opts.metrics != null ? new NodeMetrics({chain, db, network, sync, logger}, opts.metrics) : null;
      let rest: {server: FastifyInstance; url: string} | null = null;
      let apiCtx: Parameters<typeof attachedOf>[1];
      if (opts.rest != null) {
        const started = await startRestApi(chain, opts.rest, (server) => metrics?.beacon.instrumentApi(server));
        metrics?.attachApi(started.api.context);
        apiCtx = started.api.context;
        if (network !== null) started.api.context.network = createApiNetwork(network, sync, logger);
        if (opts.builder != null) {
          const builder = new BuilderService(opts.builder, logger);
          started.api.context.builder = builder;
          void builder.checkStatus();
        }
        rest = started;
        undo.push(() => started.server.close());
        logger.info("Beacon API listening", {url: rest.url});
      }
      let custodyKeeper: CustodyKeeper | null = null;
      if (network !== null) {
        const ctx = apiCtx;
        const devIndices = devValidators !== null ? Array.from({length: count}, (_, i) => i) : [];
        custodyKeeper = new CustodyKeeper({
          db,
          chain,
          network,
          logger,
          attachedIndices: () => attachedOf(devIndices, ctx),
        });
        await custodyKeeper.start();
      }
      if (network !== null && sync !== null) {
        const [net, syncing] = [network, sync];
        undo.push(
          () => syncing.stop(),
          () => net.stop(),
        );
        await network.start();
        await sync.start();
        logger.info("p2p network started", {peerId: network.peerId, enr: network.enr, addresses: network.multiaddrs});
      }
      const node = new BeaconNode({
        config,
        db,
        chain,
        clock,
        engine,
        mockEngine,
        devValidators,
        network,
        sync,
        logger,
        resumed,
        rest,
        metrics,
      });
      node.custodyKeeper = custodyKeeper;
      if (custodyKeeper !== null) node.statusListeners.push(() => void custodyKeeper.persist());
      node.retention = attachSidecarPruner(chain, db, config, logger, opts.archiveBlobs === true);
      if (historyMode.prune) {
        node.history = attachHistoryPruner(chain, db, config, logger, opts.devHistoryWindowEpochs, (slot) =>
          network?.reqResp.setEarliestAvailableSlot(slot),
        );
      }
      return node;
    } catch (e) {
      for (const close of undo.reverse()) await close().catch(() => {});
      await mockEngine?.close();
      await db.close();
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

  /** One slot: fork choice tick, dev duties, status line. Public so tests can drive slots on a manual clock. */
  async runSlot(slot: number): Promise<SlotStatus> {
    await this.chain.onSlot(slot);
    this.network?.onSlot(slot);
    const duties = this.devValidators !== null ? await this.devValidators.onSlot(slot) : null;
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
    if (status.elStatus === "ERROR" && this.mockEngine === null) {
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
      await this.mockEngine?.close();
      await this.retention?.stop();
      await this.history?.stop();
      await this.custodyKeeper?.stop();
      await this.db.close();
      this.logger.info("Beacon node stopped, database closed");
    })();
    return this.closing;
  }
}

/** Dev chain fork epochs: every fork up to `fork` at genesis, the later ones never. */
function devForkEpochs(
  fork: ForkName,
): Record<"altair" | "bellatrix" | "capella" | "deneb" | "electra" | "fulu", number> {
  if (ForkSeq[fork] < ForkSeq.bellatrix) {
    throw new ChainError("INVALID_ARGUMENT", `dev chains start at bellatrix or later, got ${fork}`);
  }
  const at = (f: ForkName): number => (ForkSeq[f] <= ForkSeq[fork] ? 0 : FAR_FUTURE_EPOCH);
  return {
    altair: 0,
    bellatrix: 0,
    capella: at("capella"),
    deneb: at("deneb"),
    electra: at("electra"),
    fulu: at("fulu"),
  };
}

/** The execution block hash of the chain's genesis (the archived slot-0 state's payload header). */
async function genesisExecutionHash(db: BeaconDb): Promise<Uint8Array> {
  const genesis = await db.stateArchive.getBySlot(0);
  if (genesis?.state !== undefined && genesis.forkSeq >= ForkSeq.bellatrix) {
    return (genesis.state as BeaconStatePostBellatrix).latestExecutionPayloadHeader.blockHash;
  }
  const resume = await db.loadAnchor();
  if (resume === null || resume.state.forkSeq < ForkSeq.bellatrix) return new Uint8Array(32).fill(0x42);
  // without the genesis state, the oldest payload's parent hash chain starts at the anchor
  return (resume.state.state as BeaconStatePostBellatrix).latestExecutionPayloadHeader.blockHash;
}

/** A genesis state from an SSZ file, decoded with the fork the config gives epoch 0. */
function readGenesisState(config: ChainConfig, file: string): CachedBeaconState {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new ChainError("INVALID_ARGUMENT", `cannot read the genesis state ${file}: ${(e as Error).message}`);
  }
  const fork = genesisForkOf(config);
  const type = forkTypes(fork).BeaconState as unknown as {deserializeToViewDU(b: Uint8Array): BeaconStateAllForks};
  let state: BeaconStateAllForks;
  try {
    state = type.deserializeToViewDU(bytes);
  } catch (e) {
    throw new ChainError(
      "INVALID_ARGUMENT",
      `${file} is not a ${FORK_NAMES[fork]} BeaconState (the config's fork at epoch 0): ${(e as Error).message}`,
    );
  }
  if (state.slot !== 0)
    throw new ChainError("INVALID_ARGUMENT", `${file} is a state at slot ${state.slot}, not genesis`);
  const version = Buffer.from(state.fork.currentVersion).toString("hex");
  const atGenesis = forkScheduleOf(config).filter((f) => f.epoch <= 0);
  const expected = Buffer.from(atGenesis[atGenesis.length - 1].version).toString("hex");
  if (version !== expected) {
    throw new ChainError(
      "INVALID_ARGUMENT",
      `the genesis state's fork version 0x${version} is not the config's 0x${expected} at epoch 0 (wrong config file?)`,
    );
  }
  return createCachedBeaconState(state, config, fork);
}

/** The execution payload header of the database's anchor state (a checkpoint or genesis). */
async function executionAnchorOf(db: BeaconDb): Promise<{number: number; timestamp: number} | null> {
  const resume = await db.loadAnchor();
  if (resume === null || resume.state.forkSeq < ForkSeq.bellatrix) return null;
  const header = (resume.state.state as BeaconStatePostBellatrix).latestExecutionPayloadHeader;
  return {number: header.blockNumber, timestamp: header.timestamp};
}

/**
 * Sends every stored block's payload (finalized archive, then hot blocks) to a fresh engine in slot order, so an
 * in-process mock engine knows the chain again after a restart (a real engine keeps its own chain).
 */
async function replayExecutionChain(db: BeaconDb, engine: ExecutionEngine): Promise<number> {
  const blocks: {slot: number; fork: string; message: Record<string, unknown>}[] = [];
  const last = await db.blockArchive.lastSlot();
  if (last !== null) {
    for (const b of await db.blockArchive.rangeSerialized(0, last + 1)) {
      const type = ssz[b.fork].SignedBeaconBlock as unknown as {deserialize(b: Uint8Array): {message: unknown}};
      blocks.push({slot: b.slot, fork: b.fork, message: type.deserialize(b.ssz).message as Record<string, unknown>});
    }
  }
  for (const h of await db.hotBlocks.all()) {
    const b = await db.hotBlocks.get(h.root);
    if (b !== null) blocks.push({slot: b.block.message.slot, fork: b.fork, message: b.block.message as never});
  }
  blocks.sort((a, b) => a.slot - b.slot);
  let count = 0;
  for (const {slot, fork, message} of blocks) {
    const body = message.body as {
      executionPayload?: ExecutionPayload;
      blobKzgCommitments?: Uint8Array[];
      executionRequests?: never;
    };
    if (slot === 0 || body.executionPayload === undefined) continue;
    const seq = ForkSeq[fork as keyof typeof ForkSeq];
    await engine.notifyNewPayload(
      fork as never,
      body.executionPayload,
      seq >= ForkSeq.deneb
        ? {
            versionedHashes: (body.blobKzgCommitments ?? []).map(kzgCommitmentToVersionedHash),
            parentBeaconBlockRoot: message.parentRoot as Uint8Array,
            executionRequests: seq >= ForkSeq.electra ? body.executionRequests : undefined,
          }
        : {},
    );
    count++;
  }
  return count;
}
