/**
 * Messages between `BlsWorkerPool` and its workers: bytes only, no blst objects. A request's signature sets are
 * packed into one buffer, transferred (not copied) to the worker: cloning thousands of small byte arrays (each
 * signature often a view of a larger network buffer, which structured clone copies whole) cost the main thread
 * more than building the sets.
 */

/**
 * One packed signature set: the signing root (32 bytes), the signature (compressed, 96), then the set's public keys
 * (uncompressed, 96 each: one for a single set, each key of an aggregate set, which the worker adds up).
 */
export const WIRE_MSG_OFFSET = 0;
export const WIRE_SIG_OFFSET = 32;
export const WIRE_KEYS_OFFSET = 128;
/**
 * The same 96 as state-transition's `KEY_POINT_BYTES`, kept here on purpose: the worker imports this file and must
 * not load the state-transition package (its types and caches) to learn a constant.
 */
export const WIRE_KEY_BYTES = 96;

/** Bytes of a packed set with `keys` public keys. */
export function wireSetBytes(keys: number): number {
  return WIRE_KEYS_OFFSET + keys * WIRE_KEY_BYTES;
}

/**
 * Calls packed for a worker: `bytes` holds the packed sets, call after call; `lengths` the sets of each call, and
 * `keys` the public keys of each set (set after set, over all calls).
 */
export interface WireJobs {
  bytes: Uint8Array;
  lengths: number[];
  keys: number[];
}

export interface WorkerRequest {
  id: number;
  /**
   * Instead of signatures: compressed public keys to decompress and check (subgroup, not infinity); the answer's
   * `pubkeys` holds each one's uncompressed serialization, or null when it is not a valid key.
   */
  pubkeys?: Uint8Array[];
  /** Each job is a list of sets that must all verify; the answer is one boolean per job. */
  jobs: WireJobs;
  /** Combine sets that sign the same message before the multi-pairing. */
  sameMessage: boolean;
}

export interface WorkerResponse {
  id: number;
  results: boolean[];
  /** The batch failed as a whole and its jobs were verified one by one. */
  retried: boolean;
  /** Sets folded into another set of the same message before the pairing (n same-message sets count n - 1). */
  combined: number;
  /** Time spent in the worker. */
  ms: number;
  error?: string;
  pubkeys?: (Uint8Array | null)[];
}
