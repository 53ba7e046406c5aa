import {bytesEqual} from "@ceibo/utils";
import {SlashingProtectionError} from "./errors.ts";

/** Byte layout of the LevelDB keys. Every integer is a big-endian u64 so keys sort numerically. */
export const PREFIX = {
  /** [0x00] → store schema version (1 byte). */
  meta: 0x00,
  /** [0x01] gvr(32) → chain id (u32 BE). One id per genesis_validators_root seen. */
  chain: 0x01,
  /** [0x10] chain(4) pubkey(48) slot(8) → signing root (32 bytes) or empty (unknown root). */
  block: 0x10,
  /** [0x11] chain(4) pubkey(48) target(8) source(8) → signing root (32 bytes) or empty. */
  attByTarget: 0x11,
  /** [0x12] chain(4) pubkey(48) source(8) target(8) → empty. Mirror of attByTarget, written in the same batch. */
  attBySource: 0x12,
  /** [0x13] chain(4) pubkey(48) → empty. Which validators have history on a chain. */
  pubkey: 0x13,
} as const;

export const PUBKEY_LENGTH = 48;
export const ROOT_LENGTH = 32;
/** Length of prefix byte + chain id + pubkey. */
export const VALIDATOR_PREFIX_LENGTH = 1 + 4 + PUBKEY_LENGTH;
const U64_MAX = (1n << 64n) - 1n;

/** Parse 0x-prefixed hex of an exact byte length (or accept bytes of that length). */
export function bytesOf(value: Uint8Array | string, length: number, what: string): Uint8Array {
  if (typeof value === "string") {
    if (!/^0x[0-9a-fA-F]*$/.test(value) || value.length !== 2 + 2 * length) {
      throw new SlashingProtectionError("INVALID_INPUT", `${what} must be 0x-prefixed hex of ${length} bytes`, {
        value,
      });
    }
    return new Uint8Array(Buffer.from(value.slice(2), "hex"));
  }
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw new SlashingProtectionError("INVALID_INPUT", `${what} must be ${length} bytes`, {
      length: value instanceof Uint8Array ? value.length : typeof value,
    });
  }
  return value;
}

/** A slot or epoch from a number, bigint or decimal string; must fit in a u64. */
export function u64Of(value: number | bigint | string, what: string): bigint {
  let n: bigint;
  if (typeof value === "bigint") n = value;
  else if (typeof value === "number") {
    if (!Number.isSafeInteger(value))
      throw new SlashingProtectionError("INVALID_INPUT", `${what} must be an integer`, {value});
    n = BigInt(value);
  } else if (typeof value === "string" && /^[0-9]{1,20}$/.test(value)) n = BigInt(value);
  else throw new SlashingProtectionError("INVALID_INPUT", `${what} must be a decimal integer string`, {value});
  if (n < 0n || n > U64_MAX)
    throw new SlashingProtectionError("INVALID_INPUT", `${what} out of u64 range`, {value: String(value)});
  return n;
}

function u64Bytes(out: Uint8Array, offset: number, n: bigint): void {
  const hi = Number(n >> 32n);
  const lo = Number(n & 0xffffffffn);
  out[offset] = hi >>> 24;
  out[offset + 1] = hi >>> 16;
  out[offset + 2] = hi >>> 8;
  out[offset + 3] = hi;
  out[offset + 4] = lo >>> 24;
  out[offset + 5] = lo >>> 16;
  out[offset + 6] = lo >>> 8;
  out[offset + 7] = lo;
}

export function readU64(bytes: Uint8Array, offset: number): bigint {
  const hi = ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0;
  const lo =
    ((bytes[offset + 4] << 24) | (bytes[offset + 5] << 16) | (bytes[offset + 6] << 8) | bytes[offset + 7]) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** prefix byte + chain id + pubkey, followed by `extra` zero bytes for the caller to fill. */
export function validatorKey(prefix: number, chainId: number, pubkey: Uint8Array, extra = 0): Uint8Array {
  const key = new Uint8Array(VALIDATOR_PREFIX_LENGTH + extra);
  key[0] = prefix;
  key[1] = chainId >>> 24;
  key[2] = chainId >>> 16;
  key[3] = chainId >>> 8;
  key[4] = chainId;
  key.set(pubkey, 5);
  return key;
}

export function keyWithU64s(prefix: number, chainId: number, pubkey: Uint8Array, ...values: bigint[]): Uint8Array {
  const key = validatorKey(prefix, chainId, pubkey, 8 * values.length);
  for (const [i, v] of values.entries()) u64Bytes(key, VALIDATOR_PREFIX_LENGTH + 8 * i, v);
  return key;
}

/** The smallest key strictly greater than every key starting with `prefix`. */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const end = Uint8Array.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] !== 0xff) {
      end[i]++;
      return end.slice(0, i + 1);
    }
  }
  throw new Error("prefix has no upper bound");
}

export function chainKey(gvr: Uint8Array): Uint8Array {
  const key = new Uint8Array(1 + ROOT_LENGTH);
  key[0] = PREFIX.chain;
  key.set(gvr, 1);
  return key;
}

export function rootOrNull(value: Uint8Array | undefined): Uint8Array | null {
  return value && value.length === ROOT_LENGTH ? value : null;
}

/** Whether two signing roots are the same: an unknown (null) root is never the same as anything. */
export function sameRoot(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a !== null && b !== null && bytesEqual(a, b);
}
