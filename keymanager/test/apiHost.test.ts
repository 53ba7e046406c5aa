/**
 * Keymanager API: the Host header check (DNS rebinding) runs before the token check, and a listen address other
 * machines can reach is warned about (plain HTTP). The server is real (127.0.0.1, any free port); its backend
 * answers the one route used with an empty list.
 */
import {request} from "node:http";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import type {KeymanagerBackend} from "../src/api/backend.ts";
import {type KeymanagerServer, plainHttpWarning, startKeymanagerServer} from "../src/api/server.ts";

const token = "ab".repeat(32);
let server: KeymanagerServer;
const warnings: string[] = [];

beforeAll(async () => {
  const backend = {listKeystores: async () => []} as unknown as KeymanagerBackend;
  server = await startKeymanagerServer({
    backend,
    token,
    address: "127.0.0.1",
    port: 0,
    allowedHosts: ["km.example"],
    onWarning: (m) => warnings.push(m),
  });
});
afterAll(async () => server?.close());

function get(host: string, auth = true): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: server.port,
        path: "/eth/v1/keystores",
        headers: {host, ...(auth ? {authorization: `Bearer ${token}`} : {})},
      },
      (res) => {
        let body = "";
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => resolve({status: res.statusCode ?? 0, body}));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("Keymanager API Host header", () => {
  it("serves localhost, IP addresses and configured names", async () => {
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `[::1]:${server.port}`, "km.example"]) {
      expect((await get(host)).status, host).toBe(200);
    }
  });

  it("refuses other names with 403 before looking at the token", async () => {
    for (const host of ["evil.example", `attacker.test:${server.port}`]) {
      const r = await get(host, false);
      expect(r.status, host).toBe(403);
      expect(r.body).toMatch(/DNS rebinding/);
    }
  });
});

describe("Keymanager API address", () => {
  it("warns when the address is reachable from other machines (plain HTTP), not for loopback", () => {
    expect(warnings).toEqual([]);
    for (const a of ["127.0.0.1", "::1", "localhost", "127.1.2.3"]) expect(plainHttpWarning(a), a).toBeNull();
    for (const a of ["0.0.0.0", "::", "192.168.1.10", "km.example"]) {
      expect(plainHttpWarning(a), a).toMatch(/plain HTTP.*127\.0\.0\.1/);
    }
  });
});
