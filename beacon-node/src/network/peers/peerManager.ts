/**
 * The peer manager: the lifecycle of every connection after libp2p set it up.
 *
 * - Handshake (phase0 p2p-interface.md Status): the dialer sends Status at once; an inbound peer that has not sent
 *   one within `inboundStatusTimeoutMs` is asked. A peer on another fork digest, or whose finalized checkpoint is
 *   not on our finalized chain, gets Goodbye IRRELEVANT_NETWORK and is disconnected. Then MetaData is fetched.
 * - Liveness: Ping every `pingIntervalMs` (MetaData re-fetched when the peer's seq_number moved), Status again
 *   every `statusIntervalMs` (sync sees every new Status through `onPeerStatus`).
 * - Scores (score.ts): reports (PeerReporter) and the gossipsub score; at or below the disconnect threshold
 *   Goodbye BAD_SCORE, at or below the ban threshold Goodbye BANNED and the peer is refused (see `isBanned`, used
 *   by the libp2p connection gater) until its score decays.
 * - Peer count: discovery while below `targetPeers` (and for subnets with too few peers), pruning above it with
 *   Goodbye TOO_MANY_PEERS (the least useful for our subnets and lowest scored first; static peers are kept).
 * - Persistence: relevant peers go to `peersFile` (persistedPeers.ts) and are dialed again on start.
 */

import type {BeaconConfig} from "@ceibo/config";
import {ForkSeq} from "@ceibo/params";
import type {Logger} from "@ceibo/utils";
import {fromHex, setBounded} from "@ceibo/utils";
import type {Connection, IdentifyResult, PeerId} from "@libp2p/interface";
import {peerIdFromString} from "@libp2p/peer-id";
import {multiaddr} from "@multiformats/multiaddr";
import type {DiscoveredPeer, Discovery} from "../discovery/discv5.ts";
import type {Libp2pHost} from "../libp2p.ts";
import {
  GoodbyeReason,
  goodbyeReasonName,
  type MetadataMessage,
  type PeerAction,
  type PeerIdStr,
  type PeerReporter,
  type StatusMessage,
} from "../types.ts";
import {defaultPeerManagerOptions, type PeerManagerOpts} from "./options.ts";
import {loadPersistedPeers, MAX_PERSISTED_PEERS, type PersistedPeer, savePersistedPeers} from "./persistedPeers.ts";
import {type FinalizedBlockArchive, FinalizedChainLookup, statusIrrelevantReason} from "./relevance.ts";
import {type PeerScoreStore, SCORE_THRESHOLD_DISCONNECT} from "./score.ts";
import {usefulSubnetCount} from "./subnets.ts";

export type {PeerManagerOpts} from "./options.ts";

/** The req/resp requests the peer manager makes (network/reqresp ReqResp). */
export interface PeerReqResp {
  status(peer: PeerIdStr, ours: StatusMessage): Promise<StatusMessage>;
  goodbye(peer: PeerIdStr, reason: number): Promise<void>;
  ping(peer: PeerIdStr, seq: bigint): Promise<bigint>;
  metadata(peer: PeerIdStr): Promise<MetadataMessage>;
}

/** What the peer manager reads from the chain (BeaconChain has it). */
export interface PeerManagerChain {
  beaconConfig: BeaconConfig;
  clock: {currentEpoch: number};
  head: {blockRoot: string; slot: number};
  finalizedCheckpoint: {epoch: number; root: string};
}

/** What the peer manager reads from the database (BeaconDb has it): the finalized chain, by slot and by root. */
export interface PeerManagerDb {
  blockArchive: FinalizedBlockArchive;
}

export type PeerConnectionState = "connected" | "disconnecting" | "disconnected";
export type PeerDirection = "inbound" | "outbound";

/** A peer as the node API shows it (/eth/v1/node/peers). */
export interface PeerInfo {
  peerId: PeerIdStr;
  state: PeerConnectionState;
  direction: PeerDirection;
  /** The multiaddr of the connection (last seen address). */
  address: string;
  enr?: string;
  score: number;
  status?: StatusMessage;
  metadata?: MetadataMessage;
  agentVersion?: string;
}

export interface PeerManagerModules {
  libp2p: Libp2pHost;
  reqResp: PeerReqResp;
  chain: PeerManagerChain;
  db: PeerManagerDb;
  scores: PeerScoreStore;
  logger: Logger;
  discovery?: Discovery | null;
}

