/**
 * The req/resp transport (phase0 p2p-interface.md "The Req/Resp domain", "Protocol negotiation", "Encoding
 * strategies" at consensus-specs a08d8a6): one libp2p stream per request, the request written then the write side
 * closed, ssz_snappy chunks read one by one within TTFB / RESP timeouts, MAX_CONCURRENT_REQUESTS per (peer,
 * method); serving reads the request within a timeout, applies the per-peer rate limit and writes the chunks with
 * backpressure. What a request or a response means is not known here: that is the protocol table (types.ts), the
 * handlers (handlers/) and the requester's checks (reqResp.ts, responses.ts).
 */
import type {BeaconConfig} from "@ceibo/config";
import type {Connection, Libp2p, Stream} from "@libp2p/interface";
import {peerIdFromString} from "@libp2p/peer-id";
import type {Logger} from "../../chain/index.ts";
import type {ReqRespMetricsHook} from "../../metrics/hooks.ts";
import {ByteReader} from "../encoding/byteReader.ts";
import {isEncodingError} from "../encoding/errors.ts";
import {
  encodeErrorChunk,
  encodeSszSnappy,
  RespCode,
  readRequest,
  readResponseChunk,
  type SszSizeBounds,
} from "../encoding/sszSnappy.ts";
import type {PeerIdStr, PeerReporter} from "../types.ts";
import {ReqRespError, type ReqRespErrorCode, ResponseError} from "./errors.ts";
import {offeredProtocols, type ProtocolDef, protocolById, type ReqRespMethod} from "./protocols.ts";
import type {RateLimiter} from "./rateLimiter.ts";
import type {RequestCodec} from "./types.ts";

/**
 * Time to first byte of a response after the request was sent, and the time allowed for each response chunk
 * after that. These were TTFB_TIMEOUT and RESP_TIMEOUT in phase0 p2p-interface.md before the spec dropped them
 * from its configuration; clients keep these values.
 */
export const TTFB_TIMEOUT_MS = 5_000;
export const RESP_TIMEOUT_MS = 10_000;
/** phase0 p2p-interface.md MAX_CONCURRENT_REQUESTS: concurrent requests per protocol ID a client may issue. */
export const MAX_CONCURRENT_REQUESTS = 2;

export interface ReqRespTimeouts {
  /** Opening a stream (dial + protocol negotiation). */
  dialTimeoutMs: number;
  /** Requester: the first response byte after the request. */
  ttfbTimeoutMs: number;
  /** Requester: each response chunk; responder: each write that waits for the peer to read. */
  respTimeoutMs: number;
  /** Responder: the whole request, from the stream's opening. */
  requestTimeoutMs: number;
}

/**
 * The code a rate-limited request gets: ResourceUnavailable. (Lighthouse answers 139 "rate limited" from the
 * request-specific range 128-255; any non-zero code is an error to every client.)
 */
export const RATE_LIMITED_RESP_CODE = RespCode.RESOURCE_UNAVAILABLE;

/** Inbound streams per connection and protocol (the spec's MAX_CONCURRENT_REQUESTS, with room for closing ones). */
export const MAX_INBOUND_STREAMS = MAX_CONCURRENT_REQUESTS * 2;
export const MAX_OUTBOUND_STREAMS = MAX_CONCURRENT_REQUESTS * 2;
/** Writes go out in pieces of this size, waiting for the stream to drain in between. */
const WRITE_PIECE_BYTES = 64 * 1024;
/** How long a responder may keep a stream open after we read all we asked for. */
const STREAM_CLOSE_GRACE_MS = 1_000;

export interface RequestSpec<T> {
  method: ReqRespMethod;
  /** The request SSZ for the negotiated protocol version (null: GetMetaData, no request content). */
  request: (def: ProtocolDef) => Uint8Array | null;
  /** Stop reading after this many success chunks. */
  maxChunks: number;
  /** The SSZ bounds of a success chunk (from its context bytes); throws ReqRespError for unknown context. */
  bounds: (def: ProtocolDef, contextBytes: Uint8Array | null) => SszSizeBounds;
  /** Decodes and checks one success chunk; throws ReqRespError for a bad one. */
  decode: (def: ProtocolDef, ssz: Uint8Array, contextBytes: Uint8Array | null) => T;
}

export function boundsOf(type: {minSize: number; maxSize: number}): SszSizeBounds {
  return {minSize: type.minSize, maxSize: type.maxSize};
}

