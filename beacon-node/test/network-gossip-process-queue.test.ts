import {describe, expect, it} from "vitest";
import {GossipProcessQueue} from "../src/network/gossip/processQueue.ts";

/** Resolves once the queue has started every message (polls on setImmediate, never on a fixed time). */
async function untilEmpty(q: {readonly length: number}): Promise<void> {
  for (let i = 0; i < 100_000 && q.length > 0; i++) await new Promise((r) => setImmediate(r));
  if (q.length > 0) throw Error("the queue did not drain");
}

describe("GossipProcessQueue", () => {
  it("starts messages in turns of bounded work and lets other tasks run between turns", async () => {
    let clock = 0;
    const events: string[] = [];
    const q = new GossipProcessQueue<number>({
      run: (i) => {
        events.push(`run ${i}`);
        clock += 4; // each message costs 4 ms of (simulated) synchronous work
        if (i === 0) setImmediate(() => events.push("other task"));
      },
      onDrop: () => events.push("drop"),
      turnBudgetMs: 10,
      now: () => clock,
    });
    for (let i = 0; i < 100; i++) q.push("beacon_attestation", i);
    // nothing runs inside push: gossipsub's dispatch returns at once
    expect(events).toEqual([]);
    expect(q.length).toBe(100);
    await untilEmpty(q);
    // 4 ms each, a 10-ms budget: three messages a turn (the third crosses the budget), 34 turns
    expect(q.counts.turns).toBe(34);
    expect(q.counts.started).toBe(100);
    // the task queued during the first turn ran before the second turn started
    expect(events.slice(0, 5)).toEqual(["run 0", "run 1", "run 2", "other task", "run 3"]);
    expect(events.filter((e) => e.startsWith("run")).map((e) => Number(e.slice(4)))).toEqual(
      Array.from({length: 100}, (_, i) => i),
    );
  });

  it("takes blocks before aggregates before attestations, first in first out within a type", async () => {
    const order: string[] = [];
    const q = new GossipProcessQueue<string>({run: (s) => order.push(s), onDrop: () => {}});
    q.push("beacon_attestation", "att1");
    q.push("voluntary_exit", "exit1");
    q.push("beacon_aggregate_and_proof", "agg1");
    q.push("beacon_attestation", "att2");
    q.push("beacon_block", "block1");
    q.push("sync_committee", "sync1");
    q.push("beacon_block", "block2");
    q.push("sync_committee_contribution_and_proof", "contrib1");
    expect(q.lengths()).toMatchObject({beacon_attestation: 2, beacon_block: 2, voluntary_exit: 1});
    await untilEmpty(q);
    expect(order).toEqual(["block1", "block2", "agg1", "att1", "att2", "contrib1", "sync1", "exit1"]);
  });

  it("drops the oldest message of a full queue and reports it", async () => {
    const dropped: number[] = [];
    const started: number[] = [];
    const q = new GossipProcessQueue<number>({
      run: (i) => started.push(i),
      onDrop: (i) => dropped.push(i),
      maxPerType: {beacon_attestation: 3},
    });
    for (let i = 0; i < 5; i++) q.push("beacon_attestation", i);
    q.push("beacon_aggregate_and_proof", 100); // another type's queue is not affected
    expect(dropped).toEqual([0, 1]);
    await untilEmpty(q);
    expect(started).toEqual([100, 2, 3, 4]);
    expect(q.counts).toMatchObject({queued: 6, started: 4, dropped: 2});
  });

  it("keeps going when one message's run throws", async () => {
    const started: number[] = [];
    const q = new GossipProcessQueue<number>({
      run: (i) => {
        started.push(i);
        if (i === 1) throw Error("boom");
      },
      onDrop: () => {},
    });
    for (let i = 0; i < 3; i++) q.push("beacon_block", i);
    await untilEmpty(q);
    expect(started).toEqual([0, 1, 2]);
  });

  it("dropAll reports every waiting message and the queue takes new ones after", async () => {
    const dropped: number[] = [];
    const started: number[] = [];
    const q = new GossipProcessQueue<number>({run: (i) => started.push(i), onDrop: (i) => dropped.push(i)});
    for (let i = 0; i < 4; i++) q.push(i % 2 === 0 ? "beacon_block" : "sync_committee", i);
    q.dropAll();
    expect(dropped.sort()).toEqual([0, 1, 2, 3]);
    expect(q.length).toBe(0);
    q.push("beacon_block", 9);
    await untilEmpty(q);
    expect(started).toEqual([9]);
  });

  it("compacts its storage while draining a long queue", async () => {
    const started: number[] = [];
    const q = new GossipProcessQueue<number>({run: (i) => started.push(i), onDrop: () => {}, turnBudgetMs: 1e9});
    for (let i = 0; i < 5000; i++) q.push("beacon_attestation", i);
    await untilEmpty(q);
    expect(started.length).toBe(5000);
    expect(started.every((v, i) => v === i)).toBe(true);
  });
});
