/** GossipRetryQueue bounds: per-type capacity (oldest pushed out and returned), expiry, waits by root and slot. */
import {describe, expect, it} from "vitest";
import {GossipRetryQueue, retryWaitOf} from "../src/network/gossip/retryQueue.ts";

describe("GossipRetryQueue", () => {
  it("keeps at most maxPerType per topic type; the oldest is pushed out and handed back", () => {
    const q = new GossipRetryQueue<number>({maxPerType: 3, maxAgeMs: 1000, now: () => 0});
    for (let i = 0; i < 3; i++) expect(q.add("beacon_attestation", {slot: 5}, i)).toEqual([]);
    expect(q.add("beacon_attestation", {slot: 5}, 3)).toEqual([0]);
    expect(q.add("beacon_aggregate_and_proof", {slot: 5}, 9)).toEqual([]);
    expect(q.size).toBe(4);
    expect(q.counts.dropped).toBe(1);
    expect(q.takeForSlot(4)).toEqual([]);
    expect(q.takeForSlot(5).sort()).toEqual([1, 2, 3, 9]);
    expect(q.size).toBe(0);
  });

  it("hands out messages by block root and expires old ones", () => {
    let now = 0;
    const q = new GossipRetryQueue<string>({maxAgeMs: 100, now: () => now});
    q.add("beacon_attestation", {blockRoot: "0xaa"}, "a");
    now = 60;
    q.add("beacon_attestation", {blockRoot: "0xbb"}, "b");
    q.add("beacon_attestation", {blockRoot: "0xaa"}, "c");
    expect(q.takeForBlock("0xaa")).toEqual(["a", "c"]);
    now = 150;
    expect(q.takeExpired()).toEqual([]);
    now = 161;
    expect(q.takeExpired()).toEqual(["b"]);
    expect(q.counts.expired).toBe(1);
  });

  it("only timing IGNOREs wait: unknown voted block, future slot; not REJECTs, not other codes", () => {
    const att = {data: {slot: 7, beaconBlockRoot: new Uint8Array(32).fill(1)}};
    expect(retryWaitOf("beacon_attestation", att, {acceptance: "IGNORE", code: "UNKNOWN_BEACON_BLOCK_ROOT"})).toEqual({
      blockRoot: `0x${"01".repeat(32)}`,
    });
    expect(retryWaitOf("beacon_attestation", att, {acceptance: "IGNORE", code: "FUTURE_SLOT"})).toEqual({slot: 7});
    expect(retryWaitOf("beacon_attestation", att, {acceptance: "REJECT", code: "FUTURE_SLOT"})).toBeNull();
    expect(
      retryWaitOf("beacon_attestation", att, {acceptance: "IGNORE", code: "ATTESTATION_ALREADY_KNOWN"}),
    ).toBeNull();
    const agg = {message: {aggregate: att}};
    expect(retryWaitOf("beacon_aggregate_and_proof", agg, {acceptance: "IGNORE", code: "FUTURE_SLOT"})).toEqual({
      slot: 7,
    });
    const block = {message: {slot: 9}};
    expect(retryWaitOf("beacon_block", block, {acceptance: "IGNORE", code: "FUTURE_SLOT"})).toEqual({slot: 9});
    expect(retryWaitOf("beacon_block", block, {acceptance: "IGNORE", code: "PARENT_UNKNOWN"})).toBeNull();
  });
});
