import {bytesEqual} from "@ceibo/utils";
import {type ProcessBlockOpts, processBlock} from "./block/processBlock.ts";
import type {CachedBeaconState} from "./cache/cachedBeaconState.ts";
import {getBlockProposerSignatureSet} from "./signatureSets/proposer.ts";
import {verifySignatureSet} from "./signatureSets/signatureSet.ts";
import {processSlots} from "./slot/processSlots.ts";
import type {SignedBeaconBlockAllForks} from "./types.ts";
import {stateHashTreeRoot} from "./util/stateRoot.ts";

export interface StateTransitionOpts extends Partial<ProcessBlockOpts> {
  /** Check block.state_root against the post-state root (default true). */
  verifyStateRoot?: boolean;
  /** Check the proposer's block signature (default: same as verifySignatures, default true). */
  verifyProposer?: boolean;
}

export class StateTransitionError extends Error {}

/**
 * phase0 state_transition: advance a COPY of `pre` to the block's slot, process the block, check the state root.
 * `pre` is left untouched; the post state is returned.
 * Spec: `state_transition` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#beacon-chain-state-transition-function
 */
export function stateTransition(
  pre: CachedBeaconState,
  signedBlock: SignedBeaconBlockAllForks,
  opts: StateTransitionOpts = {},
): CachedBeaconState {
  const verifySignatures = opts.verifySignatures ?? true;
  const block = signedBlock.message;
  const post = pre.clone();
  if (block.slot > post.state.slot) processSlots(post, block.slot);
  if ((opts.verifyProposer ?? verifySignatures) && !verifyBlockSignature(post, signedBlock)) {
    throw new StateTransitionError("invalid block signature");
  }
  processBlock(post, block, {verifySignatures, executionPayloadValid: opts.executionPayloadValid ?? true});
  if (opts.verifyStateRoot ?? true) checkStateRoot(post, block.stateRoot);
  return post;
}

/**
 * The last check of phase0 state_transition: `block.state_root == hash_tree_root(state)`; throws
 * `StateTransitionError` when it differs. For a caller that processed the block with `verifyStateRoot: false` and
 * hashes in a later step (beacon-node block import: another event-loop turn).
 */
export function checkStateRoot(post: CachedBeaconState, blockStateRoot: Uint8Array): void {
  const root = stateHashTreeRoot(post.state);
  if (!bytesEqual(root, blockStateRoot)) {
    throw new StateTransitionError(
      `state root mismatch: block says 0x${Buffer.from(blockStateRoot).toString("hex")}, computed 0x${Buffer.from(root).toString("hex")}`,
    );
  }
}

/**
 * phase0 verify_block_signature (an unknown proposer index or a malformed key/signature is invalid).
 * Spec: `verify_block_signature` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#beacon-chain-state-transition-function
 */
export function verifyBlockSignature(cs: CachedBeaconState, signedBlock: SignedBeaconBlockAllForks): boolean {
  if (signedBlock.message.proposerIndex >= cs.state.validators.length) return false;
  return verifySignatureSet(getBlockProposerSignatureSet(cs, signedBlock));
}