/** Limits concurrent outgoing requests per (peer, method) to MAX_CONCURRENT_REQUESTS; the rest wait in order. */
class ConcurrencyLimiter {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  async acquire(key: string): Promise<void> {
    const n = this.active.get(key) ?? 0;
    if (n < MAX_CONCURRENT_REQUESTS) {
      this.active.set(key, n + 1);
      return;
    }
    await new Promise<void>((resolve) => {
      const queue = this.waiting.get(key) ?? [];
      queue.push(resolve);
      this.waiting.set(key, queue);
    });
  }

  release(key: string): void {
    const queue = this.waiting.get(key);
    const next = queue?.shift();
    if (queue !== undefined && queue.length === 0) this.waiting.delete(key);
    if (next !== undefined) {
      next(); // the slot passes to the next waiter
      return;
    }
    const n = (this.active.get(key) ?? 1) - 1;
    if (n <= 0) this.active.delete(key);
    else this.active.set(key, n);
  }
}

/** Runs `run` with a deadline: on expiry the stream is aborted and the result is a ReqRespError(code). */
async function withDeadline<T>(
  stream: Stream,
  ms: number,
  code: ReqRespErrorCode,
  what: string,
  run: () => Promise<T>,
): Promise<T> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stream.abort(new Error(`${code}: ${what}`));
  }, ms);
  timer.unref();
  try {
    return await run();
  } catch (e) {
    if (timedOut) throw new ReqRespError(code, `${what} took more than ${ms} ms`, {cause: e});
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Ends an outgoing request's stream: aborted at once after a failure; otherwise the responder should close its
 * side now that we read what we wanted, and is given a moment to before the stream is aborted.
 */
function finishStream(stream: Stream, failed: boolean): void {
  if (stream.status !== "open" && stream.status !== "closing") return;
  if (failed) {
    stream.abort(new Error("request failed"));
    return;
  }
  const timer = setTimeout(() => {
    if (stream.status === "open" || stream.status === "closing")
      stream.abort(new Error("responder kept the stream open"));
  }, STREAM_CLOSE_GRACE_MS);
  timer.unref();
}

/** Sends bytes in pieces, waiting (at most `timeoutMs` each time) for the stream to drain when it asks to. */
async function sendAll(stream: Stream, bytes: Uint8Array, timeoutMs: number): Promise<void> {
  for (let offset = 0; offset < bytes.length; offset += WRITE_PIECE_BYTES) {
    const piece = bytes.subarray(offset, Math.min(offset + WRITE_PIECE_BYTES, bytes.length));
    if (!stream.send(piece)) await stream.onDrain({signal: AbortSignal.timeout(timeoutMs)});
  }
}

/** What serving one incoming request needs from the protocol's handler. */
export interface IncomingHandler {
  /** The request's SSZ type (null: the method sends no request content). */
  requestType: (() => RequestCodec<unknown>) | null;
  /** The rate-limit units the decoded request costs. */
  cost: (request: unknown) => number;
  /** The encoded response chunks of a valid request (a ResponseError thrown becomes the error chunk). */
  respond: (request: unknown) => AsyncIterable<Uint8Array>;
}

export interface TransportModules {
  libp2p: Pick<Libp2p, "dialProtocol">;
  config: BeaconConfig;
  logger: Logger;
  reporter: PeerReporter;
  timeouts: ReqRespTimeouts;
  rateLimiter: RateLimiter;
  /** Request counts and durations (`--metrics`). */
  metricsHook?: ReqRespMetricsHook | null;
}

/** Streams of outgoing and incoming requests: framing, timeouts, concurrency and rate limits, peer reporting. */
export class ReqRespTransport {
  private readonly libp2p: TransportModules["libp2p"];
  private readonly config: BeaconConfig;
  private readonly logger: Logger;
  private readonly reporter: PeerReporter;
  private readonly timeouts: ReqRespTimeouts;
  private readonly rateLimiter: RateLimiter;
  private readonly concurrency = new ConcurrencyLimiter();
  /** Requests fail with NOT_STARTED while false. */
  started = false;
  /** Request counts and durations (`--metrics`: modules.metricsHook). */
  readonly metricsHook: ReqRespMetricsHook | null;

  constructor(modules: TransportModules) {
    this.libp2p = modules.libp2p;
    this.metricsHook = modules.metricsHook ?? null;
    this.config = modules.config;
    this.logger = modules.logger;
    this.reporter = modules.reporter;
    this.timeouts = modules.timeouts;
    this.rateLimiter = modules.rateLimiter;
  }

  /**
   * One request: opens a stream offering the method's protocol versions, writes the request and closes the
   * write side, then reads success chunks (TTFB_TIMEOUT for the first byte, RESP_TIMEOUT per chunk) until the
   * peer closes or `maxChunks` were read. An error chunk ends it with ERROR_RESPONSE. Bad responses are
   * reported (lowTolerance), timeouts too (midTolerance).
   */
  async request<T>(peer: PeerIdStr, spec: RequestSpec<T>): Promise<T[]> {
    if (!this.started) throw new ReqRespError("NOT_STARTED", "req/resp is not running", {peer, method: spec.method});
    const key = `${peer}|${spec.method}`;
    const t0 = Date.now();
    await this.concurrency.acquire(key);
    let stream: Stream | null = null;
    let failed = false;
    let outcome = "ok";
    const items: T[] = [];
    try {
      try {
        stream = await this.libp2p.dialProtocol(peerIdFromString(peer), offeredProtocols(spec.method, this.config), {
          signal: AbortSignal.timeout(this.timeouts.dialTimeoutMs),
        });
      } catch (e) {
        throw new ReqRespError("DIAL_FAILED", (e as Error).message, {peer, method: spec.method, cause: e});
      }
      const s = stream;
      const def = protocolById(s.protocol);
      if (def === undefined) {
        throw new ReqRespError("DIAL_FAILED", `negotiated unknown protocol ${s.protocol}`, {peer, method: spec.method});
      }
      try {
        const request = spec.request(def);
        if (request !== null) {
          await withDeadline(s, this.timeouts.respTimeoutMs, "RESP_TIMEOUT", "writing the request", () =>
            sendAll(s, encodeSszSnappy(request), this.timeouts.respTimeoutMs),
          );
        }
        await withDeadline(s, this.timeouts.respTimeoutMs, "RESP_TIMEOUT", "closing the write side", () => s.close());
      } catch (e) {
        if (e instanceof ReqRespError) throw e;
        throw new ReqRespError("STREAM_ERROR", `writing the request: ${(e as Error).message}`, {
          peer,
          method: spec.method,
          cause: e,
        });
      }

      const reader = new ByteReader(s);
      try {
        const hasData = await withDeadline(s, this.timeouts.ttfbTimeoutMs, "TTFB_TIMEOUT", "first response byte", () =>
          reader.waitForData(),
        );
        while (hasData && items.length < spec.maxChunks) {
          const chunk = await withDeadline(s, this.timeouts.respTimeoutMs, "RESP_TIMEOUT", "response chunk", () =>
            readResponseChunk(reader, {
              contextBytes: def.contextBytes,
              boundsFor: (context) => spec.bounds(def, context),
              maxPayloadSize: this.config.chain.MAX_PAYLOAD_SIZE,
            }),
          );
          if (chunk === null) break;
          if ("errorMessage" in chunk) {
            throw new ReqRespError("ERROR_RESPONSE", `code ${chunk.result}: ${chunk.errorMessage}`, {
              peer,
              method: spec.method,
              status: chunk.result,
            });
          }
          items.push(this.decodeChunk(peer, spec, def, chunk.ssz, chunk.contextBytes));
        }
      } catch (e) {
        if (e instanceof ReqRespError) throw e;
        if (isEncodingError(e)) {
          throw new ReqRespError("INVALID_RESPONSE", e.message, {peer, method: spec.method, cause: e});
        }
        throw new ReqRespError("STREAM_ERROR", `reading the response: ${(e as Error).message}`, {
          peer,
          method: spec.method,
          cause: e,
        });
      } finally {
        await reader.release();
      }
      this.logger.debug("Req/resp request", {method: spec.method, peer, count: items.length, ms: Date.now() - t0});
      return items;
    } catch (e) {
      failed = true;
      outcome = e instanceof ReqRespError ? e.code : "error";
      this.onRequestError(peer, spec.method, e as Error, Date.now() - t0);
      throw e;
    } finally {
      if (stream !== null) finishStream(stream, failed);
      this.concurrency.release(key);
      this.metricsHook?.outgoingRequest(spec.method, outcome, (Date.now() - t0) / 1000);
    }
  }

  /** spec.decode, with any SSZ decoding failure turned into INVALID_RESPONSE. */
  private decodeChunk<T>(
    peer: PeerIdStr,
    spec: RequestSpec<T>,
    def: ProtocolDef,
    bytes: Uint8Array,
    context: Uint8Array | null,
  ): T {
    try {
      return spec.decode(def, bytes, context);
    } catch (e) {
      if (e instanceof ReqRespError) throw e;
      throw new ReqRespError("INVALID_RESPONSE", `undecodable ${def.method} chunk: ${(e as Error).message}`, {
        peer,
        method: spec.method,
        cause: e,
      });
    }
  }

  private onRequestError(peer: PeerIdStr, method: ReqRespMethod, e: Error, ms: number): void {
    const code = e instanceof ReqRespError ? e.code : undefined;
    switch (code) {
      case "INVALID_RESPONSE":
      case "WRONG_CONTEXT_BYTES":
      case "INVALID_RESPONSE_CONTENT":
        this.logger.warn("Req/resp protocol violation by peer", {method, peer, error: e.message});
        this.reporter.reportPeer(peer, "lowTolerance", `${method}: ${code}`);
        break;
      case "TTFB_TIMEOUT":
      case "RESP_TIMEOUT":
        this.logger.debug("Req/resp request timed out", {method, peer, error: e.message, ms});
        this.reporter.reportPeer(peer, "midTolerance", `${method}: ${code}`);
        break;
      default:
        this.logger.debug("Req/resp request failed", {method, peer, error: e.message, ms});
    }
  }

  /**
   * Serves one incoming stream of `def`: reads the request (within the request timeout; a malformed one gets
   * InvalidRequest and a lowTolerance report), applies the rate limit, writes the handler's chunks (an error
   * chunk for a ResponseError, ServerError for anything else) and closes the stream.
   */
  async serve(def: ProtocolDef, stream: Stream, connection: Connection, handler: IncomingHandler): Promise<void> {
    const peer = connection.remotePeer.toString();
    const t0 = Date.now();
    const reader = new ByteReader(stream);
    let sent = 0;
    let outcome = "error";
    const write = async (bytes: Uint8Array): Promise<void> => {
      await sendAll(stream, bytes, this.timeouts.respTimeoutMs);
    };
    try {
      let request: unknown = null;
      if (handler.requestType !== null) {
        try {
          request = await withDeadline(
            stream,
            this.timeouts.requestTimeoutMs,
            "TTFB_TIMEOUT",
            "reading the request",
            () => this.readRequest(def, reader, handler.requestType as () => RequestCodec<unknown>),
          );
        } catch (e) {
          if (!isEncodingError(e) && !(e instanceof ResponseError)) {
            // timeout, or the requester reset the stream: nothing to answer
            this.logger.debug("Req/resp request not received", {method: def.method, peer, error: (e as Error).message});
            return;
          }
          const message = (e as Error).message;
          if ((e as {code?: string}).code === "UNEXPECTED_EOF" && connection.status !== "open") {
            // the connection is going away (a Goodbye race, a disconnect): not the peer's fault
            this.logger.debug("Req/resp request cut by a closing connection", {method: def.method, peer});
            return;
          }
          this.logger.warn("Req/resp invalid request", {method: def.method, peer, error: message});
          this.reporter.reportPeer(peer, "lowTolerance", `${def.method}: invalid request`);
          await write(encodeErrorChunk(RespCode.INVALID_REQUEST, message));
          return;
        }
      }
      const cost = handler.cost(request);
      if (!this.rateLimiter.allow(peer, def.method, cost)) {
        this.logger.debug("Req/resp rate limited", {method: def.method, peer, cost});
        this.reporter.reportPeer(peer, "highTolerance", "rate limit");
        await write(encodeErrorChunk(RATE_LIMITED_RESP_CODE, "rate limited"));
        return;
      }
      try {
        for await (const chunk of handler.respond(request)) {
          await write(chunk);
          sent++;
        }
        outcome = "ok";
      } catch (e) {
        if (e instanceof ResponseError) {
          await write(encodeErrorChunk(e.respCode, e.message));
        } else {
          this.logger.warn("Req/resp server error", {method: def.method, peer, error: (e as Error).message});
          await write(encodeErrorChunk(RespCode.SERVER_ERROR, "internal error"));
        }
      }
      this.logger.debug("Req/resp served", {method: def.method, peer, count: sent, ms: Date.now() - t0});
    } catch (e) {
      this.logger.debug("Req/resp response not delivered", {method: def.method, peer, error: (e as Error).message});
      if (stream.status === "open") stream.abort(e as Error);
    } finally {
      this.metricsHook?.incomingRequest(def.method, outcome, (Date.now() - t0) / 1000);
      await reader.release();
      if (stream.status === "open") {
        try {
          await stream.close({signal: AbortSignal.timeout(this.timeouts.respTimeoutMs)});
        } catch (e) {
          stream.abort(e as Error);
        }
      }
    }
  }

  /** The request of `def` from the stream (until EOF), decoded; throws for malformed input. */
  private async readRequest(
    def: ProtocolDef,
    reader: ByteReader,
    requestType: () => RequestCodec<unknown>,
  ): Promise<unknown> {
    const type = requestType();
    const bytes = await readRequest(reader, boundsOf(type), this.config.chain.MAX_PAYLOAD_SIZE);
    try {
      return type.deserialize(bytes);
    } catch (e) {
      throw new ResponseError(RespCode.INVALID_REQUEST, `undecodable ${def.method} request: ${(e as Error).message}`);
    }
  }
}
