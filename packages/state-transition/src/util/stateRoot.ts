/**
 * hash_tree_root of a BeaconState view: batched (@chainsafe/ssz `batchHashTreeRoot`: the nodes to hash are
 * collected level by level and each level goes to the native hashtree hasher in one call) when the state's last
 * root is known, so that only the changed subtrees are rehashed (the post-epoch and post-block roots); one node at
 * a time otherwise (a freshly decoded state, where collecting every node of the tree first costs more than it saves).
 */
import type {BeaconStateAllForks} from "../types.ts";

export function stateHashTreeRoot(state: BeaconStateAllForks): Uint8Array {
  // the root node before this commit: hashed when the state (or the state it was cloned from) was hashed before
  return state.node.h0 !== null ? state.batchHashTreeRoot() : state.hashTreeRoot();
}
