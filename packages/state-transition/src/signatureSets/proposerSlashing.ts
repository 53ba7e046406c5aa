import {computeSigningRoot} from "@ceibo/config";
import {DOMAIN_BEACON_PROPOSER} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import type {ValueOf} from "@chainsafe/ssz";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {getDomain} from "../util/domain.ts";
import {computeEpochAtSlot} from "../util/epoch.ts";
import type {SignatureSet} from "./signatureSet.ts";
import {validatorKeyPoint} from "./validatorPubkey.ts";

export type ProposerSlashing = ValueOf<typeof ssz.phase0.ProposerSlashing>;

/** phase0 process_proposer_slashing: the two signed headers, both by header_1's proposer. */
export function getProposerSlashingSignatureSets(
  cs: CachedBeaconState,
  proposerSlashing: ProposerSlashing,
): SignatureSet[] {
  const pubkey = validatorKeyPoint(cs, proposerSlashing.signedHeader1.message.proposerIndex);
  return [proposerSlashing.signedHeader1, proposerSlashing.signedHeader2].map((signedHeader) => {
    const domain = getDomain(cs.state, DOMAIN_BEACON_PROPOSER, computeEpochAtSlot(signedHeader.message.slot));
    return {
      type: "single",
      pubkey,
      signingRoot: computeSigningRoot(ssz.phase0.BeaconBlockHeader, signedHeader.message, domain),
      signature: signedHeader.signature,
    };
  });
}
