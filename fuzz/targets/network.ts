/**
 * Network decoding (beacon-node/src/network): snappy frames, req/resp requests and response chunks of every
 * protocol, gossip messages (topic, message id, snappy payload, SSZ of the topic's type) and ENRs — the code that
 * reads bytes a peer sent.
 */

import {BeaconConfig, networks} from "@ceibo/config";
import {ssz} from "@ceibo/types";
import {concatBytes} from "@ceibo/utils";
import {decodeEnrTxt, readEth2Fields} from "../../beacon-node/src/network/discovery/enr.ts";
import {ByteReader, bytesSource} from "../../beacon-node/src/network/encoding/byteReader.ts";
import {isEncodingError} from "../../beacon-node/src/network/encoding/errors.ts";
import {decodeSnappyFrames, encodeSnappyFrames} from "../../beacon-node/src/network/encoding/snappyFrames.ts";
import {
  encodeErrorChunk,
  encodeSszSnappy,
  encodeSuccessChunk,
  readRequest,
  readResponseChunk,
  type SszSizeBounds,
} from "../../beacon-node/src/network/encoding/sszSnappy.ts";
import {compressGossipPayload, GossipMessageIds} from "../../beacon-node/src/network/gossip/messageId.ts";
import {
  coreGossipTopics,
  deserializeGossipSsz,
  gossipSszType,
  parseGossipTopic,
  stringifyGossipTopic,
} from "../../beacon-node/src/network/gossip/topics.ts";
import {LightClientUpdatesByRangeRequest} from "../../beacon-node/src/network/reqresp/lightClient.ts";
import {metadataType, statusType} from "../../beacon-node/src/network/reqresp/messages.ts";
import {
  BeaconBlocksByHeadRequest,
  PROTOCOLS,
  type ProtocolDef,
  RequestTypes,
} from "../../beacon-node/src/network/reqresp/protocols.ts";
import {
  type FuzzTarget,
  InvariantViolation,
  isPlainError,
  isSszOffsetRangeError,
  select,
  selector,
  text,
  utf8,
} from "../target.ts";

const mainnet = networks.mainnet;
const config = new BeaconConfig(mainnet.chainConfig, mainnet.genesis?.genesisValidatorsRoot ?? new Uint8Array(32));
const messageIds = new GossipMessageIds(config);
const digests = messageIds.digests;
const requestTypes = new RequestTypes(config);
const MAX_PAYLOAD = config.chain.MAX_PAYLOAD_SIZE;
const CURRENT_EPOCH = 500_000; // after every mainnet fork: the request limits in force today

interface Decoder {
  minSize: number;
  maxSize: number;
  deserialize(b: Uint8Array): unknown;
  defaultValue(): unknown;
  serialize(v: unknown): Uint8Array;
}
const boundsOf = (t: {minSize: number; maxSize: number}): SszSizeBounds => ({minSize: t.minSize, maxSize: t.maxSize});

/** The request type a server decodes for a protocol (the requestType of its handler, reqresp/handlers/). */
function requestTypeOf(def: ProtocolDef): Decoder {
  switch (def.method) {
    case "status":
      return statusType(def.version) as unknown as Decoder;
    case "goodbye":
      return ssz.phase0.Goodbye as unknown as Decoder;
    case "ping":
      return ssz.phase0.Ping as unknown as Decoder;
    case "beacon_blocks_by_range":
      return ssz.phase0.BeaconBlocksByRangeRequest as unknown as Decoder;
    case "beacon_blocks_by_root":
      return requestTypes.BeaconBlockRoots(CURRENT_EPOCH) as unknown as Decoder;
    case "blob_sidecars_by_range":
      return ssz.deneb.BlobSidecarsByRangeRequest as unknown as Decoder;
    case "blob_sidecars_by_root":
      return requestTypes.BlobIdentifiers(CURRENT_EPOCH) as unknown as Decoder;
    case "data_column_sidecars_by_range":
      return ssz.fulu.DataColumnSidecarsByRangeRequest as unknown as Decoder;
    case "data_column_sidecars_by_root":
      return requestTypes.DataColumnsByRootIdentifiers as unknown as Decoder;
    case "beacon_blocks_by_head":
      return BeaconBlocksByHeadRequest as unknown as Decoder;
    case "light_client_bootstrap":
      return ssz.phase0.Root as unknown as Decoder;
    case "light_client_updates_by_range":
      return LightClientUpdatesByRangeRequest as unknown as Decoder;
    default:
      throw Error(`no request content for ${def.method}`);
  }
}

