import type {JsonCodec} from "./json.ts";
import type {ParamCodec} from "./params.ts";

/**
 * One Beacon API route, declared once: method, URL, arguments (where each lives in the HTTP request and how it
 * is encoded) and the response codec. The typed client (client.ts) and the fastify registration (server.ts)
 * are both derived from these values; the tests check each against the OpenAPI files.
 */
export interface RouteDef<S extends ArgSpecs = ArgSpecs, Res = unknown> {
  readonly method: "GET" | "POST" | "DELETE";
  /** OpenAPI style: `/eth/v1/beacon/states/{state_id}/root`. */
  readonly url: string;
  readonly args: S;
  readonly resp: ResponseCodec<Res>;
  /** This route's request body limit in bytes (default: the server's). */
  readonly bodyLimit?: number;
}

/** The SSE route (`/eth/v1/events`): arguments as usual, then a stream of typed events. */
export interface SseRouteDef<S extends ArgSpecs = ArgSpecs, Ev = unknown> {
  readonly method: "GET";
  readonly url: string;
  readonly args: S;
  readonly sse: SseCodec<Ev>;
}

export interface SseCodec<Ev> {
  encode(event: Ev): {event: string; data: string};
  /** Throws on an unknown event name or malformed data. */
  decode(event: string, data: string): Ev;
}

// biome-ignore lint/suspicious/noExplicitAny: tables of routes of any argument/response type
export type AnyRoute = RouteDef<any, any> | SseRouteDef<any, any>;
export type RouteTable = Record<string, AnyRoute>;

// ---------------------------------------------------------------------------------------------------------------
// Arguments

export type ParamLocation = "path" | "query" | "header";

/** A path/query/header parameter. `multi`: a query array (`?id=1&id=2` or `?id=1,2`). */
export interface ParamSpec<T, O extends boolean> {
  readonly kind: ParamLocation;
  readonly name: string;
  // biome-ignore lint/suspicious/noExplicitAny: the item codec of a multi parameter has the item type
  readonly codec: ParamCodec<any>;
  readonly multi: boolean;
  readonly optional: O;
  readonly maxItems?: number;
  /** Header only: when absent, derive the value from the JSON body (e.g. the fork from a block's slot). */
  readonly fromBody?: (json: unknown, ctx: ArgsContext) => T | undefined;
  /** Phantom, for type inference only. */
  readonly _type?: T;
}

/** The whole request body. */
export interface BodySpec<T, O extends boolean> {
  readonly kind: "body";
  readonly optional: O;
  readonly codec: BodyCodec<T>;
}

/** One field of a JSON object body (routes whose body is `{ids, statuses}`). */
export interface BodyFieldSpec<T, O extends boolean> {
  readonly kind: "bodyField";
  readonly name: string;
  readonly codec: JsonCodec<T>;
  readonly optional: O;
}

/**
 * A request body codec. `args` holds the other (already parsed) arguments, so a body can depend on a header
 * (the fork of a block from `Eth-Consensus-Version`).
 */
export interface BodyCodec<T> {
  toJson(value: T, args: Record<string, unknown>): unknown;
  fromJson(json: unknown, args: Record<string, unknown>): T;
  serialize?(value: T, args: Record<string, unknown>): Uint8Array;
  deserialize?(bytes: Uint8Array, args: Record<string, unknown>): T;
}

/** Context for deriving arguments (server side). */
export interface ArgsContext {
  /** Fork of a slot, when the server knows the chain config. */
  forkAtSlot?: (slot: number) => string;
}

// biome-ignore lint/suspicious/noExplicitAny: spec tables of any value type
export type AnySpec = ParamSpec<any, boolean> | BodySpec<any, boolean> | BodyFieldSpec<any, boolean>;
export type ArgSpecs = Record<string, AnySpec>;

type SpecValue<S> = S extends {kind: "body"; codec: BodyCodec<infer T>}
  ? T
  : S extends {kind: "bodyField"; codec: JsonCodec<infer T>}
    ? T
    : S extends ParamSpec<infer T, boolean>
      ? T
      : never;
