/**
 * Beacon API rewards routes (beacon-APIs apis/beacon/rewards/*.yaml), computed by the state transition itself:
 * - block rewards and sync committee rewards: the block is replayed on its parent's post-state (processed through
 *   the empty slots before it) with a `BlockRewardsSink`, which process_attestation, process_sync_aggregate and
 *   slash_validator fill with what they pay (see @ceibo/state-transition rewards/blockRewardsSink.ts);
 * - attestation rewards of epoch N: `getAttestationsRewards` on the state at the last slot of epoch N + 1, the
 *   state process_epoch pays them from (process_rewards_and_penalties at the N + 1 → N + 2 boundary).
 * Amounts are Gwei; penalties are negative.
 */
import {ApiError, type BeaconApiBackend, type ValidatorId} from "@ceibo/api";
import {toRootHex} from "@ceibo/fork-choice";
import {ForkSeq, GENESIS_SLOT} from "@ceibo/params";
import {
  type BlockRewardsSink,
  type CachedBeaconState,
  computeStartSlotAtEpoch,
  createBlockRewardsSink,
  getAttestationsRewards,
  processBlock,
  processSlots,
} from "@ceibo/state-transition";
import {ChainError} from "../chain/index.ts";
import {indicesOf} from "./beaconState.ts";
import type {ApiContext, ResolvedBlock} from "./context.ts";

/** At most this many validator ids in a rewards request body (the registry of a large network is ~2M). */
export const MAX_REWARDS_VALIDATOR_IDS = 16_384;

/** The distinct validator indices of `ids` (unknown ids left out, as the list routes do); null for "all". */
function requestedIndices(cs: CachedBeaconState, ids: ValidatorId[] | undefined): number[] | null {
  if (ids === undefined || ids.length === 0) return null;
  if (ids.length > MAX_REWARDS_VALIDATOR_IDS) {
    throw ApiError.badRequest(`Too many validator ids: ${ids.length} (at most ${MAX_REWARDS_VALIDATOR_IDS})`);
  }
  return [...new Set(indicesOf(cs, ids))];
}

interface ReplayedBlock {
  post: CachedBeaconState;
  sink: BlockRewardsSink;
  proposerIndex: number;
}

/** The block processed again on its parent's post-state, with a rewards sink. */
function replayBlock(ctx: ApiContext, b: ResolvedBlock): ReplayedBlock {
  const block = b.block.message;
  const parentRoot = toRootHex(block.parentRoot);
  let pre: CachedBeaconState;
  try {
    pre = ctx.chain.getBlockState(parentRoot);
  } catch (e) {
    if (e instanceof ChainError) {
      throw ApiError.notFound(`Required state not found: the parent state of block ${b.root} is not kept`);
    }
    throw e;
  }
  const cs = pre.clone();
  if (cs.state.slot < block.slot) processSlots(cs, block.slot);
  const sink = createBlockRewardsSink();
  cs.rewardsSink = sink;
  try {
    processBlock(cs, block, {verifySignatures: false, executionPayloadValid: true});
  } finally {
    cs.rewardsSink = null;
  }
  return {post: cs, sink, proposerIndex: block.proposerIndex};
}

const meta = (b: ResolvedBlock) => ({executionOptimistic: b.executionOptimistic, finalized: b.finalized});

export function rewardsHandlers(
  ctx: ApiContext,
): Pick<BeaconApiBackend, "getBlockRewards" | "getAttestationsRewards" | "getSyncCommitteeRewards"> {
  const chain = ctx.chain;
  return {
    async getBlockRewards({blockId}) {
      const b = await ctx.resolveBlock(blockId);
      const proposerIndex = b.block.message.proposerIndex;
      if (b.block.message.slot === GENESIS_SLOT) {
        const zero = {attestations: 0, syncAggregate: 0, proposerSlashings: 0, attesterSlashings: 0};
        return {data: {proposerIndex, total: 0, ...zero}, ...meta(b)};
      }
      const {sink} = replayBlock(ctx, b);
      const total = sink.attestations + sink.syncAggregate + sink.proposerSlashings + sink.attesterSlashings;
      return {
        data: {
          proposerIndex,
          total,
          attestations: sink.attestations,
          syncAggregate: sink.syncAggregate,
          proposerSlashings: sink.proposerSlashings,
          attesterSlashings: sink.attesterSlashings,
        },
        ...meta(b),
      };
    },

    async getSyncCommitteeRewards({blockId, validatorIds}) {
      const b = await ctx.resolveBlock(blockId);
      if (chain.beaconConfig.getForkSeq(b.block.message.slot) < ForkSeq.altair) {
        throw ApiError.badRequest(`Block ${b.root} is before altair: there is no sync committee`);
      }
      if (b.block.message.slot === GENESIS_SLOT) return {data: [], ...meta(b)};
      const {post, sink} = replayBlock(ctx, b);
      const wanted = requestedIndices(post, validatorIds);
      const filter = wanted === null ? null : new Set(wanted);
      const data: {validatorIndex: number; reward: number}[] = [];
      for (const [validatorIndex, reward] of sink.syncCommittee) {
        if (filter === null || filter.has(validatorIndex)) data.push({validatorIndex, reward});
      }
      return {data, ...meta(b)};
    },

    async getAttestationsRewards({epoch, validatorIds}) {
      // the rewards of epoch N are paid from the state at the last slot of epoch N + 1
      const endSlot = computeStartSlotAtEpoch(epoch + 2) - 1;
      if (chain.clock.currentSlot <= endSlot && chain.head.slot < endSlot) {
        throw ApiError.notFound(
          `Attestation rewards of epoch ${epoch} are not known yet: they are paid at the end of epoch ${epoch + 1}`,
        );
      }
      const r = await ctx.resolveState(endSlot);
      const wanted = requestedIndices(r.state, validatorIds);
      const result = getAttestationsRewards(r.state, wanted === null ? null : wanted.sort((a, b) => a - b));
      return {
        data: {idealRewards: result.idealRewards, totalRewards: result.totalRewards},
        executionOptimistic: r.executionOptimistic,
        finalized: r.finalized,
      };
    },
  };
}
