/**
 * Decrypt many keystores across worker_threads with progress reporting. scrypt at the EIP-2335 default cost is
 * CPU- and memory-bound (~2.5 s, 256 MiB per key), so the pool defaults to
 * os.availableParallelism() workers (capped by free memory).
 */
import {availableParallelism, freemem} from "node:os";
import {Worker} from "node:worker_threads";
import type {DecryptRequest, DecryptResponse} from "./decryptWorker.ts";
import {KeystoreError, type KeystoreErrorCode} from "./errors.ts";
import type {DecryptedKey} from "./keystore.ts";

export interface DecryptJob {
  keystorePath: string;
  password: string;
}

export interface DecryptProgress {
  done: number;
  total: number;
  elapsedMs: number;
  /** Estimated remaining time from the mean rate so far; null before the first key finishes. */
  etaMs: number | null;
}

export interface DecryptPoolOptions {
  /** Worker count; default defaultWorkerCount(), never more than the number of jobs. */
  workers?: number;
  onProgress?: (p: DecryptProgress) => void;
  signal?: AbortSignal;
}

/**
 * Default worker count: one per available CPU, but no more than free memory allows at 512 MiB per worker (an
 * EIP-2335 default scrypt needs 256 MiB while it runs; the rest is headroom for the worker's own heap).
 */
export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(availableParallelism(), Math.floor(freemem() / 2 ** 29)));
}

const WORKER_URL = new URL("./decryptWorker.ts", import.meta.url);

/**
 * Decrypt every job; resolves with keys in job order. Fails fast: the first failing keystore rejects with its
 * KeystoreError (wrong password, malformed JSON, pubkey mismatch, …) and all workers are stopped.
 */
export function decryptKeystoresParallel(jobs: DecryptJob[], opts: DecryptPoolOptions = {}): Promise<DecryptedKey[]> {
  const total = jobs.length;
  if (total === 0) return Promise.resolve([]);
  const workerCount = Math.max(1, Math.min(opts.workers ?? defaultWorkerCount(), total));
  const start = performance.now();
  const results: DecryptedKey[] = new Array(total);
  const workers: Worker[] = [];
  let next = 0;
  let done = 0;
  let settled = false;

  return new Promise<DecryptedKey[]>((resolve, reject) => {
    const finish = (err: Error | null): void => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener("abort", onAbort);
      for (const w of workers) void w.terminate();
      if (err) {
        for (const r of results) r?.secretKey.fill(0);
        reject(err);
      } else resolve(results);
    };
    const onAbort = (): void => finish(new KeystoreError("IO", "keystore decryption aborted"));
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener("abort", onAbort);

    const dispatch = (w: Worker): void => {
      if (settled || next >= total) return;
      const id = next++;
      const req: DecryptRequest = {id, path: jobs[id].keystorePath, password: jobs[id].password};
      w.postMessage(req);
    };

    for (let i = 0; i < workerCount; i++) {
      const w = new Worker(WORKER_URL);
      workers.push(w);
      w.on("message", (res: DecryptResponse) => {
        if (settled) return;
        if (!res.ok)
          return finish(new KeystoreError(res.code as KeystoreErrorCode, res.message, jobs[res.id].keystorePath));
        results[res.id] = {path: jobs[res.id].keystorePath, pubkey: res.pubkey, secretKey: res.secretKey};
        done++;
        const elapsedMs = performance.now() - start;
        opts.onProgress?.({done, total, elapsedMs, etaMs: (elapsedMs / done) * (total - done)});
        if (done === total) return finish(null);
        dispatch(w);
      });
      w.on("error", (e) => finish(new KeystoreError("IO", `keystore decryption worker failed: ${e.message}`)));
      w.on("exit", (code) => {
        if (!settled) finish(new KeystoreError("IO", `keystore decryption worker exited with code ${code}`));
      });
      dispatch(w);
    }
  });
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** One-line progress text for a terminal, e.g. "Decrypting keystores 3/8 (38%), 7.5 s elapsed, ETA 12.5 s". */
export function formatProgress(p: DecryptProgress): string {
  const pct = p.total === 0 ? 100 : Math.floor((p.done / p.total) * 100);
  const eta = p.etaMs === null ? "ETA unknown" : `ETA ${formatSeconds(p.etaMs)}`;
  return `Decrypting keystores ${p.done}/${p.total} (${pct}%), ${formatSeconds(p.elapsedMs)} elapsed, ${eta}`;
}

/** A progress callback that rewrites one terminal line on a TTY (one line per report otherwise). */
export function progressLine(stream: NodeJS.WriteStream = process.stderr): (p: DecryptProgress) => void {
  return (p) => {
    const line = formatProgress(p);
    if (stream.isTTY) stream.write(`\r${line}\x1b[K${p.done === p.total ? "\n" : ""}`);
    else stream.write(`${line}\n`);
  };
}
