/**
 * Starts the Beacon API server (real fastify on 127.0.0.1, OS-chosen port) over the test backend, with a
 * client whose fetch records every exchange so it can be checked against the OpenAPI spec. Test helper.
 */
import type {AddressInfo} from "node:net";
import {FORK_NAMES, SLOTS_PER_EPOCH} from "@ceibo/params";
import {SlabValidator, ssz} from "@ceibo/types";
import type {FastifyInstance} from "fastify";
import {expect} from "vitest";
import {
  type ApiServerOptions,
  type BeaconApiBackend,
  type BeaconApiClient,
  type ClientOptions,
  createBeaconApiClient,
  createBeaconApiServer,
} from "../src/index.ts";
import {type Calls, createTestBackend} from "./backend.ts";
import {loadOperations, type Operation, validate} from "./openapi.ts";
import {components} from "./openapiComponents.ts";

const errorMessageSchema = () => components("ErrorMessage");

/** The fork schedule the test server assumes for bodies without Eth-Consensus-Version: fork i at epoch i. */
export function testForkAtSlot(slot: number): string {
  return FORK_NAMES[Math.min(FORK_NAMES.length - 1, Math.floor(slot / SLOTS_PER_EPOCH))];
}

export interface Exchange {
  method: string;
  url: URL;
  requestHeaders: Headers;
  requestBody?: string | Uint8Array;
  status: number;
  responseHeaders: Headers;
  responseBody: Uint8Array;
}

export interface Harness {
  server: FastifyInstance;
  baseUrl: string;
  client: BeaconApiClient;
  /** Arguments each handler received, by operationId. */
  calls: Calls;
  /** What each handler returned, by operationId. */
  returns: Record<string, unknown[]>;
  exchanges: Exchange[];
  clientWith(opts: Partial<ClientOptions>): BeaconApiClient;
  close(): Promise<void>;
}

export async function startHarness(serverOpts: ApiServerOptions = {}): Promise<Harness> {
  const {backend, calls} = createTestBackend();
  const returns: Record<string, unknown[]> = {};
  const wrapped = Object.fromEntries(
    Object.entries(backend).map(([id, fn]) => [
      id,
      async (args: unknown) => {
        const res = await (fn as (a: unknown) => Promise<unknown>)(args);
        returns[id] ??= [];
        returns[id].push(res);
        return res;
      },
    ]),
  ) as unknown as BeaconApiBackend;
  const server = createBeaconApiServer(wrapped, {forkAtSlot: testForkAtSlot, ...serverOpts});
  await server.listen({host: "127.0.0.1", port: 0});
  const baseUrl = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  const exchanges: Exchange[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if ((res.headers.get("content-type") ?? "").startsWith("text/event-stream")) return res;
    const responseBody = new Uint8Array(await res.clone().arrayBuffer());
    exchanges.push({
      method: init?.method ?? "GET",
      url: new URL(String(input)),
      requestHeaders: new Headers(init?.headers),
      ...(init?.body !== undefined ? {requestBody: init.body as string | Uint8Array} : {}),
      status: res.status,
      responseHeaders: res.headers,
      responseBody,
    });
    return res;
  };
  const clientWith = (opts: Partial<ClientOptions>) =>
    createBeaconApiClient({baseUrl, fetch: recordingFetch, timeoutMs: 10_000, ...opts});
  return {
    server,
    baseUrl,
    client: clientWith({}),
    calls,
    returns,
    exchanges,
    clientWith,
    close: () => server.close(),
  };
}

function templateMatch(template: string, pathname: string): Record<string, string> | undefined {
  const names: string[] = [];
  const re = new RegExp(
    `^${template.replace(/\{([a-z_]+)\}/g, (_, n: string) => {
      names.push(n);
      return "([^/]+)";
    })}$`,
  );
  const m = re.exec(pathname);
  if (!m) return undefined;
  return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
}

/** The spec operation of an exchange, with its path parameters. */
export function operationOf(method: string, url: URL): {op: Operation; path: Record<string, string>} | undefined {
  for (const op of loadOperations()) {
    if (op.method !== method) continue;
    const params = templateMatch(op.path, url.pathname);
    if (params) return {op, path: params};
  }
  return undefined;
}

