/**
 * The latest message of every validator (phase0 Store.latest_messages) in the proto-array's terms: the node the
 * vote's weight currently sits on (`current`), the node of the newest message (`next`) and that message's target
 * epoch. -1 = none. `current` catches up with `next` when the head is computed, as a weight delta.
 */
export class Votes {
  current: Int32Array;
  next: Int32Array;
  nextEpoch: Float64Array;
  /** 1 + the highest validator index that ever voted */
  length = 0;

  constructor(capacity = 1024) {
    this.current = new Int32Array(capacity).fill(-1);
    this.next = new Int32Array(capacity).fill(-1);
    this.nextEpoch = new Float64Array(capacity).fill(-1);
  }

  private ensure(index: number): void {
    if (index < this.current.length) return;
    let cap = this.current.length;
    while (cap <= index) cap *= 2;
    const grow = <T extends Int32Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const out = make(cap);
      out.fill(-1);
      out.set(old);
      return out;
    };
    this.current = grow(this.current, (n) => new Int32Array(n));
    this.next = grow(this.next, (n) => new Int32Array(n));
    this.nextEpoch = grow(this.nextEpoch, (n) => new Float64Array(n));
  }

  /**
   * update_latest_messages for one validator: a message replaces the stored one only if none exists or its target
   * epoch is newer. Returns whether it did.
   */
  update(validatorIndex: number, nodeIndex: number, targetEpoch: number): boolean {
    if (!Number.isSafeInteger(validatorIndex) || validatorIndex < 0)
      throw Error(`bad validator index ${validatorIndex}`);
    this.ensure(validatorIndex);
    if (validatorIndex >= this.length) this.length = validatorIndex + 1;
    if (targetEpoch > this.nextEpoch[validatorIndex]) {
      this.next[validatorIndex] = nodeIndex;
      this.nextEpoch[validatorIndex] = targetEpoch;
      return true;
    }
    return false;
  }

  /** The latest message of a validator: node index (-1 if its block was pruned) and target epoch; null if none. */
  get(validatorIndex: number): {nodeIndex: number; epoch: number} | null {
    if (validatorIndex >= this.length || this.nextEpoch[validatorIndex] < 0) return null;
    return {nodeIndex: this.next[validatorIndex], epoch: this.nextEpoch[validatorIndex]};
  }

  /** After a prune: node indices move (`indexMap[old]`, -1 = removed, its weight left with the removed nodes). */
  remap(indexMap: Int32Array): void {
    for (let v = 0; v < this.length; v++) {
      const c = this.current[v];
      if (c !== -1) this.current[v] = indexMap[c];
      const n = this.next[v];
      if (n !== -1) this.next[v] = indexMap[n];
    }
  }
}

/**
 * The weight change of every node since the last head computation (Lighthouse/Lodestar "compute_deltas"): a vote
 * that moved, or whose validator's balance changed, takes its old balance off the old node and puts its new
 * balance on the new node; an equivocating validator's weight is removed once and never counted again
 * (get_attestation_score skips store.equivocating_indices). Balances are per validator, in Gwei; an index beyond
 * a balance list has balance 0. Moves `current` to `next`.
 */
export function computeDeltas(
  nodeCount: number,
  votes: Votes,
  oldBalances: ArrayLike<number>,
  newBalances: ArrayLike<number>,
  equivocatingIndices: ReadonlySet<number>,
): Float64Array {
  const deltas = new Float64Array(nodeCount);
  const {current, next} = votes;
  const checkEquivocation = equivocatingIndices.size > 0;
  for (let v = 0; v < votes.length; v++) {
    const c = current[v];
    const n = next[v];
    if (c === -1 && n === -1) continue;
    const oldBalance = v < oldBalances.length ? oldBalances[v] : 0;
    if (checkEquivocation && equivocatingIndices.has(v)) {
      if (c !== -1) deltas[c] -= oldBalance;
      current[v] = -1;
      next[v] = -1;
      continue;
    }
    const newBalance = v < newBalances.length ? newBalances[v] : 0;
    if (c !== n || oldBalance !== newBalance) {
      if (c !== -1) deltas[c] -= oldBalance;
      if (n !== -1) deltas[n] += newBalance;
      current[v] = n;
    }
  }
  return deltas;
}
