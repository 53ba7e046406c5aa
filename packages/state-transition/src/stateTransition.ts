import {computeSigningRoot} from "@ceibo/config";
import {DOMAIN_BEACON_PROPOSER} from "@ceibo/params";
import {type ProcessBlockOpts, processBlock} from "./block/processBlock.ts";
import type {CachedBeaconState} from "./cache/cachedBeaconState.ts";
import {verifySignatureSet} from "./signatureSets/signatureSet.ts";
import {processSlots} from "./slot/processSlots.ts";
import type {BeaconBlockAllForks, SignedBeaconBlockAllForks} from "./types.ts";
import {getDomain} from "./util/domain.ts";
import {computeEpochAtSlot} from "./util/epoch.ts";
import {forkTypes} from "./util/forkTypes.ts";
import {bytesEqual} from "./util/math.ts";

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
  if (opts.verifyStateRoot ?? true) {
    const root = post.state.hashTreeRoot();
    if (!bytesEqual(root, block.stateRoot)) {
      throw new StateTransitionError(
        `state root mismatch: block says 0x${Buffer.from(block.stateRoot).toString("hex")}, computed 0x${Buffer.from(root).toString("hex")}`,
      );
    }
  }
  return post;
}

/** phase0 verify_block_signature */
export function verifyBlockSignature(cs: CachedBeaconState, signedBlock: SignedBeaconBlockAllForks): boolean {
  const block = signedBlock.message;
  if (block.proposerIndex >= cs.state.validators.length) return false;
  const domain = getDomain(cs.state, DOMAIN_BEACON_PROPOSER, computeEpochAtSlot(block.slot));
  const signingRoot = computeSigningRoot(
    forkTypes(cs.fork).BeaconBlock as {hashTreeRoot(v: BeaconBlockAllForks): Uint8Array},
    block,
    domain,
  );
  return verifySignatureSet({
    type: "single",
    pubkey: cs.epochCtx.pubkeyCache.getPublicKey(block.proposerIndex),
    signingRoot,
    signature: signedBlock.signature,
  });
}
