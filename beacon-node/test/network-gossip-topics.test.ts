/**
 * Gossip topics, message-ids, payload limits and the gossipsub options (mainnet preset and config). Fork digests
 * and topic strings are compared with values other clients use on mainnet; message-ids with SHA256 computed here
 * from the spec formula over hand-built snappy blocks.
 */

import {createHash} from "node:crypto";
import {BeaconConfig, mainnetChainConfig, networks} from "@ceibo/config";
import {ssz} from "@ceibo/types";
import {fromHex} from "@ceibo/utils";
import {BitArray} from "@chainsafe/ssz";
import {createPeerScoreParams, validatePeerScoreParams, validatePeerScoreThresholds} from "@libp2p/gossipsub/score";
import {describe, expect, it} from "vitest";
import {bitCount, bitsCover, OpPool} from "../src/chain/opPool.ts";
import {GossipSeenCaches, InvalidBlockRoots, isNonStrictSuperset} from "../src/chain/seenCaches.ts";
import {
  compressGossipPayload,
  computeMessageIdAltair,
  decompressGossipPayload,
  GossipMessageIds,
  maxCompressedLen,
  maxGossipPayloadSize,
  maxMessageSize,
  snappyUncompressedLength,
} from "../src/network/gossip/messageId.ts";
import {gossipSeenTtlMs, gossipsubOptions} from "../src/network/gossip/options.ts";
import {expectedAggregatorsPerSlot} from "../src/network/gossip/scoring.ts";
import {
  computeSubnetForAttestation,
  computeSubnetForBlobSidecar,
  computeSubnetForDataColumnSidecar,
  coreGossipTopics,
  ForkDigests,
  gossipSszType,
  parseGossipTopic,
  stringifyGossipTopic,
} from "../src/network/gossip/topics.ts";

const mainnet = new BeaconConfig(mainnetChainConfig, networks.mainnet.genesis?.genesisValidatorsRoot as Uint8Array);
const digests = new ForkDigests(mainnet);

