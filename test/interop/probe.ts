/**
 * A bare libp2p host built from the libp2p versions ceibo uses (libp2p 3, noise 17, mplex 12, yamux 8,
 * identify, gossipsub 17) that dials a Lodestar node and records what it speaks: the negotiated encryption and
 * muxer, its identify answer (agent, protocol ids), its Status / MetaData / Ping answers, BeaconBlocksByRange v2
 * blocks, the gossip topics it subscribes, and gossip messages on a topic (message ids per the altair spec).
 * It answers Lodestar's own Status / Ping / MetaData requests so Lodestar keeps the connection.
 * The ssz_snappy framing is test/interop/sszSnappy.ts, not the node's reqresp code.
 */
import {createHash} from "node:crypto";
import {SignableENR} from "@chainsafe/enr";
import {noise} from "@chainsafe/libp2p-noise";
import {yamux} from "@chainsafe/libp2p-yamux";
import {generateKeyPair} from "@libp2p/crypto/keys";
import {type GossipSub, gossipsub} from "@libp2p/gossipsub";
import {identify} from "@libp2p/identify";
import type {Connection, IdentifyResult, Libp2p, Stream} from "@libp2p/interface";
import {mplex} from "@libp2p/mplex";
import {tcp} from "@libp2p/tcp";
import {multiaddr} from "@multiformats/multiaddr";
import {createLibp2p} from "libp2p";
import {uncompressSync} from "snappy";
import {Cursor, decodeResponse, decodeSszSnappy, encodeResponseChunk, encodeSszSnappy} from "./sszSnappy.ts";

/** Request/response protocol id (phase0 p2p-interface.md: /eth2/beacon_chain/req/<name>/<version>/ssz_snappy). */
export function reqRespProtocol(name: string, version: number): string {
  return `/eth2/beacon_chain/req/${name}/${version}/ssz_snappy`;
}

export interface StatusValue {
  forkDigest: Uint8Array;
  finalizedRoot: Uint8Array;
  finalizedEpoch: number;
  headRoot: Uint8Array;
  headSlot: number;
}

/** phase0 Status SSZ (fixed 84 bytes). */
export function encodeStatus(s: StatusValue): Uint8Array {
  const out = new Uint8Array(84);
  const dv = new DataView(out.buffer);
  out.set(s.forkDigest, 0);
  out.set(s.finalizedRoot, 4);
  dv.setBigUint64(36, BigInt(s.finalizedEpoch), true);
  out.set(s.headRoot, 44);
  dv.setBigUint64(76, BigInt(s.headSlot), true);
  return out;
}

export function decodeStatus(b: Uint8Array): StatusValue {
  if (b.length !== 84) throw Error(`Status must be 84 bytes, got ${b.length}`);
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  return {
    forkDigest: b.slice(0, 4),
    finalizedRoot: b.slice(4, 36),
    finalizedEpoch: Number(dv.getBigUint64(36, true)),
    headRoot: b.slice(44, 76),
    headSlot: Number(dv.getBigUint64(76, true)),
  };
}

/** altair MetaData (v2): seq_number uint64, attnets Bitvector[64], syncnets Bitvector[4] → 17 bytes. */
export function decodeMetadataV2(b: Uint8Array): {seqNumber: bigint; attnets: Uint8Array; syncnets: Uint8Array} {
  if (b.length !== 17) throw Error(`MetaData v2 must be 17 bytes, got ${b.length}`);
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  return {seqNumber: dv.getBigUint64(0, true), attnets: b.slice(8, 16), syncnets: b.slice(16, 17)};
}

function uint64(n: bigint | number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  return out;
}

const MESSAGE_DOMAIN_VALID_SNAPPY = Uint8Array.from([1, 0, 0, 0]);

/**
 * altair gossip message-id for a message whose data decompressed: SHA256(MESSAGE_DOMAIN_VALID_SNAPPY +
 * uint_to_bytes(uint64(len(topic))) + topic + snappy_decompress(data))[:20].
 */
export function altairMessageId(topic: string, decompressed: Uint8Array): Uint8Array {
  const topicBytes = Buffer.from(topic, "utf8");
  const h = createHash("sha256");
  h.update(MESSAGE_DOMAIN_VALID_SNAPPY);
  h.update(uint64(topicBytes.length));
  h.update(topicBytes);
  h.update(decompressed);
  return new Uint8Array(h.digest().subarray(0, 20));
}

