import {describe, expect, it} from "vitest";
import {growIncrements} from "../src/cache/epochCache.ts";

describe("growIncrements: room for appended validators in the effective-balance increments", () => {
  it("keeps every value and adds 1% (at least 1,024), not double, at registry scale", () => {
    const old = new Uint16Array(1_000_000);
    for (let i = 0; i < old.length; i++) old[i] = (i * 7) % 2049;
    const grown = growIncrements(old, 1_000_001);
    expect(grown.length).toBe(1_010_002); // ceil(1,000,001 * 1.01 = 1,010,001.01)
    expect(grown.subarray(0, old.length)).toEqual(old);
    expect(grown[1_000_000]).toBe(0);
  });

  it("adds at least 1,024 entries to a small registry", () => {
    const grown = growIncrements(Uint16Array.of(32, 31), 3);
    expect(grown.length).toBe(3 + 1024);
    expect(Array.from(grown.subarray(0, 3))).toEqual([32, 31, 0]);
  });
});
