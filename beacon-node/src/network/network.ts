/**
 * The beacon node's network: the libp2p host (libp2p.ts) with req/resp (reqresp/), gossip (gossip/), discv5
 * (discovery/) and the peer manager (peers/), composed and started/stopped together. It is what sync uses
 * (SyncNetwork), where modules report peers (PeerReporter), and what the node API reads (identity, peers).
 */

import {join} from "node:path";
import type {BeaconConfig} from "@ceibo/config";
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import type {Logger} from "@ceibo/utils";
import {getV4Crypto, SignableENR} from "@chainsafe/enr";
import type {ConnectionGater, PeerId, PrivateKey} from "@libp2p/interface";
import {peerIdFromString} from "@libp2p/peer-id";
import type {BeaconChain} from "../chain/chain.ts";
import {getCustodyColumns, NodeCustody} from "../chain/da/custody.ts";
import type {BeaconDb} from "../db/index.ts";
import {Discovery} from "./discovery/discv5.ts";
import {decodeEnrTxt, isFuluScheduled, type LocalEnrFields, readEth2Fields, updateLocalEnr} from "./discovery/enr.ts";
import {GossipHandler, GossipMessageIds} from "./gossip/index.ts";
import {gossipsubOptions} from "./gossip/options.ts";
import {GOSSIP_SCORE_THRESHOLDS} from "./gossip/scoring.ts";
import {createLibp2pHost, type Libp2pHost, loadOrCreatePeerKey} from "./libp2p.ts";
import {defaultNetworkOptions, type NetworkOpts} from "./options.ts";
import {PeerBlockList} from "./peers/blockList.ts";
import {type PeerInfo, PeerManager} from "./peers/peerManager.ts";
import {PeerScoreStore} from "./peers/score.ts";
import {nodeIdToBigInt, type SubnetState, SubnetSubscriptions} from "./peers/subnets.ts";
import {ReqResp, type ReqRespHandlers} from "./reqresp/index.ts";
import type {
  BlobSidecar,
  BlockWithFork,
  DataColumnSidecar,
  MetadataMessage,
  PeerAction,
  PeerIdStr,
  PeerReporter,
  StatusMessage,
  SyncNetwork,
} from "./types.ts";

export type {NetworkOpts};

export interface NetworkModules {
  config: BeaconConfig;
  chain: BeaconChain;
  db: BeaconDb;
  logger: Logger;
  /** The node's data directory (`network/peer-id.json` and `network/peers.json` go below it). */
  dataDir: string;
  opts?: NetworkOpts;
}

/** /eth/v1/node/identity. */
export interface NetworkIdentity {
  peerId: string;
  enr: string;
  p2pAddresses: string[];
  discoveryAddresses: string[];
  metadata: MetadataMessage;
}

export class Network implements SyncNetwork, PeerReporter {
  readonly config: BeaconConfig;
  readonly libp2p: Libp2pHost;
  readonly reqResp: ReqResp;
  readonly gossip: GossipHandler;
  readonly peerManager: PeerManager;
  readonly discovery: Discovery | null;
  readonly subnets: SubnetSubscriptions;
  /** PeerDAS custody of this node id (columns to custody and sample; the count advertised in `cgc`). */
  readonly custody: NodeCustody;
  /** discv5 node id (hex, no 0x). */
  readonly nodeId: string;
  private readonly chain: BeaconChain;
  private readonly logger: Logger;
  private readonly localEnr: SignableENR;
  private readonly enrAddress: string | null;
  private subscribed = {attnets: "", syncnets: "", columns: ""};
  /** The dev-only peer block list (NetworkOpts.peerBlockListFile). */
  private readonly blockList: PeerBlockList | null;
  private started = false;
  /** Custody columns of connected peers, by the custody group count they were computed for. */
  private readonly peerCustody = new Map<PeerIdStr, {count: number; columns: readonly number[]}>();

