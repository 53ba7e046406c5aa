/** Why data availability refused an input (a sidecar that does not verify, blobs that do not match a block, …). */
export type DaErrorCode =
  /** A sidecar failed verify_*_sidecar, its inclusion proof or its KZG proofs. */
  | "INVALID_SIDECAR"
  /** Blobs / proofs given with a block do not match its commitments or do not verify. */
  | "INVALID_BLOBS"
  /** The input does not exist at the fork of its slot (blob sidecars in fulu, columns before fulu, …). */
  | "WRONG_FORK"
  /** A sidecar contradicts the block it is filed under. */
  | "BLOCK_MISMATCH";

export class DaError extends Error {
  readonly code: DaErrorCode;

  constructor(code: DaErrorCode, message: string, opts?: {cause?: unknown}) {
    super(`${code}: ${message}`, opts);
    this.name = "DaError";
    this.code = code;
  }
}
