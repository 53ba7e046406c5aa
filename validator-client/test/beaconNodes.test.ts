import {ApiClientError} from "@ceibo/api";
import {createDevChainConfig} from "@ceibo/config";
import {afterEach, describe, expect, it} from "vitest";
import {BeaconNodes, silentLogger, ValidatorClientError} from "../src/index.ts";
import {TestChain} from "./utils/testChain.ts";

const config = createDevChainConfig({preset: "mainnet"});
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function node(opts: {syncing?: boolean} = {}): Promise<{chain: TestChain; url: string}> {
  const chain = new TestChain({config, validatorCount: 8, genesisTime: 1_700_000_000, ...opts});
  const {url, server} = await chain.serve();
  closers.push(() => server.close());
  return {chain, url};
}

describe("beacon node fallback", () => {
  it("uses the first node while it is healthy", async () => {
    const a = await node();
    const b = await node();
    const nodes = new BeaconNodes([a.url, b.url], {log: silentLogger});
    await nodes.checkHealth();
    await nodes.api.postStateValidators({stateId: "head", validatorIds: [1]});
    expect(a.chain.calls.postStateValidators).toHaveLength(1);
    expect(b.chain.calls.postStateValidators).toBeUndefined();
  });

  it("falls back to the next node when the first is down, and returns to it when it is back", async () => {
    const a = await node();
    const b = await node();
    const {url: deadUrl, server} = await new TestChain({config, validatorCount: 1, genesisTime: 0}).serve();
    await server.close();
    const nodes = new BeaconNodes([deadUrl, b.url], {log: silentLogger});
    const res = await nodes.api.postStateValidators({stateId: "head", validatorIds: [2]});
    expect(res.data.map((v) => v.index)).toEqual([2]);
    expect(b.chain.calls.postStateValidators).toHaveLength(1);
    expect(nodes.statuses()).toEqual([
      {url: deadUrl, status: "down"},
      {url: b.url, status: "ok"},
    ]);
    // a first node that failed is preferred again once a health check sees it answer
    a.chain.failing.add("postStateValidators");
    const nodes2 = new BeaconNodes([a.url, b.url], {log: silentLogger});
    await nodes2.api.postStateValidators({stateId: "head", validatorIds: [3]});
    expect(nodes2.statuses().map((s) => s.status)).toEqual(["down", "ok"]);
    expect(b.chain.calls.postStateValidators).toHaveLength(2);
    a.chain.failing.clear();
    await nodes2.checkHealth();
    expect(nodes2.statuses().map((s) => s.status)).toEqual(["ok", "ok"]);
    await nodes2.api.postStateValidators({stateId: "head", validatorIds: [3]});
    expect(a.chain.calls.postStateValidators).toHaveLength(2);
    expect(b.chain.calls.postStateValidators).toHaveLength(2);
  });

  it("prefers a synced node over a syncing one (health check), and retries elsewhere on 5xx", async () => {
    const a = await node({syncing: true});
    const b = await node();
    const nodes = new BeaconNodes([a.url, b.url], {log: silentLogger});
    await nodes.checkHealth();
    expect(nodes.statuses().map((s) => s.status)).toEqual(["syncing", "ok"]);
    await nodes.api.getAttesterDuties({epoch: 0, indices: [0, 1]});
    expect(b.chain.calls.getAttesterDuties).toHaveLength(1);
    expect(a.chain.calls.getAttesterDuties).toBeUndefined();
    // the first node fails a call with 500: the call is answered by the next, the first marked down
    const c = await node();
    const d = await node();
    c.chain.failing.add("postStateValidators");
    const nodes3 = new BeaconNodes([c.url, d.url], {log: silentLogger});
    const res = await nodes3.api.postStateValidators({stateId: "head", validatorIds: [4]});
    expect(res.data.map((v) => v.index)).toEqual([4]);
    expect(c.chain.calls.postStateValidators).toHaveLength(1);
    expect(d.chain.calls.postStateValidators).toHaveLength(1);
    expect(nodes3.statuses().map((s) => s.status)).toEqual(["down", "ok"]);
    // every node failing: a typed error naming the operation
    d.chain.failing.add("postStateValidators");
    const err = await nodes3.api.postStateValidators({stateId: "head", validatorIds: [4]}).catch((e) => e);
    expect(err).toBeInstanceOf(ValidatorClientError);
    expect(err.code).toBe("NO_BEACON_NODE");
    expect(err.message).toMatch(/postStateValidators/);
  });

  it("does not retry a request the node rejected as bad (4xx)", async () => {
    const a = await node();
    const b = await node();
    const nodes = new BeaconNodes([a.url, b.url], {log: silentLogger});
    const err = await nodes.api.produceBlockV3({slot: 0, randaoReveal: new Uint8Array(96)}).catch((e) => e);
    expect(err).toBeInstanceOf(ApiClientError);
    expect(err.status).toBe(400);
    expect(a.chain.calls.produceBlockV3).toHaveLength(1);
    expect(b.chain.calls.produceBlockV3).toBeUndefined();
  });
});
