/**
 * Range sync: when peers report a finalized checkpoint or a head ahead of ours, download the blocks in between
 * with BeaconBlocksByRange and import them in slot order (phase0 p2p-interface.md "Status": the client with the
 * lower finalized_epoch / head_slot requests blocks by range from its counterparty).
 *
 * One sync chain runs at a time: first a *finalized* chain to the peers' finalized checkpoint (its start slot
 * and root), then a *head* chain to the peers' head. A chain is cut into batches of `epochsPerBatch` epochs;
 * several batches download at once from different peers while import stays sequential in slot order. A batch
 * that fails to download (error, timeout, malformed response) or to import is retried with another peer, a
 * bounded number of times; a peer whose batch proves bad is reported (`lowTolerance`), and a peer that served
 * an empty batch where the next batch proves blocks existed is reported `midTolerance`. With a
 * `dataAvailability` module (BeaconSync passes SyncDataAvailability) a batch's download includes the blob
 * sidecars / data columns of its blocks, and each block imports with is_data_available of what was fetched.
 *
 * This file is the manager: it picks the target and runs one sync chain (chain.ts: its batches and peers, their
 * download and import) of batches (batch.ts: one batch's state machine) at a time.
 */
import {EventEmitter} from "node:events";
import {toRootHex} from "@ceibo/fork-choice";
import {computeEpochAtSlot, computeStartSlotAtEpoch} from "@ceibo/state-transition";
import {toHex} from "@ceibo/utils";
import type {BeaconChain} from "../../chain/chain.ts";
import {type Logger, silentLogger} from "../../chain/logger.ts";
import type {PeerIdStr, StatusMessage, SyncNetwork} from "../../network/types.ts";
import {perSecond} from "../utils.ts";
import {SyncChain, type SyncChainContext, type SyncTarget} from "./chain.ts";
import {type RangeSyncOpts, type RangeSyncSettings, rangeSyncSettings} from "./options.ts";

export type {BatchDataAvailability} from "./batch.ts";
export type {SyncChainType, SyncTarget} from "./chain.ts";
export {EPOCHS_PER_BATCH, type RangeSyncOpts} from "./options.ts";

/** `stalled`: behind and no peer to sync from; `syncing`: a sync chain runs; `synced`: caught up. */
export type SyncState = "stalled" | "syncing" | "synced";

export interface RangeSyncEvents {
  state: [SyncState];
  /** A sync chain reached its target. */
  chainCompleted: [SyncTarget];
  /** A sync chain was abandoned. */
  chainFailed: [SyncTarget, string];
}

/**
 * Range sync over a SyncNetwork, importing into a BeaconChain. `start()` subscribes to peer statuses; the sync
 * state, distance and the Beacon API /eth/v1/node/syncing view are read from it at any time.
 */
export class RangeSync {
  private readonly chain: BeaconChain;
  private readonly network: SyncNetwork;
  private readonly logger: Logger;
  private readonly settings: RangeSyncSettings;
  readonly slotImportTolerance: number;
  readonly emitter = new EventEmitter<RangeSyncEvents>();

  /** What the running sync chain uses of this manager. */
  private readonly chainContext: SyncChainContext;
  private current: SyncChain | null = null;
  private readonly activeRequests = new Map<PeerIdStr, number>();
  private started = false;
  private stopped = false;
  /** True from the start of a sync chain until no peer is ahead: keeps syncing within the tolerance. */
  private inSession = false;
  private unsubscribe: (() => void) | null = null;
  private progressTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private processingDone: Promise<void> = Promise.resolve();
  /** Heads peers showed us after their last Status (a block they sent that is ahead of ours). */
  private readonly headHints = new Map<PeerIdStr, {slot: number; root: Uint8Array}>();
  private lastState: SyncState | null = null;
  /** Blocks imported by range sync (ALREADY_KNOWN not counted). */
  importedBlocks = 0;
  private progressMark = {time: Date.now(), imported: 0};

  constructor(modules: {chain: BeaconChain; network: SyncNetwork; logger?: Logger}, opts: RangeSyncOpts = {}) {
    this.chain = modules.chain;
    this.network = modules.network;
    this.logger = modules.logger ?? silentLogger;
    this.settings = rangeSyncSettings(opts, this.chain.config);
    this.slotImportTolerance = this.settings.slotImportTolerance;
    this.chainContext = {
      ...this.settings,
      chain: this.chain,
      network: this.network,
      logger: this.logger,
      activeRequests: this.activeRequests,
      isCurrent: (chain) => this.current === chain,
      failChain: (chain, reason) => this.failChain(chain, reason),
      pump: () => this.pump(),
      scheduleRetry: () => this.scheduleRetry(),
      onBlockImported: () => {
        this.importedBlocks++;
      },
    };
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.unsubscribe = this.network.onPeerStatus(() => this.evaluate());
    this.progressTimer = setInterval(() => this.logProgress(), this.settings.progressIntervalMs);
    this.progressTimer.unref();
    this.evaluate();
  }

