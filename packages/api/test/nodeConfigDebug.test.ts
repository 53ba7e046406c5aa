import {ssz} from "@ceibo/types";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {DataColumnSidecars} from "../src/index.ts";
import {testChain} from "./backend.ts";
import {type Harness, rawChecked, roundTrip, startHarness} from "./harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe("node routes", () => {
  it("identity, version, syncing, peer count", async () => {
    const id = await roundTrip(h, "getNetworkIdentity", undefined);
    expect(id.data.metadata.seqNumber).toBe(3n);
    expect(id.data.metadata.custodyGroupCount).toBe(4);
    await roundTrip(h, "getNodeVersion", undefined);
    await roundTrip(h, "getSyncingStatus", undefined);
    const count = await roundTrip(h, "getPeerCount", undefined);
    expect(count.data.connected).toBe(1);
    for (const path of ["identity", "version", "syncing", "peer_count"])
      await rawChecked(h, 200, "GET", `/eth/v1/node/${path}`);
  });

  it("peers with state/direction filters, and one peer", async () => {
    const all = await roundTrip(h, "getPeers", {});
    expect(all.meta.count).toBe(2);
    const filtered = await roundTrip(h, "getPeers", {state: ["connected"], direction: ["inbound", "outbound"]});
    expect(filtered.data.map((p) => p.peerId)).toEqual(["16Uiu2HAm1"]);
    const raw = await rawChecked(h, 200, "GET", "/eth/v1/node/peers?state=disconnected&direction=outbound");
    expect(raw.json).toEqual({
      data: [
        {
          peer_id: "16Uiu2HAm2",
          enr: "enr:-abc",
          last_seen_p2p_address: "/ip4/127.0.0.1/tcp/9002",
          state: "disconnected",
          direction: "outbound",
        },
      ],
      meta: {count: 1},
    });
    await roundTrip(h, "getPeer", {peerId: "16Uiu2HAm1"});
    await rawChecked(h, 200, "GET", "/eth/v1/node/peers/16Uiu2HAm1");
  });

  it("health: 200 ready, 206 or syncing_status when syncing", async () => {
    expect(await roundTrip(h, "getHealth", {})).toBe("ready");
    expect(await roundTrip(h, "getHealth", {syncingStatus: 206})).toBe("syncing");
    // Any status the caller asks for while syncing (the spec lists only 206 as an example of it).
    expect(await h.client.getHealth({syncingStatus: 299})).toBe("syncing");
    expect((await fetch(`${h.baseUrl}/eth/v1/node/health?syncing_status=299`)).status).toBe(299);
    await rawChecked(h, 200, "GET", "/eth/v1/node/health");
    const r = await rawChecked(h, 206, "GET", "/eth/v1/node/health?syncing_status=206");
    expect(r.bytes.length).toBe(0);
  });
});

describe("config routes", () => {
  it("spec, fork schedule, deposit contract", async () => {
    const spec = await roundTrip(h, "getSpec", undefined);
    expect(spec.data.SLOTS_PER_EPOCH).toBe("32");
    const schedule = await roundTrip(h, "getForkSchedule", undefined);
    expect(schedule.data.length).toBe(7);
    const dc = await roundTrip(h, "getDepositContract", undefined);
    expect(dc.data.chainId).toBe(1337);
    for (const path of ["spec", "fork_schedule", "deposit_contract"])
      await rawChecked(h, 200, "GET", `/eth/v1/config/${path}`);
  });
});

describe("debug routes", () => {
  it("getStateV2 in JSON and SSZ: the bytes are the state, whose root is the state root", async () => {
    const json = await roundTrip(h, "getStateV2", {stateId: "head"});
    expect(Buffer.compare(json.data, testChain().stateBytes)).toBe(0);
    const bin = await roundTrip(h, "getStateV2", {stateId: "head"}, {responseFormat: "ssz"});
    expect(ssz.fulu.BeaconState.deserializeToViewDU(bin.data).hashTreeRoot()).toEqual(testChain().stateRoot);
    const raw = await rawChecked(h, 200, "GET", "/eth/v2/debug/beacon/states/finalized", {
      headers: {Accept: "application/octet-stream"},
    });
    expect(raw.headers.get("eth-consensus-version")).toBe("fulu");
    expect(Buffer.compare(raw.bytes, testChain().stateBytes)).toBe(0);
    const rawJson = await rawChecked(h, 200, "GET", "/eth/v2/debug/beacon/states/head");
    expect((rawJson.json as {data: {slot: string}}).data.slot).toBe("0");
  });

  it("heads and fork choice", async () => {
    await roundTrip(h, "getDebugChainHeadsV2", undefined);
    const fc = await roundTrip(h, "getDebugForkChoice", undefined);
    expect(fc.forkChoiceNodes[0].weight).toBe(64n * 32_000_000_000n * 5000n);
    const raw = await rawChecked(h, 200, "GET", "/eth/v1/debug/fork_choice");
    expect((raw.json as {fork_choice_nodes: {weight: string}[]}).fork_choice_nodes[0].weight).toBe("10240000000000000");
    await rawChecked(h, 200, "GET", "/eth/v2/debug/beacon/heads");
  });

  it("getDebugDataColumnSidecars, JSON and SSZ", async () => {
    const json = await roundTrip(h, "getDebugDataColumnSidecars", {blockId: "head", indices: [0, 5]});
    const bin = await roundTrip(h, "getDebugDataColumnSidecars", {blockId: "head"}, {responseFormat: "ssz"});
    expect(bin.data).toEqual(json.data);
    const raw = await rawChecked(h, 200, "GET", "/eth/v1/debug/beacon/data_column_sidecars/head?indices=1", {
      headers: {Accept: "application/octet-stream"},
    });
    expect(DataColumnSidecars.deserialize(raw.bytes)).toEqual(json.data);
  });
});
