/**
 * The Keymanager API route definitions against the OpenAPI file (../shared/apis/keymanager-APIs, OpenAPI 3.0.3:
 * ajv draft-07): every spec operation has a route with the same method, path, parameters and body; and for each
 * route a call through the typed client to a real fastify server (127.0.0.1, port 0) hands the handler exactly
 * the arguments given and returns exactly what the handler returned, while the recorded HTTP request and
 * response validate against the operation. Bad input is answered 400 naming the field.
 */
import type {AddressInfo} from "node:net";
import path from "node:path";
import {ssz} from "@ceibo/types";
import {Ajv, type ValidateFunction} from "ajv";
import type {FastifyInstance} from "fastify";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {
  type AnyRoute,
  ApiClientError,
  type ArgSpecs,
  createApiServer,
  createKeymanagerApiClient,
  type KeymanagerApiClient,
  type KeymanagerApiHandlers,
  keymanagerApiRoutes,
} from "../src/index.ts";
import {comparable} from "./harness.ts";
import {resolve} from "./openapi.ts";

const SPEC_DIR =
  process.env.KEYMANAGER_APIS_DIR ?? path.resolve(import.meta.dirname, "../../../../shared/apis/keymanager-APIs");
const ROOT_FILE = path.join(SPEC_DIR, "keymanager-oapi.yaml");

type Obj = Record<string, unknown>;
interface Operation {
  method: string;
  path: string;
  operationId: string;
  parameters: {name: string; in: string; required?: boolean; schema?: Obj}[];
  requestBody?: {required?: boolean; content: Record<string, {schema?: Obj}>};
  responses: Record<string, {content?: Record<string, {schema?: Obj}>}>;
}

function loadOperations(): Operation[] {
  const root = resolve({$ref: `${path.basename(ROOT_FILE)}#/paths`}, ROOT_FILE) as Record<string, Obj>;
  const ops: Operation[] = [];
  for (const [p, item] of Object.entries(root)) {
    for (const [method, op] of Object.entries(item as Record<string, Obj>)) {
      if (!["get", "post", "put", "delete"].includes(method)) continue;
      ops.push({
        method: method.toUpperCase(),
        path: p,
        operationId: op.operationId as string,
        parameters: (op.parameters ?? []) as Operation["parameters"],
        ...(op.requestBody ? {requestBody: op.requestBody as Operation["requestBody"]} : {}),
        responses: op.responses as Operation["responses"],
      });
    }
  }
  return ops;
}

