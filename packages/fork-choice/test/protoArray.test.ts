import {SLOTS_PER_EPOCH} from "@ceibo/params";
import {describe, expect, it} from "vitest";
import {ForkChoiceError} from "../src/errors.ts";
import type {ExecutionStatus, ProtoBlock, RootHex} from "../src/protoArray/interface.ts";
import {type HeadContext, ProtoArray} from "../src/protoArray/protoArray.ts";
import {computeDeltas, Votes} from "../src/protoArray/votes.ts";

const ETH = 1_000_000_000; // Gwei

/** A root whose hex order follows `n` (0x00…0n). */
function root(n: number): RootHex {
  return `0x${n.toString(16).padStart(64, "0")}`;
}

function hash(n: number): RootHex {
  return `0x${(0xee00 + n).toString(16).padStart(64, "0")}`;
}

interface BlockOpts {
  justifiedEpoch?: number;
  unrealizedJustifiedEpoch?: number;
  executionStatus?: ExecutionStatus;
  executionBlockHash?: RootHex | null;
}

function block(n: number, parent: number, slot: number, opts: BlockOpts = {}): ProtoBlock {
  const je = opts.justifiedEpoch ?? 0;
  const uje = opts.unrealizedJustifiedEpoch ?? je;
  return {
    slot,
    blockRoot: root(n),
    parentRoot: root(parent),
    stateRoot: root(1000 + n),
    proposerIndex: n,
    justifiedEpoch: je,
    justifiedRoot: root(0),
    finalizedEpoch: 0,
    finalizedRoot: root(0),
    unrealizedJustifiedEpoch: uje,
    unrealizedJustifiedRoot: root(0),
    unrealizedFinalizedEpoch: 0,
    unrealizedFinalizedRoot: root(0),
    executionStatus: opts.executionStatus ?? "preMerge",
    executionBlockHash: opts.executionBlockHash ?? null,
    timely: false,
  };
}

const genesisCtx: HeadContext = {
  justifiedRoot: root(0),
  justifiedEpoch: 0,
  finalizedRoot: root(0),
  finalizedEpoch: 0,
  currentEpoch: 0,
  proposerBoost: null,
};

/** The tree used by most tests:  0 ─ 1 ─ 2 ─ 4
 *                                       └ 3        (slots 0, 1, 2, 2, 3) */
function smallTree(): ProtoArray {
  const pa = ProtoArray.initialize(block(0, 99, 0));
  pa.onBlock(block(1, 0, 1));
  pa.onBlock(block(2, 1, 2));
  pa.onBlock(block(3, 1, 2));
  pa.onBlock(block(4, 2, 3));
  return pa;
}

/** Votes of validators (index → block number) applied with the given balances; returns the node weights. */
class Harness {
  readonly pa: ProtoArray;
  readonly votes = new Votes();
  balances: number[] = [];
  private applied: number[] = [];
  readonly equivocating = new Set<number>();

  constructor(pa: ProtoArray) {
    this.pa = pa;
  }

  vote(validator: number, blockNumber: number, epoch: number): void {
    this.votes.update(validator, this.pa.getIndex(root(blockNumber)) as number, epoch);
  }

  head(ctx: Partial<HeadContext> = {}): RootHex {
    const deltas = computeDeltas(this.pa.length, this.votes, this.applied, this.balances, this.equivocating);
    this.pa.applyScoreChanges(deltas);
    this.applied = [...this.balances];
    return this.pa.findHead({...genesisCtx, ...ctx});
  }

  weight(n: number): number {
    return (this.pa.getNode(root(n)) as {weight: number}).weight;
  }
}

