/**
 * BlsWorkerPool (chain/bls/pool.ts) with real worker threads and real blst signatures: valid and invalid sets,
 * a batch with one bad message among good ones (only that call is false, the batch is retried call by call),
 * same-message sets combined, aggregate sets, chunked block-sized calls, a batch's callers resumed one per
 * event-loop turn, and a pool that closes cleanly.
 */

import type {SignatureSet} from "@ceibo/state-transition";
import {aggregatePublicKeys, aggregateSignatures, SecretKey} from "@chainsafe/blst";
import {afterAll, describe, expect, it} from "vitest";
import {BlsSingleThread, BlsWorkerPool} from "../src/chain/bls/pool.ts";

const keys = Array.from({length: 16}, (_, i) => SecretKey.fromKeygen(new Uint8Array(32).fill(i + 1)));
const msg = (n: number) => new Uint8Array(32).fill(n);

function single(k: number, m: number, signWith = k): Extract<SignatureSet, {type: "single"}> {
  return {
    type: "single",
    pubkey: keys[k].toPublicKey(),
    signingRoot: msg(m),
    signature: keys[signWith].sign(msg(m)).toBytes(),
  };
}

function aggregate(ks: number[], m: number): Extract<SignatureSet, {type: "aggregate"}> {
  return {
    type: "aggregate",
    pubkeys: ks.map((k) => keys[k].toPublicKey()),
    signingRoot: msg(m),
    signature: aggregateSignatures(ks.map((k) => keys[k].sign(msg(m)))).toBytes(),
  };
}

const pool = new BlsWorkerPool({workers: 2, maxBufferedSets: 8, maxBufferWaitMs: 20, maxSetsPerChunk: 4});
afterAll(() => pool.close());

