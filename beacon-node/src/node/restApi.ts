/**
 * The Beacon API server of the node: every route of @ceibo/api (defined once there) answered by the backend in
 * ../api (state, block, pool, validator, node, config, events, debug handlers over the chain).
 */
import {readFileSync} from "node:fs";
import {createBeaconApiServer} from "@ceibo/api";
import type {FastifyInstance} from "fastify";
import {type ApiBackend, createBeaconApiBackend} from "../api/index.ts";
import type {BeaconChain} from "../chain/index.ts";

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {version: string};
  return `ceibo/v${pkg.version}`;
}

/** Starts the server on `address:port` (port 0: any free port); resolves to the server, its URL and backend. */
export async function startRestApi(
  chain: BeaconChain,
  opts: {address: string; port: number},
  /** Called with the server before it listens (e.g. to add the metrics hooks). */
  beforeListen?: (server: FastifyInstance) => void,
): Promise<{server: FastifyInstance; url: string; api: ApiBackend}> {
  const api = createBeaconApiBackend(chain, {version: version()});
  const server = createBeaconApiServer(api.backend, {
    forkAtSlot: (slot) => chain.forkNameAtSlot(slot),
    sseHeartbeatMs: 15_000,
  });
  server.addHook("onClose", async () => api.close());
  beforeListen?.(server);
  const url = await server.listen({host: opts.address, port: opts.port});
  return {server, url, api};
}