describe("proto-array weights and votes", () => {
  it("a block's weight is the balance of the votes for it and its descendants", () => {
    const h = new Harness(smallTree());
    h.balances = [32 * ETH, 31 * ETH, 17 * ETH, 1 * ETH];
    h.vote(0, 4, 0);
    h.vote(1, 3, 0);
    h.vote(2, 2, 0);
    h.vote(3, 1, 0);
    h.head();
    expect(h.weight(4)).toBe(32 * ETH);
    expect(h.weight(3)).toBe(31 * ETH);
    expect(h.weight(2)).toBe(49 * ETH); // 32 (via 4) + 17
    expect(h.weight(1)).toBe(81 * ETH); // everything but nothing on 0 itself
    expect(h.weight(0)).toBe(81 * ETH);
  });

  it("the head follows the heavier branch and moves when votes move", () => {
    const h = new Harness(smallTree());
    h.balances = [32 * ETH, 32 * ETH, 32 * ETH];
    h.vote(0, 3, 0);
    h.vote(1, 3, 0);
    h.vote(2, 4, 0);
    expect(h.head()).toBe(root(3)); // 64 on 3 vs 32 on 2's branch
    // validator 0 moves to 4 with a newer target epoch: 64 vs 32 the other way
    h.vote(0, 4, 1);
    expect(h.head()).toBe(root(4));
    expect(h.weight(3)).toBe(32 * ETH);
    expect(h.weight(2)).toBe(64 * ETH);
  });

  it("a message with an older or equal target epoch does not replace the latest message", () => {
    const h = new Harness(smallTree());
    h.balances = [32 * ETH];
    h.vote(0, 3, 5);
    h.vote(0, 4, 5);
    h.vote(0, 4, 4);
    h.head();
    expect(h.weight(3)).toBe(32 * ETH);
    expect(h.weight(4)).toBe(0);
    expect(h.votes.get(0)).toEqual({nodeIndex: h.pa.getIndex(root(3)), epoch: 5});
  });

  it("balance changes of the justified state re-weigh existing votes", () => {
    const h = new Harness(smallTree());
    h.balances = [32 * ETH, 20 * ETH];
    h.vote(0, 3, 0);
    h.vote(1, 4, 0);
    expect(h.head()).toBe(root(3));
    h.balances = [16 * ETH, 20 * ETH]; // validator 0's effective balance dropped
    expect(h.head()).toBe(root(4));
    expect(h.weight(3)).toBe(16 * ETH);
    expect(h.weight(1)).toBe(36 * ETH);
    h.balances = [16 * ETH]; // validator 1 no longer active: balance 0
    expect(h.head()).toBe(root(3));
    expect(h.weight(4)).toBe(0);
  });

  it("equal weights are broken by the lexicographically higher root", () => {
    const h = new Harness(smallTree());
    expect(h.head()).toBe(root(3)); // 2 and 3 both weigh 0, root 3 > root 2
    h.balances = [ETH];
    h.vote(0, 4, 0);
    expect(h.head()).toBe(root(4));
  });

  it("equivocating validators lose their weight and keep no vote", () => {
    const h = new Harness(smallTree());
    h.balances = [32 * ETH, 32 * ETH, 32 * ETH];
    h.vote(0, 3, 0);
    h.vote(1, 3, 0);
    h.vote(2, 4, 0);
    expect(h.head()).toBe(root(3));
    h.equivocating.add(0);
    h.equivocating.add(1);
    expect(h.head()).toBe(root(4));
    expect(h.weight(3)).toBe(0);
    expect(h.weight(0)).toBe(32 * ETH);
  });

  it("the proposer boost weighs on the boosted block and its ancestors only", () => {
    const h = new Harness(smallTree());
    h.balances = [32 * ETH, 32 * ETH];
    h.vote(0, 4, 0);
    h.vote(1, 4, 0);
    expect(h.head()).toBe(root(4));
    // boost on 3: 64 ETH of votes vs a 65 ETH boost
    expect(h.head({proposerBoost: {root: root(3), score: 65 * ETH}})).toBe(root(3));
    expect(h.head({proposerBoost: {root: root(3), score: 63 * ETH}})).toBe(root(4));
    // the boost counts on 3's ancestors too, not on its siblings
    expect(h.head({proposerBoost: {root: root(4), score: 5 * ETH}})).toBe(root(4));
    expect(h.pa.getNode(root(2))?.weight).toBe(64 * ETH); // the stored weight never includes the boost
  });
});

