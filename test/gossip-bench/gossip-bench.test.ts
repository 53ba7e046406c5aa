/**
 * Smoke test of `npm run bench:gossip` (bench/gossip/): the whole pipeline at a tiny size — a 2,048-validator
 * mainnet-preset corpus of 3 slots (1 warm-up), a real `ceibo beacon` node (and mock engine) under libfaketime, the harness
 * peer publishing at mainnet rate (12-s slots: slack on a busy machine) — and a report where every topic has
 * validated messages, none rejected, and the node's head reached the last published block.
 * Gated: `GOSSIP_BENCH_TEST=1` (`npm run test:gossip-bench`).
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {MESSAGE_KINDS} from "../../bench/gossip/corpus.ts";
import {formatReport, runRate} from "../../bench/gossip/run.ts";

const RUN = process.env.GOSSIP_BENCH_TEST === "1";

describe.runIf(RUN)("bench:gossip at 2,048 validators, 1 warm-up + 2 slots, 1× rate", () => {
  const cacheDir = mkdtempSync(join(tmpdir(), "ceibo-gossip-bench-test-"));
  afterAll(() => rmSync(cacheDir, {recursive: true, force: true}));

  it("validates every topic's messages and imports every block", {timeout: 600_000}, async () => {
    const report = await runRate({
      validators: 2048,
      rate: 1,
      slots: 3,
      // 2,048 validators make one committee per slot: with the default two subnets the node would often see none
      allSubnets: true,
      cacheDir,
      keep: false,
    });
    console.log(formatReport([report]));
    for (const kind of MESSAGE_KINDS) {
      const t = report.topics[kind];
      expect(t.published, kind).toBeGreaterThan(0);
      expect(t.accepted, kind).toBeGreaterThan(0);
      expect(t.rejected, kind).toBe(0);
      expect(t.p50Ms, kind).not.toBeNull();
    }
    // one block per slot, each published once
    expect(report.topics.beacon_block.published).toBe(2);
    expect(report.topics.beacon_block.accepted).toBe(2);
    expect(report.blockImport.count).toBe(2);
    expect(report.headSlot).toBe(report.lastSlot);
    expect(report.cpuPercent).toBeGreaterThan(0);
    expect(report.rssMaxMb).toBeGreaterThan(0);
    expect(report.eventLoopLag.windows).toBeGreaterThan(0);
    expect(report.eventLoopLag.windowsOver100Ms).toBeGreaterThanOrEqual(0);
    expect(report.eventLoopLag.windowsOver100Ms).toBeLessThanOrEqual(report.eventLoopLag.windows);
    // the node's cumulative event-loop delay histogram: ~100 wakes a second over the measured window
    expect(report.eventLoopLag.wakes).toBeGreaterThan(report.eventLoopLag.windows * 20);
    expect(report.eventLoopLag.wholeP99Ms).not.toBeNull();
    expect(report.eventLoopLag.wholeP99Ms as number).toBeGreaterThanOrEqual(report.eventLoopLag.wholeP50Ms as number);
    expect(report.eventLoopLag.lateShare).toBeGreaterThanOrEqual(0);
    expect(report.eventLoopLag.lateShare).toBeLessThan(1);
  });
});
