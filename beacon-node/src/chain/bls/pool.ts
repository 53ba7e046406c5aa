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
 * The main thread only aggregates public keys of aggregate sets and serializes bytes, and does so when a worker
 * takes the work (not when the call is made): a burst of gossip messages handled in one event-loop turn then only
 * builds its sets, and the aggregation of their keys (~0.4 ms for an aggregate of a 1M-validator committee) is
 * spread over the turns in which the workers ask for more. `BlsSingleThread` is the same
 * interface on the main thread (tests, tools, and nodes started with `--bls.workers 0`).
 */
import {availableParallelism} from "node:os";
import {Worker} from "node:worker_threads";
import {type SignatureSet, verifySignatureSets} from "@ceibo/state-transition";
import {sleep} from "@ceibo/utils";
import {aggregatePublicKeys, type PublicKey} from "@chainsafe/blst";
import type {WireSet, WorkerRequest, WorkerResponse} from "./wire.ts";

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
  /** The calls as wire sets, once converted (at dispatch, or ahead of it while every worker is busy). */
  wire?: WireSet[][];
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
}

/** A set as a worker takes it (an aggregate set has at least one key: `verifySignatureSets` checks). */
function toWire(set: SignatureSet): WireSet {
  let pk: PublicKey;
  if (set.type === "single") pk = set.pubkey;
  else pk = set.pubkeys.length === 1 ? set.pubkeys[0] : aggregatePublicKeys(set.pubkeys);
  return {pk: pk.toBytes(false), msg: set.signingRoot, sig: set.signature};
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
  /** A conversion of the queue's first item is scheduled (`dispatch`). */
  private preparing = false;
  private closed = false;
  private readonly maxBufferedSets: number;
  private readonly maxBufferWaitMs: number;
  private readonly maxSetsPerChunk: number;

  constructor(opts: BlsWorkerPoolOptions = {}) {
    this.workerCount = Math.max(1, opts.workers ?? availableParallelism() - 1);
    this.maxBufferedSets = opts.maxBufferedSets ?? 32;
    this.maxBufferWaitMs = opts.maxBufferWaitMs ?? 100;
    this.maxSetsPerChunk = opts.maxSetsPerChunk ?? 128;
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
      const item = this.queue.shift() as WorkItem;
      const jobs = item.wire ?? this.toWireJobs(item);
      if (item.calls.length === 0 && item.pubkeys === undefined) {
        this.dispatch();
        return;
      }
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
      w.worker.postMessage(req);
    }
    // every worker busy: prepare the next item in a later turn, so that it is ready when a worker frees up
    if (this.queue.length > 0 && this.queue[0].wire === undefined && !this.preparing) {
      this.preparing = true;
      setImmediate(() => {
        this.preparing = false;
        const next = this.queue[0];
        if (next !== undefined && next.wire === undefined) next.wire = this.toWireJobs(next);
      });
    }
  }

  /**
   * The item's calls as wire sets: the keys of aggregate sets aggregated now (not when the call was made). A call
   * whose sets cannot be converted is rejected and left out of the item.
   */
  private toWireJobs(item: WorkItem): WireSet[][] {
    const jobs: WireSet[][] = [];
    const calls: PendingCall[] = [];
    for (const call of item.calls) {
      try {
        jobs.push(call.sets.map(toWire));
        calls.push(call);
      } catch (e) {
        call.reject(e as Error);
      }
    }
    item.calls = calls;
    return jobs;
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
    entry.item.calls.forEach((call, i) => {
      if (res.error !== undefined) call.reject(Error(`BLS worker error: ${res.error}`));
      else call.resolve(res.results[i] === true);
    });
    this.dispatch();
  }

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
    // let queued and in-flight work finish, then stop the threads
    while (this.queue.length > 0 || this.inFlight.size > 0) await sleep(5);
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
