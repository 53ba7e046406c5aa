/**
 * The queue between gossipsub and validation. gossipsub hands the node every message of a network chunk in one
 * event-loop task (each `gossipsub:message` event is dispatched synchronously); validating them there would run
 * the synchronous part of every validation (decoding, seen caches, committee keys, signing roots) back to back,
 * and a burst of a thousand aggregates would hold the event loop for a second. Here each message waits in a
 * queue of its topic type and the queue is drained in event-loop turns of bounded work: a turn starts the
 * validation of messages until `turnBudgetMs` has passed, then yields (setImmediate) so timers, network I/O,
 * BLS results and API requests run between turns.
 *
 * Order: blocks and sidecars first (a head waits for them), then aggregates, single attestations, sync-committee
 * contributions and messages, then everything else; first in, first out within a type (a child block stays
 * behind its parent). A type's queue holds at most `maxPerType[type]` messages; when it is full the OLDEST one
 * is dropped (the one least likely to still be useful) and reported to the caller, who IGNOREs it.
 */
import {Fifo} from "@ceibo/utils";

export interface ProcessQueueOpts<T> {
  /** Starts the work for one message (its synchronous part runs inside the turn; the promise is not awaited). */
  run: (item: T) => void;
  /** A message dropped from a full queue. */
  onDrop: (item: T) => void;
  /** Event-loop time one turn may spend starting messages (ms; default 10). */
  turnBudgetMs?: number;
  /** Queue capacity by topic type (default DEFAULT_MAX_PER_TYPE, then `defaultMax`). */
  maxPerType?: Partial<Record<string, number>>;
  /** Capacity of a type not named in maxPerType (default 4096). */
  defaultMax?: number;
  /** Monotonic clock (ms). */
  now?: () => number;
}

/** Processing order: lower first; types not listed come last. */
export const GOSSIP_PRIORITY: Readonly<Record<string, number>> = {
  beacon_block: 0,
  blob_sidecar: 1,
  data_column_sidecar: 1,
  beacon_aggregate_and_proof: 2,
  beacon_attestation: 3,
  sync_committee_contribution_and_proof: 4,
  sync_committee: 5,
};
const LAST_PRIORITY = 6;

/**
 * Capacities, a few slots of mainnet traffic at the subnet counts of a node subscribed to every subnet (a 1M
 * validator network sends ~32,000 single attestations and ~1,000 aggregates a slot across all 64 subnets).
 */
export const DEFAULT_MAX_PER_TYPE: Readonly<Record<string, number>> = {
  beacon_block: 1024,
  blob_sidecar: 4096,
  data_column_sidecar: 8192,
  beacon_aggregate_and_proof: 8192,
  beacon_attestation: 65536,
  sync_committee_contribution_and_proof: 4096,
  sync_committee: 16384,
};

export class GossipProcessQueue<T> {
  private readonly run: (item: T) => void;
  private readonly onDrop: (item: T) => void;
  private readonly turnBudgetMs: number;
  private readonly maxPerType: Partial<Record<string, number>>;
  private readonly defaultMax: number;
  private readonly now: () => number;
  /** Queues by priority level, each a map of topic type → FIFO. */
  private readonly levels: Map<string, Fifo<T>>[] = [];
  private scheduled: ReturnType<typeof setImmediate> | null = null;
  private queued = 0;
  /** Counters: queued (ever), started, dropped (full queue), turns (drain turns run). */
  readonly counts = {queued: 0, started: 0, dropped: 0, turns: 0};

  constructor(opts: ProcessQueueOpts<T>) {
    this.run = opts.run;
    this.onDrop = opts.onDrop;
    this.turnBudgetMs = opts.turnBudgetMs ?? 10;
    this.maxPerType = {...DEFAULT_MAX_PER_TYPE, ...opts.maxPerType};
    this.defaultMax = opts.defaultMax ?? 4096;
    this.now = opts.now ?? (() => performance.now());
    for (let i = 0; i <= LAST_PRIORITY; i++) this.levels.push(new Map());
  }

  /** Messages waiting now. */
  get length(): number {
    return this.queued;
  }

  /** Messages waiting now, by topic type. */
  lengths(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const level of this.levels) for (const [type, fifo] of level) out[type] = fifo.length;
    return out;
  }

  /** Queues a message of `type`; it is started in a later event-loop turn. */
  push(type: string, item: T): void {
    const level = this.levels[GOSSIP_PRIORITY[type] ?? LAST_PRIORITY];
    let fifo = level.get(type);
    if (fifo === undefined) {
      fifo = new Fifo<T>();
      level.set(type, fifo);
    }
    fifo.push(item);
    this.queued++;
    this.counts.queued++;
    const max = this.maxPerType[type] ?? this.defaultMax;
    if (fifo.length > max) {
      const oldest = fifo.shift() as T;
      this.queued--;
      this.counts.dropped++;
      this.onDrop(oldest);
    }
    if (this.scheduled === null) this.scheduled = setImmediate(this.drain);
  }

  /** Drops every waiting message (each reported through onDrop); the queue stays usable. */
  dropAll(): void {
    if (this.scheduled !== null) clearImmediate(this.scheduled);
    this.scheduled = null;
    for (const level of this.levels) {
      for (const fifo of level.values()) {
        for (let item = fifo.shift(); item !== undefined; item = fifo.shift()) {
          this.queued--;
          this.counts.dropped++;
          this.onDrop(item);
        }
      }
    }
  }

  /** The next message in priority order, or undefined when every queue is empty. */
  private next(): T | undefined {
    for (const level of this.levels) {
      for (const fifo of level.values()) {
        if (fifo.length > 0) return fifo.shift();
      }
    }
    return undefined;
  }

  /** One turn: start messages until the budget is spent, then yield to the event loop if any are left. */
  private readonly drain = (): void => {
    this.scheduled = null;
    this.counts.turns++;
    const t0 = this.now();
    while (this.queued > 0) {
      const item = this.next() as T;
      this.queued--;
      this.counts.started++;
      try {
        this.run(item);
      } catch {
        // run reports its own failures; one message never stops the queue
      }
      if (this.now() - t0 >= this.turnBudgetMs) break;
    }
    if (this.queued > 0) this.scheduled = setImmediate(this.drain);
  };
}
