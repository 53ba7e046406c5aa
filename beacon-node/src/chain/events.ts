/** The chain's events (names as the Beacon API event stream topics). */
export interface ChainEvents {
  head: [HeadEvent];
  block: [BlockEvent];
  finalized_checkpoint: [FinalizedCheckpointEvent];
  chain_reorg: [ChainReorgEvent];
}

export interface HeadEvent {
  slot: number;
  block: string;
  state: string;
  epochTransition: boolean;
  executionOptimistic: boolean;
}

export interface BlockEvent {
  slot: number;
  block: string;
  executionOptimistic: boolean;
}

export interface FinalizedCheckpointEvent {
  epoch: number;
  block: string;
  state: string;
  executionOptimistic: boolean;
}

export interface ChainReorgEvent {
  slot: number;
  depth: number;
  oldHeadBlock: string;
  newHeadBlock: string;
  oldHeadState: string;
  newHeadState: string;
  epoch: number;
  executionOptimistic: boolean;
}
