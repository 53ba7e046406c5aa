import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {IndexedAttestation} from "../types.ts";
import {getIndexedAttestationSignatureSet} from "./indexedAttestation.ts";
import type {SignatureSet} from "./signatureSet.ts";

export interface AttesterSlashingLike {
  attestation1: IndexedAttestation;
  attestation2: IndexedAttestation;
}

/** phase0 process_attester_slashing: the signature sets of both indexed attestations. */
export function getAttesterSlashingSignatureSets(
  cs: CachedBeaconState,
  attesterSlashing: AttesterSlashingLike,
): SignatureSet[] {
  return [
    getIndexedAttestationSignatureSet(cs, attesterSlashing.attestation1),
    getIndexedAttestationSignatureSet(cs, attesterSlashing.attestation2),
  ];
}
