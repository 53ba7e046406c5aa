import {ssz} from "@ceibo/types";
import {toHex} from "@ceibo/utils";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {decodeLightClientUpdatesSsz} from "../src/index.ts";
import {CAPELLA_DIGEST, ELECTRA_DIGEST} from "./backend.ts";
import {type Harness, rawChecked, roundTrip, startHarness} from "./harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const root = new Uint8Array(32).fill(7);

describe("light client routes", () => {
  it("getLightClientBootstrap, JSON and SSZ; 404 for an unknown root", async () => {
    const json = await roundTrip(h, "getLightClientBootstrap", {blockRoot: root});
    expect(json.version).toBe("fulu");
    const bin = await roundTrip(h, "getLightClientBootstrap", {blockRoot: root}, {responseFormat: "ssz"});
    expect(bin.data).toEqual(json.data);
    const raw = await rawChecked(h, 200, "GET", `/eth/v1/beacon/light_client/bootstrap/${toHex(root)}`, {
      headers: {Accept: "application/octet-stream"},
    });
    expect(ssz.electra.LightClientBootstrap.deserialize(raw.bytes)).toEqual(json.data);
    await rawChecked(h, 404, "GET", `/eth/v1/beacon/light_client/bootstrap/${toHex(new Uint8Array(32))}`);
    await rawChecked(h, 400, "GET", "/eth/v1/beacon/light_client/bootstrap/head");
  });

  it("getLightClientUpdatesByRange: a bare array of {version, data} of different forks", async () => {
    const res = await roundTrip(h, "getLightClientUpdatesByRange", {startPeriod: 1, count: 2});
    expect(res.map((u) => u.version)).toEqual(["capella", "electra"]);
    const raw = await rawChecked(h, 200, "GET", "/eth/v1/beacon/light_client/updates?start_period=0&count=1");
    expect((raw.json as {version: string}[])[0].version).toBe("capella");
  });

  it("getLightClientUpdatesByRange SSZ: length-prefixed chunks, each with its update's fork digest", async () => {
    const json = await roundTrip(h, "getLightClientUpdatesByRange", {startPeriod: 1, count: 2});
    const raw = await rawChecked(h, 200, "GET", "/eth/v1/beacon/light_client/updates?start_period=1&count=2", {
      headers: {Accept: "application/octet-stream"},
    });
    // chunk 1: uint64 LE length (4 + payload) ‖ digest ‖ capella LightClientUpdate
    const capellaLen = ssz.capella.LightClientUpdate.serialize(json[0].data as never).length;
    expect(new DataView(raw.bytes.buffer, raw.bytes.byteOffset).getBigUint64(0, true)).toBe(BigInt(4 + capellaLen));
    expect(raw.bytes.subarray(8, 12)).toEqual(CAPELLA_DIGEST);
    const digests = new Map([
      [toHex(CAPELLA_DIGEST), "capella" as const],
      [toHex(ELECTRA_DIGEST), "electra" as const],
    ]);
    const decoded = decodeLightClientUpdatesSsz(raw.bytes, (d) => digests.get(d));
    expect(decoded.map((u) => u.version)).toEqual(["capella", "electra"]);
    expect(decoded.map((u) => u.data)).toEqual(json.map((u) => u.data));
    expect(() => decodeLightClientUpdatesSsz(raw.bytes.subarray(0, 20), (d) => digests.get(d))).toThrow(
      /response_chunk/,
    );
    expect(() => decodeLightClientUpdatesSsz(raw.bytes, () => undefined)).toThrow(/unknown fork digest/);
  });

  it("finality and optimistic updates, JSON and SSZ", async () => {
    const fin = await roundTrip(h, "getLightClientFinalityUpdate", undefined);
    expect(fin.version).toBe("deneb");
    await roundTrip(h, "getLightClientFinalityUpdate", undefined, {responseFormat: "ssz"});
    const opt = await roundTrip(h, "getLightClientOptimisticUpdate", undefined);
    expect(opt.version).toBe("altair");
    await roundTrip(h, "getLightClientOptimisticUpdate", undefined, {responseFormat: "ssz"});
    await rawChecked(h, 200, "GET", "/eth/v1/beacon/light_client/finality_update");
    const raw = await rawChecked(h, 200, "GET", "/eth/v1/beacon/light_client/optimistic_update", {
      headers: {Accept: "application/octet-stream"},
    });
    expect(raw.headers.get("eth-consensus-version")).toBe("altair");
    expect(ssz.altair.LightClientOptimisticUpdate.deserialize(raw.bytes)).toEqual(opt.data);
  });
});

describe("rewards routes", () => {
  it("getBlockRewards", async () => {
    const res = await roundTrip(h, "getBlockRewards", {blockId: "head"});
    expect(res.data.total).toBe(123_456);
    await rawChecked(h, 200, "GET", "/eth/v1/beacon/rewards/blocks/head");
  });

  it("getAttestationsRewards with negative amounts", async () => {
    const res = await roundTrip(h, "getAttestationsRewards", {epoch: 0, validatorIds: [0, 1]});
    expect(res.data.totalRewards[0].head).toBe(-1_000);
    await roundTrip(h, "getAttestationsRewards", {epoch: 1});
    const raw = await rawChecked(h, 200, "POST", "/eth/v1/beacon/rewards/attestations/0", {body: ["3"]});
    expect((raw.json as {data: {total_rewards: {head: string}[]}}).data.total_rewards[0].head).toBe("-1000");
  });

  it("getSyncCommitteeRewards", async () => {
    const res = await roundTrip(h, "getSyncCommitteeRewards", {blockId: "head", validatorIds: [0]});
    expect(res.data).toEqual([{validatorIndex: 0, reward: -500}]);
    await roundTrip(h, "getSyncCommitteeRewards", {blockId: 1});
    await rawChecked(h, 200, "POST", "/eth/v1/beacon/rewards/sync_committee/head", {body: ["0", "1"]});
  });
});
