/** DataColumnSidecarsByRoot v1 (fulu p2p-interface.md "DataColumnSidecarsByRoot"): the known ones, unknown skipped. */
import {ssz} from "@ceibo/types";
import type {Handler} from "../types.ts";
import {sidecarEncoder} from "./common.ts";

export const dataColumnSidecarsByRoot: Handler<"data_column_sidecars_by_root"> = {
  requestType: (_def, ctx) => ctx.types.DataColumnsByRootIdentifiers,
  cost: (ids, ctx) => {
    let n = 0;
    for (const id of ids) n += id.columns.length;
    return Math.max(1, Math.min(n, ctx.types.computeMaxRequestDataColumnSidecars()));
  },
  handle: (ids, _peer, ctx) =>
    ctx.server.dataColumnSidecarsByRoot(ids, ctx.types.computeMaxRequestDataColumnSidecars()),
  encode: sidecarEncoder(ssz.fulu.DataColumnSidecar),
};
