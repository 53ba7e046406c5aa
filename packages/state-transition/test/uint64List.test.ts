import {ssz} from "@ceibo/types";
import {describe, expect, it} from "vitest";
import {
  readUint8List,
  readUint64List,
  readUint64ListSince,
  uint64ListChunks,
  uint64ListFromValues,
} from "../src/epoch/uint64List.ts";

/** A deterministic pseudo-random sequence (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

describe("readUint8List", () => {
  it("gives the serialized bytes of a participation list of any length, and of the zero list", () => {
    const next = rng(7);
    for (const n of [0, 1, 31, 32, 33, 1000, 4097]) {
      const values = Array.from({length: n}, () => next() & 0x07);
      const view = ssz.altair.EpochParticipation.toViewDU(values);
      expect(Array.from(readUint8List(view))).toEqual(values);
      expect(readUint8List(view)).toEqual(view.serialize());
      const zeros = ssz.altair.EpochParticipation.toViewDU(new Array<number>(n).fill(0));
      expect(Array.from(readUint8List(zeros))).toEqual(new Array<number>(n).fill(0));
    }
  });

  it("sees uncommitted writes", () => {
    const view = ssz.altair.EpochParticipation.toViewDU([0, 0, 0, 0, 0]);
    view.set(3, 7);
    expect(Array.from(readUint8List(view))).toEqual([0, 0, 0, 7, 0]);
  });
});

describe("readUint64ListSince", () => {
  const Balances = ssz.phase0.Balances;

  it("equals a full read after a few writes, after appends, and with nothing changed", () => {
    const next = rng(11);
    for (const n of [2, 3, 4, 5, 1001]) {
      const values = Array.from({length: n}, () => next() * 1000 + (next() % 1000));
      const view = Balances.toViewDU(values);
      const known = readUint64List(view);
      const knownChunks = uint64ListChunks(view);

      // nothing changed: the same values, in the same array
      const same = readUint64ListSince(view, knownChunks, known.slice());
      expect(Array.from(same)).toEqual(values);

      // a few writes (a slashing, a deposit) and appended validators
      const after = view.clone();
      after.set(0, 5);
      after.set(n - 1, 2 ** 52 + 3);
      after.push(32_000_000_000);
      after.push(1);
      const updated = readUint64ListSince(after, knownChunks, known.slice());
      expect(Array.from(updated)).toEqual(Array.from(readUint64List(after)));
      expect(updated[0]).toBe(5);
      expect(updated[n - 1]).toBe(2 ** 52 + 3);
      expect(updated.length).toBe(n + 2);
    }
  });

  it("follows a list rebuilt by uint64ListFromValues and then written to", () => {
    const values = Float64Array.from({length: 37}, (_, i) => i * 1_000_000_007);
    const view = uint64ListFromValues(Balances.toViewDU([]), values);
    expect(Array.from(readUint64List(view))).toEqual(Array.from(values));
    const chunks = uint64ListChunks(view);
    view.set(17, 42);
    const read = readUint64ListSince(view, chunks, values.slice());
    const expected = Array.from(values);
    expected[17] = 42;
    expect(Array.from(read)).toEqual(expected);
  });

  it("round-trips values across the 32-bit word boundary up to 2**53 - 1 (uint64ListFromValues)", () => {
    const values = Float64Array.from([0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1, 32e9, 2048e9, 7]);
    const view = uint64ListFromValues(Balances.toViewDU([]), values);
    expect(view.serialize()).toEqual(Balances.serialize(Array.from(values)));
    expect(view.hashTreeRoot()).toEqual(Balances.hashTreeRoot(Array.from(values)));
  });

  it("re-reads the whole list when it got shorter", () => {
    const view = Balances.toViewDU([1, 2, 3, 4, 5, 6]);
    const known = readUint64List(view);
    const chunks = uint64ListChunks(view);
    const shorter = Balances.toViewDU([9, 8, 7]);
    expect(Array.from(readUint64ListSince(shorter, chunks, known))).toEqual([9, 8, 7]);
  });
});
