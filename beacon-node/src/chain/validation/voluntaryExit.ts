/**
 * voluntary_exit (phase0 / deneb p2p-interface.md validate_voluntary_exit_gossip), on the head state. From deneb
 * the signature domain is pinned to CAPELLA_FORK_VERSION (EIP-7044), as the state-transition signature set does.
 */
import {FAR_FUTURE_EPOCH} from "@ceibo/params";
import {
  getCurrentEpoch,
  getVoluntaryExitSignatureSet,
  isActiveValidator,
  type SignedVoluntaryExit,
} from "@ceibo/state-transition";
import {type GossipValidationContext, verifySetsOrReject} from "./common.ts";
import {
  type GossipRaise,
  ignore as ignoreAny,
  reject as rejectAny,
  type VoluntaryExitGossipErrorCode,
} from "./errors.ts";

const ignore: GossipRaise<VoluntaryExitGossipErrorCode> = ignoreAny;
const reject: GossipRaise<VoluntaryExitGossipErrorCode> = rejectAny;

/**
 * p2p-interface.md validate_voluntary_exit_gossip; marks the validator seen when the exit passes.
 * Spec: `validate_voluntary_exit_gossip` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/deneb/p2p-interface.md#modified-voluntary_exit
 */
export async function validateVoluntaryExitGossip(
  ctx: GossipValidationContext,
  signedExit: SignedVoluntaryExit,
): Promise<void> {
  const exit = signedExit.message;
  const index = exit.validatorIndex;

  // [IGNORE] The first valid voluntary exit received for the validator (again after the signature check)
  const checkSeen = (): void => {
    if (ctx.seen.voluntaryExitIndices.has(index)) {
      ignore("EXIT_ALREADY_KNOWN", `already seen a voluntary exit of validator ${index}`);
    }
  };
  checkSeen();

  const state = ctx.chain.getHeadState();
  // [REJECT] The validator index is valid
  if (index >= state.state.validators.length) reject("VALIDATOR_INDEX_OUT_OF_RANGE", `${index} is not a validator`);
  const validator = state.state.validators.getReadonly(index);
  const currentEpoch = getCurrentEpoch(state.state);

  // [REJECT] The validator is active
  if (!isActiveValidator(validator, currentEpoch)) reject("VALIDATOR_NOT_ACTIVE", `validator ${index} is not active`);
  // [REJECT] The validator has not already initiated exit
  if (validator.exitEpoch !== FAR_FUTURE_EPOCH) {
    reject("EXIT_ALREADY_INITIATED", `validator ${index} already exits at epoch ${validator.exitEpoch}`);
  }
  // [REJECT] The voluntary exit epoch is not in the future
  if (currentEpoch < exit.epoch) reject("FUTURE_EXIT_EPOCH", `exit epoch ${exit.epoch} is after ${currentEpoch}`);
  // [REJECT] The validator has been active long enough
  if (currentEpoch < validator.activationEpoch + ctx.chain.config.SHARD_COMMITTEE_PERIOD) {
    reject("SHORT_ACTIVE_PERIOD", `validator ${index} has not been active for SHARD_COMMITTEE_PERIOD`);
  }
  // [REJECT] The signature is valid
  await verifySetsOrReject(ctx, [
    {
      code: "INVALID_SIGNATURE",
      message: `invalid voluntary exit signature of validator ${index}`,
      build: () => getVoluntaryExitSignatureSet(state, signedExit),
    },
  ]);
  // Seen again: other messages were validated during the await (its "first valid" rule)
  checkSeen();

  ctx.seen.voluntaryExitIndices.add(index);
}
