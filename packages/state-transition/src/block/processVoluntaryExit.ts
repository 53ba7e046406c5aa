import {FAR_FUTURE_EPOCH, ForkSeq} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
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
    throw Error(`voluntary exit: unknown validator ${exit.validatorIndex}`);
  }
  const validator = state.validators.getReadonly(exit.validatorIndex);
  const currentEpoch = getCurrentEpoch(state);
  if (!isActiveValidator(validator, currentEpoch)) throw Error("voluntary exit: validator is not active");
  if (validator.exitEpoch !== FAR_FUTURE_EPOCH) throw Error("voluntary exit: exit already initiated");
  if (!(currentEpoch >= exit.epoch)) throw Error(`voluntary exit: not valid before epoch ${exit.epoch}`);
  if (!(currentEpoch >= validator.activationEpoch + cs.config.SHARD_COMMITTEE_PERIOD)) {
    throw Error("voluntary exit: validator has not been active long enough");
  }
  if (cs.fork >= ForkSeq.electra && getPendingBalanceToWithdraw(cs, exit.validatorIndex) !== 0) {
    throw Error("voluntary exit: validator has pending partial withdrawals");
  }
  if (verifySignatures && !verifySignatureSet(getVoluntaryExitSignatureSet(cs, signedVoluntaryExit))) {
    throw Error("voluntary exit: invalid signature");
  }
  initiateValidatorExit(cs, exit.validatorIndex);
}
