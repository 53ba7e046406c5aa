/** LightClientUpdatesByRange v1 (altair light-client p2p-interface.md): the best update of consecutive periods. */
import {
  LightClientUpdatesByRangeRequest,
  MAX_REQUEST_LIGHT_CLIENT_UPDATES,
  serveLightClientUpdatesByRange,
} from "../lightClient.ts";
import type {Handler} from "../types.ts";

export const lightClientUpdatesByRange: Handler<"light_client_updates_by_range"> = {
  requestType: () => LightClientUpdatesByRangeRequest,
  cost: (req) => Math.max(1, Math.min(req.count, MAX_REQUEST_LIGHT_CLIENT_UPDATES)),
  handle: (req, _peer, ctx) => serveLightClientUpdatesByRange(ctx.lightClient, req),
  encode: (chunk) => chunk,
};