const ajv = new Ajv({strict: false, allErrors: true});
ajv.addFormat("hex", /^0x[a-fA-F0-9]*$/);
ajv.addFormat("uri", /^https?:\/\//);
const compiled = new WeakMap<object, ValidateFunction>();
function validate(schema: Obj, value: unknown): string | undefined {
  let fn = compiled.get(schema);
  if (fn === undefined) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn(value) ? undefined : ajv.errorsText(fn.errors, {separator: "\n"});
}

const operations = loadOperations();
/** Operations whose spec body is not marked required although the operation means nothing without it. */
const BODY_REQUIRED_ANYWAY = ["setGasLimit"];
const routes = Object.entries(keymanagerApiRoutes) as [string, AnyRoute][];

interface Exchange {
  method: string;
  url: URL;
  requestBody?: string;
  status: number;
  responseBody: string;
}

function checkExchange(ex: Exchange): string[] {
  const problems: string[] = [];
  const op = operations.find((o) => {
    if (o.method !== ex.method) return false;
    return new RegExp(`^${o.path.replace(/\{(\w+)\}/g, "[^/]+")}$`).test(ex.url.pathname);
  });
  if (!op) return [`no operation ${ex.method} ${ex.url.pathname}`];
  const id = op.operationId;
  const segs = op.path.split("/");
  const got = ex.url.pathname.split("/");
  for (const p of op.parameters) {
    const value =
      p.in === "path" ? decodeURIComponent(got[segs.indexOf(`{${p.name}}`)]) : ex.url.searchParams.get(p.name);
    if (value === null) {
      if (p.required) problems.push(`${id}: missing ${p.in} ${p.name}`);
      continue;
    }
    const err = p.schema ? validate(p.schema, value) : undefined;
    if (err) problems.push(`${id} ${p.in} ${p.name}=${value}: ${err}`);
  }
  const bodySchema = op.requestBody?.content["application/json"]?.schema;
  if (ex.requestBody !== undefined) {
    if (!bodySchema) problems.push(`${id}: a request body the spec does not have`);
    else {
      const err = validate(bodySchema, JSON.parse(ex.requestBody));
      if (err) problems.push(`${id} request body: ${err}`);
    }
  } else if (op.requestBody?.required) problems.push(`${id}: request body required`);
  const response = op.responses[String(ex.status)];
  if (!response) return [...problems, `${id}: status ${ex.status} not in the spec`];
  const schema = response.content?.["application/json"]?.schema;
  if (schema) {
    const err = validate(schema, ex.responseBody === "" ? undefined : JSON.parse(ex.responseBody));
    if (err) problems.push(`${id} ${ex.status} response: ${err} (${ex.responseBody.slice(0, 300)})`);
  } else if (ex.responseBody !== "") problems.push(`${id} ${ex.status}: a body the spec does not have`);
  return problems;
}

const PK = (i: number) => `0x${i.toString(16).padStart(2, "0").repeat(48)}`;
const ADDR = `0x${"ab".repeat(20)}`;
const exitSample = ssz.phase0.SignedVoluntaryExit.defaultValue();
exitSample.message = {epoch: 7, validatorIndex: 42};
exitSample.signature = new Uint8Array(96).fill(0xc5);

const calls: Record<string, unknown[]> = {};
const returns: Record<string, unknown[]> = {};
const results: Record<string, unknown> = {
  listKeys: {
    data: [
      {validatingPubkey: PK(1), derivationPath: "m/12381/3600/0/0/0", readonly: false},
      {validatingPubkey: PK(2), readonly: true},
    ],
  },
  importKeystores: {data: [{status: "imported"}, {status: "error", message: "wrong password"}]},
  deleteKeys: {data: [{status: "deleted"}, {status: "not_found"}], slashingProtection: '{"metadata":{}}'},
  listRemoteKeys: {data: [{pubkey: PK(3), url: "http://127.0.0.1:9000", readonly: false}]},
  importRemoteKeys: {data: [{status: "imported"}, {status: "duplicate"}]},
  deleteRemoteKeys: {data: [{status: "deleted"}]},
  listFeeRecipient: {data: {pubkey: PK(1), ethaddress: ADDR}},
  getGasLimit: {data: {pubkey: PK(1), gasLimit: 2n ** 64n - 1n}},
  getGraffiti: {data: {pubkey: PK(1), graffiti: "ceibo 🌳"}},
  signVoluntaryExit: {data: exitSample},
};
const handlers = Object.fromEntries(
  routes.map(([id]) => [
    id,
    async (args: unknown) => {
      calls[id] ??= [];
      calls[id].push(args);
      const res = results[id];
      returns[id] ??= [];
      returns[id].push(res);
      return res;
    },
  ]),
) as unknown as KeymanagerApiHandlers;

let server: FastifyInstance;
let client: KeymanagerApiClient;
let baseUrl: string;
const exchanges: Exchange[] = [];
const TOKEN = "ab".repeat(32);
const seenAuth: string[] = [];

beforeAll(async () => {
  server = createApiServer(keymanagerApiRoutes, handlers);
  server.addHook("onRequest", async (req) => {
    seenAuth.push(String(req.headers.authorization));
  });
  await server.listen({host: "127.0.0.1", port: 0});
  baseUrl = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  const recordingFetch: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    exchanges.push({
      method: init?.method ?? "GET",
      url: new URL(String(input)),
      ...(init?.body !== undefined ? {requestBody: String(init.body)} : {}),
      status: res.status,
      responseBody: await res.clone().text(),
    });
    return res;
  };
  client = createKeymanagerApiClient({baseUrl, token: TOKEN, fetch: recordingFetch, timeoutMs: 10_000});
});
afterAll(async () => {
  await server?.close();
});

