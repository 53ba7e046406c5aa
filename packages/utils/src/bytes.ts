/**
 * Bytes and hex without `node:` imports, so browser bundles can use them too (Node's global Buffer speeds up
 * `toHex` when present; the portable encoder runs elsewhere).
 * Hex out is always lowercase and 0x-prefixed; hex in is strict (even length, hex digits only) and every error names
 * what was being parsed.
 */

const HEX_OF_BYTE: string[] = Array.from({length: 256}, (_, i) => i.toString(16).padStart(2, "0"));

/** Hex digit (ASCII code) → value, or -1. */
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[65 + i] = 10 + i;
  NIBBLE[97 + i] = 10 + i;
}

/** `0x`-prefixed lowercase hex of `bytes` (`0x` for no bytes). */
export function toHex(bytes: Uint8Array): string {
  return `0x${toHexUnprefixed(bytes)}`;
}

/** Node's Buffer when running on Node (its native hex encoder is ~15x faster on large inputs); absent in browsers. */
const NodeBuffer = (
  globalThis as {
    Buffer?: {from(buffer: ArrayBufferLike, byteOffset: number, length: number): {toString(encoding: "hex"): string}};
  }
).Buffer;

/** Lowercase hex of `bytes` without the `0x` prefix (map keys, file names). */
export function toHexUnprefixed(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`toHex: expected a Uint8Array, got ${describe(bytes)}`);
  if (NodeBuffer !== undefined)
    return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
  return toHexPortable(bytes);
}

/** The hex encoder used where there is no Buffer (browsers); exported for its test. */
export function toHexPortable(bytes: Uint8Array): string {
  // Chunks keep string concatenation from building one rope per byte on large inputs (states are megabytes).
  const chunks: string[] = [];
  for (let start = 0; start < bytes.length; start += 8192) {
    let s = "";
    const end = Math.min(bytes.length, start + 8192);
    for (let i = start; i < end; i++) s += HEX_OF_BYTE[bytes[i]];
    chunks.push(s);
  }
  return chunks.join("");
}

export interface FromHexOptions {
  /** Exact byte length the value must have. */
  length?: number;
  /** Accept the value without its `0x` prefix too (default: the prefix is required). */
  prefixOptional?: boolean;
}

/**
 * `0x`-prefixed hex → bytes. Throws one error naming `what` and the problem (not a string, no 0x prefix, odd length,
 * a non-hex character and where, wrong length) on bad input.
 */
export function fromHex(hex: unknown, what = "hex value", opts: FromHexOptions = {}): Uint8Array {
  if (typeof hex !== "string") throw new TypeError(`${what}: expected a 0x-prefixed hex string, got ${describe(hex)}`);
  let body: string;
  if (hex.startsWith("0x") || hex.startsWith("0X")) body = hex.slice(2);
  else if (opts.prefixOptional) body = hex;
  else throw new TypeError(`${what}: expected a 0x-prefixed hex string, got "${abbreviate(hex)}"`);
  if (body.length % 2 !== 0) {
    throw new TypeError(`${what}: hex has an odd number of digits (${body.length}): "${abbreviate(hex)}"`);
  }
  const out = new Uint8Array(body.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(body, 2 * i);
    const lo = nibble(body, 2 * i + 1);
    if (hi < 0 || lo < 0) {
      const at = hi < 0 ? 2 * i : 2 * i + 1;
      throw new TypeError(`${what}: "${body[at]}" at digit ${at} is not a hex digit: "${abbreviate(hex)}"`);
    }
    out[i] = (hi << 4) | lo;
  }
  if (opts.length !== undefined && out.length !== opts.length) {
    throw new TypeError(`${what}: expected ${opts.length} bytes, got ${out.length}`);
  }
  return out;
}

function nibble(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c < 128 ? NIBBLE[c] : -1;
}

/** Whether two byte arrays have the same length and contents. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Equality that takes the same time whatever the contents (for secrets and tokens): only the length leaks. */
export function bytesEqualConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** One new array holding `parts` back to back. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Whether every byte is zero (true for no bytes). */
export function isZeroBytes(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

function abbreviate(s: string): string {
  return s.length > 74 ? `${s.slice(0, 42)}…${s.slice(-16)} (${s.length} chars)` : s;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return (v as object).constructor?.name ?? "object";
  return typeof v;
}