async function readAll(stream: Stream, timeoutMs: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const timer = setTimeout(() => stream.abort(Error(`no end of response within ${timeoutMs} ms`)), timeoutMs);
  try {
    for await (const chunk of stream) parts.push(chunk instanceof Uint8Array ? chunk : chunk.subarray());
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(parts);
}

/** Reads one <varint><snappy frames> request payload (returns as soon as it is complete). */
async function readRequest(stream: Stream): Promise<Uint8Array> {
  let buf = new Uint8Array(0);
  for await (const chunk of stream) {
    buf = Buffer.concat([buf, chunk instanceof Uint8Array ? chunk : chunk.subarray()]);
    try {
      return decodeSszSnappy(new Cursor(buf));
    } catch {
      // incomplete: read more
    }
  }
  return decodeSszSnappy(new Cursor(buf));
}

export interface ProbeOpts {
  /** Our Status (answers to Lodestar's status requests, sent in ours). */
  status: StatusValue;
  /** Gossip topics to subscribe to at start (full topic strings). */
  topics?: string[];
  /** TCP port to listen on (default 0: any). */
  listenPort?: number;
  /**
   * libp2p's connection monitor (pings, closes a connection whose ping times out; default on). Off for a peer
   * that must keep its connection through long stalls of the remote (bench/gossip).
   */
  connectionMonitor?: boolean;
}

export interface InboundRequest {
  protocol: string;
  at: number;
}

export class LodestarProbe {
  readonly node: Libp2p<{identify: unknown; pubsub: GossipSub}>;
  /** The connection to Lodestar (set by dial / waitForInbound). */
  connection!: Connection;
  /** Lodestar's identify answer (set by dial / waitForInbound). */
  identify!: IdentifyResult;
  /** Topics the remote peer subscribed (subscription-change events, latest state). */
  readonly peerTopics = new Set<string>();
  /** Requests the remote made to us. */
  readonly inbound: InboundRequest[] = [];
  /** Gossip messages received: topic, message id (as gossipsub computed it with altairMessageId), SSZ bytes. */
  readonly gossip: {topic: string; msgId: Uint8Array; ssz: Uint8Array}[] = [];
  private readonly status: StatusValue;
  private readonly privateKeyRaw: Uint8Array;
  private readonly identifyResults = new Map<string, IdentifyResult>();

  private constructor(
    node: Libp2p<{identify: unknown; pubsub: GossipSub}>,
    status: StatusValue,
    privateKeyRaw: Uint8Array,
  ) {
    this.node = node;
    this.status = status;
    this.privateKeyRaw = privateKeyRaw;
  }

  /**
   * A started host with a secp256k1 identity (so it can have an ENR), listening on 127.0.0.1; it answers Status,
   * Ping and MetaData. Then `dial` Lodestar, or give Lodestar `enr()` and `waitForInbound`.
   */
  static async create(opts: ProbeOpts): Promise<LodestarProbe> {
    const privateKey = await generateKeyPair("secp256k1");
    const node = await createLibp2p({
      privateKey,
      addresses: {listen: [`/ip4/127.0.0.1/tcp/${opts.listenPort ?? 0}`]},
      connectionMonitor: {enabled: opts.connectionMonitor ?? true},
      transports: [tcp()],
      connectionEncrypters: [noise()],
      // yamux first: if the remote speaks it, it is chosen; Lodestar 1.5.1 only offers mplex
      streamMuxers: [yamux(), mplex()],
      services: {
        identify: identify(),
        pubsub: gossipsub({
          globalSignaturePolicy: "StrictNoSign",
          allowPublishToZeroTopicPeers: true,
          fallbackToFloodsub: false,
          dataTransform: {
            inboundTransform: (_topic: string, data: Uint8Array) =>
              new Uint8Array(uncompressSync(data, {asBuffer: true}) as Buffer),
            outboundTransform: (_topic: string, data: Uint8Array) => data,
          },
          msgIdFn: (msg) => altairMessageId(msg.topic, msg.data),
          fastMsgIdFn: (msg) =>
            createHash("sha256")
              .update(msg.data ?? new Uint8Array(0))
              .digest("hex"),
          msgIdToStrFn: (id) => Buffer.from(id).toString("hex"),
        }),
      },
    });
    const probe = new LodestarProbe(node, opts.status, privateKey.raw);
    const pubsub = node.services.pubsub;
    pubsub.addEventListener("subscription-change", (evt) => {
      for (const s of evt.detail.subscriptions) {
        if (s.subscribe) probe.peerTopics.add(s.topic);
        else probe.peerTopics.delete(s.topic);
      }
    });
    pubsub.addEventListener("gossipsub:message", (evt) => {
      const {msg, msgId} = evt.detail;
      probe.gossip.push({topic: msg.topic, msgId: Buffer.from(msgId, "hex"), ssz: msg.data});
    });
    for (const t of opts.topics ?? []) pubsub.subscribe(t);

    const statusBytes = encodeStatus(opts.status);
    const serve = async (name: string, version: number, respond: () => Uint8Array, hasBody: boolean): Promise<void> => {
      const protocol = reqRespProtocol(name, version);
      await node.handle(protocol, async (stream) => {
        probe.inbound.push({protocol, at: Date.now()});
        try {
          if (hasBody) await readRequest(stream);
          stream.send(encodeResponseChunk(respond()));
          await stream.close();
        } catch (e) {
          stream.abort(e as Error);
        }
      });
    };
    await serve("status", 1, () => statusBytes, true);
    await serve("ping", 1, () => uint64(0), true);
    await serve("metadata", 2, () => new Uint8Array(17), false);
    await serve("metadata", 1, () => new Uint8Array(16), false);

    node.addEventListener("peer:identify", (evt) => {
      probe.identifyResults.set(evt.detail.peerId.toString(), evt.detail);
    });
    return probe;
  }

  /** Our TCP port. */
  get port(): number {
    const addr = this.node.getMultiaddrs()[0];
    return Number(addr.toString().split("/")[4]);
  }

  /**
   * An ENR for this host (secp256k1 "v4" identity, ip 127.0.0.1, tcp and udp = our TCP port) with an `eth2`
   * field when given (SSZ ENRForkID), encoded by @chainsafe/enr 5 as ceibo's discovery would.
   */
  enr(eth2?: Uint8Array): string {
    const enr = SignableENR.createV4(this.privateKeyRaw);
    enr.ip = "127.0.0.1";
    enr.tcp = this.port;
    enr.udp = this.port;
    if (eth2 !== undefined) enr.set("eth2", eth2);
    return enr.encodeTxt();
  }

  /** Dials Lodestar's multiaddr and waits for its identify answer. */
  async dial(addr: string, timeoutMs = 10_000): Promise<void> {
    const connection = await this.node.dial(multiaddr(addr));
    await this.adopt(connection, timeoutMs);
  }

  /** Waits for a peer (e.g. Lodestar given our ENR as a bootnode) to connect to us, then for its identify. */
  async waitForInbound(timeoutMs: number): Promise<void> {
    const connection = await this.waitFor("inbound connection", timeoutMs, () =>
      this.node.getConnections().find((c) => c.direction === "inbound"),
    );
    await this.adopt(connection, timeoutMs);
  }

  private async adopt(connection: Connection, timeoutMs: number): Promise<void> {
    this.connection = connection;
    const peer = connection.remotePeer.toString();
    this.identify = await this.waitFor("identify", timeoutMs, () => this.identifyResults.get(peer));
  }

  /** Sends a request and returns every response chunk. */
  async request(
    name: string,
    version: number,
    body: Uint8Array | null,
    contextBytes: boolean,
    timeoutMs = 10_000,
  ): Promise<ReturnType<typeof decodeResponse>> {
    const stream = await this.node.dialProtocol(this.connection.remotePeer, reqRespProtocol(name, version));
    // read concurrently: close() resolves only once the remote has closed its side too
    const response = readAll(stream, timeoutMs);
    if (body !== null) stream.send(encodeSszSnappy(body));
    await stream.close();
    return decodeResponse(await response, contextBytes);
  }

  private static single(chunks: ReturnType<typeof decodeResponse>, what: string): Uint8Array {
    if (chunks.length !== 1) throw Error(`${what}: expected 1 response chunk, got ${chunks.length}`);
    if (chunks[0].result !== 0) {
      throw Error(`${what}: result ${chunks[0].result}: ${Buffer.from(chunks[0].data).toString("utf8")}`);
    }
    return chunks[0].data;
  }

  async requestStatus(): Promise<StatusValue> {
    return decodeStatus(
      LodestarProbe.single(await this.request("status", 1, encodeStatus(this.status), false), "status"),
    );
  }

  async requestMetadata(): Promise<ReturnType<typeof decodeMetadataV2>> {
    return decodeMetadataV2(LodestarProbe.single(await this.request("metadata", 2, null, false), "metadata/2"));
  }

  async requestPing(seq: bigint): Promise<bigint> {
    const b = LodestarProbe.single(await this.request("ping", 1, uint64(seq), false), "ping");
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  }

  /** BeaconBlocksByRange v2 (step 1): [context bytes, SignedBeaconBlock SSZ] per block. */
  async blocksByRange(startSlot: number, count: number): Promise<{context: Uint8Array; ssz: Uint8Array}[]> {
    const req = Buffer.concat([uint64(startSlot), uint64(count), uint64(1)]);
    const chunks = await this.request("beacon_blocks_by_range", 2, req, true, 20_000);
    return chunks.map((c, i) => {
      if (c.result !== 0 || c.context === null) {
        throw Error(`blocks_by_range chunk ${i}: result ${c.result}: ${Buffer.from(c.data).toString("utf8")}`);
      }
      return {context: c.context, ssz: c.data};
    });
  }

  /** Whether the remote has a mesh or subscription link with us on `topic` (from our gossipsub view). */
  remoteSubscribed(topic: string): boolean {
    return this.node.services.pubsub
      .getSubscribers(topic)
      .some((p) => p.toString() === this.connection.remotePeer.toString());
  }

  async waitFor<T>(what: string, timeoutMs: number, fn: () => T | undefined): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = fn();
      if (v !== undefined) return v;
      if (Date.now() > end) throw Error(`probe: no ${what} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async close(): Promise<void> {
    await this.node.stop();
  }
}
