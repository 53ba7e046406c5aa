/**
 * Engine API value encoding (execution-apis src/engine/common.md "Encoding"):
 * DATA = 0x-prefixed hex of whole bytes; QUANTITY = 0x-prefixed big-endian hex without leading zeros ("0x0" for 0).
 */
import {EngineEncodingError} from "./errors.ts";

const DATA_RE = /^0x(?:[0-9a-fA-F]{2})*$/;
const QUANTITY_RE = /^0x(?:0|[1-9a-fA-F][0-9a-fA-F]*)$/;
const UINT64_MAX = (1n << 64n) - 1n;

export function bytesToData(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

/** DATA → bytes; `length` checks an exact size. */
export function dataToBytes(value: unknown, path: string, length?: number): Uint8Array {
  if (typeof value !== "string" || !DATA_RE.test(value)) {
    throw new EngineEncodingError("INVALID_HEX", path, `expected 0x-prefixed hex bytes, got ${describe(value)}`);
  }
  const bytes = Uint8Array.from(Buffer.from(value.slice(2), "hex"));
  if (length !== undefined && bytes.length !== length) {
    throw new EngineEncodingError("INVALID_LENGTH", path, `expected ${length} bytes, got ${bytes.length}`);
  }
  return bytes;
}

/** DATA with a maximum size (extraData: 0 to 32 bytes). */
export function dataToBytesMax(value: unknown, path: string, maxLength: number): Uint8Array {
  const bytes = dataToBytes(value, path);
  if (bytes.length > maxLength) {
    throw new EngineEncodingError("INVALID_LENGTH", path, `expected at most ${maxLength} bytes, got ${bytes.length}`);
  }
  return bytes;
}

/** number | bigint → QUANTITY. A uint64 number of Infinity (how the SSZ types hold 2**64-1) encodes as 2**64-1. */
export function numToQuantity(value: number | bigint): string {
  if (typeof value === "number") {
    if (value === Number.POSITIVE_INFINITY) return `0x${UINT64_MAX.toString(16)}`;
    if (!Number.isSafeInteger(value) || value < 0) throw RangeError(`not a non-negative safe integer: ${value}`);
  } else if (value < 0n) {
    throw RangeError(`negative quantity: ${value}`);
  }
  return `0x${value.toString(16)}`;
}

/** QUANTITY → bigint, at most `bits` bits. */
export function quantityToBigint(value: unknown, path: string, bits = 256): bigint {
  if (typeof value !== "string" || !QUANTITY_RE.test(value)) {
    throw new EngineEncodingError(
      "INVALID_QUANTITY",
      path,
      `expected a QUANTITY (0x-hex without leading zeros), got ${describe(value)}`,
    );
  }
  const n = BigInt(value);
  if (n >> BigInt(bits) !== 0n) {
    throw new EngineEncodingError("QUANTITY_OUT_OF_RANGE", path, `${value} does not fit in ${bits} bits`);
  }
  return n;
}

/**
 * uint64 QUANTITY → number as the SSZ uint64 types hold it: exact up to 2**53, 2**64-1 → Infinity. Values in
 * between cannot be held exactly and are rejected.
 */
export function quantityToNum(value: unknown, path: string): number {
  const n = quantityToBigint(value, path, 64);
  if (n <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(n);
  if (n === UINT64_MAX) return Number.POSITIVE_INFINITY;
  throw new EngineEncodingError("QUANTITY_OUT_OF_RANGE", path, `${value} is above 2**53 and not 2**64-1`);
}

export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}
