import {createServer, type Server} from "node:http";
import type {AddressInfo} from "node:net";
import type {ForkName} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {
  bytesToData,
  CL_ENGINE_CAPABILITIES,
  computeExecutionBlockHash,
  createJwt,
  ExecutionEngineError,
  ExecutionEngineHttp,
  type ExecutionPayload,
  engineMethodsForFork,
  isValidBlockHash,
  JsonRpcHttpClient,
  type PayloadAttributes,
  serializeExecutionPayload,
  type Withdrawal,
} from "../src/execution/index.ts";
import {forkTimesFromGenesis, MockEngineServer} from "../src/execution/mock/index.ts";

const secret = new Uint8Array(32).fill(7);
const ZERO = new Uint8Array(32);
const forks = ["bellatrix", "capella", "deneb", "electra", "fulu"] as const;
const seqOf = (f: ForkName) => forks.indexOf(f as (typeof forks)[number]);
const x = (b: Uint8Array) => bytesToData(b);

function attributesFor(fork: ForkName, timestamp: number): PayloadAttributes {
  const a: PayloadAttributes = {
    timestamp,
    prevRandao: new Uint8Array(32).fill(timestamp & 0xff),
    suggestedFeeRecipient: new Uint8Array(20).fill(0xfe),
  };
  if (seqOf(fork) >= 1) {
    a.withdrawals = [
      {index: 10, validatorIndex: 3, address: new Uint8Array(20).fill(0xaa), amount: 1_500_000_000},
      {index: 11, validatorIndex: 4, address: new Uint8Array(20).fill(0xbb), amount: 32_000_000_000},
    ];
  }
  if (seqOf(fork) >= 2) a.parentBeaconBlockRoot = new Uint8Array(32).fill(0x33);
  return a;
}

const extrasFor = (fork: ForkName, a: PayloadAttributes, versionedHashes: Uint8Array[] = []) => ({
  versionedHashes: seqOf(fork) >= 2 ? versionedHashes : undefined,
  parentBeaconBlockRoot: a.parentBeaconBlockRoot,
  executionRequests: seqOf(fork) >= 3 ? {deposits: [], withdrawals: [], consolidations: []} : undefined,
});

/** A copy of a payload with other fields and its block hash recomputed (a well-formed block the mock never built). */
function rehashed(fork: ForkName, p: ExecutionPayload, a: PayloadAttributes, patch: Partial<ExecutionPayload>) {
  const q = {...p, ...patch} as ExecutionPayload;
  q.blockHash = computeExecutionBlockHash(fork, q, {
    parentBeaconBlockRoot: a.parentBeaconBlockRoot,
    executionRequestsList: seqOf(fork) >= 3 ? [] : undefined,
  });
  return q;
}

