/**
 * BlobSidecarsByRange v1 (deneb/electra p2p-interface.md "BlobSidecarsByRange"): the sidecars of the canonical
 * blocks of the range in (slot, index) order, whole blocks only; ResourceUnavailable before the earliest slot.
 */
import {ssz} from "@ceibo/types";
import type {Handler} from "../types.ts";
import {checkAvailable, checkCount, sidecarEncoder} from "./common.ts";

export const blobSidecarsByRange: Handler<"blob_sidecars_by_range"> = {
  requestType: () => ssz.deneb.BlobSidecarsByRangeRequest,
  cost: (req, ctx) => {
    const epoch = ctx.server.currentEpoch;
    return Math.max(
      1,
      Math.min(
        req.count * ctx.types.maxBlobsPerBlockForRequests(epoch),
        ctx.types.computeMaxRequestBlobSidecars(epoch),
      ),
    );
  },
  handle: async (req, _peer, ctx) => {
    if (!Number.isSafeInteger(req.startSlot)) return []; // beyond any chain
    checkCount(req.count);
    checkAvailable(ctx, req.startSlot);
    const epoch = ctx.server.currentEpoch;
    const count = Math.min(req.count, ctx.config.chain.MAX_REQUEST_BLOCKS_DENEB);
    return ctx.server.blobSidecarsByRange(req.startSlot, count, ctx.types.computeMaxRequestBlobSidecars(epoch));
  },
  encode: sidecarEncoder(ssz.deneb.BlobSidecar),
};