  /** Stops scheduling; waits for the running import step. Downloads still in flight are ignored. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.progressTimer !== null) clearInterval(this.progressTimer);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.current = null;
    await this.processingDone;
  }

  // ---------------------------------------------------------------- status

  get state(): SyncState {
    if (this.current !== null) return "syncing";
    if (this.syncDistance <= this.slotImportTolerance) return "synced";
    const peers = this.syncPeers();
    if (peers.length > 0 && this.findTarget(peers, 0) === null) return "synced";
    return "stalled";
  }

  /** Slots between the wall clock and our head. */
  get syncDistance(): number {
    return Math.max(0, this.chain.clock.currentSlot - this.chain.head.slot);
  }

  /** Whether the head was imported optimistically (its payload not yet validated by the engine). */
  get isOptimistic(): boolean {
    return this.chain.head.executionStatus === "syncing";
  }

  /** The running chain's target, if any. */
  get target(): SyncTarget | null {
    return this.current?.target ?? null;
  }

  /**
   * A peer showed us a block at `slot` (e.g. a gossip block too far ahead for the unknown-block lookup): treat it
   * as that peer's head until its next Status says more, and re-evaluate.
   */
  onPeerHasBlock(peer: PeerIdStr, slot: number, root: Uint8Array): void {
    const hint = this.headHints.get(peer);
    if (hint === undefined || slot > hint.slot) this.headHints.set(peer, {slot, root});
    this.evaluate();
  }

  /** Connected sync peers with their Status, heads raised by newer hints. */
  private syncPeers(): {peer: PeerIdStr; status: StatusMessage}[] {
    const peers = this.network.getSyncPeers();
    const connected = new Set<PeerIdStr>();
    const out = peers.map(({peer, status}) => {
      connected.add(peer);
      const hint = this.headHints.get(peer);
      if (hint === undefined) return {peer, status};
      if (hint.slot <= status.headSlot) {
        this.headHints.delete(peer);
        return {peer, status};
      }
      return {peer, status: {...status, headSlot: hint.slot, headRoot: hint.root}};
    });
    for (const peer of this.headHints.keys()) if (!connected.has(peer)) this.headHints.delete(peer);
    return out;
  }

  // ---------------------------------------------------------------- choosing what to sync

  /**
   * Which chain to sync, from the peers' statuses: the finalized checkpoint most peers agree on, when it is
   * ahead of ours and unknown to us; else the highest head ahead of ours by more than `tolerance` slots.
   */
  private findTarget(
    peers: {peer: PeerIdStr; status: StatusMessage}[],
    tolerance: number,
  ): {target: SyncTarget; peers: PeerIdStr[]} | null {
    const fc = this.chain.forkChoice;
    const localFinalizedEpoch = this.chain.finalizedCheckpoint.epoch;
    const localHeadSlot = this.chain.head.slot;
    const finalizedGroups = new Map<string, {epoch: number; root: Uint8Array; peers: PeerIdStr[]}>();
    const headPeers: {peer: PeerIdStr; status: StatusMessage}[] = [];
    for (const {peer, status} of peers) {
      if (status.finalizedEpoch > localFinalizedEpoch && !fc.hasBlock(toHex(status.finalizedRoot))) {
        const key = `${status.finalizedEpoch}:${toHex(status.finalizedRoot)}`;
        let group = finalizedGroups.get(key);
        if (group === undefined) {
          group = {epoch: status.finalizedEpoch, root: status.finalizedRoot, peers: []};
          finalizedGroups.set(key, group);
        }
        group.peers.push(peer);
      } else if (status.headSlot > localHeadSlot + tolerance && !fc.hasBlock(toHex(status.headRoot))) {
        headPeers.push({peer, status});
      }
    }
    let best: {epoch: number; root: Uint8Array; peers: PeerIdStr[]} | null = null;
    for (const g of finalizedGroups.values()) {
      if (
        best === null ||
        g.peers.length > best.peers.length ||
        (g.peers.length === best.peers.length && g.epoch > best.epoch)
      ) {
        best = g;
      }
    }
    if (best !== null) {
      // peers that finalized further on have the blocks too
      const more = peers.filter((p) => p.status.finalizedEpoch > (best as {epoch: number}).epoch).map((p) => p.peer);
      return {
        target: {type: "finalized", slot: computeStartSlotAtEpoch(best.epoch), root: best.root, epoch: best.epoch},
        peers: [...new Set([...best.peers, ...more])],
      };
    }
    if (headPeers.length > 0) {
      const top = headPeers.reduce((a, b) => (b.status.headSlot > a.status.headSlot ? b : a));
      return {
        target: {type: "head", slot: top.status.headSlot, root: top.status.headRoot},
        peers: headPeers.map((p) => p.peer),
      };
    }
    return null;
  }

