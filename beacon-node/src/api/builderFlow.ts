/**
 * The builder (MEV-boost) flow of the Beacon API (builder-specs specs/bellatrix/validator.md "Block proposal",
 * "Relation to local block building"; beacon-APIs produceBlockV3 / publishBlindedBlockV2):
 * - `produceWithBuilder`: the local payload is built while the builder is asked for a bid (bounded by the getHeader
 *   timeout); a verified bid wins when value × builder_boost_factor / 100 > the local payload's value; any failure
 *   on the builder side (down, late, 204, invalid bid, circuit breaker, a blinded block that does not process) →
 *   the local block.
 * - `unblindAndPublish`: a signed blinded block goes to the builder; before fulu it answers the payload (v1) and
 *   the node imports and gossips the full block; from fulu (v2) the builder publishes it and answers 202.
 */

import {ApiError, type PublishBlockOutcome, type PublishedBlock} from "@ceibo/api";
import {computeSigningRoot} from "@ceibo/config";
import {DOMAIN_BEACON_PROPOSER, type ForkName, ForkSeq} from "@ceibo/params";
import {
  type CachedBeaconState,
  computeEpochAtSlot,
  computeTimeAtSlot,
  getBlobParameters,
  getCurrentEpoch,
  getDomain,
  getExpectedWithdrawals,
  getRandaoMix,
  isMergeTransitionComplete,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {bytesEqual, sleep, toHex} from "@ceibo/utils";
import {PublicKey} from "@chainsafe/blst";
import type {ProduceBlockOpts, ProducedBlock} from "../chain/produceBlock.ts";
import {BuilderError, type BuilderFork, executionPayloadToHeader, unblindBlock} from "../execution/builder/index.ts";
import type {ApiContext} from "./context.ts";

export interface BuilderChoice {
  produced: ProducedBlock;
  source: "local" | "builder";
}

/**
 * produceBlockV3 with a builder: `boostFactor` in percent (0 = local only, 100 = plain comparison; absent = 100).
 * `pre` is the head state processed to `slot`.
 */
export async function produceWithBuilder(
  ctx: ApiContext,
  pre: CachedBeaconState,
  opts: ProduceBlockOpts,
  boostFactor: bigint | undefined,
): Promise<BuilderChoice> {
  const chain = ctx.chain;
  const builder = ctx.builder;
  const slot = opts.slot;
  const boost = boostFactor ?? 100n;
  const fork = chain.forkNameAtSlot(slot);
  const useBuilder =
    builder !== null && boost > 0n && ForkSeq[fork] >= ForkSeq.bellatrix && isMergeTransitionComplete(pre);
  const local = chain.produceBlock(opts);
  if (!useBuilder) return {produced: await local, source: "local"};

  const proposerIndex = pre.epochCtx.getBeaconProposer(slot);
  const proposerPubkey = pre.epochCtx.pubkeyCache.getPubkeyBytes(proposerIndex);
  const state = pre.state as unknown as {latestExecutionPayloadHeader: {blockHash: Uint8Array}; genesisTime: number};
  const epoch = getCurrentEpoch(pre.state);
  const forkSeq = ForkSeq[fork];
  const bidPromise = builder.getVerifiedBid(
    chain.forkChoice,
    chain.head.blockRoot,
    slot,
    proposerPubkey,
    {
      fork: fork as BuilderFork,
      parentHash: state.latestExecutionPayloadHeader.blockHash,
      genesisForkVersion: chain.config.GENESIS_FORK_VERSION,
      timestamp: computeTimeAtSlot(chain.config.SLOT_DURATION_MS, state.genesisTime, slot),
      prevRandao: getRandaoMix(pre.state, epoch),
      ...(forkSeq >= ForkSeq.capella
        ? {withdrawalsRoot: ssz.capella.Withdrawals.hashTreeRoot(getExpectedWithdrawals(pre).withdrawals)}
        : {}),
      ...(forkSeq >= ForkSeq.deneb
        ? {
            maxBlobsPerBlock:
              forkSeq >= ForkSeq.fulu
                ? getBlobParameters(chain.config, epoch).maxBlobsPerBlock
                : forkSeq >= ForkSeq.electra
                  ? chain.config.MAX_BLOBS_PER_BLOCK_ELECTRA
                  : chain.config.MAX_BLOBS_PER_BLOCK,
          }
        : {}),
    },
    chain.bls,
  );
  const [localResult, bid] = await Promise.all([
    local.then(
      (produced) => ({ok: true as const, produced}),
      (error: unknown) => ({ok: false as const, error}),
    ),
    bidPromise,
  ]);
  if (bid === null) {
    if (!localResult.ok) throw localResult.error;
    return {produced: localResult.produced, source: "local"};
  }
  const value = bid.bid.message.value;
  if (localResult.ok) {
    const localValue = localResult.produced.executionPayloadValue;
    if ((value * boost) / 100n <= localValue) {
      chain.logger.info("Local payload chosen over the builder bid", {
        slot,
        bid: value.toString(),
        boostFactor: boost.toString(),
        local: localValue.toString(),
      });
      return {produced: localResult.produced, source: "local"};
    }
  }
  try {
    const produced = await chain.produceBlock({
      ...opts,
      builderBid: {
        header: bid.bid.message.header as unknown as Record<string, unknown> & {timestamp: number},
        blobKzgCommitments: bid.bid.message.blobKzgCommitments,
        executionRequests: bid.bid.message.executionRequests,
        value,
      },
    });
    chain.logger.info("Builder payload chosen", {
      slot,
      bid: value.toString(),
      blockHash: toHex(bid.bid.message.header.blockHash),
      local: localResult.ok ? localResult.produced.executionPayloadValue.toString() : "failed",
    });
    return {produced, source: "builder"};
  } catch (e) {
    chain.logger.warn("Blinded block from the builder bid is invalid: local payload", {
      slot,
      error: (e as Error).message,
    });
    if (!localResult.ok) throw localResult.error;
    return {produced: localResult.produced, source: "local"};
  }
}

type SignedBlinded = {
  message: {slot: number; proposerIndex: number; body: Record<string, unknown>};
  signature: Uint8Array;
};

/**
 * publishBlindedBlockV2 (bellatrix+): the proposer signature is checked first (the builder would refuse it anyway,
 * and a wrong block must not reach it); then the builder unblinds (v1) or publishes (v2, fulu).
 * `publishFull` imports and gossips a full block as publishBlockV2 does.
 */
export async function unblindAndPublish(
  ctx: ApiContext,
  version: ForkName,
  signed: SignedBlinded,
  publishFull: (contents: PublishedBlock) => Promise<PublishBlockOutcome>,
): Promise<PublishBlockOutcome> {
  const chain = ctx.chain;
  const builder = ctx.builder;
  if (builder === null) {
    throw ApiError.badRequest("this node has no builder (--builder-url): it cannot unblind a blinded block");
  }
  const fork = version as BuilderFork;
  const types = ssz[fork] as unknown as Record<string, {hashTreeRoot(v: unknown): Uint8Array}>;
  const slot = signed.message.slot;
  // phase0 get_block_signature / builder-specs verify_blinded_block_signature, with the head state's pubkeys
  const head = chain.getHeadState();
  if (signed.message.proposerIndex >= head.state.validators.length) {
    throw ApiError.badRequest(`unknown proposer index ${signed.message.proposerIndex}`);
  }
  const domain = getDomain(head.state, DOMAIN_BEACON_PROPOSER, computeEpochAtSlot(slot));
  const signingRoot = computeSigningRoot(types.BlindedBeaconBlock as never, signed.message as never, domain);
  // through the chain's BLS verifier (the worker pool), not on the main thread
  let pubkey: PublicKey | null;
  try {
    pubkey = PublicKey.fromBytes(head.epochCtx.pubkeyCache.getPubkeyBytes(signed.message.proposerIndex), true);
  } catch {
    pubkey = null;
  }
  const validSig =
    pubkey !== null &&
    (await chain.bls.verifySignatureSets([{type: "single", pubkey, signingRoot, signature: signed.signature}]));
  if (!validSig)
    throw ApiError.badRequest(`Invalid block: the proposer signature of the blinded block at slot ${slot}`);
  const root = toHex(types.BlindedBeaconBlock.hashTreeRoot(signed.message));

  if (ForkSeq[fork] >= ForkSeq.fulu) {
    try {
      await builder.client.submitBlindedBlockV2(fork, signed);
    } catch (e) {
      throw builderFailure(e, slot);
    }
    chain.logger.info("Blinded block submitted, the builder publishes it", {slot, root});
    // the builder publishes the block to the network (and so to this node): imported once fork choice has it
    const deadline = Date.now() + chain.config.SLOT_DURATION_MS;
    while (Date.now() < deadline) {
      if (chain.forkChoice.getBlock(root as `0x${string}`)) return "imported";
      await sleep(50);
    }
    return "broadcastNotImported";
  }

  let unblinded: Awaited<ReturnType<typeof builder.client.submitBlindedBlock>>;
  try {
    unblinded = await builder.client.submitBlindedBlock(fork, signed);
  } catch (e) {
    throw builderFailure(e, slot);
  }
  const header = signed.message.body.executionPayloadHeader as Record<string, unknown>;
  const headerType = types.ExecutionPayloadHeader;
  const revealed = executionPayloadToHeader(fork, unblinded.executionPayload as unknown as Record<string, unknown>);
  if (!bytesEqual(headerType.hashTreeRoot(revealed), headerType.hashTreeRoot(header))) {
    throw new ApiError(502, `the builder revealed a payload that is not the signed block's header (slot ${slot})`);
  }
  const message = unblindBlock(signed.message, unblinded.executionPayload);
  const signedBlock = {message, signature: signed.signature};
  if (ForkSeq[fork] < ForkSeq.deneb) return publishFull(signedBlock as unknown as PublishedBlock);
  const commitments = (signed.message.body.blobKzgCommitments as Uint8Array[]) ?? [];
  const bundle = unblinded.blobsBundle ?? {commitments: [], proofs: [], blobs: []};
  if (
    bundle.commitments.length !== commitments.length ||
    !bundle.commitments.every((c, i) => bytesEqual(c, commitments[i]))
  ) {
    throw new ApiError(502, `the builder's blobs bundle does not match the block's blob commitments (slot ${slot})`);
  }
  return publishFull({signedBlock, kzgProofs: bundle.proofs, blobs: bundle.blobs} as unknown as PublishedBlock);
}

function builderFailure(e: unknown, slot: number): ApiError {
  if (e instanceof BuilderError && e.code === "HTTP_ERROR" && e.status === 400) {
    return ApiError.badRequest(`the builder refused the blinded block at slot ${slot}: ${e.message}`);
  }
  return new ApiError(502, `the builder did not take the blinded block at slot ${slot}: ${(e as Error).message}`);
}
