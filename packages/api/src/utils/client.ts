import {encodeArgs} from "./args.ts";
import {ACCEPT_SSZ, isSszContentType, JSON_TYPE, SSZ_TYPE} from "./contentType.ts";
import {ApiClientError, type IndexedFailure} from "./errors.ts";
import type {
  AnyRoute,
  Format,
  RawResponse,
  RouteArgs,
  RouteDef,
  RouteEvent,
  RouteRes,
  RouteTable,
  SseRouteDef,
} from "./route.ts";
import {SseParser} from "./sse.ts";

export interface ClientOptions {
  /** `http://127.0.0.1:5052` */
  baseUrl: string;
  /** Per-call timeout (whole response). Default 30 s. */
  timeoutMs?: number;
  /** Ask for SSZ where a route can answer it. Default "json". */
  responseFormat?: Format;
  /** Send SSZ bodies where a route accepts them. Default "json". */
  requestFormat?: Format;
  /** Extra headers on every request (e.g. Authorization). */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  responseFormat?: Format;
  requestFormat?: Format;
}

export interface StreamArgs<Ev> {
  /** Abort to close the stream; the call then resolves. */
  signal: AbortSignal;
  onEvent: (event: Ev) => void;
  /** An event that could not be decoded; default: close the stream and reject with INVALID_RESPONSE. */
  onError?: (error: ApiClientError) => void;
}

// biome-ignore lint/complexity/noBannedTypes: `{}` is exactly "a route without arguments"
type NoArgs = {};
export type ClientMethod<R> = R extends SseRouteDef
  ? (args: RouteArgs<R> & StreamArgs<RouteEvent<R>>, opts?: CallOptions) => Promise<void>
  : NoArgs extends RouteArgs<R>
    ? (args?: RouteArgs<R>, opts?: CallOptions) => Promise<RouteRes<R>>
    : (args: RouteArgs<R>, opts?: CallOptions) => Promise<RouteRes<R>>;

/** A typed client for a route table: `client.getStateValidators({stateId: "head"})`. */
export type Client<R extends RouteTable> = {[K in keyof R]: ClientMethod<R[K]>};

const DEFAULT_TIMEOUT_MS = 30_000;

export function createClient<R extends RouteTable>(routes: R, opts: ClientOptions): Client<R> {
  const base = opts.baseUrl.replace(/\/+$/, "");
  const fetchFn = opts.fetch ?? fetch;
  const client: Record<string, unknown> = {};
  for (const [id, def] of Object.entries(routes) as [string, AnyRoute][]) {
    client[id] =
      "sse" in def
        ? (args: Record<string, unknown>, callOpts: CallOptions = {}) =>
            stream(id, def, args, callOpts, base, opts, fetchFn)
        : (args: Record<string, unknown> = {}, callOpts: CallOptions = {}) =>
            call(id, def, args, callOpts, base, opts, fetchFn);
  }
  return client as Client<R>;
}

function buildUrl(base: string, template: string, path: Record<string, string>, query: [string, string][]): string {
  const p = template.replace(/\{([a-z_]+)\}/g, (_, name: string) => encodeURIComponent(path[name] ?? ""));
  const qs = new URLSearchParams(query).toString();
  return `${base}${p}${qs === "" ? "" : `?${qs}`}`;
}

