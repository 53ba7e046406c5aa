/**
 * Checkpoint sync: start from a recent finalized state instead of genesis (phase0 weak-subjectivity.md "Weak
 * Subjectivity Sync"). The state and its block come from a trusted Beacon API (`GET
 * /eth/v2/debug/beacon/states/finalized` and `GET /eth/v2/beacon/blocks/{root}`, both as SSZ) or from files,
 * and are checked before they become the database's anchor:
 *   - the response's Eth-Consensus-Version is the fork our config has at the state's / block's slot, and the
 *     state's fork version is our config's version at its epoch;
 *   - genesis_validators_root (and genesis time) match the network's;
 *   - the block is the state's latest_block_header (its hash_tree_root, with the header's state_root filled in
 *     when the state is the block's post-state) and block.state_root == hash_tree_root(anchor state);
 *   - the state is within the weak subjectivity period of the current epoch (compute_weak_subjectivity_period,
 *     electra's from electra on), unless forced; optionally it matches a weak subjectivity checkpoint.
 *
 * Fork choice's anchor (phase0 get_forkchoice_store) is the block's post-state: a server that sends the finalized
 * state advanced to the epoch boundary past a block at an earlier slot is asked for the block's own post-state
 * (by its state root).
 */
import {readFile} from "node:fs/promises";
import type {ChainConfig} from "@ceibo/config";
import {BeaconConfig} from "@ceibo/config";
import {type ForkName, ForkSeq} from "@ceibo/params";
import {type BeaconStateAllForks, computeEpochAtSlot, type SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {bytesEqual, isZeroBytes, toHex} from "@ceibo/utils";
import {genesisBlockOf} from "../chain/chain.ts";
import {type Logger, silentLogger} from "../chain/logger.ts";
import type {BeaconDb} from "../db/beaconDb.ts";
import {readBlockSummary} from "../db/codec.ts";
import {anchorCheckpointEpoch} from "../db/resume.ts";
import {
  checkWeakSubjectivityCheckpoint,
  computeWeakSubjectivityPeriod,
  isWithinWeakSubjectivityPeriod,
} from "./weakSubjectivity.ts";

/** Where the checkpoint comes from: a trusted Beacon API, or SSZ files (a state and the block it names). */
export interface CheckpointSource {
  /** Base URL of a trusted Beacon API (--checkpoint-sync-url). */
  url?: string;
  /** SSZ BeaconState file (--checkpoint-state). */
  stateFile?: string;
  /** SSZ SignedBeaconBlock file of the state's latest block (--checkpoint-block); without it, fetched from `url`. */
  blockFile?: string;
}

export interface FetchCheckpointOpts {
  config: ChainConfig;
  /** The network's genesis_validators_root (networks[...].genesis, or the one in an existing db). */
  genesisValidatorsRoot?: Uint8Array;
  /** The network's genesis time. */
  genesisTime?: number;
  /** A weak subjectivity checkpoint the state must match (--wss-checkpoint `block_root:epoch`). */
  wsCheckpoint?: {epoch: number; root: Uint8Array};
  /** Accept a state older than the weak subjectivity period (--force-checkpoint-sync). */
  force?: boolean;
  /** Wall clock for the current epoch (default Date.now). */
  nowMs?: number;
  /** Per-request timeout (default 10 minutes: a mainnet state is hundreds of MB). */
  timeoutMs?: number;
  logger?: Logger;
}

export type CheckpointSyncErrorCode =
  | "FETCH_FAILED"
  | "BAD_RESPONSE"
  | "FORK_MISMATCH"
  | "GENESIS_MISMATCH"
  | "BLOCK_MISMATCH"
  | "STATE_ROOT_MISMATCH"
  | "MISSING_BLOCK"
  | "WS_CHECKPOINT_MISMATCH"
  | "OUTSIDE_WS_PERIOD"
  | "FUTURE_STATE";

export class CheckpointSyncError extends Error {
  readonly code: CheckpointSyncErrorCode;

  constructor(code: CheckpointSyncErrorCode, message: string, opts?: {cause?: unknown}) {
    super(`${code}: ${message}`, opts);
    this.name = "CheckpointSyncError";
    this.code = code;
  }
}

/** A verified checkpoint: the anchor state (the block's post-state) and block, ready for `writeCheckpointAnchor`. */
export interface CheckpointAnchor {
  state: BeaconStateAllForks;
  fork: ForkName;
  forkSeq: number;
  block: SignedBeaconBlockAllForks;
  blockRoot: Uint8Array;
  stateRoot: Uint8Array;
  /**
   * The fork-choice anchor checkpoint (epoch, block root): get_current_epoch(state) when the block is at an epoch's
   * first slot, else the next epoch — the finalized checkpoint peers have when the boundary slot had no block.
   */
  checkpoint: {epoch: number; root: Uint8Array};
  /** compute_weak_subjectivity_period(state) and the current epoch it was checked at. */
  wsPeriod: number;
  currentEpoch: number;
  withinWsPeriod: boolean;
  /** Where it came from, for logs. */
  source: string;
}

const SSZ = "application/octet-stream";

interface Downloaded {
  bytes: Uint8Array;
  version: string | null;
}

async function httpGetSsz(url: string, timeoutMs: number): Promise<Downloaded> {
  let res: Response;
  try {
    res = await fetch(url, {headers: {accept: SSZ}, signal: AbortSignal.timeout(timeoutMs)});
  } catch (e) {
    throw new CheckpointSyncError("FETCH_FAILED", `GET ${url}: ${(e as Error).message}`, {cause: e});
  }
  if (res.status !== 200) {
    const text = await res.text().catch(() => "");
    throw new CheckpointSyncError("FETCH_FAILED", `GET ${url}: HTTP ${res.status} ${text.slice(0, 200)}`);
  }
  const type = res.headers.get("content-type") ?? "";
  if (!type.startsWith(SSZ)) {
    throw new CheckpointSyncError("BAD_RESPONSE", `GET ${url}: content-type ${type}, expected ${SSZ}`);
  }
  return {bytes: new Uint8Array(await res.arrayBuffer()), version: res.headers.get("eth-consensus-version")};
}

/** Slot of SSZ BeaconState bytes (every fork begins genesis_time (8) ‖ genesis_validators_root (32) ‖ slot (8)). */
function stateSlotOf(bytes: Uint8Array, what: string): number {
  if (bytes.length < 48) throw new CheckpointSyncError("BAD_RESPONSE", `${what}: ${bytes.length} bytes is not a state`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint32(40, true) + view.getUint32(44, true) * 2 ** 32;
}

function decodeState(config: BeaconConfig, d: Downloaded, what: string): {state: BeaconStateAllForks; fork: ForkName} {
  const slot = stateSlotOf(d.bytes, what);
  const fork = config.getForkName(slot);
  if (d.version !== null && d.version.toLowerCase() !== fork) {
    throw new CheckpointSyncError(
      "FORK_MISMATCH",
      `${what} at slot ${slot} is announced as ${d.version} but our config has ${fork} at that slot (another network?)`,
    );
  }
  try {
    const type = ssz[fork].BeaconState as unknown as {deserializeToViewDU(b: Uint8Array): BeaconStateAllForks};
    return {state: type.deserializeToViewDU(d.bytes), fork};
  } catch (e) {
    throw new CheckpointSyncError("BAD_RESPONSE", `${what} is not a ${fork} BeaconState: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

function decodeBlock(config: BeaconConfig, d: Downloaded, what: string): SignedBeaconBlockAllForks {
  let slot: number;
  try {
    slot = readBlockSummary(d.bytes, what).slot;
  } catch (e) {
    throw new CheckpointSyncError("BAD_RESPONSE", `${what} is not a SignedBeaconBlock`, {cause: e});
  }
  const fork = config.getForkName(slot);
  if (d.version !== null && d.version.toLowerCase() !== fork) {
    throw new CheckpointSyncError(
      "FORK_MISMATCH",
      `${what} at slot ${slot} is announced as ${d.version} but our config has ${fork} at that slot`,
    );
  }
  try {
    return (
      ssz[fork].SignedBeaconBlock as unknown as {deserialize(b: Uint8Array): SignedBeaconBlockAllForks}
    ).deserialize(d.bytes);
  } catch (e) {
    throw new CheckpointSyncError(
      "BAD_RESPONSE",
      `${what} is not a ${fork} SignedBeaconBlock: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
}

function blockRootOfFork(fork: ForkName, block: SignedBeaconBlockAllForks): Uint8Array {
  return (ssz[fork].BeaconBlock as unknown as {hashTreeRoot(v: unknown): Uint8Array}).hashTreeRoot(block.message);
}

/** hash_tree_root of the state's latest_block_header with state_root filled in (process_slot does it). */
function latestBlockRootOf(state: BeaconStateAllForks): {root: Uint8Array; slot: number} {
  const header = state.latestBlockHeader.toValue();
  if (isZeroBytes(header.stateRoot)) header.stateRoot = state.hashTreeRoot();
  return {root: ssz.phase0.BeaconBlockHeader.hashTreeRoot(header), slot: header.slot};
}

/**
 * Downloads (or reads) a finalized state and its block and verifies them against our config, the network's
 * genesis and the weak subjectivity period. Throws a CheckpointSyncError naming what mismatched.
 */
export async function fetchCheckpoint(source: CheckpointSource, opts: FetchCheckpointOpts): Promise<CheckpointAnchor> {
  const logger = opts.logger ?? silentLogger;
  const timeoutMs = opts.timeoutMs ?? 600_000;
  const base = source.url?.replace(/\/+$/, "");
  if (base === undefined && source.stateFile === undefined) {
    throw new CheckpointSyncError("FETCH_FAILED", "no checkpoint source: give a Beacon API URL or a state file");
  }
  // the fork schedule does not depend on genesis_validators_root: a placeholder root is enough for fork names
  const forks = new BeaconConfig(opts.config, opts.genesisValidatorsRoot ?? new Uint8Array(32));

  // 1. the state
  let what: string;
  let downloaded: Downloaded;
  if (source.stateFile !== undefined) {
    what = `checkpoint state ${source.stateFile}`;
    downloaded = {bytes: new Uint8Array(await readSource(source.stateFile, what)), version: null};
  } else {
    what = `finalized state from ${base}`;
    logger.info("Downloading the finalized state for checkpoint sync", {url: base});
    downloaded = await httpGetSsz(`${base}/eth/v2/debug/beacon/states/finalized`, timeoutMs);
  }
  let {state, fork} = decodeState(forks, downloaded, what);
  checkStateMatchesNetwork(forks, opts, state, what);

  // 2. its latest block
  const latest = latestBlockRootOf(state);
  let block: SignedBeaconBlockAllForks;
  if (source.blockFile !== undefined) {
    const blockWhat = `checkpoint block ${source.blockFile}`;
    block = decodeBlock(
      forks,
      {bytes: new Uint8Array(await readSource(source.blockFile, blockWhat)), version: null},
      blockWhat,
    );
  } else if (base !== undefined) {
    block = decodeBlock(
      forks,
      await httpGetSsz(`${base}/eth/v2/beacon/blocks/${toHex(latest.root)}`, timeoutMs),
      `block ${toHex(latest.root)} from ${base}`,
    );
  } else if (state.slot === 0) {
    // a genesis state: its block is the empty-body block of the genesis header
    block = genesisBlockOf({state, fork: ForkSeq[fork]} as Parameters<typeof genesisBlockOf>[0]);
  } else {
    throw new CheckpointSyncError(
      "MISSING_BLOCK",
      `the checkpoint state at slot ${state.slot} needs its block ${toHex(latest.root)} (slot ${latest.slot}): ` +
        "give the block file or a Beacon API URL",
    );
  }
  const blockFork = forks.getForkName(block.message.slot);
  const blockRoot = blockRootOfFork(blockFork, block);
  if (!bytesEqual(blockRoot, latest.root)) {
    throw new CheckpointSyncError(
      "BLOCK_MISMATCH",
      `block ${toHex(blockRoot)} (slot ${block.message.slot}) is not the state's latest block header ` +
        `${toHex(latest.root)} (slot ${latest.slot})`,
    );
  }

  // 3. fork choice's anchor is the block's post-state
  if (state.slot !== block.message.slot) {
    if (base === undefined) {
      throw new CheckpointSyncError(
        "STATE_ROOT_MISMATCH",
        `the state at slot ${state.slot} was advanced past its block at slot ${block.message.slot}: give the ` +
          `block's post-state (state root ${toHex(block.message.stateRoot)})`,
      );
    }
    const postWhat = `post-state ${toHex(block.message.stateRoot)} of block ${toHex(blockRoot)} from ${base}`;
    logger.info("The finalized state was advanced past its block: downloading the block's post-state", {
      stateSlot: state.slot,
      blockSlot: block.message.slot,
    });
    ({state, fork} = decodeState(
      forks,
      await httpGetSsz(`${base}/eth/v2/debug/beacon/states/${toHex(block.message.stateRoot)}`, timeoutMs),
      postWhat,
    ));
    checkStateMatchesNetwork(forks, opts, state, postWhat);
  }
  const stateRoot = state.hashTreeRoot();
  if (!bytesEqual(stateRoot, block.message.stateRoot) || state.slot !== block.message.slot) {
    throw new CheckpointSyncError(
      "STATE_ROOT_MISMATCH",
      `block ${toHex(blockRoot)} has state_root ${toHex(block.message.stateRoot)} (slot ${block.message.slot}), ` +
        `the state hashes to ${toHex(stateRoot)} (slot ${state.slot})`,
    );
  }

  // 4. weak subjectivity
  const forkSeq = ForkSeq[fork];
  const stateEpoch = computeEpochAtSlot(state.slot);
  if (opts.wsCheckpoint !== undefined) {
    const why = checkWeakSubjectivityCheckpoint(state, blockRoot, opts.wsCheckpoint);
    if (why !== null) throw new CheckpointSyncError("WS_CHECKPOINT_MISMATCH", why);
  }
  const nowMs = opts.nowMs ?? Date.now();
  const elapsedMs = nowMs - state.genesisTime * 1000;
  const currentSlot = elapsedMs <= 0 ? 0 : Math.floor(elapsedMs / opts.config.SLOT_DURATION_MS);
  const currentEpoch = computeEpochAtSlot(currentSlot);
  if (state.slot > currentSlot + 1) {
    throw new CheckpointSyncError(
      "FUTURE_STATE",
      `the state is at slot ${state.slot} but the current slot is ${currentSlot} (clock or genesis time wrong?)`,
    );
  }
  const wsPeriod = computeWeakSubjectivityPeriod(opts.config, forkSeq, state);
  const withinWsPeriod = isWithinWeakSubjectivityPeriod(currentEpoch, stateEpoch, wsPeriod);
  if (!withinWsPeriod) {
    const message =
      `the checkpoint state is at epoch ${stateEpoch}, older than the weak subjectivity period of ${wsPeriod} ` +
      `epochs before the current epoch ${currentEpoch} (it must be at epoch ${currentEpoch - wsPeriod} or later)`;
    if (!opts.force) {
      throw new CheckpointSyncError("OUTSIDE_WS_PERIOD", `${message}; use a recent state or force it`);
    }
    logger.warn(`Checkpoint sync forced: ${message}`);
  }

  const source_ = source.url ?? source.stateFile ?? "";
  logger.info("Checkpoint verified", {
    source: source_,
    slot: state.slot,
    epoch: anchorCheckpointEpoch(state.slot),
    stateEpoch,
    blockRoot: toHex(blockRoot),
    stateRoot: toHex(stateRoot),
    fork,
    wsPeriod,
  });
  return {
    state,
    fork,
    forkSeq,
    block,
    blockRoot,
    stateRoot,
    checkpoint: {epoch: anchorCheckpointEpoch(state.slot), root: blockRoot},
    wsPeriod,
    currentEpoch,
    withinWsPeriod,
    source: source_,
  };
}

async function readSource(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new CheckpointSyncError("FETCH_FAILED", `cannot read ${what}: ${(e as Error).message}`, {cause: e});
  }
}

/** Genesis validators root, genesis time and fork version of the state against our network. */
function checkStateMatchesNetwork(
  forks: BeaconConfig,
  opts: FetchCheckpointOpts,
  state: BeaconStateAllForks,
  what: string,
): void {
  if (
    opts.genesisValidatorsRoot !== undefined &&
    !bytesEqual(state.genesisValidatorsRoot, opts.genesisValidatorsRoot)
  ) {
    throw new CheckpointSyncError(
      "GENESIS_MISMATCH",
      `${what} has genesis_validators_root ${toHex(state.genesisValidatorsRoot)}, this network's is ` +
        `${toHex(opts.genesisValidatorsRoot)}`,
    );
  }
  if (opts.genesisTime !== undefined && state.genesisTime !== opts.genesisTime) {
    throw new CheckpointSyncError(
      "GENESIS_MISMATCH",
      `${what} has genesis_time ${state.genesisTime}, this network's is ${opts.genesisTime}`,
    );
  }
  const epoch = computeEpochAtSlot(state.slot);
  const expected = forks.getForkInfoAtEpoch(epoch);
  const version = state.fork.currentVersion;
  if (!bytesEqual(version, expected.version)) {
    throw new CheckpointSyncError(
      "FORK_MISMATCH",
      `${what} has fork version ${toHex(version)} at epoch ${epoch}; our config has ${expected.name} ` +
        `(${toHex(expected.version)}) there`,
    );
  }
}

/**
 * Makes a verified checkpoint the (empty) database's anchor: the block and state in the archive, the anchor
 * record and the chain metadata (db.writeAnchor). BeaconChain.fromDb then starts fork choice from it.
 */
export async function writeCheckpointAnchor(db: BeaconDb, anchor: CheckpointAnchor): Promise<void> {
  await db.writeAnchor({state: {fork: anchor.forkSeq, state: anchor.state}, block: anchor.block});
}
