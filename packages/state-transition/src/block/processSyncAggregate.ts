import {
  EFFECTIVE_BALANCE_INCREMENT,
  PROPOSER_WEIGHT,
  SLOTS_PER_EPOCH,
  SYNC_COMMITTEE_SIZE,
  SYNC_REWARD_WEIGHT,
  WEIGHT_DENOMINATOR,
} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {BlockBodyError} from "../errors.ts";
import {verifySignatureSet} from "../signatureSets/signatureSet.ts";
import {getSyncAggregateSignatureSet, type SyncAggregate} from "../signatureSets/syncAggregate.ts";
import {decreaseBalance, increaseBalance} from "../util/balance.ts";
import {getBeaconProposerIndex} from "../util/proposer.ts";

/**
 * altair process_sync_aggregate
 * Spec: `process_sync_aggregate` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/beacon-chain.md#sync-aggregate-processing
 */
export function processSyncAggregate(
  cs: CachedBeaconState,
  syncAggregate: SyncAggregate,
  verifySignatures = true,
): void {
  const state = cs.state;
  if (verifySignatures) {
    const set = getSyncAggregateSignatureSet(cs, syncAggregate);
    if (set !== null && !verifySignatureSet(set))
      throw new BlockBodyError({code: "SYNC_AGGREGATE_INVALID_SIGNATURE"}, "sync aggregate: invalid signature");
  }

  // participant and proposer rewards
  const totalActiveIncrements = Math.floor(cs.epochCtx.getTotalActiveBalance() / EFFECTIVE_BALANCE_INCREMENT);
  const totalBaseRewards = cs.epochCtx.baseRewardPerIncrement * totalActiveIncrements;
  const maxParticipantRewards = Math.floor(
    Math.floor((totalBaseRewards * SYNC_REWARD_WEIGHT) / WEIGHT_DENOMINATOR) / SLOTS_PER_EPOCH,
  );
  const participantReward = Math.floor(maxParticipantRewards / SYNC_COMMITTEE_SIZE);
  const proposerReward = Math.floor((participantReward * PROPOSER_WEIGHT) / (WEIGHT_DENOMINATOR - PROPOSER_WEIGHT));

  // in committee order, as the spec (a member may appear twice; decreases saturate at zero)
  const committeeIndices = cs.epochCtx.currentSyncCommitteeIndices;
  const bits = syncAggregate.syncCommitteeBits;
  const proposerIndex = getBeaconProposerIndex(cs);
  const sink = cs.rewardsSink;
  for (let i = 0; i < SYNC_COMMITTEE_SIZE; i++) {
    const participantIndex = committeeIndices[i];
    if (bits.get(i)) {
      increaseBalance(state, participantIndex, participantReward);
      increaseBalance(state, proposerIndex, proposerReward);
    } else {
      decreaseBalance(state, participantIndex, participantReward);
    }
    if (sink !== null) {
      const reward = bits.get(i) ? participantReward : -participantReward;
      sink.syncCommittee.set(participantIndex, (sink.syncCommittee.get(participantIndex) ?? 0) + reward);
      if (bits.get(i)) sink.syncAggregate += proposerReward;
    }
  }
}
