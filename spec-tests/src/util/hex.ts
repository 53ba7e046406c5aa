import {bytesEqual, toHex} from "@ceibo/utils";

/** Throws `<what>: expected 0x.. got 0x..` when the bytes differ (long values shown abbreviated). */
export function assertBytesEqual(actual: Uint8Array, expected: Uint8Array, what: string): void {
  if (!bytesEqual(actual, expected)) {
    throw Error(`${what} mismatch: expected ${abbrev(toHex(expected))}, got ${abbrev(toHex(actual))}`);
  }
}

function abbrev(hex: string): string {
  return hex.length > 74 ? `${hex.slice(0, 42)}…${hex.slice(-16)} (${(hex.length - 2) / 2} bytes)` : hex;
}
