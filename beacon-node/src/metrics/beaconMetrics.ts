/**
 * The beacon node's Prometheus metrics (prom-client), created once by the node when it runs with --metrics.
 *
 * - Interop names of ethereum/beacon-metrics (metrics.md): `beacon_head_slot`, `beacon_finalized_epoch`,
 *   `beacon_current_justified_epoch`, `beacon_previous_justified_epoch`, `beacon_current_active_validators`,
 *   `beacon_reorgs_total`, `beacon_processed_deposits_total`, `libp2p_peers`, and of its "additional" list
 *   `beacon_current_validators{status}`, `beacon_pending_deposits`, `beacon_sync_state`,
 *   `gossipsub_mesh_peers_per_main_topic{topic}`, `beacon_http_api_requests_total`,
 *   `beacon_http_api_successes_total`, `beacon_attestations_received_total`, `beacon_aggregates_received_total`,
 *   `libp2p_pubsub_validation_failure_total`, `beacon_processor_gossip_block_imported_total`.
 * - Gauges that mirror node state are read when Prometheus scrapes (prom-client `collect`), so nothing runs on
 *   the hot paths for them. Counters and histograms are fed by the hooks of ./hooks.ts that the chain, gossip,
 *   req/resp, database, Engine API client and REST server call.
 * - Process and Node.js metrics (CPU, memory, file descriptors, event loop lag, GC durations) are prom-client's
 *   default metrics, plus `beacon_event_loop_delay_seconds`, a cumulative histogram of the event loop's delay.
 *
 * To add a metric: declare it in the constructor with `this.registry` as its register (name with its unit:
 * `_seconds`, `_bytes`, counters `_total`), feed it from a hook or give it a `collect`.
 */
import {readdirSync, statfsSync, statSync} from "node:fs";
import {join} from "node:path";
import {ForkSeq} from "@ceibo/params";
import type {BeaconStateAllForks} from "@ceibo/state-transition";
import type {FastifyInstance} from "fastify";
import {Counter, collectDefaultMetrics, Gauge, Histogram, Registry} from "prom-client";
import type {BeaconChain} from "../chain/index.ts";
import type {BeaconDb} from "../db/index.ts";
import type {Network} from "../network/index.ts";
import type {BeaconSync} from "../sync/index.ts";
import type {
  BlockImportStage,
  ChainMetricsHook,
  DbMetricsHook,
  EngineMetricsHook,
  GossipMetricsHook,
  GossipVerdict,
  ReqRespMetricsHook,
} from "./hooks.ts";

/** What the scrape-time gauges read. Parts the node does not run are null. */
export interface BeaconMetricsSources {
  chain: BeaconChain;
  db: BeaconDb;
  network: Network | null;
  sync: BeaconSync | null;
}

const IMPORT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16];
const DELAY_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 16, 24];
const GOSSIP_BUCKETS = [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5];
const REQRESP_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];
const DB_BUCKETS = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];
const API_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5];
const ENGINE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];

/** Gossip topics whose mesh size is reported (ethereum/beacon-metrics gossipsub_mesh_peers_per_main_topic). */
const MAIN_TOPICS = ["beacon_block", "beacon_aggregate_and_proof", "voluntary_exit", "proposer_slashing"];

/** Above this many validators the per-status count is not computed (it walks every validator once an epoch). */
const VALIDATOR_STATUS_LIMIT = 250_000;

/** beacon_sync_state: 0 not syncing (stalled, no peers to sync from), 1 synced, 2 syncing. */
const SYNC_STATE_VALUE: Record<string, number> = {stalled: 0, synced: 1, syncing: 2};

export class BeaconMetrics implements ChainMetricsHook, GossipMetricsHook, ReqRespMetricsHook {
  readonly registry = new Registry();
  private sources: BeaconMetricsSources | null = null;

