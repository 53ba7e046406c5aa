import {ssz} from "@ceibo/types";
import {bytesEqual} from "@ceibo/utils";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {BlockHeaderError} from "../errors.ts";
import type {BeaconBlockAllForks, BeaconBlockBodyAllForks} from "../types.ts";
import {forkTypes} from "../util/forkTypes.ts";
import {getBeaconProposerIndex} from "../util/proposer.ts";

/**
 * phase0 process_block_header
 * Spec: `process_block_header` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#block-header
 */
export function processBlockHeader(cs: CachedBeaconState, block: BeaconBlockAllForks): void {
  const state = cs.state;
  if (block.slot !== state.slot) {
    throw new BlockHeaderError(
      {code: "SLOT_MISMATCH", blockSlot: block.slot, stateSlot: state.slot},
      `block slot ${block.slot} is not the state's slot ${state.slot}`,
    );
  }
  if (!(block.slot > state.latestBlockHeader.slot)) {
    throw new BlockHeaderError(
      {code: "SLOT_NOT_AFTER_LATEST_HEADER", blockSlot: block.slot, latestHeaderSlot: state.latestBlockHeader.slot},
      `block slot ${block.slot} is not after the latest block header's ${state.latestBlockHeader.slot}`,
    );
  }
  const proposerIndex = getBeaconProposerIndex(cs);
  if (block.proposerIndex !== proposerIndex) {
    throw new BlockHeaderError(
      {code: "WRONG_PROPOSER", proposerIndex: block.proposerIndex, expected: proposerIndex},
      `block proposer index ${block.proposerIndex} is not the expected proposer ${proposerIndex}`,
    );
  }
  if (!bytesEqual(block.parentRoot, state.latestBlockHeader.hashTreeRoot())) {
    throw new BlockHeaderError(
      {code: "PARENT_ROOT_MISMATCH"},
      "block parent root does not match the latest block header",
    );
  }
  const bodyType = forkTypes(cs.fork).BeaconBlockBody as {hashTreeRoot(v: BeaconBlockBodyAllForks): Uint8Array};
  state.latestBlockHeader = ssz.phase0.BeaconBlockHeader.toViewDU({
    slot: block.slot,
    proposerIndex: block.proposerIndex,
    parentRoot: block.parentRoot,
    stateRoot: new Uint8Array(32), // overwritten in the next process_slot
    bodyRoot: bodyType.hashTreeRoot(block.body),
  });
  if (state.validators.getReadonly(block.proposerIndex).slashed) {
    throw new BlockHeaderError(
      {code: "PROPOSER_SLASHED", proposerIndex: block.proposerIndex},
      `block proposer ${block.proposerIndex} is slashed`,
    );
  }
}
