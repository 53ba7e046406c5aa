import {ssz} from "@ceibo/types";
import type {Type} from "@chainsafe/ssz";
import {DecodeError} from "./errors.ts";
import {describe, sszFromJson} from "./sszJson.ts";

/**
 * A value ⇄ Beacon API JSON mapping. `fromJson` checks the input and throws a DecodeError naming the path
 * of what was wrong; `toJson` trusts its (typed) input.
 */
export interface JsonCodec<T> {
  toJson(value: T): unknown;
  fromJson(json: unknown, path: string): T;
}

export type JsonType<C> = C extends JsonCodec<infer T> ? T : never;
// biome-ignore lint/suspicious/noExplicitAny: codec tables hold codecs of any value type
export type AnyJsonCodec = JsonCodec<any>;
type Expand<T> = T extends infer O ? {[K in keyof O]: O[K]} : never;

/** An SSZ type's JSON form (jsonCase eth2), checked strictly. */
export function sszJson<T>(type: Type<T>): JsonCodec<T> {
  return {toJson: (v) => type.toJson(v), fromJson: (j, path) => sszFromJson(type, j, path)};
}

export const uint64Json: JsonCodec<number> = sszJson(ssz.phase0.Slot);
/** uint256 (Wei) as a bigint. */
export const uint256Json: JsonCodec<bigint> = sszJson(ssz.phase0.UintBn256);
export const rootJson: JsonCodec<Uint8Array> = sszJson(ssz.phase0.Root);
export const pubkeyJson: JsonCodec<Uint8Array> = sszJson(ssz.phase0.BLSPubkey);
export const signatureJson: JsonCodec<Uint8Array> = sszJson(ssz.phase0.BLSSignature);
export const addressJson: JsonCodec<Uint8Array> = sszJson(ssz.phase0.ExecutionAddress);
export const versionJson: JsonCodec<Uint8Array> = sszJson(ssz.phase0.Version);

export const boolJson: JsonCodec<boolean> = {
  toJson: (v) => v,
  fromJson(j, path) {
    if (typeof j !== "boolean") throw new DecodeError(path, `expected a boolean, got ${describe(j)}`);
    return j;
  },
};

export const stringJson: JsonCodec<string> = {
  toJson: (v) => v,
  fromJson(j, path) {
    if (typeof j !== "string") throw new DecodeError(path, `expected a string, got ${describe(j)}`);
    return j;
  },
};

/** A JSON number (the few places the spec uses one, e.g. peers meta.count). */
export const numberJson: JsonCodec<number> = {
  toJson: (v) => v,
  fromJson(j, path) {
    if (typeof j !== "number" || !Number.isFinite(j))
      throw new DecodeError(path, `expected a number, got ${describe(j)}`);
    return j;
  },
};

export function enumJson<const V extends string>(values: readonly V[]): JsonCodec<V> {
  const set = new Set<string>(values);
  return {
    toJson: (v) => v,
    fromJson(j, path) {
      if (typeof j !== "string" || !set.has(j)) {
        throw new DecodeError(path, `expected one of ${values.join(", ")}, got ${describe(j)}`);
      }
      return j as V;
    },
  };
}

export function arrayJson<T>(item: JsonCodec<T>, opts: {minItems?: number; maxItems?: number} = {}): JsonCodec<T[]> {
  return {
    toJson: (v) => v.map((x) => item.toJson(x)),
    fromJson(j, path) {
      if (!Array.isArray(j)) throw new DecodeError(path, `expected an array, got ${describe(j)}`);
      if (opts.minItems !== undefined && j.length < opts.minItems) {
        throw new DecodeError(path, `expected at least ${opts.minItems} items, got ${j.length}`);
      }
      if (opts.maxItems !== undefined && j.length > opts.maxItems) {
        throw new DecodeError(path, `expected at most ${opts.maxItems} items, got ${j.length}`);
      }
      return j.map((x, i) => item.fromJson(x, `${path}[${i}]`));
    },
  };
}

/** `null` or the value (JSON `null` ⇄ JS `null`). */
export function nullableJson<T>(inner: JsonCodec<T>): JsonCodec<T | null> {
  return {
    toJson: (v) => (v === null ? null : inner.toJson(v)),
    fromJson: (j, path) => (j === null ? null : inner.fromJson(j, path)),
  };
}