type RequiredKeys<S> = {[K in keyof S]: S[K] extends {optional: true} ? never : K}[keyof S];
type OptionalKeys<S> = {[K in keyof S]: S[K] extends {optional: true} ? K : never}[keyof S];
type Expand<T> = T extends infer O ? {[K in keyof O]: O[K]} : never;

/** The arguments object of a route: required specs as required keys, optional ones as optional keys. */
export type ArgsOf<S> = Expand<{[K in RequiredKeys<S>]: SpecValue<S[K]>} & {[K in OptionalKeys<S>]?: SpecValue<S[K]>}>;

export type RouteArgs<R> =
  R extends RouteDef<infer S, unknown> ? ArgsOf<S> : R extends SseRouteDef<infer S, unknown> ? ArgsOf<S> : never;
export type RouteRes<R> = R extends RouteDef<ArgSpecs, infer Res> ? Res : never;
export type RouteEvent<R> = R extends SseRouteDef<ArgSpecs, infer Ev> ? Ev : never;

export function pathParam<T>(name: string, codec: ParamCodec<T>): ParamSpec<T, false> {
  return {kind: "path", name, codec, multi: false, optional: false};
}

export function queryParam<T>(name: string, codec: ParamCodec<T>): ParamSpec<T, false> {
  return {kind: "query", name, codec, multi: false, optional: false};
}

export function optQueryParam<T>(name: string, codec: ParamCodec<T>): ParamSpec<T, true> {
  return {kind: "query", name, codec, multi: false, optional: true};
}

/** An optional query array. */
export function queryList<T>(name: string, codec: ParamCodec<T>, maxItems?: number): ParamSpec<T[], true> {
  return {kind: "query", name, codec, multi: true, optional: true, ...(maxItems !== undefined ? {maxItems} : {})};
}

/** A required query array. */
export function reqQueryList<T>(name: string, codec: ParamCodec<T>): ParamSpec<T[], false> {
  return {kind: "query", name, codec, multi: true, optional: false};
}

export function headerParam<T>(
  name: string,
  codec: ParamCodec<T>,
  fromBody?: (json: unknown, ctx: ArgsContext) => T | undefined,
): ParamSpec<T, false> {
  return {kind: "header", name, codec, multi: false, optional: false, ...(fromBody ? {fromBody} : {})};
}

export function body<T>(codec: BodyCodec<T>): BodySpec<T, false> {
  return {kind: "body", optional: false, codec};
}

export function optBody<T>(codec: BodyCodec<T>): BodySpec<T, true> {
  return {kind: "body", optional: true, codec};
}

export function bodyField<T>(name: string, codec: JsonCodec<T>): BodyFieldSpec<T, true> {
  return {kind: "bodyField", name, codec, optional: true};
}

/** A JSON-only body from a JSON codec. */
export function jsonBody<T>(codec: JsonCodec<T>): BodyCodec<T> {
  return {toJson: (v) => codec.toJson(v), fromJson: (j) => codec.fromJson(j, "")};
}

// ---------------------------------------------------------------------------------------------------------------
// Responses

export type Format = "json" | "ssz";

export interface EncodedResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON body; neither json nor ssz: an empty body. */
  json?: unknown;
  ssz?: Uint8Array;
}

export interface RawResponse {
  status: number;
  header(name: string): string | undefined;
  json?: unknown;
  ssz?: Uint8Array;
}

export interface ResponseCodec<Res> {
  /** Can answer `application/octet-stream`. */
  readonly ssz: boolean;
  /** Whether a status is a successful answer of the route (any other is an error). */
  isOk(status: number, args: Record<string, unknown>): boolean;
  encode(res: Res, args: Record<string, unknown>, format: Format): EncodedResponse;
  decode(raw: RawResponse): Res;
}

export function route<const S extends ArgSpecs, Res>(def: RouteDef<S, Res>): RouteDef<S, Res> {
  return def;
}

export function sseRoute<const S extends ArgSpecs, Ev>(def: SseRouteDef<S, Ev>): SseRouteDef<S, Ev> {
  return def;
}
