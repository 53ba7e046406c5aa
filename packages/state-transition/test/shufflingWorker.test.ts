import {afterAll, describe, expect, it} from "vitest";
import {computeEpochShufflingFromSeed, LazyEpochShuffling} from "../src/cache/epochShuffling.ts";
import {terminateShufflingWorker} from "../src/cache/shufflingWorker.ts";
import {unshuffleList} from "../src/util/shuffle.ts";

function activeSet(n: number): Uint32Array {
  // every third index is inactive, so the active set is not just 0..n-1
  const out: number[] = [];
  for (let i = 0; out.length < n; i++) if (i % 3 !== 2) out.push(i);
  return Uint32Array.from(out);
}

function seedOf(byte: number): Uint8Array {
  return Uint8Array.from({length: 32}, (_, i) => (i * 7 + byte) & 0xff);
}

describe("next shuffling on a worker thread", () => {
  afterAll(() => terminateShufflingWorker());

  it("computes the same committees as the synchronous path, once, shared by whoever holds the lazy shuffling", async () => {
    const indices = activeSet(20_000);
    const seed = seedOf(1);
    const lazy = LazyEpochShuffling.pending(indices, seed, 5);
    const first = lazy.computeInWorker();
    expect(lazy.computeInWorker()).toBe(first);
    expect(await first).toBe(true);
    expect(lazy.isComputed).toBe(true);
    const fromWorker = lazy.get();
    const sync = computeEpochShufflingFromSeed(indices, seed, 5);
    expect(fromWorker.shuffling).toEqual(sync.shuffling);
    expect(fromWorker.committees).toEqual(sync.committees);
    expect(fromWorker.committeesPerSlot).toBe(sync.committeesPerSlot);
    // and both are the spec's order (ceibo's JS compute_shuffled_index over the whole list)
    expect(fromWorker.shuffling).toEqual(unshuffleList(indices, seed));
    expect(await lazy.computeInWorker()).toBe(false);
  });

  it("a synchronous use before the worker answers computes it there; the worker's answer is then dropped", async () => {
    const indices = activeSet(50_000);
    const seed = seedOf(2);
    const lazy = LazyEpochShuffling.pending(indices, seed, 9);
    const inWorker = lazy.computeInWorker();
    const sync = lazy.get();
    expect(await inWorker).toBe(false);
    expect(lazy.get()).toBe(sync);
    expect(sync.shuffling).toEqual(unshuffleList(indices, seed));
  });

  it("the worker shuffles with this thread's preset even when CEIBO_PRESET says another one when it starts", async () => {
    // tests select a preset through CEIBO_PRESET and restore the variable; SHUFFLE_ROUND_COUNT differs by preset
    await terminateShufflingWorker();
    const saved = process.env.CEIBO_PRESET;
    const {ACTIVE_PRESET_NAME} = await import("@ceibo/params");
    process.env.CEIBO_PRESET = ACTIVE_PRESET_NAME === "minimal" ? "mainnet" : "minimal";
    try {
      const indices = activeSet(5_000);
      const seed = seedOf(3);
      const lazy = LazyEpochShuffling.pending(indices, seed, 2);
      expect(await lazy.computeInWorker()).toBe(true);
      expect(lazy.get().shuffling).toEqual(unshuffleList(indices, seed));
    } finally {
      if (saved === undefined) delete process.env.CEIBO_PRESET;
      else process.env.CEIBO_PRESET = saved;
      await terminateShufflingWorker();
    }
  });
});
