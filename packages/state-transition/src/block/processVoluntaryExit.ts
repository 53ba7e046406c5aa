import {FAR_FUTURE_EPOCH, ForkSeq} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {VoluntaryExitError} from "../errors.ts";
import {initiateValidatorExit} from "../mutators/exit.ts";
import {verifySignatureSet} from "../signatureSets/signatureSet.ts";
import {getVoluntaryExitSignatureSet, type SignedVoluntaryExit} from "../signatureSets/voluntaryExit.ts";
import {getCurrentEpoch} from "../util/epoch.ts";
import {isActiveValidator} from "../util/validator.ts";
import {getPendingBalanceToWithdraw} from "./processWithdrawalRequest.ts";

/**
 * phase0 / deneb / electra process_voluntary_exit
 * Spec: `process_voluntary_exit` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#modified-process_voluntary_exit (phase0; modified in deneb, electra)
 */
export function processVoluntaryExit(
  cs: CachedBeaconState,
  signedVoluntaryExit: SignedVoluntaryExit,
  verifySignatures = true,
): void {
  const state = cs.state;
  const exit = signedVoluntaryExit.message;
  if (exit.validatorIndex >= state.validators.length) {
    throw new VoluntaryExitError(
      {code: "UNKNOWN_VALIDATOR", validatorIndex: exit.validatorIndex},
      `voluntary exit: unknown validator ${exit.validatorIndex}`,
    );
  }
  const validator = state.validators.getReadonly(exit.validatorIndex);
  const currentEpoch = getCurrentEpoch(state);
  if (!isActiveValidator(validator, currentEpoch))
    throw new VoluntaryExitError(
      {code: "NOT_ACTIVE", validatorIndex: exit.validatorIndex},
      `voluntary exit: validator ${exit.validatorIndex} is not active`,
    );
  if (validator.exitEpoch !== FAR_FUTURE_EPOCH)
    throw new VoluntaryExitError(
      {code: "ALREADY_EXITING", validatorIndex: exit.validatorIndex},
      `voluntary exit: exit of validator ${exit.validatorIndex} already initiated`,
    );
  if (!(currentEpoch >= exit.epoch))
    throw new VoluntaryExitError(
      {code: "EPOCH_IN_FUTURE", exitEpoch: exit.epoch, currentEpoch},
      `voluntary exit: not valid before epoch ${exit.epoch}`,
    );
  if (!(currentEpoch >= validator.activationEpoch + cs.config.SHARD_COMMITTEE_PERIOD)) {
    throw new VoluntaryExitError(
      {code: "NOT_ACTIVE_LONG_ENOUGH", validatorIndex: exit.validatorIndex},
      `voluntary exit: validator ${exit.validatorIndex} has not been active long enough`,
    );
  }
  if (cs.fork >= ForkSeq.electra && getPendingBalanceToWithdraw(cs, exit.validatorIndex) !== 0) {
    throw new VoluntaryExitError(
      {code: "PENDING_PARTIAL_WITHDRAWALS", validatorIndex: exit.validatorIndex},
      `voluntary exit: validator ${exit.validatorIndex} has pending partial withdrawals`,
    );
  }
  if (verifySignatures && !verifySignatureSet(getVoluntaryExitSignatureSet(cs, signedVoluntaryExit))) {
    throw new VoluntaryExitError(
      {code: "INVALID_SIGNATURE", validatorIndex: exit.validatorIndex},
      `voluntary exit: invalid signature of validator ${exit.validatorIndex}`,
    );
  }
  initiateValidatorExit(cs, exit.validatorIndex);
}
