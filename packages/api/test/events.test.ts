import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {type BeaconEvent, EVENT_TYPES, eventCodecs, type JsonCodec} from "../src/index.ts";
import {sampleEvent} from "./backend.ts";
import {comparable, type Harness, rawChecked, startHarness} from "./harness.ts";
import {findOperation, validate} from "./openapi.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** Spec schema per event whose payload is a named type (the spec gives the rest as examples only). */
const EVENT_SCHEMAS: Partial<Record<string, string>> = {
  attestation: "Electra.Attestation",
  single_attestation: "Electra.SingleAttestation",
  voluntary_exit: "Phase0.SignedVoluntaryExit",
  bls_to_execution_change: "Capella.SignedBLSToExecutionChange",
  proposer_slashing: "Phase0.ProposerSlashing",
  attester_slashing: "Electra.AttesterSlashing",
  contribution_and_proof: "Altair.SignedContributionAndProof",
};

describe("eventstream (SSE)", () => {
  it("streams every requested topic, typed, through the client", async () => {
    const topics = EVENT_TYPES;
    const received: BeaconEvent[] = [];
    const controller = new AbortController();
    await h.client.eventstream({
      topics,
      signal: controller.signal,
      onEvent: (e) => {
        received.push(e);
        if (received.length === topics.length) controller.abort();
      },
    });
    expect(received.map((e) => e.type)).toEqual(topics);
    for (const e of received) expect(comparable(e)).toEqual(comparable(sampleEvent(e.type)));
    expect(h.calls.eventstream.at(-1)).toEqual({topics});
  });

  it("raw stream: text/event-stream frames whose data match the spec's types", async () => {
    const controller = new AbortController();
    const res = await fetch(
      `${h.baseUrl}/eth/v1/events?topics=head,attestation&topics=finalized_checkpoint,voluntary_exit`,
      {
        headers: {Accept: "text/event-stream"},
        signal: controller.signal,
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    let text = "";
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, {stream: true});
      if (text.split("\n\n").length > 4) break;
    }
    controller.abort();
    const frames = text
      .split("\n\n")
      .filter((f) => f !== "")
      .map((f) => {
        const [ev, data] = f.split("\n");
        return {event: ev.replace("event: ", ""), data: JSON.parse(data.replace("data: ", ""))};
      });
    expect(frames.map((f) => f.event)).toEqual(["head", "attestation", "finalized_checkpoint", "voluntary_exit"]);
    const {components} = await import("./openapiComponents.ts");
    for (const f of frames) {
      const schemaName = EVENT_SCHEMAS[f.event];
      if (schemaName) expect(validate(components(schemaName), f.data), f.event).toBeUndefined();
    }
    expect(frames[0].data).toEqual({
      slot: "10",
      block: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      state: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      epoch_transition: false,
      previous_duty_dependent_root: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      current_duty_dependent_root: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      execution_optimistic: false,
    });
  });

  it("every example event of the spec decodes and re-encodes to the same JSON", () => {
    const op = findOperation("GET", "/eth/v1/events");
    const content = op?.responses["200"].content?.["text/event-stream"] as {examples?: Record<string, {value: string}>};
    const examples = content.examples as Record<string, {value: string}>;
    expect(Object.keys(examples).sort()).toEqual([...EVENT_TYPES].sort());
    for (const [name, {value}] of Object.entries(examples)) {
      const [eventLine, dataLine] = value.trim().split("\n");
      expect(eventLine).toBe(`event: ${name}`);
      const json = JSON.parse(dataLine.replace(/^data: /, ""));
      const codec = eventCodecs[name as keyof typeof eventCodecs] as JsonCodec<unknown>;
      const defect = EXAMPLE_DEFECTS[name];
      if (defect) {
        // The example itself breaks the spec's own types: we reject it, saying why.
        expect(() => codec.fromJson(json, "data"), name).toThrow(defect);
        continue;
      }
      const decoded = codec.fromJson(json, "data");
      expect(lowerHex(codec.toJson(decoded)), name).toEqual(lowerHex(json));
    }
  });

  it("400 on an unknown topic, before the stream opens", async () => {
    const r = await rawChecked(h, 400, "GET", "/eth/v1/events?topics=head,weather_forecast");
    expect((r.json as {message: string}).message).toMatch(/topics.*weather_forecast/);
    await rawChecked(h, 400, "GET", "/eth/v1/events");
  });

  it("heartbeat comments keep an idle stream alive", async () => {
    const other = await startHarness({sseHeartbeatMs: 30});
    const controller = new AbortController();
    const res = await fetch(`${other.baseUrl}/eth/v1/events?topics=finalized_checkpoint`, {signal: controller.signal});
    let text = "";
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      text += new TextDecoder().decode(chunk);
      if (text.split(": ping\n\n").length > 2) break;
    }
    controller.abort();
    await other.close();
    expect(text.startsWith("event: finalized_checkpoint\n")).toBe(true);
    expect(text).toContain(": ping\n\n");
  });

  it("the server closes open streams on shutdown", async () => {
    const other = await startHarness();
    const controller = new AbortController();
    let got = 0;
    const done = other.client.eventstream({topics: ["block"], signal: controller.signal, onEvent: () => got++});
    await new Promise((r) => setTimeout(r, 100));
    await other.close();
    await done; // resolves: the stream ended
    expect(got).toBe(1);
  });
});

/**
 * Examples in apis/eventstream/index.yaml that contradict the spec's types: their kzg_commitment(s) are 96 bytes
 * (a signature's length), while KZGCommitment is 48 bytes (types/primitive.yaml, pattern {96} hex digits).
 */
const EXAMPLE_DEFECTS: Record<string, string> = {
  blob_sidecar: "data.kzg_commitment: expected 48 bytes, got 96",
  data_column_sidecar: "data.kzg_commitments[0]: expected 48 bytes, got 96",
};

/** The spec's examples mix hex case (checksummed addresses); ours is lowercase. */
function lowerHex(v: unknown): unknown {
  if (typeof v === "string") return /^0x[0-9a-fA-F]*$/.test(v) ? v.toLowerCase() : v;
  if (Array.isArray(v)) return v.map(lowerHex);
  if (v !== null && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, lowerHex(x)]));
  return v;
}
