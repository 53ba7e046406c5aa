/** Deterministic, schema-valid sample values of any SSZ type (small lists), for API round trips. Test helper. */
import {
  ArrayType,
  BitArray,
  BitListType,
  BitVectorType,
  BooleanType,
  ByteListType,
  ByteVectorType,
  ContainerType,
  type Type,
  UintBigintType,
  UintNumberType,
} from "@chainsafe/ssz";

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

export function sample<T>(type: Type<T>, seed = 1, maxListItems = 2): T {
  return gen(type, rng(seed), maxListItems) as T;
}

function bytes(n: number, r: () => number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = r() & 0xff;
  return out;
}

function gen(type: Type<unknown>, r: () => number, maxItems: number): unknown {
  if (type instanceof UintNumberType)
    return type.byteLength === 1 ? r() & 0xff : type.byteLength === 2 ? r() & 0xffff : r() % 1_000_000;
  if (type instanceof UintBigintType) return BigInt(r()) * BigInt(r());
  if (type instanceof BooleanType) return (r() & 1) === 1;
  if (type instanceof ByteVectorType) return bytes(type.lengthBytes, r);
  if (type instanceof ByteListType) return bytes(Math.min(type.limitBytes, 1 + (r() % 40)), r);
  if (type instanceof BitVectorType)
    return BitArray.fromBoolArray(Array.from({length: type.lengthBits}, () => (r() & 1) === 1));
  if (type instanceof BitListType) {
    const n = Math.min(type.limitBits, 1 + (r() % 16));
    return BitArray.fromBoolArray(Array.from({length: n}, () => (r() & 1) === 1));
  }
  if (type instanceof ContainerType) {
    const out: Record<string, unknown> = {};
    for (const {fieldName, fieldType} of type.fieldsEntries)
      out[fieldName as string] = gen(fieldType as Type<unknown>, r, maxItems);
    return out;
  }
  if (type instanceof ArrayType) {
    const t = type as unknown as {isList: boolean; limit?: number; length?: number; elementType: Type<unknown>};
    const n = t.isList ? Math.min(t.limit as number, maxItems) : (t.length as number);
    return Array.from({length: n}, () => gen(t.elementType, r, maxItems));
  }
  return type.defaultValue();
}
