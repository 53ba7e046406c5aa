import {GENESIS_EPOCH} from "@ceibo/params";
import {computeEpochAtSlot, computeStartSlotAtEpoch} from "@ceibo/state-transition";
import {ForkChoiceError} from "../errors.ts";
import type {ProtoBlock, ProtoNode, RootHex} from "./interface.ts";

/** The store values the head computation reads (phase0 get_head / filter_block_tree). */
export interface HeadContext {
  justifiedRoot: RootHex;
  justifiedEpoch: number;
  finalizedRoot: RootHex;
  finalizedEpoch: number;
  /** get_current_store_epoch */
  currentEpoch: number;
  /** store.proposer_boost_root (null = Root()) and get_proposer_score, in Gwei. */
  proposerBoost: {root: RootHex; score: number} | null;
}

/** The result of a prune: the removed nodes and, for every old index, its new index (-1 = removed). */
export interface PruneResult {
  removed: ProtoNode[];
  indexMap: Int32Array;
}

/** A viable leaf of the filtered block tree with its get_weight (boost included). */
export interface ViableLeaf {
  root: RootHex;
  weight: number;
}

const ZERO_HASH_HEX = `0x${"00".repeat(32)}`;

/**
 * The block tree as a flat array in insertion order (a parent always precedes its children), so that one backward
 * pass propagates weights and picks best children, and one forward pass answers "which checkpoint block is this
 * node's ancestor" for every node.
 *
 * Head selection is exact to phase0 get_head at a08d8a6: only LEAVES are tested for viability
 * (filter_block_tree: correct_justified on get_voting_source with the pulled-up tip rule, correct_finalized on
 * get_checkpoint_block), an inner node is viable iff some leaf below it is, and children are compared by
 * (get_weight, root). Nodes with an invalid execution payload (and so all their descendants) are treated as
 * absent from the tree.
 *
 * Weights are Gwei as JS numbers: effective balances are multiples of EFFECTIVE_BALANCE_INCREMENT (10**9, a
 * multiple of 2**9), so every vote sum below 2**62 Gwei (far above the ETH supply) is exact; the proposer boost is
 * kept apart from the vote weight and comparisons are done on exact differences.
 */
export class ProtoArray {
  readonly nodes: ProtoNode[] = [];
  readonly indices = new Map<RootHex, number>();
  /** Prune once at least this many nodes precede the finalized node. */
  pruneThreshold: number;
  private lastViableLeaves: ViableLeaf[] = [];
  private lastJustifiedRoot: RootHex | null = null;

  constructor(pruneThreshold = 256) {
    this.pruneThreshold = pruneThreshold;
  }

  /** A tree holding only the anchor block (its parent is not part of the tree). */
  static initialize(anchor: ProtoBlock, pruneThreshold?: number): ProtoArray {
    const pa = new ProtoArray(pruneThreshold);
    pa.nodes.push({...anchor, parent: undefined, weight: 0, bestChild: undefined, bestDescendant: undefined});
    pa.indices.set(anchor.blockRoot, 0);
    return pa;
  }

  get length(): number {
    return this.nodes.length;
  }

  hasBlock(root: RootHex): boolean {
    return this.indices.has(root);
  }

  getIndex(root: RootHex): number | undefined {
    return this.indices.get(root);
  }

  getNode(root: RootHex): ProtoNode | undefined {
    const i = this.indices.get(root);
    return i === undefined ? undefined : this.nodes[i];
  }

  /** Adds a block whose parent is in the tree; a block already present is left as it is. */
  onBlock(block: ProtoBlock): number {
    const existing = this.indices.get(block.blockRoot);
    if (existing !== undefined) return existing;
    const parent = this.indices.get(block.parentRoot);
    if (parent === undefined) {
      throw new ForkChoiceError("UNKNOWN_PARENT", `parent ${block.parentRoot} of block ${block.blockRoot} is unknown`);
    }
    if (this.nodes[parent].executionStatus === "invalid" && block.executionStatus !== "invalid") {
      throw new ForkChoiceError("PARENT_EXECUTION_INVALID", `parent ${block.parentRoot} has an invalid payload`);
    }
    const index = this.nodes.length;
    this.nodes.push({...block, parent, weight: 0, bestChild: undefined, bestDescendant: undefined});
    this.indices.set(block.blockRoot, index);
    return index;
  }

