/**
 * p2p-interface.md "SSZ-snappy encoding strategy": a request is <varint ssz length><snappy frames of the ssz
 * bytes>; a response is zero or more response_chunks <result><context-bytes?><varint length><frames> (altair
 * added the context bytes, empty for error chunks and for methods without a ForkDigest context).
 */
import {concatBytes} from "@ceibo/utils";
import type {ByteReader} from "./byteReader.ts";
import {EncodingError} from "./errors.ts";
import {encodeSnappyFrames, readOneChunk, readSnappyFrames, SnappyFramesDecoder} from "./snappyFrames.ts";

/** The response codes (`result` of a response_chunk). 4-127 are reserved, 128-255 free for request-specific errors. */
export const RespCode = {
  SUCCESS: 0,
  INVALID_REQUEST: 1,
  SERVER_ERROR: 2,
  RESOURCE_UNAVAILABLE: 3,
} as const;
export type RespCode = (typeof RespCode)[keyof typeof RespCode];

/** ErrorMessage is List[byte, 256]. */
export const ERROR_MESSAGE_MAX_LENGTH = 256;
/** The ForkDigest-context is 4 bytes. */
export const CONTEXT_BYTES_LENGTH = 4;
/** An unsigned protobuf varint of a uint64 takes at most 10 bytes. */
export const MAX_VARINT_BYTES = 10;

/** The size bounds of an SSZ type (its minSize / maxSize). */
export interface SszSizeBounds {
  minSize: number;
  maxSize: number;
}

