/**
 * sync_committee_{subnet_id} and sync_committee_contribution_and_proof (altair p2p-interface.md
 * validate_sync_committee_message_gossip, validate_sync_committee_contribution_and_proof_gossip), on the head
 * state. The committee is the one signing at the message's slot (get_sync_subcommittee_pubkeys with the message
 * slot in place of state.slot: the same committee when the head is at that slot, and the right one when the
 * head lags a period boundary). Members are compared by validator index, which is unique per public key.
 */

import {computeSigningRoot} from "@ceibo/config";
import {
  DOMAIN_CONTRIBUTION_AND_PROOF,
  DOMAIN_SYNC_COMMITTEE,
  DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
  SYNC_COMMITTEE_SIZE,
  SYNC_COMMITTEE_SUBNET_COUNT,
} from "@ceibo/params";
import {
  type CachedBeaconState,
  computeEpochAtSlot,
  isSyncCommitteeAggregator,
  validatorKeyPoint,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import type {BitArray} from "@chainsafe/ssz";
import {computeSubnetsForSyncCommittee, getSyncCommitteeIndicesAtSlot} from "../../network/gossip/topics.ts";
import {currentTimeMs, type GossipValidationContext, isCurrentSlot, verifySetsOrReject} from "./common.ts";
import {
  type GossipRaise,
  ignore as ignoreAny,
  reject as rejectAny,
  type SyncCommitteeGossipErrorCode,
} from "./errors.ts";

const ignore: GossipRaise<SyncCommitteeGossipErrorCode> = ignoreAny;
const reject: GossipRaise<SyncCommitteeGossipErrorCode> = rejectAny;

export interface SyncCommitteeMessageValue {
  slot: number;
  beaconBlockRoot: Uint8Array;
  validatorIndex: number;
  signature: Uint8Array;
}

export interface SignedContributionAndProofValue {
  message: {
    aggregatorIndex: number;
    contribution: {
      slot: number;
      beaconBlockRoot: Uint8Array;
      subcommitteeIndex: number;
      aggregationBits: BitArray;
      signature: Uint8Array;
    };
    selectionProof: Uint8Array;
  };
  signature: Uint8Array;
}

const SYNC_SUBCOMMITTEE_SIZE = SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT;

function syncCommitteeAt(state: CachedBeaconState, slot: number): number[] {
  const committee = getSyncCommitteeIndicesAtSlot(state, slot);
  if (committee === null) {
    ignore("SYNC_COMMITTEE_UNAVAILABLE", `the head state does not know the sync committee of slot ${slot}`);
  }
  return committee;
}

/**
 * altair validate_sync_committee_message_gossip; marks (slot, validator, subnet) seen when it passes.
 * Spec: `validate_sync_committee_message_gossip` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/p2p-interface.md#new-sync_committee_subnet_id
 */
export async function validateSyncCommitteeMessageGossip(
  ctx: GossipValidationContext,
  msg: SyncCommitteeMessageValue,
  subnet: number,
): Promise<void> {
  // [IGNORE] The message's slot is for the current slot
  if (!isCurrentSlot(ctx, msg.slot, currentTimeMs(ctx))) {
    ignore("NOT_CURRENT_SLOT", `sync committee message of slot ${msg.slot} is not for the current slot`);
  }
  const state = ctx.chain.getHeadState();

  // [REJECT] The validator index is valid
  if (msg.validatorIndex >= state.state.validators.length) {
    reject("VALIDATOR_INDEX_OUT_OF_RANGE", `validator index ${msg.validatorIndex} is not a validator`);
  }

  // [REJECT] The subnet_id is valid for the validator (it is in that subcommittee of the sync committee)
  syncCommitteeAt(state, msg.slot);
  if (!computeSubnetsForSyncCommittee(state, msg.validatorIndex, msg.slot).includes(subnet)) {
    reject("INVALID_SUBNET_ID", `validator ${msg.validatorIndex} is not in sync subcommittee ${subnet}`);
  }

  // [IGNORE] No other valid message for this slot, validator and subnet (again after the signature check)
  const key = `${msg.validatorIndex}:${subnet}`;
  const checkSeen = (): void => {
    if (ctx.seen.syncMessageValidatorSlots.has(msg.slot, key)) {
      ignore("SYNC_MESSAGE_ALREADY_KNOWN", `validator ${msg.validatorIndex} already signed slot ${msg.slot}`);
    }
  };
  checkSeen();

  // [REJECT] The signature is valid for beacon_block_root
  const epoch = computeEpochAtSlot(msg.slot);
  await verifySetsOrReject(ctx, [
    {
      code: "INVALID_SIGNATURE",
      message: `invalid sync committee signature of validator ${msg.validatorIndex}`,
      build: () => ({
        type: "single",
        pubkey: validatorKeyPoint(state, msg.validatorIndex),
        signingRoot: computeSigningRoot(
          ssz.phase0.Root,
          msg.beaconBlockRoot,
          ctx.chain.beaconConfig.getDomain(epoch, DOMAIN_SYNC_COMMITTEE, epoch),
        ),
        signature: msg.signature,
      }),
    },
  ]);
  // Seen again: other messages were validated during the await (its "first valid" rule)
  checkSeen();

  ctx.seen.syncMessageValidatorSlots.add(msg.slot, key);
}

/**
 * altair validate_sync_committee_contribution_and_proof_gossip; marks (slot, aggregator, subcommittee) and the
 * contribution's bits of (slot, block root, subcommittee) seen when it passes.
 * Spec: `validate_sync_committee_contribution_and_proof_gossip` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/p2p-interface.md#new-sync_committee_contribution_and_proof
 */
export async function validateSyncCommitteeContributionAndProofGossip(
  ctx: GossipValidationContext,
  signed: SignedContributionAndProofValue,
): Promise<void> {
  const contributionAndProof = signed.message;
  const {contribution, aggregatorIndex} = contributionAndProof;
  const config = ctx.chain.beaconConfig;

  // [IGNORE] The contribution's slot is for the current slot
  if (!isCurrentSlot(ctx, contribution.slot, currentTimeMs(ctx))) {
    ignore("NOT_CURRENT_SLOT", `contribution of slot ${contribution.slot} is not for the current slot`);
  }

  // [REJECT] The subcommittee index is in the allowed range
  if (contribution.subcommitteeIndex >= SYNC_COMMITTEE_SUBNET_COUNT) {
    reject("INVALID_SUBCOMMITTEE_INDEX", `subcommittee index ${contribution.subcommitteeIndex} is out of range`);
  }

  // [REJECT] The contribution has participants
  const participantPositions = contribution.aggregationBits.getTrueBitIndexes();
  if (participantPositions.length === 0) reject("EMPTY_AGGREGATION_BITS", "the contribution has no participants");

  // [REJECT] The selection proof selects the validator as an aggregator for the slot
  if (!isSyncCommitteeAggregator(contributionAndProof.selectionProof)) {
    reject("INVALID_AGGREGATOR", `validator ${aggregatorIndex} is not selected as sync aggregator`);
  }

  // [REJECT] The aggregator index is valid
  const state = ctx.chain.getHeadState();
  if (aggregatorIndex >= state.state.validators.length) {
    reject("AGGREGATOR_INDEX_OUT_OF_RANGE", `aggregator index ${aggregatorIndex} is not a validator`);
  }

  // [REJECT] The aggregator is in the declared subcommittee of the current sync committee
  const committee = syncCommitteeAt(state, contribution.slot);
  const start = contribution.subcommitteeIndex * SYNC_SUBCOMMITTEE_SIZE;
  const subcommittee = committee.slice(start, start + SYNC_SUBCOMMITTEE_SIZE);
  if (!subcommittee.includes(aggregatorIndex)) {
    reject(
      "AGGREGATOR_NOT_IN_SUBCOMMITTEE",
      `validator ${aggregatorIndex} is not in sync subcommittee ${contribution.subcommitteeIndex}`,
    );
  }

  // [IGNORE] No contribution with a superset of these bits for (slot, beacon_block_root, subcommittee) was seen
  const dataKey = `${Buffer.from(contribution.beaconBlockRoot).toString("hex")}:${contribution.subcommitteeIndex}`;
  const bits = contribution.aggregationBits.uint8Array;
  // [IGNORE] The first valid contribution for (slot, aggregator, subcommittee)
  const aggregatorKey = `${aggregatorIndex}:${contribution.subcommitteeIndex}`;
  // both Seen rules, again after the signature check
  const checkSeen = (): void => {
    if (ctx.seen.syncContributionData.isKnownSuperset(contribution.slot, dataKey, bits)) {
      ignore("CONTRIBUTION_ALREADY_KNOWN", "a contribution with a superset of these bits was already seen");
    }
    if (ctx.seen.syncContributionAggregatorSlots.has(contribution.slot, aggregatorKey)) {
      ignore("AGGREGATOR_ALREADY_KNOWN", `validator ${aggregatorIndex} already sent a contribution for this slot`);
    }
  };
  checkSeen();

  // [REJECT] selection proof, aggregator signature and the contribution's aggregate signature (one batch)
  const epoch = computeEpochAtSlot(contribution.slot);
  const aggregatorPubkey = (): ReturnType<typeof validatorKeyPoint> => validatorKeyPoint(state, aggregatorIndex);
  const pubkeys = state.epochCtx.pubkeyCache;
  await verifySetsOrReject(ctx, [
    {
      code: "INVALID_SELECTION_PROOF",
      message: `invalid sync selection proof of validator ${aggregatorIndex}`,
      build: () => ({
        type: "single",
        pubkey: aggregatorPubkey(),
        signingRoot: computeSigningRoot(
          ssz.altair.SyncAggregatorSelectionData,
          {slot: contribution.slot, subcommitteeIndex: contribution.subcommitteeIndex},
          config.getDomain(epoch, DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF, epoch),
        ),
        signature: contributionAndProof.selectionProof,
      }),
    },
    {
      code: "INVALID_AGGREGATOR_SIGNATURE",
      message: `invalid contribution-and-proof signature of validator ${aggregatorIndex}`,
      build: () => ({
        type: "single",
        pubkey: aggregatorPubkey(),
        signingRoot: computeSigningRoot(
          ssz.altair.ContributionAndProof,
          contributionAndProof,
          config.getDomain(epoch, DOMAIN_CONTRIBUTION_AND_PROOF, epoch),
        ),
        signature: signed.signature,
      }),
    },
    {
      code: "INVALID_SIGNATURE",
      message: "invalid contribution aggregate signature",
      // FastAggregateVerify over the participants' checked points (the BLS worker adds them up)
      build: () => ({
        type: "aggregate",
        pubkeys: participantPositions.map((i) => pubkeys.getKeyPoint(subcommittee[i])),
        signingRoot: computeSigningRoot(
          ssz.phase0.Root,
          contribution.beaconBlockRoot,
          config.getDomain(epoch, DOMAIN_SYNC_COMMITTEE, epoch),
        ),
        signature: contribution.signature,
      }),
    },
  ]);
  // Seen again: other messages were validated during the await (its "first valid" rule)
  checkSeen();

  ctx.seen.syncContributionAggregatorSlots.add(contribution.slot, aggregatorKey);
  ctx.seen.syncContributionData.add(contribution.slot, dataKey, bits);
}
