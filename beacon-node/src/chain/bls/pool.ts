/**
 * BLS signature verification off the main thread (issue 13 item 3).
 *
 * `BlsWorkerPool` runs `workers` worker threads (default: one less than the cores, at least one). Callers hand it
 * signature sets and await one boolean per call:
 * - **batchable** calls (gossip messages) are buffered until `maxBufferedSets` sets are waiting or
 *   `maxBufferWaitMs` has passed since the first, then sent as one batch: one multi-pairing for all of them, with
 *   same-message sets combined first (see worker.ts); if the batch fails, the worker verifies each call alone;
 * - other calls (a block's signatures) go out at once, ahead of any gossip batch still waiting for a worker (a
 *   block must not wait behind a slot's thousands of attestations and aggregates), split into chunks of
 *   `maxSetsPerChunk` sets across idle workers; the call is true when every chunk is.
 * The main thread only copies bytes (roots, signatures, the keys' checked points: a gossip set carries no blst object,
 * see state-transition signatureSet.ts) and does so when a worker takes the work (not when the call is made): a burst
 * of gossip messages handled in one event-loop turn then only builds its sets, and the packing is spread over the
 * turns in which the workers ask for more. The workers add the keys of aggregate sets up. A gossip batch's verdicts
 * come back together (up to `maxSetsPerBatch` sets: ~85 aggregates or 256 attestations) but are settled **one call
 * per event-loop turn** (`setImmediate`): each settled call resumes its caller (the rest of the message's
 * validation, the gossipsub verdict, the op pool and fork choice), and all of them resumed in one microtask run held
 * the loop for 0.1–0.7 s at 2× mainnet rate on 1M validators — most of it V8's incremental marking, which does its
 * steps inside whatever JS allocates while a major GC is behind schedule. A block's chunks and key checks are settled
 * at once (one caller each). `BlsSingleThread` is the same interface on the main thread (tests, tools, and nodes
 * started with `--bls.workers 0`).
 */
import {availableParallelism} from "node:os";
import {Worker} from "node:worker_threads";
import {type SignatureSet, setPublicKeys, toKeyPoint, verifySignatureSets} from "@ceibo/state-transition";
import {Fifo, sleep} from "@ceibo/utils";
import {
  WIRE_KEY_BYTES,
  WIRE_KEYS_OFFSET,
  WIRE_MSG_OFFSET,
  WIRE_SIG_OFFSET,
  type WireJobs,
  type WorkerRequest,
  type WorkerResponse,
  wireSetBytes,
} from "./wire.ts";

export interface VerifyOptions {
  /** May wait a few milliseconds to be verified together with other calls (gossip). Default false. */
  batchable?: boolean;
}

export interface BlsVerifier {
  verifySignatureSets(sets: readonly SignatureSet[], opts?: VerifyOptions): Promise<boolean>;
  /**
   * Decompresses and checks public keys off the main thread (state-transition's `PublicKeyChecker`, for
   * `PubkeyCache.preload`): each key's uncompressed serialization, or null if it is not a valid key. Only the
   * worker pool has it.
   */
  checkPublicKeys?(compressed: Uint8Array[]): Promise<(Uint8Array | null)[]>;
  close(): Promise<void>;
}

/** Counters for metrics and the benchmark. */
export interface BlsPoolStats {
  calls: number;
  sets: number;
  batches: number;
  /** Batches that failed as a whole and were verified call by call. */
  batchRetries: number;
  /** Sets verified as part of a same-message group (combined with random coefficients) instead of on their own. */
  sameMessageCombined: number;
  /** Time the workers spent verifying. */
  workerMs: number;
}

export class BlsSingleThread implements BlsVerifier {
  async verifySignatureSets(sets: readonly SignatureSet[]): Promise<boolean> {
    return verifySignatureSets([...sets]);
  }
  async close(): Promise<void> {}
}

interface PendingCall {
  /** Turned into wire sets (keys aggregated, bytes serialized) when a worker takes the call. */
  sets: readonly SignatureSet[];
  resolve(ok: boolean): void;
  reject(e: Error): void;
}

interface WorkItem {
  calls: PendingCall[];
  sameMessage: boolean;
  /** Non-batchable work (a block): queued ahead of batchable work, after earlier priority items. */
  priority?: boolean;
  /** The calls packed for a worker, once converted (at dispatch, or ahead of it while every worker is busy). */
  wire?: WireJobs;
  /** A public-key check instead of signatures. */
  pubkeys?: {keys: Uint8Array[]; resolve(r: (Uint8Array | null)[]): void; reject(e: Error): void};
}

interface PoolWorker {
  worker: Worker;
  busy: WorkItem | null;
  id: number;
}

