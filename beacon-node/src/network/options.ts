/**
 * The p2p network's options and defaults (the CLI maps `--listen-address`, `--port`, `--discovery-port`,
 * `--bootnodes`, `--target-peers`, … onto them). Gossipsub router parameters: gossip/options.ts; range sync:
 * ../sync/range/options.ts.
 */
import type {PrivateKey} from "@libp2p/interface";
import type {NodeCustody} from "../chain/da/custody.ts";
import type {GossipMetricsHook, ReqRespMetricsHook} from "../metrics/hooks.ts";
import type {DiscoveryOpts} from "./discovery/discv5.ts";
import type {GossipHandlerModules} from "./gossip/index.ts";
import type {PeerManagerOpts} from "./peers/peerManager.ts";

export const defaultNetworkOptions = {
  /** Bind every IPv4 interface (dev nodes: 127.0.0.1). */
  listenAddress: "0.0.0.0",
  /** libp2p TCP port (and discv5 UDP port unless given). */
  port: 9000,
  /** Peers to keep connected. */
  targetPeers: 50,
} as const;

export interface NetworkOpts {
  /** IPv4 address the TCP (libp2p) and UDP (discv5) sockets bind to (default 0.0.0.0; tests: 127.0.0.1). */
  listenAddress?: string;
  /** libp2p TCP port (default 9000; 0: any free port). */
  port?: number;
  /** discv5 UDP port (default: the TCP port; 0: any free port). */
  discoveryPort?: number;
  /**
   * The IPv4 address advertised in the ENR (default: the listen address unless it is 0.0.0.0, in which case
   * discv5 learns it from its peers' PONGs).
   */
  enrAddress?: string;
  /** Bootnode ENRs ("enr:…"). */
  bootnodes?: string[];
  /** Peers (multiaddrs with /p2p/<peer id>) to stay connected to. */
  staticPeers?: string[];
  /** Peers to keep connected (default 50). */
  targetPeers?: number;
  /** Run discv5 (default true). */
  discv5?: boolean;
  /** Subscribe to (and advertise) every attestation and sync committee subnet. */
  subscribeAllSubnets?: boolean;
  /**
   * Serve light clients (default true): the light-client req/resp protocols (advertised through identify) and
   * the light_client_finality_update / light_client_optimistic_update gossip topics.
   */
  lightClientServer?: boolean;
  /** The node's secp256k1 key (default: `<dataDir>/network/peer-id.json`, created on first start). */
  privateKey?: PrivateKey;
  /**
   * The node's PeerDAS custody, when the node built it before the chain (it is the chain's `custody` too); it
   * must be of this key's node id. Default: built here from the key's node id and `custodyGroupCount`.
   */
  custody?: NodeCustody;
  /**
   * fulu custody group count (ENR `cgc`, MetaData v3): the stored count from the last run (it never decreases;
   * default CUSTODY_REQUIREMENT; NUMBER_OF_CUSTODY_GROUPS for a supernode).
   */
  custodyGroupCount?: number;
  /** Persist known good peers in `<dataDir>/network/peers.json` (default true). */
  persistPeers?: boolean;
  /** Local development network (gossip: publishing without peers is fine, loopback IP colocation allowed). */
  dev?: boolean;
  /** identify agent version (default "ceibo/<version>"). */
  agentVersion?: string;
  /**
   * Dev networks only (`--dev.peer-block-list`): a file of peer ids this node refuses and disconnects, re-read
   * when it changes (network splits in the simulation; peers/blockList.ts).
   */
  peerBlockListFile?: string;
  /** Peer manager timings (tests). */
  peerManager?: Pick<
    PeerManagerOpts,
    | "pingIntervalMs"
    | "statusIntervalMs"
    | "heartbeatIntervalMs"
    | "inboundStatusTimeoutMs"
    | "goodbyeTimeoutMs"
    | "pruneGraceMs"
  >;
  /** discv5 tuning (tests). */
  discv5Config?: DiscoveryOpts["discv5Config"];
  /** Gossip and req/resp metrics (`--metrics`: the node's BeaconMetrics). */
  metricsHook?: (GossipMetricsHook & ReqRespMetricsHook) | null;
  /** GossipHandler extras (data availability, unknown-parent callback). */
  gossip?: Pick<GossipHandlerModules, "da" | "onUnknownBlockParent">;
}
