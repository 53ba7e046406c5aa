/**
 * Attestation rewards of an epoch (beacon-APIs apis/beacon/rewards/attestations.yaml) from the state
 * transition's own deltas functions. The rewards for the attestations of epoch N are paid by process_epoch at
 * the end of epoch N + 1 (process_rewards_and_penalties reads the previous epoch's participation), so the input
 * is the state at the last slot of epoch N + 1, before that epoch transition.
 *
 * The same steps as process_epoch run first on a copy (consensus-specs a08d8a6, altair/beacon-chain.md
 * "Epoch processing"): process_justification_and_finalization (is_in_inactivity_leak reads the new finalized
 * checkpoint) and, from altair, process_inactivity_updates (get_inactivity_penalty_deltas reads the new scores).
 * Then the deltas of process_rewards_and_penalties, per component:
 * - altair+: get_flag_index_deltas for TIMELY_SOURCE / TIMELY_TARGET / TIMELY_HEAD, get_inactivity_penalty_deltas;
 * - phase0: get_source_deltas, get_target_deltas, get_head_deltas, get_inclusion_delay_deltas,
 *   get_inactivity_penalty_deltas (phase0/beacon-chain.md "Rewards and penalties").
 */
import {
  EFFECTIVE_BALANCE_INCREMENT,
  ForkSeq,
  PARTICIPATION_FLAG_WEIGHTS,
  TIMELY_HEAD_FLAG_INDEX,
  TIMELY_SOURCE_FLAG_INDEX,
  TIMELY_TARGET_FLAG_INDEX,
  WEIGHT_DENOMINATOR,
} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {
  type Deltas,
  getHeadDeltas,
  getInactivityPenaltyDeltasPhase0,
  getInclusionDelayDeltas,
  getSourceDeltas,
  getTargetDeltas,
} from "../epoch/attestationDeltas.ts";
import {beforeProcessEpoch, type EpochTransitionCache, FLAG_ELIGIBLE} from "../epoch/epochTransitionCache.ts";
import {
  getBaseRewardPerIncrement,
  getFlagIndexDeltas,
  getInactivityPenaltyDeltasAltair,
} from "../epoch/flagIndexDeltas.ts";
import {processInactivityUpdates} from "../epoch/processInactivityUpdates.ts";
import {processJustificationAndFinalization} from "../epoch/processJustificationAndFinalization.ts";
import {isInInactivityLeak, mulDiv} from "../epoch/util.ts";

/** One validator's attestation rewards of an epoch, Gwei; penalties are negative. */
export interface ValidatorAttestationRewards {
  validatorIndex: number;
  head: number;
  target: number;
  source: number;
  /** phase0 only (get_inclusion_delay_deltas, including what the validator earned as a proposer). */
  inclusionDelay?: number;
  inactivity: number;
}

/** What a validator of this effective balance would earn with every flag timely. */
export interface IdealAttestationRewards {
  effectiveBalance: number;
  head: number;
  target: number;
  source: number;
  inclusionDelay?: number;
  inactivity: number;
}

export interface AttestationsRewardsResult {
  /** The epoch whose attestations these rewards are for (the state's previous epoch). */
  epoch: number;
  idealRewards: IdealAttestationRewards[];
  /** Eligible validators only (get_eligible_validator_indices), ascending, or those of `indices` that are eligible. */
  totalRewards: ValidatorAttestationRewards[];
}

const net = (d: Deltas, i: number): number => d.rewards[i] - d.penalties[i];

/**
 * The attestation rewards of the state's previous epoch, given the state at the last slot of the following epoch
 * (the state is not modified). `indices`: only these validators (ineligible ones are left out); all when null.
 */
