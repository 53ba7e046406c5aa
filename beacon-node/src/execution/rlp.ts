/**
 * Recursive Length Prefix encoding (Ethereum Yellow Paper appendix B): the serialization of execution block headers,
 * trie nodes, withdrawals and EIP-2718 transaction payloads. Decoding is strict (canonical encodings only).
 */
import {RlpError} from "./errors.ts";

export type RlpItem = Uint8Array | RlpItem[];

/** Big-endian bytes of an unsigned integer without leading zeros (0 → empty string), as RLP encodes scalars. */
export function uintToRlpBytes(value: number | bigint): Uint8Array {
  let n = typeof value === "number" ? numberToBigint(value) : value;
  if (n < 0n) throw RangeError(`negative integer ${n}`);
  if (n === 0n) return new Uint8Array(0);
  const out: number[] = [];
  while (n > 0n) {
    out.push(Number(n & 0xffn));
    n >>= 8n;
  }
  return Uint8Array.from(out.reverse());
}

function numberToBigint(value: number): bigint {
  // The SSZ uint64 types hold 2**64-1 as Infinity.
  if (value === Number.POSITIVE_INFINITY) return (1n << 64n) - 1n;
  if (!Number.isSafeInteger(value)) throw RangeError(`not a safe integer: ${value}`);
  return BigInt(value);
}

/** An RLP scalar → bigint (rejects leading zeros). */
export function rlpBytesToBigint(bytes: Uint8Array): bigint {
  if (bytes.length > 0 && bytes[0] === 0) throw new RlpError("NON_CANONICAL", "integer with leading zero byte");
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

export function rlpEncode(item: RlpItem): Uint8Array {
  const parts: Uint8Array[] = [];
  encodeInto(item, parts);
  return Buffer.concat(parts);
}

function encodeInto(item: RlpItem, out: Uint8Array[]): number {
  if (item instanceof Uint8Array) {
    if (item.length === 1 && item[0] < 0x80) {
      out.push(item);
      return 1;
    }
    const header = lengthPrefix(item.length, 0x80);
    out.push(header, item);
    return header.length + item.length;
  }
  const at = out.length;
  out.push(new Uint8Array(0)); // placeholder for the list header
  let payload = 0;
  for (const child of item) payload += encodeInto(child, out);
  const header = lengthPrefix(payload, 0xc0);
  out[at] = header;
  return header.length + payload;
}

function lengthPrefix(length: number, offset: number): Uint8Array {
  if (length < 56) return Uint8Array.of(offset + length);
  const lenBytes = uintToRlpBytes(length);
  return Uint8Array.of(offset + 55 + lenBytes.length, ...lenBytes);
}

/** Decodes one RLP item that spans all of `bytes`. */
export function rlpDecode(bytes: Uint8Array): RlpItem {
  const [item, end] = decodeAt(bytes, 0, 0);
  if (end !== bytes.length) throw new RlpError("TRAILING_BYTES", `${bytes.length - end} bytes after the RLP item`);
  return item;
}

/** Decodes the RLP items concatenated in `bytes` (e.g. a chain.rlp file of blocks). */
export function rlpDecodeStream(bytes: Uint8Array): RlpItem[] {
  const items: RlpItem[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const [item, end] = decodeAt(bytes, pos, 0);
    items.push(item);
    pos = end;
  }
  return items;
}

const MAX_DEPTH = 64;

function decodeAt(bytes: Uint8Array, pos: number, depth: number): [RlpItem, number] {
  if (depth > MAX_DEPTH) throw new RlpError("TOO_DEEP", `RLP nesting deeper than ${MAX_DEPTH}`);
  if (pos >= bytes.length) throw new RlpError("TRUNCATED", "RLP item past the end of the input");
  const prefix = bytes[pos];
  if (prefix < 0x80) return [bytes.subarray(pos, pos + 1), pos + 1];
  if (prefix < 0xc0) {
    const [start, length] = readLength(bytes, pos, 0x80);
    const data = bytes.subarray(start, start + length);
    if (length === 1 && data[0] < 0x80 && start === pos + 1) {
      throw new RlpError("NON_CANONICAL", "single byte below 0x80 encoded as a string");
    }
    return [data, start + length];
  }
  const [start, length] = readLength(bytes, pos, 0xc0);
  const end = start + length;
  const items: RlpItem[] = [];
  let p = start;
  while (p < end) {
    const [item, next] = decodeAt(bytes.subarray(0, end), p, depth + 1);
    items.push(item);
    p = next;
  }
  return [items, end];
}

/** → [payload start, payload length] of the item whose prefix byte is at `pos`. */
function readLength(bytes: Uint8Array, pos: number, offset: number): [number, number] {
  const prefix = bytes[pos];
  if (prefix - offset < 56) {
    const length = prefix - offset;
    if (pos + 1 + length > bytes.length) throw new RlpError("TRUNCATED", "RLP payload past the end of the input");
    return [pos + 1, length];
  }
  const lenOfLen = prefix - offset - 55;
  if (pos + 1 + lenOfLen > bytes.length) throw new RlpError("TRUNCATED", "RLP length past the end of the input");
  if (bytes[pos + 1] === 0) throw new RlpError("NON_CANONICAL", "RLP length with leading zero");
  let length = 0;
  for (let i = 0; i < lenOfLen; i++) length = length * 256 + bytes[pos + 1 + i];
  if (length < 56) throw new RlpError("NON_CANONICAL", "long-form RLP length below 56");
  if (pos + 1 + lenOfLen + length > bytes.length) {
    throw new RlpError("TRUNCATED", "RLP payload past the end of the input");
  }
  return [pos + 1 + lenOfLen, length];
}

/** Narrows a decoded item to a list (throws a typed error otherwise). */
export function asList(item: RlpItem, what: string): RlpItem[] {
  if (!Array.isArray(item)) throw new RlpError("UNEXPECTED_TYPE", `${what}: expected an RLP list`);
  return item;
}

/** Narrows a decoded item to a byte string. */
export function asBytes(item: RlpItem, what: string): Uint8Array {
  if (!(item instanceof Uint8Array)) throw new RlpError("UNEXPECTED_TYPE", `${what}: expected an RLP string`);
  return item;
}
