/**
 * The node's first step: the database and the chain's anchor. Opens `<dataDir>/<network>/chain-db` and, when it
 * holds no chain yet, writes one: a finalized checkpoint (checkpoint sync), a genesis state file (custom and public
 * networks) or a genesis the composition hands in (dev.ts: an interop or deposit genesis). Returns what the next
 * steps need: the config, the open database, whether the chain was resumed and the execution chain's anchor.
 */
import {readFileSync} from "node:fs";
import {type ChainConfig, forkScheduleOf, type NetworkInfo} from "@ceibo/config";
import {FORK_NAMES, ForkSeq} from "@ceibo/params";
import {
  type BeaconStateAllForks,
  type BeaconStatePostBellatrix,
  type CachedBeaconState,
  createCachedBeaconState,
  forkTypes,
  genesisForkOf,
} from "@ceibo/state-transition";
import type {Logger} from "@ceibo/utils";
import {BeaconChain, ChainError} from "../chain/index.ts";
import {BeaconDb} from "../db/index.ts";
import type {DbMetricsHook} from "../metrics/hooks.ts";
import {fetchCheckpoint, writeCheckpointAnchor} from "../sync/index.ts";
import type {BeaconNodeOpts, CheckpointOpts} from "./options.ts";

/** A genesis made by the composition (dev.ts) for an empty data dir started without a checkpoint. */
export interface GenesisSource {
  /** The new genesis state, and what to log about it. */
  create(config: ChainConfig): {state: CachedBeaconState; details: Record<string, unknown>};
  /** Checks a data dir that already holds a chain (dev: the stored genesis' fork is the configured one). */
  checkResumed?(db: BeaconDb, config: ChainConfig): Promise<void>;
}

export interface AnchorOpts {
  network: BeaconNodeOpts["network"];
  dataDir: string;
  config: ChainConfig;
  /** A public network's built-in description (its genesis checks a checkpoint and a genesis file). */
  publicNetwork?: NetworkInfo;
  custom?: BeaconNodeOpts["custom"];
  checkpoint?: CheckpointOpts | null;
  /** The genesis time a checkpoint must have (a public network's, or a dev chain's `genesisTime`). */
  genesisTime?: number;
  genesis?: GenesisSource;
  /** Database operation metrics (`--metrics`). */
  metricsHook?: DbMetricsHook | null;
}

export interface Anchor {
  config: ChainConfig;
  db: BeaconDb;
  /** Whether the chain came from the data dir (true) or was written now (false). */
  resumed: boolean;
  /** The execution block hash of the chain's genesis (the terminal block of a chain that starts pre-merge). */
  genesisBlockHash: Uint8Array;
  /** The anchor's execution payload when the chain has no genesis state (checkpoint sync), else null. */
  executionAnchor: {number: number; timestamp: number} | null;
}

/** Opens the database and makes sure it holds a chain (closes the database again when that fails). */
export async function openAnchor(opts: AnchorOpts, logger: Logger): Promise<Anchor> {
  const {config} = opts;
  const db = await BeaconDb.open(opts.dataDir, {
    network: opts.network,
    chainConfig: config,
    metricsHook: opts.metricsHook,
  });
  try {
    const resumed = (await db.anchor.get()) !== null;
    let fromCheckpoint = false;
    let genesisBlockHash: Uint8Array;
    if (resumed) {
      if (opts.checkpoint != null)
        logger.warn("The data dir already holds a chain: the checkpoint sync options are ignored");
      await opts.genesis?.checkResumed?.(db, config);
      genesisBlockHash = await genesisExecutionHash(db);
    } else if (opts.checkpoint != null) {
      genesisBlockHash = await writeCheckpoint(db, opts, opts.checkpoint, logger);
      fromCheckpoint = true;
    } else if (opts.custom !== undefined) {
      genesisBlockHash = await writeGenesisFile(db, opts, opts.custom.genesisStateFile, logger);
    } else if (opts.genesis !== undefined) {
      const {state, details} = opts.genesis.create(config);
      await BeaconChain.initializeDb(db, state);
      genesisBlockHash = executionBlockHashOf(state);
      logger.info("Wrote dev genesis", {
        validators: state.state.validators.length,
        genesisTime: state.state.genesisTime,
        fork: FORK_NAMES[state.fork],
        stateRoot: `0x${Buffer.from(state.state.hashTreeRoot()).toString("hex")}`,
        ...details,
      });
    } else {
      throw new ChainError(
        "INVALID_ARGUMENT",
        `the data dir has no ${opts.network} chain yet: start it with a checkpoint (URL or state + block files) or its genesis state`,
      );
    }
    // a chain without its genesis state (checkpoint sync): an in-process engine starts from the anchor's payload
    const executionAnchor =
      fromCheckpoint || (resumed && (await db.stateArchive.getBySlot(0)) === null) ? await executionAnchorOf(db) : null;
    return {config, db, resumed, genesisBlockHash, executionAnchor};
  } catch (e) {
    await db.close();
    throw e;
  }
}

