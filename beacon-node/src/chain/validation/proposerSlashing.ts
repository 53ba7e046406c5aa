/** proposer_slashing (phase0 p2p-interface.md validate_proposer_slashing_gossip), on the head state. */
import {
  getCurrentEpoch,
  getProposerSlashingSignatureSets,
  isSlashableValidator,
  type ProposerSlashing,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {type GossipValidationContext, verifySetsOrReject} from "./common.ts";
import {
  type GossipRaise,
  ignore as ignoreAny,
  type ProposerSlashingGossipErrorCode,
  reject as rejectAny,
} from "./errors.ts";

const ignore: GossipRaise<ProposerSlashingGossipErrorCode> = ignoreAny;
const reject: GossipRaise<ProposerSlashingGossipErrorCode> = rejectAny;

/**
 * p2p-interface.md validate_proposer_slashing_gossip; marks the proposer seen when the slashing passes.
 * Spec: `validate_proposer_slashing_gossip` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/p2p-interface.md#proposer_slashing
 */
export async function validateProposerSlashingGossip(
  ctx: GossipValidationContext,
  slashing: ProposerSlashing,
): Promise<void> {
  const header1 = slashing.signedHeader1.message;
  const header2 = slashing.signedHeader2.message;
  const proposerIndex = header1.proposerIndex;

  // [IGNORE] The first valid proposer slashing received for this proposer (again after the signature check)
  const checkSeen = (): void => {
    if (ctx.seen.proposerSlashingIndices.has(proposerIndex)) {
      ignore("SLASHING_ALREADY_KNOWN", `already seen a proposer slashing of validator ${proposerIndex}`);
    }
  };
  checkSeen();
  // [REJECT] The header slots match
  if (header1.slot !== header2.slot) reject("SLOTS_DIFFER", `header slots ${header1.slot} and ${header2.slot}`);
  // [REJECT] The header proposer indices match
  if (header1.proposerIndex !== header2.proposerIndex) reject("PROPOSERS_DIFFER", "header proposer indices differ");
  // [REJECT] The headers are different
  if (ssz.phase0.BeaconBlockHeader.equals(header1, header2)) reject("HEADERS_EQUAL", "the two headers are equal");

  const state = ctx.chain.getHeadState();
  // [REJECT] The proposer index is a valid validator index
  if (proposerIndex >= state.state.validators.length) {
    reject("VALIDATOR_INDEX_OUT_OF_RANGE", `${proposerIndex} is not a validator`);
  }
  // [REJECT] The proposer is slashable
  if (!isSlashableValidator(state.state.validators.getReadonly(proposerIndex), getCurrentEpoch(state.state))) {
    reject("NOT_SLASHABLE", `validator ${proposerIndex} is not slashable`);
  }
  // [REJECT] The signatures are valid
  const sets = (): ReturnType<typeof getProposerSlashingSignatureSets> =>
    getProposerSlashingSignatureSets(state, slashing);
  await verifySetsOrReject(ctx, [
    {code: "INVALID_SIGNATURE", message: "invalid signature on header 1", build: () => sets()[0]},
    {code: "INVALID_SIGNATURE", message: "invalid signature on header 2", build: () => sets()[1]},
  ]);
  // Seen again: other messages were validated during the await (its "first valid" rule)
  checkSeen();

  ctx.seen.proposerSlashingIndices.add(proposerIndex);
}
