/** BlobSidecarsByRoot v1 (deneb/electra p2p-interface.md "BlobSidecarsByRoot"): the known ones, unknown skipped. */
import {ssz} from "@ceibo/types";
import type {Handler} from "../types.ts";
import {sidecarEncoder} from "./common.ts";

export const blobSidecarsByRoot: Handler<"blob_sidecars_by_root"> = {
  requestType: (_def, ctx) => ctx.types.BlobIdentifiers(ctx.server.currentEpoch),
  cost: (ids) => Math.max(1, ids.length),
  handle: (ids, _peer, ctx) => ctx.server.blobSidecarsByRoot(ids),
  encode: sidecarEncoder(ssz.deneb.BlobSidecar),
};