export interface BlsWorkerPoolOptions {
  /** Worker threads (default max(1, cores - 1)). */
  workers?: number;
  /** A batch goes out when this many batchable sets wait (default 32). */
  maxBufferedSets?: number;
  /** …or when the first of them has waited this long (default 100 ms). */
  maxBufferWaitMs?: number;
  /** Non-batchable calls are split into chunks of at most this many sets (default 128). */
  maxSetsPerChunk?: number;
  /**
   * Gossip batches that wait in the queue while every worker is busy go out together, up to this many sets in one
   * request (default 256): under load a worker takes everything that piled up, and the larger the batch, the more
   * sets share a message (every selection proof of a slot, every aggregate of a committee) and cost one pairing.
   */
  maxSetsPerBatch?: number;
}

/** Public keys of a set (an aggregate set has at least one: `verifySignatureSets` checks). */
function keyCount(set: SignatureSet): number {
  return set.type === "single" ? 1 : set.pubkeys.length;
}

/**
 * Writes a set as a worker takes it at `bytes[offset]` (wire.ts); false when its signing root or signature has the
 * wrong length (such a set can never verify). Throws for a key that is not a 96-byte point.
 */
function packSet(set: SignatureSet, bytes: Uint8Array, offset: number): boolean {
  if (set.signingRoot.length !== 32 || set.signature.length !== 96) return false;
  bytes.set(set.signingRoot, offset + WIRE_MSG_OFFSET);
  bytes.set(set.signature, offset + WIRE_SIG_OFFSET);
  let at = offset + WIRE_KEYS_OFFSET;
  for (const key of setPublicKeys(set)) {
    bytes.set(toKeyPoint(key), at);
    at += WIRE_KEY_BYTES;
  }
  return true;
}

export class BlsWorkerPool implements BlsVerifier {
  readonly workerCount: number;
  readonly stats: BlsPoolStats = {
    calls: 0,
    sets: 0,
    batches: 0,
    batchRetries: 0,
    sameMessageCombined: 0,
    workerMs: 0,
  };
  private readonly workers: PoolWorker[] = [];
  private readonly queue: WorkItem[] = [];
  private readonly inFlight = new Map<number, {item: WorkItem; worker: PoolWorker}>();
  private buffer: PendingCall[] = [];
  private bufferedSets = 0;
  private bufferTimer: NodeJS.Timeout | null = null;
  private nextId = 1;
  /** Gossip calls whose verdict came back, settled one per event-loop turn (`settleNext`), oldest first. */
  private readonly settling = new Fifo<{call: PendingCall; ok: boolean; error: Error | null}>();
  private settleScheduled = false;
  /** A conversion of the queue's first item is scheduled (`dispatch`). */
  private preparing = false;
  private closed = false;
  private readonly maxBufferedSets: number;
  private readonly maxBufferWaitMs: number;
  private readonly maxSetsPerChunk: number;
  private readonly maxSetsPerBatch: number;

  constructor(opts: BlsWorkerPoolOptions = {}) {
    this.workerCount = Math.max(1, opts.workers ?? availableParallelism() - 1);
    this.maxBufferedSets = opts.maxBufferedSets ?? 32;
    this.maxBufferWaitMs = opts.maxBufferWaitMs ?? 100;
    this.maxSetsPerChunk = opts.maxSetsPerChunk ?? 128;
    this.maxSetsPerBatch = Math.max(this.maxBufferedSets, opts.maxSetsPerBatch ?? 256);
    for (let i = 0; i < this.workerCount; i++) this.workers.push(this.spawn(i));
  }

  private spawn(id: number): PoolWorker {
    const w: PoolWorker = {worker: new Worker(new URL("./worker.ts", import.meta.url)), busy: null, id};
    w.worker.unref();
    w.worker.on("message", (res: WorkerResponse) => this.onResponse(w, res));
    w.worker.on("error", (e) => this.onWorkerDeath(w, e));
    w.worker.on("exit", (code) => {
      if (!this.closed) this.onWorkerDeath(w, Error(`BLS worker ${id} exited with code ${code}`));
    });
    return w;
  }

