import {ssz} from "@ceibo/types";
import {ContainerType, type ValueOf} from "@chainsafe/ssz";
import {DbError} from "../errors.ts";
import {Bucket, checkRoot, checkUint64, makeKey} from "../keys.ts";
import type {BatchOp, WriteOpts} from "../kv.ts";
import type {RepoContext} from "./context.ts";

/** The stored form of the anchor (SSZ, so a future field is an explicit schema change). */
const FinalizedAnchorSsz = new ContainerType(
  {
    epoch: ssz.phase0.Epoch,
    root: ssz.phase0.Root,
    stateRoot: ssz.phase0.Root,
    stateSlot: ssz.phase0.Slot,
    blockSlot: ssz.phase0.Slot,
  },
  {typeName: "FinalizedAnchor", jsonCase: "eth2"},
);

/**
 * Where the node resumes from: the finalized checkpoint (its root is the anchor block's root), the state
 * stored for it (archived at `stateSlot`, hash_tree_root `stateRoot`) and the anchor block's slot. The state is
 * the checkpoint state (the block's state advanced to the checkpoint epoch's first slot) or the block's post
 * state; either way fork choice starts from it (phase0 fork-choice.md get_forkchoice_store).
 */
export interface FinalizedAnchor {
  checkpoint: {epoch: number; root: Uint8Array};
  stateRoot: Uint8Array;
  stateSlot: number;
  blockSlot: number;
}

const ANCHOR_KEY = makeKey(Bucket.anchor);

export function checkAnchor(anchor: FinalizedAnchor): void {
  checkUint64(anchor?.checkpoint?.epoch, "anchor epoch");
  checkRoot(anchor.checkpoint.root, "anchor block root");
  checkRoot(anchor.stateRoot, "anchor state root");
  checkUint64(anchor.stateSlot, "anchor state slot");
  checkUint64(anchor.blockSlot, "anchor block slot");
  if (anchor.blockSlot > anchor.stateSlot) {
    throw new DbError("INVALID_ARGUMENT", `anchor block slot ${anchor.blockSlot} is after its state slot`);
  }
}

export class AnchorRepository {
  private readonly ctx: RepoContext;

  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  putOps(anchor: FinalizedAnchor): BatchOp[] {
    checkAnchor(anchor);
    const value: ValueOf<typeof FinalizedAnchorSsz> = {
      epoch: anchor.checkpoint.epoch,
      root: anchor.checkpoint.root,
      stateRoot: anchor.stateRoot,
      stateSlot: anchor.stateSlot,
      blockSlot: anchor.blockSlot,
    };
    return [{type: "put", key: ANCHOR_KEY, value: FinalizedAnchorSsz.serialize(value)}];
  }

  async put(anchor: FinalizedAnchor, opts?: WriteOpts): Promise<void> {
    await this.ctx.kv.write(this.putOps(anchor), opts);
  }

  async get(): Promise<FinalizedAnchor | null> {
    const bytes = await this.ctx.kv.get(ANCHOR_KEY);
    if (bytes === undefined) return null;
    let v: ValueOf<typeof FinalizedAnchorSsz>;
    try {
      v = FinalizedAnchorSsz.deserialize(bytes);
    } catch (e) {
      throw new DbError("CORRUPT_VALUE", `fork-choice anchor: ${(e as Error).message}`, {cause: e});
    }
    return {
      checkpoint: {epoch: v.epoch, root: v.root},
      stateRoot: v.stateRoot,
      stateSlot: v.stateSlot,
      blockSlot: v.blockSlot,
    };
  }
}
