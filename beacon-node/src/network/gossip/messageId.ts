/**
 * Gossip message encoding and message-id (phase0 / altair p2p-interface.md "Topics and messages", "Encodings",
 * "Gossipsub size limits"): payloads are SSZ compressed with the raw snappy block format (not framed), and the
 * message-id is the first 20 bytes of a SHA256 over a domain (valid / invalid snappy), from altair the topic
 * (length-prefixed), and the decompressed (or, if it does not decompress, the raw) data.
 */
import type {BeaconConfig, ChainConfig} from "@ceibo/config";
import {ForkSeq} from "@ceibo/params";
import {digest} from "@chainsafe/as-sha256";
import type {Message} from "@libp2p/gossipsub";
import type {RPC} from "@libp2p/gossipsub/message";
import {compressSync, uncompressSync} from "snappy";
import {ForkDigests, type GossipTopic, gossipSszType, parseGossipTopic} from "./topics.ts";

export const MESSAGE_ID_LENGTH = 20;

/** phase0 max_compressed_len: the worst-case snappy output size for an input of `n` bytes. */
export function maxCompressedLen(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

/** phase0 max_message_size: the largest encoded RPCMsg (one max-sized payload plus 1 KiB, at least 1 MiB). */
export function maxMessageSize(config: ChainConfig): number {
  return Math.max(maxCompressedLen(config.MAX_PAYLOAD_SIZE) + 1024, 1024 * 1024);
}

/**
 * The largest uncompressed payload a topic may carry: MAX_PAYLOAD_SIZE or the SSZ type's own bound, whichever is
 * lower ("Gossipsub size limits").
 */
export function maxGossipPayloadSize(config: ChainConfig, topic: Pick<GossipTopic, "fork" | "type">): number {
  return Math.min(config.MAX_PAYLOAD_SIZE, gossipSszType(topic.fork, topic.type).maxSize);
}

/**
 * The uncompressed length a snappy block declares in its preamble (a little-endian base-128 varint of at most
 * 32 bits). Throws on a truncated or overlong varint.
 */
export function snappyUncompressedLength(data: Uint8Array): number {
  let result = 0;
  for (let i = 0; i < 5; i++) {
    if (i >= data.length) throw Error("snappy: truncated length preamble");
    const b = data[i];
    result += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) {
      if (result > 0xffffffff) throw Error("snappy: length preamble exceeds 32 bits");
      return result;
    }
  }
  throw Error("snappy: length preamble exceeds 32 bits");
}

/**
 * Decompresses a gossip payload (raw snappy block), enforcing the limits before any work: at most
 * max_compressed_len(MAX_PAYLOAD_SIZE) compressed bytes and at most `maxUncompressed` declared bytes. Throws if the
 * data is not a valid snappy block within those limits.
 */
