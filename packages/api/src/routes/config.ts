import {ssz} from "@ceibo/types";
import {addressJson, arrayJson, objectJson, sszJson, stringRecordJson, uint64Json} from "../utils/json.ts";
import {dataResponse, jsonData} from "../utils/responses.ts";
import {route} from "../utils/route.ts";

/** Config namespace: apis/config/*.yaml. */
export const configRoutes = {
  /** Every preset and chain-config value and constant as strings (`{"SLOTS_PER_EPOCH": "32", ...}`). */
  getSpec: route({
    method: "GET",
    url: "/eth/v1/config/spec",
    args: {},
    resp: dataResponse(jsonData(stringRecordJson)),
  }),
  getForkSchedule: route({
    method: "GET",
    url: "/eth/v1/config/fork_schedule",
    args: {},
    resp: dataResponse(jsonData(arrayJson(sszJson(ssz.phase0.Fork)))),
  }),
  getDepositContract: route({
    method: "GET",
    url: "/eth/v1/config/deposit_contract",
    args: {},
    resp: dataResponse(jsonData(objectJson({chainId: uint64Json, address: addressJson}))),
  }),
};