  private constructor(parts: {
    config: BeaconConfig;
    chain: BeaconChain;
    logger: Logger;
    libp2p: Libp2pHost;
    reqResp: ReqResp;
    gossip: GossipHandler;
    peerManager: PeerManager;
    discovery: Discovery | null;
    subnets: SubnetSubscriptions;
    enr: SignableENR;
    enrAddress: string | null;
    custody: NodeCustody;
    blockList: PeerBlockList | null;
  }) {
    this.config = parts.config;
    this.chain = parts.chain;
    this.logger = parts.logger;
    this.libp2p = parts.libp2p;
    this.reqResp = parts.reqResp;
    this.gossip = parts.gossip;
    this.peerManager = parts.peerManager;
    this.discovery = parts.discovery;
    this.subnets = parts.subnets;
    this.localEnr = parts.enr;
    this.nodeId = parts.enr.nodeId;
    this.enrAddress = parts.enrAddress;
    this.custody = parts.custody;
    this.blockList = parts.blockList;
  }

  /** Builds every part (nothing listens until start()). */
  static async create(modules: NetworkModules): Promise<Network> {
    const {config, chain, db, logger, dataDir} = modules;
    const opts = modules.opts ?? {};
    const listenAddress = opts.listenAddress ?? defaultNetworkOptions.listenAddress;
    const port = opts.port ?? defaultNetworkOptions.port;
    const discoveryPort = opts.discoveryPort ?? port;
    const targetPeers = opts.targetPeers ?? defaultNetworkOptions.targetPeers;
    const privateKey = opts.privateKey ?? (await loadOrCreatePeerKey(dataDir));
    if (privateKey.type !== "secp256k1") throw Error(`the peer key must be secp256k1, got ${privateKey.type}`);

    const scores = new PeerScoreStore({gossipsubGraylistThreshold: GOSSIP_SCORE_THRESHOLDS.graylistThreshold});
    const blockList = opts.peerBlockListFile !== undefined ? new PeerBlockList(opts.peerBlockListFile, logger) : null;
    const banned = (peerId: PeerId): boolean =>
      scores.isBanned(peerId.toString()) || (blockList?.has(peerId.toString()) ?? false);
    const connectionGater: ConnectionGater = {
      denyDialPeer: banned,
      denyInboundEncryptedConnection: banned,
      denyOutboundEncryptedConnection: banned,
    };
    const headState = chain.getHeadState();
    const messageIds = new GossipMessageIds(config);
    const libp2p = await createLibp2pHost({
      privateKey,
      listenAddress,
      port,
      targetPeers,
      connectionGater,
      agentVersion: opts.agentVersion,
      gossipsub: gossipsubOptions(config, {
        currentSlot: chain.clock.currentSlot,
        activeValidatorCount: headState.epochCtx.currentShuffling.activeIndices.length,
        dev: opts.dev,
        messageIds,
      }),
    });

    // the req/resp handlers are the peer manager's, which needs req/resp to make requests: forward
    let peerManager: PeerManager | null = null;
    const pm = (): PeerManager => {
      if (peerManager === null) throw Error("network not built yet");
      return peerManager;
    };
    const handlers: ReqRespHandlers = {
      getStatus: () => pm().getStatus(),
      onStatus: (peer, status) => pm().onStatus(peer, status),
      onGoodbye: (peer, reason) => pm().onGoodbye(peer, reason),
      getMetadata: () => pm().getMetadata(),
      onPing: (peer, seq) => pm().onPing(peer, seq),
    };
    const reporter: PeerReporter = {reportPeer: (peer, action, reason) => pm().reportPeer(peer, action, reason)};
    const lightClientServer = opts.lightClientServer ?? true;
    const metricsHook = opts.metricsHook ?? null;
    const reqResp = new ReqResp({
      libp2p,
      config,
      chain,
      db,
      handlers,
      logger,
      reporter,
      lightClientServer,
      metricsHook,
    });
    const gossip = new GossipHandler({
      pubsub: libp2p.services.pubsub,
      config,
      chain,
      logger,
      reporter,
      messageIds,
      lightClientServer,
      metricsHook,
      ...opts.gossip,
    });

    const enrAddress = opts.enrAddress ?? (listenAddress !== "0.0.0.0" ? listenAddress : null);
    const enr = SignableENR.createV4(privateKey.raw);
    if (enrAddress !== null) enr.ip = enrAddress;
    if (port !== 0) enr.tcp = port;
    if (discoveryPort !== 0) enr.udp = discoveryPort;

    const subnets = new SubnetSubscriptions({
      config: config.chain,
      nodeId: nodeIdToBigInt(enr.nodeId),
      subscribeAllSubnets: opts.subscribeAllSubnets,
    });
    const currentEpoch = (): number => chain.clock.currentEpoch;
    const discovery =
      (opts.discv5 ?? true)
        ? new Discovery({
            privateKey,
            enr,
            bindAddress: listenAddress,
            port: discoveryPort,
            bootnodes: opts.bootnodes ?? [],
            config,
            currentEpoch,
            logger,
            discv5Config: opts.discv5Config,
          })
        : null;
    peerManager = new PeerManager(
      {libp2p, reqResp, chain, db, scores, logger, discovery},
      {
        targetPeers,
        staticPeers: opts.staticPeers,
        peersFile: (opts.persistPeers ?? true) ? join(dataDir, "network", "peers.json") : null,
        earliestAvailableSlot: () => reqResp.earliestAvailableSlot,
        neededSubnets: () => {
          const state = subnets.stateAt(chain.clock.currentSlot);
          return {attnets: state.attnets, syncnets: state.syncnets};
        },
        gossipScore: (peer) => libp2p.services.pubsub.getScore(peer),
        ...opts.peerManager,
      },
    );
    if (opts.custody !== undefined && opts.custody.nodeId !== nodeIdToBigInt(enr.nodeId)) {
      throw Error("the custody passed in (NetworkOpts.custody) is not of this peer key's node id");
    }
    const network = new Network({
      config,
      chain,
      logger,
      libp2p,
      reqResp,
      gossip,
      peerManager,
      discovery,
      subnets,
      enr,
      enrAddress,
      custody: opts.custody ?? new NodeCustody(config.chain, enr.nodeId, opts.custodyGroupCount),
      blockList,
    });
    return network;
  }