  // chain (interop)
  readonly reorgs: Counter;
  readonly processedDeposits: Counter;
  // block import
  readonly blocksImported: Counter<"result">;
  readonly blockImportSeconds: Histogram<"result">;
  readonly blockImportStageSeconds: Histogram<"stage">;
  readonly blockSlotDelaySeconds: Histogram;
  readonly gossipBlockArrivalToImportSeconds: Histogram;
  readonly gossipBlocksImported: Counter;
  // gossip
  readonly gossipMessages: Counter<"topic" | "result">;
  readonly gossipValidationSeconds: Histogram<"topic" | "result">;
  readonly attestationsReceived: Counter;
  readonly aggregatesReceived: Counter;
  readonly gossipValidationFailures: Counter;
  readonly dataColumnRequests: Counter;
  readonly dataColumnSuccesses: Counter;
  // req/resp
  readonly reqRespOutgoing: Counter<"method" | "result">;
  readonly reqRespOutgoingSeconds: Histogram<"method">;
  readonly reqRespIncoming: Counter<"method" | "result">;
  readonly reqRespIncomingSeconds: Histogram<"method">;
  // database
  readonly dbOperationSeconds: Histogram<"operation">;
  readonly dbErrors: Counter<"operation">;
  // API
  readonly apiRequests: Counter<"route" | "status">;
  readonly apiRequestSeconds: Histogram<"route">;
  readonly apiRequestsTotal: Counter;
  readonly apiSuccessesTotal: Counter;
  // engine
  readonly engineRequests: Counter<"method" | "result">;
  readonly engineRequestSeconds: Histogram<"method">;
  /** 1 when the last Engine API call succeeded (null before any call). */
  private engineLastOk: boolean | null = null;
  // sync speed: (time ms, head slot) samples of the last minute
  private headSamples: {t: number; slot: number}[] = [];
  private lastDeposits = 0;
  private statusCache: {epoch: number; counts: Record<string, number>} | null = null;
  private dbSize: {t: number; bytes: number} | null = null;

