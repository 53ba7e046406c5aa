import {existsSync, mkdirSync, readdirSync, readFileSync, statSync} from "node:fs";
import {basename, join, resolve} from "node:path";
import {parseArgs} from "node:util";
import {type ChainConfig, chainConfigFromYaml, getNetwork, NETWORK_NAMES} from "@ceibo/config";
import {ACTIVE_PRESET_NAME} from "@ceibo/params";
import {fromHex, toHex} from "@ceibo/utils";
import {type Command, UsageError} from "../command.ts";

const HELP = `Usage: ceibo signer --keystores DIR (--password-file F | --password-dir D) [options]

A remote signer speaking the Web3Signer eth2 API (what \`ceibo validator --remote-signer URL\`, Lodestar, Teku,
Lighthouse, Prysm and Nimbus validator clients call). It holds EIP-2335 keystores and signs for validator
clients over HTTP, behind its OWN EIP-3076 slashing-protection database:

  GET  /upcheck                         200 "OK"
  GET  /api/v1/eth2/publicKeys          the keys it holds (JSON array of 0x pubkeys)
  POST /api/v1/eth2/sign/{pubkey}       every Web3Signer request type: BLOCK_V2 (and legacy BLOCK), ATTESTATION,
                                        AGGREGATION_SLOT, AGGREGATE_AND_PROOF(_V2), RANDAO_REVEAL, VOLUNTARY_EXIT,
                                        SYNC_COMMITTEE_MESSAGE, SYNC_COMMITTEE_SELECTION_PROOF,
                                        SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF, VALIDATOR_REGISTRATION, DEPOSIT

The signing root is computed again from the typed request and its fork_info (a signingRoot sent along must
match, else 400). Blocks and attestations are checked against and recorded in the slashing-protection database
before signing; a refusal answers 412 and logs one line. An unknown key answers 404. The answer is
{"signature": "0x…"} when the request accepts application/json, else the bare hex (text/plain).

Options:
  --keystores DIR                  every EIP-2335 keystore (*.json) in DIR (deposit_data-*.json files are skipped)
  --password-file FILE             one password for all keystores, or …
  --password-dir DIR               … one password per keystore: DIR/<0xpubkey>.txt, DIR/<pubkey>.txt or
                                   DIR/<keystore file name without .json>.txt
  --data-dir DIR                   default ./ceibo-signer: DIR/slashing-protection (LevelDB),
                                   DIR/genesis-validators-root.txt, DIR/signer-key-cache.json (encrypted key cache)
  --address ADDR                   address to bind (default 127.0.0.1; anything else exposes signing to that network)
  --port N                         port (default 9000, Web3Signer's)
  --network NAME                   ${NETWORK_NAMES.join(", ")} (default mainnet): fork versions for voluntary exits
                                   (EIP-7044) and builder registrations; a public network also fixes the chain
  --config-file FILE               a consensus-specs config.yaml instead of --network
  --genesis-validators-root 0x…    the chain whose slashing protection this signer keeps. Default: the network's
                                   (public networks), else the chain of the first block/attestation request, kept in
                                   DIR; requests of another chain are refused (412)
  --log-level LEVEL                debug, info (default), warn or error
  -h, --help                       this help

The keystores are locked (<keystore>.lock) while the signer runs, so no validator client on this machine can
sign with the same files. The process's preset (CEIBO_PRESET=mainnet|minimal) must be the network's.
SIGINT/SIGTERM stop it (exit code 0).`;

function passwordFor(dir: string, keystorePath: string, pubkeyHex: string): string {
  const candidates = [
    join(dir, `${pubkeyHex}.txt`),
    join(dir, `${pubkeyHex.slice(2)}.txt`),
    join(dir, `${basename(keystorePath, ".json")}.txt`),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) {
    throw new UsageError(`--password-dir: no password file for ${keystorePath} (looked for ${candidates.join(", ")})`);
  }
  return readFileSync(found, "utf8").replace(/\r?\n$/, "");
}

