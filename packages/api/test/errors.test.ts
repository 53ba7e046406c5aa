import {ssz} from "@ceibo/types";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {ApiClientError} from "../src/index.ts";
import {type Harness, rawCall, rawChecked, startHarness} from "./harness.ts";
import {validate} from "./openapi.ts";
import {components} from "./openapiComponents.ts";
import {sample} from "./sample.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const message = (r: {json?: unknown}) => (r.json as {message: string}).message;

describe("400: malformed input says what was wrong", () => {
  it("path parameters", async () => {
    const cases: [string, RegExp][] = [
      ["/eth/v1/beacon/states/current/root", /path parameter state_id: invalid state ID "current"/],
      ["/eth/v1/beacon/states/0x1234/root", /state_id: invalid state ID "0x1234"/],
      ["/eth/v1/beacon/states/-1/root", /state_id/],
      ["/eth/v1/beacon/states/head/validators/abc", /path parameter validator_id: invalid validator ID "abc"/],
      ["/eth/v2/beacon/blocks/justified", /block_id: invalid block ID "justified"/],
      ["/eth/v1/validator/duties/proposer/1.5", /path parameter epoch: invalid unsigned integer "1.5"/],
      ["/eth/v1/validator/duties/proposer/99999999999999999999", /epoch: 99999999999999999999 is out of range/],
    ];
    for (const [path, re] of cases) {
      const r = await rawChecked(h, 400, "GET", path);
      expect(r.json).toEqual({code: 400, message: expect.stringMatching(re)});
    }
  });

  it("query parameters", async () => {
    const cases: [string, RegExp][] = [
      ["/eth/v1/beacon/states/head/committees?epoch=x", /query parameter epoch: invalid unsigned integer "x"/],
      ["/eth/v1/beacon/states/head/committees?epoch=1&epoch=2", /query parameter epoch: given more than once/],
      ["/eth/v1/beacon/states/head/validators?status=sleeping", /query parameter status: invalid value "sleeping"/],
      ["/eth/v1/beacon/states/head/validators?id=0x12", /query parameter id: invalid validator ID "0x12"/],
      ["/eth/v1/validator/attestation_data?slot=1", /query parameter committee_index: missing/],
      ["/eth/v3/validator/blocks/1?randao_reveal=0x1234", /randao_reveal: expected 0x-prefixed hex of 96 bytes/],
      [`/eth/v3/validator/blocks/1?randao_reveal=0x${"zz".repeat(96)}`, /randao_reveal/],
      [
        `/eth/v3/validator/blocks/1?randao_reveal=0x${"00".repeat(96)}&builder_boost_factor=18446744073709551616`,
        /builder_boost_factor: 18446744073709551616 exceeds uint64/,
      ],
      [
        `/eth/v3/validator/blocks/1?randao_reveal=0x${"00".repeat(96)}&skip_randao_verification=yes`,
        /skip_randao_verification: must have an empty value/,
      ],
      ["/eth/v1/node/health?syncing_status=99", /syncing_status: 99 is not within \[100, 599\]/],
    ];
    for (const [path, re] of cases) {
      const r = await rawChecked(h, 400, "GET", path);
      expect(message(r), path).toMatch(re);
    }
    // The spec lists no 400 for getPeers; a bad filter is still malformed input, answered with an ErrorMessage.
    const r = await rawCall(h, "GET", "/eth/v1/node/peers?state=sleepy");
    expect(r.status).toBe(400);
    expect(validate(components("ErrorMessage"), r.json)).toBeUndefined();
    expect(message(r)).toMatch(/query parameter state: invalid value "sleepy", expected one of disconnected/);
  });

  it("414 for more than 64 validator ids in the query", async () => {
    const ids = Array.from({length: 65}, (_, i) => i).join(",");
    const r = await rawChecked(h, 414, "GET", `/eth/v1/beacon/states/head/validators?id=${ids}`);
    expect(message(r)).toMatch(/Too many values for query parameter id: 65 > 64/);
  });

  it("bodies: bad JSON, wrong shapes, bad values, name the path", async () => {
    const cases: [string, unknown, RegExp][] = [
      ["/eth/v1/validator/duties/attester/0", "[1,", /Invalid request body/],
      ["/eth/v1/validator/duties/attester/0", {}, /request body: expected an array, got an object/],
      ["/eth/v1/validator/duties/attester/0", [], /request body: expected at least 1 items, got 0/],
      ["/eth/v1/validator/duties/attester/0", [1], /request body \[0\]: expected a decimal string, got number 1/],
      ["/eth/v1/validator/duties/attester/0", ["-1"], /request body \[0\]: invalid unsigned integer "-1"/],
      ["/eth/v1/validator/liveness/0", ["18446744073709551616"], /\[0\]: 18446744073709551616 exceeds uint64/],
      [
        "/eth/v1/beacon/pool/voluntary_exits",
        {message: {epoch: "1"}, signature: "0x00"},
        /message.validator_index: missing field/,
      ],
      [
        "/eth/v1/beacon/pool/voluntary_exits",
        {message: {epoch: "1", validator_index: "2"}, signature: `0x${"zz".repeat(96)}`},
        /request body signature: invalid hex/,
      ],
      [
        "/eth/v1/beacon/pool/voluntary_exits",
        {message: {epoch: "1", validator_index: "2"}, signature: "0x00"},
        /request body signature: expected 96 bytes, got 1/,
      ],
      [
        "/eth/v1/validator/prepare_beacon_proposer",
        [{validator_index: "1", fee_recipient: "0x12"}],
        /\[0\].fee_recipient: expected 20 bytes, got 1/,
      ],
      ["/eth/v1/beacon/states/head/validators", {ids: "1"}, /request body field ids: expected an array/],
      ["/eth/v1/beacon/states/head/validators", {statuses: ["zombie"]}, /statuses\[0\]: expected one of/],
    ];
    for (const [path, body, re] of cases) {
      const r = await rawChecked(h, 400, "POST", path, {body});
      expect(message(r), `${path} ${JSON.stringify(body)}`).toMatch(re);
    }
  });

  it("fork-dependent bodies: the header must name a fork and the body must be of that fork", async () => {
    const block = sample(ssz.deneb.SignedBlockContents, 1, 1);
    let r = await rawChecked(h, 400, "POST", "/eth/v2/beacon/blocks", {
      headers: {"Eth-Consensus-Version": "gloas"},
      body: ssz.deneb.SignedBlockContents.toJson(block),
    });
    expect(message(r)).toMatch(/header Eth-Consensus-Version: unknown fork "gloas"/);
    r = await rawChecked(h, 400, "POST", "/eth/v2/beacon/blocks", {
      headers: {"Eth-Consensus-Version": "electra"},
      body: ssz.deneb.SignedBlockContents.toJson(block),
    });
    expect(message(r)).toMatch(
      /request body signed_block.message.body.attestations\[0\].committee_bits: missing field/,
    );
    // SSZ: no slot to infer the fork from, the header is needed.
    r = await rawChecked(h, 400, "POST", "/eth/v2/beacon/blocks", {
      body: ssz.deneb.SignedBlockContents.serialize(block),
    });
    expect(message(r)).toMatch(/header Eth-Consensus-Version: missing/);
    r = await rawChecked(h, 400, "POST", "/eth/v2/beacon/blocks", {
      headers: {"Eth-Consensus-Version": "deneb"},
      body: new Uint8Array(10),
    });
    expect(message(r)).toMatch(/request body: invalid SSZ SignedBlockContents/);
    r = await rawChecked(h, 400, "POST", "/eth/v2/beacon/blocks", {headers: {"Eth-Consensus-Version": "deneb"}});
    expect(message(r)).toMatch(/request body: missing/);
  });
});

