import {readFileSync} from "node:fs";
import {resolve} from "node:path";
import {parseArgs} from "node:util";
import {type Command, UsageError} from "../command.ts";

const HELP = `Usage: ceibo beacon --network dev [options]
       ceibo beacon --network custom --config-file config.yaml --genesis-state genesis.ssz [options]

Runs a beacon node. --network custom joins a network given by its files (e.g. a devnet of another client):
its consensus-specs config.yaml (the preset must be the process's CEIBO_PRESET) and its genesis BeaconState;
p2p is on by default there, and an --execution.urls engine shared with that network is expected.
--network dev is a local dev network: an interop genesis (validators 0..N-1 with the
deterministic interop keys, every fork through fulu (or --dev.fork) active from genesis), block import
(signatures, state transition, execution payload via the Engine API, fork choice), block production, and the dev validators
proposing and attesting inside the node. Finalizes on its own. One status line per slot.
The chain is stored in <dataDir>/<network>/chain-db; started again with the same --dataDir it resumes from it
(the finalized anchor plus the blocks after it).

Options:
  --network NAME            dev or custom (required)
  --config-file FILE        network custom: its config.yaml (SECONDS_PER_SLOT is read when SLOT_DURATION_MS is missing)
  --genesis-state FILE      network custom: its genesis state (SSZ), used for a new data dir
  --dataDir DIR             data directory (default ./ceibo-data)
  --dev.validators N        interop validators in a NEW dev genesis (default 64)
  --dev.genesisTime SECS    genesis time of a NEW dev chain, Unix seconds (default: now + 5 s)
  --dev.slotDurationMs MS   SLOT_DURATION_MS of the dev chain (default 6000 minimal / 12000 mainnet);
                            use the same value on every restart of a data dir
  --dev.fork NAME           fork of a dev chain: every fork up to NAME active from genesis, later ones never;
                            bellatrix, capella, deneb, electra or fulu (default fulu); the same on every restart
  --dev.forkEpochs LIST     staged forks instead of --dev.fork: e.g. altair=1,bellatrix=2,capella=3,deneb=4,
                            electra=5,fulu=6 (a fork left out activates with the one before it; epochs must not
                            decrease); needs --execution.urls of an engine with matching fork times
                            (ceibo dev sets this up); the same on every restart
  --dev.eth1BlockHash 0x…   latest_execution_payload_header.block_hash of a NEW dev genesis: the execution
                            client's genesis block hash (default 0x42…42, as the mock engine's
                            --genesis-block-hash must then be)
  --dev.blobsPerBlock N     blob transactions in each payload the in-process mock engine builds at deneb+
                            (default 0): exercises blob sidecars (deneb/electra) and data columns (fulu)
  --dev.signing BOOL        propose and attest with the interop keys inside the node (default true; set
                            false when a validator client does it)
  --execution.urls URL      Engine API endpoint of the execution client (e.g. http://127.0.0.1:8551);
                            without it a MOCK execution engine is started in-process (dev only)
  --jwt-secret FILE         hex file with the 32-byte Engine API JWT secret (needed with --execution.urls)
  --rest BOOL               serve the Beacon API (default true)
  --rest.address ADDR       Beacon API listen address (default 127.0.0.1)
  --rest.port PORT          Beacon API port (default 5052; 0 = any free port). Every route a validator
                            client needs (duties, block production/publishing, attestations, aggregates,
                            sync committee), state/block queries, config, events, debug; light client and
                            rewards answer 501
  --rest.allowed-hosts H[,H…]  host names the Beacon API answers besides localhost and IP addresses (the Host
                            header is checked against DNS rebinding; * = any), e.g. the docker service name
  --suggestedFeeRecipient 0x…  20-byte fee recipient of the payloads this node builds (default zero address)

Networking (libp2p: TCP + noise + yamux/mplex, gossipsub, req/resp; discv5 discovery):
  --p2p BOOL                join the p2p network. Default false for --network dev (a lone local chain; give
                            --p2p true to run several dev nodes together), true for public networks
  --listenAddress ADDR      TCP/UDP listen address (default 127.0.0.1 for dev, 0.0.0.0 otherwise)
  --port PORT               libp2p TCP port (default 9000; 0 = any free port)
  --discoveryPort PORT      discv5 UDP port (default: --port)
  --bootnodes ENR[,ENR…]    discv5 bootnodes (enr:… records); peers are found through them
  --staticPeers MA[,MA…]    multiaddrs to stay connected to (/ip4/…/tcp/…/p2p/…)
  --targetPeers N           peers to keep (default 50); more are pruned, fewer trigger discovery
  --discv5 BOOL             run discv5 discovery (default true)
  --subscribeAllSubnets     subscribe to every attestation subnet (for aggregating nodes and tests)
  --supernode               PeerDAS supernode (fulu): custody, sample and serve all 128 data columns
The node keys (libp2p identity, ENR) live in <dataDir>/<network>/network/; the peer store is kept there too.

Sync:
  --checkpoint-sync-url URL  start an EMPTY data dir from the finalized state of a trusted beacon node (its
                            Beacon API URL), then sync forward from peers and backfill history to genesis
  --checkpoint-state FILE   the same from an SSZ state file (with --checkpoint-block FILE for its block)
  --checkpoint-block FILE   SSZ SignedBeaconBlock of the checkpoint state's latest block header
  --force-checkpoint-sync   accept a checkpoint older than the weak subjectivity period (not recommended)
  --log-level LEVEL         error | warn | info | debug (default info)
  -h, --help                this help

The preset comes from the environment: run with CEIBO_PRESET=minimal for the usual dev chain (8-slot epochs);
the default is mainnet (32-slot epochs).
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
  defaults: {p2p: boolean; listenAddress: string},
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
} | null {
  const v = values as Record<string, string | undefined>;
  if (!boolOption("p2p", v.p2p, defaults.p2p)) return null;
  const tcp = port("port", v.port) ?? 9000;
  const bootnodes = list(v.bootnodes);
  for (const enr of bootnodes) {
    if (!enr.startsWith("enr:")) throw new UsageError(`--bootnodes: "${enr.slice(0, 40)}" is not an ENR (enr:…)`);
  }
  const staticPeers = list(v.staticPeers);
  for (const ma of staticPeers) {
    if (!/^\/(ip4|ip6|dns4|dns6|dns)\/[^/]+\/tcp\/\d+\/p2p\/\w+$/.test(ma)) {
      throw new UsageError(`--staticPeers: "${ma}" is not a multiaddr like /ip4/1.2.3.4/tcp/9000/p2p/16Uiu2…`);
    }
  }
  const targetPeers = nonNegativeInt("targetPeers", v.targetPeers) ?? 50;
  if (targetPeers < 1) throw new UsageError("--targetPeers must be at least 1");
  return {
    listenAddress: v.listenAddress ?? defaults.listenAddress,
    port: tcp,
    discoveryPort: port("discoveryPort", v.discoveryPort) ?? tcp,
    bootnodes,
    staticPeers,
    targetPeers,
    discv5: boolOption("discv5", v.discv5, true),
    subscribeAllSubnets: values.subscribeAllSubnets === true,
    supernode: values.supernode === true,
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

export const beaconCommand: Command = {
  summary: "run a beacon node (dev network: interop genesis, mock engine, finalizing chain)",
  async run(argv) {
    const {values} = parseArgs({
      args: argv,
      options: {
        network: {type: "string"},
        "config-file": {type: "string"},
        "genesis-state": {type: "string"},
        dataDir: {type: "string"},
        "dev.validators": {type: "string"},
        "dev.genesisTime": {type: "string"},
        "dev.slotDurationMs": {type: "string"},
        "dev.signing": {type: "string"},
        "dev.fork": {type: "string"},
        "dev.forkEpochs": {type: "string"},
        "dev.eth1BlockHash": {type: "string"},
        "dev.blobsPerBlock": {type: "string"},
        "execution.urls": {type: "string"},
        "jwt-secret": {type: "string"},
        rest: {type: "string"},
        "rest.address": {type: "string"},
        "rest.port": {type: "string"},
        "rest.allowed-hosts": {type: "string"},
        suggestedFeeRecipient: {type: "string"},
        p2p: {type: "string"},
        listenAddress: {type: "string"},
        port: {type: "string"},
        discoveryPort: {type: "string"},
        bootnodes: {type: "string"},
        staticPeers: {type: "string"},
        targetPeers: {type: "string"},
        discv5: {type: "string"},
        subscribeAllSubnets: {type: "boolean", default: false},
        supernode: {type: "boolean", default: false},
        "checkpoint-sync-url": {type: "string"},
        "checkpoint-state": {type: "string"},
        "checkpoint-block": {type: "string"},
        "force-checkpoint-sync": {type: "boolean", default: false},
        "log-level": {type: "string"},
        help: {type: "boolean", short: "h", default: false},
      },
      strict: true,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (values.network === undefined) throw new UsageError("--network is required (dev or custom)");
    if (values.network !== "dev" && values.network !== "custom") {
      throw new UsageError(
        `--network ${values.network} is not supported yet (dev, or custom with --config-file and --genesis-state)`,
      );
    }
    const isCustom = values.network === "custom";
    let custom: {chainConfig: import("@ceibo/config").ChainConfig; genesisStateFile: string} | undefined;
    if (isCustom) {
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
      throw new UsageError("--config-file and --genesis-state are for --network custom");
    }
    const validators = nonNegativeInt("dev.validators", values["dev.validators"]) ?? 64;
    if (validators < 1) throw new UsageError("--dev.validators must be at least 1");
    const genesisTime = nonNegativeInt("dev.genesisTime", values["dev.genesisTime"]);
    const slotDurationMs = nonNegativeInt("dev.slotDurationMs", values["dev.slotDurationMs"]);
    if (slotDurationMs !== undefined && slotDurationMs < 1000) {
      throw new UsageError("--dev.slotDurationMs must be at least 1000");
    }
    const signing = values["dev.signing"] ?? (isCustom ? "false" : "true");
    if (signing !== "true" && signing !== "false") throw new UsageError("--dev.signing must be true or false");
    const devFork = values["dev.fork"] ?? "fulu";
    if (!["bellatrix", "capella", "deneb", "electra", "fulu"].includes(devFork)) {
      throw new UsageError("--dev.fork must be bellatrix, capella, deneb, electra or fulu");
    }
    let forkEpochs: Record<string, number> | undefined;
    if (values["dev.forkEpochs"] !== undefined) {
      if (values["dev.fork"] !== undefined)
        throw new UsageError("give either --dev.fork or --dev.forkEpochs, not both");
      forkEpochs = parseForkEpochs(values["dev.forkEpochs"], "dev.forkEpochs");
    }
    let eth1BlockHash: Uint8Array | undefined;
    if (values["dev.eth1BlockHash"] !== undefined) {
      if (!/^0x[0-9a-fA-F]{64}$/.test(values["dev.eth1BlockHash"])) {
        throw new UsageError("--dev.eth1BlockHash must be a 0x-prefixed 32-byte hex block hash");
      }
      eth1BlockHash = Uint8Array.from(Buffer.from(values["dev.eth1BlockHash"].slice(2), "hex"));
    }
    const restOn = values.rest ?? "true";
    if (restOn !== "true" && restOn !== "false") throw new UsageError("--rest must be true or false");
    const restPort = nonNegativeInt("rest.port", values["rest.port"]) ?? 5052;
    if (restPort > 65535) throw new UsageError("--rest.port must be at most 65535");
    const allowedHosts = (values["rest.allowed-hosts"] ?? "")
      .split(",")
      .map((h) => h.trim())
      .filter((h) => h !== "");
    const rest =
      restOn === "true" ? {address: values["rest.address"] ?? "127.0.0.1", port: restPort, allowedHosts} : null;
    const level = values["log-level"] ?? "info";
    if (!["error", "warn", "info", "debug"].includes(level)) {
      throw new UsageError("--log-level must be error, warn, info or debug");
    }
    let feeRecipient: Uint8Array | undefined;
    if (values.suggestedFeeRecipient !== undefined) {
      if (!/^0x[0-9a-fA-F]{40}$/.test(values.suggestedFeeRecipient)) {
        throw new UsageError("--suggestedFeeRecipient must be a 0x-prefixed 20-byte hex address");
      }
      feeRecipient = Uint8Array.from(Buffer.from(values.suggestedFeeRecipient.slice(2), "hex"));
    }
    // dev chains are local: no p2p unless asked for, and only on loopback by default
    const p2p = parseP2pOptions(
      values,
      isCustom ? {p2p: true, listenAddress: "0.0.0.0"} : {p2p: false, listenAddress: "127.0.0.1"},
    );
    const checkpoint = parseCheckpointOptions(values);
    const url = values["execution.urls"];
    if (url !== undefined && values["jwt-secret"] === undefined) {
      throw new UsageError("--execution.urls needs --jwt-secret FILE");
    }

    // Loaded here so that other commands do not pay for the beacon node's modules.
    const {readJwtSecret} = await import("@ceibo/beacon-node/execution");
    const {BeaconNode, ConsoleLogger} = await import("@ceibo/beacon-node/node");
    const jwtSecret = values["jwt-secret"] !== undefined ? readJwtSecret(values["jwt-secret"]) : undefined;
    const logger = new ConsoleLogger(level as "info");
    const dataDir = resolve(values.dataDir ?? "ceibo-data");
    logger.info("Starting beacon node", {
      network: values.network,
      dataDir,
      preset: process.env.CEIBO_PRESET || "mainnet",
    });

    const node = await BeaconNode.init({
      network: values.network,
      custom,
      dataDir,
      devValidators: validators,
      genesisTime,
      slotDurationMs,
      devFork: devFork as "fulu",
      devForkEpochs: forkEpochs,
      eth1BlockHash,
      executionUrl: url,
      devBlobsPerBlock: nonNegativeInt("dev.blobsPerBlock", values["dev.blobsPerBlock"]),
      jwtSecret,
      devSigning: signing === "true",
      rest,
      chain: {suggestedFeeRecipient: feeRecipient},
      p2p,
      checkpoint,
      logger,
    });
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
    await node.close();
    // Everything of ours is closed (db, network, servers). @chainsafe/discv5 11 leaves a pending lookup's 60 s
    // timer referenced after stop(); do not let it hold a stopped node for a minute.
    setTimeout(() => process.exit(process.exitCode ?? 0), 300).unref();
    return 0;
  },
};
