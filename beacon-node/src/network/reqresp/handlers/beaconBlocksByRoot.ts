/** BeaconBlocksByRoot v2 (phase0/altair/deneb p2p-interface.md "BeaconBlocksByRoot"): known blocks, unknown skipped. */
import type {Handler} from "../types.ts";
import {encodeBlock} from "./common.ts";

export const beaconBlocksByRoot: Handler<"beacon_blocks_by_root"> = {
  requestType: (_def, ctx) => ctx.types.BeaconBlockRoots(ctx.server.currentEpoch),
  cost: (roots) => Math.max(1, roots.length),
  handle: (roots, _peer, ctx) => ctx.server.blocksByRoot(roots),
  encode: encodeBlock,
};
