/** Why a signature was refused (or an input was rejected). */
export type SlashingProtectionErrorCode =
  /** A block at this slot was already signed with a different (or unknown) signing root. */
  | "DOUBLE_BLOCK"
  /** An attestation with this target epoch was already signed with a different (or unknown) message. */
  | "DOUBLE_VOTE"
  /** The new attestation surrounds one already signed (new.source < old.source and old.target < new.target). */
  | "SURROUNDING_VOTE"
  /** The new attestation is surrounded by one already signed (old.source < new.source and new.target < old.target). */
  | "SURROUNDED_VOTE"
  /** source_epoch > target_epoch: never signable. */
  | "SOURCE_EXCEEDS_TARGET"
  /** At or below the low watermark: block slot <= min slot, source < min source, or target <= min target. */
  | "BELOW_LOWER_BOUND"
  /** The interchange document (or a call argument) is malformed. */
  | "INVALID_INPUT"
  /** The interchange document names a different chain (genesis_validators_root) than the one given. */
  | "GENESIS_VALIDATORS_ROOT_MISMATCH"
  /** The interchange document has a format version other than "5". */
  | "UNSUPPORTED_VERSION"
  /** The store was used after close(). */
  | "CLOSED";

/** Codes that mean "signing this would be (or could be) slashable": the signing gate must refuse. */
export const SLASHABLE_CODES: ReadonlySet<SlashingProtectionErrorCode> = new Set([
  "DOUBLE_BLOCK",
  "DOUBLE_VOTE",
  "SURROUNDING_VOTE",
  "SURROUNDED_VOTE",
  "SOURCE_EXCEEDS_TARGET",
  "BELOW_LOWER_BOUND",
]);

export class SlashingProtectionError extends Error {
  readonly code: SlashingProtectionErrorCode;
  /** Structured context: the pubkey, the offending values and the conflicting record if any. */
  readonly details: Record<string, unknown>;

  constructor(code: SlashingProtectionErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(`${code}: ${message}`);
    this.name = "SlashingProtectionError";
    this.code = code;
    this.details = details;
  }
}