  /** Adds `deltas[i]` (Gwei) to node i and to all its ancestors. */
  applyScoreChanges(deltas: ArrayLike<number>): void {
    const nodes = this.nodes;
    if (deltas.length !== nodes.length) {
      throw Error(`applyScoreChanges: ${deltas.length} deltas for ${nodes.length} nodes`);
    }
    const carry = Float64Array.from(deltas);
    for (let i = nodes.length - 1; i >= 0; i--) {
      const d = carry[i];
      if (d === 0) continue;
      const node = nodes[i];
      node.weight += d;
      if (node.weight < 0) throw Error(`node ${node.blockRoot} weight went negative (${node.weight})`);
      if (node.parent !== undefined) carry[node.parent] += d;
    }
  }

  /**
   * phase0 get_head: the head of the filtered block tree under the justified root. Sets every node's bestChild /
   * bestDescendant (undefined where nothing viable lies below) and remembers the viable leaves with their weights.
   */
  findHead(ctx: HeadContext): RootHex {
    const nodes = this.nodes;
    const n = nodes.length;
    const justifiedIndex = this.indices.get(ctx.justifiedRoot);
    if (justifiedIndex === undefined) {
      throw new ForkChoiceError("UNKNOWN_BLOCK", `justified root ${ctx.justifiedRoot} is not in the block tree`);
    }
    if (nodes[justifiedIndex].executionStatus === "invalid") {
      throw new ForkChoiceError(
        "INVALID_JUSTIFIED_NODE",
        `justified block ${ctx.justifiedRoot} has an invalid payload`,
      );
    }

    const finalizedOk = this.finalizedCheckpointMatches(ctx.finalizedRoot, ctx.finalizedEpoch);

    // get_weight adds the proposer score to the boosted block and all its ancestors
    const boosted = new Uint8Array(n);
    const boostScore = ctx.proposerBoost?.score ?? 0;
    if (ctx.proposerBoost !== null) {
      let i = this.indices.get(ctx.proposerBoost.root);
      while (i !== undefined) {
        boosted[i] = 1;
        i = nodes[i].parent;
      }
    }
    /** (get_weight(a), a.root) > (get_weight(b), b.root), exactly */
    const better = (a: number, b: number): boolean => {
      const votes = nodes[a].weight - nodes[b].weight; // exact: both are multiples of 2**9 below 2**62
      const boost = (boosted[b] - boosted[a]) * boostScore; // exact: |boost| <= score < 2**53
      if (votes !== boost) return votes > boost;
      return nodes[a].blockRoot > nodes[b].blockRoot;
    };

    const hasChild = new Uint8Array(n);
    const bestChild = new Int32Array(n).fill(-1);
    const bestDescendant = new Int32Array(n).fill(-1);
    const viableLeaves: ViableLeaf[] = [];
    for (let i = n - 1; i >= 0; i--) {
      const node = nodes[i];
      if (node.executionStatus === "invalid") continue; // absent from the tree
      let viable: boolean;
      if (hasChild[i]) {
        viable = bestChild[i] !== -1;
      } else {
        viable = this.leafIsViable(node, finalizedOk[i] === 1, ctx);
        if (viable) viableLeaves.push({root: node.blockRoot, weight: node.weight + boosted[i] * boostScore});
      }
      if (viable) bestDescendant[i] = bestChild[i] === -1 ? i : bestDescendant[bestChild[i]];
      const p = node.parent;
      if (p !== undefined) {
        hasChild[p] = 1;
        if (viable && (bestChild[p] === -1 || better(i, bestChild[p]))) bestChild[p] = i;
      }
    }
    for (let i = 0; i < n; i++) {
      nodes[i].bestChild = bestChild[i] === -1 ? undefined : bestChild[i];
      nodes[i].bestDescendant = bestDescendant[i] === -1 ? undefined : bestDescendant[i];
    }
    this.lastViableLeaves = viableLeaves;
    this.lastJustifiedRoot = ctx.justifiedRoot;

    // an empty filtered tree leaves the justified root as the head
    const head = bestDescendant[justifiedIndex];
    return nodes[head === -1 ? justifiedIndex : head].blockRoot;
  }

