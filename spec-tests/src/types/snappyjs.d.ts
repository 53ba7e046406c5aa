// snappyjs ships no type declarations; only what we use.
declare module "snappyjs" {
  /** Snappy block (raw, unframed) decompression. Returns the same kind of buffer it was given. */
  export function uncompress<T extends Uint8Array | ArrayBuffer>(compressed: T, maxLength?: number): T;
  export function compress<T extends Uint8Array | ArrayBuffer>(uncompressed: T): T;
}
