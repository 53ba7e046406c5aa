import {ssz} from "@ceibo/types";
import {toHex} from "@ceibo/utils";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {ValidatorIdentities} from "../src/index.ts";
import {testChain} from "./backend.ts";
import {type Harness, rawChecked, roundTrip, startHarness} from "./harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const pubkeyHex = (i: number) => toHex(testChain().cs.epochCtx.pubkeyCache.getPubkeyBytes(i)) as `0x${string}`;

describe("beacon state routes", () => {
  it("getGenesis", async () => {
    const res = await roundTrip(h, "getGenesis", undefined);
    expect(res.data.genesisTime).toBe(1_700_000_000);
    expect(res.data.genesisValidatorsRoot).toEqual(testChain().state.genesisValidatorsRoot);
    const raw = await rawChecked(h, 200, "GET", "/eth/v1/beacon/genesis");
    expect((raw.json as {data: {genesis_time: string}}).data.genesis_time).toBe("1700000000");
  });

  it("getStateRoot by name, slot and root", async () => {
    const byName = await roundTrip(h, "getStateRoot", {stateId: "head"});
    expect(byName.data.root).toEqual(testChain().stateRoot);
    await roundTrip(h, "getStateRoot", {stateId: 0});
    await roundTrip(h, "getStateRoot", {stateId: toHex(testChain().stateRoot) as `0x${string}`});
    const raw = await rawChecked(
      h,
      200,
      "GET",
      `/eth/v1/beacon/states/${toHex(testChain().stateRoot).toUpperCase().replace("0X", "0x")}/root`,
    );
    expect((raw.json as {data: {root: string}}).data.root).toBe(toHex(testChain().stateRoot));
  });

  it("getStateFork and getStateFinalityCheckpoints", async () => {
    const fork = await roundTrip(h, "getStateFork", {stateId: "finalized"});
    expect(fork.data.currentVersion).toEqual(testChain().config.FULU_FORK_VERSION);
    await roundTrip(h, "getStateFinalityCheckpoints", {stateId: "justified"});
    await rawChecked(h, 200, "GET", "/eth/v1/beacon/states/head/fork");
    await rawChecked(h, 200, "GET", "/eth/v1/beacon/states/genesis/finality_checkpoints");
  });

  it("getStateValidators with ids (index and pubkey) and status filters", async () => {
    const res = await roundTrip(h, "getStateValidators", {
      stateId: "head",
      validatorIds: [0, pubkeyHex(5)],
      statuses: ["active"],
    });
    expect(res.data.map((v) => v.index)).toEqual([0, 5]);
    expect(res.data[0].status).toBe("active_ongoing");
    expect(res.data[0].validator.exitEpoch).toBe(Number.POSITIVE_INFINITY);
    const all = await roundTrip(h, "getStateValidators", {stateId: "head"});
    expect(all.data.length).toBe(64);
    // Both array styles of the query string.
    const raw = await rawChecked(
      h,
      200,
      "GET",
      "/eth/v1/beacon/states/head/validators?id=1,2&id=3&status=active_ongoing",
    );
    const data = (raw.json as {data: {index: string; validator: {exit_epoch: string}}[]}).data;
    expect(data.map((v) => v.index)).toEqual(["1", "2", "3"]);
    expect(data[0].validator.exit_epoch).toBe("18446744073709551615");
    expect(h.calls.getStateValidators.at(-1)).toEqual({
      stateId: "head",
      validatorIds: [1, 2, 3],
      statuses: ["active_ongoing"],
    });
  });

  it("postStateValidators", async () => {
    const res = await roundTrip(h, "postStateValidators", {
      stateId: "head",
      validatorIds: [1, 2],
      statuses: ["active_ongoing"],
    });
    expect(res.data.map((v) => v.index)).toEqual([1, 2]);
    await roundTrip(h, "postStateValidators", {stateId: "head"});
    await rawChecked(h, 200, "POST", "/eth/v1/beacon/states/head/validators", {
      body: {ids: ["7", pubkeyHex(8)], statuses: ["active"]},
    });
    expect(h.calls.postStateValidators.at(-1)).toEqual({
      stateId: "head",
      validatorIds: [7, pubkeyHex(8)],
      statuses: ["active"],
    });
  });

  it("getStateValidator", async () => {
    const res = await roundTrip(h, "getStateValidator", {stateId: "head", validatorId: pubkeyHex(3)});
    expect(res.data.index).toBe(3);
    await rawChecked(h, 200, "GET", "/eth/v1/beacon/states/head/validators/3");
  });

  it("getStateValidatorBalances and postStateValidatorBalances", async () => {
    const res = await roundTrip(h, "getStateValidatorBalances", {stateId: "head", validatorIds: [0, 1, 2]});
    expect(res.data).toEqual([0, 1, 2].map((index) => ({index, balance: 32_000_000_000})));
    await roundTrip(h, "postStateValidatorBalances", {stateId: "head", validatorIds: [pubkeyHex(4), 9]});
    await roundTrip(h, "postStateValidatorBalances", {stateId: "head"});
    await rawChecked(h, 200, "GET", "/eth/v1/beacon/states/head/validator_balances?id=1");
    const raw = await rawChecked(h, 200, "POST", "/eth/v1/beacon/states/head/validator_balances", {body: ["1", "2"]});
    expect((raw.json as {data: unknown[]}).data).toEqual([
      {index: "1", balance: "32000000000"},
      {index: "2", balance: "32000000000"},
    ]);
  });

  it("postStateValidatorIdentities in JSON and SSZ", async () => {
    const res = await roundTrip(h, "postStateValidatorIdentities", {stateId: "head", validatorIds: [0, 1]});
    expect(res.data[1].pubkey).toEqual(testChain().cs.epochCtx.pubkeyCache.getPubkeyBytes(1));
    const ssz1 = await roundTrip(
      h,
      "postStateValidatorIdentities",
      {stateId: "head", validatorIds: [2]},
      {responseFormat: "ssz"},
    );
    expect(ssz1.data[0].index).toBe(2);
    const raw = await rawChecked(h, 200, "POST", "/eth/v1/beacon/states/head/validator_identities", {
      body: ["3"],
      headers: {Accept: "application/octet-stream"},
    });
    expect(raw.headers.get("content-type")).toBe("application/octet-stream");
    expect(ValidatorIdentities.deserialize(raw.bytes)[0].index).toBe(3);
  });

  it("getEpochCommittees", async () => {
    const res = await roundTrip(h, "getEpochCommittees", {stateId: "head", epoch: 0, slot: 3});
    expect(res.data.length).toBe(1);
    expect(Array.from(res.data[0].validators)).toEqual(Array.from(testChain().cs.epochCtx.getBeaconCommittee(3, 0)));
    await roundTrip(h, "getEpochCommittees", {stateId: "head"});
    await rawChecked(h, 200, "GET", "/eth/v1/beacon/states/head/committees?epoch=0&index=0&slot=1");
  });

  it("getEpochSyncCommittees", async () => {
    const res = await roundTrip(h, "getEpochSyncCommittees", {stateId: "head"});
    expect(res.data.validators.length).toBe(512);
    expect(res.data.validatorAggregates.length).toBe(4);
    await rawChecked(h, 200, "GET", "/eth/v1/beacon/states/head/sync_committees?epoch=0");
  });

  it("getStateRandao", async () => {
    const res = await roundTrip(h, "getStateRandao", {stateId: "head", epoch: 0});
    expect(res.data.randao).toEqual(testChain().state.randaoMixes.get(0));
    await rawChecked(h, 200, "GET", "/eth/v1/beacon/states/head/randao");
  });

  it("pending deposits, partial withdrawals, consolidations and the proposer lookahead, JSON and SSZ", async () => {
    for (const id of [
      "getPendingDeposits",
      "getPendingPartialWithdrawals",
      "getPendingConsolidations",
      "getProposerLookahead",
    ] as const) {
      const json = await roundTrip(h, id, {stateId: "head"});
      expect(json.version).toBe("fulu");
      const bin = await roundTrip(h, id, {stateId: "head"}, {responseFormat: "ssz"});
      expect(bin.data).toEqual(json.data);
    }
    const raw = await rawChecked(h, 200, "GET", "/eth/v1/beacon/states/head/proposer_lookahead", {
      headers: {Accept: "application/octet-stream"},
    });
    expect(raw.headers.get("eth-consensus-version")).toBe("fulu");
    expect(ssz.fulu.ProposerLookahead.deserialize(raw.bytes)).toEqual(testChain().state.proposerLookahead.getAll());
    await rawChecked(h, 200, "GET", "/eth/v1/beacon/states/head/pending_deposits");
    await rawChecked(h, 200, "GET", "/eth/v1/beacon/states/head/pending_partial_withdrawals");
    await rawChecked(h, 200, "GET", "/eth/v1/beacon/states/head/pending_consolidations");
  });
});
