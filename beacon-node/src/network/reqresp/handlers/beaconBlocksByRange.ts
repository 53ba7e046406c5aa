/**
 * BeaconBlocksByRange v2 (phase0/altair p2p-interface.md "BeaconBlocksByRange"): the canonical blocks of
 * [start_slot, start_slot + count), count capped at MAX_REQUEST_BLOCKS(_DENEB); the deprecated step > 1 is answered
 * with the first block only; ResourceUnavailable before the earliest available slot.
 */
import {ssz} from "@ceibo/types";
import {RespCode} from "../../encoding/sszSnappy.ts";
import {ResponseError} from "../errors.ts";
import type {Handler} from "../types.ts";
import {checkAvailable, checkCount, encodeBlock} from "./common.ts";

export const beaconBlocksByRange: Handler<"beacon_blocks_by_range"> = {
  requestType: () => ssz.phase0.BeaconBlocksByRangeRequest,
  cost: (req, ctx) => Math.max(1, Math.min(req.count, ctx.types.maxRequestBlocks(ctx.server.currentEpoch))),
  handle: async (req, _peer, ctx) => {
    if (!Number.isSafeInteger(req.startSlot)) return []; // beyond any chain
    checkCount(req.count);
    if (req.step < 1) throw new ResponseError(RespCode.INVALID_REQUEST, "step must be 1");
    checkAvailable(ctx, req.startSlot);
    // step is deprecated: for step > 1 the spec allows answering with the first block only
    const count = req.step > 1 ? 1 : Math.min(req.count, ctx.types.maxRequestBlocks(ctx.server.currentEpoch));
    return ctx.server.blocksByRange(req.startSlot, count);
  },
  encode: encodeBlock,
};
