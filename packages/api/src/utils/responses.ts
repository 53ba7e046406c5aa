import {FORK_NAMES, type ForkName} from "@ceibo/params";
import type {Type} from "@chainsafe/ssz";
import {DecodeError} from "./errors.ts";
import {
  type AnyJsonCodec,
  boolJson,
  enumJson,
  type JsonCodec,
  rootJson,
  snakeCase,
  sszJson,
  uint256Json,
} from "./json.ts";
import {boolParam, forkParam, type ParamCodec, uint256Param} from "./params.ts";
import type {EncodedResponse, RawResponse, ResponseCodec} from "./route.ts";
import {describe} from "./sszJson.ts";

/** A response's `data` ⇄ JSON and (optionally) SSZ; may depend on the response metadata (the fork). */
export interface DataCodec<T, M> {
  toJson(value: T, meta: M): unknown;
  fromJson(json: unknown, meta: M): T;
  serialize?(value: T, meta: M): Uint8Array;
  deserialize?(bytes: Uint8Array, meta: M): T;
}

/** JSON-only data. */
export function jsonData<T>(codec: JsonCodec<T>): DataCodec<T, unknown> {
  return {toJson: (v) => codec.toJson(v), fromJson: (j) => codec.fromJson(j, "data")};
}

/** Data of one SSZ type: JSON and SSZ. */
export function sszData<T>(type: Type<T>): DataCodec<T, unknown> {
  const json = sszJson(type);
  return {
    toJson: (v) => json.toJson(v),
    fromJson: (j) => json.fromJson(j, "data"),
    serialize: (v) => type.serialize(v),
    deserialize: (b) => deserialize(type, b),
  };
}

/**
 * Data whose SSZ type depends on the fork (`version` metadata, from the JSON body or the Eth-Consensus-Version
 * header) and possibly other metadata. `T` is the union of the per-fork value types.
 */
export function forkData<T, M extends {version: ForkName} = {version: ForkName}>(
  typeOf: (meta: M) => Type<unknown>,
): DataCodec<T, M> {
  return {
    toJson: (v, meta) => typeOf(meta).toJson(v),
    fromJson: (j, meta) => sszJson(typeOf(meta)).fromJson(j, "data") as T,
    serialize: (v, meta) => typeOf(meta).serialize(v),
    deserialize: (b, meta) => deserialize(typeOf(meta), b) as T,
  };
}

export function deserialize<T>(type: Type<T>, bytes: Uint8Array): T {
  try {
    return type.deserialize(bytes);
  } catch (e) {
    throw new DecodeError("", `invalid SSZ ${type.typeName}: ${(e as Error).message}`);
  }
}