async function roundTrip<K extends keyof KeymanagerApiClient>(
  id: K,
  args: Parameters<KeymanagerApiClient[K]>[0],
): Promise<unknown> {
  const before = exchanges.length;
  const res = await (client[id] as unknown as (a: unknown) => Promise<unknown>)(args);
  expect(comparable(calls[id]?.at(-1)), `${id}: handler arguments`).toEqual(comparable(args ?? {}));
  expect(comparable(res), `${id}: client result`).toEqual(comparable(returns[id]?.at(-1)));
  expect(exchanges.length - before).toBe(1);
  expect(checkExchange(exchanges[before]), `${id}: OpenAPI check`).toEqual([]);
  return res;
}

describe("Keymanager API route definitions vs the OpenAPI spec", () => {
  it("one route per spec operation: same operationId, method and path", () => {
    expect(routes.map(([id]) => id).sort()).toEqual(operations.map((o) => o.operationId).sort());
    for (const [id, def] of routes) {
      const op = operations.find((o) => o.operationId === id);
      expect(`${def.method} ${def.url}`, id).toBe(`${op?.method} ${op?.path}`);
    }
  });

  it("parameters and bodies: same names, locations and required flags", () => {
    for (const [id, def] of routes) {
      const op = operations.find((o) => o.operationId === id) as Operation;
      const specs = Object.values(def.args as ArgSpecs);
      const ours = specs
        .filter((s) => s.kind === "path" || s.kind === "query" || s.kind === "header")
        .map((s) => `${s.kind}:${(s as {name: string}).name}:${s.optional ? "optional" : "required"}`)
        .sort();
      const spec = op.parameters
        .map((p) => `${p.in}:${p.name}:${p.required || p.in === "path" ? "required" : "optional"}`)
        .sort();
      expect(ours, id).toEqual(spec);
      const bodySpec = specs.find((s) => s.kind === "body");
      expect(bodySpec !== undefined, `${id} has a body`).toBe(op.requestBody !== undefined);
      // setGasLimit's requestBody lacks `required: true` in the spec; a gas limit cannot be set without one
      const required = op.requestBody?.required === true || BODY_REQUIRED_ANYWAY.includes(id);
      if (bodySpec) expect(bodySpec.optional, `${id} body optional`).toBe(!required);
    }
  });
});

