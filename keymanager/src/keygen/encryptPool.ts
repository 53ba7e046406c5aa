/**
 * Encrypt many keystores across worker_threads (scrypt at the EIP-2335 cost takes ≈1 s and 256 MiB per key),
 * with the same progress reports as the decryption pool.
 */
import {Worker} from "node:worker_threads";
import {type DecryptProgress, defaultWorkerCount} from "../pool.ts";
import type {EncryptRequest, EncryptResponse} from "./encryptWorker.ts";

export interface EncryptJob {
  secretKey: Uint8Array;
  password: string;
  /** EIP-2334 path written into the keystore. */
  path: string;
}

export interface EncryptPoolOptions {
  kdf?: "scrypt" | "pbkdf2";
  /** scrypt n / pbkdf2 c override (tests only). */
  cost?: number;
  workers?: number;
  onProgress?: (p: DecryptProgress) => void;
}

const WORKER_URL = new URL("./encryptWorker.ts", import.meta.url);

/** Keystore JSON texts in job order. The secret keys are copied to the workers; the caller wipes its own. */
export function encryptKeystoresParallel(jobs: EncryptJob[], opts: EncryptPoolOptions = {}): Promise<string[]> {
  const total = jobs.length;
  if (total === 0) return Promise.resolve([]);
  const workerCount = Math.max(1, Math.min(opts.workers ?? defaultWorkerCount(), total));
  const start = performance.now();
  const results: string[] = new Array(total);
  const workers: Worker[] = [];
  let next = 0;
  let done = 0;
  let settled = false;
  return new Promise<string[]>((resolve, reject) => {
    const finish = (err: Error | null): void => {
      if (settled) return;
      settled = true;
      for (const w of workers) void w.terminate();
      if (err) reject(err);
      else resolve(results);
    };
    const dispatch = (w: Worker): void => {
      if (settled || next >= total) return;
      const id = next++;
      const secretKey = new Uint8Array(32);
      secretKey.set(jobs[id].secretKey);
      const req: EncryptRequest = {
        id,
        secretKey,
        password: jobs[id].password,
        kdf: opts.kdf ?? "scrypt",
        cost: opts.cost,
        path: jobs[id].path,
      };
      w.postMessage(req, [secretKey.buffer]);
    };
    opts.onProgress?.({done: 0, total, elapsedMs: 0, etaMs: null});
    for (let i = 0; i < workerCount; i++) {
      const w = new Worker(WORKER_URL);
      workers.push(w);
      w.on("message", (res: EncryptResponse) => {
        if (settled) return;
        if (!res.ok) return finish(new Error(`cannot encrypt the keystore of ${jobs[res.id].path}: ${res.message}`));
        results[res.id] = res.keystore;
        done++;
        const elapsedMs = performance.now() - start;
        opts.onProgress?.({done, total, elapsedMs, etaMs: (elapsedMs / done) * (total - done)});
        if (done === total) return finish(null);
        dispatch(w);
      });
      w.on("error", (e) => finish(new Error(`keystore encryption worker failed: ${e.message}`)));
      w.on("exit", (code) => {
        if (!settled) finish(new Error(`keystore encryption worker exited with code ${code}`));
      });
      dispatch(w);
    }
  });
}
