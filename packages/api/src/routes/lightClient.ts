import type {ssz} from "@ceibo/types";
import type {ValueOf} from "@chainsafe/ssz";
import {arrayJson} from "../utils/json.ts";
import {rootParam, uintParam} from "../utils/params.ts";
import {bodyResponse, dataResponse, forkData, meta} from "../utils/responses.ts";
import {pathParam, queryParam, route} from "../utils/route.ts";
import {forkVersionedJson, typesAt} from "./types.ts";

/** Beacon namespace, light client routes: apis/beacon/light_client/*.yaml (altair light-client/sync-protocol). */

/** The value types from altair on (capella adds execution to the header, electra deepens the branches). */
export type LightClientBootstrap =
  | ValueOf<typeof ssz.electra.LightClientBootstrap>
  | ValueOf<typeof ssz.altair.LightClientBootstrap>;
export type LightClientUpdate =
  | ValueOf<typeof ssz.electra.LightClientUpdate>
  | ValueOf<typeof ssz.altair.LightClientUpdate>;
export type LightClientFinalityUpdate =
  | ValueOf<typeof ssz.electra.LightClientFinalityUpdate>
  | ValueOf<typeof ssz.altair.LightClientFinalityUpdate>;
export type LightClientOptimisticUpdate =
  | ValueOf<typeof ssz.electra.LightClientOptimisticUpdate>
  | ValueOf<typeof ssz.altair.LightClientOptimisticUpdate>;

const versionOnly = {version: meta.version};

export const lightClientRoutes = {
  getLightClientBootstrap: route({
    method: "GET",
    url: "/eth/v1/beacon/light_client/bootstrap/{block_root}",
    args: {blockRoot: pathParam("block_root", rootParam)},
    resp: dataResponse(
      forkData<LightClientBootstrap>((m) => typesAt(m.version).LightClientBootstrap),
      versionOnly,
    ),
  }),
  /**
   * A bare JSON array of `{version, data}`. The spec's SSZ form (length-prefixed chunks with fork digests) needs
   * the chain's fork digests on both sides: JSON only for now.
   */
  getLightClientUpdatesByRange: route({
    method: "GET",
    url: "/eth/v1/beacon/light_client/updates",
    args: {startPeriod: queryParam("start_period", uintParam), count: queryParam("count", uintParam)},
    resp: bodyResponse(arrayJson(forkVersionedJson<LightClientUpdate>("LightClientUpdate"))),
  }),
  getLightClientFinalityUpdate: route({
    method: "GET",
    url: "/eth/v1/beacon/light_client/finality_update",
    args: {},
    resp: dataResponse(
      forkData<LightClientFinalityUpdate>((m) => typesAt(m.version).LightClientFinalityUpdate),
      versionOnly,
    ),
  }),
  getLightClientOptimisticUpdate: route({
    method: "GET",
    url: "/eth/v1/beacon/light_client/optimistic_update",
    args: {},
    resp: dataResponse(
      forkData<LightClientOptimisticUpdate>((m) => typesAt(m.version).LightClientOptimisticUpdate),
      versionOnly,
    ),
  }),
};
