/** Server side: what a route handler throws to answer with a given HTTP status ({code, message} body). */
export type ApiErrorCode =
  | "BAD_REQUEST"
  | "NOT_FOUND"
  | "NOT_ACCEPTABLE"
  | "URI_TOO_LONG"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "INTERNAL_ERROR"
  | "NOT_IMPLEMENTED"
  | "SERVICE_UNAVAILABLE";

const CODE_BY_STATUS: Record<number, ApiErrorCode> = {
  400: "BAD_REQUEST",
  404: "NOT_FOUND",
  406: "NOT_ACCEPTABLE",
  414: "URI_TOO_LONG",
  415: "UNSUPPORTED_MEDIA_TYPE",
  500: "INTERNAL_ERROR",
  501: "NOT_IMPLEMENTED",
  503: "SERVICE_UNAVAILABLE",
};

/** One failed item of a list submission (the spec's IndexedErrorMessage). */
export interface IndexedFailure {
  index: number;
  message: string;
}

/**
 * An error with an HTTP status. Handlers throw `new ApiError(404, "State not found")`; the server answers
 * `{code: 404, message}` (plus `failures` for list submissions). Anything else a handler throws is a 500.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly failures?: IndexedFailure[];

  constructor(status: number, message: string, failures?: IndexedFailure[]) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = CODE_BY_STATUS[status] ?? (status >= 500 ? "INTERNAL_ERROR" : "BAD_REQUEST");
    if (failures !== undefined) this.failures = failures;
  }

  static badRequest(message: string): ApiError {
    return new ApiError(400, message);
  }

  static notFound(message: string): ApiError {
    return new ApiError(404, message);
  }

  static notImplemented(message: string): ApiError {
    return new ApiError(501, message);
  }

  static syncing(message = "Beacon node is currently syncing"): ApiError {
    return new ApiError(503, message);
  }

  /** A 400 for a list submission in which some items failed (IndexedErrorMessage). */
  static indexed(message: string, failures: IndexedFailure[]): ApiError {
    return new ApiError(400, message, failures);
  }
}

/** Client side: why a call failed. */
export type ApiClientErrorCode =
  /** The server answered with an error status (see `status`, `serverMessage`, `failures`). */
  | "HTTP_ERROR"
  /** No answer within the timeout. */
  | "TIMEOUT"
  /** The caller's AbortSignal fired. */
  | "ABORTED"
  /** Connection refused, reset, DNS, ... */
  | "NETWORK_ERROR"
  /** The server answered 2xx with a body that does not decode as the route's response. */
  | "INVALID_RESPONSE"
  /** The arguments could not be encoded (e.g. a value of the wrong fork). */
  | "INVALID_ARGUMENT";

export class ApiClientError extends Error {
  readonly code: ApiClientErrorCode;
  readonly operationId: string;
  readonly status?: number;
  readonly serverMessage?: string;
  readonly failures?: IndexedFailure[];

  constructor(
    code: ApiClientErrorCode,
    operationId: string,
    message: string,
    extra: {status?: number; serverMessage?: string; failures?: IndexedFailure[]; cause?: unknown} = {},
  ) {
    super(`${operationId}: ${message}`, extra.cause !== undefined ? {cause: extra.cause} : undefined);
    this.name = "ApiClientError";
    this.code = code;
    this.operationId = operationId;
    if (extra.status !== undefined) this.status = extra.status;
    if (extra.serverMessage !== undefined) this.serverMessage = extra.serverMessage;
    if (extra.failures !== undefined) this.failures = extra.failures;
  }
}

/** A value that failed to decode; `path` points into the input (`data[3].message.slot`). Becomes a 400. */
export class DecodeError extends Error {
  readonly path: string;
  readonly reason: string;

  constructor(path: string, reason: string) {
    super(path === "" ? reason : `${path}: ${reason}`);
    this.name = "DecodeError";
    this.path = path;
    this.reason = reason;
  }
}
