/**
 * Lodestar 1.5.1 (ChainSafe's consensus client, early 2023, forks up to capella) as an independent peer on
 * loopback: installed once by scripts/install-lodestar.sh into a cache folder and run on the system Node 20
 * (Lodestar's native modules are built for it; the project's Node 24 cannot run it).
 *
 * - startMockEngine: ceibo's own mock execution engine (`ceibo mock-engine`, Engine API with JWT) as the EL.
 *   Lodestar 1.5.1 drives it at capella with engine_forkchoiceUpdatedV2 / engine_getPayloadV2 /
 *   engine_newPayloadV2; one engine can serve several beacon nodes (it keeps a block tree).
 * - startLodestarDev: `lodestar dev` — writes an interop genesis (genesis.ssz in its folder) for N validators and
 *   runs the beacon node with (optionally) a validator client for some of the interop keys.
 * - startLodestarBeacon: `lodestar beacon` on an existing genesis.ssz + config.yaml, peering through --bootnodes.
 * - lodestarConfigYaml: a config.yaml both Lodestar (--paramsFile) and ceibo (chainConfigFromYaml) read, made from
 *   Lodestar's /eth/v1/config/spec.
 *
 * Everything binds 127.0.0.1 only (p2p TCP, discv5 UDP, REST API).
 */
