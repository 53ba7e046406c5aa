/**
 * The Beacon API codecs (@ceibo/api: a request's path/query/header/body arguments as the server parses them, a
 * response body as the client decodes it) and the Keymanager API's request handling (keymanager/src/api/server.ts
 * through fastify's in-process `inject`, with a backend that parses keystores and interchanges as the validator
 * client does).
 */

import {ApiClientError, ApiError, beaconApiRoutes, DecodeError} from "@ceibo/api";
import {KeystoreError, parseKeystore} from "@ceibo/keymanager";
import {buildKeymanagerServer, KeymanagerApiError, type KeymanagerBackend} from "@ceibo/keymanager/api";
import {parseInterchange, SlashingProtectionError} from "@ceibo/slashing-protection";
import {concatBytes} from "@ceibo/utils";
import {parseArgs} from "../../packages/api/src/utils/args.ts";
import {type FuzzTarget, select, selector, text, utf8} from "../target.ts";

type AnyRoute = {
  method: string;
  url: string;
  args: Record<string, {kind: string; name: string}>;
  resp?: {decode(raw: unknown): unknown};
};
const routes = Object.entries(beaconApiRoutes as unknown as Record<string, AnyRoute>).sort(([a], [b]) =>
  a.localeCompare(b),
);

/**
 * The fuzz bytes as JSON: the text if it parses, else a value built from the bytes (so mutations that break the
 * syntax still reach the codecs with some structure).
 */
export function jsonOf(data: Uint8Array): unknown {
  try {
    return JSON.parse(text(data));
  } catch {
    let i = 0;
    const next = (): number => data[i++ % Math.max(1, data.length)] ?? 0;
    const build = (depth: number): unknown => {
      const b = next();
      switch (b % 8) {
        case 0:
          return String(next() * next());
        case 1:
          return `0x${Buffer.from(data.subarray(i, i + (next() % 97))).toString("hex")}`;
        case 2:
          return next() % 2 === 0;
        case 3:
          return null;
        case 4:
          return depth > 3 ? [] : Array.from({length: next() % 4}, () => build(depth + 1));
        case 5: {
          if (depth > 3) return {};
          const o: Record<string, unknown> = {};
          for (let k = next() % 4; k > 0; k--)
            o[["data", "message", "slot", "index", "signature", "root"][next() % 6]] = build(depth + 1);
          return o;
        }
        case 6:
          return next() - 128;
        default:
          return text(data.subarray(i, i + (next() % 16)));
      }
    };
    return data.length === 0 ? undefined : build(0);
  }
}

const apiExpected = (e: unknown): boolean =>
  e instanceof ApiError || e instanceof DecodeError || e instanceof ApiClientError;

const beaconApiArgs: FuzzTarget = {
  name: "beacon-api-args",
  description: `the arguments of each of the ${routes.length} Beacon API routes as the server parses them (parseArgs: path, query, headers, JSON body)`,
  expected: "ApiError (a 4xx answer) or DecodeError",
  seeds: () => {
    const bodies = [
      '{"p":{},"q":{},"h":{},"b":[]}',
      '{"p":{"state_id":"head","block_id":"head"},"q":{"id":["1","0x00"]},"h":{"eth-consensus-version":"fulu"},"b":[{"slot":"1","index":"0"}]}',
      '{"b":{"data":{}}}',
    ];
    return routes.flatMap((_, i) => bodies.map((b) => concatBytes(selector(i), utf8(b))));
  },
  run(data) {
    const {index, rest} = select(data, routes.length);
    const [, route] = routes[index];
    const doc = jsonOf(rest);
    const o = (typeof doc === "object" && doc !== null && !Array.isArray(doc) ? doc : {b: doc}) as Record<
      string,
      unknown
    >;
    const obj = (v: unknown): Record<string, never> =>
      (typeof v === "object" && v !== null && !Array.isArray(v) ? v : {}) as Record<string, never>;
    const params: Record<string, string> = {};
    for (const spec of Object.values(route.args)) {
      if (spec.kind === "path") params[spec.name] = "head";
    }
    Object.assign(params, obj(o.p));
    for (const [k, v] of Object.entries(params)) if (typeof v !== "string") params[k] = JSON.stringify(v);
    const str = (v: unknown): string | string[] => (Array.isArray(v) ? v.map(String) : String(v));
    const query = Object.fromEntries(Object.entries(obj(o.q)).map(([k, v]) => [k, str(v)]));
    const headers = Object.fromEntries(Object.entries(obj(o.h)).map(([k, v]) => [k.toLowerCase(), str(v)]));
    parseArgs(
      route.args as never,
      {
        params,
        query,
        headers,
        body: o.b,
        bodyIsSsz: false,
        contentType: "application/json",
      },
      {forkAtSlot: () => "fulu"},
    );
  },
  isExpected: apiExpected,
};

