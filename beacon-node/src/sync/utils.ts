/**
 * Small pieces shared by range sync, unknown-block lookup and backfill: block roots, timeouts, and which
 * import errors are the serving peer's fault.
 */
import type {BeaconConfig} from "@ceibo/config";
import type {SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import {bytesEqual, toHex} from "@ceibo/utils";
import {blockRootOf} from "../chain/chain.ts";
import type {BlockErrorCode} from "../chain/errors.ts";
import type {BlockWithFork} from "../network/types.ts";

/** hash_tree_root(block.message) with the SSZ type of the fork active at the block's slot. */
export function blockRoot(config: BeaconConfig, block: SignedBeaconBlockAllForks): Uint8Array {
  return blockRootOf(config, block.message);
}

/** Thrown by `withTimeout` when the wrapped promise does not settle in time. */
export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} timed out after ${ms} ms`);
    this.name = "TimeoutError";
  }
}

/** Rejects with a TimeoutError after `ms` (the wrapped request keeps running; its result is ignored). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  if (!Number.isFinite(ms)) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
    // a guard, not work: it must not keep a stopping process alive
    timer.unref();
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/**
 * Import failures that prove the block itself is bad: whoever served it served an invalid block (its
 * signature, state transition or payload is invalid, it is not a block at all, or it conflicts with our
 * finalized checkpoint).
 */
export const INVALID_BLOCK_CODES: ReadonlySet<BlockErrorCode> = new Set<BlockErrorCode>([
  "INVALID_SIGNATURE",
  "INVALID_STATE_TRANSITION",
  "EXECUTION_INVALID",
  "INVALID_BLOCK",
  "NOT_FINALIZED_DESCENDANT",
]);

/**
 * Import failures that are ours, not the peer's (engine down, sidecars not fetched): no penalty, try again later.
 */
export const LOCAL_FAILURE_CODES: ReadonlySet<BlockErrorCode> = new Set<BlockErrorCode>([
  "EXECUTION_ENGINE_ERROR",
  "DATA_UNAVAILABLE",
]);

/**
 * Checks that blocks of a by-range response lie in [startSlot, startSlot + count), are in strictly increasing
 * slot order and form one chain (each parent_root is the previous block's root, p2p-interface.md
 * BeaconBlocksByRange). Returns the roots, or a reason the response is invalid.
 */
export function checkRangeResponse(
  config: BeaconConfig,
  req: {startSlot: number; count: number},
  blocks: BlockWithFork[],
): {ok: true; roots: Uint8Array[]} | {ok: false; reason: string} {
  if (blocks.length > req.count) return {ok: false, reason: `${blocks.length} blocks for a count of ${req.count}`};
  const roots: Uint8Array[] = [];
  let prevSlot = -1;
  for (let i = 0; i < blocks.length; i++) {
    const message = blocks[i].block.message;
    const slot = message.slot;
    if (slot < req.startSlot || slot >= req.startSlot + req.count) {
      return {ok: false, reason: `block at slot ${slot} outside [${req.startSlot}, ${req.startSlot + req.count})`};
    }
    if (slot <= prevSlot) return {ok: false, reason: `block at slot ${slot} after slot ${prevSlot}: not in order`};
    const root = blockRoot(config, blocks[i].block);
    if (i > 0 && !bytesEqual(message.parentRoot, roots[i - 1])) {
      return {
        ok: false,
        reason: `block at slot ${slot} has parent ${toHex(message.parentRoot)}, not the previous block ${toHex(roots[i - 1])}`,
      };
    }
    roots.push(root);
    prevSlot = slot;
  }
  return {ok: true, roots};
}

/** Rate of `count` events over `ms` as "x.y". */
export function perSecond(count: number, ms: number): string {
  return ms <= 0 ? "0.0" : ((count * 1000) / ms).toFixed(1);
}
