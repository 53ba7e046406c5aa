import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {getIndexedAttestationSignatureSet} from "../signatureSets/indexedAttestation.ts";
import {verifySignatureSet} from "../signatureSets/signatureSet.ts";
import type {IndexedAttestation} from "../types.ts";

/**
 * phase0 is_valid_indexed_attestation: non-empty, strictly increasing indices of existing validators, and (when
 * `verifySignature`) a valid aggregate signature.
 * Spec: `is_valid_indexed_attestation` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#is_valid_indexed_attestation
 */
export function isValidIndexedAttestation(
  cs: CachedBeaconState,
  indexedAttestation: IndexedAttestation,
  verifySignature = true,
): boolean {
  const indices = indexedAttestation.attestingIndices;
  if (indices.length === 0) return false;
  const validatorCount = cs.state.validators.length;
  for (let i = 0; i < indices.length; i++) {
    if (i > 0 && !(indices[i] > indices[i - 1])) return false;
    // the spec reads state.validators[i].pubkey for every index, which fails for an unknown index
    if (indices[i] >= validatorCount) return false;
  }
  if (!verifySignature) return true;
  return verifySignatureSet(getIndexedAttestationSignatureSet(cs, indexedAttestation));
}
