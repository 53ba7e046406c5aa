import {computeDomain, computeSigningRoot} from "@ceibo/config";
import {DOMAIN_VOLUNTARY_EXIT, ForkSeq} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import type {ValueOf} from "@chainsafe/ssz";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {getDomain} from "../util/domain.ts";
import type {SignatureSet} from "./signatureSet.ts";
import {validatorKeyPoint} from "./validatorPubkey.ts";

export type SignedVoluntaryExit = ValueOf<typeof ssz.phase0.SignedVoluntaryExit>;

/**
 * phase0 / deneb process_voluntary_exit: the validator's signature over the exit. phase0–capella sign with the
 * state's fork at exit.epoch; from deneb (EIP-7044) with the fixed CAPELLA_FORK_VERSION.
 */
export function getVoluntaryExitSignatureSet(
  cs: CachedBeaconState,
  signedVoluntaryExit: SignedVoluntaryExit,
): SignatureSet {
  const exit = signedVoluntaryExit.message;
  const domain =
    cs.fork >= ForkSeq.deneb
      ? computeDomain(DOMAIN_VOLUNTARY_EXIT, cs.config.CAPELLA_FORK_VERSION, cs.state.genesisValidatorsRoot)
      : getDomain(cs.state, DOMAIN_VOLUNTARY_EXIT, exit.epoch);
  return {
    type: "single",
    pubkey: validatorKeyPoint(cs, exit.validatorIndex),
    signingRoot: computeSigningRoot(ssz.phase0.VoluntaryExit, exit, domain),
    signature: signedVoluntaryExit.signature,
  };
}