  /** Starts a sync chain if peers are ahead, or adds newly seen peers to the running one. */
  private evaluate(): void {
    if (this.stopped || !this.started) return;
    const peers = this.syncPeers();
    const current = this.current;
    if (current !== null) {
      for (const {peer, status} of peers) {
        if (current.peerFits(status)) current.peers.add(peer);
      }
      this.pump();
      this.emitState();
      return;
    }
    const found = this.findTarget(peers, this.inSession ? 0 : this.slotImportTolerance);
    if (found === null) {
      this.inSession = false;
      this.emitState();
      return;
    }
    const {target} = found;
    const finalizedStart = computeStartSlotAtEpoch(this.chain.finalizedCheckpoint.epoch);
    const startSlot =
      target.type === "finalized"
        ? finalizedStart
        : Math.max(finalizedStart, computeStartSlotAtEpoch(computeEpochAtSlot(this.chain.head.slot)));
    const chain = new SyncChain(target, startSlot, this.chainContext);
    for (const p of found.peers) chain.peers.add(p);
    this.current = chain;
    this.inSession = true;
    this.progressMark = {time: Date.now(), imported: this.importedBlocks};
    this.logger.info("Range sync started", {
      type: target.type,
      startSlot,
      targetSlot: target.slot,
      targetRoot: toHex(target.root),
      peers: chain.peers.size,
    });
    this.emitState();
    this.pump();
  }

  // ---------------------------------------------------------------- scheduling

  /** Creates batches up to the buffer size, starts downloads on free peers and the next import. */
  private pump(): void {
    const chain = this.current;
    if (chain === null || this.stopped) return;
    let buffered = chain.batches.filter((b) => b.status !== "done").length;
    while (buffered < this.settings.maxBufferedBatches && chain.newBatch(this.settings.batchSlots) !== null) buffered++;
    // drop finished batches at the front once a later non-empty batch imported (it proves they were complete)
    while (
      chain.batches.length > 1 &&
      chain.batches[0].status === "done" &&
      chain.batches[1].status === "done" &&
      chain.batches[1].blocks.length > 0
    ) {
      chain.batches.shift();
    }

    const statuses = new Map(this.syncPeers().map((p) => [p.peer, p.status]));
    for (const batch of chain.batches) {
      if (batch.status !== "pending") continue;
      const peer = chain.pickPeer(batch, statuses);
      if (peer !== null) chain.download(batch, peer);
    }

    if (!chain.processing && Date.now() >= chain.pausedUntil) {
      const next = chain.batches.find((b) => b.status !== "done");
      if (next?.status === "downloaded") {
        chain.processing = true;
        this.processingDone = chain.process(next).finally(() => {
          chain.processing = false;
          this.pump();
        });
      }
    }

    if (chain.isComplete) {
      this.onChainComplete(chain);
      return;
    }
    const pending = chain.batches.find((b) => b.status === "pending");
    const busy = chain.processing || chain.batches.some((b) => b.status === "downloading");
    if (pending !== undefined && !busy && this.activeRequests.size === 0) {
      // nothing in flight and no peer can take the next batch: give up on this chain (re-evaluated later)
      this.failChain(chain, `no peer can serve the batch at slot ${pending.startSlot}`);
    }
  }

  // ---------------------------------------------------------------- chain end

  private onChainComplete(chain: SyncChain): void {
    if (this.current !== chain) return;
    const {target} = chain;
    // the peers' finalized block must be among what we imported (or we finalized at or past its epoch ourselves)
    if (
      target.type === "finalized" &&
      !this.chain.forkChoice.hasBlock(toRootHex(target.root)) &&
      this.chain.finalizedCheckpoint.epoch < (target.epoch ?? 0)
    ) {
      this.failChain(
        chain,
        `imported up to slot ${target.slot} but the finalized block ${toHex(target.root)} is not among the blocks`,
      );
      return;
    }
    this.current = null;
    this.logger.info("Range sync chain done", {
      type: target.type,
      targetSlot: target.slot,
      headSlot: this.chain.head.slot,
    });
    this.emitter.emit("chainCompleted", target);
    this.evaluate();
  }

  private failChain(chain: SyncChain, reason: string): void {
    if (this.current !== chain) return;
    this.current = null;
    this.logger.warn("Range sync chain abandoned", {type: chain.target.type, targetSlot: chain.target.slot, reason});
    this.emitter.emit("chainFailed", chain.target, reason);
    this.emitState();
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer !== null) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.current !== null) this.pump();
      else this.evaluate();
    }, this.settings.retryDelayMs);
    this.retryTimer.unref();
  }

  private emitState(): void {
    const state = this.state;
    if (state === this.lastState) return;
    this.lastState = state;
    this.logger.info("Sync state", {state, headSlot: this.chain.head.slot, syncDistance: this.syncDistance});
    this.emitter.emit("state", state);
  }

  private logProgress(): void {
    const chain = this.current;
    if (chain === null) return;
    const now = Date.now();
    const rate = perSecond(this.importedBlocks - this.progressMark.imported, now - this.progressMark.time);
    this.progressMark = {time: now, imported: this.importedBlocks};
    const peers = [...chain.peers].filter((p) => this.network.getSyncPeers().some((s) => s.peer === p)).length;
    this.logger.info(`Syncing: slot ${this.chain.head.slot}/${chain.target.slot} (${rate} blocks/s, ${peers} peers)`);
  }
}
