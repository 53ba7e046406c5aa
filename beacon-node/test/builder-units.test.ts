/**
 * The builder client's parts: process_bid (builder-specs bellatrix validator.md "Bid processing"), the circuit
 * breaker's missed-slot count, and the HTTP client against a real local server (timeouts, 204, errors, v2's 202).
 */
import {createServer, type Server} from "node:http";
import type {AddressInfo} from "node:net";
import {computeDomain, computeSigningRoot} from "@ceibo/config";
import {ssz} from "@ceibo/types";
import {SecretKey} from "@chainsafe/blst";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {
  BidError,
  BuilderError,
  BuilderHttpClient,
  builderBidTypes,
  CircuitBreaker,
  countMissedSlots,
  processBid,
  type SignedBuilderBid,
} from "../src/execution/builder/index.ts";

const GENESIS_FORK_VERSION = Uint8Array.from([0x10, 0, 0, 0x38]);
const builderKey = SecretKey.fromKeygen(new Uint8Array(32).fill(3));
const feeRecipient = new Uint8Array(20).fill(0xfe);
const parentHash = new Uint8Array(32).fill(0x11);
const prevRandao = new Uint8Array(32).fill(0x22);
const withdrawals = [{index: 1, validatorIndex: 2, address: new Uint8Array(20).fill(3), amount: 4}];

/** An electra bid signed under compute_domain(DOMAIN_APPLICATION_BUILDER = 0x00000001, GENESIS, zero root). */
function electraBid(overrides: Record<string, unknown> = {}, value = 5n, key = builderKey): SignedBuilderBid {
  const header = {
    ...ssz.electra.ExecutionPayloadHeader.defaultValue(),
    parentHash,
    feeRecipient,
    prevRandao,
    timestamp: 1234,
    withdrawalsRoot: ssz.capella.Withdrawals.hashTreeRoot(withdrawals),
    ...overrides,
  };
  const message = {
    header,
    blobKzgCommitments: [],
    executionRequests: {deposits: [], withdrawals: [], consolidations: []},
    value,
    pubkey: key.toPublicKey().toBytes(),
  };
  const domain = computeDomain(Uint8Array.from([0, 0, 0, 1]), GENESIS_FORK_VERSION, new Uint8Array(32));
  const root = computeSigningRoot(builderBidTypes("electra").BuilderBid as never, message as never, domain);
  return {message, signature: key.sign(root).toBytes()} as unknown as SignedBuilderBid;
}

const want = {
  fork: "electra" as const,
  parentHash,
  feeRecipient,
  genesisForkVersion: GENESIS_FORK_VERSION,
  timestamp: 1234,
  prevRandao,
  withdrawalsRoot: ssz.capella.Withdrawals.hashTreeRoot(withdrawals),
  maxBlobsPerBlock: 9,
};

function refusal(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BidError);
    return (e as Error).message;
  }
  throw Error("the bid was accepted");
}

describe("process_bid", () => {
  it("accepts a bid that pays the registered fee recipient on the head's payload, signed by its builder key", () => {
    expect(() => processBid("electra", electraBid(), want)).not.toThrow();
  });

  it("refuses each broken rule with its reason", () => {
    expect(refusal(() => processBid("deneb", electraBid(), want))).toMatch(/deneb bid, the slot is electra/);
    expect(refusal(() => processBid("electra", electraBid({parentHash: new Uint8Array(32)}), want))).toMatch(
      /parent hash 0x0000.* is not the head's 0x1111/,
    );
    expect(refusal(() => processBid("electra", electraBid({feeRecipient: new Uint8Array(20).fill(1)}), want))).toMatch(
      /fee recipient 0x0101.* is not the registered 0xfefe/,
    );
    expect(refusal(() => processBid("electra", electraBid({}, 0n), want))).toMatch(/value is 0, not above 0/);
    expect(refusal(() => processBid("electra", electraBid({timestamp: 1}), want))).toMatch(/timestamp 1 is not/);
    expect(refusal(() => processBid("electra", electraBid({prevRandao: new Uint8Array(32)}), want))).toMatch(
      /prev_randao/,
    );
    expect(refusal(() => processBid("electra", electraBid({withdrawalsRoot: new Uint8Array(32)}), want))).toMatch(
      /withdrawals_root/,
    );
    // signed by one key, claiming another's pubkey
    const forged = electraBid();
    forged.message.pubkey = SecretKey.fromKeygen(new Uint8Array(32).fill(4)).toPublicKey().toBytes();
    expect(refusal(() => processBid("electra", forged, want))).toMatch(/invalid signature/);
    // a signature over the bid under another domain (the chain's fork version instead of GENESIS)
    expect(
      refusal(() =>
        processBid("electra", electraBid(), {...want, genesisForkVersion: Uint8Array.from([0x50, 0, 0, 0x38])}),
      ),
    ).toMatch(/invalid signature/);
    // a pinned builder key
    const other = SecretKey.fromKeygen(new Uint8Array(32).fill(9));
    expect(
      refusal(() =>
        processBid("electra", electraBid({}, 5n, other), {...want, builderPubkey: builderKey.toPublicKey().toBytes()}),
      ),
    ).toMatch(/not the configured builder key/);
  });
});

