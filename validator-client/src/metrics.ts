/**
 * The validator client's Prometheus metrics (prom-client), created by the CLI with --metrics and passed to
 * ValidatorClient.start as `opts.metrics`.
 *
 * - Signing: `vc_signed_messages_total{type}` for every signature the signing gate made, by message type, and the
 *   Lighthouse-compatible `vc_signed_attestations_total`, `vc_signed_beacon_blocks_total`,
 *   `vc_signed_aggregates_total`, `vc_signed_sync_committee_messages_total`;
 *   `vc_slashing_protection_refusals_total{type}` (block, attestation) for what the slashing-protection store
 *   refused; `vc_signing_errors_total{type}` for signing that failed otherwise (a remote signer).
 * - Beacon nodes: `vc_beacon_node_requests_total{url,route,result}`, `vc_beacon_node_request_seconds{url,route}`,
 *   health per URL `vc_beacon_node_status{url,status}` (1 for its current status: ok, syncing, down) and the
 *   counts `vc_beacon_nodes_configured`, `vc_beacon_nodes_available`, `vc_beacon_nodes_synced` (Lighthouse's
 *   `…_count` gauges without the suffix: a gauge ending in _count fails `promtool check metrics`).
 * - Validators and duties: `vc_validators_loaded` (keys), `vc_validators_enabled` (keys with an index
 *   on chain), `vc_validators{status}`, duties of the current epoch (`vc_attester_duties`, `vc_proposer_duties`,
 *   `vc_sync_committee_duties`), `vc_duty_failures_total{duty}`, `vc_doppelganger_safe`.
 * - Process and Node.js metrics: prom-client's defaults.
 *
 * To add a metric: declare it in the constructor with `registers` (units in the name, counters `_total`) and
 * call it from where the event happens (or give it a `collect` that reads state at scrape time).
 */
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import {Counter, collectDefaultMetrics, Gauge, Histogram, Registry} from "prom-client";
import type {SigningKind} from "./signer/keys.ts";

/** What the signing gate reports (Signer.metrics). */
export interface SignerMetricsHook {
  signed(kind: SigningKind): void;
  refused(kind: SigningKind): void;
  failed(kind: SigningKind): void;
}

/** What BeaconNodes reports for every request to one URL. */
export type BeaconNodeRequestHook = (url: string, route: string, ok: boolean, seconds: number) => void;

const LIGHTHOUSE_NAMES: Partial<Record<SigningKind, string>> = {
  ATTESTATION: "vc_signed_attestations_total",
  BLOCK_V2: "vc_signed_beacon_blocks_total",
  AGGREGATE_AND_PROOF_V2: "vc_signed_aggregates_total",
  SYNC_COMMITTEE_MESSAGE: "vc_signed_sync_committee_messages_total",
};

const TYPE_LABEL: Record<SigningKind, string> = {
  BLOCK_V2: "block",
  ATTESTATION: "attestation",
  RANDAO_REVEAL: "randao_reveal",
  AGGREGATION_SLOT: "selection_proof",
  AGGREGATE_AND_PROOF_V2: "aggregate_and_proof",
  SYNC_COMMITTEE_MESSAGE: "sync_committee_message",
  SYNC_COMMITTEE_SELECTION_PROOF: "sync_committee_selection_proof",
  SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF: "contribution_and_proof",
  VOLUNTARY_EXIT: "voluntary_exit",
  VALIDATOR_REGISTRATION: "validator_registration",
};

/**
 * What the metrics read of the running client at scrape time; `ValidatorClient` satisfies it (a structural type, so
 * this file does not import the client that imports it).
 */
export interface MetricsSource {
  clock: {currentEpoch: number; currentSlot: number};
  duties: {attesterDutiesAt(slot: number): readonly unknown[]; proposerDutiesAt(slot: number): readonly unknown[]};
  syncCommittee: {dutiesAt(slot: number): readonly unknown[]};
  doppelganger: {isSafe(): boolean};
  nodes: {statuses(): readonly {url: string; status: string}[]};
  keys: {size: number};
  indices: {indices(): readonly number[]; all(): Iterable<{status: string}>};
}

export class ValidatorClientMetrics implements SignerMetricsHook {
  readonly registry = new Registry();
  private vc: MetricsSource | null = null;
  readonly signedMessages: Counter<"type">;
  private readonly signedLighthouse = new Map<SigningKind, Counter>();
  readonly slashingRefusals: Counter<"type">;
  readonly signingErrors: Counter<"type">;
  readonly beaconNodeRequests: Counter<"url" | "route" | "result">;
  readonly beaconNodeRequestSeconds: Histogram<"url" | "route">;
  readonly dutyFailures: Counter<"duty">;

