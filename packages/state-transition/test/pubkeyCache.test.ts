import {describe, expect, it} from "vitest";
import {PubkeyCache} from "../src/cache/pubkeyCache.ts";

function pubkey(seed: number, prefix?: number[]): Uint8Array {
  const pk = new Uint8Array(48);
  for (let i = 0; i < 48; i++) pk[i] = (seed * 31 + i * 17) & 0xff;
  if (prefix) pk.set(prefix, 0);
  return pk;
}

describe("PubkeyCache", () => {
  it("maps pubkeys to indices and back", () => {
    const cache = new PubkeyCache();
    for (let i = 0; i < 1000; i++) cache.set(i, pubkey(i, [0xa0, i & 0xff, i >> 8, 1, 2, 3, 4]));
    for (let i = 0; i < 1000; i++) expect(cache.getIndex(pubkey(i, [0xa0, i & 0xff, i >> 8, 1, 2, 3, 4]))).toBe(i);
    expect(cache.getPubkeyBytes(7)).toEqual(pubkey(7, [0xa0, 7, 0, 1, 2, 3, 4]));
    expect(cache.getIndex(pubkey(5000))).toBeUndefined();
    expect(cache.getIndex(new Uint8Array(10))).toBeUndefined();
  });

  it("keeps pubkeys apart that share the hashed bytes (1..8), across table growth", () => {
    const cache = new PubkeyCache();
    const prefix = [0xa0, 9, 9, 9, 9, 9, 9, 9, 9];
    const keys = Array.from({length: 1500}, (_, i) => {
      const pk = pubkey(i, prefix);
      pk[40] = i & 0xff;
      pk[41] = i >> 8;
      return pk;
    });
    for (let i = 0; i < keys.length; i++) cache.set(i, keys[i]);
    for (let i = 0; i < keys.length; i++) expect(cache.getIndex(keys[i])).toBe(i);
    const absent = pubkey(1, prefix);
    absent[40] = 0xff;
    absent[41] = 0xff;
    expect(cache.getIndex(absent)).toBeUndefined();
    expect(cache.size).toBe(1500);
  });

  it("keeps the first index of a pubkey recorded twice, and set is idempotent per index", () => {
    const cache = new PubkeyCache();
    const a = pubkey(1);
    const b = pubkey(2);
    cache.set(0, a);
    cache.set(1, Uint8Array.from(a));
    cache.set(0, b); // index 0 is taken: ignored
    expect(cache.getIndex(a)).toBe(0);
    expect(cache.getIndex(b)).toBeUndefined();
    expect(cache.getPubkeyBytes(1)).toEqual(a);
    expect(cache.size).toBe(2);
  });
});