  async verifySignatureSets(sets: readonly SignatureSet[], opts: VerifyOptions = {}): Promise<boolean> {
    if (this.closed) throw Error("the BLS worker pool is closed");
    if (sets.length === 0) return true;
    // an aggregate set without signers never verifies
    for (const s of sets) if (s.type !== "single" && s.pubkeys.length === 0) return false;
    this.stats.calls++;
    this.stats.sets += sets.length;
    if (opts.batchable === true && sets.length <= this.maxBufferedSets) {
      return new Promise<boolean>((resolve, reject) => {
        this.buffer.push({sets, resolve, reject});
        this.bufferedSets += sets.length;
        if (this.bufferedSets >= this.maxBufferedSets) this.flushBuffer();
        else if (this.bufferTimer === null) {
          this.bufferTimer = setTimeout(() => this.flushBuffer(), this.maxBufferWaitMs);
        }
      });
    }
    // one call, chunked across workers; true when every chunk is
    const chunks: (readonly SignatureSet[])[] = [];
    for (let i = 0; i < sets.length; i += this.maxSetsPerChunk) chunks.push(sets.slice(i, i + this.maxSetsPerChunk));
    const items: WorkItem[] = [];
    const results = Promise.all(
      chunks.map(
        (chunk) =>
          new Promise<boolean>((resolve, reject) => {
            items.push({calls: [{sets: chunk, resolve, reject}], sameMessage: false, priority: true});
          }),
      ),
    );
    // ahead of the waiting gossip batches, behind earlier priority work
    let at = 0;
    while (at < this.queue.length && this.queue[at].priority === true) at++;
    this.queue.splice(at, 0, ...items);
    this.dispatch();
    return (await results).every((r) => r);
  }

  async checkPublicKeys(compressed: Uint8Array[]): Promise<(Uint8Array | null)[]> {
    if (this.closed) throw Error("the BLS worker pool is closed");
    if (compressed.length === 0) return [];
    return new Promise((resolve, reject) => {
      this.enqueue({calls: [], sameMessage: false, pubkeys: {keys: compressed, resolve, reject}});
    });
  }

  private flushBuffer(): void {
    if (this.bufferTimer !== null) {
      clearTimeout(this.bufferTimer);
      this.bufferTimer = null;
    }
    if (this.buffer.length === 0) return;
    const calls = this.buffer;
    this.buffer = [];
    this.bufferedSets = 0;
    this.enqueue({calls, sameMessage: true});
  }

  private enqueue(item: WorkItem): void {
    this.queue.push(item);
    this.dispatch();
  }

  private dispatch(): void {
    for (const w of this.workers) {
      if (this.queue.length === 0) break;
      if (w.busy !== null) continue;
      const item = this.takeNext();
      if (item.calls.length === 0 && item.pubkeys === undefined) {
        this.dispatch();
        return;
      }
      const jobs = item.wire as WireJobs;
      const id = this.nextId++;
      w.busy = item;
      this.inFlight.set(id, {item, worker: w});
      if (item.pubkeys === undefined) this.stats.batches++;
      const req: WorkerRequest = {
        id,
        jobs,
        sameMessage: item.sameMessage,
        pubkeys: item.pubkeys?.keys,
      };
      // the packed sets move to the worker (their buffer is the item's own: see toWireJobs and takeNext)
      w.worker.postMessage(req, [jobs.bytes.buffer as ArrayBuffer]);
    }
    this.prepareAhead();
  }

  /** A gossip batch (not a block's chunk, not a key check): may be merged with its neighbours in the queue. */
  private static isGossipBatch(item: WorkItem): boolean {
    return item.sameMessage && item.priority !== true && item.pubkeys === undefined;
  }

  private static setCount(item: WorkItem): number {
    let n = 0;
    for (const c of item.calls) n += c.sets.length;
    return n;
  }

  /**
   * The queue's first item, converted to wire sets; a gossip batch takes the gossip batches queued right behind it
   * along, up to `maxSetsPerBatch` sets.
   */
  private takeNext(): WorkItem {
    const item = this.queue.shift() as WorkItem;
    item.wire ??= this.toWireJobs(item);
    if (!BlsWorkerPool.isGossipBatch(item)) return item;
    let sets = BlsWorkerPool.setCount(item);
    const merged: WireJobs[] = [item.wire];
    while (this.queue.length > 0 && BlsWorkerPool.isGossipBatch(this.queue[0])) {
      const next = this.queue[0];
      const n = BlsWorkerPool.setCount(next);
      if (sets + n > this.maxSetsPerBatch) break;
      this.queue.shift();
      merged.push(next.wire ?? this.toWireJobs(next));
      item.calls.push(...next.calls);
      sets += n;
    }
    if (merged.length > 1) {
      let size = 0;
      for (const m of merged) size += m.bytes.length;
      const bytes = new Uint8Array(size);
      const lengths: number[] = [];
      const keys: number[] = [];
      let at = 0;
      for (const m of merged) {
        bytes.set(m.bytes, at);
        at += m.bytes.length;
        for (const n of m.lengths) lengths.push(n);
        for (const n of m.keys) keys.push(n);
      }
      item.wire = {bytes, lengths, keys};
    }
    return item;
  }

  /**
   * Every worker busy: converts the items that the next request will take (their sets packed into bytes),
   * one item per event-loop turn, so that the work is ready when a worker frees up and no turn does much of it.
   */
  private prepareAhead(): void {
    if (this.preparing) return;
    const next = this.nextUnprepared();
    if (next === undefined) return;
    this.preparing = true;
    setImmediate(() => {
      this.preparing = false;
      const item = this.nextUnprepared();
      if (item === undefined) return;
      item.wire = this.toWireJobs(item);
      this.prepareAhead();
    });
  }