/**
 * Checks one recorded exchange against the OpenAPI operation: path/query/header parameters, JSON request body,
 * status, required response headers and the JSON response body. Returns the problems found (empty = valid).
 */
export function checkExchange(ex: Exchange, opts: {responseOnly?: boolean} = {}): string[] {
  const problems: string[] = [];
  const found = operationOf(ex.method, ex.url);
  if (!found) return [`no spec operation for ${ex.method} ${ex.url.pathname}`];
  const {op, path} = found;
  const where = `${op.operationId}`;
  for (const p of opts.responseOnly ? [] : op.parameters) {
    if (p.in === "path") {
      const err = p.schema ? validate(p.schema, path[p.name]) : undefined;
      if (err) problems.push(`${where} path ${p.name}: ${err}`);
    } else if (p.in === "query") {
      const raw = ex.url.searchParams.getAll(p.name);
      if (raw.length === 0) {
        if (p.required) problems.push(`${where}: missing required query ${p.name}`);
        continue;
      }
      let value: unknown = raw[0];
      if (p.schema?.type === "array") value = raw.flatMap((v) => v.split(","));
      else if (p.schema?.type === "integer") value = Number(raw[0]);
      const err = p.schema ? validate(p.schema, value) : undefined;
      if (err) problems.push(`${where} query ${p.name}=${raw.join("&")}: ${err}`);
    } else if (p.in === "header") {
      const v = ex.requestHeaders.get(p.name);
      if (v === null) {
        if (p.required) problems.push(`${where}: missing required header ${p.name}`);
      } else if (p.schema) {
        const err = validate(p.schema, v);
        if (err) problems.push(`${where} header ${p.name}: ${err}`);
      }
    }
  }
  const reqType = ex.requestHeaders.get("content-type");
  if (opts.responseOnly) {
    // A deliberately malformed request: only the answer is checked.
  } else if (ex.requestBody !== undefined) {
    const media = reqType?.split(";")[0];
    const content = op.requestBody?.content[media ?? ""];
    if (!content) problems.push(`${where}: request body of type ${media} not in spec`);
    else if (media === "application/json" && content.schema) {
      const err = validate(content.schema, JSON.parse(ex.requestBody as string));
      if (err) problems.push(`${where} request body: ${err}`);
    }
  } else if (op.requestBody?.required) {
    problems.push(`${where}: request body required by spec`);
  }
  let response = op.responses[String(ex.status)];
  if (!response && (ex.status === 406 || ex.status === 415)) {
    // The spec's introduction makes these global: 415 for an unsupported Content-Type, 406 when no accepted
    // format can be produced, on every route.
    response = {content: {"application/json": {schema: errorMessageSchema()}}};
  }
  if (!response) {
    problems.push(`${where}: status ${ex.status} not in spec (${Object.keys(op.responses).join(", ")})`);
    return problems;
  }
  if (ex.status >= 400 && !response.content) {
    // An error status the spec lists without a body (health's 400): our body must still be an ErrorMessage.
    response = {...response, content: {"application/json": {schema: errorMessageSchema()}}};
  }
  if (ex.status < 300) {
    for (const [name, h] of Object.entries(response.headers ?? {})) {
      const v = ex.responseHeaders.get(name);
      if (v === null) {
        if (h.required) problems.push(`${where}: missing response header ${name}`);
      } else if (h.schema) {
        const value = h.schema.type === "boolean" ? (v === "true" ? true : v === "false" ? false : v) : v;
        const err = validate(h.schema, value);
        if (err) problems.push(`${where} response header ${name}=${v}: ${err}`);
      }
    }
  }
  const media = ex.responseHeaders.get("content-type")?.split(";")[0];
  if (ex.responseBody.length > 0) {
    const content = response.content?.[media ?? ""];
    if (!content) problems.push(`${where}: ${ex.status} response of type ${media} not in spec`);
    else if (media === "application/json" && content.schema) {
      const err = validate(content.schema, JSON.parse(new TextDecoder().decode(ex.responseBody)));
      if (err) problems.push(`${where} ${ex.status} response body: ${err}`);
    }
  } else if (response.content && Object.keys(response.content).length > 0 && ex.status === 200) {
    problems.push(`${where}: empty ${ex.status} response, spec has a body`);
  }
  return problems;
}

