/**
 * Req/resp building blocks without a network: protocol ids as p2p-interface.md spells them, which versions are
 * offered, request limits from the config, Status / MetaData SSZ per version, and the per-peer token buckets.
 */
import {BeaconConfig, createDevChainConfig, mainnetChainConfig} from "@ceibo/config";
import {FAR_FUTURE_EPOCH} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {describe, expect, it} from "vitest";
import {
  deserializeMetadata,
  deserializeStatus,
  offeredProtocols,
  PROTOCOLS,
  protocolById,
  RateLimiter,
  RequestTypes,
  serializeMetadata,
  serializeStatus,
} from "../src/network/reqresp/index.ts";
import type {MetadataMessage, StatusMessage} from "../src/network/types.ts";

const ZERO_ROOT = new Uint8Array(32);

describe("protocols", () => {
  it("ids are /eth2/beacon_chain/req/<name>/<version>/ssz_snappy, with ForkDigest-context where the spec says", () => {
    const ids = PROTOCOLS.map((p) => `${p.id} ${p.contextBytes ? "ctx" : "-"}`);
    expect(ids).toEqual([
      "/eth2/beacon_chain/req/status/1/ssz_snappy -",
      "/eth2/beacon_chain/req/status/2/ssz_snappy -",
      "/eth2/beacon_chain/req/goodbye/1/ssz_snappy -",
      "/eth2/beacon_chain/req/ping/1/ssz_snappy -",
      "/eth2/beacon_chain/req/metadata/1/ssz_snappy -",
      "/eth2/beacon_chain/req/metadata/2/ssz_snappy -",
      "/eth2/beacon_chain/req/metadata/3/ssz_snappy -",
      "/eth2/beacon_chain/req/beacon_blocks_by_range/2/ssz_snappy ctx",
      "/eth2/beacon_chain/req/beacon_blocks_by_root/2/ssz_snappy ctx",
      "/eth2/beacon_chain/req/blob_sidecars_by_range/1/ssz_snappy ctx",
      "/eth2/beacon_chain/req/blob_sidecars_by_root/1/ssz_snappy ctx",
      "/eth2/beacon_chain/req/data_column_sidecars_by_range/1/ssz_snappy ctx",
      "/eth2/beacon_chain/req/data_column_sidecars_by_root/1/ssz_snappy ctx",
      "/eth2/beacon_chain/req/beacon_blocks_by_head/1/ssz_snappy ctx",
      "/eth2/beacon_chain/req/light_client_bootstrap/1/ssz_snappy ctx",
      "/eth2/beacon_chain/req/light_client_updates_by_range/1/ssz_snappy ctx",
      "/eth2/beacon_chain/req/light_client_finality_update/1/ssz_snappy ctx",
      "/eth2/beacon_chain/req/light_client_optimistic_update/1/ssz_snappy ctx",
    ]);
    expect(protocolById("/eth2/beacon_chain/req/light_client_finality_update/1/ssz_snappy")?.hasRequest).toBe(false);
    expect(protocolById("/eth2/beacon_chain/req/metadata/2/ssz_snappy")?.hasRequest).toBe(false);
    expect(protocolById("/eth2/beacon_chain/req/beacon_blocks_by_range/1/ssz_snappy")).toBeUndefined();
  });

  it("newest version first; status/2 and metadata/3 only when fulu is scheduled", () => {
    const fulu = new BeaconConfig(mainnetChainConfig, ZERO_ROOT);
    expect(offeredProtocols("status", fulu)).toEqual([
      "/eth2/beacon_chain/req/status/2/ssz_snappy",
      "/eth2/beacon_chain/req/status/1/ssz_snappy",
    ]);
    expect(offeredProtocols("metadata", fulu).map((id) => id.split("/")[5])).toEqual(["3", "2", "1"]);
    const noFulu = new BeaconConfig({...mainnetChainConfig, FULU_FORK_EPOCH: FAR_FUTURE_EPOCH}, ZERO_ROOT);
    expect(offeredProtocols("status", noFulu)).toEqual(["/eth2/beacon_chain/req/status/1/ssz_snappy"]);
    expect(offeredProtocols("metadata", noFulu).map((id) => id.split("/")[5])).toEqual(["2", "1"]);
  });

  it("request limits: MAX_REQUEST_BLOCKS → MAX_REQUEST_BLOCKS_DENEB at deneb, blob identifiers by electra's max", () => {
    const config = new BeaconConfig(
      {...createDevChainConfig({preset: "mainnet", forkEpochs: {altair: 0, deneb: 10, electra: 20, fulu: 30}})},
      ZERO_ROOT,
    );
    const types = new RequestTypes(config);
    expect(types.maxRequestBlocks(9)).toBe(1024);
    expect(types.maxRequestBlocks(10)).toBe(128);
    expect(types.BeaconBlockRoots(9).limit).toBe(1024);
    expect(types.BeaconBlockRoots(10).limit).toBe(128);
    // deneb: 128 * MAX_BLOBS_PER_BLOCK (6); electra: 128 * MAX_BLOBS_PER_BLOCK_ELECTRA (9)
    expect(types.computeMaxRequestBlobSidecars(15)).toBe(768);
    expect(types.computeMaxRequestBlobSidecars(25)).toBe(1152);
    expect(types.BlobIdentifiers(25).limit).toBe(1152);
    // fulu: MAX_REQUEST_BLOCKS_DENEB * NUMBER_OF_COLUMNS
    expect(types.computeMaxRequestDataColumnSidecars()).toBe(128 * 128);
    expect(types.DataColumnsByRootIdentifiers.limit).toBe(128);
  });
});

