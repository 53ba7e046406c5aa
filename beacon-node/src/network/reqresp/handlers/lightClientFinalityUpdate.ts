/** GetLightClientFinalityUpdate v1 (altair light-client p2p-interface.md): the latest, else ResourceUnavailable. */
import {serveLatestLightClientUpdate} from "../lightClient.ts";
import type {Handler} from "../types.ts";

export const lightClientFinalityUpdate: Handler<"light_client_finality_update"> = {
  requestType: null,
  handle: async (_request, _peer, ctx) => serveLatestLightClientUpdate(ctx.lightClient, "LightClientFinalityUpdate"),
  encode: (chunk) => chunk,
};
