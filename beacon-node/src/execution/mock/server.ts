/**
 * The mock execution engine as a real HTTP server: JSON-RPC 2.0 (single and batch requests) on the authenticated
 * Engine API port, every request checked for an HS256 JWT with a fresh `iat` (authentication.md) → HTTP 401
 * otherwise. Requests are handled one at a time in arrival order (common.md "Message ordering").
 */
import {createServer, type IncomingMessage, type Server, type ServerResponse} from "node:http";
import type {AddressInfo} from "node:net";
import {EngineRpcErrorCode, JwtError} from "../errors.ts";
import {verifyAuthorizationHeader} from "../jwt.ts";
import {type MockEngineOpts, MockExecutionEngine, RpcError} from "./engine.ts";

export interface MockEngineServerOpts extends MockEngineOpts {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a port chosen by the OS). */
  port?: number;
  /** The JWT secret; without one the server accepts unauthenticated requests (tests of the transport only). */
  jwtSecret?: Uint8Array;
  /** Largest request body accepted (default 64 MiB). */
  maxBodyBytes?: number;
}

interface JsonRpcRequest {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

export class MockEngineServer {
  readonly engine: MockExecutionEngine;
  private readonly opts: MockEngineServerOpts;
  private server: Server | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: MockEngineServerOpts = {}) {
    this.opts = opts;
    this.engine = new MockExecutionEngine(opts);
  }

  /** Prepares blobs (if any are configured), then listens; resolves to the URL. */
  async start(): Promise<string> {
    this.engine.prepareBlobs();
    const server = createServer((req, res) => {
      this.onRequest(req, res).catch((e) => {
        if (!res.headersSent) res.writeHead(500, {"content-type": "text/plain"});
        res.end(`internal error: ${(e as Error).message}`);
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port ?? 0, this.opts.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    return this.url;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (address === null || address === undefined) throw Error("mock engine server is not listening");
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST") {
      res.writeHead(405, {allow: "POST", "content-type": "text/plain"}).end("only POST");
      return;
    }
    if (this.opts.jwtSecret !== undefined) {
      try {
        verifyAuthorizationHeader(req.headers.authorization, this.opts.jwtSecret);
      } catch (e) {
        if (!(e instanceof JwtError)) throw e;
        req.resume();
        res
          .writeHead(401, {"content-type": "application/json"})
          .end(JSON.stringify({code: e.code, message: e.message}));
        return;
      }
    }
    const body = await readBody(req, this.opts.maxBodyBytes ?? 64 * 1024 * 1024);
    if (body === null) {
      res.writeHead(413, {"content-type": "text/plain"}).end("request body too large");
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return sendJson(res, errorResponse(null, EngineRpcErrorCode.PARSE_ERROR, "Parse error"));
    }
    // One request at a time, in arrival order.
    const run = this.queue.then(() => this.dispatch(parsed));
    this.queue = run.catch(() => {});
    const response = await run;
    if (response === undefined) res.writeHead(204).end();
    else sendJson(res, response);
  }

  private async dispatch(parsed: unknown): Promise<unknown> {
    if (Array.isArray(parsed)) {
      if (parsed.length === 0) return errorResponse(null, EngineRpcErrorCode.INVALID_REQUEST, "empty batch");
      const out: unknown[] = [];
      for (const r of parsed) {
        const response = await this.handleOne(r);
        if (response !== undefined) out.push(response);
      }
      return out.length === 0 ? undefined : out;
    }
    return this.handleOne(parsed);
  }

  private async handleOne(raw: unknown): Promise<unknown> {
    if (typeof raw !== "object" || raw === null) {
      return errorResponse(null, EngineRpcErrorCode.INVALID_REQUEST, "Invalid Request");
    }
    const r = raw as JsonRpcRequest;
    const id = r.id === undefined ? undefined : r.id;
    const validId = id === undefined || id === null || typeof id === "string" || typeof id === "number";
    if (r.jsonrpc !== "2.0" || typeof r.method !== "string" || !validId) {
      return errorResponse(validId ? (id ?? null) : null, EngineRpcErrorCode.INVALID_REQUEST, "Invalid Request");
    }
    try {
      const result = await this.engine.handle(r.method, r.params);
      return id === undefined ? undefined : {jsonrpc: "2.0", id, result};
    } catch (e) {
      if (id === undefined) return undefined;
      if (e instanceof RpcError) return errorResponse(id, e.code, e.message, e.data);
      return errorResponse(id, EngineRpcErrorCode.INTERNAL_ERROR, `Internal error: ${(e as Error).message}`);
    }
  }
}

function errorResponse(id: unknown, code: number, message: string, data?: unknown): unknown {
  return {jsonrpc: "2.0", id, error: data === undefined ? {code, message} : {code, message, data}};
}

function sendJson(res: ServerResponse, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(200, {"content-type": "application/json", "content-length": Buffer.byteLength(text)}).end(text);
}

/** The request body as text, or null past `limit` bytes. */
async function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.destroy();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
