/**
 * BeaconBlocksByHead v1 (fulu p2p-interface.md): the block at beacon_root and its ancestors, newest first. The walk
 * stops at min(count, MAX_REQUEST_BLOCKS_DENEB) blocks or before the first slot of
 * [current_epoch - compute_min_epochs_for_block_requests(), current_epoch].
 */
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import {BeaconBlocksByHeadRequest} from "../protocols.ts";
import type {Handler} from "../types.ts";
import {checkCount, encodeBlock} from "./common.ts";

export const beaconBlocksByHead: Handler<"beacon_blocks_by_head"> = {
  requestType: () => BeaconBlocksByHeadRequest,
  cost: (req, ctx) => Math.max(1, Math.min(req.count, ctx.config.chain.MAX_REQUEST_BLOCKS_DENEB)),
  handle: async (req, _peer, ctx) => {
    checkCount(req.count);
    const c = ctx.config.chain;
    const minEpochs = c.MIN_VALIDATOR_WITHDRAWABILITY_DELAY + Math.floor(c.CHURN_LIMIT_QUOTIENT / 2);
    const minSlot = Math.max(0, ctx.server.currentEpoch - minEpochs) * SLOTS_PER_EPOCH;
    return ctx.server.blocksByHead(req.beaconRoot, Math.min(req.count, c.MAX_REQUEST_BLOCKS_DENEB), minSlot);
  },
  encode: encodeBlock,
};
