import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {
  ExecutionEngineHttp,
  type ExecutionPayload,
  JsonRpcHttpClient,
  type PayloadAttributes,
} from "../src/execution/index.ts";
import {forkTimesFromGenesis, MockEngineServer} from "../src/execution/mock/index.ts";

// fault injection of the mock engine (issue 14 faults): payloads at chosen timestamps are INVALID
const secret = new Uint8Array(32).fill(9);
const ZERO = new Uint8Array(32);
const extras = (a: PayloadAttributes) => ({
  versionedHashes: [],
  parentBeaconBlockRoot: a.parentBeaconBlockRoot,
  executionRequests: {deposits: [], withdrawals: [], consolidations: []},
});

describe("mock engine: INVALID payloads by timestamp", () => {
  let server: MockEngineServer;
  let engine: ExecutionEngineHttp;
  let rpc: JsonRpcHttpClient;

  beforeAll(async () => {
    server = new MockEngineServer({
      jwtSecret: secret,
      forkTimes: forkTimesFromGenesis("fulu"),
      invalidTimestamps: [24],
    });
    const url = await server.start();
    engine = new ExecutionEngineHttp({url, jwtSecret: secret});
    rpc = new JsonRpcHttpClient({url, jwtSecret: secret});
  });
  afterAll(() => server.close());

  /** A payload the mock builds on `parent` at `timestamp` (built payloads are not imported until newPayload). */
  async function build(parent: Uint8Array, timestamp: number): Promise<[ExecutionPayload, PayloadAttributes]> {
    const a: PayloadAttributes = {
      timestamp,
      prevRandao: new Uint8Array(32).fill(timestamp),
      suggestedFeeRecipient: new Uint8Array(20).fill(1),
      withdrawals: [],
      parentBeaconBlockRoot: new Uint8Array(32).fill(timestamp),
    };
    const fcu = await engine.notifyForkchoiceUpdated(
      "fulu",
      {headBlockHash: parent, safeBlockHash: parent, finalizedBlockHash: ZERO},
      a,
    );
    return [(await engine.getPayload("fulu", fcu.payloadId as string)).executionPayload, a];
  }

  it("answers INVALID (latestValidHash = parent) for a marked timestamp and VALID otherwise", async () => {
    const [p1, a1] = await build(server.engine.genesis.hash, 12);
    expect((await engine.notifyNewPayload("fulu", p1, extras(a1))).status).toBe("VALID");
    const [p2, a2] = await build(p1.blockHash, 24);
    const s2 = await engine.notifyNewPayload("fulu", p2, extras(a2));
    expect(s2.status).toBe("INVALID");
    expect(s2.latestValidHash).toEqual(p1.blockHash);
    expect(s2.validationError).toMatch(/timestamp 24/);
  });

  it("takes more timestamps at runtime (mock_addInvalidPayloadTimestamps) and refuses a bad one", async () => {
    expect(await rpc.request("mock_addInvalidPayloadTimestamps", [[36]], 5000)).toEqual([24, 36]);
    const [p1, a1] = await build(server.engine.genesis.hash, 36);
    expect((await engine.notifyNewPayload("fulu", p1, extras(a1))).status).toBe("INVALID");
    await expect(rpc.request("mock_addInvalidPayloadTimestamps", [["soon"]], 5000)).rejects.toThrow(/timestamp/);
  });
});