async function call(
  id: string,
  def: RouteDef,
  args: Record<string, unknown>,
  callOpts: CallOptions,
  base: string,
  opts: ClientOptions,
  fetchFn: typeof fetch,
): Promise<unknown> {
  let encoded: ReturnType<typeof encodeArgs>;
  try {
    encoded = encodeArgs(def.args, args, callOpts.requestFormat ?? opts.requestFormat ?? "json");
  } catch (e) {
    throw new ApiClientError("INVALID_ARGUMENT", id, (e as Error).message, {cause: e});
  }
  const url = buildUrl(base, def.url, encoded.path, encoded.query);
  const wantSsz = (callOpts.responseFormat ?? opts.responseFormat ?? "json") === "ssz" && def.resp.ssz;
  const headers: Record<string, string> = {
    ...opts.headers,
    ...encoded.headers,
    Accept: wantSsz ? ACCEPT_SSZ : JSON_TYPE,
  };
  let body: string | Uint8Array | undefined;
  if (encoded.body !== undefined) {
    if ("ssz" in encoded.body) {
      headers["Content-Type"] = SSZ_TYPE;
      body = encoded.body.ssz;
    } else {
      headers["Content-Type"] = JSON_TYPE;
      body = JSON.stringify(encoded.body.json);
    }
  }
  const timeoutSignal = AbortSignal.timeout(callOpts.timeoutMs ?? opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signal = callOpts.signal ? AbortSignal.any([timeoutSignal, callOpts.signal]) : timeoutSignal;
  let res: Response;
  let bytes: Uint8Array;
  try {
    res = await fetchFn(url, {method: def.method, headers, body: body as RequestInit["body"], signal});
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    throw transportError(id, e, callOpts.signal, timeoutSignal);
  }
  if (!def.resp.isOk(res.status, args)) throw httpError(id, res, bytes);
  const raw: RawResponse = {status: res.status, header: (n) => res.headers.get(n) ?? undefined};
  try {
    if (isSszContentType(res.headers.get("content-type") ?? undefined)) raw.ssz = bytes;
    else if (bytes.length > 0) raw.json = JSON.parse(new TextDecoder().decode(bytes));
    return def.resp.decode(raw);
  } catch (e) {
    throw new ApiClientError("INVALID_RESPONSE", id, `invalid response: ${(e as Error).message}`, {
      status: res.status,
      cause: e,
    });
  }
}

function transportError(id: string, e: unknown, user: AbortSignal | undefined, timeout: AbortSignal): ApiClientError {
  if (user?.aborted) return new ApiClientError("ABORTED", id, "aborted", {cause: e});
  if (timeout.aborted) return new ApiClientError("TIMEOUT", id, "timed out", {cause: e});
  const cause = (e as {cause?: {message?: string}}).cause;
  const detail = cause?.message ?? (e as Error).message;
  return new ApiClientError("NETWORK_ERROR", id, `request failed: ${detail}`, {cause: e});
}

function httpError(id: string, res: Response, bytes: Uint8Array): ApiClientError {
  let serverMessage: string | undefined;
  let failures: IndexedFailure[] | undefined;
  try {
    const json = JSON.parse(new TextDecoder().decode(bytes)) as {message?: unknown; failures?: unknown};
    if (typeof json.message === "string") serverMessage = json.message;
    if (Array.isArray(json.failures)) failures = json.failures as IndexedFailure[];
  } catch {
    // Not JSON: keep the status alone.
  }
  return new ApiClientError("HTTP_ERROR", id, `HTTP ${res.status}${serverMessage ? `: ${serverMessage}` : ""}`, {
    status: res.status,
    ...(serverMessage !== undefined ? {serverMessage} : {}),
    ...(failures !== undefined ? {failures} : {}),
  });
}

async function stream(
  id: string,
  def: SseRouteDef,
  args: Record<string, unknown>,
  callOpts: CallOptions,
  base: string,
  opts: ClientOptions,
  fetchFn: typeof fetch,
): Promise<void> {
  const {signal, onEvent, onError, ...rest} = args as Record<string, unknown> & StreamArgs<unknown>;
  let encoded: ReturnType<typeof encodeArgs>;
  try {
    encoded = encodeArgs(def.args, rest, "json");
  } catch (e) {
    throw new ApiClientError("INVALID_ARGUMENT", id, (e as Error).message, {cause: e});
  }
  const url = buildUrl(base, def.url, encoded.path, encoded.query);
  // The timeout covers the response headers only; the stream itself lasts until `signal` aborts.
  const connect = new AbortController();
  const timer = setTimeout(() => connect.abort(), callOpts.timeoutMs ?? opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const onAbort = () => connect.abort();
  signal.addEventListener("abort", onAbort, {once: true});
  let res: Response;
  try {
    res = await fetchFn(url, {headers: {...opts.headers, Accept: "text/event-stream"}, signal: connect.signal});
  } catch (e) {
    signal.removeEventListener("abort", onAbort);
    if (signal.aborted) return;
    const timedOut = connect.signal.aborted;
    throw new ApiClientError(timedOut ? "TIMEOUT" : "NETWORK_ERROR", id, timedOut ? "timed out" : "request failed", {
      cause: e,
    });
  } finally {
    clearTimeout(timer);
  }
  if (res.status !== 200 || res.body === null) {
    const bytes = new Uint8Array(await res.arrayBuffer());
    signal.removeEventListener("abort", onAbort);
    throw httpError(id, res, bytes);
  }
  let failure: ApiClientError | undefined;
  const parser = new SseParser((event, data) => {
    let decoded: unknown;
    try {
      decoded = def.sse.decode(event, data);
    } catch (e) {
      const err = new ApiClientError("INVALID_RESPONSE", id, `invalid event "${event}": ${(e as Error).message}`, {
        cause: e,
      });
      if (onError) onError(err);
      else {
        failure = err;
        connect.abort();
      }
      return;
    }
    onEvent(decoded);
  });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body) {
      parser.push(decoder.decode(chunk as Uint8Array, {stream: true}));
      if (failure) break;
    }
  } catch (e) {
    if (!signal.aborted && !failure) throw new ApiClientError("NETWORK_ERROR", id, "event stream failed", {cause: e});
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
  if (failure) throw failure;
}
