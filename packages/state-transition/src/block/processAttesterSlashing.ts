import {ssz} from "@ceibo/types";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {AttesterSlashingError} from "../errors.ts";
import {slashValidator} from "../mutators/slash.ts";
import type {AttesterSlashingLike} from "../signatureSets/attesterSlashing.ts";
import type {AttestationData} from "../types.ts";
import {getCurrentEpoch} from "../util/epoch.ts";
import {isSlashableValidator} from "../util/validator.ts";
import {isValidIndexedAttestation} from "./isValidIndexedAttestation.ts";

/**
 * phase0 is_slashable_attestation_data
 * Spec: `is_slashable_attestation_data` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#is_slashable_attestation_data
 */
export function isSlashableAttestationData(data1: AttestationData, data2: AttestationData): boolean {
  const doubleVote = !ssz.phase0.AttestationData.equals(data1, data2) && data1.target.epoch === data2.target.epoch;
  const surroundVote = data1.source.epoch < data2.source.epoch && data2.target.epoch < data1.target.epoch;
  return doubleVote || surroundVote;
}

/**
 * phase0 process_attester_slashing (electra: same function over the electra containers)
 * Spec: `process_attester_slashing` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#attester-slashings
 */
export function processAttesterSlashing(
  cs: CachedBeaconState,
  attesterSlashing: AttesterSlashingLike,
  verifySignatures = true,
): void {
  const {attestation1, attestation2} = attesterSlashing;
  if (!isSlashableAttestationData(attestation1.data, attestation2.data)) {
    throw new AttesterSlashingError(
      {code: "NOT_SLASHABLE_DATA"},
      "attester slashing: attestation data is not slashable",
    );
  }
  if (!isValidIndexedAttestation(cs, attestation1, verifySignatures)) {
    throw new AttesterSlashingError(
      {code: "INVALID_INDEXED_ATTESTATION", attestation: 1},
      "attester slashing: attestation 1 is not a valid indexed attestation",
    );
  }
  if (!isValidIndexedAttestation(cs, attestation2, verifySignatures)) {
    throw new AttesterSlashingError(
      {code: "INVALID_INDEXED_ATTESTATION", attestation: 2},
      "attester slashing: attestation 2 is not a valid indexed attestation",
    );
  }
  // both index lists are strictly increasing (checked above): intersect them in order
  const indices1 = attestation1.attestingIndices;
  const indices2 = attestation2.attestingIndices;
  const epoch = getCurrentEpoch(cs.state);
  let slashedAny = false;
  for (let i = 0, j = 0; i < indices1.length && j < indices2.length; ) {
    if (indices1[i] < indices2[j]) i++;
    else if (indices1[i] > indices2[j]) j++;
    else {
      const index = indices1[i];
      if (isSlashableValidator(cs.state.validators.getReadonly(index), epoch)) {
        slashValidator(cs, index);
        slashedAny = true;
      }
      i++;
      j++;
    }
  }
  if (!slashedAny)
    throw new AttesterSlashingError({code: "NO_VALIDATOR_SLASHED"}, "attester slashing: no validator was slashed");
}
