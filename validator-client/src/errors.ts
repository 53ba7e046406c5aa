/** Why the validator client refused or stopped. */
export type ValidatorClientErrorCode =
  /** Slashing protection refused a block or attestation (see `cause`, a SlashingProtectionError). */
  | "SLASHING_PROTECTION"
  /** A signing request for a key this client does not hold. */
  | "UNKNOWN_PUBKEY"
  /** A message that is inconsistent with itself (e.g. attestation target epoch ≠ epoch of its slot). */
  | "INVALID_SIGNING_REQUEST"
  /** Doppelganger protection saw one of our keys live elsewhere. */
  | "DOPPELGANGER_DETECTED"
  /** No beacon node answered (all down, or all syncing). */
  | "NO_BEACON_NODE"
  /** The beacon node's chain does not match this process (preset, fork schedule). */
  | "CHAIN_MISMATCH"
  /** A remote signer is configured but not implemented yet. */
  | "REMOTE_SIGNER_UNAVAILABLE";

export class ValidatorClientError extends Error {
  readonly code: ValidatorClientErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ValidatorClientErrorCode, message: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super(message, cause !== undefined ? {cause} : undefined);
    this.name = "ValidatorClientError";
    this.code = code;
    this.details = details;
  }
}