describe("circuit breaker", () => {
  // a chain with blocks at these slots, each on the previous one (genesis at 0)
  const chainOf = (slots: number[]) => {
    const blocks = new Map<string, {slot: number; parentRoot: string}>();
    let parent = "0xgenesis";
    blocks.set(parent, {slot: 0, parentRoot: "0xnone"});
    for (const s of slots) {
      const root = `0x${s}`;
      blocks.set(root, {slot: s, parentRoot: parent});
      parent = root;
    }
    return {lookup: {getBlock: (r: string) => blocks.get(r)}, head: parent as `0x${string}`};
  };

  it("counts the slots without a canonical block in the window before the proposal slot", () => {
    const {lookup, head} = chainOf([1, 2, 3, 5, 8, 9]);
    expect(countMissedSlots(lookup, head, 10, 4)).toBe(2); // window 6..9: 6 and 7 have no block
    expect(countMissedSlots(lookup, head, 10, 9)).toBe(3); // window 1..9: 4, 6, 7
  });

  it("trips above the allowed faults and recovers when the missed slots leave the window", () => {
    const {lookup, head} = chainOf([1, 2, 3, 4, 7, 8, 9, 10, 11, 12]);
    const breaker = new CircuitBreaker({faultInspectionWindow: 4, allowedFaults: 1});
    // proposal at 8: window 4..7 → 5, 6 missed (2 > 1): tripped
    expect(breaker.check(lookup, head, 8)).toEqual({ok: false, missed: 2, changed: true});
    // at 9: window 5..8 → 5, 6 missed: still tripped
    expect(breaker.check(lookup, head, 9)).toEqual({ok: false, missed: 2, changed: false});
    // at 10: window 6..9 → 6 missed: recovered
    expect(breaker.check(lookup, head, 10)).toEqual({ok: true, missed: 1, changed: true});
    expect(breaker.check(lookup, head, 11)).toEqual({ok: true, missed: 0, changed: false});
  });

  it("counts no genesis slot and nothing before the oldest known block", () => {
    const {lookup, head} = chainOf([2]);
    expect(countMissedSlots(lookup, head, 3, 32)).toBe(1); // slot 1 only (0 is the genesis)
    const pruned = {getBlock: (r: string) => (r === "0xa" ? {slot: 50, parentRoot: "0xpruned"} : undefined)};
    expect(countMissedSlots(pruned, "0xa", 52, 32)).toBe(1); // 51; before 50 unknown
  });

  it("refuses an allowance as large as the window", () => {
    expect(() => new CircuitBreaker({faultInspectionWindow: 4, allowedFaults: 4})).toThrow(/allowed faults 4/);
  });
});