  /** The leaves of the filtered block tree under the justified root, as of the last findHead. */
  viableLeaves(): ViableLeaf[] {
    const justified = this.lastJustifiedRoot;
    if (justified === null) return [];
    return this.lastViableLeaves.filter((leaf) => this.isDescendant(justified, leaf.root));
  }

  /**
   * filter_block_tree's test of a leaf: correct_justified on get_voting_source (the pulled-up unrealized
   * justification for a block from a prior epoch, the post-state's justification otherwise) and correct_finalized.
   */
  private leafIsViable(node: ProtoNode, finalizedOk: boolean, ctx: HeadContext): boolean {
    const blockEpoch = computeEpochAtSlot(node.slot);
    const votingSourceEpoch = ctx.currentEpoch > blockEpoch ? node.unrealizedJustifiedEpoch : node.justifiedEpoch;
    const correctJustified =
      ctx.justifiedEpoch === GENESIS_EPOCH ||
      votingSourceEpoch === ctx.justifiedEpoch ||
      votingSourceEpoch + 2 >= ctx.currentEpoch;
    const correctFinalized = ctx.finalizedEpoch === GENESIS_EPOCH || finalizedOk;
    return correctJustified && correctFinalized;
  }

  /**
   * For every node, whether get_checkpoint_block(node, finalizedEpoch) == finalizedRoot: the checkpoint block is
   * the node itself when its slot is at or before the epoch's first slot, otherwise its parent's checkpoint block.
   * A node without a parent in the tree (the anchor) stands for its own checkpoint block.
   */
  private finalizedCheckpointMatches(finalizedRoot: RootHex, finalizedEpoch: number): Uint8Array {
    const nodes = this.nodes;
    const out = new Uint8Array(nodes.length);
    const startSlot = computeStartSlotAtEpoch(finalizedEpoch);
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i];
      if (node.slot <= startSlot || node.parent === undefined) out[i] = node.blockRoot === finalizedRoot ? 1 : 0;
      else out[i] = out[node.parent];
    }
    return out;
  }

  /**
   * phase0 get_ancestor: the block of `root`'s chain at `slot`, or the latest one before it. Walking past the
   * tree's root (the anchor or the last pruned-to block) yields that root.
   */
  getAncestor(root: RootHex, slot: number): ProtoNode {
    let i = this.indices.get(root);
    if (i === undefined) throw new ForkChoiceError("UNKNOWN_BLOCK", `block ${root} is not in the block tree`);
    let node = this.nodes[i];
    while (node.slot > slot && node.parent !== undefined) {
      i = node.parent;
      node = this.nodes[i];
    }
    return node;
  }

  /** Whether `ancestorRoot` is `root` or one of its ancestors in the tree. */
  isDescendant(ancestorRoot: RootHex, root: RootHex): boolean {
    const a = this.indices.get(ancestorRoot);
    let i = this.indices.get(root);
    if (a === undefined || i === undefined) return false;
    const ancestorSlot = this.nodes[a].slot;
    while (i !== undefined && i >= a) {
      if (i === a) return true;
      const node: ProtoNode = this.nodes[i];
      if (node.slot <= ancestorSlot) return false;
      i = node.parent;
    }
    return false;
  }

  /** The node of `root` and its ancestors in the tree, newest first. */
  *ancestors(root: RootHex): Generator<ProtoNode> {
    let i = this.indices.get(root);
    while (i !== undefined) {
      const node = this.nodes[i];
      yield node;
      i = node.parent;
    }
  }

  /**
   * Drops every block that is not the finalized block or one of its descendants, once at least `pruneThreshold`
   * nodes precede the finalized node. Returns null when nothing was pruned.
   */
  maybePrune(finalizedRoot: RootHex): PruneResult | null {
    const finalizedIndex = this.indices.get(finalizedRoot);
    if (finalizedIndex === undefined) {
      throw new ForkChoiceError("UNKNOWN_BLOCK", `finalized root ${finalizedRoot} is not in the block tree`);
    }
    if (finalizedIndex === 0 || finalizedIndex < this.pruneThreshold) return null;
    const old = this.nodes;
    const indexMap = new Int32Array(old.length).fill(-1);
    const kept: ProtoNode[] = [];
    const removed: ProtoNode[] = [];
    for (let i = 0; i < old.length; i++) {
      const node = old[i];
      const keep =
        i === finalizedIndex || (i > finalizedIndex && node.parent !== undefined && indexMap[node.parent] !== -1);
      if (!keep) {
        removed.push(node);
        continue;
      }
      indexMap[i] = kept.length;
      kept.push(node);
    }
    const remap = (i: number | undefined): number | undefined =>
      i === undefined || indexMap[i] === -1 ? undefined : indexMap[i];
    this.indices.clear();
    this.nodes.length = 0;
    for (const node of kept) {
      node.parent = remap(node.parent);
      node.bestChild = remap(node.bestChild);
      node.bestDescendant = remap(node.bestDescendant);
      this.indices.set(node.blockRoot, this.nodes.length);
      this.nodes.push(node);
    }
    this.lastViableLeaves = this.lastViableLeaves.filter((leaf) => this.indices.has(leaf.root));
    return {removed, indexMap};
  }

  /** The engine verified `root`'s payload: it and its not-yet-verified ancestors become valid. */
  setExecutionValid(root: RootHex): void {
    for (const node of this.ancestors(root)) {
      if (node.executionStatus === "invalid") {
        throw new ForkChoiceError(
          "INVALID_NODE",
          `block ${node.blockRoot} has an invalid payload but ${root} is valid`,
        );
      }
      if (node.executionStatus !== "syncing") break;
      node.executionStatus = "valid";
    }
    if (!this.indices.has(root)) throw new ForkChoiceError("UNKNOWN_BLOCK", `block ${root} is not in the block tree`);
  }

  /**
   * The engine found the payload of `root` (or of a block built on it) invalid, with `latestValidHash` the newest
   * valid ancestor payload: `root` and its ancestors down to (excluding) that payload become invalid, and so do
   * all their descendants. A zero latestValidHash means every post-merge ancestor is invalid; null or a hash that
   * is not on the chain invalidates `root` alone. Verified (valid) payloads are never invalidated.
   * Returns the roots that became invalid.
   */
  invalidateExecution(root: RootHex, latestValidHash: RootHex | null): RootHex[] {
    if (!this.indices.has(root)) throw new ForkChoiceError("UNKNOWN_BLOCK", `block ${root} is not in the block tree`);
    let lvhOnChain = latestValidHash === ZERO_HASH_HEX;
    if (latestValidHash !== null && !lvhOnChain) {
      for (const node of this.ancestors(root)) {
        if (node.executionBlockHash === latestValidHash) {
          lvhOnChain = true;
          break;
        }
      }
    }
    const invalidated: RootHex[] = [];
    for (const node of this.ancestors(root)) {
      if (node.executionStatus === "preMerge" || node.executionStatus === "valid") break;
      if (lvhOnChain && node.executionBlockHash === latestValidHash) break;
      if (node.executionStatus !== "invalid") {
        node.executionStatus = "invalid";
        invalidated.push(node.blockRoot);
      }
      if (!lvhOnChain) break;
    }
    // descendants of an invalid payload are invalid
    for (const node of this.nodes) {
      if (node.parent !== undefined && node.executionStatus !== "invalid") {
        if (this.nodes[node.parent].executionStatus === "invalid") {
          node.executionStatus = "invalid";
          invalidated.push(node.blockRoot);
        }
      }
    }
    return invalidated;
  }
}
