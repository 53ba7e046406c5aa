import Fastify, {type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest} from "fastify";
import {parseArgs} from "./args.ts";
import {chooseResponseFormat, isSszContentType} from "./contentType.ts";
import {ApiError} from "./errors.ts";
import type {
  AnyRoute,
  ArgsContext,
  RouteArgs,
  RouteDef,
  RouteEvent,
  RouteRes,
  RouteTable,
  SseRouteDef,
} from "./route.ts";

/** The SSE handler's extra arguments: stop when `signal` aborts; `onEvent` writes one event to the stream. */
export interface SseHandlerArgs<Ev> {
  signal: AbortSignal;
  onEvent: (event: Ev) => void;
}

/** The handler a backend provides for one route. */
export type HandlerOf<R> = R extends SseRouteDef
  ? (args: RouteArgs<R> & SseHandlerArgs<RouteEvent<R>>) => Promise<void> | void
  : (args: RouteArgs<R>) => Promise<RouteRes<R>>;

/** A backend for a route table: one handler per route, so a missing one is a compile error. */
export type Backend<R extends RouteTable> = {[K in keyof R]: HandlerOf<R[K]>};

export interface RegisterOptions {
  /** The fork at a slot (for requests without Eth-Consensus-Version, derived from the body's slot). */
  forkAtSlot?: (slot: number) => string;
  /** Routes not to register (e.g. the debug namespace on a public node). */
  exclude?: (operationId: string, url: string) => boolean;
  /** A ": ping" comment on every event stream this often (keeps proxies from closing it). 0 = never. */
  sseHeartbeatMs?: number;
  /** The routes' error handler (default `apiErrorHandler`: `{code, message}`). */
  errorHandler?: (err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) => void;
}

/**
 * Registers every route of `routes` on a fastify instance, each answered by `backend[operationId]`, inside an
 * encapsulated plugin with its own error handler: errors become `{code, message}` JSON (malformed input 400,
 * ApiError's status, anything else 500). The routes exist once the instance is ready (`await app.ready()` or
 * `listen`).
 */
export function registerRoutes<R extends RouteTable>(
  app: FastifyInstance,
  routes: R,
  backend: Backend<R>,
  opts: RegisterOptions = {},
): void {
  for (const [operationId] of Object.entries(routes)) {
    if (opts.exclude?.(operationId, routes[operationId].url)) continue;
    if (typeof (backend as Record<string, unknown>)[operationId] !== "function") {
      throw Error(`backend has no handler for ${operationId}`);
    }
  }
  app.register(async (scope) => {
    scope.setErrorHandler(opts.errorHandler ?? apiErrorHandler);
    if (!scope.hasContentTypeParser("application/octet-stream")) {
      scope.addContentTypeParser("application/octet-stream", {parseAs: "buffer"}, (_req, body, done) =>
        done(null, body),
      );
    }
    const ctx: ArgsContext = opts.forkAtSlot ? {forkAtSlot: opts.forkAtSlot} : {};
    const streams = new Set<AbortController>();
    scope.addHook("preClose", (done) => {
      for (const c of streams) c.abort();
      done();
    });
    for (const [operationId, def] of Object.entries(routes) as [string, AnyRoute][]) {
      if (opts.exclude?.(operationId, def.url)) continue;
      const handler = (backend as Record<string, unknown>)[operationId] as (args: unknown) => Promise<unknown>;
      const url = def.url.replace(/\{([a-z_]+)\}/g, ":$1");
      if ("sse" in def) {
        scope.route({
          method: "GET",
          url,
          handler: (req, reply) => serveSse(def, handler, req, reply, ctx, streams, opts.sseHeartbeatMs ?? 0),
        });
      } else {
        scope.route({
          method: def.method,
          url,
          ...(def.bodyLimit !== undefined ? {bodyLimit: def.bodyLimit} : {}),
          handler: (req, reply) => serve(def, handler, req, reply, ctx),
        });
      }
    }
  });
}

function argsInput(req: FastifyRequest) {
  return {
    params: req.params as Record<string, string>,
    query: req.query as Record<string, string | string[]>,
    headers: req.headers,
    body: req.body,
    bodyIsSsz: isSszContentType(req.headers["content-type"]),
    ...(req.headers["content-type"] !== undefined ? {contentType: req.headers["content-type"]} : {}),
  };
}

async function serve(
  def: RouteDef,
  handler: (args: unknown) => Promise<unknown>,
  req: FastifyRequest,
  reply: FastifyReply,
  ctx: ArgsContext,
): Promise<void> {
  const format = chooseResponseFormat(req.headers.accept, def.resp.ssz);
  if (format === null) {
    throw new ApiError(406, `Cannot produce any of the accepted media types: ${req.headers.accept}`);
  }
  const args = parseArgs(def.args, argsInput(req), ctx);
  const res = await handler(args);
  const list = (res as {data?: unknown} | undefined)?.data;
  if (format === "json" && Array.isArray(list) && list.length > JSON_CHUNK_ITEMS) {
    const chunked = await encodeJsonInChunks(def, res as {data: unknown[]}, args);
    if (chunked !== null) {
      reply.code(chunked.status);
      for (const [k, v] of Object.entries(chunked.headers)) reply.header(k, v);
      reply.type("application/json");
      await reply.send(chunked.body);
      return;
    }
  }
  const out = def.resp.encode(res, args, format);
  reply.code(out.status);
  for (const [k, v] of Object.entries(out.headers)) reply.header(k, v);
  if (out.ssz !== undefined) {
    reply.type("application/octet-stream");
    await reply.send(Buffer.from(out.ssz.buffer, out.ssz.byteOffset, out.ssz.byteLength));
  } else if (out.json !== undefined) {
    reply.type("application/json");
    await reply.send(JSON.stringify(out.json));
  } else {
    await reply.send();
  }
}