describe("builder HTTP client against a local server", () => {
  let server: Server;
  let url = "";
  let behaviour: (path: string) => {status: number; body?: unknown; delayMs?: number} = () => ({status: 200});
  const seen: {method: string; path: string; headers: Record<string, unknown>; body: string}[] = [];

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      let body = "";
      for await (const c of req) body += c;
      seen.push({method: req.method ?? "", path: req.url ?? "", headers: req.headers, body});
      const b = behaviour(req.url ?? "");
      if (b.delayMs !== undefined) await new Promise((r) => setTimeout(r, b.delayMs));
      if (res.destroyed) return;
      if (b.body === undefined) res.writeHead(b.status).end();
      else res.writeHead(b.status, {"content-type": "application/json"}).end(JSON.stringify(b.body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it("getHeader: a bid, 204 = no bid, a late answer = TIMEOUT, errors named", async () => {
    const client = new BuilderHttpClient({url, getHeaderTimeoutMs: 300});
    const bid = electraBid();
    behaviour = () => ({
      status: 200,
      body: {version: "electra", data: builderBidTypes("electra").SignedBuilderBid.toJson(bid as never)},
    });
    const got = await client.getHeader(7, parentHash, builderKey.toPublicKey().toBytes());
    expect(got?.version).toBe("electra");
    expect(got?.bid.message.value).toBe(5n);
    expect(Buffer.from(got?.bid.signature ?? []).equals(Buffer.from(bid.signature))).toBe(true);
    const last = seen.at(-1);
    expect(last?.path).toBe(
      `/eth/v1/builder/header/7/0x${"11".repeat(32)}/0x${Buffer.from(builderKey.toPublicKey().toBytes()).toString("hex")}`,
    );
    expect(last?.headers["x-timeout-ms"]).toBe("300");

    behaviour = () => ({status: 204});
    expect(await client.getHeader(7, parentHash, bid.message.pubkey)).toBeNull();

    behaviour = () => ({status: 200, delayMs: 2000, body: {}});
    const late = await client.getHeader(7, parentHash, bid.message.pubkey).catch((e) => e);
    expect(late).toBeInstanceOf(BuilderError);
    expect((late as BuilderError).code).toBe("TIMEOUT");

    behaviour = () => ({status: 500, body: {code: 500, message: "boom"}});
    const failed = (await client.getHeader(7, parentHash, bid.message.pubkey).catch((e) => e)) as BuilderError;
    expect([failed.code, failed.status, failed.message]).toEqual([
      "HTTP_ERROR",
      500,
      expect.stringMatching(/500 boom/),
    ]);

    behaviour = () => ({status: 200, body: {version: "electra", data: {message: {}}}});
    expect(((await client.getHeader(7, parentHash, bid.message.pubkey).catch((e) => e)) as BuilderError).code).toBe(
      "INVALID_RESPONSE",
    );
    behaviour = () => ({status: 200, body: {version: "gloas", data: {}}});
    expect(((await client.getHeader(7, parentHash, bid.message.pubkey).catch((e) => e)) as BuilderError).code).toBe(
      "INVALID_RESPONSE",
    );
  });

  it("a relay URL with its pubkey (mev-boost form): the key is kept, requests go to the plain URL", async () => {
    const pk = Buffer.from(builderKey.toPublicKey().toBytes()).toString("hex");
    const withKey = new BuilderHttpClient({url: url.replace("http://", `http://0x${pk}@`)});
    expect(Buffer.from(withKey.pubkey ?? []).toString("hex")).toBe(pk);
    expect(withKey.url).toBe(url);
    behaviour = () => ({status: 200});
    await withKey.status();
    expect(seen.at(-1)?.headers.authorization).toBeUndefined();
    expect(() => new BuilderHttpClient({url: url.replace("http://", "http://user:pw@")})).toThrow(/relay pubkey/);
  });

  it("an unreachable builder is UNREACHABLE; a bad URL is refused at once", async () => {
    const down = new BuilderHttpClient({url: "http://127.0.0.1:1"});
    expect(((await down.status().catch((e) => e)) as BuilderError).code).toBe("UNREACHABLE");
    expect(() => new BuilderHttpClient({url: "ftp://x"})).toThrow(/must be http/);
  });

  it("registerValidators posts the registrations as JSON; submitBlindedBlockV2 wants 202", async () => {
    const client = new BuilderHttpClient({url});
    behaviour = () => ({status: 200});
    const reg = ssz.bellatrix.SignedValidatorRegistrationV1.defaultValue();
    reg.message.gasLimit = 60_000_000;
    await client.registerValidators([reg]);
    const posted = seen.at(-1);
    expect(posted?.path).toBe("/eth/v1/builder/validators");
    expect(JSON.parse(posted?.body ?? "")[0].message.gas_limit).toBe("60000000");

    const blinded = ssz.electra.SignedBlindedBeaconBlock.defaultValue();
    behaviour = () => ({status: 202});
    await client.submitBlindedBlockV2("fulu", blinded);
    expect(seen.at(-1)?.headers["eth-consensus-version"]).toBe("fulu");
    behaviour = () => ({status: 200});
    expect(((await client.submitBlindedBlockV2("fulu", blinded).catch((e) => e)) as BuilderError).code).toBe(
      "INVALID_RESPONSE",
    );
  });
});
