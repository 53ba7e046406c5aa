/**
 * The beacon node's options: one object composed of each module's own options (chain/options.ts,
 * network/options.ts, api/options.ts, execution/options.ts, metrics). The defaults live next to each module; the
 * CLI maps its flags onto these fields. Dev-only options are in dev.ts (`DevNodeOpts`), read by the dev
 * composition only.
 */
import type {ChainConfig} from "@ceibo/config";
import type {Logger} from "@ceibo/utils";
import type {RestApiOpts} from "../api/options.ts";
import type {BeaconChainOpts} from "../chain/options.ts";
import type {BuilderServiceOpts} from "../execution/builder/index.ts";
import type {NodeMetricsOpts} from "../metrics/options.ts";

export type {RestApiOpts};

/** The networks a beacon node runs on; "dev" is built by the dev composition (dev.ts). */
export type NodeNetworkName = "dev" | "custom" | "mainnet" | "hoodi" | "sepolia";

export interface BeaconNodeOpts {
  /**
   * "custom": a network given by its config and genesis state (`custom`); "mainnet" | "hoodi" | "sepolia": a public
   * network (built-in config; starts from a checkpoint or `custom`'s genesis state file; needs `executionUrl`);
   * "dev": only through the dev composition (dev.ts `DevBeaconNode.init`), which makes an interop genesis.
   */
  network: NodeNetworkName;
  /**
   * network "custom": the chain config (config.yaml) and the genesis state file (SSZ) of that network; a public
   * network: its genesis state file (with the built-in config).
   */
  custom?: {chainConfig: ChainConfig; genesisStateFile: string};
  dataDir: string;
  /** Engine API URL (with `jwtSecret`). Required on public and custom networks; dev: none = the in-process mock. */
  executionUrl?: string;
  jwtSecret?: Uint8Array;
  /** Keep every blob / data column sidecar (no retention pruning; `--archive-blobs`). */
  archiveBlobs?: boolean;
  /** Keep only the blocks of the retention window (`--prune-history`, chain/history.ts); recorded in the db. */
  pruneHistory?: boolean;
  /** Beacon API server (default none; the CLI passes api/options.ts' defaults 127.0.0.1:5052). Port 0: any free port. */
  rest?: RestApiOpts | null;
  chain?: BeaconChainOpts;
  /** Join the p2p network (null/undefined: no networking — a lone node). */
  p2p?: P2pOpts | null;
  /** Start an empty data dir from a finalized checkpoint (URL of a trusted Beacon API, or SSZ files). */
  checkpoint?: CheckpointOpts | null;
  /**
   * A builder / relay / mev-boost (builder-specs) for produceBlockV3 and the blinded routes (`--builder-url`;
   * null/undefined: none, local payloads only). Needs the Beacon API (`rest`).
   */
  builder?: BuilderServiceOpts | null;
  /** Prometheus metrics and the validator monitor (null: none). The CLI serves `node.metrics.registry`. */
  metrics?: NodeMetricsOpts | null;
  logger?: Logger;
  /** Wall clock in ms (tests). */
  nowMs?: () => number;
}

export interface P2pOpts {
  listenAddress: string;
  port: number;
  discoveryPort: number;
  /** discv5 bootnodes (ENR strings). */
  bootnodes: string[];
  /** Multiaddrs to stay connected to. */
  staticPeers: string[];
  targetPeers: number;
  discv5: boolean;
  subscribeAllSubnets: boolean;
  /** PeerDAS supernode: custody group count NUMBER_OF_CUSTODY_GROUPS (all columns). */
  supernode?: boolean;
  /** Serve light clients over p2p: the light-client req/resp protocols and gossip topics (default true). */
  lightClientServer?: boolean;
  /** Dev only: the peer block-list file (NetworkOpts.peerBlockListFile). */
  peerBlockListFile?: string;
}

export interface CheckpointOpts {
  url?: string;
  stateFile?: string;
  blockFile?: string;
  /** Accept a checkpoint outside the weak subjectivity period. */
  force: boolean;
}
