/**
 * Browser mode: the renderer + the host contract over HTTP on 127.0.0.1 only.
 *   GET  /?token=T      → sets the HttpOnly SameSite=Strict session cookie, redirects to /
 *   GET  /<asset>       → the built renderer (needs the session)
 *   POST /rpc/<channel> → JSON request/response (needs the session; Content-Type application/json)
 *   GET  /events        → SSE of HostEvent (needs the session)
 *   GET  /beacon/...    → read-only proxy to the node's Beacon API (needs the session)
 * Every request: Host must be 127.0.0.1:PORT or localhost:PORT; another Origin is refused; strict CSP.
 */
import {createServer, request as httpRequest, type IncomingMessage, type ServerResponse} from "node:http";
import type {AddressInfo} from "node:net";
import {dispatch, errorBody} from "../host/dispatch.ts";
import type {Host} from "../host/host.ts";
import {HTTP_PATHS} from "../shared/contract.ts";
import {hostOk, newToken, originOk, requestToken, SECURITY_HEADERS, sessionCookie, tokenEquals} from "./security.ts";
import {staticFile} from "./static.ts";

export const MAX_BODY_BYTES = 64 * 1024;

export interface UiServerOptions {
  host: Host;
  /** 0 = a free port. */
  port: number;
  /** The built renderer folder. */
  staticDir: string;
  /** Fixed token (tests); default a random 32-byte hex token. */
  token?: string;
}

export interface UiServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "content-type": typeof body === "string" ? "text/plain; charset=utf-8" : "application/json; charset=utf-8",
    ...extra,
  });
  res.end(text);
}

function refuse(res: ServerResponse, status: 401 | 403 | 421, message: string): void {
  send(res, status, {error: {code: status === 401 ? "UNAUTHORIZED" : "FORBIDDEN", message}});
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error(`request body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return {};
  return JSON.parse(text);
}

export async function startUiServer(opts: UiServerOptions): Promise<UiServer> {
  const token = opts.token ?? newToken();
  const sse = new Set<ServerResponse>();
  let port = 0;

  const onEvent = (e: unknown): void => {
    const frame = `data: ${JSON.stringify(e)}\n\n`;
    for (const r of sse) r.write(frame);
  };
  opts.host.events.on("event", onEvent);

  const server = createServer((req, res) => {
    void handle(req, res).catch((e) => {
      if (!res.headersSent) send(res, 500, {error: {code: "INTERNAL", message: (e as Error).message}});
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostOk(req, port)) return refuse(res, 421, "wrong Host header: open the URL printed by ceibo ui");
    if (!originOk(req, port)) return refuse(res, 403, "requests from other origins are refused");
    const url = new URL(req.url ?? "/", `http://127.0.0.1:${port}`);
    const authed = tokenEquals(requestToken(req), token);

    if (req.method === "GET" && url.pathname === "/" && url.searchParams.has("token")) {
      if (!tokenEquals(url.searchParams.get("token") ?? undefined, token)) {
        return refuse(res, 401, "wrong session token: open the URL printed by ceibo ui");
      }
      res.writeHead(303, {...SECURITY_HEADERS, "set-cookie": sessionCookie(token), location: "/"});
      res.end();
      return;
    }
    if (!authed) return refuse(res, 401, "no session: open the URL (with its token) printed by ceibo ui");

    if (url.pathname.startsWith(HTTP_PATHS.rpc)) {
      if (req.method !== "POST") return send(res, 405, {error: {code: "BAD_REQUEST", message: "use POST"}});
      if (!(req.headers["content-type"] ?? "").startsWith("application/json")) {
        return send(res, 415, {error: {code: "BAD_REQUEST", message: "Content-Type must be application/json"}});
      }
      let body: unknown;
      try {
        body = await readJson(req);
      } catch (e) {
        return send(res, 400, {error: {code: "BAD_REQUEST", message: `bad JSON body: ${(e as Error).message}`}});
      }
      try {
        const out = await dispatch(opts.host.handlers, url.pathname.slice(HTTP_PATHS.rpc.length), body);
        return send(res, 200, out);
      } catch (e) {
        const {status, body: errBody} = errorBody(e);
        return send(res, status, errBody);
      }
    }
    if (url.pathname === HTTP_PATHS.events && req.method === "GET") {
      res.writeHead(200, {...SECURITY_HEADERS, "content-type": "text/event-stream", connection: "keep-alive"});
      res.write(": ok\n\n");
      sse.add(res);
      const ping = setInterval(() => res.write(": ping\n\n"), 15_000);
      req.on("close", () => {
        clearInterval(ping);
        sse.delete(res);
      });
      return;
    }
    if (url.pathname === HTTP_PATHS.beacon || url.pathname.startsWith(`${HTTP_PATHS.beacon}/`)) {
      return proxyBeacon(req, res, url);
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      return send(res, 405, {error: {code: "BAD_REQUEST", message: "method not allowed"}});
    }
    const file = staticFile(opts.staticDir, url.pathname);
    if (file === null) return send(res, 404, "not found");
    res.writeHead(200, {...SECURITY_HEADERS, "content-type": file.type});
    res.end(req.method === "HEAD" ? undefined : file.body);
  }

  /** Read-only (GET) pass-through to the node's Beacon API, streaming (SSE included). */
  function proxyBeacon(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (req.method !== "GET") {
      send(res, 405, {error: {code: "BAD_REQUEST", message: "the Beacon API proxy is read-only (GET)"}});
      return;
    }
    const base = opts.host.beaconUrl();
    if (base === null) {
      send(res, 503, {error: {code: "INTERNAL", message: "the beacon node is not running"}});
      return;
    }
    const target = new URL(url.pathname.slice(HTTP_PATHS.beacon.length) + url.search, base);
    const up = httpRequest(
      target,
      {method: "GET", headers: {accept: req.headers.accept ?? "application/json"}},
      (upRes) => {
        const headers: Record<string, string> = {...SECURITY_HEADERS};
        for (const h of ["content-type", "eth-consensus-version", "content-length"]) {
          const v = upRes.headers[h];
          if (typeof v === "string") headers[h] = v;
        }
        res.writeHead(upRes.statusCode ?? 502, headers);
        upRes.pipe(res);
      },
    );
    up.on("error", (e) => {
      if (!res.headersSent) send(res, 502, {error: {code: "INTERNAL", message: `beacon node: ${e.message}`}});
      else res.destroy();
    });
    req.on("close", () => up.destroy());
    up.end();
  }

  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(opts.port, "127.0.0.1", () => ok());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      opts.host.events.off("event", onEvent);
      for (const r of sse) r.end();
      sse.clear();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
