/** GetLightClientBootstrap v1 (altair light-client p2p-interface.md): from chain.lightClient, else ResourceUnavailable. */
import {ssz} from "@ceibo/types";
import {serveLightClientBootstrap} from "../lightClient.ts";
import type {Handler} from "../types.ts";

export const lightClientBootstrap: Handler<"light_client_bootstrap"> = {
  requestType: () => ssz.phase0.Root,
  handle: (blockRoot, _peer, ctx) => serveLightClientBootstrap(ctx.lightClient, blockRoot),
  encode: (chunk) => chunk,
};