  /** The first item, among those the next request would take, not yet converted to wire sets. */
  private nextUnprepared(): WorkItem | undefined {
    if (this.queue.length === 0) return undefined;
    const first = this.queue[0];
    if (first.wire === undefined) return first;
    if (!BlsWorkerPool.isGossipBatch(first)) return undefined;
    let sets = BlsWorkerPool.setCount(first);
    for (let i = 1; i < this.queue.length; i++) {
      const item = this.queue[i];
      if (!BlsWorkerPool.isGossipBatch(item)) return undefined;
      sets += BlsWorkerPool.setCount(item);
      if (sets > this.maxSetsPerBatch) return undefined;
      if (item.wire === undefined) return item;
    }
    return undefined;
  }

  /**
   * The item's calls packed for a worker (at dispatch, not when the call was made). A call whose sets cannot be
   * converted is settled here and left out of the item: false when a set has a signature or root of the wrong length
   * (it could never verify), rejected when converting threw.
   */
  private toWireJobs(item: WorkItem): WireJobs {
    let total = 0;
    for (const call of item.calls) for (const set of call.sets) total += wireSetBytes(keyCount(set));
    const bytes = new Uint8Array(total);
    const lengths: number[] = [];
    const keys: number[] = [];
    const calls: PendingCall[] = [];
    let at = 0;
    for (const call of item.calls) {
      try {
        let ok = true;
        let end = at;
        for (let i = 0; i < call.sets.length && ok; i++) {
          ok = packSet(call.sets[i], bytes, end);
          end += wireSetBytes(keyCount(call.sets[i]));
        }
        if (!ok) {
          call.resolve(false);
          continue;
        }
        at = end;
        lengths.push(call.sets.length);
        for (const set of call.sets) keys.push(keyCount(set));
        calls.push(call);
      } catch (e) {
        call.reject(e as Error);
      }
    }
    item.calls = calls;
    // its own buffer, exactly the packed sets (it is transferred to the worker)
    return {bytes: at === bytes.length ? bytes : bytes.slice(0, at), lengths, keys};
  }

  private onResponse(w: PoolWorker, res: WorkerResponse): void {
    const entry = this.inFlight.get(res.id);
    if (entry === undefined) return;
    this.inFlight.delete(res.id);
    w.busy = null;
    this.stats.workerMs += res.ms;
    if (res.retried) this.stats.batchRetries++;
    this.stats.sameMessageCombined += res.combined;
    const pk = entry.item.pubkeys;
    if (pk !== undefined) {
      if (res.error !== undefined || res.pubkeys === undefined) pk.reject(Error(`BLS worker error: ${res.error}`));
      else pk.resolve(res.pubkeys);
    }
    const error = res.error !== undefined ? Error(`BLS worker error: ${res.error}`) : null;
    if (BlsWorkerPool.isGossipBatch(entry.item)) {
      entry.item.calls.forEach((call, i) => {
        this.settling.push({call, ok: error === null && res.results[i] === true, error});
      });
      this.scheduleSettle();
    } else {
      entry.item.calls.forEach((call, i) => {
        if (error !== null) call.reject(error);
        else call.resolve(res.results[i] === true);
      });
    }
    this.dispatch();
  }

  private scheduleSettle(): void {
    if (this.settleScheduled || this.settling.length === 0) return;
    this.settleScheduled = true;
    setImmediate(this.settleNext);
  }

  /**
   * Settles the oldest waiting gossip call; its caller resumes in this turn's microtasks, and the next call waits for
   * the next turn (an immediate queued from an immediate runs after the loop's timers and I/O again).
   */
  private readonly settleNext = (): void => {
    this.settleScheduled = false;
    const s = this.settling.shift();
    this.scheduleSettle();
    if (s === undefined) return;
    if (s.error !== null) s.call.reject(s.error);
    else s.call.resolve(s.ok);
  };

  /** A worker that dies fails its work item (the callers see an error, never a false "valid"), and is replaced. */
  private onWorkerDeath(w: PoolWorker, e: Error): void {
    for (const [id, entry] of this.inFlight) {
      if (entry.worker !== w) continue;
      this.inFlight.delete(id);
      for (const call of entry.item.calls) call.reject(e);
      entry.item.pubkeys?.reject(e);
    }
    const i = this.workers.indexOf(w);
    if (i === -1 || this.closed) return;
    w.worker.removeAllListeners();
    void w.worker.terminate();
    this.workers[i] = this.spawn(w.id);
    this.dispatch();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flushBuffer();
    // let queued and in-flight work finish and every verdict reach its caller, then stop the threads
    while (this.queue.length > 0 || this.inFlight.size > 0 || this.settling.length > 0) await sleep(5);
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
