/**
 * Messages between `BlsWorkerPool` and its workers: bytes only, no blst objects. A request's signature sets are
 * packed into one buffer, transferred (not copied) to the worker: cloning thousands of small byte arrays (each
 * signature often a view of a larger network buffer, which structured clone copies whole) cost the main thread
 * more than building the sets.
 */

/** Bytes of one packed signature set: the signer's public key (uncompressed, 96), the signing root (32), the
 * signature (compressed, 96). */
export const WIRE_SET_BYTES = 224;
export const WIRE_PK_OFFSET = 0;
export const WIRE_MSG_OFFSET = 96;
export const WIRE_SIG_OFFSET = 128;

/** Calls packed for a worker: `bytes` holds `WIRE_SET_BYTES` per set, call after call; `lengths` the sets of each. */
export interface WireJobs {
  bytes: Uint8Array;
  lengths: number[];
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
