import {aggregatePublicKeys, PublicKey, SecretKey, verify} from "@chainsafe/blst";
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

  it("stores checked keys as points: getPublicKey gives the key each time, across store buffers, lazily or preloaded", async () => {
    const cache = new PubkeyCache();
    // indices on both sides of the store's 8,192-key buffers, and far apart (buffers in between never made)
    const indices = [0, 1, 8191, 8192, 8193, 40_000];
    const secret = (i: number): SecretKey => {
      const ikm = new Uint8Array(32);
      new DataView(ikm.buffer).setUint32(0, i + 7);
      return SecretKey.fromKeygen(ikm);
    };
    const compressed = new Map(indices.map((i) => [i, secret(i).toPublicKey().toBytes(true)]));
    for (let i = 0; i <= 40_000; i++) cache.set(i, compressed.get(i) ?? pubkey(i, [0xc0 | (i & 0x1f)]));
    expect(cache.decodedCount).toBe(0);
    // lazily: checked on the spot, then served from the store (a new object each time, the same key)
    for (const i of [8191, 8192]) {
      const first = cache.getPublicKey(i);
      expect(first.toBytes(true)).toEqual(compressed.get(i));
      const again = cache.getPublicKey(i);
      expect(again).not.toBe(first);
      expect(again.toBytes(true)).toEqual(compressed.get(i));
    }
    expect(cache.decodedCount).toBe(2);
    // preloaded: the checker's points are stored without a second check; the keys not asked for stay unchecked
    const asked: number[] = [];
    const r = await cache.preload(
      async (keys) =>
        keys.map((k) => {
          const i = cache.getIndex(k) as number;
          asked.push(i);
          return compressed.has(i) ? PublicKey.fromBytes(k, true).toBytes(false) : null;
        }),
      {chunk: 10_000},
    );
    expect(asked).not.toContain(8191);
    expect(r.decoded).toBe(indices.length - 2);
    expect(r.invalid).toBe(40_001 - indices.length);
    expect(cache.decodedCount).toBe(indices.length);
    for (const i of indices) {
      expect(cache.getPublicKey(i).toBytes(true)).toEqual(compressed.get(i));
      // the message a key signed verifies under the stored key
      const msg = new Uint8Array(32).fill(i & 0xff);
      expect(verify(msg, cache.getPublicKey(i), secret(i).sign(msg))).toBe(true);
    }
    // a key the checker refused is still refused on the spot, and not counted
    expect(() => cache.getPublicKey(2)).toThrow();
    expect(cache.decodedCount).toBe(indices.length);
    // aggregated from the stored points: the same point as aggregating the decoded keys
    const hex = (pk: PublicKey): string => Buffer.from(pk.toBytes(true)).toString("hex");
    const decoded = (ids: number[]) =>
      aggregatePublicKeys(ids.map((i) => PublicKey.fromBytes(compressed.get(i) as Uint8Array, true)));
    for (const ids of [indices, [0, 40_000], [8192]])
      expect(hex(cache.aggregatePublicKeys(ids))).toBe(hex(decoded(ids)));
    expect(() => cache.aggregatePublicKeys([0, 2])).toThrow();
    expect(() => cache.aggregatePublicKeys([])).toThrow(/no validator indices/);
  });
});
