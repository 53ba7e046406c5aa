/**
 * The native sync committee sampling (computeSyncCommitteeIndicesFast, @chainsafe/swap-or-not-shuffle) must pick
 * the same members, in the same order, as ceibo's own computeSyncCommitteeIndices (checked by the spec tests), for
 * pre-electra and electra sampling, and fall back to it where the native increment arithmetic is not exact.
 */
import {EFFECTIVE_BALANCE_INCREMENT, ForkSeq} from "@ceibo/params";
import {describe, expect, it} from "vitest";
import {computeSyncCommitteeIndices} from "../src/util/seed.ts";
import {computeSyncCommitteeIndicesFast, nativeSyncCommitteeIndicesAvailable} from "../src/util/shuffleNative.ts";

/** Deterministic effective balances: 1..2048 ETH in whole increments, a third of the validators at 32 ETH. */
function balances(n: number, salt: number): Float64Array {
  const out = new Float64Array(n);
  let x = 0x9e3779b9 ^ salt;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = (i % 3 === 0 ? 32 : 1 + (x % 2048)) * EFFECTIVE_BALANCE_INCREMENT;
  }
  return out;
}

function seedOf(k: number): Uint8Array {
  return Uint8Array.from({length: 32}, (_, i) => (i * 31 + k * 7) & 0xff);
}

describe("computeSyncCommitteeIndicesFast", () => {
  it("the native sampling is available here (so the comparisons below exercise it)", () => {
    expect(nativeSyncCommitteeIndicesAvailable).toBe(true);
  });

  for (const fork of [ForkSeq.altair, ForkSeq.deneb, ForkSeq.electra, ForkSeq.fulu]) {
    it(`fork ${fork}: same members as the JS sampling, for several seeds, active sets and sizes`, () => {
      for (const [n, salt] of [
        [5000, 1],
        [777, 3],
      ]) {
        const effectiveBalances = balances(n, salt);
        const active = Uint32Array.from({length: Math.floor(n / 2)}, (_, k) => 2 * k);
        for (const [k, size] of [
          [0, 32],
          [1, 512],
          [2, 100],
        ]) {
          const expected = computeSyncCommitteeIndices(fork, effectiveBalances, active, seedOf(k), size);
          expect(expected).toHaveLength(size);
          expect(computeSyncCommitteeIndicesFast(fork, effectiveBalances, active, seedOf(k), size)).toEqual(expected);
        }
      }
    });
  }

  it("a balance that is not a whole number of increments takes the exact path (same result)", () => {
    const effectiveBalances = balances(3000, 9);
    for (let i = 0; i < 3000; i += 2) effectiveBalances[i] = 31.5 * EFFECTIVE_BALANCE_INCREMENT + 1;
    const active = Uint32Array.from({length: 3000}, (_, i) => i);
    const expected = computeSyncCommitteeIndices(ForkSeq.fulu, effectiveBalances, active, seedOf(5), 64);
    expect(computeSyncCommitteeIndicesFast(ForkSeq.fulu, effectiveBalances, active, seedOf(5), 64)).toEqual(expected);
  });
});