describe.each(forks)("client ↔ mock engine over HTTP at %s", (fork) => {
  let server: MockEngineServer;
  let engine: ExecutionEngineHttp;
  let rpc: JsonRpcHttpClient;

  beforeAll(async () => {
    server = new MockEngineServer({jwtSecret: secret, forkTimes: forkTimesFromGenesis(fork)});
    const url = await server.start();
    engine = new ExecutionEngineHttp({url, jwtSecret: secret});
    rpc = new JsonRpcHttpClient({url, jwtSecret: secret});
  });
  afterAll(() => server.close());

  it("exchanges capabilities", async () => {
    const caps = await engine.exchangeCapabilities();
    const m = engineMethodsForFork(fork);
    expect(m).not.toBeNull();
    for (const method of [m?.newPayload, m?.forkchoiceUpdated, m?.getPayload]) expect(caps).toContain(method);
    expect(caps).not.toContain("engine_exchangeCapabilities");
    expect(CL_ENGINE_CAPABILITIES).toContain(m?.getPayload);
  });

  it("forkchoiceUpdated with attributes → getPayload → newPayload → forkchoiceUpdated, twice", async () => {
    let head = server.engine.genesis.hash;
    for (const timestamp of [12, 24]) {
      const a = attributesFor(fork, timestamp);
      const fcu = await engine.notifyForkchoiceUpdated(
        fork,
        {headBlockHash: head, safeBlockHash: head, finalizedBlockHash: ZERO},
        a,
      );
      expect(fcu.payloadStatus).toEqual({status: "VALID", latestValidHash: head, validationError: null});
      expect(fcu.payloadId).toMatch(/^0x[0-9a-f]{16}$/);

      const res = await engine.getPayload(fork, fcu.payloadId as string);
      const p = res.executionPayload as ExecutionPayload & {withdrawals?: Withdrawal[]};
      // the build honours the attributes and extends the head
      expect(p.parentHash).toEqual(head);
      expect(p.timestamp).toBe(timestamp);
      expect(p.prevRandao).toEqual(a.prevRandao);
      expect(p.feeRecipient).toEqual(a.suggestedFeeRecipient);
      expect(p.blockNumber).toBe(timestamp / 12);
      if (seqOf(fork) >= 1) expect(p.withdrawals).toEqual(a.withdrawals);
      else expect(p.withdrawals).toBeUndefined();
      const ctx = {
        parentBeaconBlockRoot: a.parentBeaconBlockRoot,
        executionRequestsList: seqOf(fork) >= 3 ? [] : undefined,
      };
      expect(isValidBlockHash(fork, p, ctx)).toBe(true);
      // a value of the fork's SSZ type
      const type = (ssz[fork] as typeof ssz.deneb).ExecutionPayload;
      expect(type.hashTreeRoot(p as never)).toHaveLength(32);
      if (seqOf(fork) >= 2) {
        expect(res.blobsBundle).toEqual({commitments: [], proofs: [], blobs: []});
        expect(res.shouldOverrideBuilder).toBe(false);
      } else {
        expect(res.blobsBundle).toBeUndefined();
      }
      if (seqOf(fork) >= 3) expect(res.executionRequests).toEqual({deposits: [], withdrawals: [], consolidations: []});

      const status = await engine.notifyNewPayload(fork, p, extrasFor(fork, a));
      expect(status).toEqual({status: "VALID", latestValidHash: p.blockHash, validationError: null});
      const fcu2 = await engine.notifyForkchoiceUpdated(fork, {
        headBlockHash: p.blockHash,
        safeBlockHash: head,
        finalizedBlockHash: server.engine.genesis.hash,
      });
      expect(fcu2).toEqual({
        payloadStatus: {status: "VALID", latestValidHash: p.blockHash, validationError: null},
        payloadId: null,
      });
      expect(server.engine.head.hash).toEqual(p.blockHash);
      head = p.blockHash;
    }
    // eth_getBlockByNumber sees the chain
    const latest = (await rpc.request("eth_getBlockByNumber", ["latest", false], 1000)) as {
      number: string;
      hash: string;
    };
    expect(latest).toMatchObject({number: "0x2", hash: x(head)});
  });

  it("newPayload: tampered block hash is INVALID (INVALID_BLOCK_HASH with V1), unknown parent SYNCING, bad number INVALID", async () => {
    const a = attributesFor(fork, 100);
    const parent = server.engine.head;
    const fcu = await engine.notifyForkchoiceUpdated(
      fork,
      {headBlockHash: parent.hash, safeBlockHash: ZERO, finalizedBlockHash: ZERO},
      a,
    );
    const p = (await engine.getPayload(fork, fcu.payloadId as string)).executionPayload;
    const extras = extrasFor(fork, a);

    const tampered = {...p, blockHash: Uint8Array.from(p.blockHash, (b, i) => (i === 0 ? b ^ 1 : b))};
    const s1 = await engine.notifyNewPayload(fork, tampered, extras);
    expect(s1.status).toBe(fork === "bellatrix" ? "INVALID_BLOCK_HASH" : "INVALID");
    expect(s1.latestValidHash).toBeNull();
    // a changed field without a new hash is a hash mismatch too
    const s2 = await engine.notifyNewPayload(fork, {...p, gasUsed: p.gasUsed + 1}, extras);
    expect(s2.status).toBe(fork === "bellatrix" ? "INVALID_BLOCK_HASH" : "INVALID");

    const orphan = rehashed(fork, p, a, {parentHash: new Uint8Array(32).fill(0x99)});
    expect(await engine.notifyNewPayload(fork, orphan, extras)).toEqual({
      status: "SYNCING",
      latestValidHash: null,
      validationError: null,
    });
    const badNumber = rehashed(fork, p, a, {blockNumber: p.blockNumber + 5});
    const s3 = await engine.notifyNewPayload(fork, badNumber, extras);
    expect(s3.status).toBe("INVALID");
    expect(s3.latestValidHash).toEqual(parent.hash);
    // idempotent: asking again gives INVALID again; a child of it is INVALID
    expect((await engine.notifyNewPayload(fork, badNumber, extras)).status).toBe("INVALID");
    const child = rehashed(fork, p, a, {parentHash: badNumber.blockHash, blockNumber: badNumber.blockNumber + 1});
    expect((await engine.notifyNewPayload(fork, child, extras)).status).toBe("INVALID");
    // forkchoiceUpdated to an unknown head is SYNCING; to an invalid head INVALID
    const unknown = await engine.notifyForkchoiceUpdated(fork, {
      headBlockHash: orphan.blockHash,
      safeBlockHash: ZERO,
      finalizedBlockHash: ZERO,
    });
    expect(unknown).toEqual({
      payloadStatus: {status: "SYNCING", latestValidHash: null, validationError: null},
      payloadId: null,
    });
    const invalidHead = await engine.notifyForkchoiceUpdated(fork, {
      headBlockHash: badNumber.blockHash,
      safeBlockHash: ZERO,
      finalizedBlockHash: ZERO,
    });
    expect(invalidHead.payloadStatus.status).toBe("INVALID");

    if (seqOf(fork) >= 2) {
      // a versioned hash the payload has no blob transaction for
      const s4 = await engine.notifyNewPayload(fork, p, {...extras, versionedHashes: [new Uint8Array(32).fill(1)]});
      expect(s4).toMatchObject({status: "INVALID", latestValidHash: null});
    }
    expect(await engine.notifyNewPayload(fork, p, extras)).toMatchObject({status: "VALID"});
  });

  it("Engine API errors: unknown payload -38001, stale attributes -38003, foreign finalized -38002, wrong version -38005/-32602", async () => {
    const err = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        expect(e).toBeInstanceOf(ExecutionEngineError);
        return [(e as ExecutionEngineError).code, (e as ExecutionEngineError).rpcCode];
      }
      return "resolved";
    };
    expect(await err(engine.getPayload(fork, "0x0102030405060708"))).toEqual(["RPC_ERROR", -38001]);
    const head = server.engine.head;
    const state = {headBlockHash: head.hash, safeBlockHash: ZERO, finalizedBlockHash: ZERO};
    const stale = attributesFor(fork, Number(head.header.timestamp));
    expect(await err(engine.notifyForkchoiceUpdated(fork, state, stale))).toEqual(["RPC_ERROR", -38003]);
    expect(
      await err(engine.notifyForkchoiceUpdated(fork, {...state, finalizedBlockHash: new Uint8Array(32).fill(5)})),
    ).toEqual(["RPC_ERROR", -38002]);
    // a getPayload version of another fork
    const a = attributesFor(fork, 1000);
    const fcu = await engine.notifyForkchoiceUpdated(fork, state, a);
    const id = fcu.payloadId;
    if (fork === "bellatrix") {
      // V2 also serves pre-Shanghai payloads (shanghai.md), V3 does not
      expect(await err(rpc.request("engine_getPayloadV2", [id], 1000))).toBe("resolved");
      expect(await err(rpc.request("engine_getPayloadV3", [id], 1000))).toEqual(["RPC_ERROR", -38005]);
    } else {
      expect(await err(rpc.request("engine_getPayloadV1", [id], 1000))).toEqual(["RPC_ERROR", -38005]);
      if (fork === "fulu")
        expect(await err(rpc.request("engine_getPayloadV4", [id], 1000))).toEqual(["RPC_ERROR", -38005]);
    }
    const p = (await engine.getPayload(fork, fcu.payloadId as string)).executionPayload;
    if (seqOf(fork) >= 2) {
      // newPayloadV3/V4 with a missing parameter → -32602
      const method = engineMethodsForFork(fork)?.newPayload as string;
      expect(await err(rpc.request(method, [serializeExecutionPayload(fork, p)], 1000))).toEqual(["RPC_ERROR", -32602]);
    } else if (fork === "bellatrix") {
      // a V2 payload (with withdrawals) before Shanghai → -32602
      const v2 = {...serializeExecutionPayload("bellatrix", p), withdrawals: []};
      expect(await err(rpc.request("engine_newPayloadV2", [v2], 1000))).toEqual(["RPC_ERROR", -32602]);
    } else {
      // a V1 payload (no withdrawals) after Shanghai → -32602
      const v1 = serializeExecutionPayload("bellatrix", p);
      expect(await err(rpc.request("engine_newPayloadV2", [v1], 1000))).toEqual(["RPC_ERROR", -32602]);
    }
  });
});