/** phase0 p2p-interface.md max_compressed_len: worst-case snappy output for n input bytes. */
export function maxCompressedLen(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

/** Unsigned LEB128 (protobuf varint) of a non-negative safe integer, minimally encoded. */
export function encodeVarint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint of ${value}`);
  const out: number[] = [];
  let n = value;
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Uint8Array.from(out);
}

/**
 * Reads an unsigned protobuf varint (at most 10 bytes, any uint64 value). Returns it as a bigint (a length
 * prefix must be checked against the bounds before it becomes a number).
 */
export async function readVarint(reader: ByteReader): Promise<bigint> {
  let value = 0n;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    const byte = await reader.readByte();
    if (byte === null) throw new EncodingError("UNEXPECTED_EOF", "stream ended inside the length prefix");
    value |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if ((byte & 0x80) === 0) {
      if (value > 0xffffffffffffffffn) throw new EncodingError("VARINT_OVERFLOW", "length prefix exceeds uint64");
      return value;
    }
  }
  throw new EncodingError("VARINT_TOO_LONG", `length prefix longer than ${MAX_VARINT_BYTES} bytes`);
}

/** <varint ssz length><snappy frames>: a request, or the payload part of a response chunk. */
export function encodeSszSnappy(ssz: Uint8Array): Uint8Array {
  return concatBytes(encodeVarint(ssz.length), encodeSnappyFrames(ssz));
}

/** A success response_chunk: 0, the context bytes (ForkDigest-context methods), then the payload. */
export function encodeSuccessChunk(ssz: Uint8Array, contextBytes?: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(RespCode.SUCCESS)];
  if (contextBytes !== undefined) {
    if (contextBytes.length !== CONTEXT_BYTES_LENGTH) throw new RangeError("context bytes must be 4 bytes");
    parts.push(contextBytes);
  }
  parts.push(encodeSszSnappy(ssz));
  return concatBytes(...parts);
}

/** An error response_chunk: the code, then the ErrorMessage (UTF-8, cut to 256 bytes) ssz_snappy encoded. */
export function encodeErrorChunk(code: number, message: string): Uint8Array {
  if (!Number.isInteger(code) || code < 1 || code > 255) throw new RangeError(`error response code ${code}`);
  const bytes = new TextEncoder().encode(message).subarray(0, ERROR_MESSAGE_MAX_LENGTH);
  return concatBytes(Uint8Array.of(code), encodeSszSnappy(bytes));
}

/**
 * Reads the length prefix and the framed payload of one ssz_snappy message: the prefix must be within the SSZ
 * type's bounds and MAX_PAYLOAD_SIZE, the frames within max_compressed_len(n) and carrying exactly n bytes.
 */
export async function readSszSnappyPayload(
  reader: ByteReader,
  bounds: SszSizeBounds,
  maxPayloadSize: number,
): Promise<Uint8Array> {
  const length = await readVarint(reader);
  if (length > BigInt(maxPayloadSize)) {
    throw new EncodingError(
      "LENGTH_OVER_MAX_PAYLOAD_SIZE",
      `length prefix ${length} > MAX_PAYLOAD_SIZE ${maxPayloadSize}`,
    );
  }
  const n = Number(length);
  if (n < bounds.minSize) {
    throw new EncodingError("LENGTH_UNDER_SSZ_MIN_SIZE", `length prefix ${n} < ssz min size ${bounds.minSize}`);
  }
  if (n > bounds.maxSize) {
    throw new EncodingError("LENGTH_OVER_SSZ_MAX_SIZE", `length prefix ${n} > ssz max size ${bounds.maxSize}`);
  }
  const {data} = await readSnappyFrames(reader, n, maxCompressedLen(n));
  return data;
}

/**
 * Reads a whole request: the payload, then EOF (the requester closed its write side). Bytes after the payload are
 * TRAILING_BYTES. An empty payload may come as no frames at all or as frames that carry nothing.
 */
export async function readRequest(
  reader: ByteReader,
  bounds: SszSizeBounds,
  maxPayloadSize: number,
): Promise<Uint8Array> {
  const data = await readSszSnappyPayload(reader, bounds, maxPayloadSize);
  if (data.length === 0) {
    // tolerate an encoder that framed the empty payload (a stream identifier, maybe empty chunks)
    const decoder = new SnappyFramesDecoder();
    let budget = maxCompressedLen(0);
    while (!(await reader.isAtEnd())) {
      const {data: extra, framedBytes} = await readOneChunk(reader, decoder, budget, 0);
      if (extra.length > 0) throw new EncodingError("TOO_MANY_UNCOMPRESSED_BYTES", "frames carry bytes after length 0");
      budget -= framedBytes;
    }
    return data;
  }
  if (!(await reader.isAtEnd())) throw new EncodingError("TRAILING_BYTES", "bytes after the request payload");
  return data;
}

/** A decoded response_chunk. */
export type ResponseChunk =
  | {result: typeof RespCode.SUCCESS; contextBytes: Uint8Array | null; ssz: Uint8Array}
  | {result: number; errorMessage: string};

export interface ReadResponseChunkOpts {
  /** Whether success chunks carry 4 context bytes (ForkDigest-context methods). */
  contextBytes: boolean;
  /** The SSZ bounds of the chunk type, from the context bytes (null without). May throw for unknown context. */
  boundsFor(contextBytes: Uint8Array | null): SszSizeBounds;
  maxPayloadSize: number;
}

/**
 * Reads one response_chunk, or null if the stream ended cleanly before it (no more chunks). An error chunk's
 * message is decoded leniently (any bytes are valid; an error code with nothing after it has an empty message).
 */
export async function readResponseChunk(
  reader: ByteReader,
  opts: ReadResponseChunkOpts,
): Promise<ResponseChunk | null> {
  const result = await reader.readByte();
  if (result === null) return null;
  if (result !== RespCode.SUCCESS) {
    if (await reader.isAtEnd()) return {result, errorMessage: ""};
    const bytes = await readSszSnappyPayload(
      reader,
      {minSize: 0, maxSize: ERROR_MESSAGE_MAX_LENGTH},
      opts.maxPayloadSize,
    );
    return {result, errorMessage: new TextDecoder("utf-8", {fatal: false}).decode(bytes)};
  }
  const contextBytes = opts.contextBytes ? await reader.readExact(CONTEXT_BYTES_LENGTH) : null;
  const ssz = await readSszSnappyPayload(reader, opts.boundsFor(contextBytes), opts.maxPayloadSize);
  return {result: RespCode.SUCCESS, contextBytes: contextBytes === null ? null : Uint8Array.from(contextBytes), ssz};
}
