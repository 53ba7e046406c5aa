import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {createServer, request, type Server} from "node:http";
import type {AddressInfo} from "node:net";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {createHost, type Host} from "../src/host/host.ts";
import {startUiServer, type UiServer} from "../src/server/server.ts";

/** A raw request so Host / Origin / Cookie headers are exactly what the test says. */
function raw(
  port: number,
  path: string,
  opts: {method?: string; headers?: Record<string, string>; body?: string} = {},
): Promise<{status: number; headers: Record<string, string | string[] | undefined>; body: string}> {
  return new Promise((ok, fail) => {
    const req = request({host: "127.0.0.1", port, path, method: opts.method ?? "GET", headers: opts.headers}, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () =>
        ok({status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString()}),
      );
    });
    req.on("error", fail);
    req.end(opts.body);
  });
}

describe("browser-mode server: token, Origin, Host", () => {
  let dir: string;
  let host: Host;
  let server: UiServer;
  let beacon: Server;
  let H: string;
  const json = {"content-type": "application/json"};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ceibo-ui-"));
    const staticDir = join(dir, "static");
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, "index.html"), "<!doctype html><title>ceibo</title>");
    writeFileSync(join(dir, "secret.txt"), "outside the static dir");
    // a real HTTP server standing in for the beacon node's API
    beacon = createServer((req, res) => {
      res.writeHead(req.url === "/eth/v1/node/syncing" ? 200 : 404, {"content-type": "application/json"});
      res.end(JSON.stringify({data: {head_slot: "42", path: req.url}}));
    });
    await new Promise<void>((r) => beacon.listen(0, "127.0.0.1", () => r()));
    const bport = (beacon.address() as AddressInfo).port;
    host = createHost({dataDir: join(dir, "data"), mode: "browser", attachedBeaconUrl: `http://127.0.0.1:${bport}`});
    server = await startUiServer({host, port: 0, staticDir});
    H = `127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server?.close();
    await new Promise<void>((r) => beacon.close(() => r()));
    rmSync(dir, {recursive: true, force: true});
  });

  it("prints a loopback URL with a 32-byte token", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
  });

  it("refuses every path without the token", async () => {
    for (const path of ["/", "/index.html", "/events", "/beacon/eth/v1/node/syncing"]) {
      expect((await raw(server.port, path, {headers: {host: H}})).status).toBe(401);
    }
    const rpc = await raw(server.port, "/rpc/settings.get", {method: "POST", headers: {host: H, ...json}, body: "{}"});
    expect(rpc.status).toBe(401);
    expect(JSON.parse(rpc.body).error.code).toBe("UNAUTHORIZED");
  });

  it("refuses a wrong token in the URL, header or cookie", async () => {
    const wrong = "0".repeat(64);
    expect((await raw(server.port, `/?token=${wrong}`, {headers: {host: H}})).status).toBe(401);
    const h = {host: H, ...json, "x-ceibo-token": wrong};
    expect((await raw(server.port, "/rpc/app.info", {method: "POST", headers: h, body: "{}"})).status).toBe(401);
    const c = {host: H, cookie: `ceibo_session=${wrong}`};
    expect((await raw(server.port, "/index.html", {headers: c})).status).toBe(401);
  });

  it("exchanges the URL token for an HttpOnly SameSite=Strict cookie that then works", async () => {
    const r = await raw(server.port, `/?token=${server.token}`, {headers: {host: H}});
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe("/");
    const cookie = String(r.headers["set-cookie"]);
    expect(cookie).toContain(`ceibo_session=${server.token}`);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    const page = await raw(server.port, "/", {headers: {host: H, cookie: `ceibo_session=${server.token}`}});
    expect(page.status).toBe(200);
    expect(page.body).toContain("<title>ceibo</title>");
    expect(page.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(page.headers["x-frame-options"]).toBe("DENY");
  });

  it("refuses another Host header (DNS rebinding) even with the token", async () => {
    for (const host of ["evil.example", `evil.example:${server.port}`, "127.0.0.1:1"]) {
      const r = await raw(server.port, "/rpc/app.info", {
        method: "POST",
        headers: {host, ...json, "x-ceibo-token": server.token},
        body: "{}",
      });
      expect(r.status).toBe(421);
    }
  });

  it("refuses another Origin even with the token", async () => {
    for (const origin of ["http://evil.example", `http://127.0.0.1:${server.port + 1}`, "null"]) {
      const r = await raw(server.port, "/rpc/app.info", {
        method: "POST",
        headers: {host: H, origin, ...json, "x-ceibo-token": server.token},
        body: "{}",
      });
      expect(r.status).toBe(403);
    }
    const same = await raw(server.port, "/rpc/app.info", {
      method: "POST",
      headers: {host: H, origin: `http://${H}`, ...json, "x-ceibo-token": server.token},
      body: "{}",
    });
    expect(same.status).toBe(200);
    expect(JSON.parse(same.body).mode).toBe("browser");
  });

  it("answers the contract over POST /rpc and refuses unknown channels, non-JSON and bad input", async () => {
    const h = {host: H, ...json, "x-ceibo-token": server.token};
    const s = await raw(server.port, "/rpc/settings.set", {method: "POST", headers: h, body: '{"theme":"dark"}'});
    expect(s.status).toBe(200);
    expect(JSON.parse(s.body).theme).toBe("dark");
    const bad = await raw(server.port, "/rpc/settings.set", {method: "POST", headers: h, body: '{"theme":"pink"}'});
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.message).toContain('"theme"');
    const unknown = await raw(server.port, "/rpc/fs.readFile", {method: "POST", headers: h, body: "{}"});
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.body).error.code).toBe("UNKNOWN_CHANNEL");
    const form = await raw(server.port, "/rpc/app.info", {
      method: "POST",
      headers: {host: H, "content-type": "text/plain", "x-ceibo-token": server.token},
      body: "{}",
    });
    expect(form.status).toBe(415);
    const get = await raw(server.port, "/rpc/app.info", {headers: {host: H, "x-ceibo-token": server.token}});
    expect(get.status).toBe(405);
  });

  it("does not serve files outside the renderer folder", async () => {
    const h = {host: H, "x-ceibo-token": server.token};
    for (const path of ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt"]) {
      const r = await raw(server.port, path, {headers: h});
      expect(r.status).toBe(404);
      expect(r.body).not.toContain("outside");
    }
  });

  it("proxies GETs to the beacon node and refuses writes", async () => {
    const h = {host: H, "x-ceibo-token": server.token};
    const r = await raw(server.port, "/beacon/eth/v1/node/syncing", {headers: h});
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).data).toEqual({head_slot: "42", path: "/eth/v1/node/syncing"});
    const post = await raw(server.port, "/beacon/eth/v1/beacon/pool/attestations", {method: "POST", headers: h});
    expect(post.status).toBe(405);
  });

  it("streams host events over SSE", async () => {
    const got = new Promise<string>((ok, fail) => {
      const req = request(
        {host: "127.0.0.1", port: server.port, path: "/events", headers: {host: H, "x-ceibo-token": server.token}},
        (res) => {
          let text = "";
          res.on("data", (c) => {
            text += c;
            if (text.includes("keys.progress")) {
              req.destroy();
              ok(text);
            }
          });
        },
      );
      req.on("error", fail);
      req.end();
    });
    // emit only once the stream is open: poll until the server has the subscriber
    const deadline = Date.now() + 20_000;
    let done = false;
    void got.then(() => {
      done = true;
    });
    while (!done && Date.now() < deadline) {
      host.events.emit("event", {type: "keys.progress", done: 1, total: 4});
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await got).toContain('"type":"keys.progress"');
  });
});
