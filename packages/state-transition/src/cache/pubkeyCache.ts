import {bytesEqual} from "@ceibo/utils";
import {PublicKey} from "@chainsafe/blst";

/**
 * Checks compressed public keys somewhere else (a BLS worker thread): for each key its uncompressed serialization
 * (96 bytes) when it is a valid G1 point in the subgroup and not infinity, else null.
 */
export type PublicKeyChecker = (compressed: Uint8Array[]) => Promise<(Uint8Array | null)[]>;

export interface PreloadOpts {
  /** Keys per checker call (default 1024). */
  chunk?: number;
  /** Checked keys decoded here per synchronous step, with an event-loop turn between steps (default 128). */
  step?: number;
  /** Checker calls in flight at once (default 1; the BLS pool's worker count keeps every worker busy). */
  concurrency?: number;
  signal?: AbortSignal;
}

export interface PreloadResult {
  /** Keys decoded by this run (the others were decoded already, or are invalid). */
  decoded: number;
  invalid: number;
  ms: number;
  /** Longest synchronous stretch of the main thread in one step (decoding `step` checked keys). */
  maxStepMs: number;
}

/**
 * pubkey ↔ validator index, shared by every state of one chain (validator indices never change once assigned,
 * so the maps only grow). Building the cache for a million validators costs a map insert each, not a curve
 * operation. The deserialized keys (blst `PublicKey`) are made either
 * - all at once in the background by `preload` (issue 13: decoded and checked once at load, off the main thread):
 *   the expensive part, decompression and the subgroup check (~60–250 µs a key), runs in a checker (the BLS worker
 *   pool), which returns the uncompressed point; the main thread turns that into a `PublicKey` without checks
 *   (~4 µs a key), 128 keys per event-loop turn; or
 * - lazily by `getPublicKey` (decompressed and checked on this thread) for a key not preloaded yet.
 */
export class PubkeyCache {
  /**
   * pubkey → index as an open-addressing hash table (linear probing, at most half full) of `index + 1` (0: empty
   * slot), hashed from the pubkey's bytes and confirmed against the stored bytes: 8–16 bytes a validator, no object
   * or string per validator (a Map keyed by hex strings costs seconds of hashing and GC at 1M validators; one keyed
   * by 48-bit numbers still costs a map entry and a heap number each).
   */
  private table = new Int32Array(1024);
  private tableCount = 0;
  private readonly pubkeyBytes: Uint8Array[] = [];
  private readonly publicKeys: (PublicKey | undefined)[] = [];

  get size(): number {
    return this.pubkeyBytes.length;
  }

  /** Records validator `index` with `pubkey` (idempotent for the same pair; a pubkey keeps its first index). */
  set(index: number, pubkey: Uint8Array): void {
    if (this.pubkeyBytes[index] !== undefined) return;
    this.pubkeyBytes[index] = pubkey;
    if ((this.tableCount + 1) * 2 > this.table.length) this.grow();
    const table = this.table;
    const mask = table.length - 1;
    let slot = pubkeyHash(pubkey) & mask;
    for (let entry = table[slot]; entry !== 0; entry = table[slot]) {
      // the same pubkey under an earlier index: getIndex keeps that one
      if (bytesEqual(this.pubkeyBytes[entry - 1], pubkey)) return;
      slot = (slot + 1) & mask;
    }
    table[slot] = index + 1;
    this.tableCount++;
  }

  /** The validator index of a pubkey, or undefined if no validator has it. */
  getIndex(pubkey: Uint8Array): number | undefined {
    if (pubkey.length !== 48) return undefined;
    const slot = this.findSlot(pubkey);
    return slot >= 0 ? this.table[slot] - 1 : undefined;
  }

  /** The table slot holding `pubkey`, or -1. */
  private findSlot(pubkey: Uint8Array): number {
    const table = this.table;
    const mask = table.length - 1;
    for (let slot = pubkeyHash(pubkey) & mask; ; slot = (slot + 1) & mask) {
      const entry = table[slot];
      if (entry === 0) return -1;
      if (bytesEqual(this.pubkeyBytes[entry - 1], pubkey)) return slot;
    }
  }

