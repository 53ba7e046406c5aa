/** What went wrong in the database layer. Every error the db throws is a DbError with one of these codes. */
export type DbErrorCode =
  /** Another process (or this one) has the LevelDB directory open. */
  | "LOCKED"
  /** LevelDB could not open the directory for another reason (permissions, corruption, …). */
  | "OPEN_FAILED"
  /** The database was written by a newer ceibo with a schema this version does not understand. */
  | "SCHEMA_TOO_NEW"
  /** The database has an older schema and no migration exists for it. */
  | "SCHEMA_TOO_OLD"
  /** The directory holds keys but no ceibo schema record: not a ceibo chain database. */
  | "SCHEMA_MISSING"
  /** The database belongs to another network than the one asked for. */
  | "NETWORK_MISMATCH"
  /** An operation on a closed database. */
  | "CLOSED"
  /** A caller passed a value the db refuses to store (wrong fork, empty list, root mismatch, …). */
  | "INVALID_ARGUMENT"
  /** A stored value cannot be decoded (unknown fork byte, truncated bytes, SSZ error). */
  | "CORRUPT_VALUE"
  /** archiveFinalized / writeAnchor needs a block the db does not have. */
  | "MISSING_BLOCK"
  /** archiveFinalized / writeAnchor needs a state the db does not have. */
  | "MISSING_STATE"
  /** An anchor state and block that do not belong together. */
  | "ANCHOR_MISMATCH"
  /** A LevelDB read or write failed. */
  | "IO_ERROR";

export class DbError extends Error {
  readonly code: DbErrorCode;

  constructor(code: DbErrorCode, message: string, opts?: {cause?: unknown}) {
    super(message, opts);
    this.name = "DbError";
    this.code = code;
  }
}

export function isDbError(e: unknown, code?: DbErrorCode): e is DbError {
  return e instanceof DbError && (code === undefined || e.code === code);
}
