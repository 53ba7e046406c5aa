/**
 * The gossip domain of the beacon node (phase0 … fulu p2p-interface.md "The gossip domain: gossipsub") on top of
 * the libp2p gossipsub service: topic subscriptions per fork digest (switched around fork boundaries), decoding
 * and validation of every received message, the verdict reported back to gossipsub (ACCEPT forwards, IGNORE
 * drops, REJECT drops and penalises), valid objects handed to the chain, and publishing.
 */
import type {BeaconConfig} from "@ceibo/config";
import {toRootHex} from "@ceibo/fork-choice";
import type {ForkName} from "@ceibo/params";
import {
  type AttestationPhase0,
  type AttesterSlashingLike,
  computeEpochAtSlot,
  computeStartSlotAtEpoch,
  type ProposerSlashing,
  type SignedBeaconBlockAllForks,
  type SignedBLSToExecutionChange,
  type SignedVoluntaryExit,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import type {ValueOf} from "@chainsafe/ssz";
import type {GossipSub, GossipsubMessage} from "@libp2p/gossipsub";
import {TopicValidatorResult} from "@libp2p/gossipsub";
import type {BeaconChain} from "../../chain/chain.ts";
import {BlockError} from "../../chain/errors.ts";
import type {Logger} from "../../chain/logger.ts";
import type {OpPool} from "../../chain/opPool.ts";
import {GossipSeenCaches} from "../../chain/seenCaches.ts";
import {
  type SignedAggregateAndProofValue,
  validateBeaconAggregateAndProofGossip,
} from "../../chain/validation/aggregateAndProof.ts";
import {type SingleAttestationValue, validateBeaconAttestationGossip} from "../../chain/validation/attestation.ts";
import {validateAttesterSlashingGossip} from "../../chain/validation/attesterSlashing.ts";
import {validateBeaconBlockGossip} from "../../chain/validation/block.ts";
import {validateBlsToExecutionChangeGossip} from "../../chain/validation/blsToExecutionChange.ts";
import type {GossipValidationContext} from "../../chain/validation/common.ts";
import {
  checkLightClientTopicDigest,
  type LightClientFinalityUpdateValue,
  LightClientGossipState,
  type LightClientOptimisticUpdateValue,
  validateLightClientFinalityUpdateGossip,
  validateLightClientOptimisticUpdateGossip,
} from "../../chain/validation/lightClient.ts";
import {validateProposerSlashingGossip} from "../../chain/validation/proposerSlashing.ts";
import {
  type SignedContributionAndProofValue,
  type SyncCommitteeMessageValue,
  validateSyncCommitteeContributionAndProofGossip,
  validateSyncCommitteeMessageGossip,
} from "../../chain/validation/syncCommittee.ts";
import {validateVoluntaryExitGossip} from "../../chain/validation/voluntaryExit.ts";
import type {GossipVerifiedBlock} from "../../chain/verified.ts";
import type {GossipMetricsHook} from "../../metrics/hooks.ts";
import {GossipValidationError, type PeerIdStr, type PeerReporter} from "../types.ts";
import {LightClientGossipPublisher} from "./lightClientPublisher.ts";
import {compressGossipPayload, GossipMessageIds} from "./messageId.ts";
import {GossipProcessQueue} from "./processQueue.ts";
import {GossipRetryQueue, type PendingGossip, retryWaitOf} from "./retryQueue.ts";
import {
  computeSubnetForAttestation,
  computeSubnetForBlobSidecar,
  computeSubnetForDataColumnSidecar,
  computeSubnetsForSyncCommittee,
  coreGossipTopics,
  deserializeGossipSsz,
  type GossipTopic,
  GossipType,
  gossipSszType,
  isGossipTypeActive,
  stringifyGossipTopic,
} from "./topics.ts";
import type {GossipHandlerMeta, GossipHandlers, GossipOnAccept, GossipTypeMap} from "./types.ts";

export {type BlockOperations, OpPool} from "../../chain/opPool.ts";
export {GossipMessageIds} from "./messageId.ts";
export {type GossipsubOptionsInput, gossipsubOptions} from "./options.ts";
export * from "./topics.ts";
export type * from "./types.ts";

export type BlobSidecar = ValueOf<typeof ssz.deneb.BlobSidecar>;
export type DataColumnSidecar = ValueOf<typeof ssz.fulu.DataColumnSidecar>;

/**
 * The data-availability side of gossip (the PeerDAS / blob module): sidecar topics and whether a block's data is
 * available. The sidecar hooks validate (throwing GossipValidationError with IGNORE / REJECT, like the validators
 * of this folder) and, when valid, record the sidecar.
 */
export interface GossipDataAvailability {
  /** blob_sidecar_{subnet_id} (deneb, electra). */
  onGossipBlobSidecar?(sidecar: BlobSidecar, subnet: number, peer: PeerIdStr): Promise<void>;
  /** data_column_sidecar_{subnet_id} (fulu). */
  onGossipDataColumnSidecar?(sidecar: DataColumnSidecar, subnet: number, peer: PeerIdStr): Promise<void>;
  /**
   * deneb / fulu is_data_available for a gossip block with blob commitments that passed validation (may wait for
   * its sidecars); the answer is passed to chain.importBlock.
   */
  isDataAvailable?(block: SignedBeaconBlockAllForks, blockRoot: Uint8Array): Promise<boolean>;
}

export interface GossipHandlerModules {
  /** The libp2p gossipsub service, created with `gossipsubOptions(...)`. */
  pubsub: GossipSub;
  config: BeaconConfig;
  chain: BeaconChain;
  logger: Logger;
  reporter: PeerReporter;
  da?: GossipDataAvailability;
  /** A valid-looking block whose parent is unknown (IGNOREd): the unknown-block sync should fetch the parent. */
  onUnknownBlockParent?: (block: SignedBeaconBlockAllForks, peer: PeerIdStr) => void;
  /** The message-id functions gossipsub was configured with (shares their decoded payloads). */
  messageIds?: GossipMessageIds;
  /** The Seen caches (default: new ones), e.g. to share the sidecar tuples and invalid blocks with the DA module. */
  seen?: GossipSeenCaches;
  /**
   * Serve light clients on gossip (default true; `--light-client-server`): subscribe and validate the
   * light_client_finality_update / light_client_optimistic_update topics and publish the node's new updates.
   */
  lightClientServer?: boolean;
  /** Event-loop time one turn of the gossip process queue may spend starting validations (ms; default 10). */
  processTurnBudgetMs?: number;
  /** Verdicts and validation times (`--metrics`). */
  metricsHook?: GossipMetricsHook | null;
}

/**
 * What waits in the process queue: a message from gossipsub with its arrival time (performance.now()), or a message
 * of the retry queue whose block or slot came (validated again).
 */
type QueuedGossip = {kind: "received"; message: GossipsubMessage; t0: number} | {kind: "retry"; pending: PendingGossip};

export interface GossipCounters {
  accepted: number;
  ignored: number;
  rejected: number;
}

/** Plain counters for logging: received messages by topic kind and verdict, published messages by kind. */
export interface GossipMetrics {
  received: Record<GossipType, GossipCounters>;
  published: Record<GossipType, number>;
  /** Validation or handling that threw something other than GossipValidationError (reported as IGNORE). */
  internalErrors: number;
}

/** The subset of the gossipsub service used here (the service object has it; its public interface type lacks it). */
interface GossipsubRouter {
  reportMessageValidationResult(msgId: string, propagationSource: string, acceptance: TopicValidatorResult): void;
}

/** Block import failures that make the block (and so its descendants) invalid. */
/** Calls the handler of topic type `type` (the value is what `deserializeGossipSsz` gave for that type). */
function runGossipHandler<T extends GossipType>(
  handlers: GossipHandlers,
  type: T,
  msg: GossipTypeMap[T],
  meta: GossipHandlerMeta,
): Promise<GossipOnAccept> {
  return handlers[type](msg, meta);
}

/** The subnet of a subnet topic (`beacon_attestation_{subnet_id}` …), which the topic parser always sets. */
function subnetOf(topic: GossipHandlerMeta["topic"]): number {
  if (topic.subnet === undefined) throw Error(`${topic.type} topic without a subnet`);
  return topic.subnet;
}

const INVALID_BLOCK_CODES = new Set(["INVALID_SIGNATURE", "INVALID_STATE_TRANSITION", "INVALID_BLOCK"]);

export class GossipHandler {
  readonly seen: GossipSeenCaches;
  /** The chain's op pool (read-only here: ACCEPTed operations go through chain methods). */
  readonly opPool: OpPool;
  readonly metrics: GossipMetrics;
  private readonly pubsub: GossipSub;
  private readonly router: GossipsubRouter;
  private readonly config: BeaconConfig;
  private readonly chain: BeaconChain;
  private readonly logger: Logger;
  private readonly reporter: PeerReporter;
  private readonly da: GossipDataAvailability | undefined;
  private readonly onUnknownBlockParent: GossipHandlerModules["onUnknownBlockParent"];
  private readonly messageIds: GossipMessageIds;
  private readonly ctx: GossipValidationContext;
  private readonly handlers: GossipHandlers;
  /** Subscribed topic strings by fork digest. */
  private readonly topicsByDigest = new Map<string, {fork: ForkName; topics: Set<string>}>();
  private attnets: number[] = [];
  private syncnets: number[] = [];
  private dataColumnSubnets: number[] = [];
  private started = false;
  /** Messages IGNOREd only for timing (unknown voted block, future slot), validated again later (retryQueue.ts). */
  readonly retryQueue: GossipRetryQueue<PendingGossip>;
  /**
   * Received messages waiting for validation, drained in event-loop turns of bounded work in priority order
   * (processQueue.ts): a burst of messages does not hold the event loop.
   */
  readonly processQueue: GossipProcessQueue<QueuedGossip>;
  /** Verdicts and validation times (`--metrics`: modules.metricsHook). */
  readonly metricsHook: GossipMetricsHook | null;
  /** The light-client updates forwarded so far (validated or published). */
  readonly lightClientState = new LightClientGossipState();
  /** Publishes the node's new light-client updates (null without the light-client server). */
  readonly lightClientPublisher: LightClientGossipPublisher | null;

  constructor(modules: GossipHandlerModules) {
    this.pubsub = modules.pubsub;
    this.metricsHook = modules.metricsHook ?? null;
    const router = modules.pubsub as unknown as Partial<GossipsubRouter>;
    if (typeof router.reportMessageValidationResult !== "function") {
      throw Error("the pubsub service does not support reportMessageValidationResult (not gossipsub?)");
    }
    this.router = router as GossipsubRouter;
    this.config = modules.config;
    this.chain = modules.chain;
    this.logger = modules.logger;
    this.reporter = modules.reporter;
    this.da = modules.da;
    this.onUnknownBlockParent = modules.onUnknownBlockParent;
    this.messageIds = modules.messageIds ?? new GossipMessageIds(modules.config);
    this.seen = modules.seen ?? new GossipSeenCaches();
    this.opPool = modules.chain.opPool;
    this.ctx = {chain: modules.chain, seen: this.seen};
    this.handlers = this.createHandlers();
    const received = {} as Record<GossipType, GossipCounters>;
    const published = {} as Record<GossipType, number>;
    for (const type of Object.values(GossipType)) {
      received[type] = {accepted: 0, ignored: 0, rejected: 0};
      published[type] = 0;
    }
    this.metrics = {received, published, internalErrors: 0};
    this.retryQueue = new GossipRetryQueue({
      maxAgeMs: 2 * modules.chain.clock.slotDurationMs,
      now: () => modules.chain.clock.now,
    });
    this.processQueue = new GossipProcessQueue<QueuedGossip>({
      run: (item) => {
        if (item.kind === "retry") {
          void this.retry(item.pending);
          return;
        }
        this.handleMessage(item.message, item.t0).catch((e) => {
          this.metrics.internalErrors++;
          this.logger.warn("Gossip message handling failed", {error: (e as Error).message});
        });
      },
      onDrop: (item) => {
        if (item.kind === "retry") {
          this.reportIgnoredLate(item.pending);
          return;
        }
        const {message, t0} = item;
        const payload = this.messageIds.payloadOf(message.msg);
        this.report(
          message.msgId,
          message.propagationSource.toString(),
          payload.topic,
          new GossipValidationError("IGNORE", "QUEUE_FULL", "the validation queue of its topic was full"),
          t0,
        );
      },
      turnBudgetMs: modules.processTurnBudgetMs,
    });
    this.lightClientPublisher =
      modules.lightClientServer === false
        ? null
        : new LightClientGossipPublisher({
            chain: modules.chain,
            state: this.lightClientState,
            target: this,
            logger: modules.logger,
          });
  }

  /** Listens to gossip and subscribes the topics of the current slot's fork digests. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.pubsub.addEventListener("gossipsub:message", this.onGossipMessage);
    this.chain.emitter.on("block", this.onBlockImported);
    this.lightClientPublisher?.start();
    this.updateSubscriptions(this.chain.clock.currentSlot);
  }

  /** Stops listening and unsubscribes every topic. */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.pubsub.removeEventListener("gossipsub:message", this.onGossipMessage);
    this.chain.emitter.off("block", this.onBlockImported);
    this.lightClientPublisher?.stop();
    this.processQueue.dropAll();
    for (const p of this.retryQueue.takeAll()) this.reportIgnoredLate(p);
    for (const {topics} of this.topicsByDigest.values()) for (const t of topics) this.pubsub.unsubscribe(t);
    this.topicsByDigest.clear();
  }

  /**
   * Once per slot: topics of the fork digests active within two epochs of now (the next fork's topics two
   * epochs early, the previous fork's until two epochs after), seen-cache pruning and retries. (The chain prunes
   * its pools and applies pending votes in its own onSlot.)
   */
  onSlot(slot: number): void {
    if (this.started) this.updateSubscriptions(slot);
    this.seen.prune(
      slot,
      computeStartSlotAtEpoch(this.chain.finalizedCheckpoint.epoch),
      this.chain.config.ATTESTATION_PROPAGATION_SLOT_RANGE,
    );
    for (const p of this.retryQueue.takeExpired()) this.reportIgnoredLate(p);
    for (const p of this.retryQueue.takeForSlot(slot))
      this.processQueue.push(p.topic.type, {kind: "retry", pending: p});
  }

  /** The attestation subnets to be subscribed (the full set: long-lived and duty subnets). */
  subscribeAttnets(subnets: number[]): void {
    this.attnets = [...new Set(subnets)];
    this.refreshAllDigests();
  }

  /** The sync committee subnets to be subscribed (the full set). */
  subscribeSyncnets(subnets: number[]): void {
    this.syncnets = [...new Set(subnets)];
    this.refreshAllDigests();
  }

  /** The data column sidecar subnets to be subscribed from fulu (custody and sampling; the full set). */
  subscribeDataColumnSubnets(subnets: number[]): void {
    this.dataColumnSubnets = [...new Set(subnets)];
    this.refreshAllDigests();
  }

  /** Topic strings currently subscribed. */
  getSubscribedTopics(): string[] {
    return [...this.topicsByDigest.values()].flatMap(({topics}) => [...topics]);
  }

  // ---------------------------------------------------------------- subscriptions

  private updateSubscriptions(slot: number): void {
    const epoch = computeEpochAtSlot(slot);
    const wanted = new Map<string, ForkName>();
    for (let e = Math.max(0, epoch - 2); e <= epoch + 2; e++) {
      wanted.set(this.messageIds.digests.digestAt(e), this.config.getForkNameAtEpoch(e));
    }
    for (const [digest, entry] of this.topicsByDigest) {
      if (wanted.has(digest)) continue;
      for (const t of entry.topics) this.pubsub.unsubscribe(t);
      this.topicsByDigest.delete(digest);
      this.logger.info("Unsubscribed gossip topics of a past fork digest", {digest, fork: entry.fork});
    }
    for (const [digest, fork] of wanted) {
      if (!this.topicsByDigest.has(digest)) {
        this.topicsByDigest.set(digest, {fork, topics: new Set()});
        this.logger.info("Subscribing gossip topics", {digest, fork});
      }
      this.refreshDigest(digest);
    }
  }

  private refreshAllDigests(): void {
    for (const digest of this.topicsByDigest.keys()) this.refreshDigest(digest);
  }

  /** Subscribes / unsubscribes the topics of one digest to match the core topics and the subnet sets. */
  private refreshDigest(digest: string): void {
    const entry = this.topicsByDigest.get(digest);
    if (entry === undefined) return;
    const {fork} = entry;
    const want = new Set<string>();
    for (const topic of coreGossipTopics(this.config.chain, fork, digest)) {
      if (this.lightClientPublisher === null && topic.type.startsWith("light_client_")) continue;
      want.add(stringifyGossipTopic(topic));
    }
    const subnetTopics: [GossipTopic["type"], number[]][] = [
      ["beacon_attestation", this.attnets],
      ["sync_committee", this.syncnets],
      ["data_column_sidecar", this.dataColumnSubnets],
    ];
    for (const [type, subnets] of subnetTopics) {
      if (!isGossipTypeActive(fork, type)) continue;
      for (const subnet of subnets) {
        want.add(stringifyGossipTopic({type, fork, forkDigest: digest, subnet} as GossipTopic));
      }
    }
    for (const t of entry.topics) {
      if (!want.has(t)) {
        this.pubsub.unsubscribe(t);
        entry.topics.delete(t);
      }
    }
    for (const t of want) {
      if (!entry.topics.has(t)) {
        this.pubsub.subscribe(t);
        entry.topics.add(t);
      }
    }
  }

  // ---------------------------------------------------------------- receiving

  /** A message from gossipsub waits in the process queue of its topic type (the payload was decoded for its id). */
  private readonly onGossipMessage = (evt: CustomEvent<GossipsubMessage>): void => {
    const t0 = performance.now();
    const type = this.messageIds.payloadOf(evt.detail.msg).topic?.type ?? "unknown";
    this.processQueue.push(type, {kind: "received", message: evt.detail, t0});
  };

  /** Decodes and validates one message, reports the verdict, hands an ACCEPTed one to the chain (t0: arrival). */
  private async handleMessage({msg, msgId, propagationSource}: GossipsubMessage, t0: number): Promise<void> {
    const peer = propagationSource.toString();
    const payload = this.messageIds.payloadOf(msg);
    if (!payload.ok) {
      this.report(
        msgId,
        peer,
        payload.topic,
        new GossipValidationError("REJECT", "INVALID_PAYLOAD", payload.error),
        t0,
      );
      return;
    }
    const {topic, sszBytes} = payload;
    let value: GossipTypeMap[GossipType];
    try {
      value = deserializeGossipSsz(topic, sszBytes);
    } catch (e) {
      this.report(msgId, peer, topic, new GossipValidationError("REJECT", "INVALID_SSZ", (e as Error).message), t0);
      return;
    }
    let onAccept: GossipOnAccept;
    try {
      onAccept = await this.validate(topic, value, peer);
    } catch (e) {
      if (e instanceof GossipValidationError) {
        const wait = retryWaitOf(topic.type, value, e);
        if (wait !== null && this.started) {
          // the verdict waits with the message (gossipsub keeps it unforwarded until then)
          for (const p of this.retryQueue.add(topic.type, wait, {msgId, peer, topic, value, t0})) {
            this.reportIgnoredLate(p);
          }
          return;
        }
        this.report(msgId, peer, topic, e, t0);
      } else {
        this.metrics.internalErrors++;
        this.logger.warn("Gossip validation error", {topic: msg.topic, error: (e as Error).message});
        this.report(
          msgId,
          peer,
          topic,
          new GossipValidationError("IGNORE", "INTERNAL_ERROR", (e as Error).message),
          t0,
        );
      }
      return;
    }
    this.report(msgId, peer, topic, null, t0);
    await onAccept();
    if (topic.type === "beacon_block") this.metricsHook?.gossipBlockHandled((performance.now() - t0) / 1000);
  }

  private readonly onBlockImported = ({block}: {block: string}): void => {
    for (const p of this.retryQueue.takeForBlock(block))
      this.processQueue.push(p.topic.type, {kind: "retry", pending: p});
  };

  /** Validates a queued message again and reports the new verdict (a second timing IGNORE is final). */
  private async retry(p: PendingGossip): Promise<void> {
    this.retryQueue.counts.retried++;
    let onAccept: GossipOnAccept;
    try {
      onAccept = await this.validate(p.topic, p.value, p.peer);
    } catch (e) {
      const error =
        e instanceof GossipValidationError
          ? e
          : new GossipValidationError("IGNORE", "INTERNAL_ERROR", (e as Error).message);
      this.report(p.msgId, p.peer, p.topic, error, p.t0);
      return;
    }
    this.report(p.msgId, p.peer, p.topic, null, p.t0);
    try {
      await onAccept();
    } catch (e) {
      this.logger.warn("Queued gossip message handling failed", {type: p.topic.type, error: (e as Error).message});
    }
  }

  private reportIgnoredLate(p: PendingGossip): void {
    this.report(
      p.msgId,
      p.peer,
      p.topic,
      new GossipValidationError("IGNORE", "RETRY_EXPIRED", "waited too long"),
      p.t0,
    );
  }

  /** Tells gossipsub the verdict (ACCEPT when `error` is null), counts it and penalises REJECTed senders. */
  private report(
    msgId: string,
    peer: PeerIdStr,
    topic: GossipTopic | null,
    error: GossipValidationError | null,
    t0: number,
  ): void {
    const counters = topic !== null ? this.metrics.received[topic.type] : null;
    if (this.metricsHook !== null) {
      const verdict = error === null ? "accept" : error.acceptance === "IGNORE" ? "ignore" : "reject";
      this.metricsHook.gossipMessage(topic?.type ?? "unknown", verdict, (performance.now() - t0) / 1000);
    }
    if (error === null) {
      this.router.reportMessageValidationResult(msgId, peer, TopicValidatorResult.Accept);
      if (counters !== null) counters.accepted++;
      return;
    }
    const type = topic?.type ?? "unknown";
    if (error.acceptance === "IGNORE") {
      this.router.reportMessageValidationResult(msgId, peer, TopicValidatorResult.Ignore);
      if (counters !== null) counters.ignored++;
      this.logger.debug("Gossip message ignored", {type, peer, code: error.code, reason: error.message});
      return;
    }
    this.router.reportMessageValidationResult(msgId, peer, TopicValidatorResult.Reject);
    if (counters !== null) counters.rejected++;
    this.reporter.reportPeer(peer, "lowTolerance", `gossip ${type} ${error.code}`);
    this.logger.debug("Gossip message rejected", {type, peer, code: error.code, reason: error.message});
  }

  /** Validates a decoded message of its topic with the topic's handler; returns what to do with it once ACCEPTed. */
  private validate(topic: GossipTopic, value: GossipTypeMap[GossipType], peer: PeerIdStr): Promise<GossipOnAccept> {
    return runGossipHandler(this.handlers, topic.type, value, {topic, peer});
  }

  /** One handler per topic type (GossipHandlers: a topic type without a handler does not compile). */
  private createHandlers(): GossipHandlers {
    const ctx = this.ctx;
    return {
      beacon_block: async (block, {topic, peer}) => {
        let validated: Awaited<ReturnType<typeof validateBeaconBlockGossip>>;
        try {
          validated = await validateBeaconBlockGossip(ctx, block, topic.fork);
        } catch (e) {
          if (e instanceof GossipValidationError && e.code === "PARENT_UNKNOWN")
            this.onUnknownBlockParent?.(block, peer);
          throw e;
        }
        return () => this.importGossipBlock(validated, peer);
      },
      beacon_aggregate_and_proof: async (signed, {topic}) => {
        const validated = await validateBeaconAggregateAndProofGossip(ctx, topic.fork, signed);
        // blocks this node proposes carry the network's aggregates; fork choice takes the votes
        return () => this.chain.onAggregate(validated.aggregate, validated.committeeIndex, validated.attestingIndices);
      },
      beacon_attestation: async (att, {topic}) => {
        const validated = await validateBeaconAttestationGossip(ctx, topic.fork, att, subnetOf(topic));
        // committee and signature verified: the chain takes it as it is (no second signature check)
        return () => this.chain.onGossipAttestation(validated);
      },
      voluntary_exit: async (exit) => {
        await validateVoluntaryExitGossip(ctx, exit);
        return () => this.chain.addVoluntaryExit(exit);
      },
      proposer_slashing: async (slashing) => {
        await validateProposerSlashingGossip(ctx, slashing);
        return () => this.chain.addProposerSlashing(slashing);
      },
      attester_slashing: async (slashing) => {
        const indices = await validateAttesterSlashingGossip(ctx, slashing);
        return () => this.chain.onAttesterSlashing(slashing, indices);
      },
      sync_committee_contribution_and_proof: async (signed) => {
        await validateSyncCommitteeContributionAndProofGossip(ctx, signed);
        return () => this.chain.addSyncContribution(signed.message.contribution);
      },
      sync_committee: async (msg, {topic}) => {
        await validateSyncCommitteeMessageGossip(ctx, msg, subnetOf(topic));
        return () => this.chain.addVerifiedSyncCommitteeMessage(msg);
      },
      bls_to_execution_change: async (change) => {
        await validateBlsToExecutionChangeGossip(ctx, change);
        return () => this.chain.addBlsToExecutionChange(change);
      },
      blob_sidecar: async (sidecar, {topic, peer}) => {
        // the DA module validates (validation/blobSidecar.ts) and records the sidecar (chain/da gossipAdapter.ts)
        const hook = this.da?.onGossipBlobSidecar;
        if (hook === undefined) throw new GossipValidationError("IGNORE", "NO_DATA_AVAILABILITY", "no blob module");
        await hook.call(this.da, sidecar, subnetOf(topic), peer);
        return () => {};
      },
      data_column_sidecar: async (sidecar, {topic, peer}) => {
        // the DA module validates (validation/dataColumnSidecar.ts) and records the sidecar (chain/da gossipAdapter.ts)
        const hook = this.da?.onGossipDataColumnSidecar;
        if (hook === undefined) throw new GossipValidationError("IGNORE", "NO_DATA_AVAILABILITY", "no PeerDAS module");
        await hook.call(this.da, sidecar, subnetOf(topic), peer);
        return () => {};
      },
      light_client_finality_update: async (update, {topic}) => {
        const bytes = gossipSszType(topic.fork, "light_client_finality_update").serialize(update);
        checkLightClientTopicDigest(ctx, topic.forkDigest, update);
        validateLightClientFinalityUpdateGossip(ctx, this.lightClientState, update, bytes);
        return () => {};
      },
      light_client_optimistic_update: async (update, {topic}) => {
        const bytes = gossipSszType(topic.fork, "light_client_optimistic_update").serialize(update);
        checkLightClientTopicDigest(ctx, topic.forkDigest, update);
        validateLightClientOptimisticUpdateGossip(ctx, this.lightClientState, update, bytes);
        return () => {};
      },
    };
  }

  /** Imports a block that passed gossip validation; a block failing import marks its root invalid. */
  private async importGossipBlock(verified: GossipVerifiedBlock, peer: PeerIdStr): Promise<void> {
    const {signedBlock: block, blockRoot, blockRootHex} = verified;
    const commitments = (block.message.body as {blobKzgCommitments?: Uint8Array[]}).blobKzgCommitments ?? [];
    let dataAvailable: boolean | undefined;
    if (commitments.length > 0 && this.da?.isDataAvailable !== undefined) {
      dataAvailable = await this.da.isDataAvailable(block, blockRoot);
    }
    try {
      await this.chain.importBlock(verified, {dataAvailable});
      this.logger.debug("Imported gossip block", {slot: block.message.slot, root: blockRootHex});
    } catch (e) {
      if (!(e instanceof BlockError)) throw e;
      if (e.code === "ALREADY_KNOWN") return;
      if (e.code === "PARENT_UNKNOWN") {
        this.onUnknownBlockParent?.(block, peer);
        return;
      }
      if (e.code === "EXECUTION_INVALID") {
        // an invalid payload is no reason to penalise the sender (bellatrix p2p-interface.md)
        this.seen.invalidBlocks.add(blockRootHex, "execution");
      } else if (INVALID_BLOCK_CODES.has(e.code)) {
        this.seen.invalidBlocks.add(blockRootHex, "consensus");
        this.reporter.reportPeer(peer, "lowTolerance", `gossip block ${e.code}`);
      }
      this.logger.warn("Gossip block not imported", {slot: block.message.slot, root: blockRootHex, error: e.message});
    }
  }

  // ---------------------------------------------------------------- publishing

  /** The topic of a message kind for the fork digest of `epoch`. */
  private topicAt<T extends GossipType>(epoch: number, type: T, subnet?: number): GossipTopic & {type: T} {
    const fork = this.config.getForkNameAtEpoch(epoch);
    const forkDigest = this.messageIds.digests.digestAt(epoch);
    return (subnet === undefined ? {type, fork, forkDigest} : {type, fork, forkDigest, subnet}) as GossipTopic & {
      type: T;
    };
  }

  /** Serializes with the topic's SSZ type, compresses and publishes; returns the number of peers sent to. */
  private async publishObject<T extends GossipType>(
    topic: GossipTopic & {type: T},
    value: NoInfer<GossipTypeMap[T]>,
  ): Promise<number> {
    const sszBytes = gossipSszType(topic.fork, topic.type).serialize(value);
    const result = await this.pubsub.publish(stringifyGossipTopic(topic), compressGossipPayload(sszBytes));
    this.metrics.published[topic.type]++;
    return result.recipients.length;
  }

  /** Publishes a block on beacon_block of its epoch's digest (and marks its proposer slot seen). */
  publishBlock(signedBlock: SignedBeaconBlockAllForks): Promise<number> {
    const block = signedBlock.message;
    this.seen.proposerSlots.add(block.slot, String(block.proposerIndex));
    return this.publishObject(this.topicAt(computeEpochAtSlot(block.slot), "beacon_block"), signedBlock);
  }

  /**
   * Publishes an unaggregated attestation (phase0 Attestation with one bit, electra SingleAttestation) on its
   * subnet, computed from the target checkpoint's shuffling unless given.
   */
  publishAttestation(attestation: AttestationPhase0 | SingleAttestationValue, subnet?: number): Promise<number> {
    const {data} = attestation;
    const epoch = computeEpochAtSlot(data.slot);
    const single = "attesterIndex" in attestation;
    const committeeIndex = single ? attestation.committeeIndex : data.index;
    const state = this.chain.forkChoice.getCheckpointState({
      epoch: data.target.epoch,
      root: toRootHex(data.target.root),
    });
    const committeesPerSlot = state.epochCtx.getCommitteeCountPerSlot(data.target.epoch);
    const committee = state.epochCtx.getBeaconCommittee(data.slot, committeeIndex);
    const attester = single
      ? attestation.attesterIndex
      : committee[(attestation as AttestationPhase0).aggregationBits.getTrueBitIndexes()[0]];
    if (attester !== undefined) this.seen.attestationValidatorEpochs.add(data.target.epoch, String(attester));
    const sub = subnet ?? computeSubnetForAttestation(this.config.chain, committeesPerSlot, data.slot, committeeIndex);
    return this.publishObject(this.topicAt(epoch, "beacon_attestation", sub), attestation);
  }

  /** Publishes a SignedAggregateAndProof (phase0 or electra); the caller gives the aggregate to the chain. */
  publishAggregateAndProof(signed: SignedAggregateAndProofValue): Promise<number> {
    const {aggregate, aggregatorIndex} = signed.message;
    const {data} = aggregate;
    const committeeBits = (aggregate as {committeeBits?: {getTrueBitIndexes(): number[]}}).committeeBits;
    const committeeIndex = committeeBits !== undefined ? (committeeBits.getTrueBitIndexes()[0] ?? 0) : data.index;
    const dataRootHex = toRootHex(ssz.phase0.AttestationData.hashTreeRoot(data));
    const key = committeeBits !== undefined ? `${dataRootHex}:${committeeIndex}` : dataRootHex;
    this.seen.aggregatorEpochs.add(data.target.epoch, String(aggregatorIndex));
    this.seen.aggregateDataRoots.add(data.slot, key, aggregate.aggregationBits.uint8Array);
    return this.publishObject(this.topicAt(computeEpochAtSlot(data.slot), "beacon_aggregate_and_proof"), signed);
  }

  /**
   * Publishes a SyncCommitteeMessage on every subnet of the validator's sync committee positions (or the given
   * one); returns the peers reached over all of them.
   */
  async publishSyncCommitteeMessage(msg: SyncCommitteeMessageValue, subnet?: number): Promise<number> {
    const subnets =
      subnet !== undefined
        ? [subnet]
        : computeSubnetsForSyncCommittee(this.chain.getHeadState(), msg.validatorIndex, msg.slot);
    let sent = 0;
    for (const s of subnets) {
      this.seen.syncMessageValidatorSlots.add(msg.slot, `${msg.validatorIndex}:${s}`);
      sent += await this.publishObject(this.topicAt(computeEpochAtSlot(msg.slot), "sync_committee", s), msg);
    }
    return sent;
  }

  publishContributionAndProof(signed: SignedContributionAndProofValue): Promise<number> {
    const {contribution, aggregatorIndex} = signed.message;
    this.seen.syncContributionAggregatorSlots.add(
      contribution.slot,
      `${aggregatorIndex}:${contribution.subcommitteeIndex}`,
    );
    this.seen.syncContributionData.add(
      contribution.slot,
      `${Buffer.from(contribution.beaconBlockRoot).toString("hex")}:${contribution.subcommitteeIndex}`,
      contribution.aggregationBits.uint8Array,
    );
    return this.publishObject(
      this.topicAt(computeEpochAtSlot(contribution.slot), "sync_committee_contribution_and_proof"),
      signed,
    );
  }

  publishVoluntaryExit(exit: SignedVoluntaryExit): Promise<number> {
    this.seen.voluntaryExitIndices.add(exit.message.validatorIndex);
    return this.publishObject(this.topicAt(this.chain.clock.currentEpoch, "voluntary_exit"), exit);
  }

  publishProposerSlashing(slashing: ProposerSlashing): Promise<number> {
    this.seen.proposerSlashingIndices.add(slashing.signedHeader1.message.proposerIndex);
    return this.publishObject(this.topicAt(this.chain.clock.currentEpoch, "proposer_slashing"), slashing);
  }

  publishAttesterSlashing(slashing: AttesterSlashingLike): Promise<number> {
    const indices2 = new Set(slashing.attestation2.attestingIndices);
    const indices = slashing.attestation1.attestingIndices.filter((i) => indices2.has(i));
    for (const i of indices) this.seen.attesterSlashingIndices.add(i);
    return this.publishObject(this.topicAt(this.chain.clock.currentEpoch, "attester_slashing"), slashing);
  }

  publishBlsToExecutionChange(change: SignedBLSToExecutionChange): Promise<number> {
    this.seen.blsToExecutionChangeIndices.add(change.message.validatorIndex);
    return this.publishObject(this.topicAt(this.chain.clock.currentEpoch, "bls_to_execution_change"), change);
  }

  /** Publishes a BlobSidecar on blob_sidecar_{compute_subnet_for_blob_sidecar(index)} of its block's epoch. */
  publishBlobSidecar(sidecar: BlobSidecar): Promise<number> {
    const header = sidecar.signedBlockHeader.message;
    const epoch = computeEpochAtSlot(header.slot);
    const fork = this.config.getForkNameAtEpoch(epoch);
    this.seen.blobSidecarTuples.add(header.slot, `${header.proposerIndex}:${sidecar.index}`);
    const subnet = computeSubnetForBlobSidecar(this.config.chain, fork, sidecar.index);
    return this.publishObject(this.topicAt(epoch, "blob_sidecar", subnet), sidecar);
  }

  /**
   * Publishes a LightClientFinalityUpdate on light_client_finality_update of the digest of its attested header's
   * epoch (the ForkDigest context of the topic). Callers record it in `lightClientState` (forwarded).
   */
  publishLightClientFinalityUpdate(update: {data: LightClientFinalityUpdateValue}): Promise<number> {
    const epoch = computeEpochAtSlot(update.data.attestedHeader.beacon.slot);
    return this.publishObject(this.topicAt(epoch, "light_client_finality_update"), update.data);
  }

  /** Publishes a LightClientOptimisticUpdate on light_client_optimistic_update (digest of the attested epoch). */
  publishLightClientOptimisticUpdate(update: {data: LightClientOptimisticUpdateValue}): Promise<number> {
    const epoch = computeEpochAtSlot(update.data.attestedHeader.beacon.slot);
    return this.publishObject(this.topicAt(epoch, "light_client_optimistic_update"), update.data);
  }

  /** Publishes a DataColumnSidecar on data_column_sidecar_{compute_subnet_for_data_column_sidecar(index)}. */
  publishDataColumnSidecar(sidecar: DataColumnSidecar): Promise<number> {
    const header = sidecar.signedBlockHeader.message;
    this.seen.dataColumnSidecarTuples.add(header.slot, `${header.proposerIndex}:${sidecar.index}`);
    const subnet = computeSubnetForDataColumnSidecar(this.config.chain, sidecar.index);
    return this.publishObject(this.topicAt(computeEpochAtSlot(header.slot), "data_column_sidecar", subnet), sidecar);
  }
}
