/** Goodbye v1 (phase0 p2p-interface.md "Goodbye"): the reason to the peer manager; answered with 0. */
import {ssz} from "@ceibo/types";
import type {Handler} from "../types.ts";
import {callPeerHandler} from "./common.ts";

export const goodbye: Handler<"goodbye"> = {
  requestType: () => ssz.phase0.Goodbye,
  handle: async (reason, peer, ctx) => {
    callPeerHandler(ctx, "onGoodbye", () => ctx.peerHandlers.onGoodbye(peer, reason));
    return [0n];
  },
  encode: (value) => ({ssz: ssz.phase0.Goodbye.serialize(value)}),
};
