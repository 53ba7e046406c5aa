import {mkdirSync} from "node:fs";
import {basename, join, resolve} from "node:path";
import {fromHex} from "@ceibo/utils";
import {type Command, UsageError} from "../command.ts";
import {LOG_HELP, LOG_OPTIONS, openLogSink} from "../logging.ts";
import {
  METRICS_OPTIONS,
  metricsHelp,
  parseMetricsOptions,
  startMetricsServer,
  VALIDATOR_METRICS_PORT,
} from "../metrics.ts";
import {COMMON_HELP, type OptionTable, parseCommandOptions} from "../options.ts";
import {addRemoteSignerKeys} from "./remoteSigner.ts";

/** `ceibo validator <subcommand>` (each in its own file, loaded on use); anything else runs the validator client. */
const SUBCOMMANDS: Record<string, () => Promise<Command>> = {
  import: async () => (await import("./validatorImport.ts")).validatorImportCommand,
  exit: async () => (await import("./validatorExit.ts")).validatorExitCommand,
  "bls-change": async () => (await import("./blsChange.ts")).blsChangeCommand,
};

const HELP = `Usage: ceibo validator --beacon-nodes URL[,URL…] (--interop-indexes A..B | --keystores DIR --password-file F | --remote-signer URL | --keymanager) [options]
       ceibo validator import|exit|bls-change …   (see ceibo validator <subcommand> --help)

Runs the validator client: talks to beacon nodes only through the standard Beacon API, performs the duties
of its validators (block proposals, attestations at 1/3 of the slot, aggregation at 2/3, committee
subscriptions, proposer preparation) and signs every message through one gate that checks the EIP-3076
slashing-protection database first. Logs one line per duty (proposed block, attested, aggregated).

Options:
  --beacon-nodes URL[,URL…]     Beacon API URLs in order of preference (default http://127.0.0.1:5052);
                                a call goes to the next URL when one is down, fails (5xx) or is syncing
  --interop-indexes A..B        use the interop (dev) keys A through B inclusive, e.g. 0..63 — dev chains only
  --keystores DIR               load every EIP-2335 keystore (*.json) in DIR (deposit_data-*.json files of a
                                staking-deposit-cli folder are skipped) …
  --password-file FILE          … decrypted with the password in FILE (one password for all of them), or
  --password-dir PDIR           … with one password file per keystore (<pubkey>.txt, 0x<pubkey>.txt, <pubkey>)
  --remote-signer URL           sign through a remote signer speaking the Web3Signer eth2 API (\`ceibo signer\`,
                                Web3Signer). Every block and attestation still passes this client's own
                                slashing-protection database first; when the signer is down or refuses, nothing
                                is sent and the duty logs why. The signature it returns is verified before use
  --remote-signer-pubkeys LIST  the signer's keys to validate with: all (default: every key of its
                                /api/v1/eth2/publicKeys, read at start) or 0x…,0x… (the signer may be down at start)
  --data-dir DIR                data directory (default ./ceibo-validator): the slashing-protection database
                                is DIR/slashing-protection, the keystore cache DIR/validator-key-cache.json
  --fee-recipient 0x…           20-byte execution address sent with prepare_beacon_proposer each epoch
  --graffiti TEXT               graffiti in proposed blocks (UTF-8, at most 32 bytes)
  --builder                     builder (MEV-boost) proposals: each epoch every validator's registration (fee
                                recipient, gas limit) is signed and sent to the beacon node (register_validator),
                                which forwards it to its --builder-url; proposals ask for the builder's bid
                                (blinded blocks, signed through the same slashing-protection gate). Without it
                                proposals use local payloads only (builder_boost_factor=0)
  --builder.boost-factor PCT    builder_boost_factor: the bid counts PCT % of its value against the local payload
                                (default 100: the higher value wins; 0: local only; 200: prefer the builder)
  --gas-limit N                 gas limit in the registrations (default 60000000); per validator:
                                Keymanager API POST /eth/v1/validator/{pubkey}/gas_limit
  --doppelganger-protection B   true (default) or false. When true and the chain is past its genesis epoch,
                                the client first watches liveness for 2 epochs and signs nothing; if any of its
                                validators is seen live meanwhile it exits (code 3): another client uses the keys
  --distributed                 distributed validator (DVT) mode: the client runs behind a DVT middleware
                                (e.g. Obol charon, SSV) and exchanges its partial selection proofs for the
                                cluster's combined ones (beacon_committee_selections each epoch,
                                sync_committee_selections each slot) before aggregating. Off by default
  --keymanager                  serve the standard Keymanager API (import/delete keystores with their slashing
                                protection, remote keys, per-validator fee recipient / gas limit / graffiti,
                                voluntary exits). Off by default. Every request needs the bearer token
  --keymanager.address ADDR     address to bind (default 127.0.0.1)
  --keymanager.port N           port (default 5062)
  --keymanager.allowed-hosts H[,H…]  host names the Keymanager API answers besides localhost and IP addresses
                                (Host header checked against DNS rebinding; * = any). An address other
                                machines can reach is warned about: the API is plain HTTP
  --keymanager.token-file F     file holding the hex bearer token (default DIR/api-token.txt, created with a
                                random 32-byte token and mode 0600 on first start; a given file must exist)
${metricsHelp(VALIDATOR_METRICS_PORT, 30)}
  --dev.skip-proposals S        dev/test chains only: do not propose at these slots — "epoch-start" (every
                                epoch's first slot) or a list N,N,… — to make missed slots on purpose
  --log-level LEVEL             debug, info (default), warn or error
${LOG_HELP}
${COMMON_HELP}

The process's preset (CEIBO_PRESET=mainnet|minimal) must be the beacon node's; the chain config, genesis and
fork schedule are read from the beacon node. Keys imported through the Keymanager API or \`ceibo validator
import\` are kept in DIR/keymanager/ and loaded again at every start (with or without --keymanager).

Subcommands:
  import       copy keystores (+ an EIP-3076 interchange) into DIR, all or nothing
  exit         sign and submit voluntary exits through a beacon node
  bls-change   change 0x00 withdrawal credentials to an execution address (from the mnemonic)`;