/**
 * Calls a route through the typed client and checks: the handler got exactly the arguments given, the client
 * returned exactly what the handler returned, and the HTTP exchange (request and response) is valid against
 * the OpenAPI operation. Returns the client's result.
 */
export async function roundTrip<K extends keyof BeaconApiClient>(
  h: Harness,
  id: K,
  args: Parameters<BeaconApiClient[K]>[0],
  opts?: Parameters<BeaconApiClient[K]>[1],
): Promise<Awaited<ReturnType<BeaconApiClient[K]>>> {
  const before = h.exchanges.length;
  const fn = h.client[id] as unknown as (a: unknown, o: unknown) => Promise<unknown>;
  const res = await fn(args, opts);
  expect(comparable(h.calls[id as string]?.at(-1)), `${String(id)}: handler arguments`).toEqual(comparable(args ?? {}));
  expect(comparable(res), `${String(id)}: client result`).toEqual(comparable(h.returns[id as string]?.at(-1)));
  const exchanges = h.exchanges.slice(before);
  expect(exchanges.length).toBe(1);
  expect(checkExchange(exchanges[0]), `${String(id)}: OpenAPI check`).toEqual([]);
  return res as Awaited<ReturnType<BeaconApiClient[K]>>;
}

export interface RawResult {
  exchange: Exchange;
  status: number;
  json?: unknown;
  bytes: Uint8Array;
  headers: Headers;
}

/** A hand-written HTTP request with plain fetch (no client code involved); the exchange is recorded too. */
export async function rawCall(
  h: Harness,
  method: "GET" | "POST",
  pathAndQuery: string,
  init: {headers?: Record<string, string>; body?: unknown} = {},
): Promise<RawResult> {
  const headers: Record<string, string> = {...init.headers};
  let body: string | Uint8Array | undefined;
  if (init.body instanceof Uint8Array) {
    body = init.body;
    headers["Content-Type"] ??= "application/octet-stream";
  } else if (typeof init.body === "string") {
    body = init.body;
    headers["Content-Type"] ??= "application/json";
  } else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers["Content-Type"] ??= "application/json";
  }
  const url = new URL(pathAndQuery, h.baseUrl);
  const res = await fetch(url, {method, headers, ...(body !== undefined ? {body} : {})});
  const bytes = new Uint8Array(await res.arrayBuffer());
  const exchange: Exchange = {
    method,
    url,
    requestHeaders: new Headers(headers),
    ...(body !== undefined ? {requestBody: body} : {}),
    status: res.status,
    responseHeaders: res.headers,
    responseBody: bytes,
  };
  const isJson = (res.headers.get("content-type") ?? "").startsWith("application/json");
  return {
    exchange,
    status: res.status,
    bytes,
    headers: res.headers,
    ...(isJson && bytes.length > 0 ? {json: JSON.parse(new TextDecoder().decode(bytes))} : {}),
  };
}

/** rawCall, then: the status is `status` and the exchange is valid against the OpenAPI operation. */
export async function rawChecked(
  h: Harness,
  status: number,
  method: "GET" | "POST",
  pathAndQuery: string,
  init: {headers?: Record<string, string>; body?: unknown} = {},
): Promise<RawResult> {
  const r = await rawCall(h, method, pathAndQuery, init);
  expect(r.status, `${method} ${pathAndQuery}: ${new TextDecoder().decode(r.bytes).slice(0, 300)}`).toBe(status);
  // A 4xx answers a request that breaks the spec on purpose: check the answer only.
  const responseOnly = status >= 400 && status < 500;
  expect(checkExchange(r.exchange, {responseOnly}), `${method} ${pathAndQuery}: OpenAPI check`).toEqual([]);
  return r;
}

/** Byte arrays as hex (vitest compares big typed arrays element by element, slowly); the rest as is. */
export function comparable(v: unknown): unknown {
  // a validator read from a state's tree keeps its fields in a shared slab (getters): compared as the plain value
  if (v instanceof SlabValidator) return comparable(ssz.phase0.Validator.clone(v));
  if (v instanceof Uint8Array) return `bytes:${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex")}`;
  if (Array.isArray(v)) return v.map(comparable);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, comparable(x)]));
  }
  return v;
}
