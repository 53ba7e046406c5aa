/**
 * The worker side of shufflingWorker.ts: computes a whole-list shuffling (`unshuffleListFast`, the same function
 * the synchronous path uses) for each request and posts it back.
 */
import {parentPort} from "node:worker_threads";
import {unshuffleListFast} from "../util/shuffleNative.ts";

export interface ShufflingRequest {
  id: number;
  activeIndices: Uint32Array;
  seed: Uint8Array;
}

export type ShufflingResponse = {id: number; shuffling: Uint32Array} | {id: number; error: string};

if (parentPort !== null) {
  const port = parentPort;
  port.on("message", (req: ShufflingRequest) => {
    try {
      port.postMessage({id: req.id, shuffling: unshuffleListFast(req.activeIndices, req.seed)});
    } catch (e) {
      port.postMessage({id: req.id, error: e instanceof Error ? e.message : String(e)});
    }
  });
}