/** SHA256(parts...)[:20], the spec's message-id, computed independently of the code under test. */
function sha20(...parts: (Uint8Array | string)[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(typeof p === "string" ? Buffer.from(p, "utf8") : p);
  return h.digest().subarray(0, 20).toString("hex");
}

function u64le(n: number): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

/** A snappy raw block holding `data` as one literal (data shorter than 61 bytes): length varint, tag, bytes. */
function snappyLiteral(data: Uint8Array): Uint8Array {
  if (data.length === 0 || data.length > 60) throw Error("test helper: 1..60 bytes");
  return Uint8Array.from([data.length, (data.length - 1) << 2, ...data]);
}

describe("fork digests and topic strings (mainnet)", () => {
  it("computes the mainnet fork digests other clients use, including fulu's blob-parameter forks", () => {
    const expected: [number, string][] = [
      [0, "b5303f2a"],
      [74240, "afcaaba0"],
      [144896, "4a26c58b"],
      [194048, "bba4da96"],
      [269568, "6a95a1a9"],
      [364032, "ad532ceb"],
      [411392, "cc2c5cdb"],
      [412672, "cb0d1acc"],
      [419072, "8c9f62fe"],
    ];
    for (const [epoch, digest] of expected) expect(digests.digestAt(epoch)).toBe(digest);
    expect(digests.forkOfDigest("bba4da96")).toBe("capella");
    expect(digests.forkOfDigest("8c9f62fe")).toBe("fulu");
    expect(digests.forkOfDigest("00000000")).toBeUndefined();
  });

  it("stringifies and parses topics", () => {
    expect(stringifyGossipTopic({type: "beacon_block", fork: "phase0", forkDigest: "b5303f2a"})).toBe(
      "/eth2/b5303f2a/beacon_block/ssz_snappy",
    );
    expect(stringifyGossipTopic({type: "beacon_aggregate_and_proof", fork: "electra", forkDigest: "ad532ceb"})).toBe(
      "/eth2/ad532ceb/beacon_aggregate_and_proof/ssz_snappy",
    );
    expect(stringifyGossipTopic({type: "beacon_attestation", fork: "deneb", forkDigest: "6a95a1a9", subnet: 63})).toBe(
      "/eth2/6a95a1a9/beacon_attestation_63/ssz_snappy",
    );
    const cases = [
      "/eth2/b5303f2a/beacon_block/ssz_snappy",
      "/eth2/afcaaba0/sync_committee_contribution_and_proof/ssz_snappy",
      "/eth2/afcaaba0/sync_committee_3/ssz_snappy",
      "/eth2/bba4da96/bls_to_execution_change/ssz_snappy",
      "/eth2/6a95a1a9/blob_sidecar_5/ssz_snappy",
      "/eth2/ad532ceb/blob_sidecar_8/ssz_snappy",
      "/eth2/cc2c5cdb/data_column_sidecar_127/ssz_snappy",
      "/eth2/8c9f62fe/attester_slashing/ssz_snappy",
    ];
    for (const t of cases) expect(stringifyGossipTopic(parseGossipTopic(mainnetChainConfig, digests, t))).toBe(t);
    expect(parseGossipTopic(mainnetChainConfig, digests, "/eth2/ad532ceb/beacon_attestation_12/ssz_snappy")).toEqual({
      type: "beacon_attestation",
      fork: "electra",
      forkDigest: "ad532ceb",
      subnet: 12,
    });
  });

  it("refuses unknown digests, names, encodings, subnets out of range and topics of another fork", () => {
    const bad = [
      "/eth2/00000000/beacon_block/ssz_snappy",
      "/eth2/b5303f2a/beacon_block/ssz",
      "/eth2/b5303f2a/beacon_blocks/ssz_snappy",
      "/eth2/B5303F2A/beacon_block/ssz_snappy",
      "/eth2/b5303f2a/beacon_attestation_64/ssz_snappy",
      "/eth2/b5303f2a/beacon_attestation_01/ssz_snappy",
      "/eth2/b5303f2a/beacon_attestation_/ssz_snappy",
      "/eth2/b5303f2a/sync_committee_0/ssz_snappy", // phase0 has no sync committees
      "/eth2/afcaaba0/bls_to_execution_change/ssz_snappy", // before capella
      "/eth2/6a95a1a9/blob_sidecar_6/ssz_snappy", // deneb has 6 blob subnets
      "/eth2/cc2c5cdb/blob_sidecar_0/ssz_snappy", // deprecated in fulu
      "/eth2/ad532ceb/data_column_sidecar_0/ssz_snappy", // from fulu
      "/eth2/cc2c5cdb/data_column_sidecar_128/ssz_snappy",
      "eth2/b5303f2a/beacon_block/ssz_snappy",
    ];
    for (const t of bad) expect(() => parseGossipTopic(mainnetChainConfig, digests, t), t).toThrow();
  });

  it("lists each fork's core topics (blob subnets from deneb to electra)", () => {
    const names = (fork: Parameters<typeof coreGossipTopics>[1]) =>
      coreGossipTopics(mainnetChainConfig, fork, "00000000").map((t) => stringifyGossipTopic(t).split("/")[3]);
    expect(names("phase0")).toEqual([
      "beacon_block",
      "beacon_aggregate_and_proof",
      "voluntary_exit",
      "proposer_slashing",
      "attester_slashing",
    ]);
    expect(names("altair")).toContain("sync_committee_contribution_and_proof");
    // the light-client topics from altair (altair light-client p2p-interface.md)
    expect(names("phase0").filter((n) => n.startsWith("light_client_"))).toEqual([]);
    expect(names("altair").filter((n) => n.startsWith("light_client_"))).toEqual([
      "light_client_finality_update",
      "light_client_optimistic_update",
    ]);
    expect(names("bellatrix")).not.toContain("bls_to_execution_change");
    expect(names("capella")).toContain("bls_to_execution_change");
    expect(names("deneb").filter((n) => n.startsWith("blob_sidecar_"))).toHaveLength(6);
    expect(names("electra").filter((n) => n.startsWith("blob_sidecar_"))).toHaveLength(9);
    expect(names("fulu")).toHaveLength(9);
  });

  it("maps each topic to its fork's SSZ type", () => {
    expect(gossipSszType("altair", "light_client_finality_update")).toBe(ssz.altair.LightClientFinalityUpdate);
    expect(gossipSszType("bellatrix", "light_client_optimistic_update")).toBe(ssz.altair.LightClientOptimisticUpdate);
    expect(gossipSszType("capella", "light_client_finality_update")).toBe(ssz.capella.LightClientFinalityUpdate);
    expect(gossipSszType("deneb", "light_client_finality_update")).toBe(ssz.deneb.LightClientFinalityUpdate);
    expect(gossipSszType("fulu", "light_client_optimistic_update")).toBe(ssz.electra.LightClientOptimisticUpdate);
    expect(gossipSszType("deneb", "beacon_attestation")).toBe(ssz.phase0.Attestation);
    expect(gossipSszType("electra", "beacon_attestation")).toBe(ssz.electra.SingleAttestation);
    expect(gossipSszType("deneb", "beacon_aggregate_and_proof")).toBe(ssz.phase0.SignedAggregateAndProof);
    expect(gossipSszType("fulu", "beacon_aggregate_and_proof")).toBe(ssz.electra.SignedAggregateAndProof);
    expect(gossipSszType("capella", "attester_slashing")).toBe(ssz.phase0.AttesterSlashing);
    expect(gossipSszType("electra", "attester_slashing")).toBe(ssz.electra.AttesterSlashing);
    expect(gossipSszType("bellatrix", "beacon_block")).toBe(ssz.bellatrix.SignedBeaconBlock);
    expect(gossipSszType("fulu", "data_column_sidecar")).toBe(ssz.fulu.DataColumnSidecar);
  });

  it("computes subnets with the validator guide's functions", () => {
    // (committees_per_slot * (slot % SLOTS_PER_EPOCH) + committee_index) % ATTESTATION_SUBNET_COUNT
    expect(computeSubnetForAttestation(mainnetChainConfig, 4, 33, 2)).toBe(6);
    expect(computeSubnetForAttestation(mainnetChainConfig, 64, 31, 5)).toBe(5);
    expect(computeSubnetForAttestation(mainnetChainConfig, 3, 32 * 100 + 30, 1)).toBe(91 % 64);
    expect(computeSubnetForBlobSidecar(mainnetChainConfig, "deneb", 7)).toBe(1);
    expect(computeSubnetForBlobSidecar(mainnetChainConfig, "electra", 7)).toBe(7);
    expect(computeSubnetForDataColumnSidecar(mainnetChainConfig, 130)).toBe(2);
  });
});

describe("message-id and payload limits", () => {
  const msgIds = new GossipMessageIds(mainnet);
  const unsigned = (topic: string, data: Uint8Array) => ({type: "unsigned" as const, topic, data});
  const hello = Buffer.from("hello", "utf8");

  it("decodes raw snappy blocks and reads the length preamble", () => {
    expect(Buffer.from(decompressGossipPayload(mainnetChainConfig, snappyLiteral(hello))).toString()).toBe("hello");
    expect(snappyUncompressedLength(Uint8Array.from([0x80, 0x01]))).toBe(128);
    expect(snappyUncompressedLength(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]))).toBe(0xffffffff);
    expect(() => snappyUncompressedLength(Uint8Array.from([0x80]))).toThrow();
    expect(() => snappyUncompressedLength(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x1f]))).toThrow();
    // compressSync output is the block format: same preamble, round trip
    const big = new Uint8Array(5000).fill(3);
    const compressed = compressGossipPayload(big);
    expect(snappyUncompressedLength(compressed)).toBe(5000);
    expect(decompressGossipPayload(mainnetChainConfig, compressed)).toEqual(big);
  });

  it("enforces max_compressed_len before and the topic's payload limit after decompression", () => {
    expect(maxCompressedLen(10 * 2 ** 20)).toBe(32 + 10485760 + 1747626);
    expect(maxMessageSize(mainnetChainConfig)).toBe(32 + 10485760 + 1747626 + 1024);
    // a voluntary exit is 112 bytes: a payload declaring 113 is refused before decompression
    const exitTopic = {fork: "deneb" as const, type: "voluntary_exit" as const};
    expect(maxGossipPayloadSize(mainnetChainConfig, exitTopic)).toBe(112);
    const declares113 = Uint8Array.from([113, 0]);
    expect(() => decompressGossipPayload(mainnetChainConfig, declares113, 112)).toThrow(/exceeds the limit/);
    const tooLong = new Uint8Array(maxCompressedLen(mainnetChainConfig.MAX_PAYLOAD_SIZE) + 1);
    expect(() => decompressGossipPayload(mainnetChainConfig, tooLong)).toThrow(/max_compressed_len/);
    // a preamble that lies about the length
    expect(() => decompressGossipPayload(mainnetChainConfig, Uint8Array.from([9, 16, ...hello]))).toThrow();
  });

  it("altair+ message-id: SHA256(VALID_SNAPPY ++ uint64le(len(topic)) ++ topic ++ decompressed)[:20]", () => {
    const topic = "/eth2/bba4da96/voluntary_exit/ssz_snappy";
    const exit = ssz.phase0.SignedVoluntaryExit.serialize({
      message: {epoch: 5, validatorIndex: 17},
      signature: new Uint8Array(96).fill(0xab),
    });
    const data = compressGossipPayload(exit);
    const id = msgIds.msgIdFn(unsigned(topic, data));
    expect(id).toHaveLength(20);
    expect(Buffer.from(id).toString("hex")).toBe(sha20(fromHex("0x01000000"), u64le(topic.length), topic, exit));
    // the decoded payload is kept for the handler
    const payload = msgIds.payloadOf(unsigned(topic, data));
    expect(payload.ok && payload.topic.type).toBe("voluntary_exit");
    // the same payload on another topic has another id
    const other = "/eth2/bba4da96/proposer_slashing/ssz_snappy";
    expect(Buffer.from(msgIds.msgIdFn(unsigned(other, data))).toString("hex")).not.toBe(
      Buffer.from(id).toString("hex"),
    );
  });

  it("message-ids of large payloads (a block's size, many hash blocks) and of consecutive messages are each exact", () => {
    // the id hasher is reused from message to message: each id must depend on its own message only
    const topic = "/eth2/bba4da96/beacon_block/ssz_snappy";
    const rng = (seed: number) => () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 24;
    };
    const next = rng(7);
    for (const size of [150_000, 1, 65, 4096, 1_000_001, 1_100_000, 3]) {
      const ssz = Uint8Array.from({length: size}, next);
      const data = compressGossipPayload(ssz);
      expect(Buffer.from(msgIds.msgIdFn(unsigned(topic, data))).toString("hex")).toBe(
        sha20(fromHex("0x01000000"), u64le(topic.length), topic, ssz),
      );
    }
  });

  it("invalid snappy (or over the limit): SHA256(INVALID_SNAPPY ++ uint64le(len(topic)) ++ topic ++ raw)[:20]", () => {
    const topic = "/eth2/bba4da96/beacon_block/ssz_snappy";
    const raw = Uint8Array.from([9, 16, ...hello]);
    expect(Buffer.from(msgIds.msgIdFn(unsigned(topic, raw))).toString("hex")).toBe(
      sha20(fromHex("0x00000000"), u64le(topic.length), topic, raw),
    );
    const payload = msgIds.payloadOf(unsigned(topic, raw));
    expect(payload.ok).toBe(false);
    // an exit topic carrying more than a SignedVoluntaryExit's 112 bytes: refused, invalid-snappy id
    const exitTopic = "/eth2/bba4da96/voluntary_exit/ssz_snappy";
    const oversized = compressGossipPayload(new Uint8Array(200));
    expect(Buffer.from(msgIds.msgIdFn(unsigned(exitTopic, oversized))).toString("hex")).toBe(
      sha20(fromHex("0x00000000"), u64le(exitTopic.length), exitTopic, oversized),
    );
    expect(computeMessageIdAltair(mainnetChainConfig, topic, raw, null)).toEqual(msgIds.msgIdFn(unsigned(topic, raw)));
  });

  it("phase0 message-id on phase0 topics: SHA256(VALID_SNAPPY ++ decompressed)[:20], no topic", () => {
    const topic = "/eth2/b5303f2a/voluntary_exit/ssz_snappy";
    const exit = new Uint8Array(112).fill(1);
    const data = compressGossipPayload(exit);
    expect(Buffer.from(msgIds.msgIdFn(unsigned(topic, data))).toString("hex")).toBe(sha20(fromHex("0x01000000"), exit));
    const raw = Uint8Array.from([200, 1, 0]);
    expect(Buffer.from(msgIds.msgIdFn(unsigned(topic, raw))).toString("hex")).toBe(sha20(fromHex("0x00000000"), raw));
  });

  it("fast message ids differ by topic and data", () => {
    const a = msgIds.fastMsgIdFn({topic: "/eth2/bba4da96/beacon_block/ssz_snappy", data: hello});
    expect(a).toBe(msgIds.fastMsgIdFn({topic: "/eth2/bba4da96/beacon_block/ssz_snappy", data: Buffer.from(hello)}));
    expect(a).not.toBe(msgIds.fastMsgIdFn({topic: "/eth2/bba4da96/voluntary_exit/ssz_snappy", data: hello}));
    expect(a).not.toBe(
      msgIds.fastMsgIdFn({topic: "/eth2/bba4da96/beacon_block/ssz_snappy", data: snappyLiteral(hello)}),
    );
  });
});