const beaconApiResponse: FuzzTarget = {
  name: "beacon-api-response",
  description: "a JSON response of each Beacon API route as the client decodes it (resp.decode)",
  expected: "DecodeError, ApiClientError or ApiError",
  seeds: () =>
    routes.flatMap((_, i) =>
      [
        '{"data":[]}',
        '{"data":{},"version":"fulu","execution_optimistic":false,"finalized":false}',
        '{"data":"0x00"}',
      ].map((b) => concatBytes(selector(i), utf8(b))),
    ),
  run(data) {
    const {index, rest} = select(data, routes.length);
    const [, route] = routes[index];
    if (route.resp === undefined) return;
    const json = jsonOf(rest);
    const headers: Record<string, string> = {"eth-consensus-version": "fulu"};
    route.resp.decode({status: 200, header: (n: string) => headers[n.toLowerCase()], json});
  },
  isExpected: apiExpected,
};

// ---------------------------------------------------------------- keymanager

const TOKEN = "fuzz-token-0123456789abcdef0123456789abcdef";
const PUBKEY = `0x${"a1".repeat(48)}`;
const known = (pubkey: string): void => {
  if (pubkey.toLowerCase() !== PUBKEY) throw new KeymanagerApiError("NOT_FOUND", "unknown validator");
};
/** A backend that parses what the validator client's backend parses, and keeps nothing. */
const backend: KeymanagerBackend = {
  listKeystores: () => [{validatingPubkey: PUBKEY, readonly: false}],
  async importKeystores(keystores, _passwords, slashingProtection) {
    if (slashingProtection !== undefined) {
      try {
        parseInterchange(slashingProtection);
      } catch (e) {
        if (e instanceof SlashingProtectionError) throw new KeymanagerApiError("BAD_REQUEST", e.message);
        throw e;
      }
    }
    return keystores.map((k) => {
      try {
        parseKeystore(k, "import");
        return {status: "imported" as const};
      } catch (e) {
        if (e instanceof KeystoreError) return {status: "error" as const, message: e.message};
        throw e;
      }
    });
  },
  deleteKeystores: async (pubkeys) => ({
    statuses: pubkeys.map(() => ({status: "not_found" as const})),
    slashingProtection: "{}",
  }),
  listRemoteKeys: () => [],
  importRemoteKeys: async (keys) => keys.map(() => ({status: "imported" as const})),
  deleteRemoteKeys: async (pubkeys) => pubkeys.map(() => ({status: "not_found" as const})),
  getFeeRecipient: (p) => {
    known(p);
    return `0x${"00".repeat(20)}`;
  },
  setFeeRecipient: (p) => known(p),
  deleteFeeRecipient: (p) => known(p),
  getGasLimit: (p) => {
    known(p);
    return "30000000";
  },
  setGasLimit: (p) => known(p),
  deleteGasLimit: (p) => known(p),
  getGraffiti: (p) => {
    known(p);
    return "ceibo";
  },
  setGraffiti: (p) => known(p),
  deleteGraffiti: (p) => known(p),
  signVoluntaryExit: async (p) => {
    known(p);
    return {message: {epoch: "0", validator_index: "0"}, signature: `0x${"00".repeat(96)}`};
  },
};
let server: ReturnType<typeof buildKeymanagerServer> | null = null;