/** The response chunk type of a protocol at a fork (the requester's decode, reqresp/responses.ts). */
function responseTypeOf(def: ProtocolDef, fork: string): Decoder {
  const types = ssz as unknown as Record<string, Record<string, Decoder>>;
  switch (def.method) {
    case "status":
      return statusType(def.version) as unknown as Decoder;
    case "goodbye":
      return ssz.phase0.Goodbye as unknown as Decoder;
    case "ping":
      return ssz.phase0.Ping as unknown as Decoder;
    case "metadata":
      return metadataType(def.version) as unknown as Decoder;
    case "beacon_blocks_by_range":
    case "beacon_blocks_by_root":
    case "beacon_blocks_by_head":
      return types[fork].SignedBeaconBlock;
    case "blob_sidecars_by_range":
    case "blob_sidecars_by_root":
      return (types[fork].BlobSidecar ?? types.deneb.BlobSidecar) as Decoder;
    case "light_client_bootstrap":
      return (types[fork].LightClientBootstrap ?? types.altair.LightClientBootstrap) as Decoder;
    case "light_client_updates_by_range":
      return (types[fork].LightClientUpdate ?? types.altair.LightClientUpdate) as Decoder;
    case "light_client_finality_update":
      return (types[fork].LightClientFinalityUpdate ?? types.altair.LightClientFinalityUpdate) as Decoder;
    case "light_client_optimistic_update":
      return (types[fork].LightClientOptimisticUpdate ?? types.altair.LightClientOptimisticUpdate) as Decoder;
    default:
      return types.fulu.DataColumnSidecar;
  }
}

/** An error a harness step raises like the real code does for a context it cannot map (WRONG_CONTEXT_BYTES). */
class UnknownContextError extends Error {}

const requestProtocols = PROTOCOLS.filter((p) => p.hasRequest);

const snappyFrames: FuzzTarget = {
  name: "snappy-frames",
  description: "decodeSnappyFrames: the snappy framing format of req/resp payloads",
  expected: "EncodingError (SNAPPY_* codes)",
  seeds: () => [
    encodeSnappyFrames(new Uint8Array(0)),
    encodeSnappyFrames(utf8("hello snappy frames")),
    encodeSnappyFrames(new Uint8Array(70_000).fill(7)),
    encodeSnappyFrames(crypto.getRandomValues(new Uint8Array(300))),
  ],
  run(data) {
    decodeSnappyFrames(data);
  },
  isExpected: isEncodingError,
};

const reqrespRequest: FuzzTarget = {
  name: "reqresp-request",
  description: `a request of each of the ${requestProtocols.length} req/resp protocols with content, as the server reads it (length prefix, frames, EOF, SSZ)`,
  expected: "EncodingError, or plain Error / @chainsafe/ssz RangeError from the SSZ decode (answered INVALID_REQUEST)",
  seeds: () =>
    requestProtocols.map((def, i) => {
      const type = requestTypeOf(def);
      return concatBytes(selector(i), encodeSszSnappy(type.serialize(type.defaultValue())));
    }),
  async run(data) {
    const {index, rest} = select(data, requestProtocols.length);
    const type = requestTypeOf(requestProtocols[index]);
    const bytes = await readRequest(new ByteReader(bytesSource(rest)), boundsOf(type), MAX_PAYLOAD);
    type.deserialize(bytes);
  },
  isExpected: (e) => isEncodingError(e) || isPlainError(e) || isSszOffsetRangeError(e),
  expectsSszRangeError: true,
};

const reqrespResponse: FuzzTarget = {
  name: "reqresp-response",
  description: `response chunks of each of the ${PROTOCOLS.length} req/resp protocols, as the requester reads them (result, context bytes → fork, length, frames, SSZ)`,
  expected: "EncodingError, the unknown-context error, or plain Error / @chainsafe/ssz RangeError from the SSZ decode",
  seeds() {
    const out: Uint8Array[] = [];
    PROTOCOLS.forEach((def, i) => {
      const fork = "fulu";
      const type = responseTypeOf(def, fork);
      const context = def.contextBytes ? config.computeForkDigest(CURRENT_EPOCH) : undefined;
      out.push(concatBytes(selector(i), encodeSuccessChunk(type.serialize(type.defaultValue()), context)));
      out.push(concatBytes(selector(i), encodeErrorChunk(3, "resource unavailable")));
    });
    return out;
  },
  async run(data) {
    const {index, rest} = select(data, PROTOCOLS.length);
    const def = PROTOCOLS[index];
    const reader = new ByteReader(bytesSource(rest));
    for (let n = 0; n < 64; n++) {
      let fork = "phase0";
      const chunk = await readResponseChunk(reader, {
        contextBytes: def.contextBytes,
        maxPayloadSize: MAX_PAYLOAD,
        boundsFor(context) {
          if (context !== null) {
            const f = digests.forkOfDigest(Buffer.from(context).toString("hex"));
            if (f === undefined) throw new UnknownContextError("unknown context bytes");
            fork = f;
          }
          return boundsOf(responseTypeOf(def, fork));
        },
      });
      if (chunk === null) return;
      if ("ssz" in chunk) responseTypeOf(def, fork).deserialize(chunk.ssz);
    }
  },
  isExpected: (e) =>
    isEncodingError(e) || e instanceof UnknownContextError || isPlainError(e) || isSszOffsetRangeError(e),
  expectsSszRangeError: true,
};

