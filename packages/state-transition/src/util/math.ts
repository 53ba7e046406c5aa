import {StateHelperError} from "../errors.ts";
/**
 * phase0 integer_squareroot (exact for every uint64, on bigint)
 * Spec: `integer_squareroot` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#integer_squareroot
 */
export function integerSquareroot(n: bigint): bigint {
  if (n < 0n)
    throw new StateHelperError({code: "NEGATIVE_SQUARE_ROOT"}, `integerSquareroot of a negative number: ${n}`);
  if (n < 2n) return n;
  let x = n;
  let y = (x + 1n) / 2n;
  while (y < x) {
    x = y;
    y = (x + n / x) / 2n;
  }
  return x;
}

/** integer_squareroot for numbers up to 2**53 (exact: corrects the float estimate) */
export function intSqrt(n: number): number {
  let x = Math.floor(Math.sqrt(n));
  while (x * x > n) x--;
  while ((x + 1) * (x + 1) <= n) x++;
  return x;
}

/** uint_to_bytes(uint64) little-endian */
export function uint64ToBytes(n: number | bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  return out;
}

/**
 * bytes_to_uint64 (little-endian) of the first 8 bytes, as a bigint
 * Spec: `bytes_to_uint64` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#bytes_to_uint64
 */
export function bytesToUint64(bytes: Uint8Array): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
}
