/**
 * Beacon API validator routes (beacon-APIs apis/validator/*.yaml), per consensus-specs validator.md:
 * - duties: phase0 "Validator assignments" (get_committee_assignment, proposer of each slot), altair sync
 *   committee membership by period; dependent roots as the beacon-APIs duty routes define them;
 * - produceBlockV3: the RANDAO reveal is verified against the proposer of the slot (phase0 process_randao's
 *   signature) before the chain builds the block; fee recipient from prepare_beacon_proposer;
 * - attestation data: phase0 "Attestation data" on the head processed through empty slots;
 * - aggregation: phase0/electra "Aggregation selection" (is_aggregator, selection proof, AggregateAndProof
 *   signature, aggregate signature), altair "Sync committee contributions" (is_sync_committee_aggregator,
 *   SyncAggregatorSelectionData, ContributionAndProof).
 */
import {
  ApiError,
  type AttesterDuty,
  type BeaconApiBackend,
  type IndexedFailure,
  isPostDeneb,
  isPostElectra,
  type ProducedBlock,
  type ProposerDuty,
  type SyncDuty,
} from "@ceibo/api";
import {computeSigningRoot} from "@ceibo/config";
import {type RootHex, toRootHex} from "@ceibo/fork-choice";
import {
  DOMAIN_AGGREGATE_AND_PROOF,
  DOMAIN_CONTRIBUTION_AND_PROOF,
  DOMAIN_SELECTION_PROOF,
  DOMAIN_SYNC_COMMITTEE,
  DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
  EPOCHS_PER_SYNC_COMMITTEE_PERIOD,
  ForkSeq,
  SLOTS_PER_EPOCH,
  SYNC_COMMITTEE_SUBNET_COUNT,
} from "@ceibo/params";
import {
  type AttestationAllForks,
  type CachedBeaconState,
  computeEpochAtSlot,
  computeStartSlotAtEpoch,
  getDomain,
  getIndexedAttestation,
  getIndexedAttestationSignatureSet,
  getRandaoSignatureSet,
  isAggregator,
  isSyncCommitteeAggregator,
  type SignatureSet,
  validatorKeyPoint,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {ChainError, fromRootHex, G2_POINT_AT_INFINITY} from "../chain/index.ts";
import {processForStateRoot} from "../chain/produceBlock.ts";
import {produceWithBuilder} from "./builderFlow.ts";
import type {ApiContext} from "./context.ts";
import {committeeOf} from "./pool.ts";
import {SYNC_SUBCOMMITTEE_SIZE} from "./submitted.ts";

const GWEI_TO_WEI = 1_000_000_000n;

function single(pubkey: Uint8Array | ReturnType<typeof validatorKeyPoint>, root: Uint8Array, sig: Uint8Array) {
  return {type: "single", pubkey, signingRoot: root, signature: sig} as SignatureSet;
}

export function validatorHandlers(
  ctx: ApiContext,
): Pick<
  BeaconApiBackend,
  | "getAttesterDuties"
  | "getProposerDuties"
  | "getSyncCommitteeDuties"
  | "produceBlockV3"
  | "produceAttestationData"
  | "getAggregatedAttestationV2"
  | "publishAggregateAndProofsV2"
  | "prepareBeaconCommitteeSubnet"
  | "prepareSyncCommitteeSubnets"
  | "produceSyncCommitteeContribution"
  | "publishContributionAndProofs"
  | "prepareBeaconProposer"
  | "registerValidator"
  | "getLiveness"
> {
  const chain = ctx.chain;
  const currentEpoch = () => computeEpochAtSlot(Math.max(chain.clock.currentSlot, chain.head.slot));

  /** A state whose epoch cache has the shuffling / proposers of `epoch` on the canonical chain. */
  const stateForEpoch = async (epoch: number): Promise<CachedBeaconState> => {
    const headEpoch = computeEpochAtSlot(chain.head.slot);
    if (epoch >= headEpoch) return ctx.headStateAtEpoch(epoch);
    return (await ctx.resolveState(computeStartSlotAtEpoch(epoch))).state;
  };
  /** get_block_root_at_slot on the head chain, the genesis block for a negative slot. */
  const rootAtSlot = (slot: number): RootHex => {
    const head = chain.head;
    if (slot >= head.slot) return head.blockRoot;
    const target = Math.max(0, slot);
    try {
      return chain.forkChoice.getAncestor(head.blockRoot, target).blockRoot;
    } catch {
      return chain.finalizedCheckpoint.root;
    }
  };
  const checkIndices = (cs: CachedBeaconState, indices: number[]): void => {
    const count = cs.state.validators.length;
    const bad = indices.find((i) => i >= count);
    if (bad !== undefined) throw ApiError.badRequest(`unknown validator index ${bad} (${count} validators)`);
  };
  const syncCommitteeAt = (slot: number, cs: CachedBeaconState): number[] => {
    const headPeriod = Math.floor(computeEpochAtSlot(cs.state.slot) / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
    const period = Math.floor(computeEpochAtSlot(slot + 1) / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
    if (period === headPeriod) return cs.epochCtx.currentSyncCommitteeIndices;
    if (period === headPeriod + 1) return cs.epochCtx.nextSyncCommitteeIndices;
    throw ApiError.badRequest(`slot ${slot} is outside the head state's sync committee periods`);
  };

  return {
    async getAttesterDuties({epoch, indices}) {
      if (epoch > currentEpoch() + 1) {
        throw ApiError.badRequest(`epoch ${epoch} is more than one epoch ahead of the current epoch ${currentEpoch()}`);
      }
      const cs = await stateForEpoch(epoch);
      checkIndices(cs, indices);
      const wanted = new Set(indices);
      const shuffling = cs.epochCtx.getShufflingAtEpoch(epoch);
      const data: AttesterDuty[] = [];
      for (let s = 0; s < SLOTS_PER_EPOCH; s++) {
        const committees = shuffling.committees[s];
        committees.forEach((members, committeeIndex) => {
          members.forEach((validatorIndex, position) => {
            if (!wanted.has(validatorIndex)) return;
            data.push({
              pubkey: cs.epochCtx.pubkeyCache.getPubkeyBytes(validatorIndex),
              validatorIndex,
              committeeIndex,
              committeeLength: members.length,
              committeesAtSlot: committees.length,
              validatorCommitteeIndex: position,
              slot: computeStartSlotAtEpoch(epoch) + s,
            });
          });
        });
      }
      // get_block_root_at_slot(state, compute_start_slot_at_epoch(epoch - 1) - 1), genesis on underflow
      const dependentRoot = epoch <= 1 ? rootAtSlot(0) : rootAtSlot(computeStartSlotAtEpoch(epoch - 1) - 1);
      return {
        data,
        dependentRoot: fromRootHex(dependentRoot),
        executionOptimistic: ctx.isOptimistic(chain.head.blockRoot),
      };
    },

    async getProposerDuties({epoch}) {
      if (epoch > currentEpoch() + 1) {
        throw ApiError.badRequest(`epoch ${epoch} is more than one epoch ahead of the current epoch ${currentEpoch()}`);
      }
      const cs = await stateForEpoch(epoch);
      const data: ProposerDuty[] = [];
      const start = computeStartSlotAtEpoch(epoch);
      for (let slot = start; slot < start + SLOTS_PER_EPOCH; slot++) {
        const validatorIndex = cs.epochCtx.getBeaconProposer(slot);
        data.push({pubkey: cs.epochCtx.pubkeyCache.getPubkeyBytes(validatorIndex), validatorIndex, slot});
      }
      // get_block_root_at_slot(state, compute_start_slot_at_epoch(epoch) - 1), genesis on underflow
      const dependentRoot = epoch === 0 ? rootAtSlot(0) : rootAtSlot(start - 1);
      return {
        data,
        dependentRoot: fromRootHex(dependentRoot),
        executionOptimistic: ctx.isOptimistic(chain.head.blockRoot),
      };
    },

    async getSyncCommitteeDuties({epoch, indices}) {
      // current and next period by the clock, not the head: at a period's first slot the head (the previous
      // slot's block) is still in the previous period, and a validator client asking for the clock's next period
      // would get a 400 at every period boundary. When the clock is one period ahead of a head that lags by at
      // most two epochs (not a syncing node), the head state is advanced to the clock's period.
      const headPeriod0 = Math.floor(computeEpochAtSlot(chain.head.slot) / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
      const clockPeriod = Math.floor(computeEpochAtSlot(chain.clock.currentSlot) / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
      const periodStart = computeStartSlotAtEpoch(clockPeriod * EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
      const cs =
        clockPeriod === headPeriod0 + 1 && periodStart - chain.head.slot <= 2 * SLOTS_PER_EPOCH
          ? ctx.headStateAtEpoch(clockPeriod * EPOCHS_PER_SYNC_COMMITTEE_PERIOD)
          : chain.getHeadState();
      if (cs.fork < ForkSeq.altair) throw ApiError.badRequest("no sync committees before altair");
      checkIndices(cs, indices);
      const headPeriod = Math.floor(computeEpochAtSlot(cs.state.slot) / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
      const period = Math.floor(epoch / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
      let committee: number[];
      if (period === headPeriod) committee = cs.epochCtx.currentSyncCommitteeIndices;
      else if (period === headPeriod + 1) committee = cs.epochCtx.nextSyncCommitteeIndices;
      else throw ApiError.badRequest(`epoch ${epoch} is not in the current or next sync committee period`);
      const data: SyncDuty[] = [];
      for (const validatorIndex of new Set(indices)) {
        const positions: number[] = [];
        committee.forEach((v, i) => {
          if (v === validatorIndex) positions.push(i);
        });
        if (positions.length === 0) continue;
        data.push({
          pubkey: cs.epochCtx.pubkeyCache.getPubkeyBytes(validatorIndex),
          validatorIndex,
          validatorSyncCommitteeIndices: positions,
        });
      }
      return {data, executionOptimistic: ctx.isOptimistic(chain.head.blockRoot)};
    },

    async produceBlockV3({slot, randaoReveal, graffiti, skipRandaoVerification, builderBoostFactor}) {
      const head = chain.head;
      if (slot <= head.slot) throw ApiError.badRequest(`slot ${slot} is not after the head slot ${head.slot}`);
      if (slot > chain.clock.currentSlot + 1) {
        throw ApiError.badRequest(`slot ${slot} is too far in the future (current slot ${chain.clock.currentSlot})`);
      }
      const pre = ctx.stateAtSlot(head.blockRoot, slot);
      if (skipRandaoVerification) {
        if (!Buffer.from(randaoReveal).equals(G2_POINT_AT_INFINITY)) {
          throw ApiError.badRequest("with skip_randao_verification the randao_reveal must be the point at infinity");
        }
      } else if (!(await chain.bls.verifySignatureSets([getRandaoSignatureSet(pre, randaoReveal)]))) {
        // one set, sent to a worker at once (not batched: block production waits on it)
        throw ApiError.badRequest(`invalid randao_reveal for the proposer of slot ${slot}`);
      }
      const proposerIndex = pre.epochCtx.getBeaconProposer(slot);
      let produced: Awaited<ReturnType<typeof chain.produceBlock>>;
      try {
        // with --builder-url: the builder's bid against the local payload (api/builderFlow.ts)
        const opts = {slot, randaoReveal, graffiti, feeRecipient: ctx.feeRecipients.get(proposerIndex)?.feeRecipient};
        produced = (await produceWithBuilder(ctx, pre, opts, builderBoostFactor)).produced;
      } catch (e) {
        if (e instanceof ChainError && e.code === "INVALID_ARGUMENT") throw ApiError.badRequest(e.message);
        throw e;
      }
      const version = chain.forkNameAtSlot(slot);
      // consensus block value: the proposer's balance gain from processing the block (Gwei → Wei)
      let consensusBlockValue = 0n;
      try {
        const post = (head.slot < slot ? pre : chain.getHeadState()).clone();
        const before = post.state.balances.get(proposerIndex);
        processForStateRoot(post, produced.block, produced.blinded);
        consensusBlockValue = BigInt(Math.max(0, post.state.balances.get(proposerIndex) - before)) * GWEI_TO_WEI;
      } catch {
        consensusBlockValue = 0n;
      }
      const bundle = produced.blobsBundle ?? {commitments: [], proofs: [], blobs: []};
      const data = (
        isPostDeneb(version) && !produced.blinded
          ? {block: produced.block, kzgProofs: bundle.proofs, blobs: bundle.blobs}
          : produced.block
      ) as ProducedBlock;
      return {
        data,
        version,
        executionPayloadBlinded: produced.blinded,
        executionPayloadValue: produced.executionPayloadValue,
        consensusBlockValue,
      };
    },

    async produceAttestationData({slot, committeeIndex}) {
      const current = chain.clock.currentSlot;
      if (slot > current) throw ApiError.badRequest(`slot ${slot} is in the future (current slot ${current})`);
      if (computeEpochAtSlot(slot) + 1 < computeEpochAtSlot(current)) {
        throw ApiError.badRequest(`slot ${slot} is too old to attest to (current slot ${current})`);
      }
      let headRoot = chain.head.blockRoot;
      if (chain.head.slot > slot) headRoot = chain.forkChoice.getAncestor(headRoot, slot).blockRoot;
      // sync/optimistic.md "Attesting": an optimistic validator MUST NOT participate in attestation
      if (ctx.isOptimistic(headRoot)) {
        throw ApiError.syncing(`the head block ${headRoot} is optimistic (its execution payload is not verified yet)`);
      }
      const state = ctx.stateAtSlot(headRoot, slot);
      const epoch = computeEpochAtSlot(slot);
      const committees = state.epochCtx.getCommitteeCountPerSlot(epoch);
      if (committeeIndex >= committees) {
        throw ApiError.badRequest(`committee_index ${committeeIndex} >= ${committees} committees at slot ${slot}`);
      }
      const source = state.state.currentJustifiedCheckpoint.toValue();
      const target = chain.checkpointOf(headRoot, epoch);
      return {
        data: {
          slot,
          index: state.fork >= ForkSeq.electra ? 0 : committeeIndex,
          beaconBlockRoot: fromRootHex(headRoot),
          source,
          target: {epoch, root: fromRootHex(target.root)},
        },
      };
    },

    async getAggregatedAttestationV2({attestationDataRoot, slot, committeeIndex}) {
      const version = chain.forkNameAtSlot(slot);
      const agg = ctx.attestations.getAggregate(attestationDataRoot, committeeIndex, isPostElectra(version));
      if (agg === null || agg.data.slot !== slot) {
        throw ApiError.notFound(
          `No aggregate for attestation data ${toRootHex(attestationDataRoot)} in committee ${committeeIndex} at slot ${slot}`,
        );
      }
      return {data: agg as never, version};
    },

    async publishAggregateAndProofsV2({version, signedAggregateAndProofs}) {
      const electra = isPostElectra(version);
      const failures: IndexedFailure[] = [];
      // verified together: batchable calls on the BLS worker pool
      await Promise.all(
        signedAggregateAndProofs.map(async (signed, index) => {
          try {
            const {aggregatorIndex, aggregate, selectionProof} = signed.message;
            const data = aggregate.data;
            const committeeIndex = electra
              ? (aggregate as {committeeBits: {getTrueBitIndexes(): number[]}}).committeeBits.getTrueBitIndexes()
              : [data.index];
            if (committeeIndex.length !== 1) throw Error("an aggregate must have exactly one committee bit");
            const committee = committeeOf(ctx, data, committeeIndex[0]);
            if (!committee.includes(aggregatorIndex))
              throw Error(`aggregator ${aggregatorIndex} is not in the committee`);
            if (!isAggregator(committee.length, selectionProof))
              throw Error("the selection proof does not select an aggregator");
            const cs = chain.forkChoice.getCheckpointState({
              epoch: data.target.epoch,
              root: toRootHex(data.target.root),
            });
            const epoch = computeEpochAtSlot(data.slot);
            const pubkey = validatorKeyPoint(cs, aggregatorIndex);
            const aapType = electra ? ssz.electra.AggregateAndProof : ssz.phase0.AggregateAndProof;
            const indexed = getIndexedAttestation(cs, aggregate as AttestationAllForks);
            const sets: SignatureSet[] = [
              single(
                pubkey,
                computeSigningRoot(ssz.phase0.Slot, data.slot, getDomain(cs.state, DOMAIN_SELECTION_PROOF, epoch)),
                selectionProof,
              ),
              single(
                pubkey,
                computeSigningRoot(
                  aapType as never,
                  signed.message as never,
                  getDomain(cs.state, DOMAIN_AGGREGATE_AND_PROOF, epoch),
                ),
                signed.signature,
              ),
              getIndexedAttestationSignatureSet(cs, indexed),
            ];
            if (!(await chain.bls.verifySignatureSets(sets, {batchable: true})))
              throw Error("a signature of the aggregate and proof is invalid");
            ctx.liveness.seen(data.target.epoch, aggregatorIndex);
            for (const i of indexed.attestingIndices) ctx.liveness.seen(data.target.epoch, i);
            // kept for blocks; its votes reach fork choice once its slot is over
            chain.onAggregate(aggregate as AttestationAllForks, committeeIndex[0], indexed.attestingIndices);
            ctx.emit({type: "attestation", message: aggregate as never});
            ctx.network?.publishAggregateAndProof(signed);
          } catch (e) {
            failures.push({index, message: (e as Error).message});
          }
        }),
      );
      failures.sort((x, y) => x.index - y.index);
      if (failures.length > 0) {
        throw ApiError.indexed(
          `${failures.length} of ${signedAggregateAndProofs.length} aggregates failed validation`,
          failures,
        );
      }
    },

    async prepareBeaconCommitteeSubnet({subscriptions}) {
      for (const s of subscriptions) {
        ctx.beaconCommitteeSubscriptions.set(`${s.validatorIndex}:${s.slot}`, {
          validatorIndex: s.validatorIndex,
          slot: s.slot,
        });
        // validator.md: an aggregator joins the attestation subnet of its committee for that slot
        if (s.isAggregator) ctx.network?.subscribeToAttestationSubnet(s.slot, s.committeeIndex, s.committeesAtSlot);
      }
      const minSlot = chain.clock.currentSlot - SLOTS_PER_EPOCH;
      for (const [k, v] of ctx.beaconCommitteeSubscriptions)
        if (v.slot < minSlot) ctx.beaconCommitteeSubscriptions.delete(k);
    },
    async prepareSyncCommitteeSubnets({subscriptions}) {
      for (const s of subscriptions) {
        ctx.syncCommitteeSubscriptions.set(s.validatorIndex, {
          untilEpoch: s.untilEpoch,
          indices: s.syncCommitteeIndices,
        });
        ctx.network?.subscribeToSyncSubnets(s.syncCommitteeIndices, s.untilEpoch);
      }
    },

    async produceSyncCommitteeContribution({slot, subcommitteeIndex, beaconBlockRoot}) {
      if (subcommitteeIndex >= SYNC_COMMITTEE_SUBNET_COUNT) {
        throw ApiError.badRequest(`subcommittee_index ${subcommitteeIndex} >= ${SYNC_COMMITTEE_SUBNET_COUNT}`);
      }
      const committee = syncCommitteeAt(slot, chain.getHeadState());
      const c = ctx.syncMessages.getContribution(slot, beaconBlockRoot, subcommitteeIndex, committee);
      if (c === null) {
        throw ApiError.notFound(
          `No sync committee messages for block ${toRootHex(beaconBlockRoot)} at slot ${slot} in subcommittee ${subcommitteeIndex}`,
        );
      }
      return {data: {slot, beaconBlockRoot, subcommitteeIndex, ...c}};
    },

    async publishContributionAndProofs({contributionAndProofs}) {
      const failures: IndexedFailure[] = [];
      const cs = chain.getHeadState();
      // verified together: batchable calls on the BLS worker pool
      await Promise.all(
        contributionAndProofs.map(async (signed, index) => {
          try {
            const {aggregatorIndex, contribution, selectionProof} = signed.message;
            const {slot, subcommitteeIndex} = contribution;
            if (subcommitteeIndex >= SYNC_COMMITTEE_SUBNET_COUNT) throw Error("subcommittee index out of range");
            const committee = syncCommitteeAt(slot, cs);
            const sub = committee.slice(
              subcommitteeIndex * SYNC_SUBCOMMITTEE_SIZE,
              (subcommitteeIndex + 1) * SYNC_SUBCOMMITTEE_SIZE,
            );
            if (!sub.includes(aggregatorIndex))
              throw Error(`aggregator ${aggregatorIndex} is not in subcommittee ${subcommitteeIndex}`);
            if (!isSyncCommitteeAggregator(selectionProof))
              throw Error("the selection proof does not select an aggregator");
            const epoch = computeEpochAtSlot(slot);
            const participants = contribution.aggregationBits.getTrueBitIndexes().map((i) => sub[i]);
            if (participants.length === 0) throw Error("the contribution has no participants");
            const pubkey = validatorKeyPoint(cs, aggregatorIndex);
            const sets: SignatureSet[] = [
              single(
                pubkey,
                computeSigningRoot(
                  ssz.altair.SyncAggregatorSelectionData,
                  {slot, subcommitteeIndex},
                  getDomain(cs.state, DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF, epoch),
                ),
                selectionProof,
              ),
              single(
                pubkey,
                computeSigningRoot(
                  ssz.altair.ContributionAndProof,
                  signed.message,
                  getDomain(cs.state, DOMAIN_CONTRIBUTION_AND_PROOF, epoch),
                ),
                signed.signature,
              ),
              {
                type: "aggregate",
                pubkeys: participants.map((i) => validatorKeyPoint(cs, i)),
                signingRoot: computeSigningRoot(
                  ssz.phase0.Root,
                  contribution.beaconBlockRoot,
                  getDomain(cs.state, DOMAIN_SYNC_COMMITTEE, epoch),
                ),
                signature: contribution.signature,
              },
            ];
            if (!(await chain.bls.verifySignatureSets(sets, {batchable: true})))
              throw Error("a signature of the contribution and proof is invalid");
            ctx.liveness.seen(epoch, aggregatorIndex);
            chain.addSyncContribution(contribution as never);
            ctx.emit({type: "contribution_and_proof", message: signed});
            ctx.network?.publishContributionAndProof(signed);
          } catch (e) {
            failures.push({index, message: (e as Error).message});
          }
        }),
      );
      failures.sort((x, y) => x.index - y.index);
      if (failures.length > 0) {
        throw ApiError.indexed(
          `${failures.length} of ${contributionAndProofs.length} contributions failed validation`,
          failures,
        );
      }
    },

    async prepareBeaconProposer({preparations}) {
      const epoch = currentEpoch();
      for (const p of preparations) {
        ctx.feeRecipients.set(p.validatorIndex, {feeRecipient: p.feeRecipient, epoch});
      }
    },
    async registerValidator({registrations}) {
      // without --builder-url: accepted, nowhere to go. With a builder: kept (the fee recipient a bid must pay) and
      // forwarded; a builder that refuses or is down is a 502 naming it (the registrations are kept)
      if (ctx.builder === null) return;
      try {
        await ctx.builder.registerValidators(registrations);
      } catch (e) {
        throw new ApiError(502, `the builder did not take the registrations: ${(e as Error).message}`);
      }
    },
    async getLiveness({epoch, indices}) {
      if (!ctx.liveness.covers(epoch, currentEpoch())) {
        throw ApiError.badRequest(`liveness of epoch ${epoch} is not kept (current epoch ${currentEpoch()})`);
      }
      // each index once (the spec's list is of unique indices; the route caps its length)
      return {data: [...new Set(indices)].map((index) => ({index, isLive: ctx.liveness.isLive(epoch, index)}))};
    },
  };
}
