/** A 32-byte root as a 0x-prefixed lowercase hex string (map key and comparison value). */
export type RootHex = string;

/**
 * What the execution engine said about a block's payload (bellatrix optimistic sync):
 * - `preMerge`: no execution payload (before the merge) — nothing to verify;
 * - `valid`: the engine verified the payload (or it is an ancestor of a verified one);
 * - `syncing`: imported optimistically, not verified yet (SYNCING / ACCEPTED);
 * - `invalid`: the engine rejected the payload, or an ancestor's; never part of the canonical chain.
 */
export type ExecutionStatus = "preMerge" | "valid" | "syncing" | "invalid";

export interface CheckpointHex {
  epoch: number;
  root: RootHex;
}

/** What fork choice keeps about an imported block (the store's `blocks`, `unrealized_justifications`, …). */
export interface ProtoBlock {
  slot: number;
  blockRoot: RootHex;
  parentRoot: RootHex;
  stateRoot: RootHex;
  proposerIndex: number;
  /** The block's post-state current_justified_checkpoint (the voting source of a current-epoch head). */
  justifiedEpoch: number;
  justifiedRoot: RootHex;
  /** The block's post-state finalized_checkpoint. */
  finalizedEpoch: number;
  finalizedRoot: RootHex;
  /** compute_pulled_up_tip: the post-state's checkpoints after process_justification_and_finalization. */
  unrealizedJustifiedEpoch: number;
  unrealizedJustifiedRoot: RootHex;
  unrealizedFinalizedEpoch: number;
  unrealizedFinalizedRoot: RootHex;
  executionStatus: ExecutionStatus;
  /** execution_payload.block_hash, or null before the merge. */
  executionBlockHash: RootHex | null;
  /** record_block_timeliness (store.block_timeliness). */
  timely: boolean;
}

/** A proto-array node: the block plus its place in the flat tree and its LMD-GHOST weight. */
export interface ProtoNode extends ProtoBlock {
  /** Index of the parent node, undefined for the tree's root (anchor or last finalized block). */
  parent: number | undefined;
  /** Sum of the effective balances of the latest messages for this block or a descendant (Gwei, no boost). */
  weight: number;
  /** Set by the last findHead: the best viable child and the head of this node's subtree, if viable. */
  bestChild: number | undefined;
  bestDescendant: number | undefined;
}
