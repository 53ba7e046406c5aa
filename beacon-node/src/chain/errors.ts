/** Why the chain refused a block (block import pipeline stages, in order). */
export type BlockErrorCode =
  | "ALREADY_KNOWN"
  | "PARENT_UNKNOWN"
  | "FUTURE_SLOT"
  | "WOULD_REVERT_FINALIZED"
  | "NOT_FINALIZED_DESCENDANT"
  | "INVALID_SIGNATURE"
  | "INVALID_STATE_TRANSITION"
  | "EXECUTION_INVALID"
  | "EXECUTION_ENGINE_ERROR"
  | "DATA_UNAVAILABLE"
  | "FORK_CHOICE_REJECTED"
  | "INVALID_BLOCK";

export class BlockError extends Error {
  readonly code: BlockErrorCode;
  readonly slot: number;
  readonly blockRoot: string;

  constructor(code: BlockErrorCode, message: string, ctx: {slot: number; blockRoot: string; cause?: unknown}) {
    super(`${code}: ${message}`, ctx.cause === undefined ? undefined : {cause: ctx.cause});
    this.name = "BlockError";
    this.code = code;
    this.slot = ctx.slot;
    this.blockRoot = ctx.blockRoot;
  }
}

/** Why the chain refused some other input (attestations, block production, start-up). */
export type ChainErrorCode =
  | "INVALID_ATTESTATION"
  | "INVALID_SYNC_COMMITTEE_MESSAGE"
  | "UNKNOWN_BLOCK"
  | "MISSING_STATE"
  | "PRODUCE_FAILED"
  | "EXECUTION_ENGINE_ERROR"
  | "INVALID_ARGUMENT"
  | "INVALID_DATABASE";

export class ChainError extends Error {
  readonly code: ChainErrorCode;

  constructor(code: ChainErrorCode, message: string, opts?: {cause?: unknown}) {
    super(`${code}: ${message}`, opts);
    this.name = "ChainError";
    this.code = code;
  }
}
