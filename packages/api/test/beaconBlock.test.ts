import {FORK_NAMES, SLOTS_PER_EPOCH} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {toHex} from "@ceibo/utils";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {BlobSidecars, type PublishedBlock, typesAt} from "../src/index.ts";
import {sampleSignedBlock} from "./backend.ts";
import {type Harness, rawChecked, roundTrip, startHarness} from "./harness.ts";
import {sample} from "./sample.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe("beacon block routes", () => {
  it("getBlockHeaders and getBlockHeader", async () => {
    const headers = await roundTrip(h, "getBlockHeaders", {slot: 5, parentRoot: new Uint8Array(32).fill(1)});
    expect(headers.data[0].header.message.slot).toBe(5);
    await roundTrip(h, "getBlockHeaders", {});
    const one = await roundTrip(h, "getBlockHeader", {blockId: "head"});
    expect(one.data.root).toEqual(ssz.phase0.BeaconBlockHeader.hashTreeRoot(one.data.header.message));
    await rawChecked(h, 200, "GET", `/eth/v1/beacon/headers?slot=1&parent_root=${toHex(new Uint8Array(32))}`);
    await rawChecked(h, 200, "GET", "/eth/v1/beacon/headers/finalized");
  });

  it("getBlockV2 at every fork, JSON and SSZ", async () => {
    for (let i = 0; i < FORK_NAMES.length; i++) {
      const fork = FORK_NAMES[i];
      const json = await roundTrip(h, "getBlockV2", {blockId: i});
      expect(json.version).toBe(fork);
      expect(json.data).toEqual(sampleSignedBlock(fork));
      const bin = await roundTrip(h, "getBlockV2", {blockId: i}, {responseFormat: "ssz"});
      expect(bin.data).toEqual(json.data);
      const raw = await rawChecked(h, 200, "GET", `/eth/v2/beacon/blocks/${i}`);
      expect((raw.json as {version: string}).version).toBe(fork);
      expect(raw.headers.get("eth-consensus-version")).toBe(fork);
    }
    const raw = await rawChecked(h, 200, "GET", "/eth/v2/beacon/blocks/head", {
      headers: {Accept: "application/octet-stream;q=1.0,application/json;q=0.9"},
    });
    expect(raw.headers.get("content-type")).toBe("application/octet-stream");
    expect(ssz.fulu.SignedBeaconBlock.deserialize(raw.bytes)).toEqual(sampleSignedBlock("fulu"));
  });

  it("getBlindedBlock (blinded from bellatrix, full before)", async () => {
    const bellatrix = await roundTrip(h, "getBlindedBlock", {blockId: 2});
    expect("executionPayloadHeader" in bellatrix.data.message.body).toBe(true);
    await roundTrip(h, "getBlindedBlock", {blockId: 0});
    await roundTrip(h, "getBlindedBlock", {blockId: "head"}, {responseFormat: "ssz"});
    await rawChecked(h, 200, "GET", "/eth/v1/beacon/blinded_blocks/5");
  });

  it("publishBlockV2: block contents with blobs (fulu, deneb), a plain block (phase0), JSON and SSZ", async () => {
    const fulu = sample(ssz.fulu.SignedBlockContents, 3, 1);
    expect(await roundTrip(h, "publishBlockV2", {version: "fulu", signedBlockContents: fulu})).toBe("imported");
    const deneb = sample(ssz.deneb.SignedBlockContents, 4, 1);
    await roundTrip(h, "publishBlockV2", {
      version: "deneb",
      signedBlockContents: deneb,
      broadcastValidation: "consensus",
    });
    const phase0 = sampleSignedBlock("phase0") as PublishedBlock;
    await roundTrip(h, "publishBlockV2", {version: "phase0", signedBlockContents: phase0});
    // SSZ body.
    await roundTrip(
      h,
      "publishBlockV2",
      {version: "electra", signedBlockContents: sample(ssz.electra.SignedBlockContents, 5, 1)},
      {requestFormat: "ssz"},
    );
    // 202: broadcast but not imported.
    expect(
      await roundTrip(h, "publishBlockV2", {
        version: "fulu",
        signedBlockContents: fulu,
        broadcastValidation: "consensus_and_equivocation",
      }),
    ).toBe("broadcastNotImported");
    // Raw: JSON body as a spec-following client writes it.
    await rawChecked(h, 200, "POST", "/eth/v2/beacon/blocks?broadcast_validation=gossip", {
      headers: {"Eth-Consensus-Version": "deneb"},
      body: ssz.deneb.SignedBlockContents.toJson(deneb),
    });
    expect(h.calls.publishBlockV2.at(-1)).toEqual({
      version: "deneb",
      signedBlockContents: deneb,
      broadcastValidation: "gossip",
    });
    await rawChecked(h, 200, "POST", "/eth/v2/beacon/blocks", {
      headers: {"Eth-Consensus-Version": "fulu"},
      body: ssz.fulu.SignedBlockContents.serialize(fulu),
    });
    expect(h.calls.publishBlockV2.at(-1)).toEqual({version: "fulu", signedBlockContents: fulu});
  });

  it("publishBlockV2 without Eth-Consensus-Version: the fork comes from the block's slot", async () => {
    const block = sample(ssz.deneb.SignedBlockContents, 6, 1);
    block.signedBlock.message.slot = 4 * SLOTS_PER_EPOCH + 3; // deneb in the test schedule (fork i at epoch i)
    const body = ssz.deneb.SignedBlockContents.toJson(block);
    const res = await fetch(`${h.baseUrl}/eth/v2/beacon/blocks`, {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    expect(h.calls.publishBlockV2.at(-1)).toEqual({version: "deneb", signedBlockContents: block});
  });

  it("publishBlindedBlockV2", async () => {
    const blinded = sample(ssz.electra.SignedBlindedBeaconBlock, 8);
    await roundTrip(h, "publishBlindedBlockV2", {version: "electra", signedBlindedBlock: blinded});
    await roundTrip(
      h,
      "publishBlindedBlockV2",
      {version: "capella", signedBlindedBlock: sample(ssz.capella.SignedBlindedBeaconBlock, 9)},
      {requestFormat: "ssz"},
    );
    await rawChecked(h, 200, "POST", "/eth/v2/beacon/blinded_blocks", {
      headers: {"Eth-Consensus-Version": "electra"},
      body: ssz.electra.SignedBlindedBeaconBlock.toJson(blinded),
    });
  });

  it("getBlockRoot", async () => {
    const res = await roundTrip(h, "getBlockRoot", {blockId: "finalized"});
    expect(res.data.root).toEqual(ssz.fulu.BeaconBlock.hashTreeRoot(sampleSignedBlock("fulu").message as never));
    await rawChecked(h, 200, "GET", "/eth/v1/beacon/blocks/3/root");
  });

  it("getBlockAttestationsV2 (phase0 and electra shapes)", async () => {
    const p0 = await roundTrip(h, "getBlockAttestationsV2", {blockId: 0});
    expect("committeeBits" in p0.data[0]).toBe(false);
    const el = await roundTrip(h, "getBlockAttestationsV2", {blockId: 5});
    expect("committeeBits" in el.data[0]).toBe(true);
    await rawChecked(h, 200, "GET", "/eth/v2/beacon/blocks/head/attestations");
  });

  it("getBlobSidecars, JSON and SSZ", async () => {
    const json = await roundTrip(h, "getBlobSidecars", {blockId: 4, indices: [0]});
    expect(json.version).toBe("deneb");
    expect(json.data[0].blob.length).toBe(131072);
    const bin = await roundTrip(h, "getBlobSidecars", {blockId: 5}, {responseFormat: "ssz"});
    expect(bin.data).toEqual(json.data);
    const raw = await rawChecked(h, 200, "GET", "/eth/v1/beacon/blob_sidecars/4?indices=0,1", {
      headers: {Accept: "application/octet-stream"},
    });
    expect(BlobSidecars.deserialize(raw.bytes)).toEqual(json.data);
    await rawChecked(h, 200, "GET", "/eth/v1/beacon/blob_sidecars/5");
  });

  it("getBlobs, JSON and SSZ", async () => {
    const json = await roundTrip(h, "getBlobs", {blockId: "head", versionedHashes: [new Uint8Array(32).fill(1)]});
    await roundTrip(h, "getBlobs", {blockId: "head"}, {responseFormat: "ssz"});
    const raw = await rawChecked(
      h,
      200,
      "GET",
      `/eth/v1/beacon/blobs/head?versioned_hashes=${toHex(new Uint8Array(32))}`,
      {
        headers: {Accept: "application/octet-stream"},
      },
    );
    expect(ssz.deneb.Blobs.deserialize(raw.bytes)).toEqual(json.data);
    await rawChecked(h, 200, "GET", "/eth/v1/beacon/blobs/head");
  });

  it("fork-dependent types are the fork's own", () => {
    expect(typesAt("fulu").SignedBlockContents).toBe(ssz.fulu.SignedBlockContents);
    expect(typesAt("phase0").SignedBeaconBlock).toBe(ssz.phase0.SignedBeaconBlock);
  });
});