async function writeCheckpoint(
  db: BeaconDb,
  opts: AnchorOpts,
  checkpoint: CheckpointOpts,
  logger: Logger,
): Promise<Uint8Array> {
  const source = checkpoint.url ?? checkpoint.stateFile;
  logger.info("Checkpoint sync: fetching the finalized state and block", {source});
  const anchor = await fetchCheckpoint(
    {url: checkpoint.url, stateFile: checkpoint.stateFile, blockFile: checkpoint.blockFile},
    {
      config: opts.config,
      // a public network's checkpoint must be of that network's chain
      genesisValidatorsRoot: opts.publicNetwork?.genesis?.genesisValidatorsRoot,
      genesisTime: opts.genesisTime ?? opts.publicNetwork?.genesis?.genesisTime,
      force: checkpoint.force,
      logger,
    },
  );
  await writeCheckpointAnchor(db, anchor);
  logger.info("Checkpoint sync: starting from the checkpoint", {
    epoch: anchor.checkpoint.epoch,
    slot: anchor.block.message.slot,
    blockRoot: `0x${Buffer.from(anchor.blockRoot).toString("hex")}`,
    withinWeakSubjectivityPeriod: anchor.withinWsPeriod,
    source: anchor.source,
  });
  return (anchor.state as BeaconStatePostBellatrix).latestExecutionPayloadHeader.blockHash;
}

async function writeGenesisFile(db: BeaconDb, opts: AnchorOpts, file: string, logger: Logger): Promise<Uint8Array> {
  const genesis = readGenesisState(opts.config, file);
  const known = opts.publicNetwork?.genesis;
  if (known !== undefined && Buffer.compare(genesis.state.genesisValidatorsRoot, known.genesisValidatorsRoot) !== 0) {
    throw new ChainError(
      "INVALID_ARGUMENT",
      `${file} has genesis_validators_root 0x${Buffer.from(genesis.state.genesisValidatorsRoot).toString("hex")}, ` +
        `not ${opts.network}'s 0x${Buffer.from(known.genesisValidatorsRoot).toString("hex")}`,
    );
  }
  await BeaconChain.initializeDb(db, genesis);
  logger.info("Wrote genesis from file", {
    file,
    fork: FORK_NAMES[genesis.fork],
    genesisTime: genesis.state.genesisTime,
    validators: genesis.state.validators.length,
    stateRoot: `0x${Buffer.from(genesis.state.hashTreeRoot()).toString("hex")}`,
  });
  return executionBlockHashOf(genesis);
}

/** A genesis state's execution block hash: its payload header's (bellatrix+), else its eth1 block's. */
function executionBlockHashOf(genesis: CachedBeaconState): Uint8Array {
  return genesis.fork >= ForkSeq.bellatrix
    ? (genesis.state as BeaconStatePostBellatrix).latestExecutionPayloadHeader.blockHash
    : genesis.state.eth1Data.blockHash;
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
export function readGenesisState(config: ChainConfig, file: string): CachedBeaconState {
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
