import type {ChainConfig} from "@ceibo/config";
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import type {SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {toHex} from "@ceibo/utils";
import type {ArchiveRepos} from "./archive.ts";
import {splitByDescent} from "./chainView.ts";
import {decodeForked, forkNameOf, readStateHeader} from "./codec.ts";
import {DbError} from "./errors.ts";
import type {FinalizedAnchor} from "./repositories/anchor.ts";
import type {ForkedBlock} from "./repositories/blocks.ts";
import type {MetadataRepository} from "./repositories/metadata.ts";
import {decodeState, encodeStateInput, type StateInput, type StoredState} from "./repositories/states.ts";

export interface ResumeData {
  anchor: FinalizedAnchor;
  /** The anchor state (tree-backed); wrap it with createCachedBeaconState(state, config, forkSeq). */
  state: StoredState;
  /** The anchor block (its root is anchor.checkpoint.root). */
  block: ForkedBlock;
  /** Hot blocks that descend from the anchor block, parents before children (by slot): replay into fork choice. */
  hotBlocks: (ForkedBlock & {root: Uint8Array})[];
  /** Hot blocks that do not descend from the anchor (left by a crash between import and pruning); not returned. */
  orphanedHotBlocks: number;
}

/**
 * Everything needed to resume after a restart, or null for a fresh database. Checks that the stored anchor
 * state is the one the anchor names (by its stored hash_tree_root) and that the anchor block exists.
 */
export async function loadAnchor(r: ArchiveRepos): Promise<ResumeData | null> {
  const anchor = await r.anchor.get();
  if (anchor === null) return null;
  const value = await r.stateArchive.getValue(anchor.stateSlot);
  if (value === null) {
    throw new DbError("MISSING_STATE", `the anchor state at slot ${anchor.stateSlot} is not in the database`);
  }
  const {stateRoot} = readStateHeader(value, `anchor state at slot ${anchor.stateSlot}`);
  if (Buffer.compare(stateRoot, anchor.stateRoot) !== 0) {
    throw new DbError(
      "CORRUPT_VALUE",
      `the archived state at slot ${anchor.stateSlot} has root ${toHex(stateRoot)}, the anchor names ${toHex(anchor.stateRoot)}`,
    );
  }
  const state = decodeState(value, `anchor state at slot ${anchor.stateSlot}`);
  const root = anchor.checkpoint.root;
  const block = (await r.blockArchive.getByRoot(root)) ?? (await r.hotBlocks.get(root));
  if (block === null) throw new DbError("MISSING_BLOCK", `the anchor block ${toHex(root)} is not in the database`);

  const {descendants, others} = splitByDescent(await r.hotBlocks.all(), root, anchor.blockSlot);
  const hotBlocks = descendants.map((b) => {
    const {fork, value: decoded} = decodeForked<SignedBeaconBlockAllForks>(
      b.value,
      "SignedBeaconBlock",
      `hot block ${toHex(b.root)}`,
    );
    return {root: b.root, fork, block: decoded};
  });
  return {anchor, state, block, hotBlocks, orphanedHotBlocks: others.length};
}

/**
 * The epoch of the checkpoint whose root is the anchor block: the first epoch starting at or after the state's
 * slot. For a state at an epoch's first slot that is get_current_epoch(state); for the post-state of a block
 * before a missed epoch-boundary slot (block 31, slot 32 empty) it is the next epoch (4), the checkpoint every
 * peer has — (3, block 31) would be a checkpoint no peer knows (their epoch-3 checkpoint is the block at slot 24).
 */
export function anchorCheckpointEpoch(stateSlot: number): number {
  return Math.ceil(stateSlot / SLOTS_PER_EPOCH);
}

export interface AnchorWrite {
  /** The anchor state: genesis, or a (finalized) checkpoint state from checkpoint sync. */
  state: StateInput;
  /** The block the state's latest_block_header names. */
  block: SignedBeaconBlockAllForks;
}

/**
 * Stores a starting point (genesis or checkpoint sync) in one batch: the block and state in the archive, the
 * anchor (checkpoint = (anchorCheckpointEpoch(state.slot), block root): phase0 fork-choice.md
 * get_forkchoice_store's get_current_epoch(state) for an epoch-boundary state) and the chain metadata read from the state. Refused if the db already has an anchor, or if the
 * block is not the state's latest block header (with its state_root filled in when the state is the block's
 * post state).
 */
export async function writeAnchor(
  r: ArchiveRepos,
  metadata: MetadataRepository,
  input: AnchorWrite,
  chainConfig: ChainConfig,
): Promise<void> {
  const existing = await r.anchor.get();
  if (existing !== null) {
    throw new DbError(
      "INVALID_ARGUMENT",
      `the database already has an anchor (checkpoint ${existing.checkpoint.epoch}/${toHex(existing.checkpoint.root)})`,
    );
  }
  const fork = forkNameOf(input.state.fork);
  const encoded = encodeStateInput(r.ctx, input.state);
  const blockFork = r.ctx.forkAtSlot(input.block.message.slot);
  const blockRoot = (ssz[blockFork].BeaconBlock as unknown as {hashTreeRoot(v: unknown): Uint8Array}).hashTreeRoot(
    input.block.message,
  );
  const header = input.state.state.latestBlockHeader.toValue();
  if (Buffer.compare(header.stateRoot, new Uint8Array(32)) === 0) header.stateRoot = encoded.stateRoot;
  const headerRoot = ssz.phase0.BeaconBlockHeader.hashTreeRoot(header);
  if (Buffer.compare(headerRoot, blockRoot) !== 0) {
    throw new DbError(
      "ANCHOR_MISMATCH",
      `anchor block ${toHex(blockRoot)} (slot ${input.block.message.slot}) is not the ${fork} state's latest block ` +
        `header ${toHex(headerRoot)} (slot ${header.slot})`,
    );
  }
  const anchor: FinalizedAnchor = {
    checkpoint: {epoch: anchorCheckpointEpoch(encoded.slot), root: blockRoot},
    stateRoot: encoded.stateRoot,
    stateSlot: encoded.slot,
    blockSlot: input.block.message.slot,
  };
  const state = input.state.state;
  await r.kv.write(
    [
      ...r.blockArchive.putOps(blockRoot, input.block),
      ...r.stateArchive.putValueOps(encoded.slot, encoded.bytes),
      ...r.anchor.putOps(anchor),
      ...metadata.putOps("genesisTime", state.genesisTime),
      ...metadata.putOps("genesisValidatorsRoot", state.genesisValidatorsRoot),
      ...metadata.putOps("chainConfigName", chainConfig.CONFIG_NAME),
    ],
    {sync: true},
  );
}
