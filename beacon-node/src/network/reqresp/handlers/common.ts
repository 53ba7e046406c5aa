/** Helpers the handlers share: peer-manager callbacks that must not break serving, the earliest-slot check. */
import {RespCode} from "../../encoding/sszSnappy.ts";
import {ResponseError} from "../errors.ts";
import type {ServedBlock} from "../serve.ts";
import type {EncodedChunk, HandlerContext} from "../types.ts";

/** Runs a peer-manager callback; a failure is logged, the response still goes out. */
export function callPeerHandler(ctx: HandlerContext, name: string, run: () => void): void {
  try {
    run();
  } catch (e) {
    ctx.logger.warn("Req/resp handler failed", {handler: name, error: (e as Error).message});
  }
}

/** ResourceUnavailable for a range that starts before the earliest block we have (checkpoint sync, no backfill). */
export function checkAvailable(ctx: HandlerContext, startSlot: number): void {
  const earliest = ctx.earliestAvailableSlot;
  if (startSlot < earliest) {
    throw new ResponseError(
      RespCode.RESOURCE_UNAVAILABLE,
      `blocks before slot ${earliest} are not available (requested from ${startSlot})`,
    );
  }
}

/** A by-range request must ask for at least one slot. */
export function checkCount(count: number): void {
  if (count < 1) throw new ResponseError(RespCode.INVALID_REQUEST, "count must be at least 1");
}

/** A served block: its SSZ bytes with the fork digest of its slot's epoch as context. */
export function encodeBlock(b: ServedBlock): EncodedChunk {
  return {ssz: b.bytes, contextSlot: b.slot};
}

/** A sidecar's SSZ bytes with the fork digest of its block's slot epoch as context. */
export function sidecarEncoder<T extends {signedBlockHeader: {message: {slot: number}}}>(type: {
  serialize(v: T): Uint8Array;
}): (s: T) => EncodedChunk {
  return (s) => ({ssz: type.serialize(s), contextSlot: s.signedBlockHeader.message.slot});
}
