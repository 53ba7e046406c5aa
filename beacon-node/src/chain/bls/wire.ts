/** Messages between `BlsWorkerPool` and its workers (structured clone; bytes only, no blst objects). */

/** One signature set: the signer's public key (uncompressed, 96 bytes), the signing root, the signature (96). */
export interface WireSet {
  pk: Uint8Array;
  msg: Uint8Array;
  sig: Uint8Array;
}

export interface WorkerRequest {
  id: number;
  /**
   * Instead of signatures: compressed public keys to decompress and check (subgroup, not infinity); the answer's
   * `pubkeys` holds each one's uncompressed serialization, or null when it is not a valid key.
   */
  pubkeys?: Uint8Array[];
  /** Each job is a list of sets that must all verify; the answer is one boolean per job. */
  jobs: WireSet[][];
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