describe("BlsWorkerPool", {timeout: 60_000}, () => {
  it("verifies valid sets true and a wrong signer false, batchable or not", async () => {
    expect(await pool.verifySignatureSets([single(0, 1)])).toBe(true);
    expect(await pool.verifySignatureSets([single(0, 1, 1)])).toBe(false);
    expect(await pool.verifySignatureSets([single(0, 1)], {batchable: true})).toBe(true);
    expect(await pool.verifySignatureSets([single(0, 1, 1)], {batchable: true})).toBe(false);
    expect(await pool.verifySignatureSets([])).toBe(true);
  });

  it("a bad message in a batch fails only its own call", async () => {
    const before = {...pool.stats};
    const calls = Array.from({length: 8}, (_, i) => [single(i, 10 + i, i === 5 ? 6 : i)]);
    const results = await Promise.all(calls.map((sets) => pool.verifySignatureSets(sets, {batchable: true})));
    expect(results).toEqual([true, true, true, true, true, false, true, true]);
    expect(pool.stats.batchRetries).toBeGreaterThan(before.batchRetries);
    // 8 sets with maxBufferedSets 8: one batch, not eight
    expect(pool.stats.batches - before.batches).toBe(1);
  });

  it("combines same-message sets (a committee's attestations) and still catches a forged one", async () => {
    const before = {...pool.stats};
    const good = await Promise.all(
      [0, 1, 2, 3, 4, 5].map((k) => pool.verifySignatureSets([single(k, 42)], {batchable: true})),
    );
    expect(good).toEqual([true, true, true, true, true, true]);
    // 6 calls under maxBufferedSets 8 wait for the timer: one batch, one pairing for the 6 same-message sets
    expect(pool.stats.batches - before.batches).toBe(1);
    expect(pool.stats.sameMessageCombined - before.sameMessageCombined).toBe(5);
    const mid = {...pool.stats};
    // validator 3 claims a signature made by validator 9 over the same message
    const mixed = await Promise.all(
      [0, 1, 2, 3, 4, 5].map((k) => pool.verifySignatureSets([single(k, 43, k === 3 ? 9 : k)], {batchable: true})),
    );
    expect(mixed).toEqual([true, true, true, false, true, true]);
    // combined first (5 folded), the combined check failed, then each call alone (no group left to combine)
    expect(pool.stats.sameMessageCombined - mid.sameMessageCombined).toBe(5);
    expect(pool.stats.batchRetries - mid.batchRetries).toBe(1);
  });

  it("verifies aggregate sets, and an aggregate without signers is false", async () => {
    expect(await pool.verifySignatureSets([aggregate([1, 2, 3, 4], 7)])).toBe(true);
    expect(await pool.verifySignatureSets([{...aggregate([1, 2, 3, 4], 7), pubkeys: [keys[1].toPublicKey()]}])).toBe(
      false,
    );
    expect(await pool.verifySignatureSets([{...aggregate([1], 7), pubkeys: []}])).toBe(false);
  });

  it("sets whose keys are checked points (bytes, as gossip builds them) verify alone, batched and mixed with blst keys", async () => {
    const point = (k: number): Uint8Array => keys[k].toPublicKey().toBytes(false);
    const good: SignatureSet[] = [
      {...single(2, 20), pubkey: point(2)},
      // an aggregate of three signers' points: the worker adds them up
      {...aggregate([3, 4, 5], 21), pubkeys: [point(3), point(4), point(5)]},
      // partial sums as a committee's cached blocks give them, and a loose blst key
      {
        ...aggregate([6, 7, 8, 9], 22),
        pubkeys: [
          aggregatePublicKeys([keys[6].toPublicKey(), keys[7].toPublicKey()]).toBytes(false),
          point(8),
          keys[9].toPublicKey(),
        ],
      },
    ];
    for (const set of good) {
      expect(await pool.verifySignatureSets([set])).toBe(true);
      expect(await pool.verifySignatureSets([set], {batchable: true})).toBe(true);
    }
    expect(await pool.verifySignatureSets(good)).toBe(true);
    // a signer's point left out, or another's in its place: false, and only that call in a batch
    const missing: SignatureSet = {...aggregate([3, 4, 5], 21), pubkeys: [point(3), point(4)]};
    const swapped: SignatureSet = {...aggregate([3, 4, 5], 21), pubkeys: [point(3), point(4), point(6)]};
    const results = await Promise.all(
      [good[0], missing, good[1], swapped, good[2]].map((set) => pool.verifySignatureSets([set], {batchable: true})),
    );
    expect(results).toEqual([true, false, true, false, true]);
    // the main-thread verifier agrees
    const main = new BlsSingleThread();
    for (const set of [...good, missing, swapped]) {
      expect(await main.verifySignatureSets([set])).toBe(await pool.verifySignatureSets([set]));
    }
    // a compressed (48-byte) key is not a point: refused, never verified as some other key
    await expect(
      pool.verifySignatureSets([{...single(2, 20), pubkey: keys[2].toPublicKey().toBytes(true)}]),
    ).rejects.toThrow(/96-byte/);
  });

  it("splits a block-sized call into chunks across workers; one bad set anywhere makes it false", async () => {
    const sets = Array.from({length: 14}, (_, i) => single(i % 16, 100 + i));
    expect(await pool.verifySignatureSets(sets)).toBe(true);
    const bad = [...sets];
    bad[11] = single(11, 111, 12);
    expect(await pool.verifySignatureSets(bad)).toBe(false);
  });

  it("a block's call goes ahead of gossip batches waiting for the worker", async () => {
    const one = new BlsWorkerPool({workers: 1, maxBufferedSets: 4, maxBufferWaitMs: 1000});
    try {
      const order: string[] = [];
      // 12 full gossip batches: the first goes to the worker at once, the others wait in the queue
      const gossip = Array.from({length: 48}, (_, i) =>
        one.verifySignatureSets([single(i % 16, 200 + i)], {batchable: true}).then((ok) => {
          order.push(`gossip ${Math.floor(i / 4)}`);
          return ok;
        }),
      );
      const block = one.verifySignatureSets([single(3, 250), aggregate([1, 2, 3], 251)]).then((ok) => {
        order.push("block");
        return ok;
      });
      expect(await block).toBe(true);
      expect((await Promise.all(gossip)).every((ok) => ok)).toBe(true);
      // only the batch the worker already had (and none queued behind it) came first
      const at = order.indexOf("block");
      expect(order.slice(0, at).every((o) => o === "gossip 0")).toBe(true);
      expect(order.slice(at + 1)).toContain("gossip 11");
    } finally {
      await one.close();
    }
  });

  it("gossip batches queued behind a busy worker go out together, up to maxSetsPerBatch sets", async () => {
    const one = new BlsWorkerPool({workers: 1, maxBufferedSets: 4, maxBufferWaitMs: 1000, maxSetsPerBatch: 12});
    try {
      // 48 attestations of one committee (one message), made in one turn: the first batch of 4 goes to the worker
      // at once; the other 44 sets wait and leave as requests of 12, 12, 12 and 8 sets; validator 30's is forged
      const calls = Array.from({length: 48}, (_, i) =>
        one.verifySignatureSets([single(i % 16, 77, i === 30 ? (i + 1) % 16 : i % 16)], {batchable: true}),
      );
      const results = await Promise.all(calls);
      expect(results.map((ok, i) => (ok ? -1 : i)).filter((i) => i >= 0)).toEqual([30]);
      expect(one.stats.batches).toBe(5);
      // every request combined its same-message sets: 3 + 11 + 11 + 11 + 7 folded into one pairing each
      expect(one.stats.sameMessageCombined).toBe(43);
      // only the request holding the forged set was retried call by call
      expect(one.stats.batchRetries).toBe(1);
    } finally {
      await one.close();
    }
  });

  it("resumes the callers of one gossip batch in separate event-loop turns, timers running between them", async () => {
    const before = {...pool.stats};
    // 8 calls, maxBufferedSets 8: one batch whose 8 verdicts come back in one worker message
    const turnsSeen: number[] = [];
    let timerTurns = 0;
    let ticking = true;
    const tick = (): void => {
      timerTurns++;
      if (ticking) setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    const results = await Promise.all(
      Array.from({length: 8}, async (_, i) => {
        const ok = await pool.verifySignatureSets([single(i, 60 + i)], {batchable: true});
        turnsSeen.push(timerTurns);
        // a caller that holds the loop once resumed (the rest of a message's validation, the op pool, fork choice)
        const until = performance.now() + 3;
        while (performance.now() < until) {}
        return ok;
      }),
    );
    ticking = false;
    expect(results.every((r) => r)).toBe(true);
    expect(pool.stats.batches - before.batches).toBe(1);
    // each caller resumed after at least one more timer turn than the one before it: not all in one microtask run
    for (let i = 1; i < turnsSeen.length; i++) expect(turnsSeen[i]).toBeGreaterThan(turnsSeen[i - 1]);
  });

  it("rejects a signature that is not a valid G2 point (false, no crash)", async () => {
    const s = single(0, 1);
    const garbage: SignatureSet = {...s, signature: new Uint8Array(96).fill(0xab)};
    expect(await pool.verifySignatureSets([garbage], {batchable: true})).toBe(false);
    // a signature of the wrong length cannot be packed for the worker: false too, not an error
    const short: SignatureSet = {...s, signature: s.signature.subarray(0, 95)};
    expect(await pool.verifySignatureSets([short], {batchable: true})).toBe(false);
    expect(await pool.verifySignatureSets([short, single(1, 2)])).toBe(false);
    expect(await pool.verifySignatureSets([s], {batchable: true})).toBe(true);
  });

  it("the point at infinity as a signature is false, alone or inside a same-message group, and spares its neighbours", async () => {
    // compressed infinity (0xc0, then zeros): decompresses, but a gossip signature must not be infinity
    const infinity = new Uint8Array(96);
    infinity[0] = 0xc0;
    const inf = (k: number, m: number): SignatureSet => ({...single(k, m), signature: infinity});
    expect(await pool.verifySignatureSets([inf(0, 60)], {batchable: true})).toBe(false);
    expect(await pool.verifySignatureSets([inf(0, 60)])).toBe(false);
    const before = {...pool.stats};
    const results = await Promise.all(
      [0, 1, 2, 3, 4, 5].map((k) =>
        pool.verifySignatureSets([k === 2 ? inf(k, 61) : single(k, 61)], {batchable: true}),
      ),
    );
    expect(results).toEqual([true, true, false, true, true, true]);
    expect(pool.stats.batchRetries - before.batchRetries).toBe(1);
  });

  it("agrees with the main-thread verifier", async () => {
    const main = new BlsSingleThread();
    const cases: SignatureSet[][] = [
      [single(1, 2)],
      [single(1, 2, 3)],
      [aggregate([4, 5], 6)],
      [single(1, 2), single(2, 3)],
    ];
    for (const c of cases) expect(await pool.verifySignatureSets(c)).toBe(await main.verifySignatureSets(c));
  });

  it("closes after finishing what it was given", async () => {
    const p = new BlsWorkerPool({workers: 1, maxBufferWaitMs: 50});
    const pending = p.verifySignatureSets([single(2, 2)], {batchable: true});
    await p.close();
    expect(await pending).toBe(true);
    await expect(p.verifySignatureSets([single(2, 2)])).rejects.toThrow(/closed/);
  });
});
