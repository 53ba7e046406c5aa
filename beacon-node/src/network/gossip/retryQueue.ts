/**
 * Gossip messages IGNOREd only for timing, kept for a second try instead of dropped. The spec allows it:
 * phase0 p2p-interface.md beacon_block "(a client MAY queue future blocks for processing at the appropriate
 * slot)", beacon_aggregate_and_proof / beacon_attestation_{subnet_id} "(a client MAY queue future aggregates /
 * attestations for processing at the appropriate slot)" and "(a client MAY queue aggregates / attestations for
 * processing once block is retrieved)" (consensus-specs a08d8a6).
 *
 * A message waits for a block root (the voted block was unknown) or for a slot (its slot was in the future). The
 * handler holds its gossipsub verdict while it waits: when the condition resolves it is validated again and the
 * new verdict is reported (ACCEPT forwards it); when it expires (or is pushed out of a full topic queue) it is
 * reported IGNORE, as it would have been at once.
 */

import {toHex} from "@ceibo/utils";
import type {GossipErrorCode} from "../../chain/validation/errors.ts";
import type {GossipTopic, GossipType} from "./topics.ts";
import type {GossipTypeMap} from "./types.ts";

/** Validation codes that mean "not yet" rather than "bad". */
export const RETRYABLE_CODES: ReadonlySet<GossipErrorCode> = new Set<GossipErrorCode>([
  "UNKNOWN_BEACON_BLOCK_ROOT",
  "FUTURE_SLOT",
]);

export interface RetryWait {
  /** The block root (0x hex) the message waits for. */
  blockRoot?: string;
  /** The slot the message waits for. */
  slot?: number;
}

export interface RetryQueueOpts {
  /** Messages kept per topic type (default 1024); the oldest is pushed out when full. */
  maxPerType?: number;
  /** How long a message may wait (ms; default two slots' worth given by the caller). */
  maxAgeMs: number;
  /** Wall clock (ms). */
  now?: () => number;
}

interface Entry<T> {
  type: string;
  wait: RetryWait;
  addedMs: number;
  item: T;
}

export class GossipRetryQueue<T> {
  private readonly maxPerType: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private readonly byType = new Map<string, Entry<T>[]>();
  /** Counters: queued, retried, expired, dropped (pushed out of a full queue). */
  readonly counts = {queued: 0, retried: 0, expired: 0, dropped: 0};

  constructor(opts: RetryQueueOpts) {
    this.maxPerType = opts.maxPerType ?? 1024;
    this.maxAgeMs = opts.maxAgeMs;
    this.now = opts.now ?? Date.now;
  }

  /** Queues a message; returns the messages pushed out to make room (their verdict is due now). */
  add(type: string, wait: RetryWait, item: T): T[] {
    let list = this.byType.get(type);
    if (list === undefined) {
      list = [];
      this.byType.set(type, list);
    }
    list.push({type, wait, addedMs: this.now(), item});
    this.counts.queued++;
    const out: T[] = [];
    while (list.length > this.maxPerType) {
      const dropped = list.shift();
      if (dropped !== undefined) out.push(dropped.item);
      this.counts.dropped++;
    }
    return out;
  }

  /** The messages waiting for `rootHex` (removed from the queue). */
  takeForBlock(rootHex: string): T[] {
    return this.take((e) => e.wait.blockRoot === rootHex);
  }

  /** The messages waiting for a slot at or before `slot` (removed from the queue). */
  takeForSlot(slot: number): T[] {
    return this.take((e) => e.wait.slot !== undefined && e.wait.slot <= slot);
  }

  /** The messages older than maxAgeMs (removed from the queue). */
  takeExpired(): T[] {
    const limit = this.now() - this.maxAgeMs;
    const out = this.take((e) => e.addedMs < limit);
    this.counts.expired += out.length;
    return out;
  }

  /** Everything still queued (removed), e.g. at stop. */
  takeAll(): T[] {
    return this.take(() => true);
  }

  get size(): number {
    let n = 0;
    for (const list of this.byType.values()) n += list.length;
    return n;
  }

  private take(match: (e: Entry<T>) => boolean): T[] {
    const out: Entry<T>[] = [];
    for (const [type, list] of this.byType) {
      const keep: Entry<T>[] = [];
      for (const e of list) (match(e) ? out : keep).push(e);
      if (keep.length === 0) this.byType.delete(type);
      else this.byType.set(type, keep);
    }
    return out.map((e) => e.item);
  }
}

/** A received message whose verdict waits in the queue. */
export interface PendingGossip {
  msgId: string;
  peer: string;
  topic: GossipTopic;
  value: GossipTypeMap[GossipType];
  t0: number;
}

/**
 * What a message IGNOREd with `error` should wait for, or null when it is not retried: attestations and aggregates
 * whose voted block is unknown or whose slot is in the future, blocks of a future slot. (Blocks with an unknown
 * parent go to the unknown-block sync instead.)
 */
export function retryWaitOf(
  type: string,
  value: unknown,
  error: {acceptance: string; code: GossipErrorCode},
): RetryWait | null {
  if (error.acceptance !== "IGNORE" || !RETRYABLE_CODES.has(error.code)) return null;
  let data: {slot: number; beaconBlockRoot: Uint8Array} | undefined;
  if (type === "beacon_attestation") data = (value as {data: {slot: number; beaconBlockRoot: Uint8Array}}).data;
  else if (type === "beacon_aggregate_and_proof") {
    data = (value as {message: {aggregate: {data: {slot: number; beaconBlockRoot: Uint8Array}}}}).message.aggregate
      .data;
  } else if (type === "beacon_block" && error.code === "FUTURE_SLOT") {
    return {slot: (value as {message: {slot: number}}).message.slot};
  } else return null;
  if (error.code === "FUTURE_SLOT") return {slot: data.slot};
  return {blockRoot: toHex(data.beaconBlockRoot)};
}