describe("gossipsub options", () => {
  it("uses the spec's mesh parameters, StrictNoSign, async validation and the spec message-id", () => {
    const opts = gossipsubOptions(mainnet, {currentSlot: 13_000_000, activeValidatorCount: 1_000_000});
    expect(opts).toMatchObject({
      D: 8,
      Dlo: 6,
      Dhi: 12,
      Dlazy: 6,
      heartbeatInterval: 700,
      fanoutTTL: 60_000,
      mcacheLength: 6,
      mcacheGossip: 3,
      // SLOT_DURATION_MS * SLOTS_PER_EPOCH * 2 // 1000 = 768 s on mainnet
      seenTTL: 768_000,
      globalSignaturePolicy: "StrictNoSign",
      asyncValidation: true,
      allowPublishToZeroTopicPeers: false,
      fallbackToFloodsub: false,
    });
    expect(gossipSeenTtlMs(mainnet)).toBe(768_000);
    expect(gossipsubOptions(mainnet, {currentSlot: 0, activeValidatorCount: 64, dev: true})).toMatchObject({
      allowPublishToZeroTopicPeers: true,
    });
  });

  it("has score parameters and thresholds gossipsub accepts, for every topic of every fork digest", () => {
    for (const [currentSlot, activeValidatorCount] of [
      [0, 64],
      [13_000_000, 1_000_000],
    ]) {
      const opts = gossipsubOptions(mainnet, {currentSlot, activeValidatorCount});
      const params = createPeerScoreParams(opts.scoreParams);
      expect(() => validatePeerScoreParams(params)).not.toThrow();
      expect(() => validatePeerScoreThresholds(opts.scoreThresholds as never)).not.toThrow();
      const topics = params.topics;
      const block = topics["/eth2/bba4da96/beacon_block/ssz_snappy"];
      expect(block.topicWeight).toBe(0.5);
      expect(topics["/eth2/8c9f62fe/beacon_attestation_17/ssz_snappy"].topicWeight).toBe(1 / 64);
      expect(topics["/eth2/6a95a1a9/blob_sidecar_0/ssz_snappy"].invalidMessageDeliveriesWeight).toBeLessThan(0);
      expect(topics["/eth2/8c9f62fe/data_column_sidecar_127/ssz_snappy"]).toBeDefined();
      // one invalid block message costs the maximum positive score (P4 = weight * 1^2 * topicWeight)
      const maxPositive = (10 + 40) * (0.5 + 0.5 + 1 + 0.05 * 3);
      expect(block.invalidMessageDeliveriesWeight * block.topicWeight).toBeCloseTo(-maxPositive);
      // mesh delivery deficits only count on a chain older than their window
      expect(block.meshMessageDeliveriesWeight < 0).toBe(currentSlot > 0);
    }
  });

  it("expects aggregators per slot from committee sizes", () => {
    // mainnet-sized: 64 committees per slot of ~488 members, 1 in 30 aggregates: about 16 per committee
    expect(expectedAggregatorsPerSlot(1_000_000)).toBeGreaterThan(64 * 15);
    expect(expectedAggregatorsPerSlot(1_000_000)).toBeLessThan(64 * 17.5);
    // a small chain: every member of the one committee per slot aggregates
    expect(expectedAggregatorsPerSlot(64)).toBe(2);
  });
});