const gossipTopics = config.forks
  .filter((f) => Number.isFinite(f.epoch))
  .flatMap((f) => coreGossipTopics(config.chain, f.name, digests.digestAt(f.epoch)))
  .map((t) => stringifyGossipTopic(t));
// a subnet topic of each kind for the last fork as well
for (const name of ["beacon_attestation_5", "sync_committee_1", "data_column_sidecar_17"]) {
  const fulu = config.forks[config.forks.length - 1];
  gossipTopics.push(`/eth2/${digests.digestAt(fulu.epoch)}/${name}/ssz_snappy`);
}

const gossipMessage: FuzzTarget = {
  name: "gossip-message",
  description: `a gossip message on each of ${gossipTopics.length} topics (every fork): message id, topic and snappy payload within limits, SSZ of the topic's type`,
  expected: "plain Error from the SSZ decode (payloadOf / msgIdFn must never throw)",
  seeds() {
    const out: Uint8Array[] = [];
    gossipTopics.forEach((topicStr, i) => {
      const topic = parseGossipTopic(config.chain, digests, topicStr);
      const type = gossipSszType(topic.fork, topic.type) as unknown as Decoder;
      out.push(concatBytes(selector(i), compressGossipPayload(type.serialize(type.defaultValue()))));
    });
    return out;
  },
  run(data) {
    const {index, rest} = select(data, gossipTopics.length);
    const msg = {type: "unsigned" as const, topic: gossipTopics[index], data: rest};
    let id: Uint8Array;
    let payload: ReturnType<GossipMessageIds["payloadOf"]>;
    try {
      id = messageIds.msgIdFn(msg as never);
      payload = messageIds.payloadOf(msg as never);
    } catch (e) {
      throw new InvariantViolation(`message id / payload threw: ${(e as Error).message}`);
    }
    if (id.length !== 20) throw new InvariantViolation(`message id of ${id.length} bytes`);
    // as GossipHandler.handleMessage decodes it
    if (payload.ok) deserializeGossipSsz(payload.topic, payload.sszBytes);
  },
  isExpected: isPlainError,
};

const gossipTopic: FuzzTarget = {
  name: "gossip-topic",
  description: "parseGossipTopic on arbitrary topic strings",
  expected: "plain Error (unknown topic)",
  seeds: () => gossipTopics.map((t) => utf8(t)),
  run(data) {
    const topic = parseGossipTopic(config.chain, digests, text(data));
    if (stringifyGossipTopic(topic) !== text(data)) throw new InvariantViolation("topic does not round trip");
  },
  isExpected: isPlainError,
};

const SEED_ENRS = [
  // EIP-778's example record
  "enr:-IS4QHCYrYZbAKWCBRlAy5zzaDZXJBGkcnh4MHcBFZntXNFrdvJjX04jRzjzCBOonrkTfj499SZuOh8R33Ls8RRcy5wBgmlkgnY0gmlwhH8AAAGJc2VjcDI1NmsxoQPKY0yuDUmstAHYpMa2_oxVtw0RW_QAdpzBQA8yWM0xOIN1ZHCCdl8",
  // a mainnet bootnode (Teku team's)
  "enr:-KG4QNTx85fjxABbSq_Rta9wy56nQ1fHK0PewJbGjLm1M4bMGx5-3Qq4ZX2-iFJ0pys_O90sVXNNOxp2E7afBsGsBrgDhGV0aDKQu6TalgMAAAD__________4JpZIJ2NIJpcIQEnfA2iXNlY3AyNTZrMaECGXWQ-rQ2KZKRH1aOW4IlPDBkY4XDphxg9pxKytFCkayDdGNwgiMog3VkcIIjKA",
];

const enr: FuzzTarget = {
  name: "enr",
  description: "decodeEnrTxt (text ENRs from discovery and the command line) and readEth2Fields of what decodes",
  expected: "none: decodeEnrTxt returns null for anything invalid, readEth2Fields leaves malformed entries out",
  seeds: () => SEED_ENRS.map((s) => utf8(s)),
  run(data) {
    const s = text(data);
    const decoded = decodeEnrTxt(s.startsWith("enr:") ? s : `enr:${Buffer.from(data).toString("base64url")}`);
    if (decoded !== null) readEth2Fields(decoded);
  },
  isExpected: () => false,
};

export const networkTargets: FuzzTarget[] = [
  snappyFrames,
  reqrespRequest,
  reqrespResponse,
  gossipMessage,
  gossipTopic,
  enr,
];
