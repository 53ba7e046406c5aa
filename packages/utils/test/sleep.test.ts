import {describe, expect, it} from "vitest";
import {sleep} from "../src/index.ts";

describe("sleep", () => {
  it("resolves after at least the given time", async () => {
    const t0 = performance.now();
    await sleep(30);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(29);
  });

  it("rejects with the signal's reason when aborted while waiting, long before the time", async () => {
    const ac = new AbortController();
    const t0 = performance.now();
    const p = sleep(600_000, ac.signal);
    ac.abort(new Error("stopping"));
    await expect(p).rejects.toThrow("stopping");
    expect(performance.now() - t0).toBeLessThan(60_000);
  });

  it("rejects at once on an already-aborted signal and resolves when the signal never aborts", async () => {
    await expect(sleep(600_000, AbortSignal.abort(new Error("already")))).rejects.toThrow("already");
    await expect(sleep(1, new AbortController().signal)).resolves.toBeUndefined();
  });
});