/** A top-level response field beside `data` (execution_optimistic, version, ...), optionally also a header. */
export interface MetaField<T> {
  readonly json: JsonCodec<T>;
  /** Default: the snake_case of the field name. */
  readonly jsonKey?: string;
  readonly header?: string;
  readonly headerCodec?: ParamCodec<T>;
  readonly optional?: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: tables of meta fields of any type
export type MetaSpec = Record<string, MetaField<any>>;
type MetaValue<F> = F extends MetaField<infer T> ? T : never;
type Expand<T> = T extends infer O ? {[K in keyof O]: O[K]} : never;
export type MetaOf<M extends MetaSpec> = Expand<
  {[K in keyof M as M[K] extends {optional: true} ? never : K]: MetaValue<M[K]>} & {
    [K in keyof M as M[K] extends {optional: true} ? K : never]?: MetaValue<M[K]>;
  }
>;

export const meta = {
  executionOptimistic: {
    json: boolJson,
    header: "Eth-Execution-Optimistic",
    headerCodec: boolParam,
  } satisfies MetaField<boolean>,
  finalized: {json: boolJson, header: "Eth-Finalized", headerCodec: boolParam} satisfies MetaField<boolean>,
  version: {
    json: enumJson(FORK_NAMES) as JsonCodec<ForkName>,
    header: "Eth-Consensus-Version",
    headerCodec: forkParam,
  } satisfies MetaField<ForkName>,
  dependentRoot: {json: rootJson} satisfies MetaField<Uint8Array>,
  executionPayloadBlinded: {
    json: boolJson,
    header: "Eth-Execution-Payload-Blinded",
    headerCodec: boolParam,
  } satisfies MetaField<boolean>,
  executionPayloadValue: {
    json: uint256Json,
    header: "Eth-Execution-Payload-Value",
    headerCodec: uint256Param,
  } satisfies MetaField<bigint>,
  consensusBlockValue: {
    json: uint256Json,
    header: "Eth-Consensus-Block-Value",
    headerCodec: uint256Param,
  } satisfies MetaField<bigint>,
};

/** `{execution_optimistic, finalized}`: the metadata of most state and block routes. */
export const stateMeta = {executionOptimistic: meta.executionOptimistic, finalized: meta.finalized};
/** `{version, execution_optimistic, finalized}`. */
export const versionedStateMeta = {version: meta.version, ...stateMeta};

/**
 * The common response shape `{...meta, data}` (status 200). Metadata fields with a header are also sent as
 * headers (in both formats); in SSZ responses the headers are the only place metadata can be.
 */
export function dataResponse<T, const M extends MetaSpec = Record<never, MetaField<unknown>>>(
  data: DataCodec<T, MetaOf<M>>,
  metaSpec?: M,
): ResponseCodec<Expand<{data: T} & MetaOf<M>>> {
  const fields = Object.entries(metaSpec ?? {}).map(([k, f]) => ({k, key: f.jsonKey ?? snakeCase(k), f}));
  return {
    ssz: data.serialize !== undefined,
    isOk: (status) => status === 200,
    encode(res, _args, format): EncodedResponse {
      const r = res as unknown as Record<string, unknown>;
      const headers: Record<string, string> = {};
      for (const {k, f} of fields) {
        if (f.header !== undefined && f.headerCodec !== undefined && r[k] !== undefined) {
          headers[f.header] = f.headerCodec.write(r[k]);
        }
      }
      const m = res as unknown as MetaOf<M>;
      if (format === "ssz" && data.serialize !== undefined) {
        return {status: 200, headers, ssz: data.serialize((res as {data: T}).data, m)};
      }
      const json: Record<string, unknown> = {};
      for (const {k, key, f} of fields) if (r[k] !== undefined) json[key] = f.json.toJson(r[k]);
      json.data = data.toJson((res as {data: T}).data, m);
      return {status: 200, headers, json};
    },
    decode(raw: RawResponse) {
      const out: Record<string, unknown> = {};
      if (raw.ssz !== undefined) {
        for (const {k, f} of fields) {
          const h = f.header !== undefined ? raw.header(f.header) : undefined;
          if (h !== undefined && f.headerCodec !== undefined) out[k] = f.headerCodec.parse(h, f.header as string);
          else if (!f.optional) throw new DecodeError(f.header ?? k, "missing response header");
        }
        if (data.deserialize === undefined) throw new DecodeError("", "unexpected SSZ response");
        out.data = data.deserialize(raw.ssz, out as MetaOf<M>);
        return out as Expand<{data: T} & MetaOf<M>>;
      }
      const json = raw.json;
      if (typeof json !== "object" || json === null || Array.isArray(json)) {
        throw new DecodeError("", `expected a JSON object, got ${describe(json)}`);
      }
      const body = json as Record<string, unknown>;
      for (const {k, key, f} of fields) {
        if (body[key] !== undefined) out[k] = f.json.fromJson(body[key], key);
        else if (f.header !== undefined && f.headerCodec !== undefined && raw.header(f.header) !== undefined) {
          out[k] = f.headerCodec.parse(raw.header(f.header) as string, f.header);
        } else if (!f.optional) throw new DecodeError(key, "missing field");
      }
      if (body.data === undefined) throw new DecodeError("data", "missing field");
      out.data = data.fromJson(body.data, out as MetaOf<M>);
      return out as Expand<{data: T} & MetaOf<M>>;
    },
  };
}

/** No body; 200. */
export const emptyResponse: ResponseCodec<void> = {
  ssz: false,
  isOk: (status) => status === 200,
  encode: () => ({status: 200, headers: {}}),
  decode: () => undefined,
};

/** No body; the outcome is the status code (`{imported: 200, broadcast: 202}`). */
export function statusResponse<const V extends string>(statusOf: Record<V, number>): ResponseCodec<V> {
  const byStatus = new Map<number, V>(Object.entries(statusOf).map(([v, s]) => [s as number, v as V]));
  return {
    ssz: false,
    isOk: (status) => byStatus.has(status),
    encode: (res) => ({status: statusOf[res], headers: {}}),
    decode(raw) {
      const v = byStatus.get(raw.status);
      if (v === undefined) throw new DecodeError("", `unexpected status ${raw.status}`);
      return v;
    },
  };
}

export type {AnyJsonCodec};

/** The same data codec without its SSZ side (routes whose spec has JSON only). */
export function jsonOnly<T, M>(codec: DataCodec<T, M>): DataCodec<T, M> {
  return {toJson: codec.toJson, fromJson: codec.fromJson};
}

/** A route whose 200 body is the object itself, not `{data}` (debug/fork_choice). JSON only. */
export function bodyResponse<T>(codec: JsonCodec<T>): ResponseCodec<T> {
  return {
    ssz: false,
    isOk: (status) => status === 200,
    encode: (res) => ({status: 200, headers: {}, json: codec.toJson(res)}),
    decode: (raw) => codec.fromJson(raw.json, ""),
  };
}
