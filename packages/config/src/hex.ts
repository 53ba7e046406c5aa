/** 0x-prefixed hex string → bytes (throws on malformed input). */
export function hex(s: string): Uint8Array {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(s)) throw Error(`not 0x-prefixed hex bytes: "${s}"`);
  return Uint8Array.from(Buffer.from(s.slice(2), "hex"));
}

export function toHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}
