import {describe, expect, it} from "vitest";
import {
  errorKind,
  finalityStall,
  groupErrors,
  isErrorLine,
  parseDuration,
  rssSlopeMbPerHour,
  verdict,
  vmRssBytes,
} from "./analysis.ts";

describe("soak analysis", () => {
  it("parses durations", () => {
    expect(parseDuration("1h")).toBe(3_600_000);
    expect(parseDuration("30m")).toBe(1_800_000);
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("2500ms")).toBe(2500);
    expect(parseDuration("45")).toBe(45_000);
    for (const bad of ["", "h", "1x", "1h junk", "-5m", "m30"]) expect(parseDuration(bad)).toBeNull();
  });

  it("fits the RSS slope by least squares after the warm-up", () => {
    // 100 MB at t=0 growing 1 MB per minute = 60 MB/h; the warm-up samples (a spike) are left out
    const samples = Array.from({length: 61}, (_, i) => ({t: i * 60_000, rss: 100e6 + i * 1e6}));
    samples[0].rss = 900e6;
    samples[1].rss = 10e6;
    expect(rssSlopeMbPerHour(samples, 120_000)).toBeCloseTo(60, 6);
    // worked by hand: (0 h, 0 MB), (1 h, 1 MB), (2 h, 5 MB): means 1 h, 2 MB; Σ(dt·dr) = 2 + 0 + 3 = 5, Σdt² = 2
    const three = [0, 1, 5].map((m, i) => ({t: i * 3_600_000, rss: m * 1e6}));
    expect(rssSlopeMbPerHour(three, 0)).toBeCloseTo(2.5, 9);
    // too few samples after the warm-up, or no time spread
    expect(rssSlopeMbPerHour(samples, 59 * 60_000)).toBeNull();
    expect(
      rssSlopeMbPerHour(
        [1, 2, 3].map(() => ({t: 5, rss: 1})),
        0,
      ),
    ).toBeNull();
  });

  it("reads VmRSS from /proc/PID/status", () => {
    const status = "Name:\tnode\nVmPeak:\t 1234 kB\nVmRSS:\t  204800 kB\nRssAnon:\t 1 kB\n";
    expect(vmRssBytes(status)).toBe(204800 * 1024);
    expect(vmRssBytes("Name:\tzombie\n")).toBeNull();
  });

  it("recognises ERROR lines in both log formats and Node's fatal output", () => {
    expect(isErrorLine("12:00:01.123 ERROR [beacon] Block import failed slot=3")).toBe(true);
    expect(isErrorLine("2026-12-06 12:00:01.123+00:00 ERROR [validator] Failed to publish")).toBe(true);
    expect(isErrorLine('{"time":"…","level":"error","module":"beacon","msg":"x"}')).toBe(true);
    expect(isErrorLine("Uncaught TypeError: x is undefined")).toBe(true);
    expect(isErrorLine("12:00:01.123 WARN  [beacon] Peer sent an ERROR response")).toBe(false);
    expect(isErrorLine("12:00:01.123 INFO  [beacon] errors=0 ERROR_COUNT=0")).toBe(false);
    expect(isErrorLine('{"level":"info","msg":"error rate fine"}')).toBe(false);
  });

  it("groups error lines by kind (numbers, hex and ports masked)", () => {
    const a =
      '12:00:01.123 ERROR [validator] Block proposal failed slot=92 error="http://127.0.0.1:44839: getPayload 0xb559f6: timeout"';
    const b =
      '12:07:09.001 ERROR [validator] Block proposal failed slot=7 error="http://127.0.0.1:3701: getPayload 0x1c: timeout"';
    const c = "12:07:09.001 ERROR [beacon] Database write failed";
    expect(errorKind(a)).toBe('Block proposal failed slot=N error="http://N.N.N.N:N: getPayload 0x…: timeout"');
    expect(errorKind(b)).toBe(errorKind(a));
    expect(groupErrors([c, a, b])).toEqual([
      {kind: errorKind(a), count: 2},
      {kind: "Database write failed", count: 1},
    ]);
  });

  it("counts finality stall against the healthy lag of 2 epochs, from epoch 4 on", () => {
    expect(finalityStall(2, 0)).toBe(0);
    expect(finalityStall(3, 0)).toBe(0); // nothing can be finalized before the transition into epoch 4
    expect(finalityStall(4, 2)).toBe(0);
    expect(finalityStall(4, 0)).toBe(2);
    expect(finalityStall(10, 8)).toBe(0);
    expect(finalityStall(10, 5)).toBe(3);
    expect(finalityStall(10, 9)).toBe(0);
  });

  it("fails on a death, a stall beyond the limit, errors, RSS growth (when checked) or too short a run", () => {
    const th = {maxFinalityStall: 2, maxErrors: 0, maxRssSlope: null};
    const healthy = {
      died: [],
      maxStall: {node1: 1, node2: 2},
      errorsPerProcess: {node1: 0, "node1-vc": 0},
      bnSlopes: {node1: 500, node2: -3},
      epochsSampled: 100,
    };
    expect(verdict(healthy, th)).toEqual({ok: true, reasons: []});
    expect(verdict({...healthy, died: ["node2 (exit 1)"]}, th).reasons).toEqual(["process died: node2 (exit 1)"]);
    expect(verdict({...healthy, maxStall: {node1: 3}}, th).reasons).toEqual([
      "node1: finality stalled 3 epochs (limit 2)",
    ]);
    expect(verdict({...healthy, errorsPerProcess: {node1: 0, "node1-vc": 2}}, th).reasons).toEqual([
      "2 ERROR log lines (limit 0): node1-vc=2",
    ]);
    expect(verdict(healthy, {...th, maxRssSlope: 100}).reasons).toEqual(["node1: RSS grows 500.0 MB/h (limit 100)"]);
    expect(verdict({...healthy, epochsSampled: 3}, th).ok).toBe(false);
  });
});