  constructor(opts: {defaultMetrics?: boolean} = {}) {
    const registers = [this.registry];
    if (opts.defaultMetrics ?? true) collectDefaultProcessMetrics(this.registry);
    const self = this;

    // ------------------------------------------------------------ interop (ethereum/beacon-metrics)
    new Gauge({
      name: "beacon_head_slot",
      help: "Slot of the head block of the beacon chain",
      registers,
      collect() {
        if (self.sources) this.set(self.sources.chain.head.slot);
      },
    });
    new Gauge({
      name: "beacon_finalized_epoch",
      help: "Current finalized epoch",
      registers,
      collect() {
        if (self.sources) this.set(self.sources.chain.finalizedCheckpoint.epoch);
      },
    });
    new Gauge({
      name: "beacon_current_justified_epoch",
      help: "Current justified epoch",
      registers,
      collect() {
        if (self.sources) this.set(self.sources.chain.justifiedCheckpoint.epoch);
      },
    });
    new Gauge({
      name: "beacon_previous_justified_epoch",
      help: "Previous justified epoch (of the head state)",
      registers,
      collect() {
        const state = self.headState();
        if (state) this.set(state.previousJustifiedCheckpoint.epoch);
      },
    });
    new Gauge({
      name: "beacon_current_active_validators",
      help: "Active validators in the head state's epoch",
      registers,
      collect() {
        if (self.sources) this.set(self.sources.chain.getHeadState().epochCtx.currentShuffling.activeIndices.length);
      },
    });
    this.reorgs = new Counter({name: "beacon_reorgs_total", help: "Chain reorganisations", registers});
    this.processedDeposits = new Counter({
      name: "beacon_processed_deposits_total",
      help: "Deposits processed on chain: follows the head state's eth1_deposit_index (from 0 at process start, the first scrape catches up)",
      registers,
      collect() {
        const state = self.headState();
        if (state === null) return;
        const n = Number(state.eth1DepositIndex);
        if (n > self.lastDeposits) this.inc(n - self.lastDeposits);
        self.lastDeposits = Math.max(self.lastDeposits, n);
      },
    });
    new Gauge({
      name: "libp2p_peers",
      help: "Connected libp2p peers",
      registers,
      collect() {
        this.set(self.sources?.network?.getPeerCount().connected ?? 0);
      },
    });

    // ------------------------------------------------------------ additional beacon-metrics and chain state
    new Gauge({
      name: "beacon_current_validators",
      help: `Validators by status in the head state's epoch (not computed above ${VALIDATOR_STATUS_LIMIT} validators)`,
      labelNames: ["status"],
      registers,
      collect() {
        const counts = self.validatorStatusCounts();
        if (counts === null) return;
        for (const [status, n] of Object.entries(counts)) this.set({status}, n);
      },
    });
    new Gauge({
      name: "beacon_pending_deposits",
      help: "Pending deposits: eth1_data.deposit_count - eth1_deposit_index before electra, pending_deposits from electra",
      registers,
      collect() {
        const state = self.headState();
        if (state === null || self.sources === null) return;
        const fork = self.sources.chain.getHeadState().fork;
        if (fork >= ForkSeq.electra)
          this.set((state as unknown as {pendingDeposits: {length: number}}).pendingDeposits.length);
        else this.set(Math.max(0, Number(state.eth1Data.depositCount) - Number(state.eth1DepositIndex)));
      },
    });
    for (const [name, field] of [
      ["beacon_pending_partial_withdrawals", "pendingPartialWithdrawals"],
      ["beacon_pending_consolidations", "pendingConsolidations"],
    ] as const) {
      new Gauge({
        name,
        help: `Length of the head state's ${field} queue (electra+; 0 before)`,
        registers,
        collect() {
          const state = self.headState() as unknown as Record<string, {length: number} | undefined> | null;
          if (state !== null) this.set(state[field]?.length ?? 0);
        },
      });
    }
    new Gauge({
      name: "beacon_clock_slot",
      help: "The wall clock's slot",
      registers,
      collect() {
        if (self.sources) this.set(Math.max(0, self.sources.chain.clock.currentSlot));
      },
    });
    new Gauge({
      name: "beacon_clock_epoch",
      help: "The wall clock's epoch",
      registers,
      collect() {
        if (self.sources) this.set(Math.max(0, self.sources.chain.clock.currentEpoch));
      },
    });
    new Gauge({
      name: "beacon_fork_choice_nodes",
      help: "Blocks in fork choice (the finalized block and its descendants)",
      registers,
      collect() {
        if (self.sources) this.set(self.sources.chain.blocks.size);
      },
    });

    // ------------------------------------------------------------ sync
    new Gauge({
      name: "beacon_sync_state",
      help: "Sync state: 0 not syncing (stalled), 1 synced, 2 syncing. A node without p2p is synced (1)",
      registers,
      collect() {
        const sync = self.sources?.sync;
        this.set(sync == null ? 1 : (SYNC_STATE_VALUE[sync.state] ?? 0));
      },
    });
    new Gauge({
      name: "beacon_sync_distance_slots",
      help: "Slots between the wall clock and the head",
      registers,
      collect() {
        if (self.sources) {
          const {chain} = self.sources;
          this.set(Math.max(0, chain.clock.currentSlot - chain.head.slot));
        }
      },
    });
    new Gauge({
      name: "beacon_sync_head_slots_per_second",
      help: "How fast the head slot advanced over the last minute (slots per second; sync speed)",
      registers,
      collect() {
        this.set(self.headSlotsPerSecond());
      },
    });

    // ------------------------------------------------------------ block import
    this.blocksImported = new Counter({
      name: "beacon_block_imports_total",
      help: "chain.importBlock calls by result (ok, error)",
      labelNames: ["result"],
      registers,
    });
    this.blockImportSeconds = new Histogram({
      name: "beacon_block_import_seconds",
      help: "Time of one block import, from the call to the new head (signatures, state transition, execution, fork choice, persistence)",
      labelNames: ["result"],
      buckets: IMPORT_BUCKETS,
      registers,
    });
    this.blockImportStageSeconds = new Histogram({
      name: "beacon_block_import_stage_seconds",
      help: "Time of each block import stage: pre_state (parent state advanced to the slot), state_transition (signatures unchecked, state root included), signatures (the wait for the BLS workers left after the state transition, which runs while they verify), execution_payload (engine newPayload), fork_choice (data availability + on_block), persist",
      labelNames: ["stage"],
      buckets: IMPORT_BUCKETS,
      registers,
    });
    this.blockSlotDelaySeconds = new Histogram({
      name: "beacon_block_slot_delay_seconds",
      help: "When a block of the current or previous slot was imported, seconds after its slot started",
      buckets: DELAY_BUCKETS,
      registers,
    });
    this.gossipBlockArrivalToImportSeconds = new Histogram({
      name: "beacon_block_gossip_arrival_to_import_seconds",
      help: "A gossip block, from its arrival to the end of its import (validation + import)",
      buckets: IMPORT_BUCKETS,
      registers,
    });
    this.gossipBlocksImported = new Counter({
      name: "beacon_processor_gossip_block_imported_total",
      help: "Gossip blocks that passed validation and were handed to import",
      registers,
    });

    // ------------------------------------------------------------ gossip
    this.gossipMessages = new Counter({
      name: "beacon_gossip_messages_total",
      help: "Received gossip messages by topic kind and verdict (accept, ignore, reject)",
      labelNames: ["topic", "result"],
      registers,
    });
    this.gossipValidationSeconds = new Histogram({
      name: "beacon_gossip_validation_seconds",
      help: "Time from a gossip message's arrival to its verdict, by topic kind and verdict",
      labelNames: ["topic", "result"],
      buckets: GOSSIP_BUCKETS,
      registers,
    });
    new Gauge({
      name: "beacon_gossip_queue_length",
      help: "Received gossip messages waiting for validation in the process queue, by topic kind",
      labelNames: ["topic"],
      registers,
      collect() {
        this.reset();
        const queue = self.sources?.network?.gossip.processQueue;
        if (queue === undefined) return;
        for (const [topic, n] of Object.entries(queue.lengths())) this.set({topic}, n);
      },
    });
    let droppedSeen = 0;
    new Counter({
      name: "beacon_gossip_queue_dropped_total",
      help: "Received gossip messages dropped (IGNOREd) because the process queue of their topic kind was full",
      registers,
      collect() {
        const dropped = self.sources?.network?.gossip.processQueue.counts.dropped ?? droppedSeen;
        if (dropped > droppedSeen) this.inc(dropped - droppedSeen);
        droppedSeen = dropped;
      },
    });
    this.attestationsReceived = new Counter({
      name: "beacon_attestations_received_total",
      help: "Unaggregated attestations received on gossip",
      registers,
    });
    this.aggregatesReceived = new Counter({
      name: "beacon_aggregates_received_total",
      help: "Aggregates received on gossip",
      registers,
    });
    this.gossipValidationFailures = new Counter({
      name: "libp2p_pubsub_validation_failure_total",
      help: "Gossip messages that failed validation (rejected)",
      registers,
    });
    // PeerDAS names of ethereum/beacon-metrics' proposals (data column sidecars received on gossip)
    this.dataColumnRequests = new Counter({
      name: "beacon_data_column_sidecar_processing_requests_total",
      help: "Data column sidecars received on gossip and validated",
      registers,
    });
    this.dataColumnSuccesses = new Counter({
      name: "beacon_data_column_sidecar_processing_successes_total",
      help: "Data column sidecars received on gossip that passed validation",
      registers,
    });
    new Gauge({
      name: "beacon_custody_groups",
      help: "PeerDAS custody groups of this node (its ENR cgc; 0 without p2p)",
      registers,
      collect() {
        this.set(self.sources?.network?.custody.custodyGroupCount ?? 0);
      },
    });
    new Gauge({
      name: "gossipsub_mesh_peers_per_main_topic",
      help: "Peers in our gossipsub mesh per main topic (the largest over the subscribed fork digests)",
      labelNames: ["topic"],
      registers,
      collect() {
        const network = self.sources?.network;
        if (network == null) return;
        const pubsub = network.libp2p.services.pubsub as unknown as {getMeshPeers(topic: string): string[]};
        const subscribed = network.gossip.getSubscribedTopics();
        for (const name of MAIN_TOPICS) {
          const topics = subscribed.filter((t) => t.split("/")[3] === name);
          this.set(
            {topic: name},
            topics.reduce((n, t) => Math.max(n, pubsub.getMeshPeers(t).length), 0),
          );
        }
      },
    });

    // ------------------------------------------------------------ req/resp
    this.reqRespOutgoing = new Counter({
      name: "beacon_reqresp_outgoing_requests_total",
      help: "Req/resp requests sent, by method and result (ok or the error code)",
      labelNames: ["method", "result"],
      registers,
    });
    this.reqRespOutgoingSeconds = new Histogram({
      name: "beacon_reqresp_outgoing_request_seconds",
      help: "Duration of req/resp requests sent (dial to last chunk)",
      labelNames: ["method"],
      buckets: REQRESP_BUCKETS,
      registers,
    });
    this.reqRespIncoming = new Counter({
      name: "beacon_reqresp_incoming_requests_total",
      help: "Req/resp requests served, by method and result (ok, error)",
      labelNames: ["method", "result"],
      registers,
    });
    this.reqRespIncomingSeconds = new Histogram({
      name: "beacon_reqresp_incoming_request_seconds",
      help: "Duration of serving a req/resp request",
      labelNames: ["method"],
      buckets: REQRESP_BUCKETS,
      registers,
    });

    // ------------------------------------------------------------ database
    this.dbOperationSeconds = new Histogram({
      name: "beacon_db_operation_seconds",
      help: "Database operation durations: get (read), write (one atomic batch), iterator / keys (range reads)",
      labelNames: ["operation"],
      buckets: DB_BUCKETS,
      registers,
    });
    this.dbErrors = new Counter({
      name: "beacon_db_errors_total",
      help: "Failed database operations",
      labelNames: ["operation"],
      registers,
    });
    new Gauge({
      name: "beacon_db_size_bytes",
      help: "Size of the chain database directory (LevelDB files)",
      registers,
      collect() {
        const bytes = self.dbSizeBytes();
        if (bytes !== null) this.set(bytes);
      },
    });

    for (const [name, help, pick] of [
      [
        "beacon_disk_free_bytes",
        "Free space (for unprivileged users) on the file system of the chain database",
        "free",
      ],
      ["beacon_disk_total_bytes", "Size of the file system of the chain database", "total"],
    ] as const) {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const disk = self.diskSpace();
          if (disk !== null) this.set(disk[pick]);
        },
      });
    }

    // ------------------------------------------------------------ Beacon API
    this.apiRequests = new Counter({
      name: "beacon_api_requests_total",
      help: "Beacon API requests by route and HTTP status",
      labelNames: ["route", "status"],
      registers,
    });
    this.apiRequestSeconds = new Histogram({
      name: "beacon_api_request_seconds",
      help: "Beacon API response times by route",
      labelNames: ["route"],
      buckets: API_BUCKETS,
      registers,
    });
    this.apiRequestsTotal = new Counter({
      name: "beacon_http_api_requests_total",
      help: "Requests to the Beacon API (all routes)",
      registers,
    });
    this.apiSuccessesTotal = new Counter({
      name: "beacon_http_api_successes_total",
      help: "Beacon API requests answered with a 2xx status",
      registers,
    });

    // ------------------------------------------------------------ execution engine
    this.engineRequests = new Counter({
      name: "beacon_execution_engine_requests_total",
      help: "Engine API calls by method and result (ok, error)",
      labelNames: ["method", "result"],
      registers,
    });
    this.engineRequestSeconds = new Histogram({
      name: "beacon_execution_engine_request_seconds",
      help: "Engine API call durations by method",
      labelNames: ["method"],
      buckets: ENGINE_BUCKETS,
      registers,
    });
    new Gauge({
      name: "beacon_execution_engine_online",
      help: "1 when the execution client answered the last Engine API call (and forkchoiceUpdated did not fail), else 0",
      registers,
      collect() {
        const elStatus = self.sources?.chain.elStatus;
        const ok = self.engineLastOk ?? elStatus !== "ERROR";
        this.set(ok && elStatus !== "ERROR" ? 1 : 0);
      },
    });
  }

  /** The database's hook (BeaconDbOpts.metricsHook): operation durations and errors. */
  readonly dbHook: DbMetricsHook = (operation, seconds, ok) => {
    this.dbOperationSeconds.observe({operation}, seconds);
    if (!ok) this.dbErrors.inc({operation});
  };

  /** The Engine API client's hook (ExecutionEngineHttpOpts.metricsHook): calls, durations, last outcome. */
  readonly engineHook: EngineMetricsHook = (method, ok, seconds) => {
    this.engineRequests.inc({method, result: ok ? "ok" : "error"});
    this.engineRequestSeconds.observe({method}, seconds);
    this.engineLastOk = ok;
  };

  /**
   * Starts reading `sources` at scrape time and counting their events (reorgs, block delays). The hooks are given
   * to the database, engine, chain and network at their construction (`dbHook`, `engineHook`, this object).
   */
  attach(sources: BeaconMetricsSources): void {
    this.sources = sources;
    const {chain} = sources;
    chain.emitter.on("chain_reorg", () => this.reorgs.inc());
    chain.emitter.on("block", ({slot}) => {
      const delay = (chain.clock.now - chain.clock.slotStartMs(slot)) / 1000;
      if (slot >= chain.clock.currentSlot - 1 && delay >= 0) this.blockSlotDelaySeconds.observe(delay);
    });
  }

  /** Once a slot (the node's slot loop): samples the head for the sync speed gauge. */
  onSlot(): void {
    if (this.sources === null) return;
    const t = Date.now();
    this.headSamples.push({t, slot: this.sources.chain.head.slot});
    while (this.headSamples.length > 2 && this.headSamples[0].t < t - 60_000) this.headSamples.shift();
  }

  /** Adds the Beacon API hooks (requests by route and status, durations) to the server before it listens. */
  instrumentApi(server: FastifyInstance): void {
    server.addHook("onResponse", async (request, reply) => {
      const route = request.routeOptions.url ?? "unknown";
      const status = String(reply.statusCode);
      this.apiRequests.inc({route, status});
      this.apiRequestSeconds.observe({route}, reply.elapsedTime / 1000);
      this.apiRequestsTotal.inc();
      if (reply.statusCode >= 200 && reply.statusCode < 300) this.apiSuccessesTotal.inc();
    });
  }

  // ------------------------------------------------------------ hooks

  blockImportStage(stage: BlockImportStage, seconds: number): void {
    this.blockImportStageSeconds.observe({stage}, seconds);
  }

  blockImported(ok: boolean, seconds: number): void {
    const result = ok ? "ok" : "error";
    this.blocksImported.inc({result});
    this.blockImportSeconds.observe({result}, seconds);
  }

  gossipMessage(type: string, verdict: GossipVerdict, seconds: number): void {
    this.gossipMessages.inc({topic: type, result: verdict});
    this.gossipValidationSeconds.observe({topic: type, result: verdict}, seconds);
    if (verdict === "reject") this.gossipValidationFailures.inc();
    if (type === "beacon_attestation") this.attestationsReceived.inc();
    else if (type === "beacon_aggregate_and_proof") this.aggregatesReceived.inc();
    else if (type === "beacon_block" && verdict === "accept") this.gossipBlocksImported.inc();
    else if (type === "data_column_sidecar") {
      this.dataColumnRequests.inc();
      if (verdict === "accept") this.dataColumnSuccesses.inc();
    }
  }

  gossipBlockHandled(seconds: number): void {
    this.gossipBlockArrivalToImportSeconds.observe(seconds);
  }

  outgoingRequest(method: string, result: string, seconds: number): void {
    this.reqRespOutgoing.inc({method, result});
    this.reqRespOutgoingSeconds.observe({method}, seconds);
  }

  incomingRequest(method: string, result: string, seconds: number): void {
    this.reqRespIncoming.inc({method, result});
    this.reqRespIncomingSeconds.observe({method}, seconds);
  }

  // ------------------------------------------------------------ scrape-time helpers

  private headState(): BeaconStateAllForks | null {
    return this.sources?.chain.getHeadState().state ?? null;
  }

  /** Validators by status at the head state's epoch, computed once an epoch (null above the limit). */
  private validatorStatusCounts(): Record<string, number> | null {
    if (this.sources === null) return null;
    const cached = this.sources.chain.getHeadState();
    const epoch = cached.epochCtx.epoch;
    if (this.statusCache?.epoch === epoch) return this.statusCache.counts;
    const validators = cached.state.validators;
    if (validators.length > VALIDATOR_STATUS_LIMIT) return null;
    const counts: Record<string, number> = {pending: 0, active: 0, exited: 0, withdrawable: 0};
    for (const v of validators.getAllReadonlyValues()) {
      if (v.activationEpoch > epoch) counts.pending++;
      else if (epoch < v.exitEpoch) counts.active++;
      else if (epoch < v.withdrawableEpoch) counts.exited++;
      else counts.withdrawable++;
    }
    this.statusCache = {epoch, counts};
    return counts;
  }

  private headSlotsPerSecond(): number {
    const s = this.headSamples;
    if (s.length < 2) return 0;
    const first = s[0];
    const last = s[s.length - 1];
    const seconds = (last.t - first.t) / 1000;
    return seconds > 0 ? Math.max(0, last.slot - first.slot) / seconds : 0;
  }

  /** Free and total bytes of the file system holding the database. */
  private diskSpace(): {free: number; total: number} | null {
    if (this.sources === null) return null;
    try {
      const st = statfsSync(this.sources.db.location);
      return {free: st.bavail * st.bsize, total: st.blocks * st.bsize};
    } catch {
      return null;
    }
  }

  /** The chain database's size on disk, measured at most every 30 s. */
  private dbSizeBytes(): number | null {
    if (this.sources === null) return null;
    const now = Date.now();
    if (this.dbSize !== null && now - this.dbSize.t < 30_000) return this.dbSize.bytes;
    let bytes = 0;
    try {
      for (const f of readdirSync(this.sources.db.location)) {
        const st = statSync(join(this.sources.db.location, f), {throwIfNoEntry: false});
        if (st?.isFile()) bytes += st.size;
      }
    } catch {
      return this.dbSize?.bytes ?? null;
    }
    this.dbSize = {t: now, bytes};
    return bytes;
  }
}

