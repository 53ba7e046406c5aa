import {
  ArrayType,
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
import {DecodeError} from "./errors.ts";

const DECIMAL = /^(0|[1-9][0-9]*)$/;
const HEX = /^0x([0-9a-fA-F]{2})*$/;

/**
 * Checks that `json` is the Beacon API JSON form of a value of the SSZ type — uint64 as decimal strings within
 * range, byte arrays as 0x-hex of the exact (vector) or bounded (list) length, lists within their limit,
 * containers with every field — and returns the value. @chainsafe/ssz's own fromJson is lax (it parses
 * "0xzz" as zero bytes, accepts negative and fractional numbers), so input from the network goes through here
 * first. Errors name the path of the offending field.
 */
export function sszFromJson<T>(type: Type<T>, json: unknown, path = ""): T {
  validateSszJson(type, json, path);
  try {
    return type.fromJson(json);
  } catch (e) {
    // Structural rules only the type knows (e.g. a bitlist's padding bit).
    throw new DecodeError(path, (e as Error).message);
  }
}

export function validateSszJson(type: Type<unknown>, json: unknown, path: string): void {
  if (type instanceof UintNumberType || type instanceof UintBigintType) {
    if (typeof json !== "string") throw new DecodeError(path, `expected a decimal string, got ${describe(json)}`);
    if (!DECIMAL.test(json)) throw new DecodeError(path, `invalid unsigned integer "${clip(json)}"`);
    const max = (1n << BigInt(8 * type.byteLength)) - 1n;
    const v = BigInt(json);
    if (v > max) throw new DecodeError(path, `${clip(json)} exceeds uint${8 * type.byteLength}`);
    if (type instanceof UintNumberType && v > BigInt(Number.MAX_SAFE_INTEGER) && v !== max) {
      throw new DecodeError(path, `${clip(json)} is above 2**53 and not supported`);
    }
    return;
  }
  if (type instanceof BooleanType) {
    if (typeof json !== "boolean") throw new DecodeError(path, `expected a boolean, got ${describe(json)}`);
    return;
  }
  if (type instanceof ByteVectorType || type instanceof ByteListType) {
    const n = hexBytesLength(json, path);
    if (type instanceof ByteVectorType && n !== type.lengthBytes) {
      throw new DecodeError(path, `expected ${type.lengthBytes} bytes, got ${n}`);
    }
    if (type instanceof ByteListType && n > type.limitBytes) {
      throw new DecodeError(path, `${n} bytes exceed the limit of ${type.limitBytes}`);
    }
    return;
  }
  if (type instanceof BitVectorType) {
    const n = hexBytesLength(json, path);
    if (n !== Math.ceil(type.lengthBits / 8)) {
      throw new DecodeError(path, `expected a bitvector of ${Math.ceil(type.lengthBits / 8)} bytes, got ${n}`);
    }
    const extra = type.lengthBits % 8;
    if (extra !== 0 && parseInt((json as string).slice(-2), 16) >> extra !== 0) {
      throw new DecodeError(path, `bits set beyond the bitvector's ${type.lengthBits} bits`);
    }
    return;
  }
  if (type instanceof BitListType) {
    const n = hexBytesLength(json, path);
    const last = n === 0 ? 0 : parseInt((json as string).slice(-2), 16);
    if (last === 0) throw new DecodeError(path, "bitlist without its padding bit");
    const bitLen = (n - 1) * 8 + Math.floor(Math.log2(last));
    if (bitLen > type.limitBits) {
      throw new DecodeError(path, `bitlist of ${bitLen} bits exceeds the limit of ${type.limitBits} bits`);
    }
    return;
  }
  if (type instanceof ContainerType) {
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      throw new DecodeError(path, `expected an object, got ${describe(json)}`);
    }
    const obj = json as Record<string, unknown>;
    for (const {fieldType, jsonKey} of type.fieldsEntries) {
      const p = path === "" ? jsonKey : `${path}.${jsonKey}`;
      if (obj[jsonKey] === undefined) throw new DecodeError(p, "missing field");
      validateSszJson(fieldType as Type<unknown>, obj[jsonKey], p);
    }
    return;
  }
  if (type instanceof ArrayType) {
    if (!Array.isArray(json)) throw new DecodeError(path, `expected an array, got ${describe(json)}`);
    const t = type as unknown as {isList: boolean; limit?: number; length?: number; elementType: Type<unknown>};
    if (t.isList && json.length > (t.limit as number)) {
      throw new DecodeError(path, `${json.length} items exceed the limit of ${t.limit}`);
    }
    if (!t.isList && json.length !== t.length) {
      throw new DecodeError(path, `expected ${t.length} items, got ${json.length}`);
    }
    for (let i = 0; i < json.length; i++) validateSszJson(t.elementType, json[i], `${path}[${i}]`);
    return;
  }
  // Other SSZ kinds (unions, optionals) do not occur in the Beacon API: fall back to the type's own parser.
  try {
    type.fromJson(json);
  } catch (e) {
    throw new DecodeError(path, (e as Error).message);
  }
}

function hexBytesLength(json: unknown, path: string): number {
  if (typeof json !== "string") throw new DecodeError(path, `expected a 0x-prefixed hex string, got ${describe(json)}`);
  if (!HEX.test(json)) throw new DecodeError(path, `invalid hex "${clip(json)}"`);
  return (json.length - 2) / 2;
}

export function describe(json: unknown): string {
  if (json === null) return "null";
  if (Array.isArray(json)) return "an array";
  if (typeof json === "string") return `"${clip(json)}"`;
  if (typeof json === "object") return "an object";
  return `${typeof json} ${String(json)}`;
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
