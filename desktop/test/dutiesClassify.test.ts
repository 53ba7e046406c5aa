/**
 * The missed-duty classifier over recorded observations: one case per cause. The samples are shaped as the
 * host records them each slot (see duties.ts); expected causes follow from the rules in dutiesClassify.ts's
 * header (a stopped validator client beats everything, then node, execution client, peers, sync; then what the
 * chain says of the message).
 */
import {describe, expect, it} from "vitest";
import {attestationDueMs, classifyDuty, type DutyOutcome, type SlotSample} from "../src/host/dutiesClassify.ts";

const SLOT_MS = 2000;
const healthy = (slot: number): SlotSample => ({
  slot,
  vc: "running",
  bnReachable: true,
  isSyncing: false,
  syncDistance: 0,
  peers: 5,
  elOffline: false,
});
const around = (slot: number, patch: Partial<SlotSample> = {}): SlotSample[] => [
  healthy(slot - 1),
  {...healthy(slot), ...patch},
  healthy(slot + 1),
];
const missedAtt = (slot: number): DutyOutcome => ({
  kind: "attestation",
  validatorIndex: 3,
  slot,
  included: false,
  inclusionDistance: null,
  headCorrect: null,
  targetCorrect: null,
  votedHeadReorged: null,
});
const includedAtt = (slot: number, patch: Partial<Extract<DutyOutcome, {kind: "attestation"}>>): DutyOutcome => ({
  kind: "attestation",
  validatorIndex: 3,
  slot,
  included: true,
  inclusionDistance: 1,
  headCorrect: true,
  targetCorrect: true,
  votedHeadReorged: false,
  ...patch,
});

