import {readFileSync} from "node:fs";
import {resolve} from "node:path";
import {defaultBlsWorkers, defaultNetworkOptions, defaultRestApiOptions} from "@ceibo/beacon-node/options";
import {type Command, UsageError} from "../command.ts";
import {checkDataDir, type DevForkEpochs, readDataDirRecord, writeDataDirRecord} from "../dataDirGuard.ts";
import {LOG_HELP, LOG_OPTIONS, openLogSink} from "../logging.ts";
import {
  BEACON_METRICS_PORT,
  METRICS_OPTIONS,
  metricsHelp,
  parseIndexList,
  parseMetricsOptions,
  startMetricsServer,
} from "../metrics.ts";
import {COMMON_HELP, type OptionTable, parseCommandOptions} from "../options.ts";

const PUBLIC_NETWORKS = ["mainnet", "hoodi", "sepolia"];

/** The dev chain's slot duration and fork epochs as the node will configure them (recorded in the data dir). */
async function devChainSettings(
  slotDurationMs: number | undefined,
  fork: string,
  forkEpochs: Record<string, number> | undefined,
): Promise<{slotDurationMs: number; forkEpochs: DevForkEpochs}> {
  const {createDevChainConfig} = await import("@ceibo/config");
  const {ACTIVE_PRESET_NAME} = await import("@ceibo/params");
  const order = ["bellatrix", "capella", "deneb", "electra", "fulu"];
  const at = (f: string): number => (order.indexOf(f) <= order.indexOf(fork) ? 0 : Number.POSITIVE_INFINITY);
  const c = createDevChainConfig({
    preset: ACTIVE_PRESET_NAME,
    slotDurationMs,
    forkEpochs: forkEpochs ?? {
      altair: 0,
      bellatrix: 0,
      capella: at("capella"),
      deneb: at("deneb"),
      electra: at("electra"),
      fulu: at("fulu"),
    },
  });
  const e = (epoch: number): number | null => (Number.isFinite(epoch) ? epoch : null);
  return {
    slotDurationMs: c.SLOT_DURATION_MS,
    forkEpochs: {
      altair: e(c.ALTAIR_FORK_EPOCH),
      bellatrix: e(c.BELLATRIX_FORK_EPOCH),
      capella: e(c.CAPELLA_FORK_EPOCH),
      deneb: e(c.DENEB_FORK_EPOCH),
      electra: e(c.ELECTRA_FORK_EPOCH),
      fulu: e(c.FULU_FORK_EPOCH),
    },
  };
}

