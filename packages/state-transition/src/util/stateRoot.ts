/**
 * hash_tree_root of a BeaconState view, batched: the view is committed, then every node without a root yet is
 * found in one walk from the root node (a node whose root is known is not entered: its whole subtree is), and
 * hashed with as few native hasher calls as possible:
 * - the registry's validator nodes (ssz BranchNodeStruct: each holds its validator's value, and walking its
 *   subtree would build ~15 nodes per validator) straight from their values: a batch of pubkeys in one hashtree
 *   call, then the batch's eight field chunks merkleized three levels at once;
 * - then the branch nodes, deepest level first (a node's children are one level deeper, so they are done before
 *   it), each level in slices of up to 4,096 nodes: the children's roots copied into one buffer, one `hashInto`
 *   call, the parents' roots read back from its output.
 * One walk and one native call per 4,096 nodes, with no object per node: a post-epoch root at 1M validators
 * rehashes ~255k nodes (the balances list is rewritten by the epoch), as many as Lodestar rehashes; ssz's own
 * `batchHashTreeRoot` allocates a HashComputation per node and calls the hasher once per 16 nodes, and plain
 * `hashTreeRoot()` calls it once per node.
 */

import {SlabValidator} from "@ceibo/types";
import type {HashObject} from "@chainsafe/as-sha256";
import {digestNLevel, hashInto, type Node} from "@chainsafe/persistent-merkle-tree";
import type {BeaconStateAllForks} from "../types.ts";
import type {ValidatorLike} from "./validator.ts";

export function stateHashTreeRoot(state: BeaconStateAllForks): Uint8Array {
  state.commit();
  const root = state.node;
  hashDirtyNodes(root);
  return root.root;
}

/** Validators per batch: 8192 × 256 bytes of field chunks (2 MB) plus the pubkey blocks. */
const BATCH = 8192;
/** Branch nodes per hasher call: 4096 × 64 bytes in (256 kB), 4096 × 32 out. */
const NODE_BATCH = 4096;
const TWO_POW_32 = 2 ** 32;

/** A validator value as a registry node holds it. */
type ValidatorValue = ValidatorLike & {pubkey: Uint8Array};

/** A registry node that holds its validator's value (ssz BranchNodeStruct). */
type ValueNode = Node & {value: ValidatorValue};

/** A node as persistent-merkle-tree's BranchNode stores its children (read without the getters). */
type Branch = Node & {_left?: Node; _right?: Node};

// buffers reused across calls (the hasher is synchronous; nothing here runs concurrently)
const nodeIn = new Uint8Array(NODE_BATCH * 64);
const nodeIn32 = new Int32Array(nodeIn.buffer);
const nodeOut = new Uint8Array(NODE_BATCH * 32);
const nodeOut32 = new Int32Array(nodeOut.buffer);
/** Unhashed branch nodes by depth below the walk's root; emptied after every call (no state is kept alive). */
const levels: Node[][] = [];
const stack: Node[] = [];
const stackDepth: number[] = [];
const structs: Node[] = [];

/**
 * Computes the root of every node under `root` (included) that has none, as described above. Afterwards
 * `root.root` reads the root without hashing.
 */
export function hashDirtyNodes(root: Node): void {
  if (root.h0 !== null) return;
  let maxDepth = -1;
  try {
    stack.push(root);
    stackDepth.push(0);
    while (stack.length > 0) {
      const node = stack.pop() as Branch;
      const depth = stackDepth.pop() as number;
      const left = node._left;
      if (left === undefined) {
        // not a BranchNode: a node computing its subtree from a value (BranchNodeStruct); a LeafNode has a root
        structs.push(node);
        continue;
      }
      const right = node._right as Node;
      if (depth > maxDepth) {
        for (let d = maxDepth + 1; d <= depth; d++) if (levels[d] === undefined) levels[d] = [];
        maxDepth = depth;
      }
      levels[depth].push(node);
      if (left.h0 === null) {
        stack.push(left);
        stackDepth.push(depth + 1);
      }
      if (right.h0 === null) {
        stack.push(right);
        stackDepth.push(depth + 1);
      }
    }
    hashValueNodes(structs);
    for (let d = maxDepth; d >= 0; d--) hashBranchLevel(levels[d]);
  } finally {
    stack.length = 0;
    stackDepth.length = 0;
    structs.length = 0;
    for (let d = 0; d <= maxDepth; d++) levels[d].length = 0;
  }
}

/** Sets the root of each node (whose children have roots), NODE_BATCH nodes per hasher call. */
function hashBranchLevel(nodes: Node[]): void {
  const n = nodes.length;
  for (let start = 0; start < n; start += NODE_BATCH) {
    const end = Math.min(n, start + NODE_BATCH);
    let o = 0;
    for (let i = start; i < end; i++) {
      const node = nodes[i] as Branch;
      const l = node._left as Node;
      const r = node._right as Node;
      nodeIn32[o] = l.h0 as number;
      nodeIn32[o + 1] = l.h1;
      nodeIn32[o + 2] = l.h2;
      nodeIn32[o + 3] = l.h3;
      nodeIn32[o + 4] = l.h4;
      nodeIn32[o + 5] = l.h5;
      nodeIn32[o + 6] = l.h6;
      nodeIn32[o + 7] = l.h7;
      nodeIn32[o + 8] = r.h0 as number;
      nodeIn32[o + 9] = r.h1;
      nodeIn32[o + 10] = r.h2;
      nodeIn32[o + 11] = r.h3;
      nodeIn32[o + 12] = r.h4;
      nodeIn32[o + 13] = r.h5;
      nodeIn32[o + 14] = r.h6;
      nodeIn32[o + 15] = r.h7;
      o += 16;
    }
    const m = end - start;
    hashInto(nodeIn.subarray(0, m * 64), nodeOut.subarray(0, m * 32));
    o = 0;
    for (let i = start; i < end; i++) {
      const node = nodes[i];
      node.h0 = nodeOut32[o];
      node.h1 = nodeOut32[o + 1];
      node.h2 = nodeOut32[o + 2];
      node.h3 = nodeOut32[o + 3];
      node.h4 = nodeOut32[o + 4];
      node.h5 = nodeOut32[o + 5];
      node.h6 = nodeOut32[o + 6];
      node.h7 = nodeOut32[o + 7];
      o += 8;
    }
  }
}

