/**
 * The snappy framing format (google/snappy framing_format.txt), as p2p-interface.md "SSZ-snappy encoding strategy"
 * requires for req/resp payloads. Raw snappy blocks come from the `snappy` package; the framing, checksums and
 * limits are here.
 *
 * A stream is a sequence of chunks: 1 byte chunk type, 3 bytes little-endian length of the chunk data, the data.
 *   0xff stream identifier ("sNaPpY"), always first (and allowed again later, identical)
 *   0x00 compressed data: 4-byte masked CRC-32C of the uncompressed data, then a raw snappy block
 *   0x01 uncompressed data: 4-byte masked CRC-32C, then the data
 *   0x02-0x7f reserved unskippable (an error), 0x80-0xfd reserved skippable, 0xfe padding (both skipped)
 * Every data chunk holds at most 65536 uncompressed bytes.
 */
import {bytesEqual} from "@ceibo/utils";
import {crc32c} from "@node-rs/crc32";
import {compressSync, uncompressSync} from "snappy";
import type {ByteReader} from "./byteReader.ts";
import {EncodingError} from "./errors.ts";

export const ChunkType = {
  COMPRESSED: 0x00,
  UNCOMPRESSED: 0x01,
  PADDING: 0xfe,
  STREAM_IDENTIFIER: 0xff,
} as const;

/** The stream identifier chunk: type 0xff, length 6, "sNaPpY". */
export const STREAM_IDENTIFIER = Uint8Array.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]);
const STREAM_IDENTIFIER_BODY = STREAM_IDENTIFIER.subarray(4);

/** Maximum uncompressed bytes in one data chunk. */
export const MAX_UNCOMPRESSED_CHUNK_LENGTH = 65536;
const CHUNK_HEADER_LENGTH = 4;
const CHECKSUM_LENGTH = 4;

/** Masked CRC-32C of data, as the framing format stores it: ((crc >>> 15) | (crc << 17)) + 0xa282ead8 (mod 2^32). */
export function maskedCrc32c(data: Uint8Array): number {
  const crc = crc32c(data) >>> 0;
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

function chunkHeader(type: number, length: number): Uint8Array {
  return Uint8Array.from([type, length & 0xff, (length >>> 8) & 0xff, (length >>> 16) & 0xff]);
}

function writeUint32LE(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value & 0xff;
  out[offset + 1] = (value >>> 8) & 0xff;
  out[offset + 2] = (value >>> 16) & 0xff;
  out[offset + 3] = (value >>> 24) & 0xff;
}

function readUint32LE(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24)) >>> 0;
}

/**
 * Frames `data`: the stream identifier, then one chunk per 65536 bytes, compressed unless compression saves less
 * than 1/8 of the chunk (then stored uncompressed, as the reference implementation does). Empty data is the
 * stream identifier alone.
 */
