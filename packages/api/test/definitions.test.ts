import {readdirSync, readFileSync} from "node:fs";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {type AnyRoute, type ArgSpecs, beaconApiRoutes} from "../src/index.ts";
import {checkExchange} from "./harness.ts";
import {loadOperations} from "./openapi.ts";

const routes = Object.entries(beaconApiRoutes) as [string, AnyRoute][];
/** Routes whose spec has an SSZ answer we do not produce yet (listed in the README). */
const SSZ_RESPONSE_NOT_YET: string[] = [];
const README = readFileSync(path.join(import.meta.dirname, "../README.md"), "utf8");

describe("route definitions vs the OpenAPI spec", () => {
  it("every route is a spec operation: same method, path and operationId", () => {
    for (const [id, def] of routes) {
      const op = loadOperations().find((o) => o.operationId === id);
      expect(op, id).toBeDefined();
      expect(`${def.method} ${def.url}`, id).toBe(`${op?.method} ${op?.path}`);
    }
  });

  it("parameters: same names, locations and required flags both ways", () => {
    for (const [id, def] of routes) {
      const op = loadOperations().find((o) => o.operationId === id);
      if (!op) continue;
      const ours = Object.values(def.args as ArgSpecs)
        .filter((s) => s.kind === "path" || s.kind === "query" || s.kind === "header")
        .map((s) => `${s.kind}:${(s as {name: string}).name}:${s.optional ? "optional" : "required"}`)
        .sort();
      const spec = op.parameters
        .map((p) => `${p.in}:${p.name}:${p.required || p.in === "path" ? "required" : "optional"}`)
        .sort();
      expect(ours, id).toEqual(spec);
    }
  });

  it("bodies and formats: JSON/SSZ request bodies and SSZ responses where the spec has them", () => {
    for (const [id, def] of routes) {
      const op = loadOperations().find((o) => o.operationId === id);
      if (!op || "sse" in def) continue;
      const specs = Object.values(def.args as ArgSpecs);
      const bodySpec = specs.find((s) => s.kind === "body");
      const hasBody = bodySpec !== undefined || specs.some((s) => s.kind === "bodyField");
      expect(hasBody, `${id} has a body`).toBe(op.requestBody !== undefined);
      const specSszBody = op.requestBody?.content["application/octet-stream"] !== undefined;
      const ourSszBody =
        bodySpec !== undefined && (bodySpec as {codec: {deserialize?: unknown}}).codec.deserialize !== undefined;
      expect(ourSszBody, `${id} takes SSZ`).toBe(specSszBody);
      if (bodySpec) expect(bodySpec.optional, `${id} body optional`).toBe(!op.requestBody?.required);
      const specSszResponse = op.responses["200"]?.content?.["application/octet-stream"] !== undefined;
      expect(def.resp.ssz, `${id} answers SSZ`).toBe(specSszResponse && !SSZ_RESPONSE_NOT_YET.includes(id));
    }
  });

  it("the README's counts are the real ones", () => {
    const total = loadOperations().length;
    expect(README).toContain(`${total} operations in the spec; ${routes.length} implemented`);
  });

  it("the README lists every implemented route and every spec operation not implemented", () => {
    const implemented = new Set(routes.map(([id]) => id));
    const missing = loadOperations()
      .map((o) => o.operationId)
      .filter((id) => !implemented.has(id));
    const [done, todo] = README.split("## Not implemented");
    for (const id of implemented) expect(done, `README lists ${id}`).toContain(`\`${id}\``);
    for (const id of missing) expect(todo, `README lists ${id} as not implemented`).toContain(`\`${id}\``);
  });

  it("every route is exercised by a test that checks it against the spec", () => {
    const dir = import.meta.dirname;
    const text = readdirSync(dir)
      .filter((f) => f.endsWith(".test.ts") && f !== "definitions.test.ts")
      .map((f) => readFileSync(path.join(dir, f), "utf8"))
      .join("\n");
    // Routes whose id is a variable in a loop are named in that loop.
    const looped = [
      "getPendingDeposits",
      "getPendingPartialWithdrawals",
      "getPendingConsolidations",
      "getProposerLookahead",
    ];
    const stateTests = readFileSync(path.join(dir, "beaconState.test.ts"), "utf8");
    expect(stateTests).toContain("await roundTrip(h, id, {stateId");
    for (const id of looped) expect(stateTests).toContain(`"${id}",`);
    for (const [id] of routes) {
      const exercised =
        text.includes(`roundTrip(h, "${id}"`) ||
        looped.includes(id) ||
        (id === "eventstream" && text.includes("client.eventstream("));
      expect(exercised, `${id} has a round-trip test`).toBe(true);
    }
  });
});

describe("the OpenAPI checker itself", () => {
  const ex = (over: Partial<Parameters<typeof checkExchange>[0]>) => ({
    method: "GET",
    url: new URL("http://x/eth/v1/beacon/states/head/root"),
    requestHeaders: new Headers(),
    status: 200,
    responseHeaders: new Headers({"content-type": "application/json"}),
    responseBody: new TextEncoder().encode(
      JSON.stringify({execution_optimistic: false, finalized: true, data: {root: `0x${"00".repeat(32)}`}}),
    ),
    ...over,
  });

  it("accepts a valid exchange", () => {
    expect(checkExchange(ex({}))).toEqual([]);
  });

  it("rejects a number where the spec wants a decimal string, a missing field, a short root", () => {
    const body = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
    expect(
      checkExchange(ex({responseBody: body({execution_optimistic: false, finalized: true, data: {root: 5}})}))[0],
    ).toMatch(/data\/root must be string/);
    expect(checkExchange(ex({responseBody: body({finalized: true, data: {root: `0x${"00".repeat(32)}`}})}))[0]).toMatch(
      /must have required property 'execution_optimistic'/,
    );
    expect(
      checkExchange(ex({responseBody: body({execution_optimistic: false, finalized: true, data: {root: "0x00"}})}))[0],
    ).toMatch(/must match pattern/);
  });

  it("rejects bad parameters, unknown statuses and missing required headers", () => {
    const bad = checkExchange(ex({url: new URL("http://x/eth/v1/validator/attestation_data?slot=1")}));
    expect(bad.join("\n")).toMatch(/missing required query committee_index/);
    expect(checkExchange(ex({status: 418}))[0]).toMatch(/status 418 not in spec/);
    const block = ex({url: new URL("http://x/eth/v2/beacon/blocks/head"), responseBody: new Uint8Array(1)});
    expect(
      checkExchange({...block, responseHeaders: new Headers({"content-type": "application/octet-stream"})}).join("\n"),
    ).toMatch(/missing response header Eth-Consensus-Version/);
  });
});
