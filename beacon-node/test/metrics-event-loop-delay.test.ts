/**
 * `beacon_event_loop_delay_seconds` (beacon-node/src/metrics/beaconMetrics.ts): a cumulative histogram of how late
 * a 10-ms timer wakes, shared by every registry of the process.
 */
import {Registry} from "prom-client";
import {describe, expect, it} from "vitest";
import {collectDefaultProcessMetrics, eventLoopDelayHistogram} from "../src/metrics/beaconMetrics.ts";

async function values(): Promise<{count: number; sum: number; bucket: (le: string) => number}> {
  const m = await eventLoopDelayHistogram().get();
  const get = (name: string, le?: string): number =>
    m.values.find((v) => v.metricName === name && (le === undefined || String(v.labels.le) === le))?.value ?? 0;
  return {
    count: get("beacon_event_loop_delay_seconds_count"),
    sum: get("beacon_event_loop_delay_seconds_sum"),
    bucket: (le) => get("beacon_event_loop_delay_seconds_bucket", le),
  };
}

async function waitFor(cond: () => Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 30_000;
  while (!(await cond())) {
    if (Date.now() > end) throw Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("beacon_event_loop_delay_seconds", () => {
  it("records a blocked event loop as one late wake, in every registry that registered it", async () => {
    const a = new Registry();
    const b = new Registry();
    collectDefaultProcessMetrics(a);
    collectDefaultProcessMetrics(b);
    expect(eventLoopDelayHistogram()).toBe(eventLoopDelayHistogram());
    // the sampler runs: wakes are counted
    const c0 = (await values()).count;
    await waitFor(async () => (await values()).count >= c0 + 3, "three wakes");

    const before = await values();
    const over100Before = before.count - before.bucket("0.1");
    // hold the loop for 300 ms: the next wake is at least ~290 ms late
    const t0 = performance.now();
    while (performance.now() - t0 < 300) {
      // busy
    }
    await waitFor(async () => {
      const v = await values();
      return v.count - v.bucket("0.1") > over100Before;
    }, "a wake later than 100 ms");
    const after = await values();
    expect(after.count - after.bucket("0.25")).toBeGreaterThan(before.count - before.bucket("0.25"));
    expect(after.sum - before.sum).toBeGreaterThanOrEqual(0.25);

    for (const r of [a, b]) {
      const text = await r.metrics();
      expect(text).toMatch(/^# TYPE beacon_event_loop_delay_seconds histogram$/m);
      expect(text).toMatch(/^beacon_event_loop_delay_seconds_bucket\{le="0\.1"\} \d+$/m);
      // prom-client's own gauges are still there
      expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds /m);
    }
  });
});
