/**
 * The dev composition: a `--network dev` node. Builds what only dev chains have — the dev chain config, an interop
 * (or deposit-data) genesis, the in-process MOCK execution engine when no Engine API URL is given, the interop
 * validators signing inside the node — and hands them to the generic steps of `BeaconNode.init` (beaconNode.ts).
 * The only module that imports `execution/mock/` and `devValidators.ts` for a node (the architecture test checks it).
 */
import {randomBytes} from "node:crypto";
import {createDevChainConfig} from "@ceibo/config";
import {ACTIVE_PRESET_NAME, FAR_FUTURE_EPOCH, FORK_NAMES, type ForkName, ForkSeq} from "@ceibo/params";
import {
  createGenesisStateFromDeposits,
  createInteropGenesisState,
  type DepositData,
  genesisForkOf,
  kzgCommitmentToVersionedHash,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {ChainError, type Logger} from "../chain/index.ts";
import type {BeaconDb} from "../db/index.ts";
import {type ExecutionEngine, ExecutionEngineHttp, type ExecutionPayload} from "../execution/index.ts";
import {forkTimesFromGenesis, MockEngineServer} from "../execution/mock/index.ts";
import type {EngineMetricsHook} from "../metrics/hooks.ts";
import type {Anchor} from "./anchor.ts";
import {BeaconNode, type EngineHandle, type NodeComposition} from "./beaconNode.ts";
import {DevValidators} from "./devValidators.ts";
import type {BeaconNodeOpts} from "./options.ts";
import {withDevRetention} from "./retention.ts";

export type DevForkEpochs = Partial<Record<"altair" | "bellatrix" | "capella" | "deneb" | "electra" | "fulu", number>>;

/** Options only a dev chain has (the CLI's `--dev.*` flags). Read by this composition only. */
export interface DevNodeOpts {
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
  devForkEpochs?: DevForkEpochs;
  /** SHARD_COMMITTEE_PERIOD of the dev chain (default the preset's; 0: exits allowed from genesis). */
  devShardCommitteePeriod?: number;
  /**
   * latest_execution_payload_header.block_hash of a NEW dev genesis: the execution client's genesis block hash
   * (default 0x42…42, what the in-process mock engine uses).
   */
  eth1BlockHash?: Uint8Array;
  /** The in-process mock engine's blob transactions per payload at deneb+ (default 0). */
  devBlobsPerBlock?: number;
  /**
   * MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS and MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS of the dev chain (default
   * the config's 4096; for short retention windows in tests).
   */
  devMinEpochsForSidecarsRequests?: number;
  /** Epochs of blocks kept by pruneHistory instead of max(MIN_EPOCHS_FOR_BLOCK_REQUESTS, WS period) (tests). */
  devHistoryWindowEpochs?: number;
  /** Propose and attest with the interop keys inside the node (default true). */
  devSigning?: boolean;
}

/** A dev node's options: the generic ones (network "dev") and the dev ones. */
export type DevBeaconNodeOpts = Omit<BeaconNodeOpts, "network"> & {network?: "dev"} & DevNodeOpts;

/** The in-process mock engines of dev nodes (tests drive them: payload status overrides). */
const mockEngines = new WeakMap<BeaconNode, MockEngineServer>();

export const DevBeaconNode = {
  /** A dev node: the generic steps of BeaconNode.init with this composition's genesis, engine and validators. */
  async init(opts: DevBeaconNodeOpts): Promise<BeaconNode> {
    let mock: MockEngineServer | null = null;
    const composition = devComposition(opts, (server) => {
      mock = server;
    });
    const node = await BeaconNode.init({...opts, network: "dev"}, composition);
    if (mock !== null) mockEngines.set(node, mock);
    return node;
  },
};

/** The in-process mock engine of a dev node started without an Engine API URL (null: an external engine). */
export function mockEngineOf(node: BeaconNode): MockEngineServer | null {
  return mockEngines.get(node) ?? null;
}

/** What the generic steps take from a dev chain. */
export function devComposition(
  opts: DevNodeOpts & Pick<BeaconNodeOpts, "nowMs">,
  onMock?: (m: MockEngineServer) => void,
): NodeComposition {
  const config = withDevRetention(
    createDevChainConfig({
      preset: ACTIVE_PRESET_NAME,
      slotDurationMs: opts.slotDurationMs,
      forkEpochs: opts.devForkEpochs ?? devForkEpochs(opts.devFork ?? "fulu"),
      shardCommitteePeriod: opts.devShardCommitteePeriod,
    }),
    opts.devMinEpochsForSidecarsRequests,
  );
  return {
    config,
    genesisTime: opts.genesisTime,
    genesis: {
      create: (cfg) => {
        const nowMs = opts.nowMs?.() ?? Date.now();
        const genesisTime = opts.genesisTime ?? Math.ceil(nowMs / 1000) + 5;
        const state =
          opts.devDeposits !== undefined
            ? createGenesisStateFromDeposits(cfg, opts.devDeposits, {genesisTime, eth1BlockHash: opts.eth1BlockHash})
            : createInteropGenesisState(cfg, {
                validatorCount: opts.devValidators,
                genesisTime,
                eth1BlockHash: opts.eth1BlockHash,
              });
        return {state, details: {from: opts.devDeposits !== undefined ? "deposit data" : "interop keys"}};
      },
      checkResumed: async (db, cfg) => {
        const stored = await db.stateArchive.getBySlot(0);
        if (stored !== null && stored.forkSeq !== genesisForkOf(cfg)) {
          throw new ChainError(
            "INVALID_ARGUMENT",
            `the data dir holds a ${FORK_NAMES[stored.forkSeq]} dev chain but the node was started for ` +
              `${FORK_NAMES[genesisForkOf(cfg)]} (start it with --dev.fork ${FORK_NAMES[stored.forkSeq]})`,
          );
        }
      },
    },
    engine: async (anchor, {logger, metricsHook}) => {
      const {handle, server} = await startMockEngine(anchor, opts.devBlobsPerBlock, metricsHook, logger);
      onMock?.(server);
      return handle;
    },
    duties:
      (opts.devSigning ?? true)
        ? (chain, publishBlock) =>
            new DevValidators(chain, {
              indices: Array.from({length: chain.getHeadState().state.validators.length}, (_, i) => i),
              logger: chain.logger,
              onProposed: publishBlock,
            })
        : undefined,
    historyWindowEpochs: opts.devHistoryWindowEpochs,
  };
}

/**
 * The in-process mock engine at the anchor's execution block (on a restart it is sent the stored payloads again:
 * a mock keeps no chain).
 */
async function startMockEngine(
  anchor: Anchor,
  blobsPerBlock: number | undefined,
  metricsHook: EngineMetricsHook | null,
  logger: Logger,
): Promise<{handle: EngineHandle; server: MockEngineServer}> {
  const jwtSecret = randomBytes(32);
  const server = new MockEngineServer({
    host: "127.0.0.1",
    port: 0,
    jwtSecret,
    genesisBlockHash: anchor.genesisBlockHash,
    genesisBlockNumber: anchor.executionAnchor?.number,
    genesisTimestamp: anchor.executionAnchor?.timestamp,
    forkTimes: forkTimesFromGenesis(FORK_NAMES[genesisForkOf(anchor.config)]),
    blobsPerBlock,
  });
  const url = await server.start();
  const engine = new ExecutionEngineHttp({url, jwtSecret, metricsHook});
  logger.info("No --execution-urls: started an in-process MOCK execution engine (dev only)", {url});
  try {
    if (anchor.resumed) {
      const replayed = await replayExecutionChain(anchor.db, engine);
      logger.info("Replayed the stored execution payloads into the mock engine", {payloads: replayed});
    }
  } catch (e) {
    await server.close();
    throw e;
  }
  return {handle: {engine, inProcess: true, close: () => server.close()}, server};
}

/** Dev chain fork epochs: every fork up to `fork` at genesis, the later ones never. */
export function devForkEpochs(fork: ForkName): Required<DevForkEpochs> {
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