  constructor(opts: {defaultMetrics?: boolean} = {}) {
    const registers = [this.registry];
    if (opts.defaultMetrics ?? true) {
      collectDefaultMetrics({register: this.registry});
      // gauges must not end in _total (promtool); the same numbers are nodejs_active_handles{type} etc.
      for (const name of [
        "nodejs_active_handles_total",
        "nodejs_active_requests_total",
        "nodejs_active_resources_total",
      ]) {
        this.registry.removeSingleMetric(name);
      }
    }
    const self = this;
    this.signedMessages = new Counter({
      name: "vc_signed_messages_total",
      help: "Signatures made by the signing gate, by message type",
      labelNames: ["type"],
      registers,
    });
    for (const [kind, name] of Object.entries(LIGHTHOUSE_NAMES) as [SigningKind, string][]) {
      this.signedLighthouse.set(
        kind,
        new Counter({name, help: `Signatures of type ${TYPE_LABEL[kind]} (Lighthouse name)`, registers}),
      );
    }
    this.slashingRefusals = new Counter({
      name: "vc_slashing_protection_refusals_total",
      help: "Signing requests the slashing-protection database refused (nothing was signed), by message type",
      labelNames: ["type"],
      registers,
    });
    this.signingErrors = new Counter({
      name: "vc_signing_errors_total",
      help: "Signing requests that failed after the slashing-protection check (e.g. a remote signer error)",
      labelNames: ["type"],
      registers,
    });
    this.beaconNodeRequests = new Counter({
      name: "vc_beacon_node_requests_total",
      help: "Beacon API requests by beacon node URL, route and result (ok, error)",
      labelNames: ["url", "route", "result"],
      registers,
    });
    this.beaconNodeRequestSeconds = new Histogram({
      name: "vc_beacon_node_request_seconds",
      help: "Beacon API request latency by beacon node URL and route",
      labelNames: ["url", "route"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 12],
      registers,
    });
    this.dutyFailures = new Counter({
      name: "vc_duty_failures_total",
      help: "Duties that failed (logged as errors): block, attestation, sync_committee, epoch (duty fetching)",
      labelNames: ["duty"],
      registers,
    });
    new Gauge({
      name: "vc_beacon_node_status",
      help: "Each beacon node's health as the client last saw it: 1 for its current status (ok, syncing, down)",
      labelNames: ["url", "status"],
      registers,
      collect() {
        this.reset();
        for (const n of self.vc?.nodes.statuses() ?? []) {
          for (const status of ["ok", "syncing", "down"]) this.set({url: n.url, status}, n.status === status ? 1 : 0);
        }
      },
    });
    const nodeCount = (name: string, help: string, pick: (status: string) => boolean): void => {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set((self.vc?.nodes.statuses() ?? []).filter((n) => pick(n.status)).length);
        },
      });
    };
    nodeCount("vc_beacon_nodes_configured", "Beacon nodes configured (--beacon-nodes)", () => true);
    nodeCount("vc_beacon_nodes_available", "Beacon nodes that answer (ok or syncing)", (s) => s !== "down");
    nodeCount("vc_beacon_nodes_synced", "Beacon nodes that answer and are synced", (s) => s === "ok");
    new Gauge({
      name: "vc_validators_loaded",
      help: "Validator keys loaded",
      registers,
      collect() {
        this.set(self.vc?.keys.size ?? 0);
      },
    });
    new Gauge({
      name: "vc_validators_enabled",
      help: "Validator keys with an index on chain (known to the beacon node)",
      registers,
      collect() {
        this.set(self.vc?.indices.indices().length ?? 0);
      },
    });
    new Gauge({
      name: "vc_validators",
      help: "Validators with an index on chain, by their Beacon API status (active_ongoing, pending_queued, …)",
      labelNames: ["status"],
      registers,
      collect() {
        this.reset();
        const counts = new Map<string, number>();
        for (const v of self.vc?.indices.all() ?? []) counts.set(v.status, (counts.get(v.status) ?? 0) + 1);
        for (const [status, n] of counts) this.set({status}, n);
      },
    });
    const epochDuties = (name: string, help: string, count: (vc: MetricsSource, slot: number) => number): void => {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const vc = self.vc;
          if (vc === null) return;
          const start = Math.max(0, vc.clock.currentEpoch) * SLOTS_PER_EPOCH;
          let n = 0;
          for (let slot = start; slot < start + SLOTS_PER_EPOCH; slot++) n += count(vc, slot);
          this.set(n);
        },
      });
    };
    epochDuties(
      "vc_attester_duties",
      "Attester duties of this client's validators in the current epoch",
      (vc, slot) => vc.duties.attesterDutiesAt(slot).length,
    );
    epochDuties(
      "vc_proposer_duties",
      "Block proposals of this client's validators in the current epoch",
      (vc, slot) => vc.duties.proposerDutiesAt(slot).length,
    );
    new Gauge({
      name: "vc_sync_committee_duties",
      help: "This client's validators in the sync committee of the current slot",
      registers,
      collect() {
        const vc = self.vc;
        if (vc !== null) this.set(vc.syncCommittee.dutiesAt(Math.max(0, vc.clock.currentSlot)).length);
      },
    });
    new Gauge({
      name: "vc_doppelganger_safe",
      help: "1 when signing is allowed (doppelganger protection passed or off), 0 while it watches",
      registers,
      collect() {
        if (self.vc !== null) this.set(self.vc.doppelganger.isSafe() ? 1 : 0);
      },
    });
    new Gauge({
      name: "vc_clock_slot",
      help: "The wall clock's slot",
      registers,
      collect() {
        if (self.vc !== null) this.set(Math.max(0, self.vc.clock.currentSlot));
      },
    });
  }

  /** Reads the client's state at scrape time (called by ValidatorClient once it is constructed). */
  attach(vc: MetricsSource): void {
    this.vc = vc;
  }

  readonly beaconNodeRequest: BeaconNodeRequestHook = (url, route, ok, seconds) => {
    this.beaconNodeRequests.inc({url, route, result: ok ? "ok" : "error"});
    this.beaconNodeRequestSeconds.observe({url, route}, seconds);
  };

  signed(kind: SigningKind): void {
    this.signedMessages.inc({type: TYPE_LABEL[kind] ?? kind});
    this.signedLighthouse.get(kind)?.inc();
  }

  refused(kind: SigningKind): void {
    this.slashingRefusals.inc({type: TYPE_LABEL[kind] ?? kind});
  }

  failed(kind: SigningKind): void {
    this.signingErrors.inc({type: TYPE_LABEL[kind] ?? kind});
  }

  dutyFailed(duty: "block" | "attestation" | "sync_committee" | "epoch"): void {
    this.dutyFailures.inc({duty});
  }
}
