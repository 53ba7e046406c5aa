/**
 * The Beacon API server of the node: every route of @ceibo/api (defined once there) answered by the backend in
 * ../api (state, block, pool, validator, node, config, events, debug handlers over the chain).
 */
import {readFileSync} from "node:fs";
import {createBeaconApiServer, hostRefusedMessage, isAllowedHost} from "@ceibo/api";
import type {FastifyInstance} from "fastify";
import {type ApiBackend, type ApiNetwork, createBeaconApiBackend} from "../api/index.ts";
import {type RestApiOpts, SSE_HEARTBEAT_MS} from "../api/options.ts";
import type {BeaconChain} from "../chain/index.ts";
import type {BuilderService} from "../execution/builder/index.ts";

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {version: string};
  return `ceibo/v${pkg.version}`;
}

/** The API backend over the chain, the network's view and the builder (nothing listens yet). */
export function createApiBackend(
  chain: BeaconChain,
  parts: {network: ApiNetwork | null; builder: BuilderService | null},
): ApiBackend {
  return createBeaconApiBackend(chain, {version: version(), network: parts.network, builder: parts.builder});
}

/**
 * Starts the server of `api` on `address:port` (port 0: any free port); resolves to the server, its URL and backend.
 * Requests whose Host header is not localhost, an IP address, the bound address or one of `allowedHosts` are
 * refused with 403 (DNS rebinding). Every failed request (4xx/5xx) is logged at debug: method, route, status and
 * the error message.
 */
export async function startRestApi(
  chain: BeaconChain,
  api: ApiBackend,
  opts: RestApiOpts,
  /** Called with the server before it listens (e.g. to add the metrics hooks). */
  beforeListen?: (server: FastifyInstance) => void,
): Promise<{server: FastifyInstance; url: string; api: ApiBackend}> {
  const server = createBeaconApiServer(api.backend, {
    forkAtSlot: (slot) => chain.forkNameAtSlot(slot),
    sseHeartbeatMs: SSE_HEARTBEAT_MS,
  });
  server.addHook("onClose", async () => api.close());
  const allowed = [opts.address, ...(opts.allowedHosts ?? [])];
  server.addHook("onRequest", async (req, reply) => {
    const host = req.headers.host;
    if (!isAllowedHost(host, allowed)) {
      await reply
        .code(403)
        .type("application/json")
        .send(JSON.stringify({code: 403, message: hostRefusedMessage(host ?? "")}));
    }
  });
  server.addHook("onSend", async (req, reply, payload) => {
    if (reply.statusCode >= 400) {
      let reason: unknown;
      try {
        reason = typeof payload === "string" ? (JSON.parse(payload) as {message?: unknown}).message : undefined;
      } catch {
        reason = undefined;
      }
      chain.logger.debug("Beacon API request failed", {
        method: req.method,
        route: req.routeOptions.url ?? req.url.split("?")[0],
        status: reply.statusCode,
        reason,
      });
    }
    return payload;
  });
  beforeListen?.(server);
  const url = await server.listen({host: opts.address, port: opts.port});
  return {server, url, api};
}