export function decompressGossipPayload(
  config: ChainConfig,
  data: Uint8Array,
  maxUncompressed: number = config.MAX_PAYLOAD_SIZE,
): Uint8Array {
  if (data.length > maxCompressedLen(config.MAX_PAYLOAD_SIZE)) {
    throw Error(`compressed payload of ${data.length} bytes exceeds max_compressed_len(MAX_PAYLOAD_SIZE)`);
  }
  const declared = snappyUncompressedLength(data);
  if (declared > maxUncompressed) throw Error(`payload of ${declared} bytes exceeds the limit of ${maxUncompressed}`);
  const out = uncompressSync(data, {asBuffer: true}) as Buffer;
  if (out.length !== declared) throw Error("snappy: decompressed length differs from the preamble");
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** SSZ bytes → the raw snappy block published on a topic. */
export function compressGossipPayload(sszBytes: Uint8Array): Uint8Array {
  const out = compressSync(sszBytes);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** The parts of one hash input laid end to end (reused: one hash at a time on this thread; grown up to 1 MiB). */
let scratch = new Uint8Array(4096);
const MAX_SCRATCH = 1 << 20;

/**
 * SHA256 of the concatenated parts, on the WebAssembly hasher: a node:crypto `Hash` per gossip message is a native
 * object with a weak handle, and every such object alive or dead since the last major GC lengthens that GC's atomic
 * pause (~0.1–0.3 µs each; issue 13, bench/README.md round 8). (The WebAssembly hasher's incremental `update` is only
 * exact for 64-byte-aligned pieces, so the parts are copied into one input.)
 */
function sha256Of(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  if (n > scratch.length && n <= MAX_SCRATCH)
    scratch = new Uint8Array(Math.min(MAX_SCRATCH, Math.max(n, scratch.length * 2)));
  // a larger input (a block of several MiB) gets a buffer of its own, not kept
  const input = n <= scratch.length ? scratch : new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    input.set(p, at);
    at += p.length;
  }
  return digest(input.subarray(0, n));
}

function sha256Prefix(parts: Uint8Array[]): Uint8Array {
  return sha256Of(parts).subarray(0, MESSAGE_ID_LENGTH);
}

function uint64Le(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  return out;
}

/**
 * phase0 message-id: SHA256(MESSAGE_DOMAIN_VALID_SNAPPY + snappy_decompress(data))[:20] when the data decompresses
 * (`decompressed` not null), else SHA256(MESSAGE_DOMAIN_INVALID_SNAPPY + data)[:20].
 */
export function computeMessageIdPhase0(
  config: ChainConfig,
  rawData: Uint8Array,
  decompressed: Uint8Array | null,
): Uint8Array {
  return decompressed !== null
    ? sha256Prefix([config.MESSAGE_DOMAIN_VALID_SNAPPY, decompressed])
    : sha256Prefix([config.MESSAGE_DOMAIN_INVALID_SNAPPY, rawData]);
}

/**
 * altair message-id: SHA256(domain + uint_to_bytes(uint64(len(topic))) + topic + data)[:20] with the valid-snappy
 * domain and decompressed data, or the invalid-snappy domain and the raw data.
 */
export function computeMessageIdAltair(
  config: ChainConfig,
  topic: string,
  rawData: Uint8Array,
  decompressed: Uint8Array | null,
  topicPrefix: Uint8Array = lengthPrefixedTopic(topic),
): Uint8Array {
  return decompressed !== null
    ? sha256Prefix([config.MESSAGE_DOMAIN_VALID_SNAPPY, topicPrefix, decompressed])
    : sha256Prefix([config.MESSAGE_DOMAIN_INVALID_SNAPPY, topicPrefix, rawData]);
}

/** uint_to_bytes(uint64(len(topic))) + topic: the part of the altair message-id (and of the fast id) a topic fixes. */
export function lengthPrefixedTopic(topic: string): Uint8Array {
  const topicBytes = Buffer.from(topic, "utf8");
  const out = new Uint8Array(8 + topicBytes.length);
  out.set(uint64Le(topicBytes.length), 0);
  out.set(topicBytes, 8);
  return out;
}

/** Topic strings whose parse and id prefix are kept (a node subscribes to ~150 topics; see `topicInfo`). */
const MAX_CACHED_TOPICS = 1024;

/** What a received message's data decoded to: the SSZ bytes, or why it is not a valid payload. */
export type GossipPayload =
  | {ok: true; topic: GossipTopic; sszBytes: Uint8Array}
  | {ok: false; error: string; topic: GossipTopic | null};

/**
 * Decoded payloads by gossipsub message object: the object the message-id function saw is the one the
 * `gossipsub:message` listener gets, which then does not decompress again. Shared by every GossipMessageIds of
 * the process (a WeakMap: entries go with their messages).
 */
const payloads = new WeakMap<object, GossipPayload>();

/** The message-id functions gossipsub is configured with, and the decoded payload of each message they saw. */
export class GossipMessageIds {
  readonly digests: ForkDigests;
  private readonly config: BeaconConfig;
  /**
   * Per topic string: its parse (or why it does not parse) and its length-prefixed bytes, computed once instead of
   * for every message (the topic strings of gossip are few). Bounded: cleared when it reaches MAX_CACHED_TOPICS,
   * so unknown topics sent by a peer cannot grow it.
   */
  private readonly topics = new Map<string, {topic: GossipTopic | Error; prefix: Uint8Array}>();

  constructor(config: BeaconConfig) {
    this.config = config;
    this.digests = new ForkDigests(config);
  }

  /**
   * Parses the topic and decompresses the data within the topic's size limits (cached per message object).
   * `ok: false` for an unknown topic, invalid snappy or a payload over the limit.
   */
  payloadOf(msg: Message): GossipPayload {
    const cached = payloads.get(msg);
    if (cached !== undefined) return cached;
    let payload: GossipPayload;
    const topic = this.topicInfo(msg.topic).topic;
    if (topic instanceof Error) {
      payload = {ok: false, error: `unknown topic: ${topic.message}`, topic: null};
      payloads.set(msg, payload);
      return payload;
    }
    try {
      const sszBytes = decompressGossipPayload(
        this.config.chain,
        msg.data,
        maxGossipPayloadSize(this.config.chain, topic),
      );
      payload = {ok: true, topic, sszBytes};
    } catch (e) {
      payload = {ok: false, error: (e as Error).message, topic};
    }
    payloads.set(msg, payload);
    return payload;
  }

  /**
   * The spec message-id of a message: the phase0 function on phase0 topics, the altair one on every other topic
   * (and on unknown topics, which are rejected anyway). Data that does not decompress within the limits gets the
   * invalid-snappy id.
   */
  readonly msgIdFn = (msg: Message): Uint8Array => {
    const payload = this.payloadOf(msg);
    const decompressed = payload.ok ? payload.sszBytes : null;
    if (payload.topic !== null && ForkSeq[payload.topic.fork] < ForkSeq.altair) {
      return computeMessageIdPhase0(this.config.chain, msg.data, decompressed);
    }
    return computeMessageIdAltair(
      this.config.chain,
      msg.topic,
      msg.data,
      decompressed,
      this.topicInfo(msg.topic).prefix,
    );
  };

  /**
   * A cheap local id over the raw protobuf message (topic and compressed data) for gossipsub's first duplicate
   * check, before decompression. 128 bits of SHA256 so distinct messages never share it in practice.
   */
  readonly fastMsgIdFn = (rpcMsg: RPC.Message): string => {
    const hash = sha256Of([this.topicInfo(rpcMsg.topic).prefix, rpcMsg.data ?? new Uint8Array(0)]);
    return Buffer.from(hash.buffer, hash.byteOffset, 16).toString("base64");
  };

  /** The topic string's parse and length-prefixed bytes (cached; see `topics`). */
  private topicInfo(topicStr: string): {topic: GossipTopic | Error; prefix: Uint8Array} {
    let info = this.topics.get(topicStr);
    if (info === undefined) {
      let topic: GossipTopic | Error;
      try {
        topic = parseGossipTopic(this.config.chain, this.digests, topicStr);
      } catch (e) {
        topic = e as Error;
      }
      info = {topic, prefix: lengthPrefixedTopic(topicStr)};
      if (this.topics.size >= MAX_CACHED_TOPICS) this.topics.clear();
      this.topics.set(topicStr, info);
    }
    return info;
  }

  readonly msgIdToStrFn = (msgId: Uint8Array): string => Buffer.from(msgId).toString("base64");
}
