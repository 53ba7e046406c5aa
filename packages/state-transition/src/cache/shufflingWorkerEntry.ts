/**
 * The worker side of shufflingWorker.ts: computes a whole-list shuffling (`unshuffleListFast`, the same function
 * the synchronous path uses) for each request and posts it back.
 */
import {parentPort} from "node:worker_threads";
import {ACTIVE_PRESET_NAME} from "@ceibo/params";
import {unshuffleListFast} from "../util/shuffleNative.ts";

export interface ShufflingRequest {
  id: number;
  activeIndices: Uint32Array;
  seed: Uint8Array;
  /** The requesting thread's preset: a worker on another preset refuses (the caller then computes it itself). */
  preset: string;
}

export type ShufflingResponse = {id: number; shuffling: Uint32Array} | {id: number; error: string};

if (parentPort !== null) {
  const port = parentPort;
  port.on("message", (req: ShufflingRequest) => {
    try {
      if (req.preset !== ACTIVE_PRESET_NAME) {
        throw Error(`the worker runs the ${ACTIVE_PRESET_NAME} preset, the request is for ${req.preset}`);
      }
      port.postMessage({id: req.id, shuffling: unshuffleListFast(req.activeIndices, req.seed)});
    } catch (e) {
      port.postMessage({id: req.id, error: e instanceof Error ? e.message : String(e)});
    }
  });
}