/**
 * prom-client's default process and Node.js metrics (CPU, memory, fds, event loop lag, GC durations by kind,
 * heap spaces), without its three gauges named `…_total` (nodejs_active_handles_total, …): a gauge must not end in
 * _total (promtool check metrics); the same numbers stay available by type as nodejs_active_handles{type} etc.
 */
export function collectDefaultProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({register: registry});
  for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) {
    registry.removeSingleMetric(name);
  }
  registry.registerMetric(eventLoopDelayHistogram());
}

/** How often the event-loop delay sampler asks to wake (ms). */
export const EVENT_LOOP_SAMPLE_MS = 10;
let loopDelay: Histogram | null = null;

/**
 * `beacon_event_loop_delay_seconds`: how late each wake of a 10-ms timer came, as a cumulative histogram. prom-client's
 * `nodejs_eventloop_lag_*` gauges are percentiles of the time since the last scrape only (its histogram is reset at
 * every scrape), so they cannot be combined over an hour or between two scrapes; this one can
 * (`histogram_quantile(0.99, rate(beacon_event_loop_delay_seconds_bucket[5m]))`), and `_sum` is the time the loop
 * was late in total. One sampler and one histogram per process (the event loop is the process's), registered in
 * every registry that asks; the timer is unref'd and costs ~100 wakes a second.
 */
export function eventLoopDelayHistogram(): Histogram {
  if (loopDelay !== null) return loopDelay;
  const h = new Histogram({
    name: "beacon_event_loop_delay_seconds",
    help: `How late the event loop ran a timer due every ${EVENT_LOOP_SAMPLE_MS} ms (one sample per wake)`,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5],
    registers: [],
  });
  loopDelay = h;
  let due = performance.now() + EVENT_LOOP_SAMPLE_MS;
  const wake = (): void => {
    const now = performance.now();
    h.observe(Math.max(0, now - due) / 1000);
    due = now + EVENT_LOOP_SAMPLE_MS;
    setTimeout(wake, EVENT_LOOP_SAMPLE_MS).unref();
  };
  setTimeout(wake, EVENT_LOOP_SAMPLE_MS).unref();
  return h;
}
