/**
 * A persistent typed-array view of the validator fields the epoch transition reads (effective balance, the four
 * epochs, slashed, compounding credentials), so that process_epoch reads flat arrays instead of walking a million
 * validator nodes of the SSZ tree.
 *
 * Kept up to date by the tree itself rather than by hooks in every mutator: the view remembers the validators-list
 * root node it reflects, and `sync` walks the old and the new tree together, descending only where nodes differ
 * (structural sharing makes unchanged subtrees the same object), and re-reads just the validators whose node
 * changed. Whatever changed a validator (a block operation, the epoch transition, a fork upgrade, a test writing
 * to the state directly) is picked up; the cost is proportional to the validators changed since the last sync.
 *
 * One view is shared by a state and its clones (they mostly differ in a few validators): the arrays always
 * describe the root recorded with them, so a sync from any state's tree, in any order, leaves them right for
 * that state. Read the arrays only right after `sync` of the state you are processing.
 */

import {EFFECTIVE_BALANCE_INCREMENT} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import type {Node} from "@chainsafe/persistent-merkle-tree";
import {getNodesAtDepth} from "@chainsafe/persistent-merkle-tree";
import type {BeaconStateAllForks} from "../types.ts";

/** `bits`: the validator is slashed */
export const VF_SLASHED = 1;
/** `bits`: electra has_compounding_withdrawal_credential (0x02 prefix; recorded at every fork) */
export const VF_COMPOUNDING = 2;

const COMPOUNDING_WITHDRAWAL_PREFIX = 0x02;

/**
 * What the four epoch arrays hold for FAR_FUTURE_EPOCH (2**64 - 1, `Infinity` in ceibo's numbers) and for any
 * epoch >= 2**32 - 1: each epoch is stored as min(epoch, EPOCH_SATURATED) in a Uint32Array (4 bytes a validator
 * instead of 8). Exact for what the readers do with them:
 * - order comparisons against an epoch E of the state (previous/current epoch, current + 1, the lookahead epoch,
 *   previous + 1), as in is_active_validator or `epoch < withdrawable_epoch`: for E < EPOCH_SATURATED,
 *   `min(x, S) <= E` iff `x <= E` and `E < min(x, S)` iff `E < x`, so every such comparison gives the spec's
 *   answer. Readers check E with `assertViewEpoch` (an epoch >= 2**32 - 1 is some 52,000 years of mainnet away;
 *   such a state is refused with an error naming the epoch, never read wrongly);
 * - `=== EPOCH_SATURATED` stands for `== FAR_FUTURE_EPOCH` only where a superset is fine: the registry-update
 *   candidates, which process_registry_updates re-checks against the validator's own (exact) fields.
 * A finite epoch >= 2**32 - 1 in a validator (only a hand-made state has one) therefore reads as "not yet" in
 * every comparison, as it should against any epoch the state can be at.
 */
export const EPOCH_SATURATED = 0xffffffff;

/** Throws unless `epoch` can be compared with the view's saturated epochs exactly (see EPOCH_SATURATED). */
export function assertViewEpoch(epoch: number): void {
  if (!(epoch < EPOCH_SATURATED)) {
    throw Error(`epoch ${epoch} is beyond what the validator-fields view compares exactly (< ${EPOCH_SATURATED})`);
  }
}

function saturatedEpoch(epoch: number): number {
  return epoch < EPOCH_SATURATED ? epoch : EPOCH_SATURATED;
}

type ValidatorsView = BeaconStateAllForks["validators"];

export class ValidatorFields {
  /** The validators-list root node the arrays describe (null: nothing read yet). */
  private root: Node | null = null;
  /** Validators described (the arrays may be longer: spare capacity for appended validators). */
  length = 0;
  /**
   * effective_balance // EFFECTIVE_BALANCE_INCREMENT (2 bytes a validator instead of 8 for Gwei) of every validator
   * whose effective balance is a whole number of increments up to 65,535 — every one the spec writes:
   * min(balance - balance % EFFECTIVE_BALANCE_INCREMENT, max effective balance), at most 2,048 increments (electra)
   * — and 0 for any other, whose exact Gwei are in `effectiveBalanceExceptions`. Read Gwei with
   * `readEffectiveBalances()`.
   */
  effectiveBalanceIncrements: Uint16Array = new Uint16Array(0);
  /** index → effective balance (Gwei) of the validators `effectiveBalanceIncrements` cannot hold (hand-made states). */
  readonly effectiveBalanceExceptions = new Map<number, number>();
  /** The epochs as min(epoch, EPOCH_SATURATED): FAR_FUTURE_EPOCH reads as EPOCH_SATURATED (see there). */
  activationEligibilityEpoch: Uint32Array = new Uint32Array(0);
  activationEpoch: Uint32Array = new Uint32Array(0);
  exitEpoch: Uint32Array = new Uint32Array(0);
  withdrawableEpoch: Uint32Array = new Uint32Array(0);
  /** VF_SLASHED | VF_COMPOUNDING */
  bits: Uint8Array = new Uint8Array(0);
  /** Validators re-read by the last `sync` (for benchmarks and tests). */
  lastSyncReads = 0;
  /** Tree nodes compared by the last `sync` (for benchmarks and tests). */
  lastSyncVisits = 0;

