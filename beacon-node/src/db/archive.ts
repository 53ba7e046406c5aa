import {ForkSeq, SLOTS_PER_EPOCH} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {toHex, toHexUnprefixed} from "@ceibo/utils";
import {splitByDescent} from "./chainView.ts";
import {readStateHeader, readStateSlot} from "./codec.ts";
import {DbError} from "./errors.ts";
import {checkRoot, checkUint64} from "./keys.ts";
import type {BatchOp, Kv} from "./kv.ts";
import type {AnchorRepository, FinalizedAnchor} from "./repositories/anchor.ts";
import type {BlockArchiveRepository, HotBlockEntry, HotBlockRepository} from "./repositories/blocks.ts";
import type {RepoContext} from "./repositories/context.ts";
import type {ForkChoiceNodeRepository} from "./repositories/forkChoiceNodes.ts";
import type {BlobSidecarRepository, DataColumnSidecarRepository} from "./repositories/sidecars.ts";
import {
  type CheckpointKey,
  type CheckpointStateRepository,
  encodeStateInput,
  type StateArchiveRepository,
  type StateInput,
} from "./repositories/states.ts";

export interface ArchiveRepos {
  ctx: RepoContext;
  kv: Kv;
  hotBlocks: HotBlockRepository;
  blockArchive: BlockArchiveRepository;
  blobSidecars: BlobSidecarRepository;
  dataColumnSidecars: DataColumnSidecarRepository;
  checkpointStates: CheckpointStateRepository;
  stateArchive: StateArchiveRepository;
  anchor: AnchorRepository;
  /** Fork-choice summaries of hot blocks: deleted with the hot block (optional for callers without them). */
  forkChoiceNodes?: ForkChoiceNodeRepository;
}

/** A block fork choice says is canonical (an ancestor of, or, the finalized block). */
export interface CanonicalBlock {
  root: Uint8Array;
  slot: number;
}

export interface ArchiveOpts {
  /**
   * The state to archive for the checkpoint (a CachedBeaconState works): the checkpoint state or the finalized
   * block's post state. Default: the stored checkpoint state of the finalized checkpoint.
   */
  state?: StateInput;
  /** Keep an archived state every this many epochs (the first finalized state of each window). */
  stateEpochFrequency: number;
}

export interface ArchiveResult {
  /** False when the checkpoint was already the anchor (nothing written). */
  archived: boolean;
  anchor: FinalizedAnchor;
  /** Blocks moved from hot to the finalized archive. */
  archivedBlocks: number;
  /** Hot blocks deleted because they do not descend from the finalized block (with their sidecars). */
  prunedBlocks: number;
  /** Checkpoint states deleted (finalized or non-viable). */
  prunedCheckpointStates: number;
  /** Archived states deleted (the previous anchor's state when it is not kept by the epoch frequency). */
  prunedArchivedStates: number;
}

/**
 * Moves a newly finalized chain segment out of the hot store, in one write batch together with the new anchor:
 *
 * - the finalized block and its ancestors still in the hot store (found by parent links from the finalized
 *   block; `canonicalBlocks`, if given, is cross-checked against them) are archived by slot (+ root index);
 * - every other hot block that does not descend from the finalized block is deleted, with its blob and column
 *   sidecars (it can never become canonical);
 * - the finalized state is archived at its slot; the previous anchor's archived state is deleted unless it is
 *   the first archived state of its `stateEpochFrequency`-epoch window; checkpoint states at or before the
 *   finalized epoch, or for non-viable roots, are deleted;
 * - the anchor record points at the new checkpoint.
 *
 * Either all of it lands or (crash, error) none does, so a restart always finds a consistent anchor.
 */
