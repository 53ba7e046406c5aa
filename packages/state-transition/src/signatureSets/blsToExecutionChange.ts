import {computeDomain, computeSigningRoot} from "@ceibo/config";
import {DOMAIN_BLS_TO_EXECUTION_CHANGE} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {PublicKey} from "@chainsafe/blst";
import type {ValueOf} from "@chainsafe/ssz";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {SignatureSet} from "./signatureSet.ts";

export type SignedBLSToExecutionChange = ValueOf<typeof ssz.capella.SignedBLSToExecutionChange>;

/**
 * capella process_bls_to_execution_change: signed by from_bls_pubkey, with the fork-agnostic domain
 * (GENESIS_FORK_VERSION and the chain's genesis_validators_root). Throws if from_bls_pubkey is not a valid key.
 */
export function getBlsToExecutionChangeSignatureSet(
  cs: CachedBeaconState,
  signedAddressChange: SignedBLSToExecutionChange,
): SignatureSet {
  const change = signedAddressChange.message;
  const domain = computeDomain(
    DOMAIN_BLS_TO_EXECUTION_CHANGE,
    cs.config.GENESIS_FORK_VERSION,
    cs.state.genesisValidatorsRoot,
  );
  return {
    type: "single",
    pubkey: PublicKey.fromBytes(change.fromBlsPubkey, true),
    signingRoot: computeSigningRoot(ssz.capella.BLSToExecutionChange, change, domain),
    signature: signedAddressChange.signature,
  };
}

/** One set per BLS-to-execution change of a block. */
export function getBlsToExecutionChangeSignatureSets(
  cs: CachedBeaconState,
  changes: readonly SignedBLSToExecutionChange[],
): SignatureSet[] {
  return changes.map((c) => getBlsToExecutionChangeSignatureSet(cs, c));
}
