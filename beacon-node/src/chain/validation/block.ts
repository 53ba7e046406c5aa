/**
 * beacon_block (phase0 … fulu p2p-interface.md validate_beacon_block_gossip). The head state gives the proposer's
 * key; the proposer shuffling comes from the checkpoint state of the block's epoch on the parent's chain (the
 * parent state advanced to the block's epoch has the same proposers for every slot of it).
 */
import {toRootHex} from "@ceibo/fork-choice";
import {DOMAIN_BEACON_PROPOSER, type ForkName, ForkSeq} from "@ceibo/params";
import {
  computeEpochAtSlot,
  computeStartSlotAtEpoch,
  computeTimeAtSlot,
  type SignedBeaconBlockAllForks,
  validatorKeyPoint,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import type {GossipVerifiedBlock} from "../verified.ts";
import {
  currentTimeMs,
  descendsFromFinalized,
  type GossipValidationContext,
  getCheckpointState,
  isFutureSlot,
  verifySetsOrReject,
} from "./common.ts";
import {type BlockGossipErrorCode, type GossipRaise, ignore as ignoreAny, reject as rejectAny} from "./errors.ts";

const ignore: GossipRaise<BlockGossipErrorCode> = ignoreAny;
const reject: GossipRaise<BlockGossipErrorCode> = rejectAny;

type BodyWithPayload = {
  executionPayload?: {timestamp: number; blockHash: Uint8Array};
  blobKzgCommitments?: Uint8Array[];
};

/**
 * p2p-interface.md validate_beacon_block_gossip; marks (slot, proposer_index) seen when the block passes.
 * Spec: `validate_beacon_block_gossip` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/fulu/p2p-interface.md#modified-beacon_block
 */
export async function validateBeaconBlockGossip(
  ctx: GossipValidationContext,
  signedBlock: SignedBeaconBlockAllForks,
  fork: ForkName,
): Promise<GossipVerifiedBlock> {
  const {chain, seen} = ctx;
  const config = chain.beaconConfig;
  const fc = chain.forkChoice;
  const block = signedBlock.message;
  const blockEpoch = computeEpochAtSlot(block.slot);
  const nowMs = currentTimeMs(ctx);

  // the topic's fork digest names the fork of the block's epoch, and chose the SSZ type it was decoded with
  if (config.getForkNameAtEpoch(blockEpoch) !== fork) {
    reject("INCORRECT_FORK", `a block of slot ${block.slot} is not a ${fork} block`);
  }

  // [IGNORE] The block is not from a future slot
  if (isFutureSlot(ctx, block.slot, nowMs)) ignore("FUTURE_SLOT", `block slot ${block.slot} is in the future`);

  // [IGNORE] The block is from a slot greater than the latest finalized slot
  const finalizedSlot = computeStartSlotAtEpoch(fc.finalizedCheckpoint.epoch);
  if (block.slot <= finalizedSlot) {
    ignore("NOT_LATER_THAN_FINALIZED", `block slot ${block.slot} is not after the finalized slot ${finalizedSlot}`);
  }

  // [IGNORE] The block is the first block with valid signature received for the slot and proposer
  const proposerKey = String(block.proposerIndex);
  // (checked again after the signature: another block of the proposer may have passed meanwhile)
  const checkSeen = (): void => {
    if (seen.proposerSlots.has(block.slot, proposerKey)) {
      ignore("REPEAT_PROPOSAL", `already seen a block of proposer ${block.proposerIndex} at slot ${block.slot}`);
    }
  };
  checkSeen();
  const blockRoot = ssz[fork].BeaconBlock.hashTreeRoot(block as never);
  const blockRootHex = toRootHex(blockRoot);
  // a block already imported (e.g. by sync) was received with a valid signature too
  if (fc.hasBlock(blockRootHex)) ignore("ALREADY_KNOWN", `block ${blockRootHex} is already imported`);

  // A block that breaks a rule about its own content is invalid whoever sends it, so are its descendants: its
  // root is remembered (not for a bad signature: the root does not cover the signature).
  const rejectBlock = (code: BlockGossipErrorCode, message: string): never => {
    seen.invalidBlocks.add(blockRootHex, "consensus");
    return reject(code, message);
  };

  // [REJECT] The proposer index is a valid validator index
  const headState = chain.getHeadState();
  if (block.proposerIndex >= headState.state.validators.length) {
    rejectBlock("PROPOSER_INDEX_OUT_OF_RANGE", `proposer index ${block.proposerIndex} is not a validator`);
  }

  // [REJECT] The proposer signature is valid (the domain of the block's own epoch in the fork schedule)
  await verifySetsOrReject(
    ctx,
    [
      {
        code: "INVALID_PROPOSER_SIGNATURE",
        message: `invalid proposer signature on block ${blockRootHex}`,
        build: () => ({
          type: "single",
          pubkey: validatorKeyPoint(headState, block.proposerIndex),
          // compute_signing_root(block, domain) over the root computed above
          signingRoot: ssz.phase0.SigningData.hashTreeRoot({
            objectRoot: blockRoot,
            domain: config.getDomain(blockEpoch, DOMAIN_BEACON_PROPOSER, blockEpoch),
          }),
          signature: signedBlock.signature,
        }),
      },
    ],
    // a block is not buffered with gossip messages: its import (and the head) waits on this check
    {batchable: false},
  );
  // Seen again: other messages were validated during the await (its "first valid" rule)
  checkSeen();

  const body = block.body as unknown as BodyWithPayload;
  const parentRootHex = toRootHex(block.parentRoot);
  const parent = fc.getBlock(parentRootHex);
  const invalidParent = seen.invalidBlocks.get(parentRootHex);

  // [IGNORE] The block's parent has been seen (via gossip or non-gossip sources)
  if (parent === undefined && invalidParent === undefined) {
    ignore("PARENT_UNKNOWN", `parent ${parentRootHex} of block ${blockRootHex} has not been seen`);
  }

  // [REJECT] (bellatrix, when execution is enabled) The execution payload timestamp is correct for the slot
  const payload = body.executionPayload;
  if (ForkSeq[fork] >= ForkSeq.bellatrix && payload !== undefined) {
    // is_execution_enabled: the parent chain merged already, or this is the merge transition block
    const executionEnabled =
      ForkSeq[fork] >= ForkSeq.capella ||
      (parent !== undefined && parent.executionStatus !== "preMerge") ||
      !ssz.bellatrix.ExecutionPayload.equals(payload as never, ssz.bellatrix.ExecutionPayload.defaultValue());
    const expected = computeTimeAtSlot(chain.config.SLOT_DURATION_MS, chain.genesisTime, block.slot);
    if (executionEnabled && payload.timestamp !== expected) {
      rejectBlock("INCORRECT_TIMESTAMP", `payload timestamp ${payload.timestamp} is not the slot's time ${expected}`);
    }
  }

  if (parent === undefined) {
    // the parent was seen but failed validation: its payload was never validated (a consensus failure comes
    // first) → REJECT; it was processed by the engine and found INVALID → IGNORE
    if (invalidParent === "execution") {
      seen.invalidBlocks.add(blockRootHex, "execution");
      ignore("PARENT_PAYLOAD_INVALID", `parent ${parentRootHex} was refused for an invalid execution payload`);
    }
    return rejectBlock("PARENT_INVALID", `parent ${parentRootHex} failed validation`);
  }

  // [IGNORE] The block's parent passed validation but its execution payload is invalid
  if (parent.executionStatus === "invalid") {
    seen.invalidBlocks.add(blockRootHex, "execution");
    ignore("PARENT_PAYLOAD_INVALID", `parent ${parentRootHex} has an invalid execution payload`);
  }

  // [REJECT] The block is from a higher slot than its parent
  if (block.slot <= parent.slot) {
    rejectBlock("NOT_LATER_THAN_PARENT", `block slot ${block.slot} is not after its parent's slot ${parent.slot}`);
  }

  // [REJECT] The current finalized checkpoint is an ancestor of the block
  if (!descendsFromFinalized(ctx, parentRootHex)) {
    reject("NOT_FINALIZED_DESCENDANT", `block ${blockRootHex} does not descend from the finalized checkpoint`);
  }

  // [REJECT] (deneb+) The number of blob KZG commitments is within the block's limit (fulu: of its epoch)
  if (ForkSeq[fork] >= ForkSeq.deneb) {
    const count = body.blobKzgCommitments?.length ?? 0;
    const max = config.getMaxBlobsPerBlock(blockEpoch);
    if (count > max) rejectBlock("TOO_MANY_KZG_COMMITMENTS", `${count} blob commitments exceed the limit of ${max}`);
  }

  // [REJECT] The block is proposed by the expected proposer (IGNORE if the shuffling is not available)
  const shufflingState = getCheckpointState(ctx, {
    epoch: blockEpoch,
    root: fc.getCheckpointBlock(parentRootHex, blockEpoch),
  });
  let expectedProposer: number;
  try {
    expectedProposer = shufflingState.epochCtx.getBeaconProposer(block.slot);
  } catch (e) {
    return ignore("SHUFFLING_UNAVAILABLE", `no proposer for slot ${block.slot}: ${(e as Error).message}`);
  }
  if (block.proposerIndex !== expectedProposer) {
    rejectBlock(
      "INCORRECT_PROPOSER",
      `block proposer ${block.proposerIndex} is not the slot's proposer ${expectedProposer}`,
    );
  }

  seen.proposerSlots.add(block.slot, proposerKey);
  // root and proposer signature verified: block import does not check them again
  return {signedBlock, blockRoot, blockRootHex} as GossipVerifiedBlock;
}