export async function archiveFinalized(
  r: ArchiveRepos,
  finalized: CheckpointKey,
  canonicalBlocks: CanonicalBlock[] | undefined,
  opts: ArchiveOpts,
): Promise<ArchiveResult> {
  checkUint64(finalized?.epoch, "finalized epoch");
  checkRoot(finalized.root, "finalized root");
  const prev = await r.anchor.get();
  if (prev !== null) {
    const sameRoot = Buffer.compare(prev.checkpoint.root, finalized.root) === 0;
    if (finalized.epoch === prev.checkpoint.epoch && sameRoot) {
      return {
        archived: false,
        anchor: prev,
        archivedBlocks: 0,
        prunedBlocks: 0,
        prunedCheckpointStates: 0,
        prunedArchivedStates: 0,
      };
    }
    if (finalized.epoch <= prev.checkpoint.epoch) {
      throw new DbError(
        "INVALID_ARGUMENT",
        `finalized checkpoint ${finalized.epoch}/${toHex(finalized.root)} is not after the stored anchor ` +
          `${prev.checkpoint.epoch}/${toHex(prev.checkpoint.root)}`,
      );
    }
  }

  const hot = await r.hotBlocks.all();
  const hotByRoot = new Map<string, HotBlockEntry>();
  for (const b of hot) hotByRoot.set(toHexUnprefixed(b.root), b);

  // The finalized block and its hot ancestors, by parent links.
  const finalizedHot = hotByRoot.get(toHexUnprefixed(finalized.root));
  const finalizedSlot = finalizedHot?.slot ?? (await r.blockArchive.getSlotByRoot(finalized.root));
  if (finalizedSlot === null) {
    throw new DbError("MISSING_BLOCK", `finalized block ${toHex(finalized.root)} is neither hot nor archived`);
  }
  const epochStartSlot = finalized.epoch * SLOTS_PER_EPOCH;
  if (finalizedSlot > epochStartSlot) {
    throw new DbError(
      "INVALID_ARGUMENT",
      `finalized block ${toHex(finalized.root)} at slot ${finalizedSlot} is after the start of epoch ${finalized.epoch}`,
    );
  }
  const ancestors: HotBlockEntry[] = [];
  for (let b = finalizedHot; b !== undefined; b = hotByRoot.get(toHexUnprefixed(b.parentRoot))) {
    ancestors.push(b);
  }
  if (ancestors.length > 0) {
    const oldest = ancestors[ancestors.length - 1];
    if ((await r.blockArchive.getSlotByRoot(oldest.parentRoot)) === null && oldest.slot > 0) {
      throw new DbError(
        "MISSING_BLOCK",
        `the finalized chain has a gap: parent ${toHex(oldest.parentRoot)} of block ${toHex(oldest.root)} ` +
          `(slot ${oldest.slot}) is neither hot nor archived`,
      );
    }
  }
  const ancestorRoots = new Set(ancestors.map((b) => toHexUnprefixed(b.root)));
  for (const c of canonicalBlocks ?? []) {
    checkRoot(c.root, "canonical block root");
    const h = hotByRoot.get(toHexUnprefixed(c.root));
    if (h !== undefined) {
      if (!ancestorRoots.has(toHexUnprefixed(c.root))) {
        throw new DbError(
          "INVALID_ARGUMENT",
          `canonical block ${toHex(c.root)} (slot ${h.slot}) is not an ancestor of the finalized block ${toHex(finalized.root)}`,
        );
      }
      if (h.slot !== c.slot) {
        throw new DbError("INVALID_ARGUMENT", `canonical block ${toHex(c.root)} is at slot ${h.slot}, not ${c.slot}`);
      }
    } else if ((await r.blockArchive.getSlotByRoot(c.root)) === null) {
      throw new DbError(
        "MISSING_BLOCK",
        `canonical block ${toHex(c.root)} (slot ${c.slot}) is neither hot nor archived`,
      );
    }
  }

  const ops: BatchOp[] = [];
  for (const b of ancestors) {
    ops.push(...r.blockArchive.putValueOps(b.root, b.slot, b.value), ...r.hotBlocks.deleteOps(b.root));
    if (r.forkChoiceNodes !== undefined) ops.push(...r.forkChoiceNodes.deleteOps(b.root));
  }

  // Hot blocks that do not descend from the finalized block, with their sidecars.
  const remaining = hot.filter((b) => !ancestorRoots.has(toHexUnprefixed(b.root)));
  const {descendants, others} = splitByDescent(remaining, finalized.root, finalizedSlot);
  for (const b of others) {
    ops.push(...r.hotBlocks.deleteOps(b.root));
    if (r.forkChoiceNodes !== undefined) ops.push(...r.forkChoiceNodes.deleteOps(b.root));
    if (ForkSeq[b.fork] >= ForkSeq.fulu) ops.push(...(await r.dataColumnSidecars.deleteOps(b.root)));
    else if (ForkSeq[b.fork] >= ForkSeq.deneb) ops.push(...r.blobSidecars.deleteOps(b.root));
  }

  // The finalized state.
  let stateValue: Uint8Array;
  let stateSlot: number;
  if (opts.state !== undefined) {
    const header = opts.state.state.latestBlockHeader.toValue();
    const encoded = encodeStateInput(r.ctx, opts.state);
    if (Buffer.compare(header.stateRoot, new Uint8Array(32)) === 0) header.stateRoot = encoded.stateRoot;
    if (Buffer.compare(ssz.phase0.BeaconBlockHeader.hashTreeRoot(header), finalized.root) !== 0) {
      throw new DbError(
        "ANCHOR_MISMATCH",
        `the state given for checkpoint ${finalized.epoch}/${toHex(finalized.root)} is not a state of that block`,
      );
    }
    stateValue = encoded.bytes;
    stateSlot = encoded.slot;
  } else {
    const value = await r.checkpointStates.getValue(finalized);
    if (value === null) {
      throw new DbError(
        "MISSING_STATE",
        `no checkpoint state stored for ${finalized.epoch}/${toHex(finalized.root)} and none given`,
      );
    }
    stateValue = value;
    stateSlot = readStateSlot(value, `checkpoint state ${finalized.epoch}`);
  }
  if (stateSlot < finalizedSlot || stateSlot > epochStartSlot) {
    throw new DbError(
      "ANCHOR_MISMATCH",
      `finalized state slot ${stateSlot} is not between the block's slot ${finalizedSlot} and the epoch start ${epochStartSlot}`,
    );
  }
  if (prev !== null && stateSlot < prev.stateSlot) {
    throw new DbError(
      "ANCHOR_MISMATCH",
      `finalized state slot ${stateSlot} is before the stored anchor state's slot ${prev.stateSlot}`,
    );
  }
  const {stateRoot} = readStateHeader(stateValue, "finalized state");
  ops.push(...r.stateArchive.putValueOps(stateSlot, stateValue));

  // The previous anchor's state: kept only if it is the first archived state of its window.
  let prunedArchivedStates = 0;
  if (prev !== null && prev.stateSlot !== stateSlot) {
    const windowSlots = opts.stateEpochFrequency * SLOTS_PER_EPOCH;
    const windowStart = prev.stateSlot - (prev.stateSlot % windowSlots);
    const earlier = await r.stateArchive.slots(windowStart, prev.stateSlot);
    if (earlier.length > 0) {
      ops.push(...r.stateArchive.deleteOps(prev.stateSlot, prev.stateRoot));
      prunedArchivedStates++;
    }
  }

  // Checkpoint states that are finalized (now archived) or can no longer be used.
  const viable = new Set(descendants.map((b) => toHexUnprefixed(b.root)));
  viable.add(toHexUnprefixed(finalized.root));
  let prunedCheckpointStates = 0;
  for (const cp of await r.checkpointStates.checkpoints()) {
    if (cp.epoch <= finalized.epoch || !viable.has(toHexUnprefixed(cp.root))) {
      ops.push(...r.checkpointStates.deleteOps(cp));
      prunedCheckpointStates++;
    }
  }

  const anchor: FinalizedAnchor = {
    checkpoint: {epoch: finalized.epoch, root: finalized.root.slice()},
    stateRoot,
    stateSlot,
    blockSlot: finalizedSlot,
  };
  ops.push(...r.anchor.putOps(anchor));
  await r.kv.write(ops, {sync: true});
  return {
    archived: true,
    anchor,
    archivedBlocks: ancestors.length,
    prunedBlocks: others.length,
    prunedCheckpointStates,
    prunedArchivedStates,
  };
}
