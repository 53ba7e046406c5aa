import {statfsSync} from "node:fs";
import type {ClassicLevel} from "classic-level";
import type {DbMetricsHook} from "../metrics/hooks.ts";
import {DbError} from "./errors.ts";

export type BatchOp = {type: "put"; key: Uint8Array; value: Uint8Array} | {type: "del"; key: Uint8Array};

export interface KeyRange {
  gte?: Uint8Array;
  gt?: Uint8Array;
  lt?: Uint8Array;
  lte?: Uint8Array;
  reverse?: boolean;
  limit?: number;
}

/** Free space a database needs before it is reopened after a failed write (its log replays into a table). */
const REOPEN_MIN_FREE_BYTES = 16 * 1024 * 1024;

export interface WriteOpts {
  /** fsync the LevelDB log before resolving (survives power loss, not only a process crash). Default false. */
  sync?: boolean;
}

/**
 * The byte-level store under every repository: Uint8Array keys and values, one LevelDB write batch per
 * `write()`, reads translated to DbError. Tracks in-flight operations so `close()` waits for them.
 */
export class Kv {
  private readonly level: ClassicLevel<Uint8Array, Uint8Array>;
  readonly location: string;
  private closed = false;
  /** A write failed (disk full, I/O error): reopen before the next one. */
  private failedWrite = false;
  private reopening: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Operation durations (`--metrics`: given at open, BeaconDbOpts.metricsHook). */
  readonly metricsHook: DbMetricsHook | null;

  constructor(level: ClassicLevel<Uint8Array, Uint8Array>, location: string, metricsHook: DbMetricsHook | null = null) {
    this.level = level;
    this.location = location;
    this.metricsHook = metricsHook;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.track("get", async () => plain(await this.level.get(key)));
  }

  /** Writes every op in one LevelDB write batch: all of them land or none does. */
  write(ops: BatchOp[], opts: WriteOpts = {}): Promise<void> {
    if (ops.length === 0) return this.track("write", async () => {});
    return this.track("write", async () => {
      if (this.failedWrite) await this.reopenAfterFailedWrite();
      try {
        await this.level.batch(ops, {sync: opts.sync ?? false});
      } catch (e) {
        this.failedWrite = true;
        throw e;
      }
    });
  }

  /**
   * After a failed write (e.g. ENOSPC) LevelDB's log may end in a torn record that later records would be appended
   * behind — and lost with it on the next open. So before writing again the database is closed and opened (LevelDB
   * recovers the log up to its last whole record and starts a new one), once the disk has room for that.
   */
  private reopenAfterFailedWrite(): Promise<void> {
    this.reopening ??= (async () => {
      const {bavail, bsize} = statfsSync(this.location);
      const free = bavail * bsize;
      if (free < REOPEN_MIN_FREE_BYTES) {
        throw Error(`No space left on device (ENOSPC): ${free} bytes free, waiting for ${REOPEN_MIN_FREE_BYTES}`);
      }
      await this.level.close();
      await this.level.open();
      this.failedWrite = false;
    })().finally(() => {
      this.reopening = null;
    });
    return this.reopening;
  }

  /** Every [key, value] in a range, in key order (reverse if asked). */
  entries(range: KeyRange): Promise<[Uint8Array, Uint8Array][]> {
    return this.track("iterator", async () =>
      (await this.level.iterator(cleanRange(range)).all()).map(
        ([k, v]) => [plain(k), plain(v)] as [Uint8Array, Uint8Array],
      ),
    );
  }

  keys(range: KeyRange): Promise<Uint8Array[]> {
    return this.track("keys", async () => (await this.level.keys(cleanRange(range)).all()).map(plain));
  }

  /** Waits for in-flight operations, then closes LevelDB (releasing its LOCK). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.level.close();
  }

  private track<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) {
      return Promise.reject(new DbError("CLOSED", `database ${this.location} is closed (${what})`));
    }
    let started: Promise<T>;
    const hook = this.metricsHook;
    const t0 = hook !== null ? performance.now() : 0;
    try {
      started = fn();
    } catch (e) {
      started = Promise.reject(e);
    }
    const p = started.catch((e: unknown) => {
      const message = (e as Error).message;
      // LevelDB says "No space left on device": name the errno and what it means
      const full = /No space left on device|ENOSPC/i.test(message) ? "the disk is full (ENOSPC): " : "";
      throw new DbError("IO_ERROR", `database ${this.location}: ${what} failed: ${full}${message}`, {cause: e});
    });
    this.inFlight.add(p);
    const done = (ok: boolean): void => {
      this.inFlight.delete(p);
      hook?.(what, (performance.now() - t0) / 1000, ok);
    };
    p.then(
      () => done(true),
      () => done(false),
    );
    return p;
  }
}

/** LevelDB hands back Buffers; the db's API speaks plain Uint8Array (same memory, no copy). */
function plain<T extends Uint8Array | undefined>(b: T): T {
  if (b === undefined || b.constructor === Uint8Array) return b;
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength) as T;
}

function cleanRange(range: KeyRange): KeyRange {
  const out: KeyRange = {};
  for (const k of ["gte", "gt", "lt", "lte", "reverse", "limit"] as const) {
    if (range[k] !== undefined) (out as Record<string, unknown>)[k] = range[k];
  }
  return out;
}
