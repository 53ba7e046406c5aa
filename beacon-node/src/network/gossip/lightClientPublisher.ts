/**
 * Publishing the light-client gossip topics (altair light-client p2p-interface.md "Sync committee":
 * https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/light-client/p2p-interface.md#sync-committee).
 * When the light-client server has a new latest update (derived from a new head block with enough sync
 * participation and a post-altair parent):
 *
 * - if finalized_header.beacon.slot increased (or, at the same slot, participation became a supermajority: the
 *   forwarding rule), its LightClientFinalityUpdate goes to light_client_finality_update,
 * - if attested_header.beacon.slot increased, its LightClientOptimisticUpdate to light_client_optimistic_update,
 *
 * unless a matching message was forwarded already, and never earlier than get_sync_message_due_ms() into the
 * signature slot ("they SHOULD NOT be sent earlier"). The spec asks this of nodes with a validator in the current
 * sync committee; ceibo publishes whenever it serves light clients (identical messages from several nodes share
 * one message id, so the network sees each once).
 */
import {
  createLightClientFinalityUpdate,
  createLightClientOptimisticUpdate,
  type ForkedLightClientData,
} from "@ceibo/state-transition";
import type {BeaconChain} from "../../chain/chain.ts";
import type {Logger} from "../../chain/logger.ts";
import {
  type LightClientFinalityUpdateValue,
  type LightClientGossipState,
  type LightClientOptimisticUpdateValue,
  lightClientForwardTimeMs,
} from "../../chain/validation/lightClient.ts";

export interface LightClientPublishTarget {
  publishLightClientFinalityUpdate(update: ForkedLightClientData<LightClientFinalityUpdateValue>): Promise<number>;
  publishLightClientOptimisticUpdate(update: ForkedLightClientData<LightClientOptimisticUpdateValue>): Promise<number>;
}

export class LightClientGossipPublisher {
  private readonly chain: BeaconChain;
  private readonly state: LightClientGossipState;
  private readonly target: LightClientPublishTarget;
  private readonly logger: Logger;
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The newest update waiting for its publication time. */
  private pending: ForkedLightClientData | null = null;
  /** Publications in flight (tests and shutdown wait for them). */
  private inflight: Promise<void> = Promise.resolve();
  published = {finality: 0, optimistic: 0};

  constructor(modules: {
    chain: BeaconChain;
    state: LightClientGossipState;
    target: LightClientPublishTarget;
    logger: Logger;
  }) {
    this.chain = modules.chain;
    this.state = modules.state;
    this.target = modules.target;
    this.logger = modules.logger;
  }

  /** Listens to the light-client server; its current latest update (if any) is published when due, unless forwarded. */
  start(): void {
    if (this.unsubscribe !== null) return;
    this.unsubscribe = this.chain.lightClient.onLatestUpdate((u) => this.onLatestUpdate(u));
    const latest = this.chain.lightClient.latestUpdate;
    if (latest !== null) this.onLatestUpdate(latest);
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
  }

  /** Resolves once the publications started so far are done. */
  async idle(): Promise<void> {
    await this.inflight;
  }

  private onLatestUpdate(update: ForkedLightClientData): void {
    this.pending = update;
    if (this.timer !== null) clearTimeout(this.timer);
    const delay = lightClientForwardTimeMs(this.chain, update.data.signatureSlot) - this.chain.clock.now;
    if (delay <= 0) {
      this.timer = null;
      this.publishPending();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.publishPending();
    }, delay);
    this.timer.unref();
  }

  private publishPending(): void {
    const update = this.pending;
    this.pending = null;
    if (update === null) return;
    const finality = createLightClientFinalityUpdate(update) as ForkedLightClientData<LightClientFinalityUpdateValue>;
    const optimistic = createLightClientOptimisticUpdate(
      update,
    ) as ForkedLightClientData<LightClientOptimisticUpdateValue>;
    const jobs: Promise<void>[] = [];
    if (this.state.isNewFinality(finality.data)) {
      this.state.recordFinality(finality.data);
      jobs.push(this.publish("finality", () => this.target.publishLightClientFinalityUpdate(finality)));
    }
    if (this.state.isNewOptimistic(optimistic.data)) {
      this.state.recordOptimistic(optimistic.data);
      jobs.push(this.publish("optimistic", () => this.target.publishLightClientOptimisticUpdate(optimistic)));
    }
    this.inflight = Promise.all([this.inflight, ...jobs]).then(() => {});
  }

  private async publish(kind: "finality" | "optimistic", run: () => Promise<number>): Promise<void> {
    try {
      const peers = await run();
      this.published[kind]++;
      this.logger.debug("Published light-client update", {kind, peers});
    } catch (e) {
      // gossipsub refuses a publish without subscribed peers: nothing is lost (light clients can ask by req/resp)
      this.logger.debug("Light-client update not published", {kind, error: (e as Error).message});
    }
  }
}
