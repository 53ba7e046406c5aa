/**
 * The node's metrics in one object: the beacon node metrics and the validator monitor on one registry. Created by
 * BeaconNode.init when it runs with metrics; the CLI serves `registry` at /metrics (see cli/src/metrics.ts).
 */
import type {Registry} from "prom-client";
import type {ApiContext} from "../api/context.ts";
import type {Logger} from "../chain/index.ts";
import {BeaconMetrics, type BeaconMetricsSources} from "./beaconMetrics.ts";
import type {NodeMetricsOpts} from "./options.ts";
import {ValidatorMonitor} from "./validatorMonitor.ts";

export type {NodeMetricsOpts};

export class NodeMetrics {
  readonly beacon: BeaconMetrics;
  readonly validatorMonitor: ValidatorMonitor;
  /** The Beacon API's state: the validators that clients register there are monitored (null: no API). */
  private readonly api: ApiContext | null;

  /**
   * `beacon`: the node's BeaconMetrics, made before the database, engine, chain and network so that each got its
   * hook at construction (default: a new one, whose hooks nothing calls).
   */
  constructor(
    sources: BeaconMetricsSources & {logger: Logger; api?: ApiContext | null; beacon?: BeaconMetrics},
    opts: NodeMetricsOpts = {},
  ) {
    this.api = sources.api ?? null;
    this.beacon = sources.beacon ?? new BeaconMetrics();
    this.beacon.attach(sources);
    this.validatorMonitor = new ValidatorMonitor(sources.chain, this.beacon.registry, {
      indices: opts.validatorMonitorIndices,
      individualLimit: opts.validatorMonitorIndividualLimit,
      attached: () => this.attachedIndices(),
      logger: sources.logger,
    });
  }

  get registry(): Registry {
    return this.beacon.registry;
  }

  /** Once a slot, after the node's slot work. */
  onSlot(slot: number): void {
    this.beacon.onSlot();
    this.validatorMonitor.onSlot(slot);
  }

  private *attachedIndices(): Iterable<number> {
    const api = this.api;
    if (api === null) return;
    yield* api.feeRecipients.keys();
    for (const s of api.beaconCommitteeSubscriptions.values()) yield s.validatorIndex;
    yield* api.syncCommitteeSubscriptions.keys();
  }
}
