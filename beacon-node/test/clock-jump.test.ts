import {describe, expect, it} from "vitest";
import {Clock, type ClockJump} from "../src/chain/index.ts";

/** A wall clock that follows the monotonic one plus an offset the test changes (a clock step). */
function steppedClock(slotDurationMs: number) {
  const t0 = performance.now();
  const start = Date.now();
  let offset = 0;
  const clock = new Clock({
    genesisTime: Math.floor(start / 1000) - 1,
    slotDurationMs,
    nowMs: () => start + (performance.now() - t0) + offset,
    monotonicMs: () => performance.now(),
  });
  return {clock, step: (ms: number) => (offset += ms)};
}

const waitFor = async (cond: () => boolean, timeoutMs: number): Promise<void> => {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("Clock.run: wall-clock jumps", () => {
  it("reports a forward step once and still calls every skipped slot in order", async () => {
    const {clock, step} = steppedClock(1000);
    const slots: number[] = [];
    const jumps: ClockJump[] = [];
    const controller = new AbortController();
    const run = clock.run(
      (s) => void slots.push(s),
      controller.signal,
      (j) => jumps.push(j),
    );
    await waitFor(() => slots.length >= 1, 5000);
    const first = slots[0];
    step(8000); // eight slots ahead
    await waitFor(() => jumps.length >= 1 && slots.includes(first + 8), 10_000);
    controller.abort();
    await run;
    expect(jumps).toHaveLength(1);
    expect(jumps[0].jumpMs).toBeGreaterThanOrEqual(7000);
    expect(jumps[0].jumpMs).toBeLessThan(9000);
    expect(jumps[0].toSlot - jumps[0].fromSlot).toBeGreaterThanOrEqual(7);
    // no slot twice, none left out
    expect(slots).toEqual(Array.from({length: slots.length}, (_, i) => first + i));
  });

  it("reports a backward step and calls no slot again", async () => {
    const {clock, step} = steppedClock(1000);
    const slots: number[] = [];
    const jumps: ClockJump[] = [];
    const controller = new AbortController();
    const run = clock.run(
      (s) => void slots.push(s),
      controller.signal,
      (j) => jumps.push(j),
    );
    await waitFor(() => slots.length >= 1, 5000);
    step(-3000);
    await waitFor(() => jumps.length >= 1, 10_000);
    controller.abort();
    await run;
    expect(jumps[0].jumpMs).toBeLessThanOrEqual(-2000);
    expect(new Set(slots).size).toBe(slots.length);
  });

  it("does not take a late wake-up (a busy or suspended process) for a jump", async () => {
    const {clock} = steppedClock(500);
    const slots: number[] = [];
    const jumps: ClockJump[] = [];
    const controller = new AbortController();
    const run = clock.run(
      (s) => void slots.push(s),
      controller.signal,
      (j) => jumps.push(j),
    );
    await waitFor(() => slots.length >= 1, 5000);
    const end = performance.now() + 1600; // the event loop blocked for three slots
    while (performance.now() < end) {
      // busy
    }
    const first = slots[0];
    await waitFor(() => slots.includes(first + 4), 10_000);
    controller.abort();
    await run;
    expect(jumps).toEqual([]);
  });
});