describe("proto-array viability (filter_block_tree)", () => {
  it("a tie on weights between 2 (64) and 3 (64 boost) goes to the higher root", () => {
    const h = new Harness(smallTree());
    h.balances = [32 * ETH, 32 * ETH];
    h.vote(0, 4, 0);
    h.vote(1, 4, 0);
    // children of 1: 2 weighs 64 (votes), 3 weighs 64 (boost): equal, and root(3) > root(2)
    expect(h.head({proposerBoost: {root: root(3), score: 64 * ETH}})).toBe(root(3));
    expect(h.head({proposerBoost: {root: root(3), score: 64 * ETH - 1}})).toBe(root(4));
  });

  it("a leaf whose voting source is neither the store's justified epoch nor recent is filtered out", () => {
    // store: justified epoch 2, current epoch 5. Leaf 2 (epoch 5, realized justification 1) is not viable;
    // leaf 3 (epoch 5, realized justification 2) is.
    const e = SLOTS_PER_EPOCH;
    const pa = ProtoArray.initialize(block(0, 99, 0));
    pa.onBlock(block(1, 0, 2 * e, {justifiedEpoch: 1}));
    pa.onBlock(block(2, 1, 5 * e + 1, {justifiedEpoch: 1}));
    pa.onBlock(block(3, 1, 5 * e + 2, {justifiedEpoch: 2}));
    const h = new Harness(pa);
    h.balances = [32 * ETH];
    h.vote(0, 2, 5);
    const ctx = {justifiedRoot: root(0), justifiedEpoch: 2, currentEpoch: 5};
    expect(h.head(ctx)).toBe(root(3));
    // two epochs later than its voting source is still fine: current epoch 3 → 1 + 2 >= 3
    expect(h.head({...ctx, currentEpoch: 3})).toBe(root(2));
  });

  it("a block from a prior epoch is judged by its pulled-up (unrealized) justification", () => {
    const e = SLOTS_PER_EPOCH;
    const pa = ProtoArray.initialize(block(0, 99, 0));
    pa.onBlock(block(1, 0, 4 * e + 1, {justifiedEpoch: 1, unrealizedJustifiedEpoch: 3}));
    pa.onBlock(block(2, 0, 4 * e + 2, {justifiedEpoch: 1, unrealizedJustifiedEpoch: 1}));
    const h = new Harness(pa);
    h.balances = [32 * ETH];
    h.vote(0, 2, 4);
    // during epoch 4 both use their realized justification 1: viable only through "+2 >= current"? 1+2 < 4 and
    // 1 != 3 → neither is viable, the head stays at the justified root
    expect(h.head({justifiedEpoch: 3, currentEpoch: 4})).toBe(root(0));
    // in epoch 5 block 1's voting source is its unrealized justification 3 == store's: viable; block 2 is not
    expect(h.head({justifiedEpoch: 3, currentEpoch: 5})).toBe(root(1));
  });

  it("an inner node is viable only through a viable leaf, never by itself", () => {
    // 1 (realized justification 2 == store) has one child 2 (justification 0, not viable at epoch 5): the spec
    // drops the whole branch 1─2 even though 1 alone would pass; the head is the other branch's leaf 3.
    const e = SLOTS_PER_EPOCH;
    const pa = ProtoArray.initialize(block(0, 99, 0));
    pa.onBlock(block(1, 0, 5 * e, {justifiedEpoch: 2}));
    pa.onBlock(block(2, 1, 5 * e + 1, {justifiedEpoch: 0}));
    pa.onBlock(block(3, 0, 5 * e + 2, {justifiedEpoch: 2}));
    const h = new Harness(pa);
    h.balances = [32 * ETH, 32 * ETH];
    h.vote(0, 2, 5);
    h.vote(1, 1, 5);
    expect(h.head({justifiedEpoch: 2, currentEpoch: 5})).toBe(root(3));
    expect(pa.viableLeaves().map((l) => l.root)).toEqual([root(3)]);
  });

  it("leaves that do not descend from the finalized checkpoint block are filtered out", () => {
    const e = SLOTS_PER_EPOCH;
    const pa = ProtoArray.initialize(block(0, 99, 0));
    pa.onBlock(block(1, 0, e - 1)); // checkpoint block of epoch 1 on its chain
    pa.onBlock(block(2, 1, e + 1));
    pa.onBlock(block(3, 0, e - 2)); // a competing checkpoint block of epoch 1
    pa.onBlock(block(4, 3, e + 1));
    const h = new Harness(pa);
    h.balances = [32 * ETH];
    h.vote(0, 4, 1);
    expect(h.head({currentEpoch: 1})).toBe(root(4));
    expect(h.head({currentEpoch: 1, finalizedRoot: root(1), finalizedEpoch: 1})).toBe(root(2));
  });

  it("get_ancestor walks to the latest block at or before a slot", () => {
    const pa = smallTree();
    expect(pa.getAncestor(root(4), 2).blockRoot).toBe(root(2));
    expect(pa.getAncestor(root(4), 1).blockRoot).toBe(root(1));
    expect(pa.getAncestor(root(3), 5).blockRoot).toBe(root(3));
    expect(pa.isDescendant(root(1), root(4))).toBe(true);
    expect(pa.isDescendant(root(3), root(4))).toBe(false);
    expect(() => pa.getAncestor(root(77), 0)).toThrow(ForkChoiceError);
  });

  it("rejects a block with an unknown parent", () => {
    const pa = smallTree();
    let err: unknown;
    try {
      pa.onBlock(block(9, 8, 5));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ForkChoiceError);
    expect((err as ForkChoiceError).code).toBe("UNKNOWN_PARENT");
    expect(pa.length).toBe(5);
  });
});

