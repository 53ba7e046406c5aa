import {VALIDATOR_REGISTRY_LIMIT} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {ContainerType, ListCompositeType} from "@chainsafe/ssz";
import {
  arrayJson,
  enumJson,
  type JsonType,
  objectJson,
  paramJson,
  rootJson,
  sszJson,
  uint64Json,
  versionJson,
} from "../utils/json.ts";
import {enumParam, stateIdParam, uintParam, validatorIdParam} from "../utils/params.ts";
import {dataResponse, jsonData, sszData, stateMeta, versionedStateMeta} from "../utils/responses.ts";
import {bodyField, jsonBody, optBody, optQueryParam, pathParam, queryList, route} from "../utils/route.ts";

/** Beacon namespace, state routes: apis/beacon/genesis.yaml, apis/beacon/states/*.yaml. */

export const VALIDATOR_STATUSES = [
  "pending_initialized",
  "pending_queued",
  "active_ongoing",
  "active_exiting",
  "active_slashed",
  "exited_unslashed",
  "exited_slashed",
  "withdrawal_possible",
  "withdrawal_done",
] as const;
export type ValidatorStatus = (typeof VALIDATOR_STATUSES)[number];
/** A status filter: a status or a status group ("active" = every active_* status, ...). */
export const VALIDATOR_STATUS_FILTERS = [...VALIDATOR_STATUSES, "active", "pending", "exited", "withdrawal"] as const;
export type ValidatorStatusFilter = (typeof VALIDATOR_STATUS_FILTERS)[number];

const validatorResponseJson = objectJson({
  index: uint64Json,
  balance: uint64Json,
  status: enumJson(VALIDATOR_STATUSES),
  validator: sszJson(ssz.phase0.Validator),
});
export type ValidatorResponse = JsonType<typeof validatorResponseJson>;

const validatorBalanceJson = objectJson({index: uint64Json, balance: uint64Json});
export type ValidatorBalance = JsonType<typeof validatorBalanceJson>;

/** ValidatorIdentityResponse: also an SSZ container for the octet-stream answer. */
export const ValidatorIdentity = new ContainerType(
  {index: ssz.phase0.ValidatorIndex, pubkey: ssz.phase0.BLSPubkey, activationEpoch: ssz.phase0.Epoch},
  {typeName: "ValidatorIdentity", jsonCase: "eth2"},
);
export const ValidatorIdentities = new ListCompositeType(ValidatorIdentity, VALIDATOR_REGISTRY_LIMIT);

const committeeJson = objectJson({index: uint64Json, slot: uint64Json, validators: arrayJson(uint64Json)});
export type Committee = JsonType<typeof committeeJson>;

/**
 * At most this many validator ids in one POST validators / validator_balances / validator_identities / liveness
 * request (the spec's lists are of unique ids; Nimbus caps them at the same number): a longer list is a 400 that
 * names the limit, and the body limit below refuses a larger body before it is parsed.
 */
export const MAX_VALIDATOR_IDS = 16384;
/** 16384 ids written as quoted 0x pubkeys (101 bytes each) plus room for the statuses. */
export const VALIDATOR_IDS_BODY_LIMIT = 2 * 1024 * 1024;
const validatorIdsJson = arrayJson(paramJson(validatorIdParam), {maxItems: MAX_VALIDATOR_IDS});
const statusFiltersJson = arrayJson(enumJson(VALIDATOR_STATUS_FILTERS));
const stateId = pathParam("state_id", stateIdParam);
const validatorIds = queryList("id", validatorIdParam, 64);
const statuses = queryList("status", enumParam(VALIDATOR_STATUS_FILTERS));

