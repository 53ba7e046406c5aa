/**
 * A turn budget for gossipsub's reading of a peer's stream. gossipsub reads each peer's stream in a loop that
 * decodes an RPC and handles its messages (snappy decompression, message id, seen cache, the hand-over to the
 * process queue) before it reads the next one, and every RPC already buffered is handled in the same event-loop
 * task: after a stall, or when a peer sends a large burst, hundreds of messages were handled back to back (in the
 * 1M-validator gossip benchmark at 2× rate: 0.15–0.25 s of message ids and stream reads in one task, inside a
 * burst of aggregates).
 *
 * `withReadBudget` starts each RPC's handling as gossipsub does, then, once the current turn has run `budgetMs`,
 * has the read loop wait for a new event-loop turn (setImmediate) before it reads the next RPC: timers, other
 * peers' streams, BLS results and API requests run between the slices. The stream is read on afterwards; nothing is
 * dropped, and a peer that keeps sending fills its own stream's window (flow control) rather than the node's loop.
 */

/** What of gossipsub this needs: its per-RPC handler, which its read loop awaits with `awaitRpcHandler`. */
export interface RpcHandling {
  handleReceivedRpc(from: unknown, rpc: unknown): Promise<void>;
}

/** Event-loop time the RPCs read in one turn may take before the loop gets a turn (ms). */
export const GOSSIP_READ_BUDGET_MS = 10;

/**
 * Tracks how long the current event-loop turn has run work that asked it: `overBudget()` starts the turn's
 * clock on its first call and clears it at the turn's end (setImmediate, which runs after the I/O callbacks of
 * the loop's poll phase where stream reads happen).
 */
export class TurnBudget {
  private start = -1;
  private readonly reset = (): void => {
    this.start = -1;
  };

  readonly budgetMs: number;
  private readonly now: () => number;

  constructor(budgetMs: number, now: () => number = () => performance.now()) {
    this.budgetMs = budgetMs;
    this.now = now;
  }

  /** True when this turn has run at least the budget since the first call in it. */
  overBudget(): boolean {
    const t = this.now();
    if (this.start < 0) {
      this.start = t;
      setImmediate(this.reset);
      return false;
    }
    return t - this.start >= this.budgetMs;
  }

  /** null while under budget; else a promise resolved in a later turn. */
  pass(): Promise<void> | null {
    if (!this.overBudget()) return null;
    return new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Marks a gossipsub instance whose RPC handling is budgeted (tests check the node's instance carries it). */
export const READ_BUDGET = Symbol("ceibo.gossipReadBudget");

/**
 * Wraps `gs.handleReceivedRpc` so that gossipsub's read loop yields between RPCs once the turn is over budget.
 * The instance must run with `awaitRpcHandler: true` (network/libp2p.ts sets it with the wrapper): the loop then
 * awaits what the wrapper returns, which is only the budget's wait, never the RPC's whole handling (a PRUNE with
 * peer exchange awaits dials to the exchanged peers; the read loop must not wait for those). The handling's own
 * promise is only watched for errors, which gossipsub's handler does not throw (it catches each message's errors
 * itself) and which go to `onError`.
 */
export function withReadBudget<T extends RpcHandling>(
  gs: T,
  budget: TurnBudget = new TurnBudget(GOSSIP_READ_BUDGET_MS),
  onError: (err: unknown) => void = () => {},
): T {
  const handle = gs.handleReceivedRpc.bind(gs);
  gs.handleReceivedRpc = (from: unknown, rpc: unknown): Promise<void> => {
    handle(from, rpc).catch(onError);
    return budget.pass() ?? Promise.resolve();
  };
  (gs as T & {[READ_BUDGET]?: TurnBudget})[READ_BUDGET] = budget;
  return gs;
}
