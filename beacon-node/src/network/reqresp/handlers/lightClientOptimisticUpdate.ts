/** GetLightClientOptimisticUpdate v1 (altair light-client p2p-interface.md): the latest, else ResourceUnavailable. */
import {serveLatestLightClientUpdate} from "../lightClient.ts";
import type {Handler} from "../types.ts";

export const lightClientOptimisticUpdate: Handler<"light_client_optimistic_update"> = {
  requestType: null,
  handle: async (_request, _peer, ctx) => serveLatestLightClientUpdate(ctx.lightClient, "LightClientOptimisticUpdate"),
  encode: (chunk) => chunk,
};
