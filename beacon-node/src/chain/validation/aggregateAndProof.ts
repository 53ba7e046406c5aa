/**
 * beacon_aggregate_and_proof (phase0 / deneb / electra p2p-interface.md
 * validate_beacon_aggregate_and_proof_gossip). As for attestations, committees come from the target checkpoint's
 * shuffling, so the rules needing it run after the voted block and target are checked (see attestation.ts).
 */

import {computeSigningRoot} from "@ceibo/config";
import {toRootHex} from "@ceibo/fork-choice";
import {
  DOMAIN_AGGREGATE_AND_PROOF,
  DOMAIN_BEACON_ATTESTER,
  DOMAIN_SELECTION_PROOF,
  type ForkName,
  ForkSeq,
} from "@ceibo/params";
import {
  type AttestationAllForks,
  type AttestationElectra,
  aggregateCommitteeKeys,
  computeEpochAtSlot,
  getAttestingIndices,
  getCommitteeIndices,
  getDomain,
  isAggregator,
  validatorKeyPoint,
  validatorsAggregatePublicKey,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {checkAttestationTime, checkVotedBlockAndTarget} from "./attestation.ts";
import {descendsFromFinalized, type GossipValidationContext, getCheckpointState, verifySetsOrReject} from "./common.ts";
import {
  type AggregateAndProofGossipErrorCode,
  type GossipRaise,
  ignore as ignoreAny,
  reject as rejectAny,
} from "./errors.ts";

const ignore: GossipRaise<AggregateAndProofGossipErrorCode> = ignoreAny;
const reject: GossipRaise<AggregateAndProofGossipErrorCode> = rejectAny;

/** phase0 / electra SignedAggregateAndProof */
export interface SignedAggregateAndProofValue {
  message: {aggregatorIndex: number; aggregate: AttestationAllForks; selectionProof: Uint8Array};
  signature: Uint8Array;
}

export interface ValidatedAggregate {
  aggregate: AttestationAllForks;
  committeeIndex: number;
  /** The validators whose votes the aggregate carries. */
  attestingIndices: number[];
}

/**
 * p2p-interface.md validate_beacon_aggregate_and_proof_gossip; marks (target epoch, aggregator) and the
 * aggregation bits of (data root[, committee index]) seen when it passes.
 * Spec: `validate_beacon_aggregate_and_proof_gossip` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/p2p-interface.md#modified-beacon_aggregate_and_proof
 */
export async function validateBeaconAggregateAndProofGossip(
  ctx: GossipValidationContext,
  fork: ForkName,
  signedAggregateAndProof: SignedAggregateAndProofValue,
): Promise<ValidatedAggregate> {
  const electra = ForkSeq[fork] >= ForkSeq.electra;
  const aggregateAndProof = signedAggregateAndProof.message;
  const {aggregate, aggregatorIndex} = aggregateAndProof;
  const {data} = aggregate;
  const targetEpoch = data.target.epoch;

  let committeeIndex = data.index;
  if (electra) {
    // [REJECT] The aggregate attestation's data index is zero
    if (data.index !== 0) reject("NON_ZERO_DATA_INDEX", `aggregate data.index is ${data.index}`);
    // [REJECT] Exactly one committee is specified by the committee bits
    const committees = getCommitteeIndices((aggregate as AttestationElectra).committeeBits);
    if (committees.length !== 1) reject("NOT_EXACTLY_ONE_COMMITTEE_BIT", `${committees.length} committee bits are set`);
    committeeIndex = committees[0];
  }

  checkAttestationTime(ctx, fork, data.slot);

  // [REJECT] The aggregate attestation's epoch matches its target
  if (targetEpoch !== computeEpochAtSlot(data.slot)) {
    reject("BAD_TARGET_EPOCH", `target epoch ${targetEpoch} is not the epoch of slot ${data.slot}`);
  }

  // [IGNORE] the voted block has been seen; [REJECT] it passed validation; [REJECT] the target is its checkpoint
  const votedRootHex = checkVotedBlockAndTarget(ctx, data);
  const shufflingState = getCheckpointState(ctx, {epoch: targetEpoch, root: toRootHex(data.target.root)});

  // [REJECT] The committee index is within the expected range
  const committeeCount = shufflingState.epochCtx.getCommitteeCountPerSlot(targetEpoch);
  if (committeeIndex >= committeeCount) {
    reject("COMMITTEE_INDEX_OUT_OF_RANGE", `committee index ${committeeIndex} >= ${committeeCount}`);
  }

  // [REJECT] The number of aggregation bits matches the committee size
  const committee = shufflingState.epochCtx.getBeaconCommittee(data.slot, committeeIndex);
  if (aggregate.aggregationBits.bitLen !== committee.length) {
    reject(
      "WRONG_NUMBER_OF_AGGREGATION_BITS",
      `${aggregate.aggregationBits.bitLen} aggregation bits for a committee of ${committee.length}`,
    );
  }

  // [REJECT] The aggregate attestation has participants
  const attestingIndices = getAttestingIndices(shufflingState, aggregate);
  if (attestingIndices.length < 1) reject("EMPTY_AGGREGATION_BITS", "the aggregate has no participants");

  // [IGNORE] A valid aggregate with a superset of these aggregation bits has not already been seen
  const dataRootHex = toRootHex(ssz.phase0.AttestationData.hashTreeRoot(data));
  const aggregateKey = electra ? `${dataRootHex}:${committeeIndex}` : dataRootHex;
  const bits = aggregate.aggregationBits.uint8Array;
  // [IGNORE] This is the first valid aggregate for this epoch and aggregator
  const aggregatorKey = String(aggregatorIndex);
  // both Seen rules, again after the signature check
  const checkSeen = (): void => {
    if (ctx.seen.aggregateDataRoots.isKnownSuperset(data.slot, aggregateKey, bits)) {
      ignore("AGGREGATE_ALREADY_KNOWN", "an aggregate with a superset of these bits was already seen");
    }
    if (ctx.seen.aggregatorEpochs.has(targetEpoch, aggregatorKey)) {
      ignore("AGGREGATOR_ALREADY_KNOWN", `validator ${aggregatorIndex} already aggregated in epoch ${targetEpoch}`);
    }
  };
  checkSeen();

  // [REJECT] The selection proof selects the validator as an aggregator
  if (!isAggregator(committee.length, aggregateAndProof.selectionProof)) {
    reject("INVALID_AGGREGATOR", `validator ${aggregatorIndex} is not selected as aggregator`);
  }

  // [REJECT] The aggregator's validator index is within the committee
  if (!committee.includes(aggregatorIndex)) {
    reject("AGGREGATOR_NOT_IN_COMMITTEE", `validator ${aggregatorIndex} is not in committee ${committeeIndex}`);
  }

  // [REJECT] selection proof, aggregator signature and aggregate signature are valid (one batch)
  const aggregatorPubkey = (): ReturnType<typeof validatorKeyPoint> =>
    validatorKeyPoint(shufflingState, aggregatorIndex);
  const aggregateAndProofType = electra ? ssz.electra.AggregateAndProof : ssz.phase0.AggregateAndProof;
  await verifySetsOrReject(ctx, [
    {
      code: "INVALID_SELECTION_PROOF",
      message: `invalid selection proof of validator ${aggregatorIndex}`,
      build: () => ({
        type: "single",
        pubkey: aggregatorPubkey(),
        signingRoot: computeSigningRoot(
          ssz.phase0.Slot,
          data.slot,
          getDomain(shufflingState.state, DOMAIN_SELECTION_PROOF, targetEpoch),
        ),
        signature: aggregateAndProof.selectionProof,
      }),
    },
    {
      code: "INVALID_AGGREGATOR_SIGNATURE",
      message: `invalid aggregator signature of validator ${aggregatorIndex}`,
      build: () => ({
        type: "single",
        pubkey: aggregatorPubkey(),
        signingRoot: computeSigningRoot(
          aggregateAndProofType as never,
          aggregateAndProof,
          getDomain(shufflingState.state, DOMAIN_AGGREGATE_AND_PROOF, targetEpoch),
        ),
        signature: signedAggregateAndProof.signature,
      }),
    },
    {
      code: "INVALID_SIGNATURE",
      message: "invalid aggregate signature",
      // phase0 is_valid_indexed_attestation's FastAggregateVerify: the attesters' keys as the committee's cached block
      // aggregates and the loose signers' keys (state-transition committeeKeys.ts)
      build: () => {
        const pubkeys = aggregateCommitteeKeys(
          committee,
          aggregate.aggregationBits,
          0,
          (i) => validatorKeyPoint(shufflingState, i),
          (indices) => validatorsAggregatePublicKey(shufflingState, indices),
        );
        if (pubkeys.length === 0) throw Error("the aggregate has no participants");
        return {
          // partial sums (cached committee blocks, loose signers): the BLS worker adds them up
          type: "aggregate",
          pubkeys,
          signingRoot: computeSigningRoot(
            ssz.phase0.AttestationData,
            data,
            getDomain(shufflingState.state, DOMAIN_BEACON_ATTESTER, targetEpoch),
          ),
          signature: aggregate.signature,
        };
      },
    },
  ]);
  // Seen again: other messages were validated during the await (its "first valid" rule)
  checkSeen();

  // [IGNORE] The finalized checkpoint is an ancestor of the voted block
  if (!descendsFromFinalized(ctx, votedRootHex)) {
    ignore("NOT_FINALIZED_DESCENDANT", `voted block ${votedRootHex} does not descend from the finalized checkpoint`);
  }

  ctx.seen.aggregatorEpochs.add(targetEpoch, aggregatorKey);
  ctx.seen.aggregateDataRoots.add(data.slot, aggregateKey, bits);
  return {aggregate, committeeIndex, attestingIndices};
}
