/** Ping v1 (phase0 p2p-interface.md "Ping"): the peer's seq_number to the peer manager; ours back. */
import {ssz} from "@ceibo/types";
import type {Handler} from "../types.ts";
import {callPeerHandler} from "./common.ts";

export const ping: Handler<"ping"> = {
  requestType: () => ssz.phase0.Ping,
  handle: async (seq, peer, ctx) => {
    callPeerHandler(ctx, "onPing", () => ctx.peerHandlers.onPing(peer, seq));
    return [ctx.peerHandlers.getMetadata().seqNumber];
  },
  encode: (value) => ({ssz: ssz.phase0.Ping.serialize(value)}),
};
