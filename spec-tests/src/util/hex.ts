/** 0x-prefixed hex <-> bytes, strict (even length, hex digits only). */
export function fromHex(hex: unknown, what = "hex"): Uint8Array {
  if (typeof hex !== "string" || !hex.startsWith("0x")) throw Error(`${what}: expected a 0x-prefixed hex string`);
  const body = hex.slice(2);
  if (body.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(body)) throw Error(`${what}: invalid hex "${hex}"`);
  return new Uint8Array(Buffer.from(body, "hex"));
}

export function toHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Throws `<what>: expected 0x.. got 0x..` when the bytes differ (long values shown abbreviated). */
export function assertBytesEqual(actual: Uint8Array, expected: Uint8Array, what: string): void {
  if (!bytesEqual(actual, expected)) {
    throw Error(`${what} mismatch: expected ${abbrev(toHex(expected))}, got ${abbrev(toHex(actual))}`);
  }
}

function abbrev(hex: string): string {
  return hex.length > 74 ? `${hex.slice(0, 42)}…${hex.slice(-16)} (${(hex.length - 2) / 2} bytes)` : hex;
}
