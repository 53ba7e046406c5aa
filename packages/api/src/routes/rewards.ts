import {arrayJson, int64Json, type JsonType, objectJson, paramJson, uint64Json} from "../utils/json.ts";
import {blockIdParam, uintParam, validatorIdParam} from "../utils/params.ts";
import {dataResponse, jsonData, stateMeta} from "../utils/responses.ts";
import {jsonBody, optBody, pathParam, route} from "../utils/route.ts";

/** Beacon namespace, rewards routes: apis/beacon/rewards/*.yaml. Amounts in Gwei; penalties are negative. */

const blockRewardsJson = objectJson({
  proposerIndex: uint64Json,
  total: uint64Json,
  attestations: uint64Json,
  syncAggregate: uint64Json,
  proposerSlashings: uint64Json,
  attesterSlashings: uint64Json,
});
export type BlockRewards = JsonType<typeof blockRewardsJson>;

const attestationsRewardsJson = objectJson({
  idealRewards: arrayJson(
    objectJson(
      {effectiveBalance: uint64Json, head: int64Json, target: int64Json, source: int64Json, inactivity: int64Json},
      {inclusionDelay: uint64Json},
    ),
  ),
  totalRewards: arrayJson(
    objectJson(
      {validatorIndex: uint64Json, head: int64Json, target: int64Json, source: int64Json, inactivity: int64Json},
      {inclusionDelay: uint64Json},
    ),
  ),
});
export type AttestationsRewards = JsonType<typeof attestationsRewardsJson>;

const syncCommitteeRewardsJson = arrayJson(objectJson({validatorIndex: uint64Json, reward: int64Json}));
export type SyncCommitteeRewards = JsonType<typeof syncCommitteeRewardsJson>;

const validatorIds = optBody(jsonBody(arrayJson(paramJson(validatorIdParam))));

export const rewardsRoutes = {
  getBlockRewards: route({
    method: "GET",
    url: "/eth/v1/beacon/rewards/blocks/{block_id}",
    args: {blockId: pathParam("block_id", blockIdParam)},
    resp: dataResponse(jsonData(blockRewardsJson), stateMeta),
  }),
  getAttestationsRewards: route({
    method: "POST",
    url: "/eth/v1/beacon/rewards/attestations/{epoch}",
    args: {epoch: pathParam("epoch", uintParam), validatorIds},
    resp: dataResponse(jsonData(attestationsRewardsJson), stateMeta),
  }),
  getSyncCommitteeRewards: route({
    method: "POST",
    url: "/eth/v1/beacon/rewards/sync_committee/{block_id}",
    args: {blockId: pathParam("block_id", blockIdParam), validatorIds},
    resp: dataResponse(jsonData(syncCommitteeRewardsJson), stateMeta),
  }),
};
