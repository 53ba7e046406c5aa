import {
  EPOCHS_PER_SLASHINGS_VECTOR,
  ForkSeq,
  MIN_SLASHING_PENALTY_QUOTIENT,
  MIN_SLASHING_PENALTY_QUOTIENT_ALTAIR,
  MIN_SLASHING_PENALTY_QUOTIENT_BELLATRIX,
  MIN_SLASHING_PENALTY_QUOTIENT_ELECTRA,
  PROPOSER_REWARD_QUOTIENT,
  PROPOSER_WEIGHT,
  WEIGHT_DENOMINATOR,
  WHISTLEBLOWER_REWARD_QUOTIENT,
  WHISTLEBLOWER_REWARD_QUOTIENT_ELECTRA,
} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {decreaseBalance, increaseBalance} from "../util/balance.ts";
import {getCurrentEpoch} from "../util/epoch.ts";
import {getBeaconProposerIndex} from "../util/proposer.ts";
import {initiateValidatorExit} from "./exit.ts";

function minSlashingPenaltyQuotient(fork: number): number {
  if (fork >= ForkSeq.electra) return MIN_SLASHING_PENALTY_QUOTIENT_ELECTRA;
  if (fork >= ForkSeq.bellatrix) return MIN_SLASHING_PENALTY_QUOTIENT_BELLATRIX;
  if (fork >= ForkSeq.altair) return MIN_SLASHING_PENALTY_QUOTIENT_ALTAIR;
  return MIN_SLASHING_PENALTY_QUOTIENT;
}

/**
 * phase0 / altair / bellatrix / electra slash_validator
 * Spec: `slash_validator` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#modified-slash_validator (phase0; modified in altair, bellatrix, electra)
 */
export function slashValidator(cs: CachedBeaconState, slashedIndex: number, whistleblowerIndex?: number): void {
  const {state, fork} = cs;
  const epoch = getCurrentEpoch(state);
  initiateValidatorExit(cs, slashedIndex);
  const validator = state.validators.get(slashedIndex);
  validator.slashed = true;
  validator.withdrawableEpoch = Math.max(validator.withdrawableEpoch, epoch + EPOCHS_PER_SLASHINGS_VECTOR);
  const effectiveBalance = validator.effectiveBalance;
  const slashingsIndex = epoch % EPOCHS_PER_SLASHINGS_VECTOR;
  state.slashings.set(slashingsIndex, state.slashings.get(slashingsIndex) + effectiveBalance);
  decreaseBalance(state, slashedIndex, Math.floor(effectiveBalance / minSlashingPenaltyQuotient(fork)));

  const proposerIndex = getBeaconProposerIndex(cs);
  const whistleblower = whistleblowerIndex ?? proposerIndex;
  const whistleblowerReward = Math.floor(
    effectiveBalance /
      (fork >= ForkSeq.electra ? WHISTLEBLOWER_REWARD_QUOTIENT_ELECTRA : WHISTLEBLOWER_REWARD_QUOTIENT),
  );
  const proposerReward =
    fork >= ForkSeq.altair
      ? Math.floor((whistleblowerReward * PROPOSER_WEIGHT) / WEIGHT_DENOMINATOR)
      : Math.floor(whistleblowerReward / PROPOSER_REWARD_QUOTIENT);
  increaseBalance(state, proposerIndex, proposerReward);
  increaseBalance(state, whistleblower, whistleblowerReward - proposerReward);
  const sink = cs.rewardsSink;
  if (sink !== null) {
    const toProposer = whistleblower === proposerIndex ? whistleblowerReward : proposerReward;
    if (sink.slashingSource === "proposer") sink.proposerSlashings += toProposer;
    else sink.attesterSlashings += toProposer;
  }
}
