import {describe, expect, it} from "vitest";
import {Clock} from "../src/chain/index.ts";

describe("Clock.run: abort", () => {
  it("resolves (does not reject) when aborted while waiting for genesis, without calling onSlot", async () => {
    const clock = new Clock({genesisTime: Math.floor(Date.now() / 1000) + 3600, slotDurationMs: 12_000});
    const slots: number[] = [];
    const controller = new AbortController();
    const run = clock.run((s) => void slots.push(s), controller.signal);
    controller.abort(new Error("stopping"));
    await expect(run).resolves.toBeUndefined();
    expect(slots).toEqual([]);
  });

  it("resolves when aborted while waiting for the next slot, after calling the current one", async () => {
    const clock = new Clock({genesisTime: Math.floor(Date.now() / 1000) - 1, slotDurationMs: 3_600_000});
    const slots: number[] = [];
    const controller = new AbortController();
    const run = clock.run((s) => void slots.push(s), controller.signal);
    expect(slots).toEqual([0]); // onSlot runs synchronously within run() for the current slot
    // one macrotask: the microtasks after onSlot have run, so run() now waits in its sleep for slot 1
    await new Promise((r) => setTimeout(r, 0));
    controller.abort(new Error("stopping"));
    await expect(run).resolves.toBeUndefined();
    expect(slots).toEqual([0]);
  });

  it("lets an error thrown by onSlot reject the run", async () => {
    const clock = new Clock({genesisTime: Math.floor(Date.now() / 1000) - 1, slotDurationMs: 3_600_000});
    const controller = new AbortController();
    const run = clock.run(() => {
      throw new Error("handler failed");
    }, controller.signal);
    await expect(run).rejects.toThrow("handler failed");
  });
});
