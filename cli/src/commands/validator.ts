import {mkdirSync} from "node:fs";
import {basename, join, resolve} from "node:path";
import {parseArgs} from "node:util";
import {hex} from "@ceibo/config";
import {type Command, UsageError} from "../command.ts";
import {
  METRICS_OPTIONS,
  metricsHelp,
  parseMetricsOptions,
  startMetricsServer,
  VALIDATOR_METRICS_PORT,
} from "../metrics.ts";

/** `ceibo validator <subcommand>` (each in its own file, loaded on use); anything else runs the validator client. */
const SUBCOMMANDS: Record<string, () => Promise<Command>> = {
  import: async () => (await import("./validatorImport.ts")).validatorImportCommand,
  exit: async () => (await import("./validatorExit.ts")).validatorExitCommand,
  "bls-change": async () => (await import("./blsChange.ts")).blsChangeCommand,
};

const HELP = `Usage: ceibo validator --beacon-nodes URL[,URL…] (--interop-indexes A..B | --keystores DIR --password-file F | --keymanager) [options]
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
  --dataDir DIR                 data directory (default ./ceibo-validator): the slashing-protection database
                                is DIR/slashing-protection, the keystore cache DIR/validator-key-cache.json
  --fee-recipient 0x…           20-byte execution address sent with prepare_beacon_proposer each epoch
  --graffiti TEXT               graffiti in proposed blocks (UTF-8, at most 32 bytes)
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
  --keymanager.token-file F     file holding the hex bearer token (default DIR/api-token.txt, created with a
                                random 32-byte token and mode 0600 on first start; a given file must exist)
${metricsHelp(VALIDATOR_METRICS_PORT, 30)}
  --log-level LEVEL             debug, info (default), warn or error
  -h, --help                    this help

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

export const validatorCommand: Command = {
  summary: "run the validator client against one or more beacon nodes (Beacon API)",
  async run(argv) {
    const sub = argv[0] === undefined ? undefined : SUBCOMMANDS[argv[0]];
    if (sub !== undefined) return (await sub()).run(argv.slice(1));
    const {values} = parseArgs({
      args: argv,
      options: {
        "beacon-nodes": {type: "string"},
        "interop-indexes": {type: "string"},
        keystores: {type: "string"},
        "password-file": {type: "string"},
        "password-dir": {type: "string"},
        dataDir: {type: "string"},
        "data-dir": {type: "string"},
        "fee-recipient": {type: "string"},
        graffiti: {type: "string"},
        "doppelganger-protection": {type: "string"},
        "log-level": {type: "string"},
        keymanager: {type: "boolean", default: false},
        distributed: {type: "boolean", default: false},
        "keymanager.address": {type: "string"},
        "keymanager.port": {type: "string"},
        "keymanager.token-file": {type: "string"},
        ...METRICS_OPTIONS,
        help: {type: "boolean", short: "h", default: false},
      },
      strict: true,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const urls = (values["beacon-nodes"] ?? "http://127.0.0.1:5052").split(",").map((u) => u.trim());
    for (const u of urls) {
      if (!/^https?:\/\/[^\s]+$/.test(u)) throw new UsageError(`--beacon-nodes: "${u}" is not an http(s) URL`);
    }
    let feeRecipient: Uint8Array | undefined;
    if (values["fee-recipient"] !== undefined) {
      try {
        feeRecipient = hex(values["fee-recipient"]);
      } catch {
        feeRecipient = undefined;
      }
      if (feeRecipient?.length !== 20) throw new UsageError("--fee-recipient must be a 0x-prefixed 20-byte address");
    }
    if (values.graffiti !== undefined && Buffer.byteLength(values.graffiti, "utf8") > 32) {
      throw new UsageError("--graffiti must be at most 32 bytes of UTF-8");
    }
    const metricsServerOpts = parseMetricsOptions(values, VALIDATOR_METRICS_PORT);
    const dp = values["doppelganger-protection"] ?? "true";
    if (dp !== "true" && dp !== "false") throw new UsageError("--doppelganger-protection must be true or false");
    const level = values["log-level"] ?? "info";
    if (!["debug", "info", "warn", "error"].includes(level)) {
      throw new UsageError("--log-level must be one of debug, info, warn, error");
    }
    const dataDir = resolve(values.dataDir ?? values["data-dir"] ?? "ceibo-validator");
    if (values["interop-indexes"] !== undefined && values.keystores !== undefined) {
      throw new UsageError("give either --interop-indexes or --keystores, not both");
    }

    const km = values.keymanager;
    const kmPort = Number(values["keymanager.port"] ?? "5062");
    if (!Number.isInteger(kmPort) || kmPort < 0 || kmPort > 65535) {
      throw new UsageError(`--keymanager.port must be a port number, got "${values["keymanager.port"]}"`);
    }
    if (!km && (values["keymanager.address"] ?? values["keymanager.port"] ?? values["keymanager.token-file"])) {
      throw new UsageError("--keymanager.* options need --keymanager");
    }

    mkdirSync(dataDir, {recursive: true});
    const vcModule = await import("@ceibo/validator-client");
    const log = vcModule.createLogger({level: level as "info"});
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
    } else if (km) {
      keys = new vcModule.KeyStore();
    } else {
      throw new UsageError(
        "give the validator keys: --interop-indexes A..B, --keystores DIR --password-file F, or --keymanager",
      );
    }
    // keys given on the command line cannot be deleted through the API; keys imported through it come back
    const readonlyPubkeys = keys.pubkeysHex();
    const kmState = await vcModule.loadKeymanagerState(dataDir);
    const derivationPaths = vcModule.addKeymanagerKeys(keys, kmState);
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
          distributed: values.distributed,
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
          });
          const server = await kmApi.startKeymanagerServer({
            backend,
            token,
            address: values["keymanager.address"] ?? "127.0.0.1",
            port: kmPort,
            onError: (msg, ctx) => log.error(msg, ctx),
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
      await closeMetrics(); // also when the client stopped on its own (doppelganger): an open server holds the process
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      if (reason?.code === "DOPPELGANGER_DETECTED") return 3;
      return reason === undefined ? 0 : 1;
    } finally {
      closeKeys();
    }
  },
};
