/**
 * Req/resp encoding: the snappy framing format and ssz_snappy chunks, checked against byte vectors that other
 * implementations produced (never our encoder's output), plus malformed inputs that must fail with typed errors.
 *
 * Vector sources:
 * - google/snappy framing_format.txt: the stream identifier chunk ff 06 00 00 "sNaPpY", chunk types, the CRC mask.
 * - CRC-32C (Castagnoli) check value: crc32c("123456789") = 0xe3069283 (RFC 3720 / the CRC catalogue).
 * - ChainSafe/lodestar packages/reqresp/test/fixtures/messages.ts: ssz_snappy Ping(1), Status(0xda…, 9, …, 9),
 *   phase0 MetaData(seq 9), altair MetaData(seq 8), phase0 SignedBeaconBlock(slot 9, 0xda…).
 * - ChainSafe/lodestar packages/reqresp/test/fixtures/encoders.ts: SERVER_ERROR chunk "TEST_ERROR", INVALID_REQUEST
 *   without message, varint "80808080808080808080808010" (13 bytes), Status with a zero length prefix.
 * - sigp/lighthouse beacon_node/lighthouse_network/src/rpc/codec/ssz_snappy.rs (tests): a framed Status capture
 *   ("ff060000734e61507059 0032000006e7…"), max_compress_len(84) = 130 and (157916) = 184267, and the malicious
 *   padding case (20 padding chunks before an 84-byte Status exceed max_compressed_len).
 * - protobuf encoding guide: varint 300 = ac 02.
 */

import {randomBytes} from "node:crypto";
import {ssz} from "@ceibo/types";
import {concatBytes, fromHex, toHexUnprefixed} from "@ceibo/utils";
import {crc32c} from "@node-rs/crc32";
import {compressSync} from "snappy";
import {describe, expect, it} from "vitest";
import {ByteReader, bytesSource} from "../src/network/encoding/byteReader.ts";
import {EncodingError, type EncodingErrorCode} from "../src/network/encoding/errors.ts";
import {
  decodeSnappyFrames,
  encodeSnappyFrames,
  MAX_UNCOMPRESSED_CHUNK_LENGTH,
  maskedCrc32c,
  readSnappyFrames,
  STREAM_IDENTIFIER,
} from "../src/network/encoding/snappyFrames.ts";
import {
  encodeErrorChunk,
  encodeSszSnappy,
  encodeSuccessChunk,
  encodeVarint,
  maxCompressedLen,
  readRequest,
  readResponseChunk,
  readSszSnappyPayload,
  readVarint,
} from "../src/network/encoding/sszSnappy.ts";

/** Hex without 0x, spaces allowed between frames. */
const h = (s: string): Uint8Array => fromHex(s.replace(/\s/g, ""), "test vector hex", {prefixOptional: true});

const MAX_PAYLOAD_SIZE = 10 * 2 ** 20;
const reader = (...chunks: Uint8Array[]): ByteReader => new ByteReader(bytesSource(...chunks));
/** The same bytes delivered one byte per stream chunk (the decoder must not depend on chunk boundaries). */
const byteByByte = (bytes: Uint8Array): ByteReader => reader(...Array.from(bytes, (b) => Uint8Array.of(b)));

