/** Why bytes on a req/resp stream could not be decoded (snappy framing, varint header, ssz_snappy chunk). */
export type EncodingErrorCode =
  // snappy framing format
  | "SNAPPY_MISSING_STREAM_IDENTIFIER"
  | "SNAPPY_BAD_STREAM_IDENTIFIER"
  | "SNAPPY_RESERVED_UNSKIPPABLE_CHUNK"
  | "SNAPPY_CHUNK_TOO_LARGE"
  | "SNAPPY_BAD_CHECKSUM"
  | "SNAPPY_DECOMPRESS_FAILED"
  | "SNAPPY_TRUNCATED"
  // ssz_snappy encoding-dependent header and payload
  | "VARINT_TOO_LONG"
  | "VARINT_OVERFLOW"
  | "LENGTH_UNDER_SSZ_MIN_SIZE"
  | "LENGTH_OVER_SSZ_MAX_SIZE"
  | "LENGTH_OVER_MAX_PAYLOAD_SIZE"
  | "TOO_MANY_COMPRESSED_BYTES"
  | "TOO_MANY_UNCOMPRESSED_BYTES"
  | "UNEXPECTED_EOF"
  | "TRAILING_BYTES";

/** A malformed input: from a request → InvalidRequest; from a response → bad server behaviour. */
export class EncodingError extends Error {
  readonly code: EncodingErrorCode;

  constructor(code: EncodingErrorCode, message: string, opts?: {cause?: unknown}) {
    super(`${code}: ${message}`, opts);
    this.name = "EncodingError";
    this.code = code;
  }
}

export function isEncodingError(e: unknown): e is EncodingError {
  return e instanceof EncodingError;
}