const KM_ROUTES: [string, string][] = [
  ["GET", "/eth/v1/keystores"],
  ["POST", "/eth/v1/keystores"],
  ["DELETE", "/eth/v1/keystores"],
  ["GET", "/eth/v1/remotekeys"],
  ["POST", "/eth/v1/remotekeys"],
  ["DELETE", "/eth/v1/remotekeys"],
  ...["feerecipient", "gas_limit", "graffiti"].flatMap((r) =>
    ["GET", "POST", "DELETE"].map((m): [string, string] => [m, `/eth/v1/validator/{pubkey}/${r}`]),
  ),
  ["POST", "/eth/v1/validator/{pubkey}/voluntary_exit"],
];

const keymanagerApi: FuzzTarget = {
  name: "keymanager-api",
  description: `requests to each of the ${KM_ROUTES.length} Keymanager API routes (fastify inject: path, query, JSON body; keystores and interchanges parsed)`,
  expected: "a 4xx answer; a 5xx answer or a throw is a crash",
  seeds: () => {
    const ks = JSON.stringify({
      version: 4,
      pubkey: PUBKEY.slice(2),
      path: "",
      uuid: "00000000-0000-4000-8000-000000000000",
      crypto: {
        kdf: {function: "pbkdf2", params: {dklen: 32, c: 2, prf: "hmac-sha256", salt: "00"}, message: ""},
        checksum: {function: "sha256", params: {}, message: "00".repeat(32)},
        cipher: {function: "aes-128-ctr", params: {iv: "00".repeat(16)}, message: "00".repeat(32)},
      },
    });
    const bodies = [
      "",
      JSON.stringify({keystores: [ks], passwords: ["x"]}),
      JSON.stringify({
        keystores: [ks],
        passwords: ["x"],
        slashing_protection: JSON.stringify({
          metadata: {interchange_format_version: "5", genesis_validators_root: `0x${"00".repeat(32)}`},
          data: [],
        }),
      }),
      JSON.stringify({pubkeys: [PUBKEY]}),
      JSON.stringify({remote_keys: [{pubkey: PUBKEY, url: "http://127.0.0.1:9000"}]}),
      JSON.stringify({ethaddress: `0x${"11".repeat(20)}`, gas_limit: "30000000", graffiti: "hi"}),
    ];
    return KM_ROUTES.flatMap((_, i) => bodies.map((b) => concatBytes(selector(i), Uint8Array.of(0), utf8(b))));
  },
  async run(data) {
    server ??= buildKeymanagerServer({backend, token: TOKEN});
    const {index, rest} = select(data, KM_ROUTES.length);
    const [method, path] = KM_ROUTES[index];
    const mode = rest[0] ?? 0;
    const body = text(rest.subarray(1));
    const pubkey = mode & 1 ? encodeURIComponent(body.slice(0, 100)) : PUBKEY;
    const url = path.replace("{pubkey}", pubkey) + (mode & 2 ? `?epoch=${encodeURIComponent(body.slice(0, 24))}` : "");
    const res = await server.inject({
      method: method as "GET",
      url,
      headers: {authorization: `Bearer ${TOKEN}`, "content-type": "application/json"},
      payload: method === "GET" ? undefined : body,
    });
    if (res.statusCode >= 500 && res.statusCode !== 501) {
      throw Object.assign(new Error(`HTTP ${res.statusCode}: ${res.body.slice(0, 200)}`), {name: "ServerError"});
    }
  },
  isExpected: () => false,
};

export const apiTargets: FuzzTarget[] = [beaconApiArgs, beaconApiResponse, keymanagerApi];