import {execFileSync} from "node:child_process";
import {existsSync, mkdirSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {ceibo, freePort, getJson, Proc, ROOT} from "../harness/processes.ts";

export const LODESTAR_VERSION = "1.5.1";
/** Lodestar 1.5.1 needs Node 20; the project's node_modules/.bin/node is Node 24. */
export const LODESTAR_NODE = process.env.LODESTAR_NODE ?? "/usr/bin/node";

/**
 * The chain config keys Lodestar 1.5.1 reads (its chainConfigTypes). It names the slot time SECONDS_PER_SLOT and
 * the fork after capella EIP4844; it has no electra/fulu keys.
 */
export const LODESTAR_CONFIG_KEYS = [
  "PRESET_BASE",
  "CONFIG_NAME",
  "TERMINAL_TOTAL_DIFFICULTY",
  "TERMINAL_BLOCK_HASH",
  "TERMINAL_BLOCK_HASH_ACTIVATION_EPOCH",
  "MIN_GENESIS_ACTIVE_VALIDATOR_COUNT",
  "MIN_GENESIS_TIME",
  "GENESIS_FORK_VERSION",
  "GENESIS_DELAY",
  "ALTAIR_FORK_VERSION",
  "ALTAIR_FORK_EPOCH",
  "BELLATRIX_FORK_VERSION",
  "BELLATRIX_FORK_EPOCH",
  "CAPELLA_FORK_VERSION",
  "CAPELLA_FORK_EPOCH",
  "EIP4844_FORK_VERSION",
  "EIP4844_FORK_EPOCH",
  "SECONDS_PER_SLOT",
  "SECONDS_PER_ETH1_BLOCK",
  "MIN_VALIDATOR_WITHDRAWABILITY_DELAY",
  "SHARD_COMMITTEE_PERIOD",
  "ETH1_FOLLOW_DISTANCE",
  "INACTIVITY_SCORE_BIAS",
  "INACTIVITY_SCORE_RECOVERY_RATE",
  "EJECTION_BALANCE",
  "MIN_PER_EPOCH_CHURN_LIMIT",
  "CHURN_LIMIT_QUOTIENT",
  "PROPOSER_SCORE_BOOST",
  "DEPOSIT_CHAIN_ID",
  "DEPOSIT_NETWORK_ID",
  "DEPOSIT_CONTRACT_ADDRESS",
  "MAX_REQUEST_BLOBS_SIDECARS",
  "MIN_EPOCHS_FOR_BLOBS_SIDECARS_REQUESTS",
] as const;

/** Runs scripts/install-lodestar.sh (a no-op once installed; ~1.5 min the first time) → the `lodestar` script path. */
export function installLodestar(): string {
  const out = execFileSync("bash", [join(ROOT, "scripts/install-lodestar.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    env: {...process.env, LODESTAR_VERSION},
  });
  const bin = out.trim().split("\n").pop() ?? "";
  if (!existsSync(bin)) throw Error(`install-lodestar.sh printed no lodestar binary (got "${out}")`);
  return bin;
}

export interface MockEngine {
  /** Engine API URL, http://127.0.0.1:<port>. */
  url: string;
  jwtSecretFile: string;
  genesisBlockHash: string;
  proc: Proc;
  stop(): Promise<void>;
}

/** `ceibo mock-engine` with every fork through `fork` active from timestamp 0 and the given genesis block hash. */
export async function startMockEngine(opts: {
  dir: string;
  genesisBlockHash: string;
  fork?: "bellatrix" | "capella" | "deneb";
  logFile?: string;
}): Promise<MockEngine> {
  mkdirSync(opts.dir, {recursive: true});
  const jwtSecretFile = join(opts.dir, "jwt.hex");
  if (!existsSync(jwtSecretFile)) {
    writeFileSync(jwtSecretFile, Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex"));
  }
  const proc = ceibo(
    "mock-engine",
    [
      "mock-engine",
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      "--jwt-secret",
      jwtSecretFile,
      "--genesis-block-hash",
      opts.genesisBlockHash,
      "--fork",
      opts.fork ?? "capella",
    ],
    {},
    {logFile: opts.logFile},
  );
  const m = await proc.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 30_000);
  return {
    url: m[1],
    jwtSecretFile,
    genesisBlockHash: opts.genesisBlockHash,
    proc,
    stop: async () => {
      await proc.kill("SIGTERM", 5_000);
    },
  };
}

/** The fields of /eth/v1/node/identity this harness uses. */
export interface LodestarIdentity {
  peer_id: string;
  enr: string;
  p2p_addresses: string[];
  discovery_addresses: string[];
  metadata: {seq_number: string; attnets: string; syncnets: string};
}

export interface LodestarNode {
  name: string;
  proc: Proc;
  /** Beacon API base URL, http://127.0.0.1:<port>. */
  restUrl: string;
  /** Its ENR (enr:…): secp256k1 key, ip 127.0.0.1, tcp/udp port, eth2 (ENRForkID), attnets, syncnets. */
  enr: string;
  /** /ip4/127.0.0.1/tcp/<port>/p2p/<peerId>. */
  multiaddr: string;
  peerId: string;
  p2pPort: number;
  /** The genesis state (SSZ) the node runs on: written by `lodestar dev`, given to `lodestar beacon`. */
  genesisSszPath: string;
  /** /eth/v1/config/spec: config + preset + constants, every value a string. */
  spec: Record<string, string>;
  /** lodestarConfigYaml(spec), also written to <dir>/config.yaml. */
  configYaml: string;
  configYamlPath: string;
  dir: string;
  /** SIGTERM (Lodestar shuts down cleanly), SIGKILL after 15 s. */
  stop(): Promise<void>;
}

/**
 * A config.yaml of the chain Lodestar runs, from its /eth/v1/config/spec: the keys Lodestar 1.5.1 reads
 * (LODESTAR_CONFIG_KEYS, so `lodestar beacon --paramsFile` gets the same chain), plus SLOT_DURATION_MS (the
 * current spec's name of SECONDS_PER_SLOT × 1000, which ceibo reads; Lodestar ignores keys it does not know).
 * Every value is quoted, as config files are read with every scalar a string.
 */
export function lodestarConfigYaml(spec: Record<string, string>): string {
  const lines: string[] = [`# chain config of a Lodestar ${LODESTAR_VERSION} node, from its /eth/v1/config/spec`];
  for (const key of LODESTAR_CONFIG_KEYS) {
    const value = spec[key];
    if (value !== undefined) lines.push(`${key}: "${value}"`);
  }
  if (spec.SECONDS_PER_SLOT !== undefined && spec.SLOT_DURATION_MS === undefined) {
    lines.push(`SLOT_DURATION_MS: "${Number(spec.SECONDS_PER_SLOT) * 1000}"`);
  }
  return `${lines.join("\n")}\n`;
}

/** The common options of a dev chain with every fork through capella at genesis. */
export interface LodestarChainOpts {
  /** Slot time in seconds (default 2). */
  secondsPerSlot?: number;
}

function chainParamArgs(opts: LodestarChainOpts): string[] {
  return [
    "--params.SECONDS_PER_SLOT",
    String(opts.secondsPerSlot ?? 2),
    "--params.ALTAIR_FORK_EPOCH",
    "0",
    "--params.BELLATRIX_FORK_EPOCH",
    "0",
    "--params.CAPELLA_FORK_EPOCH",
    "0",
    "--params.TERMINAL_TOTAL_DIFFICULTY",
    "0",
  ];
}

interface CommonNodeOpts {
  /** Working folder (data dir, genesis.ssz, config.yaml, log). Created if missing. */
  dir: string;
  executionUrl: string;
  jwtSecretFile: string;
  restPort?: number;
  p2pPort?: number;
  /** discv5 bootnode ENRs (--bootnodes); with connectToBootnodes also dialed directly over TCP. */
  bootnodes?: string[];
  /** --network.connectToDiscv5Bootnodes: dial the bootnode ENRs' TCP address at start (the way to add a static peer). */
  connectToBootnodes?: boolean;
  logLevel?: "error" | "warn" | "info" | "verbose" | "debug" | "trace";
  extraArgs?: string[];
  /** Name in errors and in the log file name (default "lodestar"). */
  name?: string;
}

export interface LodestarDevOpts extends CommonNodeOpts, LodestarChainOpts {
  /** Interop validators in the genesis state. */
  validators: number;
  /** Interop key indices its validator client runs, e.g. "0..7"; null: no validator client. Default all. */
  startValidators?: string | null;
  /** Unix seconds. */
  genesisTime: number;
  /** 0x… 32 bytes: latest_execution_payload_header.block_hash (and eth1 block hash) of the genesis state. */
  eth1BlockHash: string;
}

export interface LodestarBeaconOpts extends CommonNodeOpts {
  genesisStateFile: string;
  /** config.yaml (lodestarConfigYaml) of the chain. */
  paramsFile: string;
}

function networkArgs(opts: CommonNodeOpts, restPort: number, p2pPort: number): string[] {
  const args = [
    "--dataDir",
    join(opts.dir, "data"),
    "--execution.urls",
    opts.executionUrl,
    "--jwt-secret",
    opts.jwtSecretFile,
    "--rest",
    "true",
    "--rest.address",
    "127.0.0.1",
    "--rest.port",
    String(restPort),
    // every namespace, including debug (/eth/v2/debug/beacon/states/{id}: SSZ states for checkpoint sync)
    "--rest.namespace",
    "*",
    "--port",
    String(p2pPort),
    "--listenAddress",
    "127.0.0.1",
    "--enr.ip",
    "127.0.0.1",
    "--logLevel",
    opts.logLevel ?? "info",
    "--logFile",
    "none",
  ];
  for (const enr of opts.bootnodes ?? []) args.push("--bootnodes", enr);
  if (opts.connectToBootnodes) args.push("--network.connectToDiscv5Bootnodes", "true");
  return args;
}

async function until<T>(what: string, proc: Proc, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    if (!proc.running) throw Error(`${proc.name} exited while waiting for ${what}:\n${proc.output.slice(-4000)}`);
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > end) {
      throw Error(`${proc.name}: no ${what} within ${timeoutMs} ms (${String(lastErr)}):\n${proc.output.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function nodeFromProc(
  proc: Proc,
  opts: CommonNodeOpts,
  restUrl: string,
  p2pPort: number,
  genesisSszPath: string,
): Promise<LodestarNode> {
  const identity = await until("Beacon API /eth/v1/node/identity", proc, 60_000, async () => {
    const r = await getJson<{data: LodestarIdentity}>(`${restUrl}/eth/v1/node/identity`);
    return r.data.p2p_addresses.length > 0 ? r.data : undefined;
  });
  const spec = (await getJson<{data: Record<string, string>}>(`${restUrl}/eth/v1/config/spec`)).data;
  const configYaml = lodestarConfigYaml(spec);
  const configYamlPath = join(opts.dir, "config.yaml");
  writeFileSync(configYamlPath, configYaml);
  const multiaddr =
    identity.p2p_addresses.find((a) => a.startsWith("/ip4/127.0.0.1/tcp/")) ?? identity.p2p_addresses[0];
  return {
    name: proc.name,
    proc,
    restUrl,
    enr: identity.enr,
    multiaddr,
    peerId: identity.peer_id,
    p2pPort,
    genesisSszPath,
    spec,
    configYaml,
    configYamlPath,
    dir: opts.dir,
    stop: async () => {
      await proc.kill("SIGTERM", 15_000);
    },
  };
}

/**
 * `lodestar dev` (minimal preset, every fork through capella at genesis): writes <dir>/genesis.ssz (interop
 * validators, genesis time and eth1 block hash as given) and runs a beacon node on it, with a validator client
 * for `startValidators`. Resolves once its Beacon API answers.
 */
export async function startLodestarDev(opts: LodestarDevOpts): Promise<LodestarNode> {
  const bin = installLodestar();
  mkdirSync(opts.dir, {recursive: true});
  const restPort = opts.restPort ?? (await freePort());
  const p2pPort = opts.p2pPort ?? (await freePort());
  const restUrl = `http://127.0.0.1:${restPort}`;
  const args = [
    bin,
    "dev",
    "--genesisValidators",
    String(opts.validators),
    "--genesisTime",
    String(opts.genesisTime),
    "--genesisEth1Hash",
    opts.eth1BlockHash,
    ...chainParamArgs(opts),
    ...networkArgs(opts, restPort, p2pPort),
    "--reset",
  ];
  const startValidators = opts.startValidators === undefined ? `0..${opts.validators - 1}` : opts.startValidators;
  if (startValidators !== null) {
    // the dev command's validator client defaults to http://127.0.0.1:9596, not to --rest.port
    args.push("--startValidators", startValidators, "--server", restUrl);
  }
  args.push(...(opts.extraArgs ?? []));
  const name = opts.name ?? "lodestar";
  const proc = new Proc(
    name,
    LODESTAR_NODE,
    args,
    {LODESTAR_PRESET: "minimal"},
    {cwd: opts.dir, logFile: join(opts.dir, `${name}.log`)},
  );
  // genesis.ssz is written to the working directory before the node starts
  return nodeFromProc(proc, opts, restUrl, p2pPort, join(opts.dir, "genesis.ssz"));
}

/**
 * `lodestar beacon` (minimal preset, network "dev") on a genesis state file and config.yaml, with no validators.
 * To peer with another node give its ENR in `bootnodes` with `connectToBootnodes` (Lodestar 1.5.1 has no
 * static-peer or direct-multiaddr flag).
 */
export async function startLodestarBeacon(opts: LodestarBeaconOpts): Promise<LodestarNode> {
  const bin = installLodestar();
  mkdirSync(opts.dir, {recursive: true});
  const restPort = opts.restPort ?? (await freePort());
  const p2pPort = opts.p2pPort ?? (await freePort());
  const restUrl = `http://127.0.0.1:${restPort}`;
  const args = [
    bin,
    "beacon",
    "--network",
    "dev",
    "--genesisStateFile",
    opts.genesisStateFile,
    "--paramsFile",
    opts.paramsFile,
    "--eth1",
    "false",
    ...networkArgs(opts, restPort, p2pPort),
    ...(opts.extraArgs ?? []),
  ];
  const name = opts.name ?? "lodestar-beacon";
  const proc = new Proc(
    name,
    LODESTAR_NODE,
    args,
    {LODESTAR_PRESET: "minimal"},
    {cwd: opts.dir, logFile: join(opts.dir, `${name}.log`)},
  );
  return nodeFromProc(proc, opts, restUrl, p2pPort, opts.genesisStateFile);
}

/** Lodestar's head slot and root. */
export async function lodestarHead(restUrl: string): Promise<{slot: number; root: string}> {
  const r = await getJson<{data: {root: string; header: {message: {slot: string}}}}>(
    `${restUrl}/eth/v1/beacon/headers/head`,
  );
  return {slot: Number(r.data.header.message.slot), root: r.data.root};
}

/** Lodestar's finality checkpoints (epochs). */
export async function lodestarFinality(restUrl: string): Promise<{justified: number; finalized: number}> {
  const r = await getJson<{data: {current_justified: {epoch: string}; finalized: {epoch: string}}}>(
    `${restUrl}/eth/v1/beacon/states/head/finality_checkpoints`,
  );
  return {justified: Number(r.data.current_justified.epoch), finalized: Number(r.data.finalized.epoch)};
}

/** Peers Lodestar reports connected: [{peer_id, last_seen_p2p_address, direction}]. */
export async function lodestarPeers(
  restUrl: string,
): Promise<{peer_id: string; last_seen_p2p_address: string; direction: string; state: string}[]> {
  const r = await getJson<{
    data: {peer_id: string; last_seen_p2p_address: string; direction: string; state: string}[];
  }>(`${restUrl}/eth/v1/node/peers`);
  return r.data.filter((p) => p.state === "connected");
}
