import {bytesEqual} from "@ceibo/utils";
import {digest64} from "@chainsafe/as-sha256";

/**
 * phase0 compute_merkle_branch_root
 * Spec: `compute_merkle_branch_root` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#compute_merkle_branch_root
 */
export function computeMerkleBranchRoot(
  leaf: Uint8Array,
  branch: Uint8Array[],
  depth: number,
  index: number,
): Uint8Array {
  let value = leaf;
  const buf = new Uint8Array(64);
  for (let i = 0; i < depth; i++) {
    if (Math.floor(index / 2 ** i) % 2 === 1) {
      buf.set(branch[i], 0);
      buf.set(value, 32);
    } else {
      buf.set(value, 0);
      buf.set(branch[i], 32);
    }
    value = digest64(buf);
  }
  return value;
}

/**
 * phase0 is_valid_merkle_branch
 * Spec: `is_valid_merkle_branch` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#is_valid_merkle_branch
 */
export function isValidMerkleBranch(
  leaf: Uint8Array,
  branch: Uint8Array[],
  depth: number,
  index: number,
  root: Uint8Array,
): boolean {
  if (depth !== branch.length) return false;
  return bytesEqual(computeMerkleBranchRoot(leaf, branch, depth, index), root);
}