describe("404 and 500", () => {
  it("unknown state, block, validator, peer and route are 404", async () => {
    const root = `0x${"ab".repeat(32)}`;
    expect(message(await rawChecked(h, 404, "GET", `/eth/v1/beacon/states/${root}/root`))).toBe(
      `State not found: ${root}`,
    );
    expect(message(await rawChecked(h, 404, "GET", "/eth/v1/beacon/states/12345/fork"))).toBe("State not found: 12345");
    expect(message(await rawChecked(h, 404, "GET", `/eth/v2/beacon/blocks/${root}`))).toBe(`Block not found: ${root}`);
    expect(message(await rawChecked(h, 404, "GET", "/eth/v1/beacon/states/head/validators/1000"))).toBe(
      "Validator not found: 1000",
    );
    expect(message(await rawChecked(h, 404, "GET", "/eth/v1/node/peers/nobody"))).toBe("Peer not found: nobody");
    const r = await fetch(`${h.baseUrl}/eth/v1/no/such/route`);
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({code: 404, message: "Route GET /eth/v1/no/such/route not found"});
  });

  it("a backend failure is a 500 with its message", async () => {
    const r = await rawChecked(h, 500, "GET", "/eth/v1/node/peers/crash");
    expect(r.json).toEqual({code: 500, message: "peer table exploded"});
    const err = await h.client.getPeer({peerId: "crash"}).catch((e: unknown) => e);
    expect(err).toMatchObject({code: "HTTP_ERROR", status: 500, serverMessage: "peer table exploded"});
  });

  it("the client reports a 404 as a typed error", async () => {
    const err = await h.client.getStateRoot({stateId: 99}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiClientError);
    expect(err).toMatchObject({
      code: "HTTP_ERROR",
      status: 404,
      serverMessage: "State not found: 99",
      operationId: "getStateRoot",
    });
  });
});

describe("content negotiation", () => {
  it("415 for a body type the route does not take", async () => {
    const exit = ssz.phase0.SignedVoluntaryExit.toJson(sample(ssz.phase0.SignedVoluntaryExit, 1));
    let r = await rawChecked(h, 415, "POST", "/eth/v1/beacon/pool/voluntary_exits", {
      headers: {"Content-Type": "text/plain"},
      body: JSON.stringify(exit),
    });
    expect(r.json).toMatchObject({code: 415});
    r = await rawChecked(h, 415, "POST", "/eth/v1/beacon/pool/voluntary_exits", {
      body: ssz.phase0.SignedVoluntaryExit.serialize(sample(ssz.phase0.SignedVoluntaryExit, 1)),
    });
    expect(message(r)).toMatch(/does not accept an SSZ/);
  });

  it("406 when no accepted type can be produced; JSON for */* and by default", async () => {
    let r = await rawChecked(h, 406, "GET", "/eth/v1/beacon/genesis", {headers: {Accept: "application/octet-stream"}});
    expect(message(r)).toMatch(/Cannot produce any of the accepted media types/);
    r = await rawChecked(h, 406, "GET", "/eth/v2/beacon/blocks/head", {headers: {Accept: "text/html"}});
    r = await rawChecked(h, 200, "GET", "/eth/v2/beacon/blocks/head", {headers: {Accept: "*/*"}});
    expect(r.headers.get("content-type")).toMatch(/^application\/json/);
    r = await rawChecked(h, 200, "GET", "/eth/v2/beacon/blocks/head", {
      headers: {Accept: "application/json;q=0.5, application/octet-stream;q=0.9"},
    });
    expect(r.headers.get("content-type")).toBe("application/octet-stream");
  });
});