async function expectCode(p: Promise<unknown> | (() => unknown), code: EncodingErrorCode): Promise<void> {
  let error: unknown;
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${code}`).toBeInstanceOf(EncodingError);
  expect((error as EncodingError).code).toBe(code);
}

// ---- Lodestar fixtures (packages/reqresp/test/fixtures/messages.ts) ----
const LODESTAR_PING = {
  ssz: h("0100000000000000"),
  encoded: h("08 ff060000734e61507059 010c00000175de410100000000000000"),
};
const lodestarStatus = {
  forkDigest: new Uint8Array(4).fill(0xda),
  finalizedRoot: new Uint8Array(32).fill(0xda),
  finalizedEpoch: 9,
  headRoot: new Uint8Array(32).fill(0xda),
  headSlot: 9,
};
const LODESTAR_STATUS = h("54 ff060000734e61507059 001b0000097802c15400da8a010004090009017e2b001c0900000000000000");
const LODESTAR_METADATA_PHASE0 = h("10 ff060000734e61507059 011400000b5ee91209000000000000000000000000000000");
const LODESTAR_METADATA_ALTAIR = h("11 ff060000734e61507059 01150000ff4669fc0800000000000000000000000000000000");
const lodestarBlockPhase0 = {
  message: {
    slot: 9,
    proposerIndex: 9,
    parentRoot: new Uint8Array(32).fill(0xda),
    stateRoot: new Uint8Array(32).fill(0xda),
    body: {
      randaoReveal: new Uint8Array(96).fill(0xda),
      eth1Data: {depositRoot: new Uint8Array(32).fill(0xda), blockHash: new Uint8Array(32).fill(0xda), depositCount: 9},
      graffiti: new Uint8Array(32).fill(0xda),
      proposerSlashings: [],
      attesterSlashings: [],
      attestations: [],
      deposits: [],
      voluntaryExits: [],
    },
  },
  signature: new Uint8Array(96).fill(0xda),
};
const LODESTAR_BLOCK_PHASE0 = h(
  "9403 ff060000734e6150705900340000fff3b3f594031064000000dafe01007a010004090009011108fe6f000054feb4008ab4007e0100fecc0011cc0cdc0000003e0400",
);
// ---- Lighthouse ssz_snappy.rs test_decode_status_message: framed snappy of an 84-byte Status ----
const LIGHTHOUSE_STATUS_FRAMES = h(
  "ff060000734e615070590032000006e71e7b54989925efd6c9cbcb8ceb9b5f71216f5137282bf6a1e3b50f64e42d6c7fb347abe07eb0db8200000005029e2800",
);

describe("snappy framing format", () => {
  it("stream identifier and CRC-32C match framing_format.txt and the CRC-32C check value", () => {
    expect(toHexUnprefixed(STREAM_IDENTIFIER)).toBe("ff060000" + Buffer.from("sNaPpY").toString("hex"));
    expect(crc32c("123456789") >>> 0).toBe(0xe3069283);
    // the masked checksum stored in Lodestar's Ping frame (bytes 4..8 of the data chunk, little-endian)
    const frame = LODESTAR_PING.encoded.subarray(11);
    const stored = Buffer.from(frame.subarray(4, 8)).readUInt32LE(0);
    expect(maskedCrc32c(frame.subarray(8))).toBe(stored);
    // the mask itself, on the CRC check value
    const crc = 0xe3069283;
    expect(maskedCrc32c(Buffer.from("123456789"))).toBe((((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0);
  });

  it("decodes Lighthouse's framed Status capture (compressed chunk, checksum verified)", () => {
    const data = decodeSnappyFrames(LIGHTHOUSE_STATUS_FRAMES);
    expect(data.length).toBe(84);
    const status = ssz.phase0.Status.deserialize(data);
    expect(ssz.phase0.Status.serialize(status)).toEqual(data);
  });

  it("encodes Lodestar's payloads to the same frames (uncompressed when snappy does not save 1/8)", () => {
    expect(toHexUnprefixed(encodeSnappyFrames(LODESTAR_PING.ssz))).toBe(
      toHexUnprefixed(LODESTAR_PING.encoded.subarray(1)),
    );
    expect(toHexUnprefixed(encodeSnappyFrames(ssz.phase0.Status.serialize(lodestarStatus)))).toBe(
      toHexUnprefixed(LODESTAR_STATUS.subarray(1)),
    );
    const block = ssz.phase0.SignedBeaconBlock.serialize(lodestarBlockPhase0);
    expect(toHexUnprefixed(encodeSnappyFrames(block))).toBe(toHexUnprefixed(LODESTAR_BLOCK_PHASE0.subarray(2)));
  });

  it("round-trips large inputs in chunks of at most 65536 uncompressed bytes, compressed or stored", () => {
    const random = new Uint8Array(150_000);
    for (let i = 0; i < random.length; i++) random[i] = (i * 2654435761) >>> 24; // not compressible by snappy much
    random.set(randomBytes(70_000));
    const repetitive = new Uint8Array(200_000).fill(7);
    for (const input of [random, repetitive]) {
      const framed = encodeSnappyFrames(input);
      expect(decodeSnappyFrames(framed)).toEqual(input);
      // walk the chunks: every data chunk stays within the limit
      let offset = STREAM_IDENTIFIER.length;
      const types: number[] = [];
      while (offset < framed.length) {
        const type = framed[offset];
        const length = framed[offset + 1] | (framed[offset + 2] << 8) | (framed[offset + 3] << 16);
        types.push(type);
        offset += 4 + length;
      }
      expect(types.length).toBe(Math.ceil(input.length / MAX_UNCOMPRESSED_CHUNK_LENGTH));
    }
    const randomTypes = encodeSnappyFrames(randomBytes(1000));
    expect(randomTypes[10]).toBe(0x01); // incompressible → uncompressed chunk
    expect(encodeSnappyFrames(repetitive)[10]).toBe(0x00);
  });

  it("skips padding and reserved skippable chunks; refuses reserved unskippable ones", async () => {
    const body = LODESTAR_PING.encoded.subarray(11);
    const padding = h("fe030000 000000");
    const skippable = h("80020000 abcd");
    expect(decodeSnappyFrames(concatBytes(STREAM_IDENTIFIER, padding, skippable, body))).toEqual(LODESTAR_PING.ssz);
    await expectCode(
      () => decodeSnappyFrames(concatBytes(STREAM_IDENTIFIER, h("02000000"), body)),
      "SNAPPY_RESERVED_UNSKIPPABLE_CHUNK",
    );
    await expectCode(
      () => decodeSnappyFrames(concatBytes(STREAM_IDENTIFIER, h("7f010000 00"), body)),
      "SNAPPY_RESERVED_UNSKIPPABLE_CHUNK",
    );
  });

  it("refuses a missing or wrong stream identifier, a bad checksum, truncation and oversized chunks", async () => {
    const body = LODESTAR_PING.encoded.subarray(11);
    await expectCode(() => decodeSnappyFrames(body), "SNAPPY_MISSING_STREAM_IDENTIFIER");
    await expectCode(
      () => decodeSnappyFrames(concatBytes(h("ff060000734e61507058"), body)),
      "SNAPPY_BAD_STREAM_IDENTIFIER",
    );
    const badCrc = Uint8Array.from(body);
    badCrc[4] ^= 0x01;
    await expectCode(() => decodeSnappyFrames(concatBytes(STREAM_IDENTIFIER, badCrc)), "SNAPPY_BAD_CHECKSUM");
    await expectCode(
      () => decodeSnappyFrames(concatBytes(STREAM_IDENTIFIER, body.subarray(0, 10))),
      "SNAPPY_TRUNCATED",
    );
    await expectCode(() => decodeSnappyFrames(concatBytes(STREAM_IDENTIFIER, h("0100"))), "SNAPPY_TRUNCATED");
    // an uncompressed chunk of 65537 bytes
    const big = new Uint8Array(65537);
    const bigChunk = concatBytes(
      h("01"),
      Uint8Array.from([65541 & 0xff, (65541 >> 8) & 0xff, 65541 >> 16]),
      new Uint8Array(4),
      big,
    );
    await expectCode(() => decodeSnappyFrames(concatBytes(STREAM_IDENTIFIER, bigChunk)), "SNAPPY_CHUNK_TOO_LARGE");
    // a compressed chunk whose snappy block declares 65537 bytes (never decompressed)
    const declared = compressSync(new Uint8Array(65537));
    const len = declared.length + 4;
    const declaredChunk = concatBytes(
      Uint8Array.from([0x00, len & 0xff, (len >> 8) & 0xff, len >> 16]),
      new Uint8Array(4),
      declared,
    );
    await expectCode(() => decodeSnappyFrames(concatBytes(STREAM_IDENTIFIER, declaredChunk)), "SNAPPY_CHUNK_TOO_LARGE");
    // a compressed chunk that is not snappy
    await expectCode(
      () => decodeSnappyFrames(concatBytes(STREAM_IDENTIFIER, h("00080000 00000000 05ffffff"))),
      "SNAPPY_DECOMPRESS_FAILED",
    );
  });

  it("reads exactly n bytes from a stream and stops at the chunk that completes them", async () => {
    const framed = encodeSnappyFrames(new Uint8Array(100_000).fill(3));
    const trailer = h("abcdef");
    const r = reader(concatBytes(framed, trailer));
    const {data, framedBytes} = await readSnappyFrames(r, 100_000, maxCompressedLen(100_000));
    expect(data).toEqual(new Uint8Array(100_000).fill(3));
    expect(framedBytes).toBe(framed.length);
    expect(await r.readExact(3)).toEqual(trailer);
  });
});

describe("ssz_snappy request and response chunks", () => {
  it("length prefix: protobuf varints, max_compressed_len as Lighthouse computes it", async () => {
    expect(toHexUnprefixed(encodeVarint(300))).toBe("ac02");
    expect(toHexUnprefixed(encodeVarint(0))).toBe("00");
    expect(toHexUnprefixed(encodeVarint(84))).toBe("54");
    expect(await readVarint(reader(h("ac02")))).toBe(300n);
    expect(await readVarint(reader(h("ffffffffffffffffff01")))).toBe(2n ** 64n - 1n);
    expect(maxCompressedLen(84)).toBe(130);
    expect(maxCompressedLen(157916)).toBe(184267);
  });

  it("decodes Lodestar's ssz_snappy requests, whole and byte by byte", async () => {
    for (const make of [(b: Uint8Array) => reader(b), byteByByte]) {
      const ping = await readRequest(make(LODESTAR_PING.encoded), ssz.phase0.Ping, MAX_PAYLOAD_SIZE);
      expect(ssz.phase0.Ping.deserialize(ping)).toBe(1n);
      const status = ssz.phase0.Status.deserialize(
        await readRequest(make(LODESTAR_STATUS), ssz.phase0.Status, MAX_PAYLOAD_SIZE),
      );
      expect(status).toEqual(lodestarStatus);
      const m0 = ssz.phase0.Metadata.deserialize(
        await readRequest(make(LODESTAR_METADATA_PHASE0), ssz.phase0.Metadata, MAX_PAYLOAD_SIZE),
      );
      expect(m0.seqNumber).toBe(9n);
      const m2 = ssz.altair.Metadata.deserialize(
        await readRequest(make(LODESTAR_METADATA_ALTAIR), ssz.altair.Metadata, MAX_PAYLOAD_SIZE),
      );
      expect(m2.seqNumber).toBe(8n);
      expect(m2.syncnets.toBoolArray()).toEqual([false, false, false, false]);
      const block = await readRequest(make(LODESTAR_BLOCK_PHASE0), ssz.phase0.SignedBeaconBlock, MAX_PAYLOAD_SIZE);
      expect(ssz.phase0.SignedBeaconBlock.deserialize(block).message.slot).toBe(9);
      expect(block).toEqual(ssz.phase0.SignedBeaconBlock.serialize(lodestarBlockPhase0));
    }
  });

  it("our encoder produces Lodestar's request bytes", () => {
    expect(toHexUnprefixed(encodeSszSnappy(LODESTAR_PING.ssz))).toBe(toHexUnprefixed(LODESTAR_PING.encoded));
    expect(toHexUnprefixed(encodeSszSnappy(ssz.phase0.Status.serialize(lodestarStatus)))).toBe(
      toHexUnprefixed(LODESTAR_STATUS),
    );
    expect(
      toHexUnprefixed(
        encodeSszSnappy(
          ssz.phase0.Metadata.serialize({seqNumber: 9n, attnets: ssz.phase0.AttestationSubnets.defaultValue()}),
        ),
      ),
    ).toBe(toHexUnprefixed(LODESTAR_METADATA_PHASE0));
  });

  it("reads response chunks: success chunks in sequence, then a clean end", async () => {
    // Lodestar encoders.ts "Multiple chunks with success": [0, ping] [0, ping]
    const stream = concatBytes(h("00"), LODESTAR_PING.encoded, h("00"), LODESTAR_PING.encoded);
    const opts = {contextBytes: false, boundsFor: () => ssz.phase0.Ping, maxPayloadSize: MAX_PAYLOAD_SIZE};
    for (const r of [reader(stream), byteByByte(stream)]) {
      const a = await readResponseChunk(r, opts);
      const b = await readResponseChunk(r, opts);
      expect(a).toEqual({result: 0, contextBytes: null, ssz: LODESTAR_PING.ssz});
      expect(b).toEqual(a);
      expect(await readResponseChunk(r, opts)).toBeNull();
    }
  });

  it("reads error chunks: Lodestar's SERVER_ERROR 'TEST_ERROR', and a bare INVALID_REQUEST code", async () => {
    const opts = {contextBytes: false, boundsFor: () => ssz.phase0.Ping, maxPayloadSize: MAX_PAYLOAD_SIZE};
    const serverError = h("02 0a ff060000734e61507059010e000049b97aaf544553545f4552524f52");
    expect(await readResponseChunk(reader(serverError), opts)).toEqual({result: 2, errorMessage: "TEST_ERROR"});
    expect(toHexUnprefixed(encodeErrorChunk(2, "TEST_ERROR"))).toBe(toHexUnprefixed(serverError));
    expect(await readResponseChunk(reader(h("01")), opts)).toEqual({result: 1, errorMessage: ""});
    // an error message is cut to the 256 bytes of ErrorMessage
    const long = await readResponseChunk(reader(encodeErrorChunk(3, "x".repeat(1000))), opts);
    expect(long).toEqual({result: 3, errorMessage: "x".repeat(256)});
  });

  it("context bytes: a success chunk carries 4 of them before the payload; the bounds follow them", async () => {
    const context = h("0a0b0c0d");
    const chunk = encodeSuccessChunk(LODESTAR_PING.ssz, context);
    expect(toHexUnprefixed(chunk)).toBe("00" + "0a0b0c0d" + toHexUnprefixed(LODESTAR_PING.encoded));
    const seen: (Uint8Array | null)[] = [];
    const decoded = await readResponseChunk(reader(chunk), {
      contextBytes: true,
      boundsFor: (c) => {
        seen.push(c);
        return ssz.phase0.Ping;
      },
      maxPayloadSize: MAX_PAYLOAD_SIZE,
    });
    expect(seen).toEqual([context]);
    expect(decoded).toEqual({result: 0, contextBytes: context, ssz: LODESTAR_PING.ssz});
  });

  describe("malformed input → typed errors", () => {
    const status = ssz.phase0.Status;

    it("varint longer than 10 bytes (Lodestar vector) / above uint64", async () => {
      await expectCode(
        readRequest(reader(h("80808080808080808080808010")), status, MAX_PAYLOAD_SIZE),
        "VARINT_TOO_LONG",
      );
      await expectCode(readRequest(reader(h("ffffffffffffffffff02")), status, MAX_PAYLOAD_SIZE), "VARINT_OVERFLOW");
      await expectCode(readRequest(reader(h("8080")), status, MAX_PAYLOAD_SIZE), "UNEXPECTED_EOF");
    });

    it("length prefix outside the type's bounds or MAX_PAYLOAD_SIZE", async () => {
      // Lodestar: 12 zero bytes as a Status → length 0 < 84
      await expectCode(readRequest(reader(new Uint8Array(12)), status, MAX_PAYLOAD_SIZE), "LENGTH_UNDER_SSZ_MIN_SIZE");
      await expectCode(
        readRequest(reader(concatBytes(encodeVarint(85), STREAM_IDENTIFIER)), status, MAX_PAYLOAD_SIZE),
        "LENGTH_OVER_SSZ_MAX_SIZE",
      );
      const block = ssz.phase0.SignedBeaconBlock;
      await expectCode(
        readRequest(reader(encodeVarint(MAX_PAYLOAD_SIZE + 1)), block, MAX_PAYLOAD_SIZE),
        "LENGTH_OVER_MAX_PAYLOAD_SIZE",
      );
      await expectCode(
        readRequest(reader(h("ffffffffffffffff7f")), block, MAX_PAYLOAD_SIZE),
        "LENGTH_OVER_MAX_PAYLOAD_SIZE",
      );
    });

    it("frames beyond max_compressed_len(n) (Lighthouse malicious padding, and one huge padding chunk)", async () => {
      const statusSsz = status.serialize({...lodestarStatus, finalizedEpoch: 1, headSlot: 1});
      const padding = concatBytes(...Array.from({length: 20}, () => h("fe000000")));
      const malicious = concatBytes(encodeVarint(84), STREAM_IDENTIFIER, padding, encodeSnappyFrames(statusSsz));
      await expectCode(readRequest(reader(malicious), status, MAX_PAYLOAD_SIZE), "TOO_MANY_COMPRESSED_BYTES");
      // the same without the padding is fine
      expect(
        await readRequest(
          reader(concatBytes(encodeVarint(84), encodeSnappyFrames(statusSsz))),
          status,
          MAX_PAYLOAD_SIZE,
        ),
      ).toEqual(statusSsz);
      const hugePadding = concatBytes(LODESTAR_PING.encoded.subarray(0, 11), h("feffff00"));
      await expectCode(
        readRequest(reader(hugePadding), ssz.phase0.Ping, MAX_PAYLOAD_SIZE),
        "TOO_MANY_COMPRESSED_BYTES",
      );
    });

    it("truncated frames and early EOF", async () => {
      await expectCode(
        readRequest(reader(LODESTAR_STATUS.subarray(0, 30)), status, MAX_PAYLOAD_SIZE),
        "UNEXPECTED_EOF",
      );
      await expectCode(
        readRequest(reader(LODESTAR_STATUS.subarray(0, 11)), status, MAX_PAYLOAD_SIZE),
        "UNEXPECTED_EOF",
      );
      await expectCode(readRequest(reader(h("54")), status, MAX_PAYLOAD_SIZE), "UNEXPECTED_EOF");
      // Lodestar "Empty response chunk": a success code and nothing else
      const opts = {contextBytes: false, boundsFor: () => ssz.phase0.Ping, maxPayloadSize: MAX_PAYLOAD_SIZE};
      await expectCode(readResponseChunk(reader(h("00")), opts), "UNEXPECTED_EOF");
      await expectCode(readResponseChunk(reader(h("00 0a0b")), {...opts, contextBytes: true}), "UNEXPECTED_EOF");
    });

    it("bad checksum, data not snappy (Lodestar 'wrong snappy data'), frames carrying more than n", async () => {
      const badCrc = Uint8Array.from(LODESTAR_PING.encoded);
      badCrc[15] ^= 0xff;
      await expectCode(readRequest(reader(badCrc), ssz.phase0.Ping, MAX_PAYLOAD_SIZE), "SNAPPY_BAD_CHECKSUM");
      // Lodestar's "wrong snappy data": its first bytes read as a chunk header declaring 0x6e6f72 bytes
      const wrong = concatBytes(encodeVarint(84), Buffer.from("wrong snappy data"));
      await expectCode(readRequest(reader(wrong), status, MAX_PAYLOAD_SIZE), "TOO_MANY_COMPRESSED_BYTES");
      const noIdentifier = concatBytes(encodeVarint(8), LODESTAR_PING.encoded.subarray(11));
      await expectCode(
        readRequest(reader(noIdentifier), ssz.phase0.Ping, MAX_PAYLOAD_SIZE),
        "SNAPPY_MISSING_STREAM_IDENTIFIER",
      );
      // length prefix 8 but the frames hold 16 bytes (uncompressed chunk) / declare 84 (compressed chunk)
      const sixteen = concatBytes(encodeVarint(8), encodeSnappyFrames(new Uint8Array(16)));
      await expectCode(
        readSszSnappyPayload(reader(sixteen), {minSize: 0, maxSize: 100}, MAX_PAYLOAD_SIZE),
        "TOO_MANY_UNCOMPRESSED_BYTES",
      );
      const compressed84 = concatBytes(encodeVarint(8), LODESTAR_STATUS.subarray(1));
      await expectCode(
        readSszSnappyPayload(reader(compressed84), {minSize: 0, maxSize: 100}, MAX_PAYLOAD_SIZE),
        "TOO_MANY_UNCOMPRESSED_BYTES",
      );
    });

    it("bytes after a request payload", async () => {
      await expectCode(
        readRequest(reader(concatBytes(LODESTAR_PING.encoded, h("00"))), ssz.phase0.Ping, MAX_PAYLOAD_SIZE),
        "TRAILING_BYTES",
      );
      await expectCode(
        readRequest(reader(LODESTAR_PING.encoded, LODESTAR_PING.encoded), ssz.phase0.Ping, MAX_PAYLOAD_SIZE),
        "TRAILING_BYTES",
      );
    });

    it("an empty payload may be bare or framed, but frames must then carry nothing", async () => {
      const roots = {minSize: 0, maxSize: 32 * 128};
      expect(await readRequest(reader(h("00")), roots, MAX_PAYLOAD_SIZE)).toEqual(new Uint8Array(0));
      expect(await readRequest(reader(concatBytes(h("00"), STREAM_IDENTIFIER)), roots, MAX_PAYLOAD_SIZE)).toEqual(
        new Uint8Array(0),
      );
      await expectCode(
        readRequest(reader(concatBytes(h("00"), encodeSnappyFrames(new Uint8Array(32)))), roots, MAX_PAYLOAD_SIZE),
        "TOO_MANY_UNCOMPRESSED_BYTES",
      );
    });
  });
});
