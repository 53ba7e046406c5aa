import {createHash} from "node:crypto";
import {SHUFFLE_ROUND_COUNT} from "@ceibo/params";
import {describe, expect, it} from "vitest";
import {computeShuffledIndex, shuffleList, unshuffleList} from "../src/util/shuffle.ts";

/** Deterministic 32-byte seeds without Math.random, so failures reproduce. */
function seedFor(n: number): Uint8Array {
  return new Uint8Array(createHash("sha256").update(`ceibo-shuffle-seed-${n}`).digest());
}

function identity(n: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

/**
 * Straight transcription of the spec's compute_shuffled_index on node:crypto and bigint, as an
 * independent reference for the production version.
 */
function referenceShuffledIndex(index: number, count: number, seed: Uint8Array): number {
  let idx = BigInt(index);
  const n = BigInt(count);
  for (let round = 0; round < SHUFFLE_ROUND_COUNT; round++) {
    const r = Buffer.from([round]);
    const pivotHash = createHash("sha256").update(seed).update(r).digest();
    const pivot = pivotHash.readBigUInt64LE(0) % n;
    const flip = (pivot + n - idx) % n;
    const position = idx > flip ? idx : flip;
    const pos = Buffer.alloc(4);
    pos.writeUInt32LE(Number(position / 256n));
    const source = createHash("sha256").update(seed).update(r).update(pos).digest();
    const byte = source[Number((position % 256n) / 8n)];
    const bit = (byte >> Number(position % 8n)) & 1;
    if (bit) idx = flip;
  }
  return Number(idx);
}

describe("computeShuffledIndex", () => {
  it("matches an independent transcription of the spec", () => {
    for (const count of [1, 2, 3, 10, 100, 257, 600]) {
      const seed = seedFor(count);
      for (let i = 0; i < count; i += Math.max(1, Math.floor(count / 37))) {
        expect(computeShuffledIndex(i, count, seed)).toBe(referenceShuffledIndex(i, count, seed));
      }
    }
  });

  it("is not confused by its per-seed memo when seeds and counts alternate", () => {
    const cases = [
      {seed: seedFor(1), count: 1000},
      {seed: seedFor(2), count: 1000},
      {seed: seedFor(1), count: 999},
      {seed: seedFor(1), count: 1000},
    ];
    for (let k = 0; k < 3; k++) {
      for (const {seed, count} of cases) {
        for (const i of [0, 1, 255, 256, 500, count - 1]) {
          expect(computeShuffledIndex(i, count, seed)).toBe(referenceShuffledIndex(i, count, seed));
        }
      }
    }
  });

  it("rejects out-of-range indices and bad seeds", () => {
    expect(() => computeShuffledIndex(5, 5, seedFor(1))).toThrow();
    expect(() => computeShuffledIndex(-1, 5, seedFor(1))).toThrow();
    expect(() => computeShuffledIndex(0, 5, new Uint8Array(31))).toThrow();
  });
});

describe("shuffleList / unshuffleList", () => {
  it("agree with computeShuffledIndex for every index of sizes 0..300", () => {
    for (let n = 0; n <= 300; n++) {
      const seed = seedFor(n);
      const input = identity(n);
      const un = unshuffleList(input, seed);
      const sh = shuffleList(input, seed);
      const mapping = Array.from({length: n}, (_, i) => computeShuffledIndex(i, n, seed));
      expect(Array.from(un)).toEqual(mapping);
      expect(mapping.map((m) => sh[m])).toEqual(Array.from(input));
      // input untouched
      expect(input).toEqual(identity(n));
    }
  });

  it("produce permutations and are inverses of each other", () => {
    for (const n of [1, 2, 255, 256, 257, 511, 512, 513, 1000, 4099]) {
      const seed = seedFor(n * 7);
      const un = unshuffleList(identity(n), seed);
      const sorted = Array.from(un).sort((a, b) => a - b);
      expect(sorted).toEqual(Array.from(identity(n)));
      expect(shuffleList(un, seed)).toEqual(identity(n));
      expect(unshuffleList(shuffleList(identity(n), seed), seed)).toEqual(identity(n));
    }
  });

  it("moves arbitrary values, not just indices", () => {
    const n = 77;
    const seed = seedFor(123);
    const values = new Uint32Array(n);
    for (let i = 0; i < n; i++) values[i] = 1000 + i * 3;
    const out = unshuffleList(values, seed);
    for (let i = 0; i < n; i++) expect(out[i]).toBe(values[computeShuffledIndex(i, n, seed)]);
  });
});
