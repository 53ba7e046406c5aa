import {ApiClientError, type BeaconApiClient, beaconApiRoutes, createBeaconApiClient} from "@ceibo/api";
import {ValidatorClientError} from "./errors.ts";
import type {Logger} from "./logger.ts";
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

const RANK: Record<NodeStatus, number> = {ok: 0, syncing: 1, down: 2};

/**
 * Several beacon nodes behind one Beacon API client. Each call goes to the first healthy node in the order
 * given (`--beacon-nodes A,B,…`); when a node fails (connection refused, timeout, 5xx, undecodable answer) the
 * call is retried on the next, and the node is marked down until a health check (`getSyncingStatus`) sees it
 * answer again. Syncing nodes are tried after healthy ones. A 4xx answer is the request's fault and is not
 * retried elsewhere.
 */
export class BeaconNodes {
  readonly api: BeaconApiClient;
  private readonly nodes: Node[];
  private readonly log: Logger;
  /** Each request's URL, route, outcome and latency (set with --metrics). */
  metricsHook: BeaconNodeRequestHook | null = null;

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
        if (!isNodeFailure(e)) throw e;
        last = e;
        this.setStatus(n, (e as ApiClientError).status === 503 ? "syncing" : "down", e);
      }
    }
    throw new ValidatorClientError(
      "NO_BEACON_NODE",
      `no beacon node answered ${id} (${this.nodes.map((n) => n.url).join(", ")}): ${(last as Error)?.message}`,
      {},
      last,
    );
  }
}
