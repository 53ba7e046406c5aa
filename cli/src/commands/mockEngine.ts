import {existsSync} from "node:fs";
import {resolve} from "node:path";
import type {MockForkTimes} from "@ceibo/beacon-node/execution/mock";
import {FORK_NAMES, type ForkName, ForkSeq, isForkName} from "@ceibo/params";
import {fromHex} from "@ceibo/utils";
import {type Command, UsageError} from "../command.ts";
import {COMMON_HELP, type OptionTable, parseCommandOptions} from "../options.ts";

const HELP = `Usage: ceibo mock-engine [--port 8551] [--jwt-secret FILE] [options]

Runs a mock execution engine: the Engine API (engine_newPayloadV1..V4, engine_forkchoiceUpdatedV1..V3,
engine_getPayloadV1..V5, engine_getBlobsV1/V2, engine_exchangeCapabilities, a few eth_ methods) for every
fork bellatrix..fulu over HTTP with JWT authentication. It executes no transactions: it keeps a block tree,
checks block hashes, parents and timestamps, and builds payloads (with correct block hashes) from
forkchoiceUpdated payload attributes; optionally with blob transactions carrying real KZG proofs.

Options:
  --port PORT                   listen port (default 8551; 0 = any free port)
  --host HOST                   listen address (default 127.0.0.1)
  --jwt-secret FILE             hex file with the 32-byte JWT secret; without it a new secret is written
                                to ./jwt.hex (execution-apis authentication.md)
  --genesis-block-hash 0x…      use this hash for the genesis block (e.g. the consensus genesis state's
                                latest_execution_payload_header.block_hash) instead of computing one
  --genesis-timestamp SECONDS   genesis block timestamp (default 0)
  --fork NAME                   every fork up to NAME active from timestamp 0 (default fulu); one of
                                bellatrix, capella, deneb, electra, fulu
  --capella-time, --deneb-time, --electra-time, --fulu-time SECONDS
                                explicit fork activation timestamps (instead of --fork)
  --blobs-per-block N           blob transactions in each payload built at deneb+ (default 0); loads the
                                KZG trusted setup at start (~5 s) and computes proofs
  --trusted-setup FILE          KZG trusted setup (consensus-specs .json or c-kzg .txt; default: the
                                mainnet setup bundled with c-kzg)
  --chain-id N                  chain id for eth_chainId and blob transactions (default 1337)
  --verbose                     log every payload received and built
  --invalid-payload-timestamps T[,T…]
                                fault injection for tests: engine_newPayload answers INVALID for a payload
                                with one of these timestamps (and for its descendants); more can be
                                added at runtime with the JSON-RPC call mock_addInvalidPayloadTimestamps([T…])
${COMMON_HELP}`;

function parseNonNegativeInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--${name} must be a non-negative integer, got "${value}"`);
  }
  return Number(value);
}

/** Every option of `ceibo mock-engine` (parseArgs shape). */
export const MOCK_ENGINE_OPTIONS = {
  port: {type: "string"},
  host: {type: "string"},
  "jwt-secret": {type: "string"},
  "genesis-block-hash": {type: "string"},
  "genesis-timestamp": {type: "string"},
  fork: {type: "string"},
  "capella-time": {type: "string"},
  "deneb-time": {type: "string"},
  "electra-time": {type: "string"},
  "fulu-time": {type: "string"},
  "blobs-per-block": {type: "string"},
  "trusted-setup": {type: "string"},
  "chain-id": {type: "string"},
  verbose: {type: "boolean", default: false},
  "invalid-payload-timestamps": {type: "string"},
} as const satisfies OptionTable;

export const mockEngineCommand: Command = {
  summary: "run a mock execution engine (Engine API over HTTP with JWT) for dev networks and tests",
  async run(argv) {
    const values = parseCommandOptions(argv, MOCK_ENGINE_OPTIONS, {command: "mock-engine", help: HELP});
    if (values === null) return 0;
    // Loaded here so that other commands do not pay for the execution module.
    const {bytesToData, generateJwtSecret, readJwtSecret} = await import("@ceibo/beacon-node/execution");
    const {MockEngineServer} = await import("@ceibo/beacon-node/execution/mock");
    const port = parseNonNegativeInt("port", values.port) ?? 8551;
    if (port > 65535) throw new UsageError("--port must be at most 65535");

    let jwtSecret: Uint8Array;
    if (values["jwt-secret"] !== undefined) {
      jwtSecret = readJwtSecret(values["jwt-secret"]);
    } else {
      const file = resolve("jwt.hex");
      if (existsSync(file)) throw new UsageError(`${file} exists; pass it with --jwt-secret ${file}`);
      jwtSecret = generateJwtSecret(file);
      console.log(`wrote a new JWT secret to ${file}`);
    }

    let genesisBlockHash: Uint8Array | undefined;
    if (values["genesis-block-hash"] !== undefined) {
      try {
        genesisBlockHash = fromHex(values["genesis-block-hash"]);
      } catch {
        throw new UsageError("--genesis-block-hash must be 0x-prefixed hex");
      }
      if (genesisBlockHash.length !== 32) throw new UsageError("--genesis-block-hash must be 32 bytes");
    }

    const explicit: MockForkTimes = {};
    for (const f of ["capella", "deneb", "electra", "fulu"] as const) {
      const t = parseNonNegativeInt(`${f}-time`, values[`${f}-time`]);
      if (t !== undefined) explicit[f] = t;
    }
    let forkTimes: MockForkTimes;
    if (Object.keys(explicit).length > 0) {
      if (values.fork !== undefined) throw new UsageError("give either --fork or --<fork>-time options, not both");
      forkTimes = explicit;
    } else {
      const fork = values.fork ?? "fulu";
      if (!isForkName(fork) || ForkSeq[fork] < ForkSeq.bellatrix) {
        throw new UsageError(
          `--fork must be one of ${FORK_NAMES.filter((f) => ForkSeq[f] >= ForkSeq.bellatrix).join(", ")}`,
        );
      }
      forkTimes = {};
      for (const f of ["capella", "deneb", "electra", "fulu"] as const) {
        if (ForkSeq[f] <= ForkSeq[fork as ForkName]) forkTimes[f] = 0;
      }
    }

    const chainIdText = values["chain-id"];
    if (chainIdText !== undefined && !/^\d+$/.test(chainIdText)) throw new UsageError("--chain-id must be an integer");
    const verbose = values.verbose;
    const invalidTimestamps = (values["invalid-payload-timestamps"] ?? "")
      .split(",")
      .filter((t) => t !== "")
      .map((t) => parseNonNegativeInt("invalid-payload-timestamps", t.trim()) as number);
    const server = new MockEngineServer({
      host: values.host ?? "127.0.0.1",
      port,
      jwtSecret,
      genesisBlockHash,
      genesisTimestamp: parseNonNegativeInt("genesis-timestamp", values["genesis-timestamp"]),
      forkTimes,
      blobsPerBlock: parseNonNegativeInt("blobs-per-block", values["blobs-per-block"]),
      trustedSetupFile: values["trusted-setup"],
      chainId: chainIdText === undefined ? undefined : BigInt(chainIdText),
      invalidTimestamps,
      log: verbose ? (message, context) => console.log(`${message} ${JSON.stringify(context ?? {})}`) : undefined,
    });
    if ((parseNonNegativeInt("blobs-per-block", values["blobs-per-block"]) ?? 0) > 0) {
      console.log("preparing blobs and KZG proofs...");
    }
    const url = await server.start();
    const g = server.engine.genesis;
    console.log(`mock engine listening on ${url}`);
    console.log(`genesis block ${bytesToData(g.hash)} (number 0, timestamp ${g.header.timestamp}, fork ${g.fork})`);
    console.log(`fork times ${JSON.stringify(forkTimes)}`);

    await new Promise<void>((resolveStop) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolveStop();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    await server.close();
    console.log("mock engine stopped");
    return 0;
  },
};
