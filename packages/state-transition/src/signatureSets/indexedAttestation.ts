import {computeSigningRoot} from "@ceibo/config";
import {DOMAIN_BEACON_ATTESTER} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {getIndexedAttestation} from "../block/attestingIndices.ts";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {AttestationAllForks, IndexedAttestation} from "../types.ts";
import {getDomain} from "../util/domain.ts";
import type {SignatureSet} from "./signatureSet.ts";
import {validatorPublicKey} from "./validatorPubkey.ts";

/** phase0 is_valid_indexed_attestation: the aggregate signature of the attesting validators (FastAggregateVerify). */
export function getIndexedAttestationSignatureSet(
  cs: CachedBeaconState,
  indexedAttestation: IndexedAttestation,
): SignatureSet {
  const domain = getDomain(cs.state, DOMAIN_BEACON_ATTESTER, indexedAttestation.data.target.epoch);
  return {
    type: "aggregate",
    pubkeys: indexedAttestation.attestingIndices.map((i) => validatorPublicKey(cs, i)),
    signingRoot: computeSigningRoot(ssz.phase0.AttestationData, indexedAttestation.data, domain),
    signature: indexedAttestation.signature,
  };
}

/** phase0 / electra process_attestation: one set per attestation, over its indexed attestation. */
export function getAttestationsSignatureSets(
  cs: CachedBeaconState,
  attestations: readonly AttestationAllForks[],
): SignatureSet[] {
  return attestations.map((a) => getIndexedAttestationSignatureSet(cs, getIndexedAttestation(cs, a)));
}
