import {ssz} from "@ceibo/types";
import {toHex} from "@ceibo/utils";
import {BooleanType, ContainerType, type ValueOf} from "@chainsafe/ssz";
import {DbError} from "../errors.ts";
import {Bucket, checkRoot, rootKey} from "../keys.ts";
import type {BatchOp} from "../kv.ts";
import type {RepoContext} from "./context.ts";

/**
 * What phase0 fork-choice.md on_block reads from a block's post-state, stored with each hot block: its
 * current_justified / finalized checkpoints, the pulled-up ones (compute_pulled_up_tip) and the payload's block
 * hash. With it a restart adds the block to fork choice without recomputing its post-state.
 */
const ForkChoiceNodeSsz = new ContainerType(
  {
    slot: ssz.phase0.Slot,
    parentRoot: ssz.phase0.Root,
    stateRoot: ssz.phase0.Root,
    proposerIndex: ssz.phase0.ValidatorIndex,
    justifiedEpoch: ssz.phase0.Epoch,
    justifiedRoot: ssz.phase0.Root,
    finalizedEpoch: ssz.phase0.Epoch,
    finalizedRoot: ssz.phase0.Root,
    unrealizedJustifiedEpoch: ssz.phase0.Epoch,
    unrealizedJustifiedRoot: ssz.phase0.Root,
    unrealizedFinalizedEpoch: ssz.phase0.Epoch,
    unrealizedFinalizedRoot: ssz.phase0.Root,
    hasExecutionBlockHash: new BooleanType(),
    executionBlockHash: ssz.phase0.Root,
  },
  {typeName: "ForkChoiceNodeSummary", jsonCase: "eth2"},
);
export type ForkChoiceNodeSummary = ValueOf<typeof ForkChoiceNodeSsz>;

/** Fork-choice summaries of hot blocks by block root (deleted with the block when it is archived or pruned). */
export class ForkChoiceNodeRepository {
  private readonly ctx: RepoContext;

  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  putOps(root: Uint8Array, summary: ForkChoiceNodeSummary): BatchOp[] {
    checkRoot(root, "block root");
    return [{type: "put", key: rootKey(Bucket.forkChoiceNode, root), value: ForkChoiceNodeSsz.serialize(summary)}];
  }

  deleteOps(root: Uint8Array): BatchOp[] {
    return [{type: "del", key: rootKey(Bucket.forkChoiceNode, root)}];
  }

  async get(root: Uint8Array): Promise<ForkChoiceNodeSummary | null> {
    const bytes = await this.ctx.kv.get(rootKey(Bucket.forkChoiceNode, root));
    if (bytes === undefined) return null;
    try {
      return ForkChoiceNodeSsz.deserialize(bytes);
    } catch (e) {
      throw new DbError("CORRUPT_VALUE", `fork-choice summary of block ${toHex(root)}: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
}
