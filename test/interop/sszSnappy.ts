/**
 * A small, independent ssz_snappy codec for the interop probe (phase0 p2p-interface.md, "Encoding strategies"):
 * request/response chunks are <varint length of the SSZ bytes><snappy framing format of the SSZ bytes>, response
 * chunks preceded by a result byte and, for versioned protocols, 4 context bytes (the fork digest). Kept apart
 * from the node's reqresp encoding on purpose: the probe must not share code with what it checks.
 */
import {crc32c} from "@node-rs/crc32";
import {compressSync, uncompressSync} from "snappy";

const STREAM_IDENTIFIER = Uint8Array.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]);
const CHUNK_COMPRESSED = 0x00;
const CHUNK_UNCOMPRESSED = 0x01;
const CHUNK_STREAM_IDENTIFIER = 0xff;
const MAX_BLOCK = 65536;

/** The masked CRC-32C of the snappy framing format. */
function maskedCrc(data: Uint8Array): number {
  const c = crc32c(data);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
}

export function encodeVarint(n: number): Uint8Array {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Uint8Array.from(out);
}

/** The snappy framing format of `data`: the stream identifier, then one compressed chunk per 64 KiB. */
export function snappyFrames(data: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [STREAM_IDENTIFIER];
  let off = 0;
  do {
    const block = data.subarray(off, off + MAX_BLOCK);
    const compressed = compressSync(block);
    const header = new Uint8Array(8);
    const len = compressed.length + 4;
    header[0] = CHUNK_COMPRESSED;
    header[1] = len & 0xff;
    header[2] = (len >> 8) & 0xff;
    header[3] = (len >> 16) & 0xff;
    new DataView(header.buffer).setUint32(4, maskedCrc(block), true);
    parts.push(header, compressed);
    off += MAX_BLOCK;
  } while (off < data.length);
  return Buffer.concat(parts);
}

/** <varint length><snappy frames> of SSZ bytes (a request, or a response chunk after its result/context bytes). */
export function encodeSszSnappy(ssz: Uint8Array): Uint8Array {
  return Buffer.concat([encodeVarint(ssz.length), snappyFrames(ssz)]);
}

/** A cursor over a complete byte buffer (the probe reads whole responses before decoding). */
export class Cursor {
  readonly bytes: Uint8Array;
  private pos = 0;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
  get done(): boolean {
    return this.pos >= this.bytes.length;
  }
  take(n: number): Uint8Array {
    if (this.pos + n > this.bytes.length) throw Error(`truncated: wanted ${n} bytes at ${this.pos}`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  varint(): number {
    let result = 0;
    let shift = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.take(1)[0];
      result += (b & 0x7f) * shift;
      if ((b & 0x80) === 0) return result;
      shift *= 128;
    }
    throw Error("varint too long");
  }
}

/** Reads <varint length><snappy frames> from the cursor and returns the `length` uncompressed bytes. */
export function decodeSszSnappy(cur: Cursor): Uint8Array {
  const length = cur.varint();
  const out: Uint8Array[] = [];
  let have = 0;
  let sawIdentifier = false;
  while (have < length || !sawIdentifier) {
    const header = cur.take(4);
    const type = header[0];
    const len = header[1] | (header[2] << 8) | (header[3] << 16);
    const body = cur.take(len);
    if (type === CHUNK_STREAM_IDENTIFIER) {
      sawIdentifier = true;
      continue;
    }
    if (!sawIdentifier) throw Error("snappy frames must start with the stream identifier");
    if (type !== CHUNK_COMPRESSED && type !== CHUNK_UNCOMPRESSED) {
      if (type >= 0x80) continue; // skippable chunk
      throw Error(`unexpected snappy chunk type ${type}`);
    }
    const crc = new DataView(body.buffer, body.byteOffset, 4).getUint32(0, true);
    const data =
      type === CHUNK_COMPRESSED
        ? new Uint8Array(uncompressSync(body.subarray(4), {asBuffer: true}) as Buffer)
        : body.subarray(4);
    if (maskedCrc(data) !== crc) throw Error("snappy chunk checksum mismatch");
    out.push(data);
    have += data.length;
  }
  if (have !== length) throw Error(`ssz_snappy length prefix ${length} but ${have} bytes decoded`);
  return Buffer.concat(out);
}

export interface ResponseChunk {
  result: number;
  /** Context bytes (4, the fork digest) when the protocol has them and result is 0. */
  context: Uint8Array | null;
  /** SSZ bytes (result 0) or the error message bytes. */
  data: Uint8Array;
}

/** Every response chunk of a complete response stream. */
export function decodeResponse(bytes: Uint8Array, contextBytes: boolean): ResponseChunk[] {
  const cur = new Cursor(bytes);
  const chunks: ResponseChunk[] = [];
  while (!cur.done) {
    const result = cur.take(1)[0];
    const context = result === 0 && contextBytes ? Uint8Array.from(cur.take(4)) : null;
    chunks.push({result, context, data: decodeSszSnappy(cur)});
  }
  return chunks;
}

/** A success response chunk (result 0, optional context bytes). */
export function encodeResponseChunk(ssz: Uint8Array, context?: Uint8Array): Uint8Array {
  return Buffer.concat([Uint8Array.of(0), context ?? new Uint8Array(0), encodeSszSnappy(ssz)]);
}