describe("Keymanager API: typed client ⇄ fastify server, every route", () => {
  it("local keystores", async () => {
    await roundTrip("listKeys", undefined);
    await roundTrip("importKeystores", {
      body: {keystores: ['{"version":4}', "{}"], passwords: ["a", "b"], slashingProtection: '{"metadata":{}}'},
    });
    await roundTrip("importKeystores", {body: {keystores: [], passwords: []}});
    await roundTrip("deleteKeys", {body: {pubkeys: [PK(1), PK(9)]}});
  });

  it("remote keys", async () => {
    await roundTrip("listRemoteKeys", undefined);
    await roundTrip("importRemoteKeys", {
      body: {remoteKeys: [{pubkey: PK(3), url: "http://127.0.0.1:9000"}, {pubkey: PK(4)}]},
    });
    await roundTrip("deleteRemoteKeys", {body: {pubkeys: [PK(3)]}});
  });

  it("fee recipient, gas limit, graffiti: 200 with data, 202 and 204 without a body", async () => {
    await roundTrip("listFeeRecipient", {pubkey: PK(1)});
    expect(await roundTrip("setFeeRecipient", {pubkey: PK(1), body: {ethaddress: ADDR}})).toBeUndefined();
    await roundTrip("deleteFeeRecipient", {pubkey: PK(1)});
    const gas = (await roundTrip("getGasLimit", {pubkey: PK(1)})) as {data: {gasLimit: bigint}};
    expect(gas.data.gasLimit).toBe(18446744073709551615n);
    expect(exchanges.at(-1)?.responseBody).toContain('"gas_limit":"18446744073709551615"');
    await roundTrip("setGasLimit", {pubkey: PK(1), body: {gasLimit: 30_000_000n}});
    await roundTrip("deleteGasLimit", {pubkey: PK(1)});
    await roundTrip("getGraffiti", {pubkey: PK(1)});
    await roundTrip("setGraffiti", {pubkey: PK(1), body: {graffiti: "hola"}});
    await roundTrip("deleteGraffiti", {pubkey: PK(1)});
  });

  it("voluntary exit: with and without epoch; the signed exit decodes to the SSZ value", async () => {
    await roundTrip("signVoluntaryExit", {pubkey: PK(1), epoch: 7});
    expect(exchanges.at(-1)?.url.search).toBe("?epoch=7");
    const res = (await roundTrip("signVoluntaryExit", {pubkey: PK(1)})) as {data: typeof exitSample};
    expect(ssz.phase0.SignedVoluntaryExit.equals(res.data, exitSample)).toBe(true);
    expect(JSON.parse(exchanges.at(-1)?.responseBody ?? "").data.message).toEqual({
      epoch: "7",
      validator_index: "42",
    });
  });

  it("sends the bearer token; upper-case hex is lower-cased for the handler", async () => {
    expect(seenAuth.at(-1)).toBe(`Bearer ${TOKEN}`);
    await client.listFeeRecipient({pubkey: PK(0xab).toUpperCase().replace("0X", "0x")});
    expect((calls.listFeeRecipient.at(-1) as {pubkey: string}).pubkey).toBe(PK(0xab));
  });

  it("malformed input: 400 naming the field, the handler not called", async () => {
    const cases: [string, string, unknown, RegExp][] = [
      ["POST", "/eth/v1/keystores", {keystores: ["{}"]}, /passwords: missing/],
      ["POST", "/eth/v1/keystores", {keystores: [{}], passwords: ["p"]}, /keystores\[0\]: expected a string/],
      ["DELETE", "/eth/v1/keystores", {pubkeys: ["0x1234"]}, /pubkeys\[0\]: expected a BLS public key/],
      ["POST", `/eth/v1/validator/${PK(1)}/feerecipient`, {ethaddress: "0x12"}, /ethaddress: expected an execution/],
      ["POST", `/eth/v1/validator/${PK(1)}/gas_limit`, {gas_limit: "3e7"}, /gas_limit/],
      ["POST", `/eth/v1/validator/${PK(1)}/gas_limit`, {gas_limit: "18446744073709551616"}, /exceeds uint64/],
      ["GET", "/eth/v1/validator/0xabc/graffiti", undefined, /path parameter pubkey/],
      ["POST", `/eth/v1/validator/${PK(1)}/voluntary_exit?epoch=soon`, undefined, /query parameter epoch/],
      ["POST", "/eth/v1/remotekeys", {remote_keys: [{url: "http://x"}]}, /remote_keys\[0\]\.pubkey: missing/],
    ];
    const before = Object.values(calls).reduce((n, c) => n + c.length, 0);
    for (const [method, url, body, message] of cases) {
      const res = await fetch(new URL(url, baseUrl), {
        method,
        headers: body === undefined ? {} : {"content-type": "application/json"},
        ...(body === undefined ? {} : {body: JSON.stringify(body)}),
      });
      expect(res.status, `${method} ${url}`).toBe(400);
      expect(((await res.json()) as {message: string}).message).toMatch(message);
    }
    expect(Object.values(calls).reduce((n, c) => n + c.length, 0)).toBe(before);
    // the client refuses a bad argument before sending anything
    await expect(client.getGraffiti({pubkey: "0x12"})).rejects.toThrow();
    const err = await client.listFeeRecipient({pubkey: "nope"}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiClientError);
  });
});
