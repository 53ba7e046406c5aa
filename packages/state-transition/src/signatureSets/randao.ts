import {computeSigningRoot} from "@ceibo/config";
import {DOMAIN_RANDAO} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {getDomain} from "../util/domain.ts";
import {getCurrentEpoch} from "../util/epoch.ts";
import {getBeaconProposerIndex} from "../util/proposer.ts";
import type {SignatureSet} from "./signatureSet.ts";

/** phase0 process_randao: the proposer's signature over the current epoch (DOMAIN_RANDAO). */
export function getRandaoSignatureSet(cs: CachedBeaconState, randaoReveal: Uint8Array): SignatureSet {
  const epoch = getCurrentEpoch(cs.state);
  const proposerIndex = getBeaconProposerIndex(cs);
  return {
    type: "single",
    pubkey: cs.epochCtx.pubkeyCache.getKeyPoint(proposerIndex),
    signingRoot: computeSigningRoot(ssz.phase0.Epoch, epoch, getDomain(cs.state, DOMAIN_RANDAO)),
    signature: randaoReveal,
  };
}