describe("Seen caches and the op pool", () => {
  it("is_non_strict_superset over bitfields", () => {
    const bits = (...b: number[]) =>
      BitArray.fromBoolArray([0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => b.includes(i))).uint8Array;
    expect(isNonStrictSuperset(bits(1, 2, 8), bits(1, 8))).toBe(true);
    expect(isNonStrictSuperset(bits(1, 2, 8), bits(1, 2, 8))).toBe(true);
    expect(isNonStrictSuperset(bits(1, 2), bits(1, 8))).toBe(false);
    expect(isNonStrictSuperset(bits(1), new Uint8Array(1))).toBe(false); // other length
  });

  it("prunes attestation entries outside the propagation window and sync entries before the previous slot", () => {
    const seen = new GossipSeenCaches();
    // mainnet: 32 slots per epoch
    seen.attestationValidatorEpochs.add(3, "7");
    seen.attestationValidatorEpochs.add(4, "7");
    seen.syncMessageValidatorSlots.add(168, "1:0");
    seen.syncMessageValidatorSlots.add(169, "1:0");
    seen.proposerSlots.add(64, "3");
    seen.proposerSlots.add(65, "3");
    // slot 170 (epoch 5), finalized slot 64: attestations of slot 137 and later may still propagate (32 slots)
    seen.prune(170, 64, 32);
    expect(seen.attestationValidatorEpochs.has(3, "7")).toBe(false);
    expect(seen.attestationValidatorEpochs.has(4, "7")).toBe(true);
    expect(seen.syncMessageValidatorSlots.has(168, "1:0")).toBe(false);
    expect(seen.syncMessageValidatorSlots.has(169, "1:0")).toBe(true);
    expect(seen.proposerSlots.has(64, "3")).toBe(false);
    expect(seen.proposerSlots.has(65, "3")).toBe(true);
    // a propagation range longer than an epoch (minimal's 32 slots of 8) keeps older epochs
    const seen2 = new GossipSeenCaches();
    seen2.attestationValidatorEpochs.add(2, "7");
    seen2.attestationValidatorEpochs.add(1, "7");
    seen2.prune(4 * 32 + 5, 0, 80); // the window reaches back to slot 52 (epoch 1)
    expect(seen2.attestationValidatorEpochs.has(2, "7")).toBe(true);
    expect(seen2.attestationValidatorEpochs.has(1, "7")).toBe(true);
    seen2.prune(4 * 32 + 5, 0, 0); // from deneb: the previous epoch only
    expect(seen2.attestationValidatorEpochs.has(2, "7")).toBe(false);
  });

  it("remembers a bounded number of invalid blocks, dropping the oldest", () => {
    const invalid = new InvalidBlockRoots(2);
    invalid.add("0xa", "consensus");
    invalid.add("0xb", "execution");
    invalid.add("0xc", "consensus");
    expect(invalid.get("0xa")).toBeUndefined();
    expect(invalid.get("0xb")).toBe("execution");
    expect(invalid.size).toBe(2);
  });

  it("bitsCover and bitCount agree with a bit-by-bit check on random bit lists", () => {
    let seed = 7;
    const rand = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let t = 0; t < 300; t++) {
      const len = 1 + Math.floor(rand() * 500);
      const density = rand();
      const b = Array.from({length: len}, () => rand() < density);
      // a: b with some bits added and, half the time, one removed (so some pairs cover and some do not)
      const a = b.map((x) => x || rand() < 0.3);
      if (t % 2 === 0) a[Math.floor(rand() * len)] = false;
      const bitsA = BitArray.fromBoolArray(a);
      const bitsB = BitArray.fromBoolArray(b);
      const naiveCover = (x: boolean[], y: boolean[]): boolean => y.every((v, i) => !v || x[i]);
      expect(bitsCover(bitsA, bitsB)).toBe(naiveCover(a, b));
      expect(bitsCover(bitsB, bitsA)).toBe(naiveCover(b, a));
      expect(bitCount(bitsA)).toBe(a.filter(Boolean).length);
    }
    // lists of different lengths never cover each other, even when the bits would
    expect(bitsCover(BitArray.fromBoolArray([true, true, false]), BitArray.fromBoolArray([true, true]))).toBe(false);
    expect(bitCount(BitArray.fromBitLen(9))).toBe(0);
  });

  it("keeps aggregates no other kept one covers, and the largest sync contribution", () => {
    const pool = new OpPool();
    const data = {
      slot: 40,
      index: 0,
      beaconBlockRoot: new Uint8Array(32),
      source: {epoch: 0, root: new Uint8Array(32)},
      target: {epoch: 1, root: new Uint8Array(32)},
    };
    const att = (...b: number[]) => ({
      aggregationBits: BitArray.fromBoolArray([0, 1, 2, 3].map((i) => b.includes(i))),
      data,
      signature: new Uint8Array(96),
    });
    pool.addAggregate(att(0, 1), 0);
    pool.addAggregate(att(1), 0); // covered
    pool.addAggregate(att(2, 3), 0); // disjoint: kept
    pool.addAggregate(att(0, 1, 2), 0); // covers the first
    expect(pool.getAggregates(40).map((a) => a.aggregationBits.getTrueBitIndexes())).toEqual([
      [2, 3],
      [0, 1, 2],
    ]);
    const contribution = (...b: number[]) => ({
      slot: 40,
      beaconBlockRoot: new Uint8Array(32),
      subcommitteeIndex: 1,
      aggregationBits: BitArray.fromBoolArray([0, 1, 2, 3].map((i) => b.includes(i))),
      signature: new Uint8Array(96),
    });
    pool.addSyncContribution(contribution(0, 1));
    pool.addSyncContribution(contribution(3));
    expect(pool.getSyncContributions(40, new Uint8Array(32)).map((c) => c.aggregationBits.getTrueBitIndexes())).toEqual(
      [[0, 1]],
    );
    pool.prune(40 + 64);
    expect(pool.getAggregates(40)).toEqual([]);
    expect(pool.getSyncContributions(40, new Uint8Array(32))).toEqual([]);
  });
});