interface PeerData {
  peerId: PeerIdStr;
  direction: PeerDirection;
  state: PeerConnectionState;
  address: string;
  connectedAtMs: number;
  status: StatusMessage | null;
  statusAtMs: number;
  /** Whether the last Status passed the relevance check. */
  relevant: boolean;
  statusInFlight: boolean;
  metadata: MetadataMessage | null;
  metadataInFlight: boolean;
  lastPingMs: number;
  pingInFlight: boolean;
  agentVersion?: string;
  disconnectedAtMs?: number;
}

/** A subnet with fewer connected peers than this is searched for in discovery. */
export const TARGET_SUBNET_PEERS = 2;
/** Do not dial a peer again this soon after it was found irrelevant. */
const IRRELEVANT_BACKOFF_MS = 10 * 60_000;
/** Do not dial a peer again this soon after it said Goodbye (other than shutdown) or a dial failed. */
const GOODBYE_BACKOFF_MS = 5 * 60_000;
const DIAL_FAILURE_BACKOFF_MS = 60_000;
/** Disconnected peers remembered for the node API. */
const MAX_DISCONNECTED_PEERS = 100;
/** ENRs / addresses of discovered peers remembered (oldest forgotten first). */
const MAX_DISCOVERED_PEERS = 2_000;

const ZERO_ROOT = new Uint8Array(32);

export class PeerManager implements PeerReporter {
  private readonly libp2p: Libp2pHost;
  private readonly reqResp: PeerReqResp;
  private readonly chain: PeerManagerChain;
  private readonly scores: PeerScoreStore;
  private readonly logger: Logger;
  private readonly discovery: Discovery | null;
  private readonly opts: Required<Omit<PeerManagerOpts, "maxPeers" | "peersFile" | "gossipScore">> & {
    maxPeers: number;
    peersFile: string | null;
    gossipScore: ((peer: PeerIdStr) => number) | null;
  };

  private readonly peers = new Map<PeerIdStr, PeerData>();
  private readonly disconnected = new Map<PeerIdStr, PeerData>();
  private readonly dialing = new Set<PeerIdStr>();
  private readonly dialBackoff = new Map<PeerIdStr, number>();
  private readonly enrs = new Map<PeerIdStr, string>();
  /** TCP multiaddrs from discovered ENRs. */
  private readonly discoveredAddrs = new Map<PeerIdStr, string>();
  /** What identify told us about connected peers. */
  private readonly identified = new Map<PeerIdStr, {agentVersion?: string; listenAddrs: string[]}>();
  private readonly known = new Map<PeerIdStr, PersistedPeer>();
  private readonly staticPeers: {peerId: PeerIdStr; addr: string}[] = [];
  private readonly statusListeners = new Set<(peer: PeerIdStr, status: StatusMessage) => void>();
  private readonly finalizedChain: FinalizedChainLookup;
  private localMetadata: MetadataMessage;
  private timers: NodeJS.Timeout[] = [];
  private started = false;

  constructor(modules: PeerManagerModules, opts: PeerManagerOpts = {}) {
    this.libp2p = modules.libp2p;
    this.reqResp = modules.reqResp;
    this.chain = modules.chain;
    this.scores = modules.scores;
    this.logger = modules.logger;
    this.discovery = modules.discovery ?? null;
    this.finalizedChain = new FinalizedChainLookup(modules.db.blockArchive, modules.logger);
    const targetPeers = opts.targetPeers ?? defaultPeerManagerOptions.targetPeers;
    this.opts = {
      targetPeers,
      maxPeers: opts.maxPeers ?? Math.ceil(targetPeers * 1.1),
      staticPeers: opts.staticPeers ?? [],
      peersFile: opts.peersFile ?? null,
      pingIntervalMs: opts.pingIntervalMs ?? defaultPeerManagerOptions.pingIntervalMs,
      statusIntervalMs: opts.statusIntervalMs ?? defaultPeerManagerOptions.statusIntervalMs,
      heartbeatIntervalMs: opts.heartbeatIntervalMs ?? defaultPeerManagerOptions.heartbeatIntervalMs,
      inboundStatusTimeoutMs: opts.inboundStatusTimeoutMs ?? defaultPeerManagerOptions.inboundStatusTimeoutMs,
      goodbyeTimeoutMs: opts.goodbyeTimeoutMs ?? defaultPeerManagerOptions.goodbyeTimeoutMs,
      pruneGraceMs: opts.pruneGraceMs ?? defaultPeerManagerOptions.pruneGraceMs,
      earliestAvailableSlot: opts.earliestAvailableSlot ?? (() => 0),
      neededSubnets: opts.neededSubnets ?? (() => ({attnets: [], syncnets: []})),
      gossipScore: opts.gossipScore ?? null,
      nowMs: opts.nowMs ?? Date.now,
    };
    for (const addr of this.opts.staticPeers) {
      const peerId = multiaddr(addr)
        .getComponents()
        .find((c) => c.name === "p2p")?.value;
      if (peerId === undefined) throw Error(`static peer ${addr} has no /p2p/<peer id>`);
      this.staticPeers.push({peerId, addr});
    }
    this.localMetadata = {seqNumber: 0n, attnets: new Array(64).fill(false), syncnets: new Array(4).fill(false)};
  }