  /** Brings the arrays to the state of `validators` (committed first). */
  sync(validators: ValidatorsView): void {
    validators.commit();
    const root = validators.node;
    if (root === this.root) {
      this.lastSyncReads = 0;
      this.lastSyncVisits = 0;
      return;
    }
    const type = validators.type;
    const length = validators.length;
    this.ensureCapacity(length);
    const depth = type.chunkDepth;
    const chunksNode = type.tree_getChunksNode(root);
    let reads = 0;
    let visits = 0;
    if (this.root === null) {
      const nodes = getNodesAtDepth(chunksNode, depth, 0, length);
      for (let i = 0; i < length; i++) this.read(i, nodes[i]);
      reads = length;
    } else {
      // walk both trees together, only into subtrees that differ; indices >= length are not part of the list
      const stack: {a: Node; b: Node; depth: number; index: number}[] = [
        {a: type.tree_getChunksNode(this.root), b: chunksNode, depth, index: 0},
      ];
      while (stack.length > 0) {
        const {a, b, depth: d, index} = stack.pop() as {a: Node; b: Node; depth: number; index: number};
        visits++;
        if (a === b || index >= length) continue;
        if (d === 0) {
          this.read(index, b);
          reads++;
          continue;
        }
        const half = 2 ** (d - 1);
        stack.push({a: a.right, b: b.right, depth: d - 1, index: index + half});
        stack.push({a: a.left, b: b.left, depth: d - 1, index});
      }
    }
    this.root = root;
    this.length = length;
    this.lastSyncReads = reads;
    this.lastSyncVisits = visits;
  }

  private read(i: number, node: Node): void {
    const v = ssz.phase0.Validator.tree_toValue(node);
    const eb = v.effectiveBalance;
    // exact when eb is a multiple of the increment; never a whole number otherwise (eb below 2**53)
    const inc = eb / EFFECTIVE_BALANCE_INCREMENT;
    if (inc <= 0xffff && inc === Math.floor(inc)) {
      this.effectiveBalanceIncrements[i] = inc;
      if (this.effectiveBalanceExceptions.size > 0) this.effectiveBalanceExceptions.delete(i);
    } else {
      this.effectiveBalanceIncrements[i] = 0;
      this.effectiveBalanceExceptions.set(i, eb);
    }
    this.activationEligibilityEpoch[i] = saturatedEpoch(v.activationEligibilityEpoch);
    this.activationEpoch[i] = saturatedEpoch(v.activationEpoch);
    this.exitEpoch[i] = saturatedEpoch(v.exitEpoch);
    this.withdrawableEpoch[i] = saturatedEpoch(v.withdrawableEpoch);
    this.bits[i] =
      (v.slashed ? VF_SLASHED : 0) |
      (v.withdrawalCredentials[0] === COMPOUNDING_WITHDRAWAL_PREFIX ? VF_COMPOUNDING : 0);
  }

  /** Every described validator's effective balance in Gwei, exact: a new array of `length`. */
  readEffectiveBalances(): Float64Array {
    const n = this.length;
    const out = new Float64Array(n);
    const increments = this.effectiveBalanceIncrements;
    for (let i = 0; i < n; i++) out[i] = increments[i] * EFFECTIVE_BALANCE_INCREMENT;
    for (const [i, eb] of this.effectiveBalanceExceptions) if (i < n) out[i] = eb;
    return out;
  }

  private ensureCapacity(length: number): void {
    if (length <= this.bits.length) return;
    // room for deposits between reallocations
    const capacity = Math.max(length + 1024, Math.ceil(length * 1.01));
    const grow = <A extends Uint16Array | Uint32Array>(a: A, b: A): A => {
      b.set(a);
      return b;
    };
    this.effectiveBalanceIncrements = grow(this.effectiveBalanceIncrements, new Uint16Array(capacity));
    this.activationEligibilityEpoch = grow(this.activationEligibilityEpoch, new Uint32Array(capacity));
    this.activationEpoch = grow(this.activationEpoch, new Uint32Array(capacity));
    this.exitEpoch = grow(this.exitEpoch, new Uint32Array(capacity));
    this.withdrawableEpoch = grow(this.withdrawableEpoch, new Uint32Array(capacity));
    const bits = new Uint8Array(capacity);
    bits.set(this.bits);
    this.bits = bits;
  }
}
