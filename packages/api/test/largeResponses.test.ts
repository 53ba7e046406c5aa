/**
 * A JSON answer with a long `data` list (every validator of a mainnet-sized registry) is encoded and written in
 * chunks, yielding to the event loop between them, so one request does not hold the loop for seconds: the number
 * of event-loop turns other work gets while the request is served is counted (load-independent), and the body
 * must equal the unchunked encoding. The server is real (fastify on 127.0.0.1, any free port); its backend
 * answers postStateValidators with a synthetic list.
 */
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {type BeaconApiBackend, beaconApiRoutes, createBeaconApiServer} from "../src/index.ts";

const N = 60_000;
const validator = {
  pubkey: new Uint8Array(48).fill(0xaa),
  withdrawalCredentials: new Uint8Array(32).fill(0x01),
  effectiveBalance: 32_000_000_000,
  slashed: false,
  activationEligibilityEpoch: 0,
  activationEpoch: 0,
  exitEpoch: Number.POSITIVE_INFINITY,
  withdrawableEpoch: Number.POSITIVE_INFINITY,
};
const data = Array.from({length: N}, (_, i) => ({
  index: i,
  balance: 32_000_000_000 + i,
  status: "active_ongoing" as const,
  validator,
}));
let turns = 0;
let turnsAtHandler = -1;
const backend = {
  postStateValidators: async () => {
    turnsAtHandler = turns;
    return {data, executionOptimistic: false, finalized: true};
  },
} as unknown as BeaconApiBackend;
const app = createBeaconApiServer(backend, {exclude: (id) => id !== "postStateValidators"});
let url: string;
beforeAll(async () => {
  url = await app.listen({host: "127.0.0.1", port: 0});
});
afterAll(() => app.close());

describe("large JSON answers", () => {
  it(`${N} validators: served in chunks (the event loop keeps turning), same JSON as one piece`, async () => {
    let running = true;
    const spin = (): void => {
      turns++;
      if (running) setImmediate(spin);
    };
    const res = await new Promise<Response>((resolve, reject) => {
      fetch(`${url}/eth/v1/beacon/states/head/validators`, {
        method: "POST",
        headers: {"content-type": "application/json"},
        body: "{}",
      }).then(resolve, reject);
      setImmediate(spin);
    });
    // from the handler's answer to the response headers: the server encodes the list (nothing else is sent yet)
    const turnsWhileEncoding = turns - turnsAtHandler;
    const text = await res.text();
    running = false;
    expect(res.status).toBe(200);
    const expected = beaconApiRoutes.postStateValidators.resp.encode(
      {data, executionOptimistic: false, finalized: true} as never,
      {} as never,
      "json",
    ).json;
    expect(JSON.parse(text)).toEqual(expected);
    console.log(`event-loop turns while encoding ${N} validators: ${turnsWhileEncoding}`);
    // one piece would give the loop a handful of turns; chunks of at most 2000 items give it one between chunks
    expect(turnsAtHandler).toBeGreaterThanOrEqual(0);
    expect(turnsWhileEncoding).toBeGreaterThanOrEqual(N / 2000 - 1);
  });
});
