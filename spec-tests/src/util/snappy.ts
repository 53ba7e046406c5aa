import {compress, uncompress} from "snappyjs";

/** Decompresses Snappy block (raw, unframed) data, as used by the `*.ssz_snappy` parts of spec tests. */
export function snappyUncompress(compressed: Uint8Array): Uint8Array {
  return uncompress(compressed);
}

/** Snappy block compression (used by tests that build fake vector trees). */
export function snappyCompress(data: Uint8Array): Uint8Array {
  return compress(data);
}