  /** Starts listening, req/resp, gossip, discovery and the peer manager (which dials static/persisted peers). */
  async start(): Promise<void> {
    if (this.started) return;
    await this.libp2p.start();
    try {
      const tcpPort = this.listenPort();
      if (tcpPort !== null && this.localEnr.tcp !== tcpPort) this.localEnr.tcp = tcpPort;
      this.libp2p.addEventListener("peer:disconnect", this.onPeerDisconnect);
      await this.reqResp.start();
      this.gossip.start();
      this.updateSubnets(this.chain.clock.currentSlot);
      await this.discovery?.start();
    } catch (e) {
      // e.g. the discv5 UDP port is in use: leave nothing listening
      this.gossip.stop();
      await this.reqResp.stop();
      this.libp2p.removeEventListener("peer:disconnect", this.onPeerDisconnect);
      await this.libp2p.stop();
      throw e;
    }
    this.peerManager.start();
    // dev-only block list: newly listed peers are disconnected at once (the gater refuses them from then on);
    // peers taken off it may be dialed again without waiting out a dial-failure backoff
    this.blockList?.start(({blocked, unblocked}) => {
      for (const peer of blocked) {
        this.libp2p.hangUp(peerIdFromString(peer)).catch((e: Error) => {
          this.logger.debug("Disconnecting a blocked peer failed", {peer, error: e.message});
        });
      }
      for (const peer of unblocked) this.peerManager.clearDialBackoff(peer);
    });
    this.started = true;
    this.logger.info("Network started", {
      peerId: this.peerId,
      addrs: this.multiaddrs.join(","),
      enr: this.enr,
    });
  }

  /** Goodbye (CLIENT_SHUTDOWN) to every peer, then everything stops; the peers file is saved. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.blockList?.stop();
    await this.peerManager.stop();
    await this.discovery?.stop();
    this.gossip.stop();
    await this.reqResp.stop();
    this.libp2p.removeEventListener("peer:disconnect", this.onPeerDisconnect);
    await this.libp2p.stop();
    this.logger.info("Network stopped");
  }

  // ---------------------------------------------------------------- identity

  get peerId(): string {
    return this.libp2p.peerId.toString();
  }

  /** The local ENR ("enr:…"). */
  get enr(): string {
    return this.localEnr.encodeTxt();
  }

  /** The listen multiaddrs with /p2p/<peer id>. */
  get multiaddrs(): string[] {
    return this.libp2p.getMultiaddrs().map((m) => m.toString());
  }

  getIdentity(): NetworkIdentity {
    const udp = this.localEnr.udp;
    const ip = this.localEnr.ip ?? this.enrAddress;
    return {
      peerId: this.peerId,
      enr: this.enr,
      p2pAddresses: this.multiaddrs,
      discoveryAddresses:
        this.discovery !== null && udp !== undefined && ip ? [`/ip4/${ip}/udp/${udp}/p2p/${this.peerId}`] : [],
      metadata: this.peerManager.getMetadata(),
    };
  }

