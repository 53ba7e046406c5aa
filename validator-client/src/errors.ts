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
  /** The remote signer cannot be reached (down, timeout, 5xx): nothing was signed. */
  | "REMOTE_SIGNER_UNAVAILABLE"
  /** The remote signer refused (412 its slashing protection, 404 unknown key, 400) or answered a bad signature. */
  | "REMOTE_SIGNER_REFUSED";

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