describe("proto-array pruning", () => {
  it("keeps the finalized block and its descendants, with weights, votes and the head intact", () => {
    // 0 ─ 1 ─ 2 ─ 4 ─ 5
    //      └ 3
    const pa = smallTree();
    pa.onBlock(block(5, 4, 4));
    pa.pruneThreshold = 1;
    const h = new Harness(pa);
    h.balances = [10 * ETH, 20 * ETH, 40 * ETH];
    h.vote(0, 3, 0); // on the branch that finality will drop
    h.vote(1, 5, 0);
    h.vote(2, 4, 0);
    expect(h.head()).toBe(root(5));
    const result = pa.maybePrune(root(2));
    expect(result?.removed.map((n) => n.blockRoot)).toEqual([root(0), root(1), root(3)]);
    if (result) h.votes.remap(result.indexMap);
    expect(pa.length).toBe(3);
    expect(pa.hasBlock(root(3))).toBe(false);
    expect(pa.getNode(root(2))?.parent).toBe(undefined);
    expect(pa.getNode(root(5))?.parent).toBe(pa.getIndex(root(4)));
    expect(h.votes.get(0)?.nodeIndex).toBe(-1);
    expect(h.head({justifiedRoot: root(2)})).toBe(root(5));
    expect(h.weight(2)).toBe(60 * ETH);
    expect(h.weight(5)).toBe(20 * ETH);
    // a vote that moves after the prune lands on the new indices
    h.vote(1, 4, 1);
    h.head({justifiedRoot: root(2)});
    expect(h.weight(5)).toBe(0);
    expect(h.weight(4)).toBe(60 * ETH);
  });

  it("does not prune before the threshold", () => {
    const pa = smallTree();
    pa.pruneThreshold = 3;
    expect(pa.maybePrune(root(2))).toBe(null);
    expect(pa.length).toBe(5);
    expect(pa.maybePrune(root(4))?.removed.length).toBe(4);
  });
});

describe("proto-array execution status", () => {
  /** 0 (pre-merge) ─ 1 ─ 2 ─ 3     every block from 1 on has a payload hash(n)
   *                    └ 4 ─ 5 */
  function executionTree(status: ExecutionStatus): ProtoArray {
    const pa = ProtoArray.initialize(block(0, 99, 0));
    const add = (n: number, p: number, slot: number) =>
      pa.onBlock(block(n, p, slot, {executionStatus: status, executionBlockHash: hash(n)}));
    add(1, 0, 1);
    add(2, 1, 2);
    add(3, 2, 3);
    add(4, 1, 2);
    add(5, 4, 3);
    return pa;
  }

  it("invalidates back to the latest valid hash, with all descendants, and the head moves away", () => {
    const pa = executionTree("syncing");
    const h = new Harness(pa);
    h.balances = [32 * ETH, 16 * ETH];
    h.vote(0, 3, 0);
    h.vote(1, 5, 0);
    expect(h.head()).toBe(root(3));
    const invalidated = pa.invalidateExecution(root(2), hash(1));
    expect(invalidated.sort()).toEqual([root(2), root(3)]);
    expect(pa.getNode(root(1))?.executionStatus).toBe("syncing");
    expect(h.head()).toBe(root(5));
    // a child of an invalid block is refused
    expect(() => pa.onBlock(block(6, 3, 4, {executionStatus: "syncing", executionBlockHash: hash(6)}))).toThrow(
      "PARENT_EXECUTION_INVALID",
    );
  });

  it("a zero latest valid hash invalidates every post-merge ancestor; an unknown one only the block", () => {
    const pa = executionTree("syncing");
    expect(pa.invalidateExecution(root(3), hash(77))).toEqual([root(3)]);
    const zero = `0x${"00".repeat(32)}`;
    expect(pa.invalidateExecution(root(5), zero).sort()).toEqual([root(1), root(2), root(4), root(5)].sort());
    expect(pa.getNode(root(0))?.executionStatus).toBe("preMerge");
    const h = new Harness(pa);
    expect(h.head()).toBe(root(0));
  });

  it("a valid verdict validates the optimistic ancestors and verified payloads are never invalidated", () => {
    const pa = executionTree("syncing");
    pa.setExecutionValid(root(2));
    expect([1, 2, 3, 4].map((n) => pa.getNode(root(n))?.executionStatus)).toEqual([
      "valid",
      "valid",
      "syncing",
      "syncing",
    ]);
    // 3 is invalid with the latest valid hash of 1: the walk stops at the verified block 2
    expect(pa.invalidateExecution(root(3), hash(1))).toEqual([root(3)]);
    expect(pa.getNode(root(2))?.executionStatus).toBe("valid");
    expect(() => pa.setExecutionValid(root(3))).toThrow(ForkChoiceError);
  });

  it("an invalid justified block is an error, not a head", () => {
    const pa = executionTree("syncing");
    pa.invalidateExecution(root(2), hash(1));
    expect(() => pa.findHead({...genesisCtx, justifiedRoot: root(2)})).toThrow("INVALID_JUSTIFIED_NODE");
  });
});
