/**
 * Whole-list shufflings computed on a worker thread, so that the next epoch's committees are ready without the
 * main thread spending ~100-200 ms on them at mainnet scale (LazyEpochShuffling.computeInWorker). One worker,
 * started on first use, unref'd (it never keeps the process alive), requests answered in order. If the worker
 * cannot start or fails, the request rejects and the caller computes synchronously.
 */
import {Worker} from "node:worker_threads";
import {ACTIVE_PRESET_NAME} from "@ceibo/params";
import type {ShufflingRequest, ShufflingResponse} from "./shufflingWorkerEntry.ts";

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, {resolve: (s: Uint32Array) => void; reject: (e: Error) => void}>();

function failAll(e: Error): void {
  for (const p of pending.values()) p.reject(e);
  pending.clear();
  worker = null;
}

function getWorker(): Worker {
  if (worker !== null) return worker;
  // the worker loads @ceibo/params itself: give it this thread's preset (SHUFFLE_ROUND_COUNT differs), not whatever
  // CEIBO_PRESET says now (tests select a preset and restore the variable; a mismatch gave other committees)
  const w = new Worker(new URL("./shufflingWorkerEntry.ts", import.meta.url), {
    env: {...process.env, CEIBO_PRESET: ACTIVE_PRESET_NAME},
  });
  w.unref();
  w.on("message", (res: ShufflingResponse) => {
    const p = pending.get(res.id);
    if (p === undefined) return;
    pending.delete(res.id);
    if ("error" in res) p.reject(Error(`shuffling worker: ${res.error}`));
    else p.resolve(res.shuffling);
    if (pending.size === 0) w.unref();
  });
  w.on("error", (e) => {
    if (worker === w) failAll(e);
  });
  w.on("exit", (code) => {
    if (worker === w) failAll(Error(`shuffling worker exited with code ${code}`));
  });
  worker = w;
  return w;
}

/** `unshuffleListFast(activeIndices, seed)` computed on the worker thread (the inputs are copied to it). */
export function unshuffleListInWorker(activeIndices: Uint32Array, seed: Uint8Array): Promise<Uint32Array> {
  return new Promise((resolve, reject) => {
    let w: Worker;
    try {
      w = getWorker();
    } catch (e) {
      reject(e instanceof Error ? e : Error(String(e)));
      return;
    }
    const id = nextId++;
    pending.set(id, {resolve, reject});
    // keep the process alive while an answer is due (a caller awaits it), not otherwise
    w.ref();
    const req: ShufflingRequest = {id, activeIndices, seed, preset: ACTIVE_PRESET_NAME};
    w.postMessage(req);
  });
}

/** Stops the worker (tests; a later request starts a new one). */
export async function terminateShufflingWorker(): Promise<void> {
  const w = worker;
  if (w === null) return;
  worker = null;
  failAll(Error("shuffling worker terminated"));
  await w.terminate();
}
