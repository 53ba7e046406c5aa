/**
 * DataColumnSidecarsByRange v1 (fulu p2p-interface.md "DataColumnSidecarsByRange"): the requested columns of the
 * canonical blocks of the range in (slot, column) order; ResourceUnavailable before the earliest slot.
 */
import {ssz} from "@ceibo/types";
import {RespCode} from "../../encoding/sszSnappy.ts";
import {ResponseError} from "../errors.ts";
import type {Handler} from "../types.ts";
import {checkAvailable, checkCount, sidecarEncoder} from "./common.ts";

export const dataColumnSidecarsByRange: Handler<"data_column_sidecars_by_range"> = {
  requestType: () => ssz.fulu.DataColumnSidecarsByRangeRequest,
  cost: (req, ctx) =>
    Math.max(1, Math.min(req.count * req.columns.length, ctx.types.computeMaxRequestDataColumnSidecars())),
  handle: async (req, _peer, ctx) => {
    if (!Number.isSafeInteger(req.startSlot)) return []; // beyond any chain
    checkCount(req.count);
    if (req.columns.some((c) => c >= ssz.fulu.DataColumnIndices.limit)) {
      throw new ResponseError(RespCode.INVALID_REQUEST, "column index out of range");
    }
    checkAvailable(ctx, req.startSlot);
    const count = Math.min(req.count, ctx.config.chain.MAX_REQUEST_BLOCKS_DENEB);
    return ctx.server.dataColumnSidecarsByRange(
      req.startSlot,
      count,
      req.columns,
      ctx.types.computeMaxRequestDataColumnSidecars(),
    );
  },
  encode: sidecarEncoder(ssz.fulu.DataColumnSidecar),
};
