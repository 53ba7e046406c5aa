/**
 * What instrumented modules call. Each module holds an optional hook (null: no metrics, nothing measured) and
 * calls it at one or two places; the hook implementations live in ./beaconMetrics.ts. Types only: importing this
 * file pulls in no prom-client.
 */

/** Stages of chain.importBlock, timed separately (importBlock.ts). */
export type BlockImportStage =
  | "pre_state"
  | "signatures"
  | "state_transition"
  | "execution_payload"
  | "fork_choice"
  | "persist";

export interface ChainMetricsHook {
  /** One stage of one block import took `seconds`. */
  blockImportStage(stage: BlockImportStage, seconds: number): void;
  /** A whole chain.importBlock (from its call to the new head) took `seconds`; `ok` false when it threw. */
  blockImported(ok: boolean, seconds: number): void;
}

export type GossipVerdict = "accept" | "ignore" | "reject";

export interface GossipMetricsHook {
  /** A received gossip message got its verdict after `seconds` (arrival → verdict). */
  gossipMessage(type: string, verdict: GossipVerdict, seconds: number): void;
  /** An accepted gossip block was handled (imported or not) `seconds` after it arrived. */
  gossipBlockHandled(seconds: number): void;
}

export interface ReqRespMetricsHook {
  /** A request we sent: `result` "ok" or the ReqRespError code. */
  outgoingRequest(method: string, result: string, seconds: number): void;
  /** A request a peer sent us: `result` "ok" or "error" (an error chunk or nothing delivered). */
  incomingRequest(method: string, result: string, seconds: number): void;
}

/** A database operation ("get", "write", "iterator", "keys") took `seconds`. */
export type DbMetricsHook = (operation: string, seconds: number, ok: boolean) => void;

/** An Engine API call took `seconds`. */
export type EngineMetricsHook = (method: string, ok: boolean, seconds: number) => void;
