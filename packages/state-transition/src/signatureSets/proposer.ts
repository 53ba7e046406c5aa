import {computeSigningRoot} from "@ceibo/config";
import {DOMAIN_BEACON_PROPOSER} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {BeaconBlockAllForks, SignedBeaconBlockAllForks} from "../types.ts";
import {getDomain} from "../util/domain.ts";
import {computeEpochAtSlot} from "../util/epoch.ts";
import {forkTypes} from "../util/forkTypes.ts";
import type {SignatureSet} from "./signatureSet.ts";
import {validatorKeyPoint} from "./validatorPubkey.ts";

/** phase0 verify_block_signature: the proposer's signature over the block (DOMAIN_BEACON_PROPOSER). */
export function getBlockProposerSignatureSet(
  cs: CachedBeaconState,
  signedBlock: SignedBeaconBlockAllForks,
): SignatureSet {
  const block = signedBlock.message;
  const domain = getDomain(cs.state, DOMAIN_BEACON_PROPOSER, computeEpochAtSlot(block.slot));
  const blockType = forkTypes(cs.fork).BeaconBlock as {hashTreeRoot(v: BeaconBlockAllForks): Uint8Array};
  return {
    type: "single",
    pubkey: validatorKeyPoint(cs, block.proposerIndex),
    signingRoot: computeSigningRoot(blockType, block, domain),
    signature: signedBlock.signature,
  };
}
