/**
 * The Keymanager API (ethereum/keymanager-APIs v1.1.0, `../shared/apis/keymanager-APIs`) defined once, as the
 * Beacon API is: each route is a value (method, URL, arguments, response codec); the typed client
 * (`createKeymanagerApiClient`) and the fastify registration (`registerKeymanagerApi`) come from the same values.
 * Pubkeys and addresses are 0x-prefixed lower-case hex strings (inputs are lower-cased); gas limits are bigints.
 * The server side (bearer token, Host check, `{message}` errors) is keymanager/src/api/server.ts.
 */
import {ssz} from "@ceibo/types";
import type {FastifyInstance} from "fastify";
import {type Client, type ClientOptions, createClient} from "../utils/client.ts";
import {DecodeError} from "../utils/errors.ts";
import {
  arrayJson,
  boolJson,
  enumJson,
  type JsonCodec,
  objectJson,
  paramJson,
  sszJson,
  stringJson,
} from "../utils/json.ts";
import {type ParamCodec, uint64BigParam, uintParam} from "../utils/params.ts";
import {dataResponse, jsonData} from "../utils/responses.ts";
import {
  body,
  jsonBody,
  optQueryParam,
  pathParam,
  type ResponseCodec,
  type RouteArgs,
  type RouteRes,
  route,
} from "../utils/route.ts";
import {type Backend, type RegisterOptions, registerRoutes} from "../utils/server.ts";

function hexStringParam(bytes: number, what: string): ParamCodec<string> {
  const re = new RegExp(`^0x[0-9a-fA-F]{${2 * bytes}}$`);
  return {
    parse(raw, name) {
      if (!re.test(raw)) {
        throw new DecodeError(name, `expected ${what} (0x-prefixed hex of ${bytes} bytes), got "${raw.slice(0, 120)}"`);
      }
      return raw.toLowerCase();
    },
    write: (v) => v,
  };
}

/** A BLS public key, 0x + 96 hex (lower-cased). */
export const pubkeyHexParam = hexStringParam(48, "a BLS public key");
/** An execution address, 0x + 40 hex (lower-cased). */
export const addressHexParam = hexStringParam(20, "an execution address");
const pubkeyHexJson = paramJson(pubkeyHexParam);
const addressHexJson = paramJson(addressHexParam);
const gasLimitJson: JsonCodec<bigint> = paramJson(uint64BigParam);

/** A success without a body (202 Accepted, 204 No Content). */
function noContent(status: 202 | 204): ResponseCodec<void> {
  return {
    ssz: false,
    isOk: (s) => s === status,
    encode: () => ({status, headers: {}}),
    decode: () => undefined,
  };
}

const pubkeyArg = {pubkey: pathParam("pubkey", pubkeyHexParam)};
const pubkeysBody = jsonBody(objectJson({pubkeys: arrayJson(pubkeyHexJson)}));

export const importStatusJson = enumJson(["imported", "duplicate", "error"]);
export const deleteStatusJson = enumJson(["deleted", "not_active", "not_found", "error"]);
export const remoteDeleteStatusJson = enumJson(["deleted", "not_found", "error"]);

const statusOf = <S extends string>(status: JsonCodec<S>) => objectJson({status}, {message: stringJson});

