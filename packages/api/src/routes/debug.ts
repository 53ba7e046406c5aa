import type {ForkName} from "@ceibo/params";
import {NUMBER_OF_COLUMNS} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {ListCompositeType} from "@chainsafe/ssz";
import {
  arrayJson,
  boolJson,
  enumJson,
  freeObjectJson,
  type JsonType,
  objectJson,
  rootJson,
  sszJson,
  uint64Json,
} from "../utils/json.ts";
import {blockIdParam, stateIdParam, uintParam} from "../utils/params.ts";
import {
  bodyResponse,
  type DataCodec,
  dataResponse,
  deserialize,
  jsonData,
  sszData,
  versionedStateMeta,
} from "../utils/responses.ts";
import {pathParam, queryList, route} from "../utils/route.ts";
import {sszFromJson} from "../utils/sszJson.ts";
import {typesAt} from "./types.ts";

/** Debug namespace: apis/debug/*.yaml. */

/**
 * A beacon state as its SSZ bytes: the node serves a tree-backed state without building a JS value, and a
 * client (checkpoint sync) deserializes straight to a tree. JSON goes through the fork's BeaconState type.
 */
const stateBytesData: DataCodec<Uint8Array, {version: ForkName}> = {
  toJson: (bytes, m) => typesAt(m.version).BeaconState.toJson(typesAt(m.version).BeaconState.deserialize(bytes)),
  fromJson: (j, m) => typesAt(m.version).BeaconState.serialize(sszFromJson(typesAt(m.version).BeaconState, j, "data")),
  serialize: (bytes) => bytes,
  deserialize: (bytes, m) => {
    // Check the bytes decode as the announced fork's state, so a caller never gets a truncated download.
    deserialize(typesAt(m.version).BeaconState, bytes);
    return bytes;
  },
};

const chainHeadJson = objectJson({root: rootJson, slot: uint64Json, executionOptimistic: boolJson});
export type ChainHead = JsonType<typeof chainHeadJson>;

const forkChoiceNodeJson = objectJson(
  {
    slot: uint64Json,
    blockRoot: rootJson,
    parentRoot: rootJson,
    justifiedEpoch: uint64Json,
    finalizedEpoch: uint64Json,
    /** Gwei: can exceed 2**53 at mainnet scale. */
    weight: sszJson(ssz.phase0.UintBn64),
    validity: enumJson(["valid", "invalid", "optimistic"]),
    executionBlockHash: rootJson,
  },
  {extraData: freeObjectJson},
);
export type ForkChoiceNode = JsonType<typeof forkChoiceNodeJson>;

const forkChoiceJson = objectJson(
  {
    justifiedCheckpoint: sszJson(ssz.phase0.Checkpoint),
    finalizedCheckpoint: sszJson(ssz.phase0.Checkpoint),
    forkChoiceNodes: arrayJson(forkChoiceNodeJson, {minItems: 1}),
  },
  {extraData: freeObjectJson},
);
export type ForkChoiceDump = JsonType<typeof forkChoiceJson>;

export const DataColumnSidecars = new ListCompositeType(ssz.fulu.DataColumnSidecar, NUMBER_OF_COLUMNS);

export const debugRoutes = {
  /** `data` is the state's SSZ bytes in both formats (JSON is converted on the way). */
  getStateV2: route({
    method: "GET",
    url: "/eth/v2/debug/beacon/states/{state_id}",
    args: {stateId: pathParam("state_id", stateIdParam)},
    resp: dataResponse(stateBytesData, versionedStateMeta),
  }),
  getDebugChainHeadsV2: route({
    method: "GET",
    url: "/eth/v2/debug/beacon/heads",
    args: {},
    resp: dataResponse(jsonData(arrayJson(chainHeadJson))),
  }),
  getDebugForkChoice: route({
    method: "GET",
    url: "/eth/v1/debug/fork_choice",
    args: {},
    resp: bodyResponse(forkChoiceJson),
  }),
  getDebugDataColumnSidecars: route({
    method: "GET",
    url: "/eth/v1/debug/beacon/data_column_sidecars/{block_id}",
    args: {blockId: pathParam("block_id", blockIdParam), indices: queryList("indices", uintParam)},
    resp: dataResponse(sszData(DataColumnSidecars), versionedStateMeta),
  }),
};
