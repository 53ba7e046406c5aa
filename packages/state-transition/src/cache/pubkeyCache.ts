import {aggregateSerializedPublicKeys, PublicKey} from "@chainsafe/blst";
import {KEY_POINT_BYTES} from "../signatureSets/signatureSet.ts";

/**
 * Checks compressed public keys somewhere else (a BLS worker thread): for each key its uncompressed serialization
 * (96 bytes) when it is a valid G1 point in the subgroup and not infinity, else null.
 */
export type PublicKeyChecker = (compressed: Uint8Array[]) => Promise<(Uint8Array | null)[]>;

export interface PreloadOpts {
  /** Keys per checker call (default 1024). */
  chunk?: number;
  /** Checked keys stored here per synchronous step, with an event-loop turn between steps (default 1024). */
  step?: number;
  /** Checker calls in flight at once (default 1; the BLS pool's worker count keeps every worker busy). */
  concurrency?: number;
  signal?: AbortSignal;
}

export interface PreloadResult {
  /** Keys checked and stored by this run (the others were checked already, or are invalid). */
  decoded: number;
  invalid: number;
  ms: number;
  /** Longest synchronous stretch of the main thread in one step (storing `step` checked keys). */
  maxStepMs: number;
}

/** Bytes of a compressed G1 public key (a validator's pubkey). */
const PUBKEY = 48;
/** Bytes of an uncompressed G1 public key: the stored form, the `KeyPoint` signature sets carry. */
const UNCOMPRESSED = KEY_POINT_BYTES;
/** Keys per buffer of the uncompressed-key store (768 KiB a buffer). */
const KEYS_PER_BUFFER = 8192;

