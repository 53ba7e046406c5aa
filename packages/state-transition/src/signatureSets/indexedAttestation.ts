import {computeSigningRoot} from "@ceibo/config";
import {DOMAIN_BEACON_ATTESTER, ForkSeq} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {getCommitteeIndices} from "../block/attestingIndices.ts";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {AttestationAllForks, AttestationElectra, IndexedAttestation} from "../types.ts";
import {getDomain} from "../util/domain.ts";
import {aggregateCommitteeKeys} from "./committeeKeys.ts";
import type {KeyPoint, SignatureSet} from "./signatureSet.ts";
import {validatorKeyPoint, validatorsAggregatePublicKey} from "./validatorPubkey.ts";

/** phase0 is_valid_indexed_attestation: the aggregate signature of the attesting validators (FastAggregateVerify). */
export function getIndexedAttestationSignatureSet(
  cs: CachedBeaconState,
  indexedAttestation: IndexedAttestation,
): SignatureSet {
  const domain = getDomain(cs.state, DOMAIN_BEACON_ATTESTER, indexedAttestation.data.target.epoch);
  return {
    type: "aggregate",
    pubkeys: indexedAttestation.attestingIndices.map((i) => validatorKeyPoint(cs, i)),
    signingRoot: computeSigningRoot(ssz.phase0.AttestationData, indexedAttestation.data, domain),
    signature: indexedAttestation.signature,
  };
}

/**
 * phase0 / electra process_attestation: one set per attestation, the signature of its indexed attestation
 * (is_valid_indexed_attestation). The signers' keys come per committee (committeeKeys.ts: cached block aggregates
 * of the committee, shared with gossip aggregates), so the set's keys are partial aggregates (cached committee blocks and loose signers), whose
 * sum is the aggregate of the attesting indices' keys (get_attesting_indices: the committee members whose bit is set,
 * committee after committee along aggregation_bits). The attestation's own validity (bit lengths, committee
 * indices, a non-empty set of attesters) is checked by process_attestation, not here.
 */
export function getAttestationsSignatureSets(
  cs: CachedBeaconState,
  attestations: readonly AttestationAllForks[],
): SignatureSet[] {
  return attestations.map((a) => getAttestationSignatureSet(cs, a));
}

function getAttestationSignatureSet(cs: CachedBeaconState, attestation: AttestationAllForks): SignatureSet {
  const data = attestation.data;
  const committeeIndices =
    cs.fork < ForkSeq.electra ? [data.index] : getCommitteeIndices((attestation as AttestationElectra).committeeBits);
  const pubkeys: KeyPoint[] = [];
  let offset = 0;
  for (const committeeIndex of committeeIndices) {
    const committee = cs.epochCtx.getBeaconCommittee(data.slot, committeeIndex);
    const keys = aggregateCommitteeKeys(
      committee,
      attestation.aggregationBits,
      offset,
      (i) => validatorKeyPoint(cs, i),
      (indices) => validatorsAggregatePublicKey(cs, indices),
    );
    for (const key of keys) pubkeys.push(key);
    offset += committee.length;
  }
  const domain = getDomain(cs.state, DOMAIN_BEACON_ATTESTER, data.target.epoch);
  return {
    type: "aggregate",
    pubkeys,
    signingRoot: computeSigningRoot(ssz.phase0.AttestationData, data, domain),
    signature: attestation.signature,
  };
}