export function encodeSnappyFrames(data: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [STREAM_IDENTIFIER];
  let total = STREAM_IDENTIFIER.length;
  for (let start = 0; start < data.length; start += MAX_UNCOMPRESSED_CHUNK_LENGTH) {
    const slice = data.subarray(start, Math.min(start + MAX_UNCOMPRESSED_CHUNK_LENGTH, data.length));
    const compressed = compressSync(slice);
    const useCompressed = compressed.length < slice.length - Math.floor(slice.length / 8);
    const payload = useCompressed ? compressed : slice;
    const header = chunkHeader(useCompressed ? ChunkType.COMPRESSED : ChunkType.UNCOMPRESSED, payload.length + 4);
    const checksum = new Uint8Array(CHECKSUM_LENGTH);
    writeUint32LE(checksum, 0, maskedCrc32c(slice));
    parts.push(header, checksum, payload);
    total += header.length + CHECKSUM_LENGTH + payload.length;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The uncompressed length a raw snappy block declares (its varint preamble), or null if the preamble is invalid. */
function rawUncompressedLength(block: Uint8Array): number | null {
  let result = 0;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const byte = block[i];
    result += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return result;
  }
  return null;
}

/** A chunk header: the chunk type and the length of the data after the header. */
export function parseChunkHeader(header: Uint8Array): {type: number; length: number} {
  return {type: header[0], length: header[1] | (header[2] << 8) | (header[3] << 16)};
}

/**
 * Decodes a framed stream chunk by chunk. Checks that the stream starts with the stream identifier, the
 * checksums, the 65536-byte chunk limit, and refuses reserved unskippable chunk types. Knows nothing of where
 * the chunks come from: `readSnappyFrames` feeds it from a stream, `decodeSnappyFrames` from a buffer.
 */
export class SnappyFramesDecoder {
  private sawStreamIdentifier = false;

  /**
   * Decodes one chunk (its type and the data after the 4-byte header): the uncompressed bytes it carries,
   * empty for the stream identifier, padding and skippable chunks. `maxUncompressed` bounds what a compressed
   * chunk may declare before it is decompressed (the bytes the caller still expects).
   */
  decodeChunk(type: number, data: Uint8Array, maxUncompressed = MAX_UNCOMPRESSED_CHUNK_LENGTH): Uint8Array {
    if (type === ChunkType.STREAM_IDENTIFIER) {
      if (data.length !== STREAM_IDENTIFIER_BODY.length || !bytesEqual(data, STREAM_IDENTIFIER_BODY)) {
        throw new EncodingError("SNAPPY_BAD_STREAM_IDENTIFIER", "stream identifier chunk is not sNaPpY");
      }
      this.sawStreamIdentifier = true;
      return new Uint8Array(0);
    }
    if (!this.sawStreamIdentifier) {
      throw new EncodingError(
        "SNAPPY_MISSING_STREAM_IDENTIFIER",
        `the stream starts with chunk type 0x${type.toString(16)}, not the stream identifier`,
      );
    }
    if (type === ChunkType.COMPRESSED || type === ChunkType.UNCOMPRESSED) {
      if (data.length < CHECKSUM_LENGTH) {
        throw new EncodingError("SNAPPY_TRUNCATED", `data chunk of ${data.length} bytes has no checksum`);
      }
      const checksum = readUint32LE(data, 0);
      const payload = data.subarray(CHECKSUM_LENGTH);
      let uncompressed: Uint8Array;
      if (type === ChunkType.UNCOMPRESSED) {
        if (payload.length > MAX_UNCOMPRESSED_CHUNK_LENGTH) {
          throw new EncodingError("SNAPPY_CHUNK_TOO_LARGE", `uncompressed chunk of ${payload.length} bytes`);
        }
        uncompressed = payload;
      } else {
        const declared = rawUncompressedLength(payload);
        if (declared === null) throw new EncodingError("SNAPPY_DECOMPRESS_FAILED", "bad snappy block preamble");
        if (declared > MAX_UNCOMPRESSED_CHUNK_LENGTH) {
          throw new EncodingError("SNAPPY_CHUNK_TOO_LARGE", `compressed chunk declares ${declared} bytes`);
        }
        if (declared > maxUncompressed) {
          throw new EncodingError(
            "TOO_MANY_UNCOMPRESSED_BYTES",
            `compressed chunk declares ${declared} bytes, only ${maxUncompressed} expected`,
          );
        }
        try {
          uncompressed = uncompressSync(payload, {asBuffer: true}) as Buffer;
        } catch (e) {
          throw new EncodingError("SNAPPY_DECOMPRESS_FAILED", (e as Error).message, {cause: e});
        }
        if (uncompressed.length !== declared) {
          throw new EncodingError("SNAPPY_DECOMPRESS_FAILED", `block gave ${uncompressed.length} of ${declared} bytes`);
        }
      }
      const actual = maskedCrc32c(uncompressed);
      if (actual !== checksum) {
        throw new EncodingError(
          "SNAPPY_BAD_CHECKSUM",
          `masked crc32c 0x${actual.toString(16)} != 0x${checksum.toString(16)} in the chunk`,
        );
      }
      return uncompressed;
    }
    if (type >= 0x02 && type <= 0x7f) {
      throw new EncodingError(
        "SNAPPY_RESERVED_UNSKIPPABLE_CHUNK",
        `reserved unskippable chunk type 0x${type.toString(16)}`,
      );
    }
    // 0x80-0xfd reserved skippable, 0xfe padding
    return new Uint8Array(0);
  }
}

/** Decodes a complete framed stream held in memory (every chunk whole, nothing after the last one). */
export function decodeSnappyFrames(bytes: Uint8Array): Uint8Array {
  const decoder = new SnappyFramesDecoder();
  const parts: Uint8Array[] = [];
  let total = 0;
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < CHUNK_HEADER_LENGTH) {
      throw new EncodingError("SNAPPY_TRUNCATED", `${bytes.length - offset} bytes after the last chunk`);
    }
    const {type, length} = parseChunkHeader(bytes.subarray(offset, offset + CHUNK_HEADER_LENGTH));
    offset += CHUNK_HEADER_LENGTH;
    if (bytes.length - offset < length) {
      throw new EncodingError("SNAPPY_TRUNCATED", `chunk of ${length} bytes has only ${bytes.length - offset}`);
    }
    const data = decoder.decodeChunk(type, bytes.subarray(offset, offset + length));
    offset += length;
    if (data.length > 0) {
      parts.push(data);
      total += data.length;
    }
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Reads framed chunks from `reader` until exactly `n` uncompressed bytes came out, never reading past the chunk
 * that completes them. At most `maxCompressedBytes` framed bytes (headers included) may be read
 * (TOO_MANY_COMPRESSED_BYTES); a chunk that would go past n is TOO_MANY_UNCOMPRESSED_BYTES; the source ending
 * first is UNEXPECTED_EOF. Returns the bytes and how many framed bytes were read.
 */
export async function readSnappyFrames(
  reader: ByteReader,
  n: number,
  maxCompressedBytes: number,
  decoder: SnappyFramesDecoder = new SnappyFramesDecoder(),
): Promise<{data: Uint8Array; framedBytes: number}> {
  const out = new Uint8Array(n);
  let filled = 0;
  let framedBytes = 0;
  while (filled < n) {
    const framed = await readOneChunk(reader, decoder, maxCompressedBytes - framedBytes, n - filled);
    framedBytes += framed.framedBytes;
    const data = framed.data;
    if (filled + data.length > n) {
      throw new EncodingError("TOO_MANY_UNCOMPRESSED_BYTES", `frames carry more than the ${n} declared bytes`);
    }
    out.set(data, filled);
    filled += data.length;
  }
  return {data: out, framedBytes};
}

/** Reads and decodes one chunk, refusing to read it if it would take more than `budget` framed bytes. */
export async function readOneChunk(
  reader: ByteReader,
  decoder: SnappyFramesDecoder,
  budget: number,
  maxUncompressed: number,
): Promise<{data: Uint8Array; framedBytes: number}> {
  if (budget < CHUNK_HEADER_LENGTH) {
    throw new EncodingError("TOO_MANY_COMPRESSED_BYTES", "frames exceed max_compressed_len of the declared length");
  }
  const {type, length} = parseChunkHeader(await reader.readExact(CHUNK_HEADER_LENGTH));
  if (CHUNK_HEADER_LENGTH + length > budget) {
    throw new EncodingError(
      "TOO_MANY_COMPRESSED_BYTES",
      `a chunk of ${length} bytes exceeds max_compressed_len of the declared length`,
    );
  }
  const data = decoder.decodeChunk(type, await reader.readExact(length), maxUncompressed);
  return {data, framedBytes: CHUNK_HEADER_LENGTH + length};
}
