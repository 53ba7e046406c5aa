/**
 * aggregateCommitteeKeys (signatureSets/committeeKeys.ts): the keys it returns (cached block aggregates and loose
 * signers' points) add up to the same point as aggregating every signer's key, for every kind of bit pattern, a fully
 * signed block is one key, and the sum verifies the signers' aggregate signature (and not one with a signer left out).
 */
import {aggregatePublicKeys, aggregateSignatures, type PublicKey, SecretKey, verify} from "@chainsafe/blst";
import {BitArray} from "@chainsafe/ssz";
import {describe, expect, it} from "vitest";
import {PubkeyCache} from "../src/cache/pubkeyCache.ts";
import {aggregateCommitteeKeys, COMMITTEE_KEY_BLOCK} from "../src/signatureSets/committeeKeys.ts";
import {aggregateSetPublicKeys} from "../src/signatureSets/signatureSet.ts";
import {rng} from "./rng.ts";

const N_KEYS = 200;
const secrets = Array.from({length: N_KEYS}, (_, i) =>
  SecretKey.fromKeygen(new Uint8Array(32).fill((i % 250) + 1), new Uint8Array([i & 255, i >> 8])),
);
const pubkeys = secrets.map((s) => s.toPublicKey());
const hex = (pk: PublicKey): string => Buffer.from(pk.toBytes()).toString("hex");
/** The same keys in a PubkeyCache: aggregated from its stored points (`aggregateOf`). */
const cache = new PubkeyCache();
for (const [i, pk] of pubkeys.entries()) cache.set(i, pk.toBytes(true));

/** The signers' key as the sum of the returned keys (null: none), from the plain keys above. */
function committeeKey(committee: Uint32Array, bits: BitArray, offset = 0): PublicKey | null {
  const keys = aggregateCommitteeKeys(
    committee,
    bits,
    offset,
    (i) => pubkeys[i].toBytes(false),
    (indices) => aggregatePublicKeys(indices.map((i) => pubkeys[i])),
  );
  return keys.length === 0 ? null : aggregateSetPublicKeys(keys);
}

describe("aggregateCommitteeKeys", () => {
  it("equals the aggregate of every signer's key, for full, sparse, one-missing and block-edge patterns", () => {
    const r = rng(7);
    for (const size of [1, 5, COMMITTEE_KEY_BLOCK, COMMITTEE_KEY_BLOCK + 1, 61, 128, 197]) {
      // a committee: distinct validator indices in shuffled order
      const committee = Uint32Array.from(
        Array.from({length: N_KEYS}, (_, i) => i)
          .sort(() => r() - 0.5)
          .slice(0, size),
      );
      const patterns: boolean[][] = [
        new Array(size).fill(true),
        Array.from({length: size}, () => r() < 0.1),
        Array.from({length: size}, () => r() < 0.97),
        Array.from({length: size}, (_, p) => p !== size - 1),
        Array.from({length: size}, (_, p) => p % COMMITTEE_KEY_BLOCK !== 0),
        Array.from({length: size}, (_, p) => p < COMMITTEE_KEY_BLOCK),
        new Array(size).fill(false),
      ];
      for (const bools of patterns) {
        const signers = [...committee].filter((_, p) => bools[p]);
        const got = committeeKey(committee, BitArray.fromBoolArray(bools));
        // through the cache's points and aggregation, on a copy of the committee (its own block cache)
        const viaCacheKeys = aggregateCommitteeKeys(
          Uint32Array.from(committee),
          BitArray.fromBoolArray(bools),
          0,
          (i) => cache.getKeyPoint(i),
          (indices) => cache.aggregatePublicKeys(indices),
        );
        // a fully signed block of several positions is one key; every other signer is its own key
        let expectedKeys = 0;
        for (let from = 0; from < size; from += COMMITTEE_KEY_BLOCK) {
          const block = bools.slice(from, Math.min(size, from + COMMITTEE_KEY_BLOCK));
          const signed = block.filter((b) => b).length;
          expectedKeys += signed === block.length && block.length > 1 ? 1 : signed;
        }
        expect(viaCacheKeys).toHaveLength(expectedKeys);
        if (signers.length === 0) {
          expect(got).toBeNull();
          continue;
        }
        const viaCache = aggregateSetPublicKeys(viaCacheKeys);
        expect(got).not.toBeNull();
        const expected = hex(aggregatePublicKeys(signers.map((i) => pubkeys[i])));
        expect(hex(got as PublicKey)).toBe(expected);
        expect(hex(viaCache as PublicKey)).toBe(expected);
      }
    }
  });

  it("verifies the signers' aggregate signature, not one with a signer left out (the cache of full blocks is reused)", () => {
    const committee = Uint32Array.from({length: 100}, (_, i) => (i * 7) % N_KEYS);
    const msg = new Uint8Array(32).fill(9);
    const bools = Array.from({length: 100}, (_, p) => p !== 42);
    const signers = [...committee].filter((_, p) => bools[p]);
    const sig = aggregateSignatures(signers.map((i) => secrets[i].sign(msg)));
    // twice: the second call uses the cached block aggregates
    for (let k = 0; k < 2; k++) {
      const pk = committeeKey(committee, BitArray.fromBoolArray(bools)) as PublicKey;
      expect(verify(msg, pk, sig)).toBe(true);
    }
    const fewer = bools.map((b, p) => b && p !== 3);
    const pk = committeeKey(committee, BitArray.fromBoolArray(fewer)) as PublicKey;
    expect(verify(msg, pk, sig)).toBe(false);
  });

  it("reads one committee's slice of an electra attestation's bits; positions past the bits are unset", () => {
    // two committees of one slot, their bits concatenated along aggregation_bits (electra get_attesting_indices)
    const first = Uint32Array.from({length: 37}, (_, i) => i);
    const second = Uint32Array.from({length: 45}, (_, i) => 100 + i);
    const r = rng(11);
    const bools = Array.from({length: first.length + second.length}, () => r() < 0.8);
    const bits = BitArray.fromBoolArray(bools);
    const expectKeys = (committee: Uint32Array, from: number): string =>
      hex(aggregatePublicKeys([...committee].filter((_, p) => bools[from + p]).map((i) => pubkeys[i])));
    const a = committeeKey(first, bits, 0) as PublicKey;
    const b = committeeKey(second, bits, first.length) as PublicKey;
    expect(hex(a)).toBe(expectKeys(first, 0));
    expect(hex(b)).toBe(expectKeys(second, first.length));
    // bits shorter than the committee: only the positions the bits cover can be signers
    const short = BitArray.fromBoolArray(new Array(20).fill(true));
    const c = committeeKey(first, short, 0) as PublicKey;
    expect(hex(c)).toBe(hex(aggregatePublicKeys([...first.subarray(0, 20)].map((i) => pubkeys[i]))));
    expect(committeeKey(second, short, 20)).toBeNull();
  });
});
