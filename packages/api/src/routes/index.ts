import type {FastifyInstance} from "fastify";
import {type Client, type ClientOptions, createClient} from "../utils/client.ts";
import {
  type ApiServerOptions,
  type Backend,
  createApiServer,
  type RegisterOptions,
  registerRoutes,
} from "../utils/server.ts";
import {beaconBlockRoutes} from "./beaconBlock.ts";
import {beaconPoolRoutes} from "./beaconPool.ts";
import {beaconStateRoutes} from "./beaconState.ts";
import {configRoutes} from "./config.ts";
import {debugRoutes} from "./debug.ts";
import {eventRoutes} from "./events.ts";
import {lightClientRoutes} from "./lightClient.ts";
import {nodeRoutes} from "./node.ts";
import {rewardsRoutes} from "./rewards.ts";
import {validatorRoutes} from "./validator.ts";

/** Every Beacon API route this client implements, by operationId (the OpenAPI spec's names). */
export const beaconApiRoutes = {
  ...beaconStateRoutes,
  ...beaconBlockRoutes,
  ...beaconPoolRoutes,
  ...lightClientRoutes,
  ...rewardsRoutes,
  ...configRoutes,
  ...debugRoutes,
  ...eventRoutes,
  ...nodeRoutes,
  ...validatorRoutes,
};

export type BeaconApiRoutes = typeof beaconApiRoutes;
/** What the beacon node implements: one handler per route (a missing one does not compile). */
export type BeaconApiBackend = Backend<BeaconApiRoutes>;
/** The typed HTTP client of the Beacon API. */
export type BeaconApiClient = Client<BeaconApiRoutes>;

export function createBeaconApiClient(opts: ClientOptions): BeaconApiClient {
  return createClient(beaconApiRoutes, opts);
}

export function registerBeaconApi(app: FastifyInstance, backend: BeaconApiBackend, opts?: RegisterOptions): void {
  registerRoutes(app, beaconApiRoutes, backend, opts);
}

/** A fastify server with every Beacon API route; `await server.listen({host: "127.0.0.1", port: 5052})`. */
export function createBeaconApiServer(backend: BeaconApiBackend, opts?: ApiServerOptions): FastifyInstance {
  return createApiServer(beaconApiRoutes, backend, opts);
}
