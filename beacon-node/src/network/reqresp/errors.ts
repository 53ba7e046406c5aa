import type {PeerIdStr} from "../types.ts";

/** Why an outgoing request failed. */
export type ReqRespErrorCode =
  /** The request arguments break the protocol's limits (caller bug; nothing was sent). */
  | "INVALID_REQUEST_ARGUMENT"
  /** No stream could be opened (no connection, protocol not supported, dial failed). */
  | "DIAL_FAILED"
  /** No response byte within TTFB_TIMEOUT after the request was sent. */
  | "TTFB_TIMEOUT"
  /** A response chunk took longer than RESP_TIMEOUT. */
  | "RESP_TIMEOUT"
  /** The stream failed (reset, closed while writing). */
  | "STREAM_ERROR"
  /** The peer answered with an error response_chunk (`status` holds its code). */
  | "ERROR_RESPONSE"
  /** Undecodable response (framing, length bounds, SSZ). */
  | "INVALID_RESPONSE"
  /** Context bytes that name no fork of ours, or not the fork of the chunk's slot. */
  | "WRONG_CONTEXT_BYTES"
  /** A response that breaks the method's rules (block outside the range, not chained, not requested, …). */
  | "INVALID_RESPONSE_CONTENT"
  /** A single-chunk method got no chunk. */
  | "EMPTY_RESPONSE"
  /** ReqResp is not started (or stopped). */
  | "NOT_STARTED";

export class ReqRespError extends Error {
  readonly code: ReqRespErrorCode;
  readonly peer: PeerIdStr | undefined;
  readonly method: string | undefined;
  /** ERROR_RESPONSE: the peer's response code (1 InvalidRequest, 2 ServerError, 3 ResourceUnavailable, …). */
  readonly status: number | undefined;

  constructor(
    code: ReqRespErrorCode,
    message: string,
    ctx: {peer?: PeerIdStr; method?: string; status?: number; cause?: unknown} = {},
  ) {
    super(`${code}: ${message}`, ctx.cause === undefined ? undefined : {cause: ctx.cause});
    this.name = "ReqRespError";
    this.code = code;
    this.peer = ctx.peer;
    this.method = ctx.method;
    this.status = ctx.status;
  }
}

/** Thrown while serving a request: answered with this response code and message. */
export class ResponseError extends Error {
  readonly respCode: number;

  constructor(respCode: number, message: string) {
    super(message);
    this.name = "ResponseError";
    this.respCode = respCode;
  }
}
