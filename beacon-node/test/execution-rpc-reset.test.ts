/**
 * The Engine API JSON-RPC client and connections the server resets: a real HTTP server on 127.0.0.1 that destroys
 * the socket of the first N requests without answering (what a kept-alive connection closed by the server just as
 * the client reuses it looks like). One reset is retried on a new connection; a server that keeps resetting is an
 * error naming ECONNRESET; a refused connection is not retried.
 */
import {createServer, type Server} from "node:http";
import type {AddressInfo} from "node:net";
import {afterEach, describe, expect, it} from "vitest";
import {freePort} from "../../test/harness/processes.ts";
import {JsonRpcHttpClient} from "../src/execution/jsonRpcClient.ts";

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((r) => (server === null ? r() : server.close(() => r())));
  server = null;
});

async function resettingServer(resets: number): Promise<{url: string; requests: () => number}> {
  let n = 0;
  server = createServer((req, res) => {
    n++;
    if (n <= resets) {
      req.socket.destroy();
      return;
    }
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const {id} = JSON.parse(body) as {id: number};
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({jsonrpc: "2.0", id, result: "0x1"}));
    });
  });
  const s = server;
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  return {url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, requests: () => n};
}

describe("JsonRpcHttpClient and reset connections", () => {
  it("sends a request again once when the connection is reset", async () => {
    const {url, requests} = await resettingServer(1);
    const rpc = new JsonRpcHttpClient({url});
    expect(await rpc.request("eth_chainId", [], 10_000)).toBe("0x1");
    expect(requests()).toBe(2);
  });

  it("a server that keeps resetting is a REQUEST_FAILED error naming ECONNRESET, after one retry", async () => {
    const {url, requests} = await resettingServer(100);
    const rpc = new JsonRpcHttpClient({url});
    await expect(rpc.request("eth_chainId", [], 10_000)).rejects.toMatchObject({
      code: "REQUEST_FAILED",
      message: expect.stringMatching(/ECONNRESET|other side closed|socket/i),
    });
    expect(requests()).toBe(2);
  });

  it("a refused connection is not retried", async () => {
    const rpc = new JsonRpcHttpClient({url: `http://127.0.0.1:${await freePort()}`});
    await expect(rpc.request("eth_chainId", [], 10_000)).rejects.toMatchObject({
      code: "REQUEST_FAILED",
      message: expect.stringMatching(/ECONNREFUSED/),
    });
  });
});
