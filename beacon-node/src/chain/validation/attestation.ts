/**
 * beacon_attestation_{subnet_id} (phase0 / deneb / electra p2p-interface.md validate_beacon_attestation_gossip):
 * phase0 … deneb carry an unaggregated `Attestation` (one aggregation bit), electra and later a
 * `SingleAttestation` (committee_index, attester_index).
 *
 * Committees come from the shuffling of the attestation's target checkpoint (the checkpoint state of
 * (target.epoch, target.root)), which is the shuffling the attestation was made with on its own chain; the head
 * state would give wrong committees for an attestation on another branch. That state needs the voted block, so
 * the rules run in this order: time and shape (IGNORE / REJECT without state) → the voted block is known and
 * valid → the target is its checkpoint block → committee rules → seen → signature → finalized descendant. Each
 * rule gives the spec's verdict; only which verdict wins for a message breaking several rules can differ.
 */
import {toRootHex} from "@ceibo/fork-choice";
import {type ForkName, ForkSeq} from "@ceibo/params";
import {
  type AttestationData,
  type AttestationPhase0,
  computeEpochAtSlot,
  getIndexedAttestationSignatureSet,
} from "@ceibo/state-transition";
import type {BitArray} from "@chainsafe/ssz";
import {computeSubnetForAttestation} from "../../network/gossip/topics.ts";
import type {VerifiedAttestation} from "../verified.ts";
import {
  currentTimeMs,
  descendsFromFinalized,
  type GossipValidationContext,
  getCheckpointState,
  getVotedBlock,
  isCurrentOrPreviousEpoch,
  isFutureSlot,
  isWithinSlotRange,
  verifySetsOrReject,
} from "./common.ts";
import {type AttestationGossipErrorCode, type GossipRaise, ignore as ignoreAny, reject as rejectAny} from "./errors.ts";

const ignore: GossipRaise<AttestationGossipErrorCode> = ignoreAny;
const reject: GossipRaise<AttestationGossipErrorCode> = rejectAny;

/** electra SingleAttestation */
export interface SingleAttestationValue {
  committeeIndex: number;
  attesterIndex: number;
  data: AttestationData;
  signature: Uint8Array;
}

/**
 * The slot-window rules of attestations and aggregates: phase0 … capella is_within_slot_range(slot,
 * ATTESTATION_PROPAGATION_SLOT_RANGE); deneb and later (EIP-7045) not from a future slot and of the current or
 * previous epoch.
 */
export function checkAttestationTime(ctx: GossipValidationContext, fork: ForkName, slot: number): void {
  const nowMs = currentTimeMs(ctx);
  if (ForkSeq[fork] < ForkSeq.deneb) {
    if (!isWithinSlotRange(ctx, slot, ctx.chain.config.ATTESTATION_PROPAGATION_SLOT_RANGE, nowMs)) {
      ignore("NOT_WITHIN_PROPAGATION_RANGE", `attestation slot ${slot} is outside the propagation range`);
    }
    return;
  }
  if (isFutureSlot(ctx, slot, nowMs)) ignore("FUTURE_SLOT", `attestation slot ${slot} is in the future`);
  if (!isCurrentOrPreviousEpoch(ctx, computeEpochAtSlot(slot), nowMs)) {
    ignore("NOT_CURRENT_OR_PREVIOUS_EPOCH", `attestation slot ${slot} is not of the current or previous epoch`);
  }
}

/**
 * The rules about the voted block shared by attestations and aggregates: it has been seen (IGNORE) and passed
 * validation (REJECT); the target is its checkpoint block (REJECT). Returns the voted block's root.
 */
export function checkVotedBlockAndTarget(ctx: GossipValidationContext, data: AttestationData): string {
  const block = getVotedBlock(ctx, data.beaconBlockRoot);
  const targetRootHex = toRootHex(data.target.root);
  if (ctx.chain.forkChoice.getCheckpointBlock(block.blockRoot, data.target.epoch) !== targetRootHex) {
    reject("INVALID_TARGET_ROOT", `target ${targetRootHex} is not the checkpoint block of the voted block`);
  }
  return block.blockRoot;
}

/**
 * p2p-interface.md validate_beacon_attestation_gossip; marks (target epoch, attester) seen when it passes.
 * Spec: `validate_beacon_attestation_gossip` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/p2p-interface.md#modified-beacon_attestation_subnet_id
 */
