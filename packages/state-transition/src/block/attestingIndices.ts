import {ForkSeq} from "@ceibo/params";
import type {BitArray} from "@chainsafe/ssz";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {AttestationAllForks, AttestationElectra, IndexedAttestation} from "../types.ts";

/**
 * electra get_committee_indices
 * Spec: `get_committee_indices` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#new-get_committee_indices
 */
export function getCommitteeIndices(committeeBits: BitArray): number[] {
  return committeeBits.getTrueBitIndexes();
}

/**
 * phase0 / electra get_attesting_indices, as an array of distinct indices in committee order (the spec's set).
 * Committees come from the epoch cache; before electra one committee (data.index), from electra every committee
 * of committee_bits with its slice of aggregation_bits.
 * Spec: `get_attesting_indices` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#modified-get_attesting_indices (phase0; modified in electra)
 */
export function getAttestingIndices(cs: CachedBeaconState, attestation: AttestationAllForks): number[] {
  const data = attestation.data;
  const bits = attestation.aggregationBits;
  const out: number[] = [];
  if (cs.fork < ForkSeq.electra) {
    const committee = cs.epochCtx.getBeaconCommittee(data.slot, data.index);
    for (let i = 0; i < committee.length; i++) if (bits.get(i)) out.push(committee[i]);
    return out;
  }
  // committees of one slot are disjoint, so the union of the per-committee sets is their concatenation
  let committeeOffset = 0;
  for (const committeeIndex of getCommitteeIndices((attestation as AttestationElectra).committeeBits)) {
    const committee = cs.epochCtx.getBeaconCommittee(data.slot, committeeIndex);
    for (let i = 0; i < committee.length; i++) if (bits.get(committeeOffset + i)) out.push(committee[i]);
    committeeOffset += committee.length;
  }
  return out;
}

/**
 * phase0 get_indexed_attestation (electra: same function over the electra get_attesting_indices)
 * Spec: `get_indexed_attestation` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#get_indexed_attestation
 */
export function getIndexedAttestation(cs: CachedBeaconState, attestation: AttestationAllForks): IndexedAttestation {
  const attestingIndices = getAttestingIndices(cs, attestation).sort((a, b) => a - b);
  return {attestingIndices, data: attestation.data, signature: attestation.signature};
}