  // ---------------------------------------------------------------- lifecycle

  /** Listens to libp2p, dials static and persisted peers, starts the timers. The host must be started. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.libp2p.addEventListener("connection:open", this.onConnectionOpen);
    this.libp2p.addEventListener("peer:disconnect", this.onPeerDisconnect);
    this.libp2p.addEventListener("peer:identify", this.onIdentify);
    this.discovery?.on("discovered", this.onDiscovered);
    // connections that were set up before start
    for (const connection of this.libp2p.getConnections()) this.handleConnection(connection);

    if (this.opts.peersFile !== null) {
      const persisted = loadPersistedPeers(this.opts.peersFile, this.logger);
      for (const p of persisted) {
        this.known.set(p.peerId, p);
        if (p.enr !== undefined) this.enrs.set(p.peerId, p.enr);
        this.scores.restore(p.peerId, p.score);
      }
      const candidates = persisted
        .filter((p) => p.score > SCORE_THRESHOLD_DISCONNECT && p.multiaddrs.length > 0)
        .sort((a, b) => b.lastSeen - a.lastSeen)
        .slice(0, this.opts.targetPeers);
      if (candidates.length > 0) this.logger.info("Dialing persisted peers", {count: candidates.length});
      for (const p of candidates) void this.dial(p.peerId, p.multiaddrs);
    }
    for (const s of this.staticPeers) void this.dial(s.peerId, [s.addr]);

    const tick = Math.max(10, Math.min(1_000, this.opts.pingIntervalMs, this.opts.inboundStatusTimeoutMs));
    this.timers.push(setInterval(() => this.checkPeers(), tick));
    this.timers.push(setInterval(() => this.heartbeat(), this.opts.heartbeatIntervalMs));
    if (this.peers.size < this.opts.targetPeers) void this.discovery?.findRandomPeers();
  }

  /**
   * Says Goodbye (CLIENT_SHUTDOWN) to every peer, closes the connections, saves the peer list and stops the
   * timers. The host is stopped by the caller afterwards.
   */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.discovery?.off("discovered", this.onDiscovered);
    this.updateKnownPeers();
    await Promise.all(
      [...this.peers.keys()].map((peer) => this.goodbyeAndDisconnect(peer, GoodbyeReason.CLIENT_SHUTDOWN)),
    );
    this.libp2p.removeEventListener("connection:open", this.onConnectionOpen);
    this.libp2p.removeEventListener("peer:disconnect", this.onPeerDisconnect);
    this.libp2p.removeEventListener("peer:identify", this.onIdentify);
    this.savePeers();
  }

  // ---------------------------------------------------------------- views

  /** Connected peers whose Status passed the relevance check, with that Status. */
  getSyncPeers(): {peer: PeerIdStr; status: StatusMessage}[] {
    const out: {peer: PeerIdStr; status: StatusMessage}[] = [];
    for (const p of this.peers.values()) {
      if (p.state === "connected" && p.relevant && p.status !== null) out.push({peer: p.peerId, status: p.status});
    }
    return out;
  }

  /** Fires after every successful Status exchange; returns the unsubscribe function. */
  onPeerStatus(listener: (peer: PeerIdStr, status: StatusMessage) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Connected, disconnecting and recently disconnected peers (node API). */
  getPeers(): PeerInfo[] {
    const out: PeerInfo[] = [];
    for (const p of [...this.peers.values(), ...this.disconnected.values()]) {
      out.push({
        peerId: p.peerId,
        state: p.state,
        direction: p.direction,
        address: p.address,
        enr: this.enrs.get(p.peerId),
        score: this.scores.getScore(p.peerId),
        status: p.status ?? undefined,
        metadata: p.metadata ?? undefined,
        agentVersion: p.agentVersion ?? this.identified.get(p.peerId)?.agentVersion,
      });
    }
    return out;
  }

  /** Connected peers (any handshake state). */
  connectedPeerCount(): number {
    let n = 0;
    for (const p of this.peers.values()) if (p.state === "connected") n++;
    return n;
  }

  getPeerMetadata(peer: PeerIdStr): MetadataMessage | null {
    return this.peers.get(peer)?.metadata ?? null;
  }

  /** The peer may be dialed again at once (e.g. taken off the dev block list after dials to it failed). */
  clearDialBackoff(peer: PeerIdStr): void {
    this.dialBackoff.delete(peer);
  }

  isBanned(peer: PeerIdStr): boolean {
    return this.scores.isBanned(peer);
  }

  // ---------------------------------------------------------------- local MetaData

  /** Our MetaData (GetMetaData responses, Ping seq_number). */
  getMetadata(): MetadataMessage {
    return this.localMetadata;
  }

  /**
   * Continues the MetaData seq_number of a previous run (persisted by the node): it becomes at least `seq`, so
   * peers that cached our metadata see a higher number and fetch it again.
   */
  restoreSeqNumber(seq: bigint): void {
    if (seq > this.localMetadata.seqNumber) this.localMetadata = {...this.localMetadata, seqNumber: seq};
  }

  /** Updates our MetaData; seq_number is incremented when a field changed (phase0 p2p-interface.md MetaData). */
  setLocalMetadata(update: {attnets: boolean[]; syncnets: boolean[]; custodyGroupCount?: number}): boolean {
    const m = this.localMetadata;
    const changed =
      !sameBits(m.attnets, update.attnets) ||
      !sameBits(m.syncnets, update.syncnets) ||
      m.custodyGroupCount !== update.custodyGroupCount;
    if (!changed) return false;
    this.localMetadata = {
      seqNumber: m.seqNumber + 1n,
      attnets: [...update.attnets],
      syncnets: [...update.syncnets],
      custodyGroupCount: update.custodyGroupCount,
    };
    return true;
  }

  // ---------------------------------------------------------------- ReqRespHandlers

  /** Our Status (phase0 p2p-interface.md Status v1; fulu v2 with earliest_available_slot). */
  getStatus(): StatusMessage {
    const config = this.chain.beaconConfig;
    const epoch = this.chain.clock.currentEpoch;
    const finalized = this.chain.finalizedCheckpoint;
    const head = this.chain.head;
    const status: StatusMessage = {
      forkDigest: config.computeForkDigest(epoch),
      // the genesis finalized checkpoint's root is sent as zero (phase0 p2p-interface.md Status)
      finalizedRoot: finalized.epoch === 0 ? ZERO_ROOT : fromHex(finalized.root, "finalized root"),
      finalizedEpoch: finalized.epoch,
      headRoot: fromHex(head.blockRoot, "head root"),
      headSlot: head.slot,
    };
    if (config.getForkInfoAtEpoch(epoch).seq >= ForkSeq.fulu) {
      status.earliestAvailableSlot = this.opts.earliestAvailableSlot();
    }
    return status;
  }

  /** A peer sent us its Status (we answer with getStatus()). */
  onStatus(peer: PeerIdStr, status: StatusMessage): void {
    void this.handleStatus(peer, status);
  }

  onGoodbye(peer: PeerIdStr, reason: bigint): void {
    const data = this.peers.get(peer);
    this.logger.info("Peer said goodbye", {peer, reason: goodbyeReasonName(Number(reason))});
    if (Number(reason) !== GoodbyeReason.CLIENT_SHUTDOWN) this.backoff(peer, GOODBYE_BACKOFF_MS);
    if (data !== undefined && data.state === "connected") {
      data.state = "disconnecting";
      // let the Goodbye response go out before closing; only these connections (the peer may reconnect at once)
      const connections = this.libp2p.getConnections(peerIdFromString(peer));
      setTimeout(() => void this.closeConnections(peer, connections), 100);
    }
  }

  onPing(peer: PeerIdStr, seq: bigint): void {
    const data = this.peers.get(peer);
    if (data !== undefined && (data.metadata === null || seq > data.metadata.seqNumber)) void this.fetchMetadata(data);
  }

  // ---------------------------------------------------------------- PeerReporter

  reportPeer(peer: PeerIdStr, action: PeerAction, reason: string): void {
    const state = this.scores.applyAction(peer, action);
    const score = this.scores.getScore(peer);
    this.logger.debug("Peer reported", {peer, action, reason, score: Math.round(score * 100) / 100});
    if (state === "ban") {
      this.logger.info("Banning peer", {peer, action, reason});
      this.known.delete(peer);
      void this.goodbyeAndDisconnect(peer, GoodbyeReason.BANNED);
    } else if (state === "disconnect") {
      this.logger.info("Disconnecting peer with a bad score", {peer, action, reason, score});
      void this.goodbyeAndDisconnect(peer, GoodbyeReason.BAD_SCORE);
    }
  }

  // ---------------------------------------------------------------- connections

  private readonly onConnectionOpen = (evt: CustomEvent<Connection>): void => {
    this.handleConnection(evt.detail);
  };

  private readonly onPeerDisconnect = (evt: CustomEvent<PeerId>): void => {
    const peer = evt.detail.toString();
    const data = this.peers.get(peer);
    if (data === undefined) return;
    this.peers.delete(peer);
    data.state = "disconnected";
    data.disconnectedAtMs = this.opts.nowMs();
    setBounded(this.disconnected, peer, data, MAX_DISCONNECTED_PEERS);
    if (data.relevant) this.touchKnown(data);
    data.agentVersion = this.identified.get(peer)?.agentVersion;
    this.identified.delete(peer);
    this.logger.debug("Peer disconnected", {peer});
  };

  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    const {peerId, agentVersion, listenAddrs} = evt.detail;
    this.identified.set(peerId.toString(), {agentVersion, listenAddrs: listenAddrs.map((a) => a.toString())});
  };

  private handleConnection(connection: Connection): void {
    const peer = connection.remotePeer.toString();
    // another connection to a connected peer changes nothing; one while the old ones are being closed starts over
    if (this.peers.get(peer)?.state === "connected") return;
    if (this.scores.isBanned(peer)) {
      void this.goodbyeAndDisconnect(peer, GoodbyeReason.BANNED, connection);
      return;
    }
    const data: PeerData = {
      peerId: peer,
      direction: connection.direction === "outbound" ? "outbound" : "inbound",
      state: "connected",
      address: connection.remoteAddr.toString(),
      connectedAtMs: this.opts.nowMs(),
      status: null,
      statusAtMs: 0,
      relevant: false,
      statusInFlight: false,
      metadata: null,
      metadataInFlight: false,
      lastPingMs: this.opts.nowMs(),
      pingInFlight: false,
    };
    this.disconnected.delete(peer);
    this.peers.set(peer, data);
    this.logger.debug("Peer connected", {peer, direction: data.direction, address: data.address});
    // phase0 p2p-interface.md Status: the dialing client MUST send a Status request upon connection
    if (data.direction === "outbound") void this.requestStatus(data);
  }

  /** Dials a peer at the first address that works; no-op when connected, dialing, banned or backing off. */
  private async dial(peer: PeerIdStr, addrs: string[]): Promise<boolean> {
    if (!this.started || this.peers.has(peer) || this.dialing.has(peer)) return false;
    if (peer === this.libp2p.peerId.toString() || this.scores.isBanned(peer)) return false;
    const backoff = this.dialBackoff.get(peer);
    if (backoff !== undefined && backoff > this.opts.nowMs()) return false;
    this.dialing.add(peer);
    try {
      for (const addr of addrs) {
        const ma = multiaddr(addr);
        const withPeer = ma.getComponents().some((c) => c.name === "p2p") ? ma : ma.encapsulate(`/p2p/${peer}`);
        try {
          await this.libp2p.dial(withPeer);
          return true;
        } catch (e) {
          this.logger.debug("Dial failed", {peer, addr, error: (e as Error).message});
        }
      }
      this.backoff(peer, DIAL_FAILURE_BACKOFF_MS);
      return false;
    } finally {
      this.dialing.delete(peer);
    }
  }

  private backoff(peer: PeerIdStr, ms: number): void {
    this.dialBackoff.set(peer, Math.max(this.dialBackoff.get(peer) ?? 0, this.opts.nowMs() + ms));
  }

  private async closeConnections(peer: PeerIdStr, connections: Connection[]): Promise<void> {
    await Promise.all(
      connections.map(async (connection) => {
        try {
          await connection.close();
        } catch (e) {
          this.logger.debug("Closing a connection failed", {peer, error: (e as Error).message});
          connection.abort(e as Error);
        }
      }),
    );
  }

  /** Goodbye (best effort, bounded by goodbyeTimeoutMs), then the connections are closed. */
  async goodbyeAndDisconnect(peer: PeerIdStr, reason: number, connection?: Connection): Promise<void> {
    // the connections open now (a connection the peer opens meanwhile is judged on its own); none: nothing to do,
    // and no Goodbye either (it would dial the peer)
    const connections = connection !== undefined ? [connection] : this.libp2p.getConnections(peerIdFromString(peer));
    if (connections.length === 0) return;
    const data = this.peers.get(peer);
    if (connection === undefined && data !== undefined) {
      if (data.state === "disconnecting") return;
      data.state = "disconnecting";
    }
    this.logger.debug("Goodbye", {peer, reason: goodbyeReasonName(reason)});
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.reqResp.goodbye(peer, reason),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, this.opts.goodbyeTimeoutMs);
          timer.unref();
        }),
      ]);
    } catch (e) {
      this.logger.debug("Goodbye not delivered", {peer, error: (e as Error).message});
    } finally {
      clearTimeout(timer);
    }
    await this.closeConnections(peer, connections);
  }

  // ---------------------------------------------------------------- Status, MetaData, Ping

  private async requestStatus(data: PeerData): Promise<void> {
    if (data.statusInFlight || data.state !== "connected") return;
    data.statusInFlight = true;
    let status: StatusMessage;
    try {
      status = await this.reqResp.status(data.peerId, this.getStatus());
    } catch (e) {
      data.statusInFlight = false;
      if (data.state !== "connected") return;
      this.logger.debug("Status request failed", {peer: data.peerId, error: (e as Error).message});
      if (data.status === null) {
        // never verified to be on our network
        void this.goodbyeAndDisconnect(data.peerId, GoodbyeReason.UNABLE_TO_VERIFY_NETWORK);
      } else {
        this.reportPeer(data.peerId, "lowTolerance", "status request failed");
      }
      return;
    }
    data.statusInFlight = false;
    await this.handleStatus(data.peerId, status);
  }

  private async handleStatus(peer: PeerIdStr, status: StatusMessage): Promise<void> {
    let data = this.peers.get(peer);
    if (data === undefined) {
      // Status arrived before the connection event was handled
      const connection = this.libp2p.getConnections(peerIdFromString(peer))[0];
      if (connection === undefined) return;
      this.handleConnection(connection);
      data = this.peers.get(peer);
      if (data === undefined) return;
    }
    if (data.state !== "connected") return;
    const irrelevant = await this.irrelevantReason(status);
    if (irrelevant !== null) {
      this.logger.info("Disconnecting a peer on another network", {peer, reason: irrelevant});
      this.known.delete(peer);
      this.backoff(peer, IRRELEVANT_BACKOFF_MS);
      data.relevant = false;
      await this.goodbyeAndDisconnect(peer, GoodbyeReason.IRRELEVANT_NETWORK);
      return;
    }
    const first = data.status === null;
    data.status = status;
    data.statusAtMs = this.opts.nowMs();
    data.relevant = true;
    if (first) {
      this.logger.debug("Peer status", {
        peer,
        finalizedEpoch: status.finalizedEpoch,
        headSlot: status.headSlot,
        direction: data.direction,
      });
      this.touchKnown(data);
      void this.fetchMetadata(data);
    }
    for (const listener of this.statusListeners) {
      try {
        listener(peer, status);
      } catch (e) {
        this.logger.warn("Peer status listener failed", {error: (e as Error).message});
      }
    }
  }

  /** Why a peer with this Status is not on our chain, or null (relevance.ts). */
  irrelevantReason(remote: StatusMessage): Promise<string | null> {
    return statusIrrelevantReason(
      this.getStatus(),
      remote,
      this.chain.clock.currentEpoch,
      this.finalizedChain.isOnFinalizedChain,
    );
  }

  private async fetchMetadata(data: PeerData): Promise<void> {
    if (data.metadataInFlight || data.state !== "connected") return;
    data.metadataInFlight = true;
    try {
      data.metadata = await this.reqResp.metadata(data.peerId);
    } catch (e) {
      this.logger.debug("MetaData request failed", {peer: data.peerId, error: (e as Error).message});
    } finally {
      data.metadataInFlight = false;
    }
  }

  private async ping(data: PeerData): Promise<void> {
    if (data.pingInFlight || data.state !== "connected") return;
    data.pingInFlight = true;
    data.lastPingMs = this.opts.nowMs();
    try {
      const seq = await this.reqResp.ping(data.peerId, this.localMetadata.seqNumber);
      if (data.metadata === null || seq > data.metadata.seqNumber) void this.fetchMetadata(data);
    } catch (e) {
      if (data.state === "connected") {
        this.logger.debug("Ping failed", {peer: data.peerId, error: (e as Error).message});
        this.reportPeer(data.peerId, "lowTolerance", "ping failed");
      }
    } finally {
      data.pingInFlight = false;
    }
  }

  /** Frequent check: inbound Status timeouts, Pings, periodic Status. */
  private checkPeers(): void {
    const now = this.opts.nowMs();
    for (const data of this.peers.values()) {
      if (data.state !== "connected") continue;
      if (data.status === null) {
        if (data.direction === "inbound" && now - data.connectedAtMs >= this.opts.inboundStatusTimeoutMs) {
          void this.requestStatus(data);
        }
        continue;
      }
      if (now - data.lastPingMs >= this.opts.pingIntervalMs) void this.ping(data);
      if (now - data.statusAtMs >= this.opts.statusIntervalMs) void this.requestStatus(data);
    }
  }

  // ---------------------------------------------------------------- heartbeat: scores, peer count, persistence

  /** Every heartbeatIntervalMs: scores, pruning, discovery, static peers, the peers file, the peer count line. */
  heartbeat(): void {
    this.scores.decayAll();
    for (const data of this.peers.values()) {
      if (data.state !== "connected") continue;
      const state =
        this.opts.gossipScore !== null
          ? this.scores.setGossipScore(data.peerId, this.opts.gossipScore(data.peerId))
          : this.scores.getState(data.peerId);
      if (state === "ban") void this.goodbyeAndDisconnect(data.peerId, GoodbyeReason.BANNED);
      else if (state === "disconnect") void this.goodbyeAndDisconnect(data.peerId, GoodbyeReason.BAD_SCORE);
    }
    this.prunePeers();
    this.discoverPeers();
    for (const s of this.staticPeers) {
      if (!this.peers.has(s.peerId)) void this.dial(s.peerId, [s.addr]);
    }
    const now = this.opts.nowMs();
    for (const [peer, until] of this.dialBackoff) if (until <= now) this.dialBackoff.delete(peer);
    this.updateKnownPeers();
    this.savePeers();
    let inbound = 0;
    let outbound = 0;
    for (const p of this.peers.values()) {
      if (p.state !== "connected") continue;
      if (p.direction === "inbound") inbound++;
      else outbound++;
    }
    this.logger.info(`peers: ${inbound + outbound} (inbound ${inbound}, outbound ${outbound})`);
  }

  /** Above the target: Goodbye TOO_MANY_PEERS to the least useful peers (static and new peers are kept). */
  private prunePeers(): void {
    const connected = [...this.peers.values()].filter((p) => p.state === "connected");
    let excess = connected.length - this.opts.targetPeers;
    if (excess <= 0) return;
    const now = this.opts.nowMs();
    const needed = this.opts.neededSubnets();
    const isStatic = new Set(this.staticPeers.map((s) => s.peerId));
    const candidates = connected
      .filter((p) => !isStatic.has(p.peerId) && now - p.connectedAtMs >= this.opts.pruneGraceMs)
      .map((p) => ({
        peer: p.peerId,
        relevant: p.relevant ? 1 : 0,
        useful: usefulSubnetCount(p.metadata, needed),
        score: this.scores.getScore(p.peerId),
      }))
      .sort((a, b) => a.relevant - b.relevant || a.useful - b.useful || a.score - b.score);
    for (const c of candidates) {
      if (excess-- <= 0) break;
      this.logger.debug("Pruning peer", {peer: c.peer, usefulSubnets: c.useful, score: c.score});
      this.backoff(c.peer, GOODBYE_BACKOFF_MS);
      void this.goodbyeAndDisconnect(c.peer, GoodbyeReason.TOO_MANY_PEERS);
    }
  }

  /** Below the target, or short of peers on a needed subnet: dial known matching ENRs and run a lookup. */
  private discoverPeers(): void {
    if (this.discovery === null || !this.discovery.isStarted) return;
    const count = this.connectedPeerCount() + this.dialing.size;
    const lacking = this.subnetsLackingPeers();
    if (count >= this.opts.targetPeers && lacking.attnets.length === 0 && lacking.syncnets.length === 0) return;
    for (const peer of this.discovery.knownPeers()) this.onDiscovered(peer);
    void this.discovery.findRandomPeers();
  }

  /** Needed subnets with fewer than TARGET_SUBNET_PEERS connected peers advertising them (MetaData). */
  private subnetsLackingPeers(): {attnets: number[]; syncnets: number[]} {
    const needed = this.opts.neededSubnets();
    const count = (kind: "attnets" | "syncnets", subnet: number): number => {
      let n = 0;
      for (const p of this.peers.values()) if (p.state === "connected" && p.metadata?.[kind][subnet]) n++;
      return n;
    };
    return {
      attnets: needed.attnets.filter((s) => count("attnets", s) < TARGET_SUBNET_PEERS),
      syncnets: needed.syncnets.filter((s) => count("syncnets", s) < TARGET_SUBNET_PEERS),
    };
  }

  private readonly onDiscovered = (peer: DiscoveredPeer): void => {
    if (!this.started) return;
    setBounded(this.enrs, peer.peerId, peer.enr, MAX_DISCOVERED_PEERS);
    setBounded(this.discoveredAddrs, peer.peerId, peer.multiaddr, MAX_DISCOVERED_PEERS);
    if (this.peers.has(peer.peerId) || this.dialing.has(peer.peerId)) return;
    const count = this.connectedPeerCount() + this.dialing.size;
    let dial = count < this.opts.targetPeers;
    if (!dial && count < this.opts.maxPeers) {
      const lacking = this.subnetsLackingPeers();
      dial =
        lacking.attnets.some((s) => peer.attnets?.[s] === true) ||
        lacking.syncnets.some((s) => peer.syncnets?.[s] === true);
    }
    if (dial) void this.dial(peer.peerId, [peer.multiaddr]);
  };

  // ---------------------------------------------------------------- persistence

  private touchKnown(data: PeerData): void {
    const addrs = this.dialableAddrs(data);
    if (addrs.length === 0) return;
    this.known.set(data.peerId, {
      peerId: data.peerId,
      multiaddrs: addrs,
      enr: this.enrs.get(data.peerId),
      lastSeen: this.opts.nowMs(),
      score: this.scores.getScore(data.peerId),
    });
  }

  private updateKnownPeers(): void {
    for (const data of this.peers.values()) if (data.state === "connected" && data.relevant) this.touchKnown(data);
    for (const peer of this.known.keys()) if (this.scores.isBanned(peer)) this.known.delete(peer);
    if (this.known.size > MAX_PERSISTED_PEERS) {
      const oldest = [...this.known.values()].sort((a, b) => a.lastSeen - b.lastSeen);
      for (const p of oldest.slice(0, this.known.size - MAX_PERSISTED_PEERS)) this.known.delete(p.peerId);
    }
  }

  private savePeers(): void {
    if (this.opts.peersFile === null) return;
    try {
      savePersistedPeers(this.opts.peersFile, [...this.known.values()]);
    } catch (e) {
      this.logger.warn("Cannot save the peers file", {path: this.opts.peersFile, error: (e as Error).message});
    }
  }

  /**
   * Addresses to dial the peer at later: the address we dialed (outbound), its ENR's TCP address, and the listen
   * addresses it announced in identify (unspecified addresses left out).
   */
  private dialableAddrs(data: PeerData): string[] {
    const addrs: string[] = [];
    if (data.direction === "outbound") addrs.push(stripPeerId(data.address));
    const discovered = this.discoveredAddrs.get(data.peerId);
    if (discovered !== undefined) addrs.push(stripPeerId(discovered));
    for (const a of this.identified.get(data.peerId)?.listenAddrs ?? []) addrs.push(stripPeerId(a));
    return [...new Set(addrs)].filter((a) => /^\/ip4\/[^/]+\/tcp\/\d+$/.test(a) && !a.startsWith("/ip4/0.0.0.0/"));
  }
}

function sameBits(a: boolean[], b: boolean[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function stripPeerId(addr: string): string {
  const i = addr.indexOf("/p2p/");
  return i < 0 ? addr : addr.slice(0, i);
}