function parseRange(text: string): number[] {
  const m = /^(\d+)\.\.(\d+)$/.exec(text);
  if (!m) throw new UsageError(`--interop-indexes must look like A..B (e.g. 0..63), got "${text}"`);
  const [a, b] = [Number(m[1]), Number(m[2])];
  if (b < a) throw new UsageError(`--interop-indexes: ${b} is below ${a}`);
  if (b - a >= 100_000) throw new UsageError("--interop-indexes: at most 100000 keys");
  return Array.from({length: b - a + 1}, (_, i) => a + i);
}

/** Every option of `ceibo validator` (parseArgs shape; `deprecated` = old spellings still accepted). */
export const VALIDATOR_OPTIONS = {
  "beacon-nodes": {type: "string"},
  "interop-indexes": {type: "string"},
  keystores: {type: "string"},
  "password-file": {type: "string"},
  "password-dir": {type: "string"},
  "data-dir": {type: "string", deprecated: ["dataDir"]},
  "fee-recipient": {type: "string"},
  graffiti: {type: "string"},
  builder: {type: "boolean", default: false},
  "builder.boost-factor": {type: "string"},
  "gas-limit": {type: "string", deprecated: ["defaultGasLimit"]},
  "doppelganger-protection": {type: "string"},
  "log-level": {type: "string"},
  ...LOG_OPTIONS,
  keymanager: {type: "boolean", default: false},
  "keymanager.address": {type: "string"},
  "keymanager.port": {type: "string"},
  "keymanager.token-file": {type: "string"},
  "keymanager.allowed-hosts": {type: "string"},
  "dev.skip-proposals": {type: "string"},
  "remote-signer": {type: "string"},
  "remote-signer-pubkeys": {type: "string"},
  distributed: {type: "boolean", default: false},
  ...METRICS_OPTIONS,
} as const satisfies OptionTable;

function parseSkipProposals(text: string | undefined, slotsPerEpoch: number): ((slot: number) => boolean) | undefined {
  if (text === undefined) return undefined;
  if (text === "epoch-start") return (slot) => slot % slotsPerEpoch === 0;
  const slots = text.split(",").map((s) => s.trim());
  if (slots.some((s) => !/^\d+$/.test(s))) {
    throw new UsageError(`--dev.skip-proposals must be "epoch-start" or slot numbers N,N,…, got "${text}"`);
  }
  const set = new Set(slots.map(Number));
  return (slot) => set.has(slot);
}