/** Items of a JSON `data` list encoded between two yields to the event loop. */
const JSON_CHUNK_ITEMS = 2000;

/**
 * A JSON answer with a long `data` list (every validator of a mainnet-sized registry: seconds of encoding) built
 * chunk by chunk, yielding to the event loop in between, so other requests, timers and block import keep running.
 * The envelope (metadata, status, headers) is the encoding of the answer with an empty list; the text is the same
 * JSON as the one-piece encoding. null when the route's encoding has no top-level `data` array.
 */
async function encodeJsonInChunks(
  def: RouteDef,
  res: {data: unknown[]},
  args: unknown,
): Promise<{status: number; headers: Record<string, string>; body: string} | null> {
  const envelope = def.resp.encode({...res, data: []}, args as never, "json");
  const json = envelope.json as Record<string, unknown> | undefined;
  if (json === undefined || json === null || typeof json !== "object" || !Array.isArray(json.data)) return null;
  const {data: _empty, ...meta} = json;
  const head = JSON.stringify(meta);
  const parts: string[] = [`${head.slice(0, -1)}${head === "{}" ? "" : ","}"data":[`];
  for (let i = 0; i < res.data.length; i += JSON_CHUNK_ITEMS) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const chunk = def.resp.encode({...res, data: res.data.slice(i, i + JSON_CHUNK_ITEMS)}, args as never, "json");
    const items = JSON.stringify((chunk.json as {data: unknown[]}).data);
    parts.push(`${i > 0 ? "," : ""}${items.slice(1, -1)}`);
  }
  parts.push("]}");
  return {status: envelope.status, headers: envelope.headers, body: parts.join("")};
}

async function serveSse(
  def: SseRouteDef,
  handler: (args: unknown) => Promise<unknown>,
  req: FastifyRequest,
  reply: FastifyReply,
  ctx: ArgsContext,
  streams: Set<AbortController>,
  heartbeatMs: number,
): Promise<void> {
  const args = parseArgs(def.args, argsInput(req), ctx);
  const controller = new AbortController();
  const {signal} = controller;
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {"Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive"});
  res.flushHeaders();
  streams.add(controller);
  res.on("close", () => controller.abort());
  const timer = heartbeatMs > 0 ? setInterval(() => res.write(": ping\n\n"), heartbeatMs) : undefined;
  const onEvent = (event: unknown): void => {
    if (signal.aborted) return;
    const {event: name, data} = def.sse.encode(event);
    res.write(`event: ${name}\ndata: ${data}\n\n`);
  };
  try {
    await handler({...args, signal, onEvent});
    // The stream stays open until the client goes away or the server closes.
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener("abort", resolve, {once: true}));
  } catch (e) {
    // Headers are sent: report as an SSE comment and close.
    if (!res.writableEnded) res.write(`: error ${(e as Error).message.replace(/\n/g, " ")}\n\n`);
    req.log.error({err: e}, "event stream handler failed");
  } finally {
    if (timer) clearInterval(timer);
    streams.delete(controller);
    // An ended event stream's connection is not reused: close it (lets the server shut down at once).
    if (!res.writableEnded) res.end(() => res.socket?.end());
  }
}

/** `{code, message}` for every error: our ApiErrors, fastify's own 4xx (bad JSON, body too large), else 500. */
export function apiErrorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void {
  let status = 500;
  let message = err.message;
  let failures: unknown;
  if (err instanceof ApiError) {
    status = err.status;
    failures = err.failures;
  } else {
    const sc = (err as FastifyError).statusCode;
    if (sc !== undefined && sc >= 400 && sc < 500) status = sc;
    else req.log.error({err}, "request failed");
  }
  if (status === 400 && (err as FastifyError).code === "FST_ERR_CTP_INVALID_JSON_BODY") {
    message = `Invalid request body: ${message}`;
  }
  if (status === 413) {
    const limit = req.routeOptions.bodyLimit ?? req.server.initialConfig.bodyLimit;
    message = `Request body is too large: this route accepts at most ${limit} bytes`;
  }
  void reply
    .code(status)
    .type("application/json")
    .send(JSON.stringify(failures === undefined ? {code: status, message} : {code: status, message, failures}));
}

export interface ApiServerOptions extends RegisterOptions {
  /** Request body limit in bytes (a fulu block with blobs in JSON is several MB). Default 64 MiB. */
  bodyLimit?: number;
  logger?: boolean;
}

/** A fastify instance with the routes, the error handler and a JSON 404. Call `listen` on it. */
export function createApiServer<R extends RouteTable>(
  routes: R,
  backend: Backend<R>,
  opts: ApiServerOptions = {},
): FastifyInstance {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimit ?? 64 * 1024 * 1024,
    // valid JSON may have a "__proto__" key: it is dropped while parsing (no prototype pollution), not refused
    onProtoPoisoning: "remove",
  });
  app.setErrorHandler(apiErrorHandler);
  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .type("application/json")
      .send(JSON.stringify({code: 404, message: `Route ${req.method} ${req.url.split("?")[0]} not found`}));
  });
  registerRoutes(app, routes, backend, opts);
  return app;
}