export const signerCommand: Command = {
  summary: "remote signer: Web3Signer eth2 API from EIP-2335 keystores, with its own slashing protection",
  async run(argv) {
    const {values} = parseArgs({
      args: argv,
      options: {
        keystores: {type: "string"},
        "password-file": {type: "string"},
        "password-dir": {type: "string"},
        "data-dir": {type: "string"},
        dataDir: {type: "string"},
        address: {type: "string"},
        port: {type: "string"},
        network: {type: "string"},
        "config-file": {type: "string"},
        "genesis-validators-root": {type: "string"},
        "log-level": {type: "string"},
        help: {type: "boolean", short: "h", default: false},
      },
      strict: true,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (values.keystores === undefined) throw new UsageError("--keystores DIR is required (see --help)");
    if ((values["password-file"] === undefined) === (values["password-dir"] === undefined)) {
      throw new UsageError("give exactly one of --password-file FILE or --password-dir DIR");
    }
    const port = Number(values.port ?? "9000");
    if (!/^\d+$/.test(values.port ?? "9000") || port > 65535) {
      throw new UsageError(`--port must be a port number, got "${values.port}"`);
    }
    const level = values["log-level"] ?? "info";
    if (!["debug", "info", "warn", "error"].includes(level)) {
      throw new UsageError("--log-level must be one of debug, info, warn, error");
    }
    if (values.network !== undefined && values["config-file"] !== undefined) {
      throw new UsageError("give either --network or --config-file, not both");
    }
    let chain: ChainConfig;
    let gvr: Uint8Array | undefined;
    if (values["config-file"] !== undefined) {
      let text: string;
      try {
        text = readFileSync(values["config-file"], "utf8");
      } catch (e) {
        throw new UsageError(`--config-file: cannot read ${values["config-file"]}: ${(e as Error).message}`);
      }
      chain = chainConfigFromYaml(text).config;
    } else {
      let network: ReturnType<typeof getNetwork>;
      try {
        network = getNetwork(values.network ?? "mainnet");
      } catch (e) {
        throw new UsageError(`--network: ${(e as Error).message}`);
      }
      chain = network.chainConfig;
      gvr = network.genesis?.genesisValidatorsRoot;
    }
    if (chain.PRESET_BASE !== ACTIVE_PRESET_NAME) {
      throw new UsageError(
        `network ${chain.CONFIG_NAME} uses the ${chain.PRESET_BASE} preset but this process runs ${ACTIVE_PRESET_NAME} (set CEIBO_PRESET=${chain.PRESET_BASE})`,
      );
    }
    if (values["genesis-validators-root"] !== undefined) {
      const text = values["genesis-validators-root"];
      if (!/^0x[0-9a-fA-F]{64}$/.test(text))
        throw new UsageError("--genesis-validators-root must be 32 bytes of 0x-hex");
      gvr = fromHex(text);
    }

    const dir = resolve(values.keystores);
    if (!statSync(dir, {throwIfNoEntry: false})?.isDirectory())
      throw new UsageError(`--keystores: ${dir} is not a directory`);
    const files = readdirSync(dir)
      .filter((f) => f.endsWith(".json") && !f.startsWith("deposit_data-"))
      .sort();
    if (files.length === 0) throw new UsageError(`--keystores: no *.json keystores in ${dir}`);
    const dataDir = resolve(values["data-dir"] ?? values.dataDir ?? "ceibo-signer");
    mkdirSync(dataDir, {recursive: true});

    const {createLogger} = await import("@ceibo/validator-client");
    const write = (line: string) => process.stderr.write(`${line.replace("[validator]", "[signer]")}\n`);
    const log = createLogger({level: level as "info", write});
    const {loadKeys, parseKeystore, progressLine, readPasswordFile} = await import("@ceibo/keymanager");
    const {startWeb3SignerServer} = await import("@ceibo/keymanager/web3signer");
    const paths = files.map((f) => join(dir, f));
    let jobs: {keystorePath: string; password: string}[];
    if (values["password-file"] !== undefined) {
      const password = await readPasswordFile(values["password-file"]);
      jobs = paths.map((keystorePath) => ({keystorePath, password}));
    } else {
      const pwDir = resolve(values["password-dir"] as string);
      jobs = paths.map((keystorePath) => {
        const pubkey = toHex(parseKeystore(readFileSync(keystorePath, "utf8"), keystorePath).pubkey);
        return {keystorePath, password: passwordFor(pwDir, keystorePath, pubkey)};
      });
    }
    const loaded = await loadKeys({
      keystores: jobs,
      cache: {path: join(dataDir, "signer-key-cache.json")},
      onProgress: progressLine(),
    });
    try {
      const server = await startWeb3SignerServer({
        keys: loaded.keys,
        dataDir,
        chain,
        genesisValidatorsRoot: gvr,
        address: values.address ?? "127.0.0.1",
        port,
        log,
      });
      for (const k of loaded.keys) k.secretKey.fill(0);
      log.info("Signer listening", {
        url: server.url,
        keys: loaded.keys.length,
        source: loaded.source,
        network: chain.CONFIG_NAME,
        genesisValidatorsRoot: gvr ? toHex(gvr) : "first request",
      });
      await new Promise<void>((done) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          done();
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
      await server.close();
      log.info("Signer stopped", {
        signed: [...server.signed].map(([t, n]) => `${t}:${n}`).join(",") || "0",
        refused: server.refused,
      });
      return 0;
    } finally {
      loaded.close();
    }
  },
};