/** A JSON object with string values (config/spec). */
export const stringRecordJson: JsonCodec<Record<string, string>> = {
  toJson: (v) => v,
  fromJson(j, path) {
    if (typeof j !== "object" || j === null || Array.isArray(j)) {
      throw new DecodeError(path, `expected an object, got ${describe(j)}`);
    }
    for (const [k, v] of Object.entries(j)) {
      if (typeof v !== "string") throw new DecodeError(`${path}.${k}`, `expected a string, got ${describe(v)}`);
    }
    return j as Record<string, string>;
  },
};

/** Any JSON object, passed through (client-specific extra data). */
export const freeObjectJson: JsonCodec<Record<string, unknown>> = {
  toJson: (v) => v,
  fromJson(j, path) {
    if (typeof j !== "object" || j === null || Array.isArray(j)) {
      throw new DecodeError(path, `expected an object, got ${describe(j)}`);
    }
    return j as Record<string, unknown>;
  },
};

/** camelCase → snake_case, the Beacon API's JSON key style (`p2pAddresses` → `p2p_addresses`). */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

type Shape = Record<string, AnyJsonCodec>;
export type ObjectOf<R extends Shape, O extends Shape> = Expand<
  {[K in keyof R]: JsonType<R[K]>} & {[K in keyof O]?: JsonType<O[K]>}
>;

/**
 * A JSON object with camelCase fields in JS and snake_case keys in JSON. `optional` fields may be absent (or
 * undefined in JS). Unknown keys in input are ignored: the spec allows fields to be added without a version.
 */
export function objectJson<R extends Shape, O extends Shape = Record<never, AnyJsonCodec>>(
  required: R,
  optional?: O,
): JsonCodec<ObjectOf<R, O>> {
  const req = Object.entries(required).map(([k, c]) => [k, snakeCase(k), c] as const);
  const opt = Object.entries(optional ?? {}).map(([k, c]) => [k, snakeCase(k), c] as const);
  return {
    toJson(v) {
      const value = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [k, key, c] of req) out[key] = c.toJson(value[k]);
      for (const [k, key, c] of opt) if (value[k] !== undefined) out[key] = c.toJson(value[k]);
      return out;
    },
    fromJson(j, path) {
      if (typeof j !== "object" || j === null || Array.isArray(j)) {
        throw new DecodeError(path, `expected an object, got ${describe(j)}`);
      }
      const json = j as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [k, key, c] of req) {
        const p = path === "" ? key : `${path}.${key}`;
        if (json[key] === undefined) throw new DecodeError(p, "missing field");
        out[k] = c.fromJson(json[key], p);
      }
      for (const [k, key, c] of opt) {
        if (json[key] !== undefined) out[k] = c.fromJson(json[key], path === "" ? key : `${path}.${key}`);
      }
      return out as ObjectOf<R, O>;
    },
  };
}

/** A JSON string parsed like a URL parameter (validator IDs in POST bodies). */
export function paramJson<T>(codec: {parse(raw: string, name: string): T; write(value: T): string}): JsonCodec<T> {
  return {
    toJson: (v) => codec.write(v),
    fromJson(j, path) {
      if (typeof j !== "string") throw new DecodeError(path, `expected a string, got ${describe(j)}`);
      try {
        return codec.parse(j, path);
      } catch (e) {
        if (e instanceof DecodeError) throw new DecodeError(path, e.reason);
        throw e;
      }
    },
  };
}

/** A signed integer as a decimal string (rewards and penalties), within ±2**53. */
export const int64Json: JsonCodec<number> = {
  toJson: (v) => String(v),
  fromJson(j, path) {
    if (typeof j !== "string") throw new DecodeError(path, `expected a decimal string, got ${describe(j)}`);
    if (!/^-?(0|[1-9][0-9]*)$/.test(j)) throw new DecodeError(path, `invalid integer "${j.slice(0, 80)}"`);
    const n = Number(j);
    if (!Number.isSafeInteger(n)) throw new DecodeError(path, `${j} is out of range`);
    return n;
  },
};