describe("classifyDuty", () => {
  it("an attestation included next slot with the right head and target is ok", () => {
    const e = classifyDuty(includedAtt(40, {}), {
      slotMs: SLOT_MS,
      samples: around(40),
      arrival: {slot: 40, offsetMs: 120},
    });
    expect(e.cause).toBe("ok");
    expect(e.result).toBe("ok");
  });

  it("validator client stopped: vcNotRunning, even when the node is also unhealthy", () => {
    const e = classifyDuty(missedAtt(41), {
      slotMs: SLOT_MS,
      samples: around(41, {vc: "stopped", peers: 0}),
      arrival: null,
    });
    expect(e.cause).toBe("vcNotRunning");
    expect(e.result).toBe("missed");
    expect(e.text).toMatch(/validator client was not running/);
    expect(e.todo).not.toBe("");
  });

  it("the node's API did not answer: nodeUnreachable", () => {
    const s = around(42, {bnReachable: false, isSyncing: null, syncDistance: null, peers: null, elOffline: null});
    expect(classifyDuty(missedAtt(42), {slotMs: SLOT_MS, samples: s, arrival: null}).cause).toBe("nodeUnreachable");
  });

  it("el_offline at that slot: elOffline (also for a proposal)", () => {
    const s = around(43, {elOffline: true});
    expect(classifyDuty(missedAtt(43), {slotMs: SLOT_MS, samples: s, arrival: null}).cause).toBe("elOffline");
    const p: DutyOutcome = {kind: "proposal", validatorIndex: 1, slot: 43, canonical: false, seenNonCanonical: false};
    expect(classifyDuty(p, {slotMs: SLOT_MS, samples: s, arrival: null}).cause).toBe("elOffline");
  });

  it("included late while the execution client was offline: elOffline, result late", () => {
    const e = classifyDuty(includedAtt(43, {inclusionDistance: 4, headCorrect: false}), {
      slotMs: SLOT_MS,
      samples: around(43, {elOffline: true}),
      arrival: null,
    });
    expect(e.cause).toBe("elOffline");
    expect(e.result).toBe("late");
  });

  it("zero peers: noPeers", () => {
    const e = classifyDuty(missedAtt(44), {slotMs: SLOT_MS, samples: around(44, {peers: 0}), arrival: null});
    expect(e.cause).toBe("noPeers");
  });

  it("syncing or far behind: notSynced with the distance", () => {
    const e = classifyDuty(missedAtt(45), {
      slotMs: SLOT_MS,
      samples: around(45, {isSyncing: true, syncDistance: 37}),
      arrival: null,
    });
    expect(e.cause).toBe("notSynced");
    expect(e.details.syncDistance).toBe(37);
    expect(e.text).toContain("37 slots behind");
    // not syncing, 12 slots "behind" because nobody proposed (recorded on a dev chain after its only validator
    // client had been stopped for 12 slots): not a sync problem
    expect(
      classifyDuty(missedAtt(45), {slotMs: SLOT_MS, samples: around(45, {syncDistance: 12}), arrival: null}).cause,
    ).toBe("unknown");
  });

  it("wrong head because the slot's block arrived after 1/3 of the slot: lateBlock with the offset", () => {
    expect(attestationDueMs(2000)).toBe(666);
    expect(attestationDueMs(12_000)).toBe(3999);
    const out = includedAtt(46, {headCorrect: false});
    const late = classifyDuty(out, {slotMs: SLOT_MS, samples: around(46), arrival: {slot: 46, offsetMs: 1450}});
    expect(late.cause).toBe("lateBlock");
    expect(late.result).toBe("late");
    expect(late.details.offsetMs).toBe(1450);
    expect(late.text).toContain("1.45 s");
    // the same vote with the block on time is a plain wrong head
    const onTime = classifyDuty(out, {slotMs: SLOT_MS, samples: around(46), arrival: {slot: 46, offsetMs: 300}});
    expect(onTime.cause).toBe("wrongHead");
  });

  it("voted a head block that was reorged out: headReorged", () => {
    const e = classifyDuty(includedAtt(47, {headCorrect: false, votedHeadReorged: true}), {
      slotMs: SLOT_MS,
      samples: around(47),
      arrival: {slot: 47, offsetMs: 1500},
    });
    expect(e.cause).toBe("headReorged");
  });

  it("wrong target outranks wrong head", () => {
    const e = classifyDuty(includedAtt(48, {headCorrect: false, targetCorrect: false}), {
      slotMs: SLOT_MS,
      samples: around(48),
      arrival: null,
    });
    expect(e.cause).toBe("wrongTarget");
  });

  it("included 3 slots after its slot: includedLate with the distance", () => {
    const e = classifyDuty(includedAtt(49, {inclusionDistance: 3}), {
      slotMs: SLOT_MS,
      samples: around(49),
      arrival: null,
    });
    expect(e.cause).toBe("includedLate");
    expect(e.result).toBe("late");
    expect(e.details.distance).toBe(3);
  });

  it("a proposal seen but not canonical: proposalOrphaned; canonical: ok", () => {
    const orphan: DutyOutcome = {
      kind: "proposal",
      validatorIndex: 9,
      slot: 50,
      canonical: false,
      seenNonCanonical: true,
    };
    expect(classifyDuty(orphan, {slotMs: SLOT_MS, samples: around(50), arrival: null}).cause).toBe("proposalOrphaned");
    const fine: DutyOutcome = {kind: "proposal", validatorIndex: 9, slot: 50, canonical: true, seenNonCanonical: false};
    expect(classifyDuty(fine, {slotMs: SLOT_MS, samples: around(50), arrival: null}).cause).toBe("ok");
  });

  it("a missed sync committee message with the validator client stopped", () => {
    const sync: DutyOutcome = {kind: "sync", validatorIndex: 9, slot: 51, included: false};
    expect(classifyDuty(sync, {slotMs: SLOT_MS, samples: around(51, {vc: "stopped"}), arrival: null}).cause).toBe(
      "vcNotRunning",
    );
  });

  it("no sample for the slot or the one before: notWatched; a sample of the slot before stands in", () => {
    expect(classifyDuty(missedAtt(60), {slotMs: SLOT_MS, samples: around(40), arrival: null}).cause).toBe("notWatched");
    const prev = [{...healthy(59), peers: 0}];
    expect(classifyDuty(missedAtt(60), {slotMs: SLOT_MS, samples: prev, arrival: null}).cause).toBe("noPeers");
  });

  it("everything healthy and still missed: unknown", () => {
    expect(classifyDuty(missedAtt(61), {slotMs: SLOT_MS, samples: around(61), arrival: null}).cause).toBe("unknown");
  });
});
