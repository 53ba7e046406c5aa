import {spawnSync} from "node:child_process";
import {createServer} from "node:net";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {UsageError} from "../src/command.ts";
import {parseIndexList, parseMetricsOptions, startMetricsServer} from "../src/metrics.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "node_modules/.bin/ceibo");

function ceibo(...args: string[]) {
  const env = {...process.env, PATH: `${path.join(ROOT, "node_modules/.bin")}:${process.env.PATH}`};
  return spawnSync(BIN, args, {encoding: "utf8", env});
}

describe("metrics options", () => {
  it("are off without --metrics; on, they default to 127.0.0.1 and the command's port", () => {
    expect(parseMetricsOptions({metrics: false}, 8008)).toBeNull();
    expect(parseMetricsOptions({metrics: true}, 8008)).toEqual({address: "127.0.0.1", port: 8008});
    expect(parseMetricsOptions({metrics: true}, 5064)).toEqual({address: "127.0.0.1", port: 5064});
    expect(parseMetricsOptions({metrics: true, "metrics.port": "0", "metrics.address": "0.0.0.0"}, 8008)).toEqual({
      address: "0.0.0.0",
      port: 0,
    });
  });

  it("refuse --metrics.* without --metrics and bad ports, naming the option", () => {
    expect(() => parseMetricsOptions({"metrics.port": "9000"}, 8008)).toThrow(/--metrics.port .*need --metrics/);
    expect(() => parseMetricsOptions({metrics: true, "metrics.port": "70000"}, 8008)).toThrow(UsageError);
    expect(() => parseMetricsOptions({metrics: true, "metrics.port": "80a"}, 8008)).toThrow(/--metrics.port/);
    expect(() => parseMetricsOptions({metrics: true, "metrics.address": "a b"}, 8008)).toThrow(/--metrics.address/);
  });

  it("--validator-monitor-indices takes indices and A..B ranges", () => {
    expect(parseIndexList(undefined, "x")).toBeUndefined();
    expect(parseIndexList("0..3,7,2", "x")).toEqual([0, 1, 2, 3, 7]);
    expect(() => parseIndexList("3..1", "x")).toThrow(/empty range/);
    expect(() => parseIndexList("a", "x")).toThrow(/"a" is not a validator index/);
  });

  it("ceibo beacon / validator / dev refuse --metrics.port without --metrics and document the flags", () => {
    for (const cmd of [
      ["beacon", "--network", "dev", "--metrics.port", "9999"],
      ["validator", "--interop-indexes", "0..1", "--metrics.port", "9999"],
      ["dev", "--metrics.port", "9999"],
    ]) {
      const r = ceibo(...cmd);
      expect(r.status, r.stderr).not.toBe(0);
      expect(r.stderr).toMatch(/--metrics\.port .*need.? --metrics/);
    }
    expect(ceibo("beacon", "--help").stdout).toMatch(/--metrics\.port PORT +metrics port \(default 8008/);
    expect(ceibo("validator", "--help").stdout).toMatch(/--metrics\.port PORT +metrics port \(default 5064/);
    expect(ceibo("dev", "--help").stdout).toMatch(/--metrics\.validator-port PORT/);
  });
});

describe("metrics server", () => {
  const source = {
    contentType: "text/plain; version=0.0.4; charset=utf-8",
    metrics: async () => "# HELP x_total a counter\n# TYPE x_total counter\nx_total 3\n",
  };

  it("serves the registry's text at /metrics with its content type, 404 elsewhere", async () => {
    const server = await startMetricsServer(source, {address: "127.0.0.1", port: 0});
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const res = await fetch(server.url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(source.contentType);
      expect(await res.text()).toContain("x_total 3\n");
      expect((await fetch(server.url.replace("/metrics", "/other"))).status).toBe(404);
      expect((await fetch(server.url, {method: "POST"})).status).toBe(405);
    } finally {
      await server.close();
    }
    await server.close(); // idempotent (the validator client closes it on a signal and when it stops)
    await expect(fetch(server.url)).rejects.toThrow();
  });

  it("a failing collection is a 500 with the reason, and a taken port one clear error", async () => {
    const failing = {...source, metrics: async () => Promise.reject(Error("boom"))};
    const server = await startMetricsServer(failing, {address: "127.0.0.1", port: 0});
    try {
      const res = await fetch(server.url);
      expect(res.status).toBe(500);
      expect(await res.text()).toMatch(/boom/);
    } finally {
      await server.close();
    }
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as {port: number}).port;
    try {
      await expect(startMetricsServer(source, {address: "127.0.0.1", port})).rejects.toThrow(
        new RegExp(`cannot serve metrics on 127.0.0.1:${port}: the port is in use`),
      );
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});
