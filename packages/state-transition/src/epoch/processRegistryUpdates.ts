import {FAR_FUTURE_EPOCH, ForkSeq} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {initiateValidatorExit} from "../mutators/exit.ts";
import {computeActivationExitEpoch, getCurrentEpoch} from "../util/epoch.ts";
import {isActiveValidator, isEligibleForActivationQueue} from "../util/validator.ts";
import {beforeProcessEpoch, type EpochTransitionCache} from "./epochTransitionCache.ts";

/**
 * phase0 / deneb / electra process_registry_updates. Only the cache's registry candidates (eligible for the
 * activation queue, ejectable, or not yet activated) can be touched, so only those are visited, in index order.
 * Spec: `process_registry_updates` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#modified-process_registry_updates (phase0; modified in deneb, electra)
 */
export function processRegistryUpdates(
  cs: CachedBeaconState,
  cache: EpochTransitionCache = beforeProcessEpoch(cs),
): void {
  if (cs.fork >= ForkSeq.electra) processRegistryUpdatesElectra(cs, cache);
  else processRegistryUpdatesPhase0(cs, cache);
}

/**
 * phase0 process_registry_updates (deneb: activations limited by get_validator_activation_churn_limit)
 * Spec: `process_registry_updates` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#registry-updates
 */
function processRegistryUpdatesPhase0(cs: CachedBeaconState, cache: EpochTransitionCache): void {
  const {state, fork, config} = cs;
  const currentEpoch = getCurrentEpoch(state);
  // Process activation eligibility and ejections
  for (const index of cache.registryCandidates) {
    const validator = state.validators.getReadonly(index);
    if (isEligibleForActivationQueue(fork, validator)) {
      state.validators.get(index).activationEligibilityEpoch = currentEpoch + 1;
    }
    if (isActiveValidator(validator, currentEpoch) && validator.effectiveBalance <= config.EJECTION_BALANCE) {
      initiateValidatorExit(cs, index);
    }
  }

  // Queue validators eligible for activation and not yet dequeued for activation
  const finalizedEpoch = state.finalizedCheckpoint.epoch;
  const queue: {index: number; eligibilityEpoch: number}[] = [];
  for (const index of cache.registryCandidates) {
    const validator = state.validators.getReadonly(index);
    if (validator.activationEligibilityEpoch <= finalizedEpoch && validator.activationEpoch === FAR_FUTURE_EPOCH) {
      queue.push({index, eligibilityEpoch: validator.activationEligibilityEpoch});
    }
  }
  // Order by the sequence of activation_eligibility_epoch setting and then index
  queue.sort((a, b) => a.eligibilityEpoch - b.eligibilityEpoch || a.index - b.index);

  // get_validator_churn_limit; deneb: get_validator_activation_churn_limit
  let churnLimit = Math.max(
    config.MIN_PER_EPOCH_CHURN_LIMIT,
    Math.floor(cache.activeValidatorCount / config.CHURN_LIMIT_QUOTIENT),
  );
  if (fork >= ForkSeq.deneb) churnLimit = Math.min(config.MAX_PER_EPOCH_ACTIVATION_CHURN_LIMIT, churnLimit);
  const activationEpoch = computeActivationExitEpoch(currentEpoch);
  for (const {index} of queue.slice(0, churnLimit)) {
    state.validators.get(index).activationEpoch = activationEpoch;
  }
}

/**
 * electra process_registry_updates: eligibility, ejections and activations in one loop
 * Spec: `process_registry_updates` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#modified-process_registry_updates
 */
function processRegistryUpdatesElectra(cs: CachedBeaconState, cache: EpochTransitionCache): void {
  const {state, fork, config} = cs;
  const currentEpoch = getCurrentEpoch(state);
  const activationEpoch = computeActivationExitEpoch(currentEpoch);
  const finalizedEpoch = state.finalizedCheckpoint.epoch;
  for (const index of cache.registryCandidates) {
    const validator = state.validators.getReadonly(index);
    if (isEligibleForActivationQueue(fork, validator)) {
      state.validators.get(index).activationEligibilityEpoch = currentEpoch + 1;
    } else if (isActiveValidator(validator, currentEpoch) && validator.effectiveBalance <= config.EJECTION_BALANCE) {
      initiateValidatorExit(cs, index);
    } else if (
      validator.activationEligibilityEpoch <= finalizedEpoch &&
      validator.activationEpoch === FAR_FUTURE_EPOCH
    ) {
      state.validators.get(index).activationEpoch = activationEpoch;
    }
  }
}
