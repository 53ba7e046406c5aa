/**
 * Why fork choice refused an input. Every handler either applies its input completely or throws a
 * ForkChoiceError and leaves the store untouched (phase0 fork-choice.md: "Invalid calls to handlers must not
 * modify store").
 */
export type ForkChoiceErrorCode =
  // on_block
  | "UNKNOWN_PARENT"
  | "FUTURE_SLOT"
  | "NOT_AFTER_FINALIZED_SLOT"
  | "NOT_FINALIZED_DESCENDANT"
  | "DATA_UNAVAILABLE"
  | "POST_STATE_MISMATCH"
  | "EXECUTION_INVALID"
  | "PARENT_EXECUTION_INVALID"
  | "INVALID_MERGE_BLOCK"
  // on_attestation
  | "BAD_TARGET_EPOCH"
  | "TARGET_EPOCH_SLOT_MISMATCH"
  | "UNKNOWN_TARGET_ROOT"
  | "UNKNOWN_HEAD_BLOCK"
  | "ATTESTS_TO_FUTURE_BLOCK"
  | "INCONSISTENT_TARGET"
  | "FUTURE_ATTESTATION"
  | "INVALID_INDEXED_ATTESTATION"
  // on_attester_slashing
  | "NOT_SLASHABLE"
  | "INVALID_ATTESTER_SLASHING"
  // on_tick
  | "INVALID_TIME"
  // store / proto-array consistency
  | "UNKNOWN_BLOCK"
  | "MISSING_STATE"
  | "INVALID_ANCHOR"
  | "INVALID_JUSTIFIED_NODE"
  | "INVALID_NODE";

export class ForkChoiceError extends Error {
  readonly code: ForkChoiceErrorCode;

  constructor(code: ForkChoiceErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = "ForkChoiceError";
    this.code = code;
  }
}
