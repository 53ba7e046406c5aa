/**
 * JSON-RPC 2.0 over HTTP with fetch, for the authenticated Engine API port: a fresh JWT per request (iat = now),
 * a timeout per call, and every failure mapped to an ExecutionEngineError with a code.
 */
import {ExecutionEngineError} from "./errors.ts";
import {createJwt, type JwtClaims} from "./jwt.ts";

export interface JsonRpcHttpClientOpts {
  url: string;
  /** 32-byte JWT secret; no Authorization header when absent (an unauthenticated endpoint). */
  jwtSecret?: Uint8Array;
  /** Optional `id` / `clv` JWT claims. */
  jwtClaims?: Omit<JwtClaims, "iat">;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
}

interface RpcResponse {
  jsonrpc?: unknown;
  id?: unknown;
  result?: unknown;
  error?: {code?: unknown; message?: unknown; data?: unknown};
}

export class JsonRpcHttpClient {
  readonly url: string;
  private readonly opts: JsonRpcHttpClientOpts;
  private nextId = 1;

  constructor(opts: JsonRpcHttpClientOpts) {
    try {
      new URL(opts.url);
    } catch {
      throw new ExecutionEngineError("INVALID_ARGUMENT", `not a URL: ${opts.url}`);
    }
    this.url = opts.url;
    this.opts = opts;
  }

  /** Calls `method` and resolves to its `result`; throws ExecutionEngineError on any failure. */
  async request(method: string, params: unknown[], timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
    const id = this.nextId++;
    const headers: Record<string, string> = {"content-type": "application/json", ...this.opts.headers};
    if (this.opts.jwtSecret !== undefined) {
      headers.authorization = `Bearer ${createJwt(this.opts.jwtSecret, this.opts.jwtClaims)}`;
    }
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal === undefined ? timeout : AbortSignal.any([timeout, signal]);
    let res: Response;
    let text: string;
    const payload = JSON.stringify({jsonrpc: "2.0", id, method, params});
    try {
      try {
        res = await fetch(this.url, {method: "POST", headers, body: payload, signal: combined});
        text = await res.text();
      } catch (e) {
        // a kept-alive connection the server closed just as we reused it (its keep-alive timeout racing ours, more
        // likely on a loaded machine): the request never reached the server, or Engine API calls are idempotent,
        // so it is sent once more on a new connection
        if (combined.aborted || !isConnectionReset(e)) throw e;
        res = await fetch(this.url, {method: "POST", headers, body: payload, signal: combined});
        text = await res.text();
      }
    } catch (e) {
      if (timeout.aborted) {
        throw new ExecutionEngineError("TIMEOUT", `no response within ${timeoutMs} ms`, {method, cause: e});
      }
      if (signal?.aborted) throw new ExecutionEngineError("ABORTED", "aborted", {method, cause: e});
      const cause = (e as {cause?: {code?: string; message?: string}}).cause;
      const why = cause?.code ?? cause?.message ?? (e as Error).message;
      throw new ExecutionEngineError("REQUEST_FAILED", `request to ${this.url} failed: ${why}`, {method, cause: e});
    }
    if (res.status === 401 || res.status === 403) {
      throw new ExecutionEngineError("UNAUTHORIZED", `HTTP ${res.status}: JWT rejected (${text.slice(0, 200)})`, {
        method,
        httpStatus: res.status,
      });
    }
    let body: RpcResponse;
    try {
      body = JSON.parse(text) as RpcResponse;
    } catch {
      if (!res.ok) {
        throw new ExecutionEngineError("HTTP_ERROR", `HTTP ${res.status}: ${text.slice(0, 200)}`, {
          method,
          httpStatus: res.status,
        });
      }
      throw new ExecutionEngineError("INVALID_RESPONSE", `response is not JSON: ${text.slice(0, 200)}`, {method});
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new ExecutionEngineError("INVALID_RESPONSE", "response is not a JSON-RPC object", {method});
    }
    if (body.error !== undefined && body.error !== null) {
      const code = typeof body.error.code === "number" ? body.error.code : undefined;
      const message = typeof body.error.message === "string" ? body.error.message : JSON.stringify(body.error);
      throw new ExecutionEngineError("RPC_ERROR", `error ${code ?? "?"}: ${message}`, {
        method,
        rpcCode: code,
        rpcData: body.error.data,
        httpStatus: res.status,
      });
    }
    if (!res.ok) {
      throw new ExecutionEngineError("HTTP_ERROR", `HTTP ${res.status}: ${text.slice(0, 200)}`, {
        method,
        httpStatus: res.status,
      });
    }
    if (body.id !== id) {
      throw new ExecutionEngineError("INVALID_RESPONSE", `response id ${JSON.stringify(body.id)} is not ${id}`, {
        method,
      });
    }
    if (!("result" in body)) throw new ExecutionEngineError("INVALID_RESPONSE", "response has no result", {method});
    return body.result;
  }
}

/** ECONNRESET / "other side closed" on a connection (not a refused one, not a timeout). */
function isConnectionReset(e: unknown): boolean {
  const cause = (e as {cause?: {code?: string}}).cause;
  return cause?.code === "ECONNRESET" || cause?.code === "UND_ERR_SOCKET" || cause?.code === "EPIPE";
}
