import {describe, expect, it} from "vitest";
import {setBounded} from "../src/index.ts";

describe("setBounded", () => {
  it("keeps the newest `max` entries in insertion order; setting a key again makes it the newest", () => {
    const m = new Map<string, number>();
    for (const [i, k] of ["a", "b", "c"].entries()) setBounded(m, k, i, 3);
    expect([...m.keys()]).toEqual(["a", "b", "c"]);
    setBounded(m, "a", 10, 3); // a moves to the end, nothing is dropped
    expect([...m.entries()]).toEqual([
      ["b", 1],
      ["c", 2],
      ["a", 10],
    ]);
    setBounded(m, "d", 3, 3); // b, now the oldest, goes
    expect([...m.keys()]).toEqual(["c", "a", "d"]);
    setBounded(m, "e", 4, 1);
    expect([...m.keys()]).toEqual(["e"]);
  });
});