export function getAttestationsRewards(pre: CachedBeaconState, indices: number[] | null): AttestationsRewardsResult {
  const cs = pre.clone();
  const cache = beforeProcessEpoch(cs);
  processJustificationAndFinalization(cs, cache);
  if (cs.fork >= ForkSeq.altair) processInactivityUpdates(cs, cache);

  let source: Deltas;
  let target: Deltas;
  let head: Deltas;
  let inclusionDelay: Deltas | null = null;
  let inactivity: Deltas;
  if (cs.fork === ForkSeq.phase0) {
    source = getSourceDeltas(cs, cache);
    target = getTargetDeltas(cs, cache);
    head = getHeadDeltas(cs, cache);
    inclusionDelay = getInclusionDelayDeltas(cs, cache);
    inactivity = getInactivityPenaltyDeltasPhase0(cs, cache);
  } else {
    source = getFlagIndexDeltas(cs, TIMELY_SOURCE_FLAG_INDEX, cache);
    target = getFlagIndexDeltas(cs, TIMELY_TARGET_FLAG_INDEX, cache);
    head = getFlagIndexDeltas(cs, TIMELY_HEAD_FLAG_INDEX, cache);
    inactivity = getInactivityPenaltyDeltasAltair(cs, cache);
  }

  const {flags} = cache;
  const selected =
    indices ?? Array.from({length: cache.validatorCount}, (_, i) => i).filter((i) => (flags[i] & FLAG_ELIGIBLE) !== 0);
  const totalRewards: ValidatorAttestationRewards[] = [];
  for (const i of selected) {
    if (i >= cache.validatorCount || (flags[i] & FLAG_ELIGIBLE) === 0) continue;
    const r: ValidatorAttestationRewards = {
      validatorIndex: i,
      head: net(head, i),
      target: net(target, i),
      source: net(source, i),
      inactivity: net(inactivity, i),
    };
    // phase0: the inclusion delay deltas also pay proposers that are not attesters themselves; they have no
    // penalties, so the reward is the whole delta
    if (inclusionDelay !== null) r.inclusionDelay = inclusionDelay.rewards[i];
    totalRewards.push(r);
  }
  return {epoch: cache.previousEpoch, idealRewards: idealRewards(cs, cache), totalRewards};
}

/**
 * altair get_flag_index_deltas for a participant of each effective balance present among the eligible validators:
 * get_base_reward * weight * participating_increments // (active_increments * WEIGHT_DENOMINATOR), 0 in a leak;
 * the inactivity penalty of a timely target voter is 0. phase0: not computed (empty list).
 */
function idealRewards(cs: CachedBeaconState, cache: EpochTransitionCache): IdealAttestationRewards[] {
  if (cs.fork === ForkSeq.phase0) return [];
  const increment = BigInt(EFFECTIVE_BALANCE_INCREMENT);
  const participating = [cache.prevSourceBalance, cache.prevTargetBalance, cache.prevHeadBalance].map((b) =>
    Number(b / increment),
  );
  const activeIncrements = Number(cache.totalActiveBalance / increment);
  const rewardDenominator = activeIncrements * WEIGHT_DENOMINATOR;
  const baseRewardPerIncrement = getBaseRewardPerIncrement(cache);
  const leak = isInInactivityLeak(cs.state);
  const balances = new Set<number>();
  for (let i = 0; i < cache.validatorCount; i++) {
    if ((cache.flags[i] & FLAG_ELIGIBLE) !== 0) balances.add(cache.effectiveBalances[i]);
  }
  const flagReward = (baseReward: number, flagIndex: number): number =>
    leak ? 0 : mulDiv(baseReward * PARTICIPATION_FLAG_WEIGHTS[flagIndex], participating[flagIndex], rewardDenominator);
  return [...balances]
    .sort((a, b) => a - b)
    .map((effectiveBalance) => {
      const baseReward = Math.floor(effectiveBalance / EFFECTIVE_BALANCE_INCREMENT) * baseRewardPerIncrement;
      return {
        effectiveBalance,
        head: flagReward(baseReward, TIMELY_HEAD_FLAG_INDEX),
        target: flagReward(baseReward, TIMELY_TARGET_FLAG_INDEX),
        source: flagReward(baseReward, TIMELY_SOURCE_FLAG_INDEX),
        inactivity: 0,
      };
    });
}