  /** Peers for /eth/v1/node/peers (connected, disconnecting and recently disconnected). */
  getPeers(): PeerInfo[] {
    return this.peerManager.getPeers();
  }

  /** /eth/v1/node/peer_count. */
  getPeerCount(): {connected: number; connecting: number; disconnected: number; disconnecting: number} {
    const counts = {connected: 0, connecting: 0, disconnected: 0, disconnecting: 0};
    for (const p of this.peerManager.getPeers()) counts[p.state]++;
    counts.connecting = this.libp2p.getDialQueue().length;
    return counts;
  }

  // ---------------------------------------------------------------- SyncNetwork, PeerReporter

  getSyncPeers(): {peer: PeerIdStr; status: StatusMessage}[] {
    return this.peerManager.getSyncPeers();
  }

  onPeerStatus(listener: (peer: PeerIdStr, status: StatusMessage) => void): () => void {
    return this.peerManager.onPeerStatus(listener);
  }

  beaconBlocksByRange(peer: PeerIdStr, req: {startSlot: number; count: number}): Promise<BlockWithFork[]> {
    return this.reqResp.beaconBlocksByRange(peer, req);
  }

  beaconBlocksByRoot(peer: PeerIdStr, roots: Uint8Array[]): Promise<BlockWithFork[]> {
    return this.reqResp.beaconBlocksByRoot(peer, roots);
  }

  blobSidecarsByRange(peer: PeerIdStr, req: {startSlot: number; count: number}): Promise<BlobSidecar[]> {
    return this.reqResp.blobSidecarsByRange(peer, req);
  }

  blobSidecarsByRoot(peer: PeerIdStr, ids: {blockRoot: Uint8Array; index: number}[]): Promise<BlobSidecar[]> {
    return this.reqResp.blobSidecarsByRoot(peer, ids);
  }

  dataColumnSidecarsByRange(
    peer: PeerIdStr,
    req: {startSlot: number; count: number; columns: number[]},
  ): Promise<DataColumnSidecar[]> {
    return this.reqResp.dataColumnSidecarsByRange(peer, req);
  }

  dataColumnSidecarsByRoot(
    peer: PeerIdStr,
    ids: {blockRoot: Uint8Array; columns: number[]}[],
  ): Promise<DataColumnSidecar[]> {
    return this.reqResp.dataColumnSidecarsByRoot(peer, ids);
  }

  /**
   * The columns a peer custodies: get_custody_columns of its node id (from its peer id) and custody group count
   * (MetaData v3 `custody_group_count`, else its ENR `cgc`, else CUSTODY_REQUIREMENT, which every node custodies
   * at least — custody groups only grow with the count, so that is a subset of the real custody).
   */
  getPeerCustodyColumns(peer: PeerIdStr): readonly number[] {
    const count = this.peerCustodyGroupCount(peer);
    const cached = this.peerCustody.get(peer);
    if (cached !== undefined && cached.count === count) return cached.columns;
    const nodeId = peerIdToNodeId(peer);
    const columns = nodeId === null ? [] : getCustodyColumns(this.config.chain, nodeId, count);
    this.peerCustody.set(peer, {count, columns});
    return columns;
  }

  private peerCustodyGroupCount(peer: PeerIdStr): number {
    const c = this.config.chain;
    let count = this.peerManager.getPeerMetadata(peer)?.custodyGroupCount;
    if (count === undefined) {
      const enr = this.peerManager.getPeers().find((p) => p.peerId === peer)?.enr;
      const decoded = enr === undefined ? null : decodeEnrTxt(enr);
      count = decoded === null ? undefined : readEth2Fields(decoded).cgc;
    }
    return Math.min(c.NUMBER_OF_CUSTODY_GROUPS, Math.max(c.CUSTODY_REQUIREMENT, count ?? 0));
  }

  reportPeer(peer: PeerIdStr, action: PeerAction, reason: string): void {
    this.peerManager.reportPeer(peer, action, reason);
  }

  // ---------------------------------------------------------------- slots and subnets

