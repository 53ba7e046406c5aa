import {bytesEqual, toHexUnprefixed} from "@ceibo/utils";
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
   * Keyed by a 48-bit number taken from the pubkey (no string per validator: at 1M validators hex keys cost
   * seconds of hashing and garbage collection). A hit is confirmed against the stored bytes; the rare pubkeys
   * that share a numeric key with another go to `collisions`, keyed by hex.
   */
  private readonly byKey = new Map<number, number>();
  private readonly collisions = new Map<string, number>();
  private readonly pubkeyBytes: Uint8Array[] = [];
  private readonly publicKeys: (PublicKey | undefined)[] = [];

  get size(): number {
    return this.pubkeyBytes.length;
  }

  /** Records validator `index` with `pubkey` (idempotent for the same pair). */
  set(index: number, pubkey: Uint8Array): void {
    if (this.pubkeyBytes[index] !== undefined) return;
    const key = numericKey(pubkey);
    const other = this.byKey.get(key);
    if (other === undefined) this.byKey.set(key, index);
    else if (!bytesEqual(this.pubkeyBytes[other], pubkey)) this.collisions.set(toHexUnprefixed(pubkey), index);
    this.pubkeyBytes[index] = pubkey;
  }

  /** The validator index of a pubkey, or undefined if no validator has it. */
  getIndex(pubkey: Uint8Array): number | undefined {
    if (pubkey.length !== 48) return undefined;
    const index = this.byKey.get(numericKey(pubkey));
    if (index !== undefined && bytesEqual(this.pubkeyBytes[index], pubkey)) return index;
    return this.collisions.size > 0 ? this.collisions.get(toHexUnprefixed(pubkey)) : undefined;
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
        const checked = await check(indices.map((i) => this.getPubkeyBytes(i)));
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

/** Bytes 1..6 of a pubkey as a number (byte 0 carries the compression/infinity/sign flags). */
function numericKey(pubkey: Uint8Array): number {
  return (
    pubkey[1] * 2 ** 40 +
    pubkey[2] * 2 ** 32 +
    ((pubkey[3] << 24) >>> 0) +
    (pubkey[4] << 16) +
    (pubkey[5] << 8) +
    pubkey[6]
  );
}
