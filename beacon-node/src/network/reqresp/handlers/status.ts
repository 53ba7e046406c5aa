/** Status v1 / v2 (phase0, fulu p2p-interface.md "Status"): the peer's Status to the peer manager, ours back. */
import {deserializeStatus, serializeStatus, statusType} from "../messages.ts";
import type {Handler} from "../types.ts";
import {callPeerHandler} from "./common.ts";

export const status: Handler<"status"> = {
  requestType: (def) => ({
    minSize: statusType(def.version).minSize,
    maxSize: statusType(def.version).maxSize,
    deserialize: (bytes) => deserializeStatus(bytes, def.version),
  }),
  handle: async (theirs, peer, ctx) => {
    callPeerHandler(ctx, "onStatus", () => ctx.peerHandlers.onStatus(peer, theirs));
    return [ctx.peerHandlers.getStatus()];
  },
  encode: (ours, def, ctx) => ({ssz: serializeStatus(ours, def.version, ctx.earliestAvailableSlot)}),
};