  /** Every slot: gossip fork-boundary topics, subnet subscriptions, ENR `eth2` / MetaData at fork boundaries. */
  onSlot(slot: number): void {
    this.gossip.onSlot(slot);
    this.updateSubnets(slot);
  }

  /** Validator duty: an attestation subnet until `untilSlot` (inclusive): subscribed on gossip, not advertised. */
  subscribeToAttestationSubnet(subnet: number, untilSlot: number): void {
    this.subnets.requestAttestationSubnet(subnet, untilSlot);
    this.updateSubnets(this.chain.clock.currentSlot);
  }

  /** Validator duty: a sync committee subnet until `untilEpoch` (inclusive): subscribed and advertised. */
  subscribeToSyncCommitteeSubnet(subnet: number, untilEpoch: number): void {
    this.subnets.requestSyncCommitteeSubnet(subnet, untilEpoch);
    this.updateSubnets(this.chain.clock.currentSlot);
  }

  /**
   * fulu validator custody: raises the custody group count (never lowers it); ENR `cgc`, MetaData and the data
   * column subscriptions follow. Returns whether it grew (the caller persists custody.custodyGroupCount).
   */
  raiseCustodyGroupCount(count: number): boolean {
    if (!this.custody.raiseCustodyGroupCount(count)) return false;
    this.updateSubnets(this.chain.clock.currentSlot);
    return true;
  }

  /** Applies the subscriptions at `slot` to gossip, MetaData and the ENR (each only when something changed). */
  private updateSubnets(slot: number): SubnetState {
    const state = this.subnets.stateAt(slot);
    const attKey = state.attnets.join(",");
    const syncKey = state.syncnets.join(",");
    if (attKey !== this.subscribed.attnets) {
      this.gossip.subscribeAttnets(state.attnets);
      this.subscribed.attnets = attKey;
    }
    if (syncKey !== this.subscribed.syncnets) {
      this.gossip.subscribeSyncnets(state.syncnets);
      this.subscribed.syncnets = syncKey;
    }
    const fulu = isFuluScheduled(this.config);
    const columnSubnets = fulu ? this.custody.samplingSubnets : [];
    const columnKey = columnSubnets.join(",");
    if (columnKey !== this.subscribed.columns) {
      // the handler subscribes them only while a fulu fork digest is active
      this.gossip.subscribeDataColumnSubnets(columnSubnets);
      this.subscribed.columns = columnKey;
    }
    if (
      this.peerManager.setLocalMetadata({
        attnets: state.advertisedAttnets,
        syncnets: state.advertisedSyncnets,
        custodyGroupCount: fulu ? this.custody.custodyGroupCount : undefined,
      })
    ) {
      this.logger.debug("MetaData updated", {seq: this.peerManager.getMetadata().seqNumber, attnets: attKey});
    }
    const local: LocalEnrFields = {
      attnets: state.advertisedAttnets,
      syncnets: state.advertisedSyncnets,
      custodyGroupCount: this.custody.custodyGroupCount,
    };
    const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
    if (updateLocalEnr(this.localEnr, this.config, epoch, local)) {
      this.logger.debug("ENR updated", {seq: this.localEnr.seq});
    }
    return state;
  }

  private readonly onPeerDisconnect = (evt: CustomEvent<PeerId>): void => {
    this.reqResp.onPeerDisconnected(evt.detail.toString());
    this.peerCustody.delete(evt.detail.toString());
  };

  private listenPort(): number | null {
    for (const addr of this.libp2p.getMultiaddrs()) {
      const tcp = addr.getComponents().find((c) => c.name === "tcp");
      if (tcp?.value !== undefined) return Number(tcp.value);
    }
    return null;
  }
}

/**
 * The discv5 node id of a libp2p peer with a secp256k1 key (the "v4" identity scheme: keccak256 of the
 * uncompressed public key), hex without 0x; null for a peer id of another key type or one that does not parse.
 */
export function peerIdToNodeId(peer: PeerIdStr): string | null {
  try {
    const id = peerIdFromString(peer);
    if (id.type !== "secp256k1") return null;
    return getV4Crypto().nodeId(id.publicKey.raw);
  } catch {
    return null;
  }
}

/** The discv5 node id (hex) of the node's own secp256k1 peer key: what its ENR and custody are computed from. */
export function nodeIdOfPeerKey(key: PrivateKey): string {
  return getV4Crypto().nodeId(key.publicKey.raw);
}