export const beaconStateRoutes = {
  getGenesis: route({
    method: "GET",
    url: "/eth/v1/beacon/genesis",
    args: {},
    resp: dataResponse(
      jsonData(objectJson({genesisTime: uint64Json, genesisValidatorsRoot: rootJson, genesisForkVersion: versionJson})),
    ),
  }),
  getStateRoot: route({
    method: "GET",
    url: "/eth/v1/beacon/states/{state_id}/root",
    args: {stateId},
    resp: dataResponse(jsonData(objectJson({root: rootJson})), stateMeta),
  }),
  getStateFork: route({
    method: "GET",
    url: "/eth/v1/beacon/states/{state_id}/fork",
    args: {stateId},
    resp: dataResponse(jsonData(sszJson(ssz.phase0.Fork)), stateMeta),
  }),
  getStateFinalityCheckpoints: route({
    method: "GET",
    url: "/eth/v1/beacon/states/{state_id}/finality_checkpoints",
    args: {stateId},
    resp: dataResponse(
      jsonData(
        objectJson({
          previousJustified: sszJson(ssz.phase0.Checkpoint),
          currentJustified: sszJson(ssz.phase0.Checkpoint),
          finalized: sszJson(ssz.phase0.Checkpoint),
        }),
      ),
      stateMeta,
    ),
  }),
  getStateValidators: route({
    method: "GET",
    url: "/eth/v1/beacon/states/{state_id}/validators",
    args: {stateId, validatorIds, statuses},
    resp: dataResponse(jsonData(arrayJson(validatorResponseJson)), stateMeta),
  }),
  postStateValidators: route({
    method: "POST",
    bodyLimit: VALIDATOR_IDS_BODY_LIMIT,
    url: "/eth/v1/beacon/states/{state_id}/validators",
    args: {
      stateId,
      validatorIds: bodyField("ids", validatorIdsJson),
      statuses: bodyField("statuses", statusFiltersJson),
    },
    resp: dataResponse(jsonData(arrayJson(validatorResponseJson)), stateMeta),
  }),
  getStateValidator: route({
    method: "GET",
    url: "/eth/v1/beacon/states/{state_id}/validators/{validator_id}",
    args: {stateId, validatorId: pathParam("validator_id", validatorIdParam)},
    resp: dataResponse(jsonData(validatorResponseJson), stateMeta),
  }),
  getStateValidatorBalances: route({
    method: "GET",
    url: "/eth/v1/beacon/states/{state_id}/validator_balances",
    args: {stateId, validatorIds},
    resp: dataResponse(jsonData(arrayJson(validatorBalanceJson)), stateMeta),
  }),
  postStateValidatorBalances: route({
    method: "POST",
    bodyLimit: VALIDATOR_IDS_BODY_LIMIT,
    url: "/eth/v1/beacon/states/{state_id}/validator_balances",
    args: {stateId, validatorIds: optBody(jsonBody(validatorIdsJson))},
    resp: dataResponse(jsonData(arrayJson(validatorBalanceJson)), stateMeta),
  }),
  postStateValidatorIdentities: route({
    method: "POST",
    bodyLimit: VALIDATOR_IDS_BODY_LIMIT,
    url: "/eth/v1/beacon/states/{state_id}/validator_identities",
    args: {stateId, validatorIds: optBody(jsonBody(validatorIdsJson))},
    resp: dataResponse(sszData(ValidatorIdentities), stateMeta),
  }),
  getEpochCommittees: route({
    method: "GET",
    url: "/eth/v1/beacon/states/{state_id}/committees",
    args: {
      stateId,
      epoch: optQueryParam("epoch", uintParam),
      index: optQueryParam("index", uintParam),
      slot: optQueryParam("slot", uintParam),
    },
    resp: dataResponse(jsonData(arrayJson(committeeJson)), stateMeta),
  }),
  getEpochSyncCommittees: route({
    method: "GET",
    url: "/eth/v1/beacon/states/{state_id}/sync_committees",
    args: {stateId, epoch: optQueryParam("epoch", uintParam)},
    resp: dataResponse(
      jsonData(objectJson({validators: arrayJson(uint64Json), validatorAggregates: arrayJson(arrayJson(uint64Json))})),
      stateMeta,
    ),
  }),
  getStateRandao: route({
    method: "GET",
    url: "/eth/v1/beacon/states/{state_id}/randao",
    args: {stateId, epoch: optQueryParam("epoch", uintParam)},
    resp: dataResponse(jsonData(objectJson({randao: rootJson})), stateMeta),
  }),
  getPendingDeposits: route({
    method: "GET",
    url: "/eth/v1/beacon/states/{state_id}/pending_deposits",
    args: {stateId},
    resp: dataResponse(sszData(ssz.electra.PendingDeposits), versionedStateMeta),
  }),
  getPendingPartialWithdrawals: route({
    method: "GET",
    url: "/eth/v1/beacon/states/{state_id}/pending_partial_withdrawals",
    args: {stateId},
    resp: dataResponse(sszData(ssz.electra.PendingPartialWithdrawals), versionedStateMeta),
  }),
  getPendingConsolidations: route({
    method: "GET",
    url: "/eth/v1/beacon/states/{state_id}/pending_consolidations",
    args: {stateId},
    resp: dataResponse(sszData(ssz.electra.PendingConsolidations), versionedStateMeta),
  }),
  getProposerLookahead: route({
    method: "GET",
    url: "/eth/v1/beacon/states/{state_id}/proposer_lookahead",
    args: {stateId},
    resp: dataResponse(sszData(ssz.fulu.ProposerLookahead), versionedStateMeta),
  }),
};