export const keymanagerApiRoutes = {
  // ---- local keystores (apis/local_keystores.yaml)
  listKeys: route({
    method: "GET",
    url: "/eth/v1/keystores",
    args: {},
    resp: dataResponse(
      jsonData(
        arrayJson(objectJson({validatingPubkey: pubkeyHexJson}, {derivationPath: stringJson, readonly: boolJson})),
      ),
    ),
  }),
  importKeystores: route({
    method: "POST",
    url: "/eth/v1/keystores",
    args: {
      body: body(
        jsonBody(
          objectJson(
            {keystores: arrayJson(stringJson), passwords: arrayJson(stringJson)},
            {slashingProtection: stringJson},
          ),
        ),
      ),
    },
    resp: dataResponse(jsonData(arrayJson(statusOf(importStatusJson)))),
  }),
  deleteKeys: route({
    method: "DELETE",
    url: "/eth/v1/keystores",
    args: {body: body(pubkeysBody)},
    resp: dataResponse(jsonData(arrayJson(statusOf(deleteStatusJson))), {slashingProtection: {json: stringJson}}),
  }),

  // ---- remote keys (apis/remote_keystores.yaml)
  listRemoteKeys: route({
    method: "GET",
    url: "/eth/v1/remotekeys",
    args: {},
    resp: dataResponse(jsonData(arrayJson(objectJson({pubkey: pubkeyHexJson}, {url: stringJson, readonly: boolJson})))),
  }),
  importRemoteKeys: route({
    method: "POST",
    url: "/eth/v1/remotekeys",
    args: {
      body: body(jsonBody(objectJson({remoteKeys: arrayJson(objectJson({pubkey: pubkeyHexJson}, {url: stringJson}))}))),
    },
    resp: dataResponse(jsonData(arrayJson(statusOf(importStatusJson)))),
  }),
  deleteRemoteKeys: route({
    method: "DELETE",
    url: "/eth/v1/remotekeys",
    args: {body: body(pubkeysBody)},
    resp: dataResponse(jsonData(arrayJson(statusOf(remoteDeleteStatusJson)))),
  }),

  // ---- fee recipient (apis/fee_recipient.yaml)
  listFeeRecipient: route({
    method: "GET",
    url: "/eth/v1/validator/{pubkey}/feerecipient",
    args: pubkeyArg,
    resp: dataResponse(jsonData(objectJson({ethaddress: addressHexJson}, {pubkey: pubkeyHexJson}))),
  }),
  setFeeRecipient: route({
    method: "POST",
    url: "/eth/v1/validator/{pubkey}/feerecipient",
    args: {...pubkeyArg, body: body(jsonBody(objectJson({ethaddress: addressHexJson})))},
    resp: noContent(202),
  }),
  deleteFeeRecipient: route({
    method: "DELETE",
    url: "/eth/v1/validator/{pubkey}/feerecipient",
    args: pubkeyArg,
    resp: noContent(204),
  }),

  // ---- gas limit (apis/gas_limit.yaml)
  getGasLimit: route({
    method: "GET",
    url: "/eth/v1/validator/{pubkey}/gas_limit",
    args: pubkeyArg,
    resp: dataResponse(jsonData(objectJson({gasLimit: gasLimitJson}, {pubkey: pubkeyHexJson}))),
  }),
  setGasLimit: route({
    method: "POST",
    url: "/eth/v1/validator/{pubkey}/gas_limit",
    args: {...pubkeyArg, body: body(jsonBody(objectJson({gasLimit: gasLimitJson})))},
    resp: noContent(202),
  }),
  deleteGasLimit: route({
    method: "DELETE",
    url: "/eth/v1/validator/{pubkey}/gas_limit",
    args: pubkeyArg,
    resp: noContent(204),
  }),

  // ---- graffiti (apis/graffiti.yaml)
  getGraffiti: route({
    method: "GET",
    url: "/eth/v1/validator/{pubkey}/graffiti",
    args: pubkeyArg,
    resp: dataResponse(jsonData(objectJson({graffiti: stringJson}, {pubkey: pubkeyHexJson}))),
  }),
  setGraffiti: route({
    method: "POST",
    url: "/eth/v1/validator/{pubkey}/graffiti",
    args: {...pubkeyArg, body: body(jsonBody(objectJson({graffiti: stringJson})))},
    resp: noContent(202),
  }),
  deleteGraffiti: route({
    method: "DELETE",
    url: "/eth/v1/validator/{pubkey}/graffiti",
    args: pubkeyArg,
    resp: noContent(204),
  }),

  // ---- voluntary exit (apis/voluntary_exit.yaml): signed, not submitted
  signVoluntaryExit: route({
    method: "POST",
    url: "/eth/v1/validator/{pubkey}/voluntary_exit",
    args: {...pubkeyArg, epoch: optQueryParam("epoch", uintParam)},
    resp: dataResponse(jsonData(sszJson(ssz.phase0.SignedVoluntaryExit))),
  }),
};

export type KeymanagerApiRoutes = typeof keymanagerApiRoutes;
/** What a key-holding process implements: one handler per route (a missing one does not compile). */
export type KeymanagerApiHandlers = Backend<KeymanagerApiRoutes>;
/** The typed HTTP client of the Keymanager API. */
export type KeymanagerApiClient = Client<KeymanagerApiRoutes>;
export type KeymanagerArgs<K extends keyof KeymanagerApiRoutes> = RouteArgs<KeymanagerApiRoutes[K]>;
export type KeymanagerRes<K extends keyof KeymanagerApiRoutes> = RouteRes<KeymanagerApiRoutes[K]>;

export interface KeymanagerClientOptions extends ClientOptions {
  /** The bearer token (the key-holding process's `api-token.txt`). Sent as `Authorization: Bearer …`. */
  token: string;
}

export function createKeymanagerApiClient(opts: KeymanagerClientOptions): KeymanagerApiClient {
  const {token, ...rest} = opts;
  return createClient(keymanagerApiRoutes, {
    ...rest,
    headers: {...opts.headers, Authorization: `Bearer ${token}`},
  });
}

/**
 * Registers every Keymanager API route on `app`. Authentication and the Host check are the caller's (an
 * onRequest hook on `app`); `opts.errorHandler` sets the error body (the Keymanager API answers `{message}`).
 */
export function registerKeymanagerApi(
  app: FastifyInstance,
  handlers: KeymanagerApiHandlers,
  opts?: RegisterOptions,
): void {
  registerRoutes(app, keymanagerApiRoutes, handlers, opts);
}
