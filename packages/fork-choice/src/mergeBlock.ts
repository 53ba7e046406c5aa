import type {ChainConfig} from "@ceibo/config";
import {computeEpochAtSlot} from "@ceibo/state-transition";
import {bytesEqual, isZeroBytes} from "@ceibo/utils";
import {ForkChoiceError} from "./errors.ts";

/** bellatrix PowBlock */
export interface PowBlock {
  blockHash: Uint8Array;
  parentHash: Uint8Array;
  totalDifficulty: bigint;
}

/**
 * bellatrix is_valid_terminal_pow_block
 * Spec: `is_valid_terminal_pow_block` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/bellatrix/fork-choice.md#is_valid_terminal_pow_block
 */
export function isValidTerminalPowBlock(config: ChainConfig, block: PowBlock, parent: PowBlock): boolean {
  const isTotalDifficultyReached = block.totalDifficulty >= config.TERMINAL_TOTAL_DIFFICULTY;
  const isParentTotalDifficultyValid = parent.totalDifficulty < config.TERMINAL_TOTAL_DIFFICULTY;
  return isTotalDifficultyReached && isParentTotalDifficultyValid;
}

/**
 * bellatrix validate_merge_block, for a merge transition block (is_merge_transition_block on the parent state):
 * its payload's parent must be a valid terminal PoW block (or TERMINAL_BLOCK_HASH once its activation epoch is
 * reached). `getPowBlock` is get_pow_block (an execution client's eth_getBlockByHash): null = not available.
 * Spec: `validate_merge_block` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/bellatrix/fork-choice.md#validate_merge_block
 */
export function validateMergeBlock(
  config: ChainConfig,
  block: {slot: number; body: {executionPayload: {parentHash: Uint8Array}}},
  getPowBlock: (blockHash: Uint8Array) => PowBlock | null,
): void {
  const parentHash = block.body.executionPayload.parentHash;
  if (!isZeroBytes(config.TERMINAL_BLOCK_HASH)) {
    if (computeEpochAtSlot(block.slot) < config.TERMINAL_BLOCK_HASH_ACTIVATION_EPOCH) {
      throw new ForkChoiceError("INVALID_MERGE_BLOCK", "TERMINAL_BLOCK_HASH_ACTIVATION_EPOCH is not reached");
    }
    if (!bytesEqual(parentHash, config.TERMINAL_BLOCK_HASH)) {
      throw new ForkChoiceError("INVALID_MERGE_BLOCK", "the payload's parent is not TERMINAL_BLOCK_HASH");
    }
    return;
  }
  const powBlock = getPowBlock(parentHash);
  if (powBlock === null) throw new ForkChoiceError("INVALID_MERGE_BLOCK", "the terminal PoW block is not available");
  const powParent = getPowBlock(powBlock.parentHash);
  if (powParent === null)
    throw new ForkChoiceError("INVALID_MERGE_BLOCK", "the terminal PoW block's parent is not available");
  if (!isValidTerminalPowBlock(config, powBlock, powParent)) {
    throw new ForkChoiceError("INVALID_MERGE_BLOCK", "the payload's parent is not a valid terminal PoW block");
  }
}