  private insert(index: number): void {
    const table = this.table;
    const mask = table.length - 1;
    let slot = pubkeyHash(this.pubkeyBytes[index]) & mask;
    while (table[slot] !== 0) slot = (slot + 1) & mask;
    table[slot] = index + 1;
    this.tableCount++;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    this.tableCount = 0;
    for (let i = 0; i < old.length; i++) if (old[i] !== 0) this.insert(old[i] - 1);
  }

  getPubkeyBytes(index: number): Uint8Array {
    const pk = this.pubkeyBytes[index];
    if (pk === undefined) throw Error(`no pubkey cached for validator index ${index}`);
    return pk;
  }

  /** Keys deserialized so far (by `preload` or `getPublicKey`). */
  get decodedCount(): number {
    let n = 0;
    for (const pk of this.publicKeys) if (pk !== undefined) n++;
    return n;
  }

  /**
   * Decodes every key not decoded yet, checked by `check` (off this thread) in chunks, each chunk's keys then
   * deserialized here without a second check in one short synchronous step. Keys added meanwhile are included; a
   * key the checker refuses stays undecoded (`getPublicKey` throws for it, as before). Stops early on `signal`.
   */
  async preload(check: PublicKeyChecker, opts: PreloadOpts = {}): Promise<PreloadResult> {
    const t0 = performance.now();
    const chunk = opts.chunk ?? 1024;
    const step = Math.max(1, opts.step ?? 128);
    const concurrency = Math.max(1, opts.concurrency ?? 1);
    const result: PreloadResult = {decoded: 0, invalid: 0, ms: 0, maxStepMs: 0};
    let next = 0;
    const aborted = (): boolean => opts.signal?.aborted === true;
    const worker = async (): Promise<void> => {
      while (!aborted()) {
        const indices: number[] = [];
        while (indices.length < chunk && next < this.pubkeyBytes.length) {
          if (this.publicKeys[next] === undefined) indices.push(next);
          next++;
        }
        if (indices.length === 0) return;
        // the keys copied into one buffer: the checker may post them to a worker, and a view of a larger buffer (the
        // state's slabs) would be cloned with all of it
        const packed = new Uint8Array(indices.length * 48);
        const keys = indices.map((i, k) => {
          packed.set(this.getPubkeyBytes(i), k * 48);
          return packed.subarray(k * 48, k * 48 + 48);
        });
        const checked = await check(keys);
        if (aborted()) return;
        for (let from = 0; from < indices.length; from += step) {
          if (from > 0) {
            // let the node run between steps (setImmediate: after pending I/O, unlike a microtask)
            await new Promise((r) => setImmediate(r));
            if (aborted()) return;
          }
          const s0 = performance.now();
          for (let k = from; k < Math.min(from + step, indices.length); k++) {
            const index = indices[k];
            const bytes = checked[k];
            if (bytes === null || bytes === undefined) {
              result.invalid++;
              continue;
            }
            if (this.publicKeys[index] !== undefined) continue; // decoded lazily meanwhile
            // checked by the checker (subgroup, infinity): an uncompressed point deserializes without a curve check
            this.publicKeys[index] = PublicKey.fromBytes(bytes, false);
            result.decoded++;
          }
          result.maxStepMs = Math.max(result.maxStepMs, performance.now() - s0);
        }
      }
    };
    await Promise.all(Array.from({length: concurrency}, worker));
    result.ms = performance.now() - t0;
    return result;
  }

  /** The deserialized public key of a validator; throws if the stored bytes are not a valid G1 point. */
  getPublicKey(index: number): PublicKey {
    let pk = this.publicKeys[index];
    if (pk === undefined) {
      pk = PublicKey.fromBytes(this.getPubkeyBytes(index), true);
      this.publicKeys[index] = pk;
    }
    return pk;
  }
}

/**
 * 32 bits of hash of bytes 1..8 of a pubkey (byte 0 carries the compression/infinity/sign flags), mixed
 * (murmur3's finalizer) so that every output bit depends on every input bit.
 */
function pubkeyHash(pubkey: Uint8Array): number {
  const a = (pubkey[1] << 24) | (pubkey[2] << 16) | (pubkey[3] << 8) | pubkey[4];
  const b = (pubkey[5] << 24) | (pubkey[6] << 16) | (pubkey[7] << 8) | pubkey[8];
  let h = a ^ Math.imul(b, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
