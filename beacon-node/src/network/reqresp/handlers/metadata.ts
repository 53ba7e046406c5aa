/** GetMetaData v1 / v2 / v3 (phase0, altair, fulu p2p-interface.md "GetMetaData"): ours in the version asked. */
import {serializeMetadata} from "../messages.ts";
import type {Handler} from "../types.ts";

export const metadata: Handler<"metadata"> = {
  requestType: null,
  handle: async (_request, _peer, ctx) => [ctx.peerHandlers.getMetadata()],
  encode: (value, def) => ({ssz: serializeMetadata(value, def.version)}),
};
