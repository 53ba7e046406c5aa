/**
 * attester_slashing (phase0 / electra p2p-interface.md validate_attester_slashing_gossip), on the head state;
 * electra's AttesterSlashing only allows longer index lists.
 */
import {
  type AttesterSlashingLike,
  getCurrentEpoch,
  getIndexedAttestationSignatureSet,
  isSlashableAttestationData,
  isSlashableValidator,
  isValidIndexedAttestation,
} from "@ceibo/state-transition";
import {type GossipValidationContext, verifySetsOrReject} from "./common.ts";
import {
  type AttesterSlashingGossipErrorCode,
  type GossipRaise,
  ignore as ignoreAny,
  reject as rejectAny,
} from "./errors.ts";

const ignore: GossipRaise<AttesterSlashingGossipErrorCode> = ignoreAny;
const reject: GossipRaise<AttesterSlashingGossipErrorCode> = rejectAny;

/**
 * p2p-interface.md validate_attester_slashing_gossip; returns the intersection of the attesting indices and
 * marks it seen when the slashing passes.
 * Spec: `validate_attester_slashing_gossip` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/p2p-interface.md#attester_slashing
 */
export async function validateAttesterSlashingGossip(
  ctx: GossipValidationContext,
  slashing: AttesterSlashingLike,
): Promise<number[]> {
  const {attestation1, attestation2} = slashing;
  const indices2 = new Set(attestation2.attestingIndices);
  const slashableIndices = [...new Set(attestation1.attestingIndices)].filter((i) => indices2.has(i));

  // [IGNORE] At least one index in the intersection has not yet been seen (again after the signature check)
  const checkSeen = (): void => {
    if (slashableIndices.every((i) => ctx.seen.attesterSlashingIndices.has(i))) {
      ignore("SLASHING_ALREADY_KNOWN", "every index of the slashing was already seen");
    }
  };
  checkSeen();
  // [REJECT] The attestation data is slashable (double vote or surround vote)
  if (!isSlashableAttestationData(attestation1.data, attestation2.data)) {
    reject("NOT_SLASHABLE_DATA", "the attestation data is neither a double nor a surround vote");
  }
  const state = ctx.chain.getHeadState();
  const validatorCount = state.state.validators.length;
  for (const [n, att] of [attestation1, attestation2].entries()) {
    // [REJECT] All validator indices of the indexed attestation are valid
    if (att.attestingIndices.some((i) => i >= validatorCount)) {
      reject("VALIDATOR_INDEX_OUT_OF_RANGE", `indexed attestation ${n + 1} names an unknown validator`);
    }
    // [REJECT] The indexed attestation has valid properties (non-empty, sorted, unique; signature below)
    if (!isValidIndexedAttestation(state, att, false)) {
      reject("INVALID_INDEXED_ATTESTATION", `indexed attestation ${n + 1} is not valid`);
    }
  }
  await verifySetsOrReject(
    ctx,
    [attestation1, attestation2].map((att, n) => ({
      code: "INVALID_SIGNATURE",
      message: `invalid signature of indexed attestation ${n + 1}`,
      build: () => getIndexedAttestationSignatureSet(state, att),
    })),
  );
  // Seen again: other messages were validated during the await (its "first valid" rule)
  checkSeen();
  // [REJECT] At least one validator in the intersection is slashable
  const currentEpoch = getCurrentEpoch(state.state);
  if (!slashableIndices.some((i) => isSlashableValidator(state.state.validators.getReadonly(i), currentEpoch))) {
    reject("NO_SLASHABLE_VALIDATOR", "no validator of the intersection is slashable");
  }

  for (const i of slashableIndices) ctx.seen.attesterSlashingIndices.add(i);
  return slashableIndices;
}
