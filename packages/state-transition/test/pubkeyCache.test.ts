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

  it("keeps pubkeys apart that share the numeric key (bytes 1..6)", () => {
    const cache = new PubkeyCache();
    const a = pubkey(1, [0xa0, 9, 9, 9, 9, 9, 9]);
    const b = pubkey(2, [0xa0, 9, 9, 9, 9, 9, 9]);
    const c = pubkey(3, [0xa0, 9, 9, 9, 9, 9, 9]);
    cache.set(0, a);
    cache.set(1, b);
    expect(cache.getIndex(a)).toBe(0);
    expect(cache.getIndex(b)).toBe(1);
    expect(cache.getIndex(c)).toBeUndefined();
  });
});
