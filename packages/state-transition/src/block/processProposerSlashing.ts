import {ssz} from "@ceibo/types";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {ProposerSlashingError} from "../errors.ts";
import {slashValidator} from "../mutators/slash.ts";
import {getProposerSlashingSignatureSets, type ProposerSlashing} from "../signatureSets/proposerSlashing.ts";
import {verifySignatureSet} from "../signatureSets/signatureSet.ts";
import {getCurrentEpoch} from "../util/epoch.ts";
import {isSlashableValidator} from "../util/validator.ts";

/**
 * phase0 process_proposer_slashing
 * Spec: `process_proposer_slashing` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#proposer-slashings
 */
export function processProposerSlashing(
  cs: CachedBeaconState,
  proposerSlashing: ProposerSlashing,
  verifySignatures = true,
): void {
  const state = cs.state;
  const header1 = proposerSlashing.signedHeader1.message;
  const header2 = proposerSlashing.signedHeader2.message;
  if (header1.slot !== header2.slot)
    throw new ProposerSlashingError(
      {code: "SLOTS_DIFFER", slot1: header1.slot, slot2: header2.slot},
      `proposer slashing: header slots differ (${header1.slot}, ${header2.slot})`,
    );
  if (header1.proposerIndex !== header2.proposerIndex)
    throw new ProposerSlashingError(
      {code: "PROPOSERS_DIFFER", proposerIndex1: header1.proposerIndex, proposerIndex2: header2.proposerIndex},
      `proposer slashing: proposer indices differ (${header1.proposerIndex}, ${header2.proposerIndex})`,
    );
  if (ssz.phase0.BeaconBlockHeader.equals(header1, header2))
    throw new ProposerSlashingError({code: "HEADERS_EQUAL"}, "proposer slashing: headers are equal");
  if (header1.proposerIndex >= state.validators.length) {
    throw new ProposerSlashingError(
      {code: "UNKNOWN_VALIDATOR", proposerIndex: header1.proposerIndex},
      `proposer slashing: unknown validator ${header1.proposerIndex}`,
    );
  }
  const proposer = state.validators.getReadonly(header1.proposerIndex);
  if (!isSlashableValidator(proposer, getCurrentEpoch(state))) {
    throw new ProposerSlashingError(
      {code: "NOT_SLASHABLE", proposerIndex: header1.proposerIndex},
      `proposer slashing: validator ${header1.proposerIndex} is not slashable`,
    );
  }
  if (verifySignatures) {
    for (const set of getProposerSlashingSignatureSets(cs, proposerSlashing)) {
      if (!verifySignatureSet(set))
        throw new ProposerSlashingError(
          {code: "INVALID_SIGNATURE", proposerIndex: header1.proposerIndex},
          `proposer slashing: invalid header signature of validator ${header1.proposerIndex}`,
        );
    }
  }
  slashValidator(cs, header1.proposerIndex);
}
