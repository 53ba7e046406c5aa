/**
 * Public keys decoded and checked once, off the main thread (issue 13 item 3): `PubkeyCache.preload` with the BLS
 * worker pool as checker (`BlsWorkerPool.checkPublicKeys`: decompression and the subgroup check on a worker thread).
 * Every valid key is checked in chunks and equals the key decoded on the spot; a stored key that is not a valid
 * point (here: not on the curve) is refused by the worker and left undecoded, so `getPublicKey` still throws for
 * it; an aborted preload stops between chunks.
 */
import {PubkeyCache} from "@ceibo/state-transition";
import {PublicKey, SecretKey} from "@chainsafe/blst";
import {afterAll, describe, expect, it} from "vitest";
import {BlsWorkerPool} from "../src/chain/bls/pool.ts";

const N = 300;
const keys = Array.from({length: N}, (_, i) => {
  const ikm = new Uint8Array(32);
  new DataView(ikm.buffer).setUint32(0, i + 1);
  return SecretKey.fromKeygen(ikm).toPublicKey().toBytes(true);
});
// a compressed encoding (flag 0x80 set) whose x has no point on the curve: byte 47 varied until blst refuses it
const BAD_INDEX = 17;
const bad = (() => {
  for (let b = 1; b < 256; b++) {
    const k = new Uint8Array(48);
    k[0] = 0x80;
    k[47] = b;
    try {
      PublicKey.fromBytes(k, true);
    } catch {
      return k;
    }
  }
  throw Error("no invalid encoding found");
})();

function cacheOf(): PubkeyCache {
  const cache = new PubkeyCache();
  for (const [i, k] of keys.entries()) cache.set(i, i === BAD_INDEX ? bad : k);
  return cache;
}

const pool = new BlsWorkerPool({workers: 2});
afterAll(() => pool.close());

describe("PubkeyCache.preload on the BLS worker pool", {timeout: 60_000}, () => {
  it("decodes every valid key in chunks; the invalid one stays undecoded and still throws", async () => {
    const cache = cacheOf();
    expect(cache.decodedCount).toBe(0);
    const chunks: number[] = [];
    const r = await cache.preload(
      (compressed) => {
        chunks.push(compressed.length);
        return pool.checkPublicKeys(compressed);
      },
      {chunk: 64, concurrency: 2},
    );
    expect(r.decoded).toBe(N - 1);
    expect(r.invalid).toBe(1);
    expect(chunks).toEqual([64, 64, 64, 64, 44]);
    expect(cache.decodedCount).toBe(N - 1);
    for (const i of [0, 1, 63, 64, N - 1]) {
      expect(cache.getPublicKey(i).toBytes(true)).toEqual(keys[i]);
      expect(cache.getPublicKey(i).toBytes(false)).toEqual(PublicKey.fromBytes(keys[i], true).toBytes(false));
    }
    expect(() => cache.getPublicKey(BAD_INDEX)).toThrow();
  });

  it("a key decoded on the spot before the preload is kept; an aborted preload stops between chunks", async () => {
    const cache = cacheOf();
    const early = cache.getPublicKey(5);
    const ac = new AbortController();
    let calls = 0;
    const r = await cache.preload(
      async (compressed) => {
        calls++;
        const out = await pool.checkPublicKeys(compressed);
        if (calls === 2) ac.abort();
        return out;
      },
      {chunk: 50, signal: ac.signal},
    );
    expect(calls).toBe(2);
    expect(r.decoded).toBe(50 - 1); // the first chunk (indices 0..50 without 5), the second was aborted
    expect(cache.getPublicKey(5).toBytes(false)).toEqual(early.toBytes(false));
    expect(cache.decodedCount).toBe(50);
  });
});
