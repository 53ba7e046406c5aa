/**
 * The chain's options and their defaults (the CLI maps `--suggested-fee-recipient`, `--state-snapshot-epochs` and
 * `--bls.workers` onto them).
 */
import {availableParallelism} from "node:os";
import type {ChainStateCacheOpts} from "./stateCache.ts";

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
   * The node's default is `defaultBlsWorkers()`.
   */
  blsWorkers?: number;
}

/** The node's default number of BLS worker threads: every core but the main thread's (at least one). */
export function defaultBlsWorkers(): number {
  return Math.max(1, availableParallelism() - 1);
}
