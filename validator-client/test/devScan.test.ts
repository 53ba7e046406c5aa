import {describe, expect, it} from "vitest";
import {bitlistBits, bitvectorBits, slashableVotes} from "./utils/devNet.ts";

// The e2e tests' slashable-message scan must be able to find what it looks for.
describe("e2e slashing scan", () => {
  it("finds double and surround votes, and only those", () => {
    const v = (validator: number, key: string, source: number, target: number) => ({validator, key, source, target});
    expect(slashableVotes([v(1, "a", 0, 1), v(1, "a", 0, 1), v(1, "b", 1, 2), v(2, "c", 0, 1)]).slashable).toEqual([]);
    expect(slashableVotes([v(1, "a", 0, 1), v(1, "a", 0, 1)]).distinct).toBe(1);
    // double vote: same target, different data
    expect(slashableVotes([v(1, "a", 0, 2), v(1, "b", 1, 2)]).slashable).toEqual(["1: b vs a"]);
    // surround vote, either order
    expect(slashableVotes([v(3, "outer", 1, 5), v(3, "inner", 2, 4)]).slashable).toHaveLength(1);
    expect(slashableVotes([v(3, "inner", 2, 4), v(3, "outer", 1, 5)]).slashable).toHaveLength(1);
    // same source, nested targets: not slashable
    expect(slashableVotes([v(3, "x", 1, 5), v(3, "y", 1, 4)]).slashable).toEqual([]);
    // different validators never conflict
    expect(slashableVotes([v(1, "a", 0, 2), v(2, "b", 1, 2)]).slashable).toEqual([]);
  });

  it("decodes SSZ bitlists and bitvectors", () => {
    expect(bitlistBits("0x01")).toEqual([]);
    expect(bitlistBits("0x0d")).toEqual([true, false, true]); // 0b1101: length bit at 3
    expect(bitlistBits("0xff01")).toEqual(Array(8).fill(true));
    expect(() => bitlistBits("0x00")).toThrow(/length bit/);
    expect(bitvectorBits("0x02", 4)).toEqual([false, true, false, false]);
  });
});