const HELP = `Usage: ceibo beacon --network mainnet|hoodi|sepolia --execution-urls URL --jwt-secret FILE
                    --checkpoint-sync-url URL [options]
       ceibo beacon --network dev [options]
       ceibo beacon --network custom --config-file config.yaml --genesis-state genesis.ssz [options]

Runs a beacon node. --network mainnet, hoodi or sepolia joins that public network: its built-in config,
genesis and bootnodes, the mainnet preset (set by the network; a different CEIBO_PRESET is refused), p2p on
(listening on 0.0.0.0). It needs an execution client (--execution-urls and the --jwt-secret it shares) and,
for a new data dir, a starting state: --checkpoint-sync-url (recommended), --checkpoint-state with
--checkpoint-block, or --genesis-state; the state must carry the network's genesis validators root.
--network custom joins a network given by its files (e.g. a devnet of another client):
its consensus-specs config.yaml (the preset must be the process's CEIBO_PRESET) and its genesis BeaconState;
p2p is on by default there, and an --execution-urls engine shared with that network is expected.
--network dev is a local dev network: an interop genesis (validators 0..N-1 with the
deterministic interop keys, every fork through fulu (or --dev.fork) active from genesis), block import
(signatures, state transition, execution payload via the Engine API, fork choice), block production, and the dev validators
proposing and attesting inside the node. Finalizes on its own. One status line per slot.
The chain is stored in <data-dir>/<network>/chain-db; started again with the same --data-dir it resumes from it
(the finalized anchor plus the blocks after it).

Options:
  --network NAME            mainnet, hoodi, sepolia, dev or custom (required)
  --config-file FILE        network custom: its config.yaml (SECONDS_PER_SLOT is read when SLOT_DURATION_MS is missing)
  --genesis-state FILE      network custom or a public network: its genesis state (SSZ), used for a new data dir
  --data-dir DIR            data directory (default ./ceibo-data). It records its chain in <data-dir>/ceibo-data.json
                            (network, preset, genesis; dev: validators, slot duration, fork epochs): a start with
                            other settings is refused, naming the difference, before anything in it is touched
  --dev.validators N        interop validators in a NEW dev genesis (default 64)
  --dev.deposit-data FILE   a NEW dev genesis from the deposits of this deposit_data-*.json (made by
                            \`ceibo keys new --network dev\`; checked as \`ceibo keys validate-deposit\` does) with
                            initialize_beacon_state_from_eth1, instead of the interop keys; needs
                            --dev.signing false (the node has no keys of those validators)
  --dev.genesis-time SECS   genesis time of a NEW dev chain, Unix seconds (default: now + 5 s)
  --dev.slot-duration-ms MS SLOT_DURATION_MS of the dev chain (default 6000 minimal / 12000 mainnet);
                            use the same value on every restart of a data dir
  --dev.fork NAME           fork of a dev chain: every fork up to NAME active from genesis, later ones never;
                            bellatrix, capella, deneb, electra or fulu (default fulu); the same on every restart
  --dev.fork-epochs LIST    staged forks instead of --dev.fork: e.g. altair=1,bellatrix=2,capella=3,deneb=4,
                            electra=5,fulu=6 (a fork left out activates with the one before it; epochs must not
                            decrease); needs --execution-urls of an engine with matching fork times
                            (ceibo dev sets this up); the same on every restart
  --dev.eth1-block-hash 0x… latest_execution_payload_header.block_hash of a NEW dev genesis: the execution
                            client's genesis block hash (default 0x42…42, as the mock engine's
                            --genesis-block-hash must then be)
  --dev.blobs-per-block N   blob transactions in each payload the in-process mock engine builds at deneb+
                            (default 0): exercises blob sidecars (deneb/electra) and data columns (fulu)
  --dev.min-epochs-for-sidecars-requests N  MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS and
                            MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS of the dev chain (default 4096): a short
                            sidecar retention window for tests
  --dev.history-window-epochs N  epochs of blocks --prune-history keeps on the dev chain (default the spec's
                            max(MIN_EPOCHS_FOR_BLOCK_REQUESTS, weak subjectivity period)): a short window for tests
  --dev.shard-committee-period N  SHARD_COMMITTEE_PERIOD of the dev chain in epochs (default 64 minimal / 256
                            mainnet); 0 lets validators exit from genesis (e.g. to try ceibo validator exit)
  --dev.signing BOOL        propose and attest with the interop keys inside the node (--network dev only;
                            default true; set false when a validator client does it)
  --dev.peer-block-list FILE  peer ids (one a line, # comments) this node refuses and disconnects; re-read
                            whenever FILE changes, a missing FILE is an empty list (network splits in tests)
  --execution-urls URL      Engine API endpoint of the execution client (e.g. http://127.0.0.1:8551); required
                            on public networks; without it a dev node starts a MOCK engine in-process.
                            Old spelling: --execution.urls. An unreachable or JWT-refusing engine is warned
                            about every slot
  --jwt-secret FILE         hex file with the 32-byte Engine API JWT secret (needed with --execution-urls)
  --rest BOOL               serve the Beacon API (default true)
  --rest.address ADDR       Beacon API listen address (default 127.0.0.1)
  --rest.port PORT          Beacon API port (default ${defaultRestApiOptions.port}; 0 = any free port). Every route a validator
                            client needs (duties, block production/publishing, attestations, aggregates,
                            sync committee), state/block queries, config, events, debug, light client,
                            rewards, blinded blocks (with --builder-url); no route answers 501
  --rest.allowed-hosts H[,H…]  host names the Beacon API answers besides localhost and IP addresses (the Host
                            header is checked against DNS rebinding; * = any), e.g. the docker service name
  --suggested-fee-recipient 0x…  20-byte fee recipient of the payloads this node builds (default zero address)
  --builder-url URL         a builder / relay / mev-boost (builder-specs, e.g. http://127.0.0.1:18550, or a relay
                            as http://0xRELAYPUBKEY@host: then only bids signed by that key count): block
                            proposals compare its bid with the local payload (produceBlockV3 builder_boost_factor)
                            and registrations (register_validator) are forwarded to it. Bids are verified
                            (signature, parent hash, registered fee recipient, value > 0); a builder that is
                            down, late, invalid or tripped by the circuit breaker means a local payload
  --builder.timeout-ms MS   how long a bid may take (default 1000, BUILDER_PROPOSAL_DELAY_TOLERANCE)
  --builder.fault-inspection-window N  circuit breaker: slots looked back at (default 32)
  --builder.allowed-faults N  circuit breaker: missed slots allowed in the window (default 5); more → local
                            payloads only until the missed slots leave the window

Networking (libp2p: TCP + noise + yamux/mplex, gossipsub, req/resp; discv5 discovery):
  --p2p BOOL                join the p2p network. Default false for --network dev (a lone local chain; give
                            --p2p true to run several dev nodes together), true for custom and public networks
  --listen-address ADDR     TCP/UDP listen address (default 127.0.0.1 for dev, 0.0.0.0 otherwise)
  --port PORT               libp2p TCP port (default ${defaultNetworkOptions.port}; 0 = any free port)
  --discovery-port PORT     discv5 UDP port (default: --port)
  --bootnodes ENR[,ENR…]    discv5 bootnodes (enr:… records); peers are found through them. Default: the
                            network's published bootnodes (mainnet, hoodi, sepolia), none otherwise;
                            "none": no bootnodes at all (a node that must not contact the outside)
  --static-peers MA[,MA…]   multiaddrs to stay connected to (/ip4/…/tcp/…/p2p/…)
  --target-peers N          peers to keep (default 50); more are pruned, fewer trigger discovery
  --discv5 BOOL             run discv5 discovery (default true)
  --subscribe-all-subnets   subscribe to every attestation subnet (for aggregating nodes and tests)
  --archive-blobs           keep every blob / data column sidecar (default: sidecars of finalized blocks older
                            than the spec's serve window, MIN_EPOCHS_FOR_*_SIDECARS_REQUESTS, are pruned)
  --bls.workers N           threads verifying BLS signatures (gossip batched, block imports, Beacon API
                            submissions) and decoding the validators' public keys at start, off the main
                            thread (default: cores - 1, at least 1); 0 does it all on the main thread
  --state-snapshot-epochs N  store a state snapshot of the unfinalized chain every N epochs (default 1; kept
                            until finalized): a restart replays at most N epochs of blocks; larger N writes less
  --prune-history           keep only the blocks peers may ask for: finalized blocks (with sidecars and archived
                            states) older than max(MIN_EPOCHS_FOR_BLOCK_REQUESTS, the weak subjectivity period)
                            are deleted and backfill stops there. Recorded in the database: without the flag
                            later, the node warns that history before slot X is gone and backfills it again
  --supernode               PeerDAS supernode (fulu): custody, sample and serve all 128 data columns
  --light-client-server BOOL  serve light clients over p2p (default true): the 4 light-client req/resp protocols
                            and the light_client_finality_update / _optimistic_update gossip topics (the
                            light-client Beacon API routes are always served)
The node keys (libp2p identity, ENR) live in <data-dir>/<network>/network/; the peer store is kept there too.

Sync:
  --checkpoint-sync-url URL  start an EMPTY data dir from the finalized state of a trusted beacon node (its
                            Beacon API URL), then sync forward from peers and backfill history to genesis
  --checkpoint-state FILE   the same from an SSZ state file (with --checkpoint-block FILE for its block)
  --checkpoint-block FILE   SSZ SignedBeaconBlock of the checkpoint state's latest block header
  --force-checkpoint-sync   accept a checkpoint older than the weak subjectivity period (not recommended)

Metrics (Prometheus text format; see installers/grafana/ for dashboards and alert rules):
${metricsHelp(BEACON_METRICS_PORT)}
  --validator-monitor-indices LIST  validator indices to monitor (validator_monitor_* metrics), e.g. 0,5,7 or
                            0..63; validators that a validator client registers through this node's Beacon API
                            (proposer preparation, committee subscriptions) are monitored without it

  --log-level LEVEL         error | warn | info | debug (default info)
${LOG_HELP}
${COMMON_HELP}

The status line says "peers 0 (no peers reachable …)" every slot while no peer is connected; discovery keeps
looking (a lookup per peer-manager heartbeat, not a busy loop).
The preset: mainnet, hoodi and sepolia set it themselves. For dev and custom it comes from the environment:
run with CEIBO_PRESET=minimal for the usual dev chain (8-slot epochs); the default is mainnet (32-slot epochs).
Stop with Ctrl-C (SIGINT) or SIGTERM: the slot loop stops and the database is closed cleanly.`;

function nonNegativeInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--${name} must be a non-negative integer, got "${value}"`);
  }
  return Number(value);
}

const STAGED_FORKS = ["altair", "bellatrix", "capella", "deneb", "electra", "fulu"];

/** "altair=1,bellatrix=2,…" → {altair: 1, bellatrix: 2, …}; checks names, integers and non-decreasing order. */
export function parseForkEpochs(text: string, option: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(",")) {
    const m = /^\s*([a-z]+)\s*=\s*(\d+)\s*$/.exec(part);
    if (m === null) throw new UsageError(`--${option}: "${part}" is not FORK=EPOCH`);
    const [, name, epoch] = m;
    if (!STAGED_FORKS.includes(name)) {
      throw new UsageError(`--${option}: unknown fork "${name}" (one of ${STAGED_FORKS.join(", ")})`);
    }
    if (name in out) throw new UsageError(`--${option}: ${name} given twice`);
    const n = Number(epoch);
    if (!Number.isSafeInteger(n)) throw new UsageError(`--${option}: epoch ${epoch} is too large`);
    out[name] = n;
  }
  let previous = 0;
  let previousName = "genesis";
  for (const name of STAGED_FORKS) {
    const e = out[name];
    if (e === undefined) continue;
    if (e < previous) throw new UsageError(`--${option}: ${name}=${e} is before ${previousName}=${previous}`);
    previous = e;
    previousName = name;
  }
  return out;
}

function boolOption(name: string, value: string | undefined, dflt: boolean): boolean {
  if (value === undefined) return dflt;
  if (value !== "true" && value !== "false") throw new UsageError(`--${name} must be true or false, got "${value}"`);
  return value === "true";
}

function port(name: string, value: string | undefined): number | undefined {
  const n = nonNegativeInt(name, value);
  if (n !== undefined && n > 65535) throw new UsageError(`--${name} must be at most 65535`);
  return n;
}

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "");
}

/** The p2p options of `ceibo beacon` (null: --p2p false). */
export function parseP2pOptions(
  values: Record<string, string | boolean | undefined>,
  defaults: {p2p: boolean; listenAddress: string; bootnodes?: readonly string[]},
): {
  listenAddress: string;
  port: number;
  discoveryPort: number;
  bootnodes: string[];
  staticPeers: string[];
  targetPeers: number;
  discv5: boolean;
  subscribeAllSubnets: boolean;
  supernode: boolean;
  lightClientServer: boolean;
} | null {
  const v = values as Record<string, string | undefined>;
  if (!boolOption("p2p", v.p2p, defaults.p2p)) return null;
  const tcp = port("port", v.port) ?? defaultNetworkOptions.port;
  // "none": no bootnodes at all (e.g. a public network's own list left out, tests that must stay on loopback)
  const bootnodes =
    v.bootnodes === "none" ? [] : v.bootnodes === undefined ? [...(defaults.bootnodes ?? [])] : list(v.bootnodes);
  for (const enr of bootnodes) {
    if (!enr.startsWith("enr:")) throw new UsageError(`--bootnodes: "${enr.slice(0, 40)}" is not an ENR (enr:…)`);
  }
  const staticPeers = list(v["static-peers"]);
  for (const ma of staticPeers) {
    if (!/^\/(ip4|ip6|dns4|dns6|dns)\/[^/]+\/tcp\/\d+\/p2p\/\w+$/.test(ma)) {
      throw new UsageError(`--static-peers: "${ma}" is not a multiaddr like /ip4/1.2.3.4/tcp/9000/p2p/16Uiu2…`);
    }
  }
  const targetPeers = nonNegativeInt("target-peers", v["target-peers"]) ?? defaultNetworkOptions.targetPeers;
  if (targetPeers < 1) throw new UsageError("--target-peers must be at least 1");
  return {
    listenAddress: v["listen-address"] ?? defaults.listenAddress,
    port: tcp,
    discoveryPort: port("discovery-port", v["discovery-port"]) ?? tcp,
    bootnodes,
    staticPeers,
    targetPeers,
    discv5: boolOption("discv5", v.discv5, true),
    subscribeAllSubnets: values["subscribe-all-subnets"] === true,
    supernode: values.supernode === true,
    lightClientServer: boolOption("light-client-server", v["light-client-server"], true),
  };
}

/** Checkpoint sync options (null: start from genesis / the data dir). */
export function parseCheckpointOptions(
  values: Record<string, string | boolean | undefined>,
): {url?: string; stateFile?: string; blockFile?: string; force: boolean} | null {
  const url = values["checkpoint-sync-url"] as string | undefined;
  const stateFile = values["checkpoint-state"] as string | undefined;
  const blockFile = values["checkpoint-block"] as string | undefined;
  if (url !== undefined && stateFile !== undefined) {
    throw new UsageError("give either --checkpoint-sync-url or --checkpoint-state, not both");
  }
  if (blockFile !== undefined && stateFile === undefined)
    throw new UsageError("--checkpoint-block needs --checkpoint-state");
  if (url === undefined && stateFile === undefined) return null;
  if (url !== undefined && !/^https?:\/\/\S+$/.test(url)) {
    throw new UsageError(`--checkpoint-sync-url must be an http(s) URL, got "${url}"`);
  }
  return {
    url,
    stateFile: stateFile && resolve(stateFile),
    blockFile: blockFile && resolve(blockFile),
    force: values["force-checkpoint-sync"] === true,
  };
}

/** Every option of `ceibo beacon` (parseArgs shape; `deprecated` = old spellings still accepted). */
export const BEACON_OPTIONS = {
  network: {type: "string"},
  "config-file": {type: "string"},
  "genesis-state": {type: "string"},
  "data-dir": {type: "string", deprecated: ["dataDir"]},
  "dev.validators": {type: "string"},
  "dev.deposit-data": {type: "string", deprecated: ["dev.depositData"]},
  "dev.shard-committee-period": {type: "string", deprecated: ["dev.shardCommitteePeriod"]},
  "dev.genesis-time": {type: "string", deprecated: ["dev.genesisTime"]},
  "dev.slot-duration-ms": {type: "string", deprecated: ["dev.slotDurationMs"]},
  "dev.signing": {type: "string"},
  "dev.fork": {type: "string"},
  "dev.fork-epochs": {type: "string", deprecated: ["dev.forkEpochs"]},
  "dev.eth1-block-hash": {type: "string", deprecated: ["dev.eth1BlockHash"]},
  "dev.blobs-per-block": {type: "string", deprecated: ["dev.blobsPerBlock"]},
  "dev.min-epochs-for-sidecars-requests": {type: "string"},
  "dev.peer-block-list": {type: "string"},
  "archive-blobs": {type: "boolean", default: false},
  "prune-history": {type: "boolean", default: false},
  "state-snapshot-epochs": {type: "string"},
  "bls.workers": {type: "string"},
  "dev.history-window-epochs": {type: "string"},
  "execution-urls": {type: "string", deprecated: ["execution.urls"]},
  "jwt-secret": {type: "string"},
  rest: {type: "string"},
  "rest.address": {type: "string"},
  "rest.port": {type: "string"},
  "rest.allowed-hosts": {type: "string"},
  "suggested-fee-recipient": {type: "string", deprecated: ["suggestedFeeRecipient"]},
  "builder-url": {type: "string", deprecated: ["builder.urls"]},
  "builder.timeout-ms": {type: "string"},
  "builder.fault-inspection-window": {type: "string"},
  "builder.allowed-faults": {type: "string"},
  p2p: {type: "string"},
  "listen-address": {type: "string", deprecated: ["listenAddress"]},
  port: {type: "string"},
  "discovery-port": {type: "string", deprecated: ["discoveryPort"]},
  bootnodes: {type: "string"},
  "static-peers": {type: "string", deprecated: ["staticPeers"]},
  "target-peers": {type: "string", deprecated: ["targetPeers"]},
  discv5: {type: "string"},
  "subscribe-all-subnets": {type: "boolean", default: false, deprecated: ["subscribeAllSubnets"]},
  supernode: {type: "boolean", default: false},
  "light-client-server": {type: "string"},
  "checkpoint-sync-url": {type: "string"},
  "checkpoint-state": {type: "string"},
  "checkpoint-block": {type: "string"},
  "force-checkpoint-sync": {type: "boolean", default: false},
  ...METRICS_OPTIONS,
  "validator-monitor-indices": {type: "string"},
  "log-level": {type: "string"},
  ...LOG_OPTIONS,
} as const satisfies OptionTable;

/** --builder-url and its circuit breaker / timeout options (null: no builder). */
function parseBuilderOptions(values: Record<string, string | boolean | undefined>) {
  const url = values["builder-url"] as string | undefined;
  const keys = ["builder.timeout-ms", "builder.fault-inspection-window", "builder.allowed-faults"];
  if (url === undefined) {
    const given = keys.find((k) => values[k] !== undefined);
    if (given !== undefined) throw new UsageError(`--${given} needs --builder-url`);
    return null;
  }
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw Error();
  } catch {
    throw new UsageError(`--builder-url must be an http(s) URL, got "${url}"`);
  }
  const window = nonNegativeInt("builder.fault-inspection-window", values["builder.fault-inspection-window"] as string);
  const allowed = nonNegativeInt("builder.allowed-faults", values["builder.allowed-faults"] as string);
  const timeout = nonNegativeInt("builder.timeout-ms", values["builder.timeout-ms"] as string);
  if (window !== undefined && window < 1) throw new UsageError("--builder.fault-inspection-window must be at least 1");
  const w = window ?? 32;
  if (allowed !== undefined && allowed >= w) {
    throw new UsageError(`--builder.allowed-faults must be below the fault inspection window (${w})`);
  }
  if (timeout !== undefined && timeout < 1) throw new UsageError("--builder.timeout-ms must be at least 1");
  return {
    url,
    ...(timeout !== undefined ? {getHeaderTimeoutMs: timeout} : {}),
    ...(window !== undefined ? {faultInspectionWindow: window} : {}),
    ...(allowed !== undefined ? {allowedFaults: allowed} : {}),
  };
}

export const beaconCommand: Command = {
  summary: "run a beacon node: mainnet, hoodi, sepolia (checkpoint sync + execution client), dev or custom",
  async run(argv) {
    const values = parseCommandOptions(argv, BEACON_OPTIONS, {command: "beacon", help: HELP});
    if (values === null) return 0;
    const metricsServerOpts = parseMetricsOptions(values, BEACON_METRICS_PORT);
    const monitorIndices = parseIndexList(values["validator-monitor-indices"], "validator-monitor-indices");
    if (monitorIndices !== undefined && metricsServerOpts === null) {
      throw new UsageError("--validator-monitor-indices needs --metrics");
    }
    if (values.network === undefined) {
      throw new UsageError("--network is required (mainnet, hoodi, sepolia, dev or custom)");
    }
    if (!["dev", "custom", ...PUBLIC_NETWORKS].includes(values.network)) {
      throw new UsageError(
        `--network ${values.network} is not supported (mainnet, hoodi, sepolia, dev, or custom with --config-file and --genesis-state)`,
      );
    }
    const isCustom = values.network === "custom";
    const isPublic = PUBLIC_NETWORKS.includes(values.network);
    let custom: {chainConfig: import("@ceibo/config").ChainConfig; genesisStateFile: string} | undefined;
    let publicNetwork: import("@ceibo/config").NetworkInfo | undefined;
    if (isPublic) {
      if (values["config-file"] !== undefined) {
        throw new UsageError(`--config-file is for --network custom; ${values.network}'s config is built in`);
      }
      const {networks} = await import("@ceibo/config");
      const {ACTIVE_PRESET_NAME} = await import("@ceibo/params");
      publicNetwork = networks[values.network as "hoodi"];
      if (ACTIVE_PRESET_NAME !== publicNetwork.chainConfig.PRESET_BASE) {
        throw new UsageError(
          `--network ${values.network} runs the ${publicNetwork.chainConfig.PRESET_BASE} preset but this process runs ` +
            `${ACTIVE_PRESET_NAME} (unset CEIBO_PRESET)`,
        );
      }
      const genesisState = values["genesis-state"];
      if (genesisState !== undefined) {
        custom = {chainConfig: publicNetwork.chainConfig, genesisStateFile: resolve(genesisState)};
      }
    } else if (isCustom) {
      const configFile = values["config-file"];
      const genesisState = values["genesis-state"];
      if (configFile === undefined || genesisState === undefined) {
        throw new UsageError("--network custom needs --config-file FILE (config.yaml) and --genesis-state FILE (SSZ)");
      }
      const {chainConfigFromYaml} = await import("@ceibo/config");
      let text: string;
      try {
        text = readFileSync(configFile, "utf8");
      } catch (e) {
        throw new UsageError(`cannot read --config-file ${configFile}: ${(e as Error).message}`);
      }
      const {config} = chainConfigFromYaml(text);
      const preset = process.env.CEIBO_PRESET || "mainnet";
      if (config.PRESET_BASE !== preset) {
        throw new UsageError(
          `${configFile} is a ${config.PRESET_BASE} network but this process runs the ${preset} preset (set CEIBO_PRESET=${config.PRESET_BASE})`,
        );
      }
      custom = {chainConfig: config, genesisStateFile: resolve(genesisState)};
    } else if (values["config-file"] !== undefined || values["genesis-state"] !== undefined) {
      throw new UsageError(
        "--config-file and --genesis-state are for --network custom (and --genesis-state for mainnet, hoodi, sepolia)",
      );
    }
    const validators = nonNegativeInt("dev.validators", values["dev.validators"]) ?? 64;
    if (validators < 1) throw new UsageError("--dev.validators must be at least 1");
    const genesisTime = nonNegativeInt("dev.genesis-time", values["dev.genesis-time"]);
    const slotDurationMs = nonNegativeInt("dev.slot-duration-ms", values["dev.slot-duration-ms"]);
    if (slotDurationMs !== undefined && slotDurationMs < 1000) {
      throw new UsageError("--dev.slot-duration-ms must be at least 1000");
    }
    const snapshotEpochs = nonNegativeInt("state-snapshot-epochs", values["state-snapshot-epochs"]);
    if (snapshotEpochs !== undefined && snapshotEpochs < 1)
      throw new UsageError("--state-snapshot-epochs must be at least 1");
    const blsWorkers = nonNegativeInt("bls.workers", values["bls.workers"]) ?? defaultBlsWorkers();
    const depositDataFile = values["dev.deposit-data"];
    if (isPublic) {
      const devOption = Object.keys(values).find(
        (k) => k.startsWith("dev.") && values[k as "dev.signing"] !== undefined,
      );
      if (devOption !== undefined) throw new UsageError(`--${devOption} is for --network dev, not ${values.network}`);
    }
    const signing = values["dev.signing"] ?? (isCustom || isPublic || depositDataFile !== undefined ? "false" : "true");
    if (signing !== "true" && signing !== "false") throw new UsageError("--dev.signing must be true or false");
    if (isCustom && signing === "true") {
      throw new UsageError(
        "--dev.signing true is for --network dev: a custom network's validators sign in a validator client",
      );
    }
    let devDeposits: import("@ceibo/state-transition").DepositData[] | undefined;
    if (depositDataFile !== undefined) {
      if (isCustom) throw new UsageError("--dev.deposit-data is for --network dev");
      if (signing === "true") {
        throw new UsageError("--dev.deposit-data needs --dev.signing false: the node has no keys of those validators");
      }
      const {readDevDeposits} = await import("./devDeposits.ts");
      devDeposits = readDevDeposits(depositDataFile);
    }
    const devFork = values["dev.fork"] ?? "fulu";
    if (!["bellatrix", "capella", "deneb", "electra", "fulu"].includes(devFork)) {
      throw new UsageError("--dev.fork must be bellatrix, capella, deneb, electra or fulu");
    }
    let forkEpochs: Record<string, number> | undefined;
    if (values["dev.fork-epochs"] !== undefined) {
      if (values["dev.fork"] !== undefined)
        throw new UsageError("give either --dev.fork or --dev.fork-epochs, not both");
      forkEpochs = parseForkEpochs(values["dev.fork-epochs"], "dev.fork-epochs");
    }
    let eth1BlockHash: Uint8Array | undefined;
    if (values["dev.eth1-block-hash"] !== undefined) {
      if (!/^0x[0-9a-fA-F]{64}$/.test(values["dev.eth1-block-hash"])) {
        throw new UsageError("--dev.eth1-block-hash must be a 0x-prefixed 32-byte hex block hash");
      }
      eth1BlockHash = Uint8Array.from(Buffer.from(values["dev.eth1-block-hash"].slice(2), "hex"));
    }
    const restOn = values.rest ?? "true";
    if (restOn !== "true" && restOn !== "false") throw new UsageError("--rest must be true or false");
    const restPort = nonNegativeInt("rest.port", values["rest.port"]) ?? defaultRestApiOptions.port;
    if (restPort > 65535) throw new UsageError("--rest.port must be at most 65535");
    const allowedHosts = (values["rest.allowed-hosts"] ?? "")
      .split(",")
      .map((h) => h.trim())
      .filter((h) => h !== "");
    const rest =
      restOn === "true"
        ? {address: values["rest.address"] ?? defaultRestApiOptions.address, port: restPort, allowedHosts}
        : null;
    const level = values["log-level"] ?? "info";
    if (!["error", "warn", "info", "debug"].includes(level)) {
      throw new UsageError("--log-level must be error, warn, info or debug");
    }
    let feeRecipient: Uint8Array | undefined;
    if (values["suggested-fee-recipient"] !== undefined) {
      if (!/^0x[0-9a-fA-F]{40}$/.test(values["suggested-fee-recipient"])) {
        throw new UsageError("--suggested-fee-recipient must be a 0x-prefixed 20-byte hex address");
      }
      feeRecipient = Uint8Array.from(Buffer.from(values["suggested-fee-recipient"].slice(2), "hex"));
    }
    // dev chains are local: no p2p unless asked for, and only on loopback by default
    const p2p = parseP2pOptions(
      values,
      isCustom || isPublic
        ? {p2p: true, listenAddress: defaultNetworkOptions.listenAddress, bootnodes: publicNetwork?.bootnodes}
        : {p2p: false, listenAddress: "127.0.0.1"},
    );
    const peerBlockList = values["dev.peer-block-list"];
    if (peerBlockList !== undefined && (values.network !== "dev" || p2p === null)) {
      throw new UsageError("--dev.peer-block-list is for --network dev with --p2p true");
    }
    const checkpoint = parseCheckpointOptions(values);
    const url = values["execution-urls"];
    if (url !== undefined && values["jwt-secret"] === undefined) {
      throw new UsageError("--execution-urls needs --jwt-secret FILE");
    }
    const builderOpts = parseBuilderOptions(values);
    const dataDir = resolve(values["data-dir"] ?? "ceibo-data");
    // a public network needs a starting state (unless the data dir holds its chain) and a real execution client
    if (isPublic) {
      const network = values.network;
      // the record is written only once a start succeeded: then the data dir holds the chain
      const resuming = readDataDirRecord(dataDir)?.network === network;
      const missing: string[] = [];
      if (!resuming && checkpoint === null && custom === undefined) {
        missing.push(
          "a starting state (--checkpoint-sync-url URL of a trusted beacon node, or --checkpoint-state FILE " +
            "--checkpoint-block FILE, or --genesis-state FILE)",
        );
      }
      if (url === undefined) {
        missing.push("an execution client (--execution-urls URL --jwt-secret FILE, e.g. http://127.0.0.1:8551)");
      }
      if (missing.length > 0) throw new UsageError(`--network ${network} needs ${missing.join(" and ")}`);
    }
    const {genesisValidatorsRoot: knownGvr} = publicNetwork?.genesis ?? {};
    const guardNetwork = values.network;
    const devSettings = isCustom || isPublic ? undefined : await devChainSettings(slotDurationMs, devFork, forkEpochs);
    // the preset the SSZ types of this process were built with (fixed when @ceibo/params loaded)
    const presetName = (await import("@ceibo/params")).ACTIVE_PRESET_NAME;
    const configName = custom?.chainConfig.CONFIG_NAME ?? publicNetwork?.chainConfig.CONFIG_NAME ?? "dev";
    const recorded = checkDataDir(dataDir, {
      network: guardNetwork,
      preset: presetName,
      configName,
      genesisValidatorsRoot: knownGvr && `0x${Buffer.from(knownGvr).toString("hex")}`,
      dev: devSettings && {
        validators: values["dev.validators"] !== undefined ? validators : undefined,
        genesisTime,
        ...devSettings,
      },
    });

    // Loaded here so that other commands do not pay for the beacon node's modules.
    const {readJwtSecret} = await import("@ceibo/beacon-node/execution");
    const {BeaconNode, ConsoleLogger} = await import("@ceibo/beacon-node/node");
    const jwtSecret = values["jwt-secret"] !== undefined ? readJwtSecret(values["jwt-secret"]) : undefined;
    const logs = openLogSink(values, (line) => process.stdout.write(`${line}\n`));
    const logger = new ConsoleLogger(level as "info", logs.write, {format: logs.format});
    logger.info("Starting beacon node", {
      network: values.network,
      dataDir,
      preset: process.env.CEIBO_PRESET || "mainnet",
    });

    const nodeOpts = {
      custom,
      dataDir,
      executionUrl: url,
      archiveBlobs: values["archive-blobs"] === true,
      pruneHistory: values["prune-history"] === true,
      jwtSecret,
      rest,
      chain: {suggestedFeeRecipient: feeRecipient, stateSnapshotEpochs: snapshotEpochs, blsWorkers},
      builder: builderOpts,
      p2p: p2p && peerBlockList !== undefined ? {...p2p, peerBlockListFile: resolve(peerBlockList)} : p2p,
      checkpoint,
      metrics: metricsServerOpts !== null ? {validatorMonitorIndices: monitorIndices} : null,
      logger,
    };
    // --network dev: the dev composition (genesis, mock engine, in-node validators); it is loaded only for dev
    const node =
      values.network === "dev"
        ? await (await import("@ceibo/beacon-node/node/dev")).DevBeaconNode.init({
            ...nodeOpts,
            devValidators: validators,
            devDeposits,
            genesisTime,
            slotDurationMs,
            devFork: devFork as "fulu",
            devForkEpochs: forkEpochs,
            devShardCommitteePeriod: nonNegativeInt("dev.shard-committee-period", values["dev.shard-committee-period"]),
            eth1BlockHash,
            devBlobsPerBlock: nonNegativeInt("dev.blobs-per-block", values["dev.blobs-per-block"]),
            devMinEpochsForSidecarsRequests: nonNegativeInt(
              "dev.min-epochs-for-sidecars-requests",
              values["dev.min-epochs-for-sidecars-requests"],
            ),
            devHistoryWindowEpochs: nonNegativeInt("dev.history-window-epochs", values["dev.history-window-epochs"]),
            devSigning: signing === "true",
          })
        : await BeaconNode.init({...nodeOpts, network: values.network as "custom"});
    writeDataDirRecord(dataDir, {
      network: guardNetwork,
      preset: presetName,
      configName,
      genesisValidatorsRoot: `0x${Buffer.from(node.chain.genesisValidatorsRoot).toString("hex")}`,
      genesisTime: node.chain.genesisTime,
      dev: devSettings && {
        // the genesis validator count: kept from the record (deposits may add validators later), else as started
        validators:
          recorded?.dev?.validators ??
          (values["dev.validators"] !== undefined || !node.resumed
            ? validators
            : node.chain.getHeadState().state.validators.length),
        ...devSettings,
      },
    });
    let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | null = null;
    if (node.metrics !== null && metricsServerOpts !== null) {
      try {
        metricsServer = await startMetricsServer(node.metrics.registry, metricsServerOpts);
      } catch (e) {
        await node.close();
        throw e;
      }
      logger.info("Metrics server listening", {url: metricsServer.url});
    }
    node.start();

    await new Promise<void>((resolveStop) => {
      const stop = (signal: string): void => {
        process.off("SIGINT", onInt);
        process.off("SIGTERM", onTerm);
        logger.info(`Received ${signal}, shutting down`);
        resolveStop();
      };
      const onInt = (): void => stop("SIGINT");
      const onTerm = (): void => stop("SIGTERM");
      process.on("SIGINT", onInt);
      process.on("SIGTERM", onTerm);
    });
    await metricsServer?.close();
    await node.close();
    logs.close();
    // Everything of ours is closed (db, network, servers). @chainsafe/discv5 11 leaves a pending lookup's 60 s
    // timer referenced after stop(); do not let it hold a stopped node for a minute.
    setTimeout(() => process.exit(process.exitCode ?? 0), 300).unref();
    return 0;
  },
};