/**
 * pubkey ↔ validator index, shared by every state of one chain (validator indices never change once assigned,
 * so the maps only grow). Building the cache for a million validators costs a map insert each, not a curve
 * operation.
 *
 * The checked keys are kept as bytes, not as blst `PublicKey` objects: each key's uncompressed point (96 bytes) in
 * buffers of 8,192 keys, with a flag per validator saying it is checked. A blst `PublicKey` is ~520 bytes of RSS
 * and four objects on the main heap (its wrapper, the napi wrapper object and two V8-internal ones, plus a weak
 * handle); a million of them made a full garbage collection of a 1M-validator node about 40% longer (measured:
 * 468–570 ms against 342–386 ms without them) and each major collection's marking stalled the event loop
 * correspondingly longer (issue 13). `getPublicKey` makes a short-lived `PublicKey` from the stored point without a
 * curve check (~2 µs, collected young) each time it is asked. A key is checked (decompressed, in the subgroup, not
 * infinity) once:
 * - all at once in the background by `preload` (issue 13: decoded and checked once at load, off the main thread):
 *   the expensive part, decompression and the subgroup check (~60–250 µs a key), runs in a checker (the BLS worker
 *   pool), which returns the uncompressed point; the main thread copies it into the store, `step` keys per
 *   event-loop turn; or
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
  /**
   * Compressed pubkeys: validator i at byte (i % KEYS_PER_BUFFER) * 48 of buffer ⌊i / KEYS_PER_BUFFER⌋, copied in
   * (not the callers' views kept: a view is an object on the main heap, a million of them ~100 MB and a longer
   * major GC; issue 13).
   */
  private readonly pubkeyBuffers: (Uint8Array | undefined)[] = [];
  /** 1 when validator i's pubkey is recorded in pubkeyBuffers. */
  private present = new Uint8Array(1024);
  /** One more than the highest recorded index. */
  private length = 0;
  /** Uncompressed checked keys: validator i at byte (i % KEYS_PER_BUFFER) * 96 of buffer ⌊i / KEYS_PER_BUFFER⌋. */
  private readonly keyBuffers: (Uint8Array | undefined)[] = [];
  /** 1 when validator i's key is checked and stored in keyBuffers. */
  private checked = new Uint8Array(1024);
  private checkedCount = 0;

  get size(): number {
    return this.length;
  }

  /** Records validator `index` with `pubkey` (idempotent for the same pair; a pubkey keeps its first index). */
  set(index: number, pubkey: Uint8Array): void {
    if (this.hasPubkey(index)) return;
    if (pubkey.length !== PUBKEY) throw Error(`expected a ${PUBKEY}-byte pubkey, got ${pubkey.length}`);
    this.storePubkey(index, pubkey);
    if ((this.tableCount + 1) * 2 > this.table.length) this.grow();
    const table = this.table;
    const mask = table.length - 1;
    let slot = pubkeyHash(pubkey) & mask;
    for (let entry = table[slot]; entry !== 0; entry = table[slot]) {
      // the same pubkey under an earlier index: getIndex keeps that one
      if (this.pubkeyEquals(entry - 1, pubkey)) return;
      slot = (slot + 1) & mask;
    }
    table[slot] = index + 1;
    this.tableCount++;
  }

  private hasPubkey(index: number): boolean {
    return index < this.present.length && this.present[index] === 1;
  }

  private storePubkey(index: number, pubkey: Uint8Array): void {
    writeKey(this.pubkeyBuffers, index, pubkey, PUBKEY);
    this.present = flagged(this.present, index);
    if (index >= this.length) this.length = index + 1;
  }

  /** Whether the recorded pubkey of `index` is `pubkey` (compared in place, no view made). */
  private pubkeyEquals(index: number, pubkey: Uint8Array): boolean {
    const buffer = this.pubkeyBuffers[Math.floor(index / KEYS_PER_BUFFER)] as Uint8Array;
    const offset = (index % KEYS_PER_BUFFER) * PUBKEY;
    for (let i = 0; i < PUBKEY; i++) if (buffer[offset + i] !== pubkey[i]) return false;
    return true;
  }

  /** The validator index of a pubkey, or undefined if no validator has it. */
  getIndex(pubkey: Uint8Array): number | undefined {
    if (pubkey.length !== PUBKEY) return undefined;
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
      if (this.pubkeyEquals(entry - 1, pubkey)) return slot;
    }
  }

  private insert(index: number): void {
    const table = this.table;
    const mask = table.length - 1;
    let slot = pubkeyHash(this.getPubkeyBytes(index)) & mask;
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

  /** The compressed pubkey of a validator: a view into the store (do not keep it or write to it). */
  getPubkeyBytes(index: number): Uint8Array {
    if (!this.hasPubkey(index)) throw Error(`no pubkey cached for validator index ${index}`);
    const buffer = this.pubkeyBuffers[Math.floor(index / KEYS_PER_BUFFER)] as Uint8Array;
    const offset = (index % KEYS_PER_BUFFER) * PUBKEY;
    return buffer.subarray(offset, offset + PUBKEY);
  }

  /** Keys checked and stored so far (by `preload` or `getPublicKey`). */
  get decodedCount(): number {
    return this.checkedCount;
  }

  private isChecked(index: number): boolean {
    return index < this.checked.length && this.checked[index] === 1;
  }

  /** The stored uncompressed point of a checked key (a view into the store). */
  private uncompressed(index: number): Uint8Array {
    const buffer = this.keyBuffers[Math.floor(index / KEYS_PER_BUFFER)] as Uint8Array;
    const offset = (index % KEYS_PER_BUFFER) * UNCOMPRESSED;
    return buffer.subarray(offset, offset + UNCOMPRESSED);
  }

  /** Stores the checked key of `index` (its uncompressed point) and flags it. */
  private storeChecked(index: number, point: Uint8Array): void {
    if (point.length !== UNCOMPRESSED) {
      throw Error(`expected a ${UNCOMPRESSED}-byte uncompressed key, got ${point.length}`);
    }
    writeKey(this.keyBuffers, index, point, UNCOMPRESSED);
    this.checked = flagged(this.checked, index);
    this.checkedCount++;
  }

  /**
   * Checks every key not checked yet with `check` (off this thread) in chunks, each chunk's checked points then
   * stored here in short synchronous steps. Keys added meanwhile are included; a key the checker refuses stays
   * unchecked (`getPublicKey` throws for it, as before). Stops early on `signal`.
   */
  async preload(check: PublicKeyChecker, opts: PreloadOpts = {}): Promise<PreloadResult> {
    const t0 = performance.now();
    const chunk = opts.chunk ?? 1024;
    const step = Math.max(1, opts.step ?? 1024);
    const concurrency = Math.max(1, opts.concurrency ?? 1);
    const result: PreloadResult = {decoded: 0, invalid: 0, ms: 0, maxStepMs: 0};
    let next = 0;
    const aborted = (): boolean => opts.signal?.aborted === true;
    const worker = async (): Promise<void> => {
      while (!aborted()) {
        const indices: number[] = [];
        while (indices.length < chunk && next < this.length) {
          if (this.hasPubkey(next) && !this.isChecked(next)) indices.push(next);
          next++;
        }
        if (indices.length === 0) return;
        // the keys copied into one buffer: the checker may post them to a worker, and a view of a larger buffer (this
        // store's buffers) would be cloned with all of it
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
            if (this.isChecked(index)) continue; // checked lazily meanwhile
            // checked by the checker (subgroup, infinity): stored, and deserialized later without a curve check
            this.storeChecked(index, bytes);
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

  /**
   * The aggregate public key of validators (at least one), added up from their stored points (~1–1.5 µs a key: no
   * `PublicKey` object per key); a key not checked yet is checked on the spot first. Throws as `getPublicKey` for
   * an invalid key.
   */
  aggregatePublicKeys(indices: ArrayLike<number>): PublicKey {
    if (indices.length === 0) throw Error("aggregatePublicKeys: no validator indices");
    if (indices.length === 1) return this.getPublicKey(indices[0]);
    const points = new Array<Uint8Array>(indices.length);
    for (let k = 0; k < indices.length; k++) {
      const index = indices[k];
      if (!this.isChecked(index)) this.getPublicKey(index);
      points[k] = this.uncompressed(index);
    }
    // the stored points are checked (subgroup, not infinity): no second check
    return aggregateSerializedPublicKeys(points, false);
  }

  /**
   * The checked key of a validator as its uncompressed point (96 bytes; a view into the store: do not keep it or
   * write to it), checked on the spot first if it is not yet; throws as `getPublicKey` for an invalid key. What
   * signature sets carry to the BLS pool instead of a `PublicKey` (no native object per use).
   */
  getKeyPoint(index: number): Uint8Array {
    if (!this.isChecked(index)) this.getPublicKey(index);
    return this.uncompressed(index);
  }

  /**
   * The deserialized public key of a validator, a new object on each call (do not keep it: keep the index); throws
   * if the validator's pubkey is not a valid G1 point in the subgroup.
   */
  getPublicKey(index: number): PublicKey {
    if (this.isChecked(index)) return PublicKey.fromBytes(this.uncompressed(index), false);
    const pk = PublicKey.fromBytes(this.getPubkeyBytes(index), true);
    this.storeChecked(index, pk.toBytes(false));
    return pk;
  }
}

/**
 * Writes the `width`-byte key of validator `index` into its buffer of KEYS_PER_BUFFER keys (byte
 * (index % KEYS_PER_BUFFER) * width of buffer ⌊index / KEYS_PER_BUFFER⌋), creating that buffer if needed.
 */
function writeKey(buffers: (Uint8Array | undefined)[], index: number, key: Uint8Array, width: number): void {
  const b = Math.floor(index / KEYS_PER_BUFFER);
  let buffer = buffers[b];
  if (buffer === undefined) {
    while (buffers.length < b) buffers.push(undefined);
    buffer = new Uint8Array(KEYS_PER_BUFFER * width);
    buffers[b] = buffer;
  }
  buffer.set(key, (index % KEYS_PER_BUFFER) * width);
}

/** `flags` with byte `index` set to 1: the same array, or a copy grown (doubling) to hold `index`. */
function flagged(flags: Uint8Array<ArrayBuffer>, index: number): Uint8Array<ArrayBuffer> {
  let out = flags;
  if (index >= flags.length) {
    let n = flags.length;
    while (n <= index) n *= 2;
    out = new Uint8Array(n);
    out.set(flags);
  }
  out[index] = 1;
  return out;
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