describe("Status and MetaData per version", () => {
  const status: StatusMessage = {
    forkDigest: Uint8Array.from([1, 2, 3, 4]),
    finalizedRoot: new Uint8Array(32).fill(5),
    finalizedEpoch: 6,
    headRoot: new Uint8Array(32).fill(7),
    headSlot: 200,
    earliestAvailableSlot: 64,
  };

  it("Status v1 is the phase0 container (84 bytes), v2 adds earliest_available_slot (92 bytes)", () => {
    const v1 = serializeStatus(status, 1);
    const v2 = serializeStatus(status, 2);
    expect(v1.length).toBe(84);
    expect(v2.length).toBe(92);
    expect(Buffer.from(v2.subarray(84)).readBigUInt64LE(0)).toBe(64n);
    const {earliestAvailableSlot: _, ...withoutEarliest} = status;
    expect(deserializeStatus(v1, 1)).toEqual(withoutEarliest);
    expect(deserializeStatus(v2, 2)).toEqual(status);
    // v2 of a message without the field takes the fallback
    expect(deserializeStatus(serializeStatus(withoutEarliest, 2, 9), 2).earliestAvailableSlot).toBe(9);
  });

  it("MetaData v1 / v2 / v3 carry seq + attnets, + syncnets, + custody_group_count", () => {
    const md: MetadataMessage = {
      seqNumber: 2n ** 63n + 5n,
      attnets: Array.from({length: 64}, (_, i) => i === 0 || i === 63),
      syncnets: [false, false, true, false],
      custodyGroupCount: 128,
    };
    const v1 = serializeMetadata(md, 1);
    const v2 = serializeMetadata(md, 2);
    const v3 = serializeMetadata(md, 3);
    expect([v1.length, v2.length, v3.length]).toEqual([16, 17, 25]);
    expect(Buffer.from(v1.subarray(8)).toString("hex")).toBe("0100000000000080"); // bits 0 and 63, little-endian
    expect(v2[16]).toBe(0b0100);
    expect(deserializeMetadata(v1, 1)).toEqual({
      ...md,
      syncnets: [false, false, false, false],
      custodyGroupCount: undefined,
    });
    expect(deserializeMetadata(v2, 2)).toEqual({seqNumber: md.seqNumber, attnets: md.attnets, syncnets: md.syncnets});
    expect(deserializeMetadata(v3, 3)).toEqual(md);
    expect(ssz.fulu.Metadata.deserialize(v3).custodyGroupCount).toBe(128);
  });
});

describe("RateLimiter", () => {
  it("bursts a full quota, refills continuously, and a refused request costs nothing", () => {
    let now = 0;
    const limiter = new RateLimiter(new Map([["blocks", {quota: 100, quotaTimeMs: 10_000}]]), () => now);
    expect(limiter.allow("p1", "blocks", 60)).toBe(true);
    expect(limiter.allow("p1", "blocks", 50)).toBe(false); // 40 left
    expect(limiter.allow("p1", "blocks", 40)).toBe(true);
    expect(limiter.allow("p2", "blocks", 100)).toBe(true); // per peer
    now = 2_500; // +25 tokens
    expect(limiter.allow("p1", "blocks", 26)).toBe(false);
    expect(limiter.allow("p1", "blocks", 25)).toBe(true);
    now = 1_000_000; // capped at the quota
    expect(limiter.allow("p1", "blocks", 100)).toBe(true);
    expect(limiter.allow("p1", "blocks", 1)).toBe(false);
    now += 10_000;
    // a request above the quota costs the whole quota
    expect(limiter.allow("p1", "blocks", 500)).toBe(true);
    expect(limiter.allow("p1", "blocks", 1)).toBe(false);
    expect(limiter.allow("p1", "unlimited", 1e9)).toBe(true);
  });

  it("prunes refilled buckets and forgets peers", () => {
    let now = 0;
    const limiter = new RateLimiter(new Map([["ping", {quota: 2, quotaTimeMs: 1_000}]]), () => now);
    limiter.allow("a", "ping", 1);
    limiter.allow("b", "ping", 1);
    expect(limiter.size).toBe(2);
    limiter.forgetPeer("a");
    expect(limiter.size).toBe(1);
    now = 1_000;
    limiter.prune();
    expect(limiter.size).toBe(0);
  });
});