export const validatorCommand: Command = {
  summary: "run the validator client against one or more beacon nodes (Beacon API)",
  async run(argv) {
    const sub = argv[0] === undefined ? undefined : SUBCOMMANDS[argv[0]];
    if (sub !== undefined) return (await sub()).run(argv.slice(1));
    const values = parseCommandOptions(argv, VALIDATOR_OPTIONS, {command: "validator", help: HELP});
    if (values === null) return 0;
    const urls = (values["beacon-nodes"] ?? "http://127.0.0.1:5052").split(",").map((u) => u.trim());
    for (const u of urls) {
      if (!/^https?:\/\/[^\s]+$/.test(u)) throw new UsageError(`--beacon-nodes: "${u}" is not an http(s) URL`);
    }
    let feeRecipient: Uint8Array | undefined;
    if (values["fee-recipient"] !== undefined) {
      try {
        feeRecipient = fromHex(values["fee-recipient"]);
      } catch {
        feeRecipient = undefined;
      }
      if (feeRecipient?.length !== 20) throw new UsageError("--fee-recipient must be a 0x-prefixed 20-byte address");
    }
    if (values.graffiti !== undefined && Buffer.byteLength(values.graffiti, "utf8") > 32) {
      throw new UsageError("--graffiti must be at most 32 bytes of UTF-8");
    }
    const uint = (name: string, text: string | undefined): bigint | undefined => {
      if (text === undefined) return undefined;
      if (!/^\d+$/.test(text) || BigInt(text) >= 2n ** 64n)
        throw new UsageError(`--${name} must be a uint64, got "${text}"`);
      return BigInt(text);
    };
    const boostFactor = uint("builder.boost-factor", values["builder.boost-factor"]);
    const gasLimit = uint("gas-limit", values["gas-limit"]);
    if (gasLimit === 0n) throw new UsageError("--gas-limit must be above 0");
    if (!values.builder && boostFactor !== undefined) throw new UsageError("--builder.boost-factor needs --builder");
    const metricsServerOpts = parseMetricsOptions(values, VALIDATOR_METRICS_PORT);
    const dp = values["doppelganger-protection"] ?? "true";
    if (dp !== "true" && dp !== "false") throw new UsageError("--doppelganger-protection must be true or false");
    const level = values["log-level"] ?? "info";
    if (!["debug", "info", "warn", "error"].includes(level)) {
      throw new UsageError("--log-level must be one of debug, info, warn, error");
    }
    const dataDir = resolve(values["data-dir"] ?? "ceibo-validator");
    const skipProposal = parseSkipProposals(
      values["dev.skip-proposals"],
      (await import("@ceibo/params")).SLOTS_PER_EPOCH,
    );
    if (values["interop-indexes"] !== undefined && values.keystores !== undefined) {
      throw new UsageError("give either --interop-indexes or --keystores, not both");
    }

    const km = values.keymanager;
    const kmPort = Number(values["keymanager.port"] ?? "5062");
    if (!Number.isInteger(kmPort) || kmPort < 0 || kmPort > 65535) {
      throw new UsageError(`--keymanager.port must be a port number, got "${values["keymanager.port"]}"`);
    }
    if (
      !km &&
      (values["keymanager.address"] ??
        values["keymanager.port"] ??
        values["keymanager.token-file"] ??
        values["keymanager.allowed-hosts"])
    ) {
      throw new UsageError("--keymanager.* options need --keymanager");
    }

    mkdirSync(dataDir, {recursive: true});
    const vcModule = await import("@ceibo/validator-client");
    const logs = openLogSink(values, (line) => process.stderr.write(`${line}\n`));
    const log = vcModule.createLogger({level: level as "info", write: logs.write, format: logs.format});
    let keys: InstanceType<typeof vcModule.KeyStore>;
    let closeKeys = () => {};
    if (values["interop-indexes"] !== undefined) {
      const {interopSecretKey} = await import("@ceibo/state-transition");
      keys = vcModule.KeyStore.fromSecretKeys(parseRange(values["interop-indexes"]).map((i) => interopSecretKey(i)));
      log.warn("Using interop keys: for dev chains only", {count: keys.size});
    } else if (values.keystores !== undefined) {
      if ((values["password-file"] === undefined) === (values["password-dir"] === undefined)) {
        throw new UsageError("--keystores needs --password-file F (one for all) or --password-dir PDIR (one per key)");
      }
      const {keystorePasswords, loadKeys, progressLine, readPasswordFile, scanKeystoreDir} = await import(
        "@ceibo/keymanager"
      );
      const scanned = scanKeystoreDir(values.keystores);
      for (const s of scanned.skipped)
        log.info("Skipping a file that is not a keystore", {file: basename(s.path), reason: s.reason});
      const passwords = keystorePasswords(scanned.keystores, {
        password: values["password-file"] === undefined ? undefined : await readPasswordFile(values["password-file"]),
        passwordDir: values["password-dir"],
      });
      const loaded = await loadKeys({
        keystores: scanned.keystores.map((k, i) => ({keystorePath: k.path, password: passwords[i]})),
        cache: {path: join(dataDir, "validator-key-cache.json")},
        onProgress: progressLine(),
      });
      keys = vcModule.KeyStore.fromSecretKeyBytes(loaded.keys);
      closeKeys = () => loaded.close();
      log.info("Loaded keystores", {count: keys.size, source: loaded.source});
    } else if (km || values["remote-signer"] !== undefined) {
      keys = new vcModule.KeyStore();
    } else {
      throw new UsageError(
        "give the validator keys: --interop-indexes A..B, --keystores DIR --password-file F, --remote-signer URL or --keymanager",
      );
    }
    const remoteSigners = new vcModule.RemoteSigners({log});
    const remoteUrl = values["remote-signer"];
    if (remoteUrl !== undefined)
      await addRemoteSignerKeys(keys, remoteSigners, remoteUrl, values["remote-signer-pubkeys"], log);
    else if (values["remote-signer-pubkeys"] !== undefined)
      throw new UsageError("--remote-signer-pubkeys needs --remote-signer");
    // keys given on the command line cannot be deleted through the API; keys imported through it come back
    const readonlyPubkeys = keys.pubkeysHex();
    const kmState = await vcModule.loadKeymanagerState(dataDir);
    const derivationPaths = vcModule.addKeymanagerKeys(keys, kmState, remoteSigners);
    if (kmState.local.length + kmState.remote.length > 0) {
      log.info("Loaded keys imported through the Keymanager API", {
        local: kmState.local.length,
        remote: kmState.remote.length,
      });
    }

    // the token before connecting: a configured token file that cannot be read stops the start
    const kmApi = km ? await import("@ceibo/keymanager/api") : undefined;
    const tokenFile = resolve(values["keymanager.token-file"] ?? join(dataDir, "api-token.txt"));
    const token = kmApi?.loadOrCreateToken(tokenFile, {create: values["keymanager.token-file"] === undefined});
    const metrics = metricsServerOpts !== null ? new vcModule.ValidatorClientMetrics() : undefined;
    try {
      const vc = await vcModule.ValidatorClient.start(
        {
          beaconNodes: urls,
          dataDir,
          feeRecipient,
          graffiti: values.graffiti,
          doppelganger: dp === "true",
          log,
          allowNoKeys: km,
          metrics,
          ...(skipProposal !== undefined ? {skipProposal} : {}),
          distributed: values.distributed,
          ...(values.builder ? {builder: boostFactor !== undefined ? {boostFactor} : {}} : {}),
          ...(gasLimit !== undefined ? {gasLimit} : {}),
        },
        keys,
      );
      let closeMetrics = async () => {};
      if (metrics !== undefined && metricsServerOpts !== null) {
        try {
          const server = await startMetricsServer(metrics.registry, metricsServerOpts);
          closeMetrics = () => server.close();
          log.info("Metrics server listening", {url: server.url});
        } catch (e) {
          await vc.close();
          throw e;
        }
      }
      let closeKm = async () => {};
      if (kmApi !== undefined && token !== undefined) {
        try {
          const backend = new vcModule.ValidatorClientKeymanagerBackend(vc, {
            dataDir,
            readonlyPubkeys,
            derivationPaths,
            settings: kmState.settings,
            log,
            remoteSigners,
            defaultRemoteSignerUrl: remoteUrl,
          });
          const server = await kmApi.startKeymanagerServer({
            backend,
            token,
            address: values["keymanager.address"] ?? "127.0.0.1",
            port: kmPort,
            onError: (msg, ctx) => log.error(msg, ctx),
            onWarning: (msg, ctx) => log.warn(msg, ctx),
            allowedHosts: (values["keymanager.allowed-hosts"] ?? "")
              .split(",")
              .map((h) => h.trim())
              .filter((h) => h !== ""),
          });
          closeKm = () => server.close();
          log.info("Keymanager API listening", {url: server.url, tokenFile});
        } catch (e) {
          await closeMetrics();
          await vc.close();
          throw e;
        }
      }
      const onSignal = () => void Promise.all([closeKm(), closeMetrics()]).finally(() => vc.close());
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      const reason = await vc.stopped;
      // also when the client stopped on its own (doppelganger): an open server (metrics, Keymanager API) holds the process
      await Promise.allSettled([closeKm(), closeMetrics()]);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      if (reason?.code === "DOPPELGANGER_DETECTED") return 3;
      return reason === undefined ? 0 : 1;
    } finally {
      closeKeys();
      logs.close();
    }
  },
};
