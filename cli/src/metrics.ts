/**
 * `--metrics`, `--metrics.port N`, `--metrics.address A` of `ceibo beacon` and `ceibo validator`, and the small
 * HTTP server that serves a Prometheus registry at /metrics (text format, from prom-client).
 */
import {createServer, type Server} from "node:http";
import {UsageError} from "./command.ts";

/** node:util parseArgs declarations, spread into a command's options. */
export const METRICS_OPTIONS = {
  metrics: {type: "boolean", default: false},
  "metrics.port": {type: "string"},
  "metrics.address": {type: "string"},
} as const;

export const BEACON_METRICS_PORT = 8008;
export const VALIDATOR_METRICS_PORT = 5064;

/** The help lines of the metrics options (defaultPort: 8008 for beacon, 5064 for validator; width: option column). */
export function metricsHelp(defaultPort: number, width = 26): string {
  return [
    ["--metrics", "serve Prometheus metrics at http://ADDRESS:PORT/metrics (off by default)"],
    ["--metrics.port PORT", `metrics port (default ${defaultPort}; 0 = any free port, the URL is logged)`],
    ["--metrics.address ADDR", "metrics listen address (default 127.0.0.1; give 0.0.0.0 only behind a firewall)"],
  ]
    .map(([flag, text]) => `  ${flag.padEnd(width)}${text}`)
    .join("\n");
}

export interface MetricsServerOpts {
  address: string;
  port: number;
}

/** The metrics options; null when --metrics is not given (then --metrics.* are an error). */
export function parseMetricsOptions(
  values: Record<string, string | boolean | undefined>,
  defaultPort: number,
): MetricsServerOpts | null {
  const port = values["metrics.port"] as string | undefined;
  const address = values["metrics.address"] as string | undefined;
  if (values.metrics !== true) {
    if (port !== undefined || address !== undefined)
      throw new UsageError("--metrics.port / --metrics.address need --metrics");
    return null;
  }
  let n = defaultPort;
  if (port !== undefined) {
    if (!/^\d+$/.test(port) || Number(port) > 65535) {
      throw new UsageError(`--metrics.port must be a port number (0-65535), got "${port}"`);
    }
    n = Number(port);
  }
  const addr = address ?? "127.0.0.1";
  if (!/^[0-9A-Za-z.:[\]-]+$/.test(addr)) throw new UsageError(`--metrics.address: "${addr}" is not an address`);
  return {address: addr, port: n};
}

/** "0,5,7" or "0..63" or a mix ("0..3,9") → validator indices (undefined when not given). */
export function parseIndexList(text: string | undefined, option: string): number[] | undefined {
  if (text === undefined) return undefined;
  const out = new Set<number>();
  for (const part of text.split(",").map((p) => p.trim())) {
    const range = /^(\d+)\.\.(\d+)$/.exec(part);
    if (range !== null) {
      const [a, b] = [Number(range[1]), Number(range[2])];
      if (b < a) throw new UsageError(`--${option}: ${part} is an empty range`);
      if (b - a >= 1_000_000) throw new UsageError(`--${option}: ${part} is too large a range`);
      for (let i = a; i <= b; i++) out.add(i);
    } else if (/^\d+$/.test(part) && Number.isSafeInteger(Number(part))) {
      out.add(Number(part));
    } else {
      throw new UsageError(`--${option}: "${part}" is not a validator index or A..B range`);
    }
  }
  return [...out];
}

/** What the server needs of a prom-client Registry. */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `GET /metrics` (and `/` with a pointer to it); anything else is 404. */
export async function startMetricsServer(source: MetricsSource, opts: MetricsServerOpts): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, {allow: "GET, HEAD"}).end();
      return;
    }
    if (path === "/metrics") {
      source.metrics().then(
        (text) => {
          res.writeHead(200, {"content-type": source.contentType}).end(req.method === "HEAD" ? undefined : text);
        },
        (e: unknown) => {
          res
            .writeHead(500, {"content-type": "text/plain"})
            .end(`metrics collection failed: ${(e as Error).message}\n`);
        },
      );
      return;
    }
    if (path === "/") {
      res.writeHead(200, {"content-type": "text/plain"}).end("ceibo metrics: GET /metrics\n");
      return;
    }
    res.writeHead(404, {"content-type": "text/plain"}).end("not found; metrics are at /metrics\n");
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        new UsageError(
          `cannot serve metrics on ${opts.address}:${opts.port}: ${e.code === "EADDRINUSE" ? "the port is in use (--metrics.port)" : e.message}`,
        ),
      ),
    );
    server.listen(opts.port, opts.address, () => resolve());
  });
  const port = (server.address() as {port: number}).port;
  const host = opts.address.includes(":") ? `[${opts.address}]` : opts.address;
  return {
    url: `http://${host}:${port}/metrics`,
    // idempotent: a second close resolves at once
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
