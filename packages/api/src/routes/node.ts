import {ssz} from "@ceibo/types";
import {
  arrayJson,
  boolJson,
  enumJson,
  type JsonType,
  nullableJson,
  numberJson,
  objectJson,
  sszJson,
  stringJson,
  uint64Json,
} from "../utils/json.ts";
import {enumParam, intRangeParam, stringParam} from "../utils/params.ts";
import {dataResponse, jsonData} from "../utils/responses.ts";
import {optQueryParam, pathParam, queryList, type ResponseCodec, route} from "../utils/route.ts";

/** Node namespace: apis/node/*.yaml. */

export const PEER_STATES = ["disconnected", "connecting", "connected", "disconnecting"] as const;
export const PEER_DIRECTIONS = ["inbound", "outbound"] as const;
export type PeerState = (typeof PEER_STATES)[number];
export type PeerDirection = (typeof PEER_DIRECTIONS)[number];

const metadataJson = objectJson(
  {seqNumber: sszJson(ssz.phase0.UintBn64), attnets: sszJson(ssz.phase0.AttestationSubnets)},
  {syncnets: sszJson(ssz.altair.SyncSubnets), custodyGroupCount: uint64Json},
);

const networkIdentityJson = objectJson({
  peerId: stringJson,
  enr: stringJson,
  p2pAddresses: arrayJson(stringJson),
  discoveryAddresses: arrayJson(stringJson),
  metadata: metadataJson,
});
export type NetworkIdentity = JsonType<typeof networkIdentityJson>;

const peerJson = objectJson({
  peerId: stringJson,
  enr: nullableJson(stringJson),
  lastSeenP2pAddress: stringJson,
  state: enumJson(PEER_STATES),
  direction: enumJson(PEER_DIRECTIONS),
});
export type Peer = JsonType<typeof peerJson>;

const syncingJson = objectJson({
  headSlot: uint64Json,
  syncDistance: uint64Json,
  isSyncing: boolJson,
  isOptimistic: boolJson,
  elOffline: boolJson,
});
export type SyncingStatus = JsonType<typeof syncingJson>;

/** ready → 200, syncing → 206 (or the caller's `syncing_status`), notInitialized → 503. */
export type HealthStatus = "ready" | "syncing" | "notInitialized";

const healthResponse: ResponseCodec<HealthStatus> = {
  ssz: false,
  isOk: (status, args) => status === 200 || status === 503 || status === ((args.syncingStatus as number) ?? 206),
  encode(res, args) {
    const status = res === "ready" ? 200 : res === "syncing" ? ((args.syncingStatus as number) ?? 206) : 503;
    return {status, headers: {}};
  },
  decode(raw) {
    if (raw.status === 200) return "ready";
    if (raw.status === 503) return "notInitialized";
    return "syncing";
  },
};

export const nodeRoutes = {
  getNetworkIdentity: route({
    method: "GET",
    url: "/eth/v1/node/identity",
    args: {},
    resp: dataResponse(jsonData(networkIdentityJson)),
  }),
  getPeers: route({
    method: "GET",
    url: "/eth/v1/node/peers",
    args: {
      state: queryList("state", enumParam(PEER_STATES)),
      direction: queryList("direction", enumParam(PEER_DIRECTIONS)),
    },
    resp: dataResponse(jsonData(arrayJson(peerJson)), {meta: {json: objectJson({count: numberJson})}}),
  }),
  getPeer: route({
    method: "GET",
    url: "/eth/v1/node/peers/{peer_id}",
    args: {peerId: pathParam("peer_id", stringParam)},
    resp: dataResponse(jsonData(peerJson)),
  }),
  getPeerCount: route({
    method: "GET",
    url: "/eth/v1/node/peer_count",
    args: {},
    resp: dataResponse(
      jsonData(
        objectJson({
          disconnected: uint64Json,
          connecting: uint64Json,
          connected: uint64Json,
          disconnecting: uint64Json,
        }),
      ),
    ),
  }),
  getNodeVersion: route({
    method: "GET",
    url: "/eth/v1/node/version",
    args: {},
    resp: dataResponse(jsonData(objectJson({version: stringJson}))),
  }),
  getSyncingStatus: route({
    method: "GET",
    url: "/eth/v1/node/syncing",
    args: {},
    resp: dataResponse(jsonData(syncingJson)),
  }),
  getHealth: route({
    method: "GET",
    url: "/eth/v1/node/health",
    args: {syncingStatus: optQueryParam("syncing_status", intRangeParam(100, 599))},
    resp: healthResponse,
  }),
};
