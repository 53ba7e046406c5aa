/**
 * Error codes of the Engine API (execution-apis src/engine/common.md "Errors"), as JSON-RPC error codes.
 * A const object (no enums under erasableSyntaxOnly).
 */
export const EngineRpcErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  SERVER_ERROR: -32000,
  UNKNOWN_PAYLOAD: -38001,
  INVALID_FORKCHOICE_STATE: -38002,
  INVALID_PAYLOAD_ATTRIBUTES: -38003,
  TOO_LARGE_REQUEST: -38004,
  UNSUPPORTED_FORK: -38005,
  TOO_DEEP_REORG: -38006,
} as const;
export type EngineRpcErrorName = keyof typeof EngineRpcErrorCode;

const rpcNameByCode = new Map<number, EngineRpcErrorName>(
  Object.entries(EngineRpcErrorCode).map(([name, code]) => [code, name as EngineRpcErrorName]),
);

/** The name of a JSON-RPC error code ("UNKNOWN_PAYLOAD" for -38001), or undefined for codes the spec does not list. */
export function engineRpcErrorName(code: number): EngineRpcErrorName | undefined {
  return rpcNameByCode.get(code);
}

export type ExecutionEngineErrorCode =
  /** No response within the method's timeout. */
  | "TIMEOUT"
  /** The caller's AbortSignal fired. */
  | "ABORTED"
  /** HTTP 401/403: the JWT was rejected (wrong secret, clock skew). */
  | "UNAUTHORIZED"
  /** Any other non-2xx HTTP status. */
  | "HTTP_ERROR"
  /** The connection failed (refused, reset, DNS). */
  | "REQUEST_FAILED"
  /** The engine answered with a JSON-RPC error object; see `rpcCode` / `rpcName`. */
  | "RPC_ERROR"
  /** The engine's answer is not valid JSON-RPC or does not match the method's result structure. */
  | "INVALID_RESPONSE"
  /** The method does not exist for this consensus fork (e.g. getBlobs before deneb). */
  | "UNSUPPORTED_FORK"
  /** A caller-side argument is missing or malformed (e.g. no versioned hashes for newPayloadV3). */
  | "INVALID_ARGUMENT";

export class ExecutionEngineError extends Error {
  readonly code: ExecutionEngineErrorCode;
  readonly method: string | undefined;
  readonly httpStatus: number | undefined;
  readonly rpcCode: number | undefined;
  readonly rpcName: EngineRpcErrorName | undefined;
  readonly rpcData: unknown;

  constructor(
    code: ExecutionEngineErrorCode,
    message: string,
    opts: {method?: string; httpStatus?: number; rpcCode?: number; rpcData?: unknown; cause?: unknown} = {},
  ) {
    super(`${opts.method ? `${opts.method}: ` : ""}${message}`, opts.cause === undefined ? {} : {cause: opts.cause});
    this.name = "ExecutionEngineError";
    this.code = code;
    this.method = opts.method;
    this.httpStatus = opts.httpStatus;
    this.rpcCode = opts.rpcCode;
    this.rpcName = opts.rpcCode === undefined ? undefined : engineRpcErrorName(opts.rpcCode);
    this.rpcData = opts.rpcData;
  }
}

export type EngineEncodingErrorCode =
  | "INVALID_HEX"
  | "INVALID_LENGTH"
  | "INVALID_QUANTITY"
  | "QUANTITY_OUT_OF_RANGE"
  | "MISSING_FIELD"
  | "INVALID_FIELD"
  | "INVALID_EXECUTION_REQUESTS";

/** A value does not follow the Engine API encoding (common.md "Encoding") or a structure's field list. */
export class EngineEncodingError extends Error {
  readonly code: EngineEncodingErrorCode;
  /** Where in the structure: "executionPayload.withdrawals[3].amount". */
  readonly path: string;

  constructor(code: EngineEncodingErrorCode, path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = "EngineEncodingError";
    this.code = code;
    this.path = path;
  }
}

export type RlpErrorCode = "TRUNCATED" | "NON_CANONICAL" | "TRAILING_BYTES" | "TOO_DEEP" | "UNEXPECTED_TYPE";

export class RlpError extends Error {
  readonly code: RlpErrorCode;
  constructor(code: RlpErrorCode, message: string) {
    super(message);
    this.name = "RlpError";
    this.code = code;
  }
}

export type JwtErrorCode =
  | "MISSING_TOKEN"
  | "MALFORMED_TOKEN"
  | "UNSUPPORTED_ALGORITHM"
  | "BAD_SIGNATURE"
  | "MISSING_IAT"
  | "STALE_IAT"
  | "INVALID_SECRET";

export class JwtError extends Error {
  readonly code: JwtErrorCode;
  constructor(code: JwtErrorCode, message: string) {
    super(message);
    this.name = "JwtError";
    this.code = code;
  }
}