describe("JWT authentication of the mock engine", () => {
  let server: MockEngineServer;
  let url: string;
  beforeAll(async () => {
    server = new MockEngineServer({jwtSecret: secret, forkTimes: forkTimesFromGenesis("deneb")});
    url = await server.start();
  });
  afterAll(() => server.close());

  const post = (authorization?: string) =>
    fetch(url, {
      method: "POST",
      headers: {"content-type": "application/json", ...(authorization ? {authorization} : {})},
      body: JSON.stringify({jsonrpc: "2.0", id: 1, method: "engine_exchangeCapabilities", params: [[]]}),
    });
  const now = () => Math.floor(Date.now() / 1000);

  it("accepts a fresh token and answers JSON-RPC", async () => {
    const res = await post(`Bearer ${createJwt(secret)}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as {result: string[]}).result).toContain("engine_newPayloadV3");
  });

  it("answers 401 to a missing, invalid or expired token", async () => {
    expect((await post()).status).toBe(401);
    expect((await post(`Bearer ${createJwt(new Uint8Array(32).fill(8))}`)).status).toBe(401);
    expect((await post(`Bearer ${createJwt(secret, {iat: now() - 120})}`)).status).toBe(401);
    expect((await post(`Bearer ${createJwt(secret, {iat: now() + 120})}`)).status).toBe(401);
    expect((await post("Bearer not.a.token")).status).toBe(401);
    const body = (await (await post()).json()) as {code: string};
    expect(body.code).toBe("MISSING_TOKEN");
  });

  it("the client reports a rejected token as UNAUTHORIZED", async () => {
    const wrong = new ExecutionEngineHttp({url, jwtSecret: new Uint8Array(32).fill(9)});
    await expect(wrong.exchangeCapabilities()).rejects.toMatchObject({code: "UNAUTHORIZED", httpStatus: 401});
    const none = new ExecutionEngineHttp({url});
    await expect(none.exchangeCapabilities()).rejects.toMatchObject({code: "UNAUTHORIZED"});
  });

  it("JSON-RPC framing errors: parse error, unknown method", async () => {
    const res = await fetch(url, {
      method: "POST",
      headers: {authorization: `Bearer ${createJwt(secret)}`, "content-type": "application/json"},
      body: "{not json",
    });
    expect(((await res.json()) as {error: {code: number}}).error.code).toBe(-32700);
    const rpc = new JsonRpcHttpClient({url, jwtSecret: secret});
    await expect(rpc.request("engine_doesNotExistV1", [], 1000)).rejects.toMatchObject({
      rpcCode: -32601,
      rpcName: "METHOD_NOT_FOUND",
    });
  });
});

describe("client transport failures", () => {
  let hanging: Server;
  let hangingUrl: string;
  beforeAll(async () => {
    hanging = createServer(() => {}); // accepts and never answers
    await new Promise<void>((r) => hanging.listen(0, "127.0.0.1", r));
    hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    hanging.closeAllConnections();
    await new Promise<void>((r) => hanging.close(() => r()));
  });

  it("times out with TIMEOUT", async () => {
    const engine = new ExecutionEngineHttp({
      url: hangingUrl,
      jwtSecret: secret,
      timeouts: {engine_exchangeCapabilities: 200},
    });
    const t0 = Date.now();
    await expect(engine.exchangeCapabilities()).rejects.toMatchObject({
      code: "TIMEOUT",
      method: "engine_exchangeCapabilities",
    });
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it("a closed port is REQUEST_FAILED", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const engine = new ExecutionEngineHttp({url: `http://127.0.0.1:${port}`, jwtSecret: secret});
    await expect(engine.exchangeCapabilities()).rejects.toMatchObject({code: "REQUEST_FAILED"});
  });

  it("rejects calls a fork cannot make before sending anything", async () => {
    const engine = new ExecutionEngineHttp({url: hangingUrl, jwtSecret: secret});
    await expect(engine.getBlobs("capella", [])).rejects.toMatchObject({code: "UNSUPPORTED_FORK"});
    await expect(engine.getPayload("altair", "0x0000000000000000")).rejects.toMatchObject({code: "UNSUPPORTED_FORK"});
    const p = ssz.deneb.ExecutionPayload.defaultValue();
    await expect(engine.notifyNewPayload("deneb", p, {})).rejects.toMatchObject({code: "INVALID_ARGUMENT"});
    await expect(engine.getPayload("deneb", "0x01")).rejects.toMatchObject({code: "INVALID_ARGUMENT"});
  });
});