export async function validateBeaconAttestationGossip(
  ctx: GossipValidationContext,
  fork: ForkName,
  attestation: AttestationPhase0 | SingleAttestationValue,
  subnet: number,
): Promise<VerifiedAttestation> {
  const electra = ForkSeq[fork] >= ForkSeq.electra;
  const {data} = attestation;
  const targetEpoch = data.target.epoch;

  checkAttestationTime(ctx, fork, data.slot);

  // [REJECT] (electra) The attestation's data index is zero
  if (electra && data.index !== 0) reject("NON_ZERO_DATA_INDEX", `attestation data.index is ${data.index}`);

  // [REJECT] The attestation's epoch matches its target
  if (targetEpoch !== computeEpochAtSlot(data.slot)) {
    reject("BAD_TARGET_EPOCH", `target epoch ${targetEpoch} is not the epoch of slot ${data.slot}`);
  }

  // [REJECT] (phase0 … deneb) The attestation is unaggregated: exactly one aggregation bit
  let bits: BitArray | null = null;
  if (!electra) {
    bits = (attestation as AttestationPhase0).aggregationBits;
    const set = bits.getTrueBitIndexes();
    if (set.length !== 1) reject("NOT_EXACTLY_ONE_AGGREGATION_BIT", `${set.length} aggregation bits are set`);
  }

  // [IGNORE] the voted block has been seen; [REJECT] it passed validation; [REJECT] the target is its checkpoint
  const votedRootHex = checkVotedBlockAndTarget(ctx, data);

  const shufflingState = getCheckpointState(ctx, {epoch: targetEpoch, root: toRootHex(data.target.root)});
  const committeeIndex = electra ? (attestation as SingleAttestationValue).committeeIndex : data.index;

  // [REJECT] The committee index is within the expected range
  const committeesPerSlot = shufflingState.epochCtx.getCommitteeCountPerSlot(targetEpoch);
  if (committeeIndex >= committeesPerSlot) {
    reject("COMMITTEE_INDEX_OUT_OF_RANGE", `committee index ${committeeIndex} >= ${committeesPerSlot}`);
  }

  // [REJECT] The attestation is for the correct subnet
  const expectedSubnet = computeSubnetForAttestation(ctx.chain.config, committeesPerSlot, data.slot, committeeIndex);
  if (expectedSubnet !== subnet) {
    reject("INVALID_SUBNET_ID", `attestation belongs to subnet ${expectedSubnet}, received on ${subnet}`);
  }

  const committee = shufflingState.epochCtx.getBeaconCommittee(data.slot, committeeIndex);
  let attesterIndex: number;
  let committeePosition: number;
  if (electra) {
    // [REJECT] (electra) The attester is a member of the committee
    attesterIndex = (attestation as SingleAttestationValue).attesterIndex;
    committeePosition = committee.indexOf(attesterIndex);
    if (committeePosition < 0) {
      reject("ATTESTER_NOT_IN_COMMITTEE", `validator ${attesterIndex} is not in committee ${committeeIndex}`);
    }
  } else {
    // [REJECT] The number of aggregation bits matches the committee size
    const aggregationBits = bits as BitArray;
    if (aggregationBits.bitLen !== committee.length) {
      reject(
        "WRONG_NUMBER_OF_AGGREGATION_BITS",
        `${aggregationBits.bitLen} aggregation bits for a committee of ${committee.length}`,
      );
    }
    committeePosition = aggregationBits.getTrueBitIndexes()[0];
    attesterIndex = committee[committeePosition];
  }

  // [IGNORE] No other valid attestation seen for this target epoch and validator
  const seenKey = String(attesterIndex);
  const checkSeen = (): void => {
    if (ctx.seen.attestationValidatorEpochs.has(targetEpoch, seenKey)) {
      ignore("ATTESTATION_ALREADY_KNOWN", `validator ${attesterIndex} already attested in epoch ${targetEpoch}`);
    }
  };
  checkSeen();

  // [REJECT] The attestation signature is valid
  await verifySetsOrReject(ctx, [
    {
      code: "INVALID_SIGNATURE",
      message: `invalid attestation signature of validator ${attesterIndex}`,
      build: () =>
        getIndexedAttestationSignatureSet(shufflingState, {
          attestingIndices: [attesterIndex],
          data,
          signature: attestation.signature,
        }),
    },
  ]);
  // Seen again: other messages were validated during the await (its "first valid" rule)
  checkSeen();

  // [IGNORE] The current finalized checkpoint is an ancestor of the voted block
  if (!descendsFromFinalized(ctx, votedRootHex)) {
    ignore("NOT_FINALIZED_DESCENDANT", `voted block ${votedRootHex} does not descend from the finalized checkpoint`);
  }

  ctx.seen.attestationValidatorEpochs.add(targetEpoch, seenKey);
  // the signature and committee membership are verified: the chain does not check them again
  return {
    data,
    signature: attestation.signature,
    committeeIndex,
    attesterIndex,
    committeePosition,
    committeeSize: committee.length,
  } as VerifiedAttestation;
}
