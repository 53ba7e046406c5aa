import type {AddressInfo} from "node:net";
import {createServer, type Server} from "node:net";
import Fastify, {type FastifyInstance} from "fastify";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {ApiClientError, type BeaconEvent, createBeaconApiClient} from "../src/index.ts";

let silent: Server;
let silentUrl: string;
let fake: FastifyInstance;
let fakeUrl: string;
let seenAuth: string | undefined;

beforeAll(async () => {
  // Accepts connections and never answers.
  silent = createServer(() => {});
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  // Answers with things a Beacon API server must not send.
  fake = Fastify();
  fake.get("/eth/v1/node/version", async (req) => {
    seenAuth = req.headers.authorization;
    return {data: {version: 5}};
  });
  fake.get("/eth/v1/node/syncing", async (_req, reply) => reply.code(502).type("text/plain").send("bad gateway"));
  fake.get("/eth/v1/node/peer_count", async (_req, reply) => reply.type("application/json").send("{not json"));
  fake.get("/eth/v1/events", (_req, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, {"Content-Type": "text/event-stream"});
    reply.raw.write('event: head\ndata: {"slot":"x"}\n\n');
    reply.raw.write(
      'event: block\ndata: {"slot":"1","block":"0x' + "00".repeat(32) + '","execution_optimistic":false}\n\n',
    );
    reply.raw.end();
  });
  await fake.listen({host: "127.0.0.1", port: 0});
  fakeUrl = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  silent.close();
  await fake.close();
});

async function failure(p: Promise<unknown>): Promise<ApiClientError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ApiClientError);
  return e as ApiClientError;
}

describe("client errors are typed", () => {
  it("TIMEOUT when the server does not answer in time", async () => {
    const client = createBeaconApiClient({baseUrl: silentUrl, timeoutMs: 200});
    const t0 = Date.now();
    const e = await failure(client.getGenesis());
    expect(e.code).toBe("TIMEOUT");
    expect(e.operationId).toBe("getGenesis");
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it("ABORTED when the caller's signal fires", async () => {
    const client = createBeaconApiClient({baseUrl: silentUrl});
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const e = await failure(client.getGenesis(undefined, {signal: controller.signal}));
    expect(e.code).toBe("ABORTED");
  });

  it("NETWORK_ERROR when nothing listens", async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const e = await failure(createBeaconApiClient({baseUrl: `http://127.0.0.1:${port}`}).getGenesis());
    expect(e.code).toBe("NETWORK_ERROR");
    expect(e.message).toMatch(/ECONNREFUSED/);
  });

  it("INVALID_RESPONSE when a 200 body does not decode, naming the field", async () => {
    const client = createBeaconApiClient({baseUrl: `${fakeUrl}/`, headers: {Authorization: "Bearer t0ken"}});
    const e = await failure(client.getNodeVersion());
    expect(e.code).toBe("INVALID_RESPONSE");
    expect(e.message).toMatch(/data.version: expected a string, got number 5/);
    expect(seenAuth).toBe("Bearer t0ken");
    expect((await failure(client.getPeerCount())).code).toBe("INVALID_RESPONSE");
  });

  it("HTTP_ERROR with the status when the error body is not JSON", async () => {
    const e = await failure(createBeaconApiClient({baseUrl: fakeUrl}).getSyncingStatus());
    expect(e.code).toBe("HTTP_ERROR");
    expect(e.status).toBe(502);
    expect(e.serverMessage).toBeUndefined();
  });

  it("INVALID_ARGUMENT when a required argument is missing", async () => {
    const client = createBeaconApiClient({baseUrl: fakeUrl});
    const e = await failure(client.getBlockV2({} as never));
    expect(e.code).toBe("INVALID_ARGUMENT");
    expect(e.message).toMatch(/missing argument blockId/);
  });

  it("event stream: a malformed event goes to onError, later events still arrive", async () => {
    const client = createBeaconApiClient({baseUrl: fakeUrl});
    const events: BeaconEvent[] = [];
    const errors: ApiClientError[] = [];
    await client.eventstream({
      topics: ["head", "block"],
      signal: new AbortController().signal,
      onEvent: (e) => events.push(e),
      onError: (e) => errors.push(e),
    });
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/invalid event "head": data.slot: invalid unsigned integer "x"/),
    ]);
    expect(events.map((e) => e.type)).toEqual(["block"]);
  });

  it("event stream without onError: rejects with INVALID_RESPONSE", async () => {
    const client = createBeaconApiClient({baseUrl: fakeUrl});
    const e = await failure(
      client.eventstream({topics: ["head"], signal: new AbortController().signal, onEvent: () => {}}),
    );
    expect(e.code).toBe("INVALID_RESPONSE");
  });
});