function writeUint64(dv: DataView, offset: number, value: number): void {
  if (value === Number.POSITIVE_INFINITY) {
    // FAR_FUTURE_EPOCH is 2**64 - 1
    dv.setUint32(offset, 0xffffffff, true);
    dv.setUint32(offset + 4, 0xffffffff, true);
  } else {
    dv.setUint32(offset, value % TWO_POW_32, true);
    dv.setUint32(offset + 4, Math.floor(value / TWO_POW_32), true);
  }
}

function copyBytes(from: Uint8Array, fromOffset: number, to: Uint8Array, toOffset: number, length: number): void {
  for (let i = 0; i < length; i++) to[toOffset + i] = from[fromOffset + i];
}

function isValidatorValue(value: unknown): value is ValidatorValue {
  // a SlabValidator first: its byte fields are views made on each read
  if (value instanceof SlabValidator) return true;
  const v = value as Partial<ValidatorValue> | undefined;
  return v !== undefined && v.pubkey instanceof Uint8Array && v.withdrawalCredentials instanceof Uint8Array;
}

/**
 * Sets the root of each node: registry nodes from their validator values in batches (phase0 Validator:
 * hash_tree_root over [hash_tree_root(pubkey), withdrawal_credentials, effective_balance, slashed,
 * activation_eligibility_epoch, activation_epoch, exit_epoch, withdrawable_epoch]); any other node through its
 * own `rootHashObject`.
 */
function hashValueNodes(nodes: Node[]): void {
  const todo: ValueNode[] = [];
  for (const node of nodes) {
    if (node.h0 !== null) continue;
    const value = (node as Partial<ValueNode>).value;
    if (isValidatorValue(value)) todo.push(node as ValueNode);
    else void node.rootHashObject;
  }
  if (todo.length === 0) return;
  const pubkeyBlocks = new Uint8Array(BATCH * 64);
  const pubkeyRoots = new Uint8Array(BATCH * 32);
  const chunks = new Uint8Array(BATCH * 256);
  const dv = new DataView(chunks.buffer);
  const ho: HashObject = {h0: 0, h1: 0, h2: 0, h3: 0, h4: 0, h5: 0, h6: 0, h7: 0};
  for (let start = 0; start < todo.length; start += BATCH) {
    const m = Math.min(todo.length, start + BATCH) - start;
    // hash_tree_root(pubkey): 48 bytes in two chunks (bytes 48..63 of each block stay zero)
    for (let k = 0; k < m; k++) {
      const v = todo[start + k].value;
      if (v instanceof SlabValidator) copyBytes(v.slab.bytes, v.offset, pubkeyBlocks, k * 64, 48);
      else pubkeyBlocks.set(v.pubkey, k * 64);
    }
    hashInto(pubkeyBlocks.subarray(0, m * 64), pubkeyRoots.subarray(0, m * 32));
    chunks.fill(0, 0, m * 256);
    for (let k = 0; k < m; k++) {
      const v = todo[start + k].value;
      const base = k * 256;
      copyBytes(pubkeyRoots, k * 32, chunks, base, 32);
      if (v instanceof SlabValidator) {
        // the serialized fields are the chunks' little-endian bytes: credentials 48..80, effective balance 80..88,
        // slashed 88, the four epochs 89..121, 8 bytes each
        const b = v.slab.bytes;
        const o = v.offset;
        copyBytes(b, o + 48, chunks, base + 32, 40);
        chunks[base + 96] = b[o + 88];
        for (let e = 0; e < 4; e++) copyBytes(b, o + 89 + e * 8, chunks, base + 128 + e * 32, 8);
        continue;
      }
      chunks.set(v.withdrawalCredentials, base + 32);
      writeUint64(dv, base + 64, v.effectiveBalance);
      chunks[base + 96] = v.slashed ? 1 : 0;
      writeUint64(dv, base + 128, v.activationEligibilityEpoch);
      writeUint64(dv, base + 160, v.activationEpoch);
      writeUint64(dv, base + 192, v.exitEpoch);
      writeUint64(dv, base + 224, v.withdrawableEpoch);
    }
    // eight chunks -> one root per validator (valid until the next hasher call)
    const roots = digestNLevel(chunks.subarray(0, m * 256), 3);
    const rdv = new DataView(roots.buffer, roots.byteOffset, roots.byteLength);
    for (let k = 0; k < m; k++) {
      const o = k * 32;
      ho.h0 = rdv.getInt32(o, true);
      ho.h1 = rdv.getInt32(o + 4, true);
      ho.h2 = rdv.getInt32(o + 8, true);
      ho.h3 = rdv.getInt32(o + 12, true);
      ho.h4 = rdv.getInt32(o + 16, true);
      ho.h5 = rdv.getInt32(o + 20, true);
      ho.h6 = rdv.getInt32(o + 24, true);
      ho.h7 = rdv.getInt32(o + 28, true);
      todo[start + k].applyHash(ho);
    }
  }
}
