import {ApiClientError, type BeaconApiClient, beaconApiRoutes, createBeaconApiClient} from "@ceibo/api";
import type {Logger} from "@ceibo/utils";
import {ValidatorClientError} from "./errors.ts";
import type {BeaconNodeRequestHook} from "./metrics.ts";

export type NodeStatus = "ok" | "syncing" | "down";

interface Node {
  url: string;
  api: BeaconApiClient;
  status: NodeStatus;
}

/** Is this a failure of the node (try the next one) rather than of the request (give up)? */
export function isNodeFailure(e: unknown): boolean {
  if (!(e instanceof ApiClientError)) return false;
  if (e.code === "NETWORK_ERROR" || e.code === "TIMEOUT" || e.code === "INVALID_RESPONSE") return true;
  return e.code === "HTTP_ERROR" && (e.status ?? 0) >= 500;
}

/**
 * Is this a 404 for the route itself (the node does not serve it: an older or different Beacon API version)
 * rather than for the thing asked about (an unknown state or validator)? The spec's 404s are JSON naming the
 * missing thing; servers answer an unknown route with "Route GET:/… not found" (fastify, ceibo), a bare
 * "NOT_FOUND" or a non-JSON "404 page not found".
 */
export function isUnknownRoute(e: unknown): boolean {
  if (!(e instanceof ApiClientError) || e.code !== "HTTP_ERROR" || e.status !== 404) return false;
  const m = e.serverMessage;
  return m === undefined || /^route\b.*\bnot found|^not[ _]found$|page not found|no such route/i.test(m.trim());
}

const RANK: Record<NodeStatus, number> = {ok: 0, syncing: 1, down: 2};

/**
 * Several beacon nodes behind one Beacon API client. Each call goes to the first healthy node in the order
 * given (`--beacon-nodes A,B,…`); when a node fails (connection refused, timeout, 5xx, undecodable answer) the
 * call is retried on the next, and the node is marked down until a health check (`getSyncingStatus`) sees it
 * answer again. Syncing nodes are tried after healthy ones. A 404 for the route itself (the node speaks an older
 * Beacon API) moves on to the next node without marking the node down; any other 4xx answer is the request's
 * fault and is not retried elsewhere.
 */
export class BeaconNodes {
  readonly api: BeaconApiClient;
  private readonly nodes: Node[];
  private readonly log: Logger;
  /** Each request's URL, route, outcome and latency (set with --metrics). */
  metricsHook: BeaconNodeRequestHook | null = null;
  private readonly unknownRoutes = new Set<string>();

  constructor(urls: string[], opts: {log: Logger; timeoutMs?: number}) {
    if (urls.length === 0) throw new ValidatorClientError("NO_BEACON_NODE", "no beacon node URL given");
    this.log = opts.log;
    this.nodes = urls.map((url) => ({
      url,
      api: createBeaconApiClient({baseUrl: url, timeoutMs: opts.timeoutMs ?? 12_000}),
      status: "ok" as NodeStatus,
    }));
    const api: Record<string, unknown> = {};
    for (const id of Object.keys(beaconApiRoutes)) {
      api[id] = (...args: unknown[]) => this.call(id, args);
    }
    this.api = api as BeaconApiClient;
  }

  get urls(): string[] {
    return this.nodes.map((n) => n.url);
  }

  statuses(): {url: string; status: NodeStatus}[] {
    return this.nodes.map((n) => ({url: n.url, status: n.status}));
  }

  /** Asks every node for its sync status; marks each ok / syncing / down. */
  async checkHealth(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (n) => {
        try {
          const res = await n.api.getSyncingStatus(undefined, {timeoutMs: 3000});
          this.setStatus(n, res.data.isSyncing ? "syncing" : "ok");
        } catch (e) {
          this.setStatus(n, "down", e);
        }
      }),
    );
  }

  /** One warning per node and route: the node answered 404 for the route itself. */
  private warnUnknownRoute(n: Node, id: string, e: unknown): void {
    const key = `${n.url} ${id}`;
    if (this.unknownRoutes.has(key)) return;
    this.unknownRoutes.add(key);
    this.log.warn(
      "Beacon node does not serve this route (HTTP 404): it speaks an older Beacon API; trying the next node",
      {
        url: n.url,
        route: id,
        error: (e as Error).message,
      },
    );
  }

  private setStatus(n: Node, status: NodeStatus, err?: unknown): void {
    if (n.status !== status) {
      const ctx: Record<string, unknown> = {url: n.url};
      if (err !== undefined) ctx.error = err;
      if (status === "ok") this.log.info("Beacon node available", ctx);
      else this.log.warn(status === "syncing" ? "Beacon node is syncing" : "Beacon node unavailable", ctx);
    }
    n.status = status;
  }

  private async call(id: string, args: unknown[]): Promise<unknown> {
    const order = [...this.nodes].sort((a, b) => RANK[a.status] - RANK[b.status]);
    let last: unknown;
    const withoutRoute: string[] = [];
    for (const n of order) {
      const method = (n.api as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[id];
      const t0 = performance.now();
      try {
        const res = await method(...args);
        this.metricsHook?.(n.url, id, true, (performance.now() - t0) / 1000);
        if (n.status === "down") this.setStatus(n, "ok");
        return res;
      } catch (e) {
        this.metricsHook?.(n.url, id, false, (performance.now() - t0) / 1000);
        if (isUnknownRoute(e)) {
          withoutRoute.push(n.url);
          this.warnUnknownRoute(n, id, e);
          last = e;
          continue;
        }
        if (!isNodeFailure(e)) throw e;
        last = e;
        this.setStatus(n, (e as ApiClientError).status === 503 ? "syncing" : "down", e);
      }
    }
    if (withoutRoute.length === this.nodes.length) {
      throw new ValidatorClientError(
        "NO_BEACON_NODE",
        `no beacon node serves ${id} (HTTP 404 for the route from ${withoutRoute.join(", ")}): they speak an older ` +
          "Beacon API than this validator client needs — upgrade the beacon node",
        {},
        last,
      );
    }
    throw new ValidatorClientError(
      "NO_BEACON_NODE",
      `no beacon node answered ${id} (${this.nodes.map((n) => n.url).join(", ")}): ${(last as Error)?.message}`,
      {},
      last,
    );
  }
}
