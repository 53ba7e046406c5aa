import {mkdirSync, readdirSync, statSync} from "node:fs";
import {join, resolve} from "node:path";
import {parseArgs} from "node:util";
import {hex} from "@ceibo/config";
import {type Command, UsageError} from "../command.ts";

const HELP = `Usage: ceibo validator --beacon-nodes URL[,URL…] (--interop-indexes A..B | --keystores DIR --password-file F | --keymanager) [options]

Runs the validator client: talks to beacon nodes only through the standard Beacon API, performs the duties
of its validators (block proposals, attestations at 1/3 of the slot, aggregation at 2/3, committee
subscriptions, proposer preparation) and signs every message through one gate that checks the EIP-3076
slashing-protection database first. Logs one line per duty (proposed block, attested, aggregated).

Options:
  --beacon-nodes URL[,URL…]     Beacon API URLs in order of preference (default http://127.0.0.1:5052);
                                a call goes to the next URL when one is down, fails (5xx) or is syncing
  --interop-indexes A..B        use the interop (dev) keys A through B inclusive, e.g. 0..63 — dev chains only
  --keystores DIR               load every EIP-2335 keystore (*.json) in DIR …
  --password-file FILE          … decrypted with the password in FILE (one password for all of them)
  --dataDir DIR                 data directory (default ./ceibo-validator): the slashing-protection database
                                is DIR/slashing-protection, the keystore cache DIR/validator-key-cache.json
  --fee-recipient 0x…           20-byte execution address sent with prepare_beacon_proposer each epoch
  --graffiti TEXT               graffiti in proposed blocks (UTF-8, at most 32 bytes)
  --doppelganger-protection B   true (default) or false. When true and the chain is past its genesis epoch,
                                the client first watches liveness for 2 epochs and signs nothing; if any of its
                                validators is seen live meanwhile it exits (code 3): another client uses the keys
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
  --dev.skip-proposals S        dev/test chains only: do not propose at these slots — "epoch-start" (every
                                epoch's first slot) or a list N,N,… — to make missed slots on purpose
  --log-level LEVEL             debug, info (default), warn or error
  -h, --help                    this help

The process's preset (CEIBO_PRESET=mainnet|minimal) must be the beacon node's; the chain config, genesis and
fork schedule are read from the beacon node. Keys imported through the Keymanager API are kept in
DIR/keymanager/ and loaded again at every start (with or without --keymanager).`;

function parseRange(text: string): number[] {
  const m = /^(\d+)\.\.(\d+)$/.exec(text);
  if (!m) throw new UsageError(`--interop-indexes must look like A..B (e.g. 0..63), got "${text}"`);
  const [a, b] = [Number(m[1]), Number(m[2])];
  if (b < a) throw new UsageError(`--interop-indexes: ${b} is below ${a}`);
  if (b - a >= 100_000) throw new UsageError("--interop-indexes: at most 100000 keys");
  return Array.from({length: b - a + 1}, (_, i) => a + i);
}

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
    const {values} = parseArgs({
      args: argv,
      options: {
        "beacon-nodes": {type: "string"},
        "interop-indexes": {type: "string"},
        keystores: {type: "string"},
        "password-file": {type: "string"},
        dataDir: {type: "string"},
        "data-dir": {type: "string"},
        "fee-recipient": {type: "string"},
        graffiti: {type: "string"},
        "doppelganger-protection": {type: "string"},
        "log-level": {type: "string"},
        keymanager: {type: "boolean", default: false},
        "keymanager.address": {type: "string"},
        "keymanager.port": {type: "string"},
        "keymanager.allowed-hosts": {type: "string"},
        "dev.skip-proposals": {type: "string"},
        "keymanager.token-file": {type: "string"},
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
    const dp = values["doppelganger-protection"] ?? "true";
    if (dp !== "true" && dp !== "false") throw new UsageError("--doppelganger-protection must be true or false");
    const level = values["log-level"] ?? "info";
    if (!["debug", "info", "warn", "error"].includes(level)) {
      throw new UsageError("--log-level must be one of debug, info, warn, error");
    }
    const dataDir = resolve(values.dataDir ?? values["data-dir"] ?? "ceibo-validator");
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
    const log = vcModule.createLogger({level: level as "info"});
    let keys: InstanceType<typeof vcModule.KeyStore>;
    let closeKeys = () => {};
    if (values["interop-indexes"] !== undefined) {
      const {interopSecretKey} = await import("@ceibo/state-transition");
      keys = vcModule.KeyStore.fromSecretKeys(parseRange(values["interop-indexes"]).map((i) => interopSecretKey(i)));
      log.warn("Using interop keys: for dev chains only", {count: keys.size});
    } else if (values.keystores !== undefined) {
      if (values["password-file"] === undefined) throw new UsageError("--keystores needs --password-file");
      const {loadKeys, progressLine, readPasswordFile} = await import("@ceibo/keymanager");
      const dir = resolve(values.keystores);
      if (!statSync(dir, {throwIfNoEntry: false})?.isDirectory())
        throw new UsageError(`--keystores: ${dir} is not a directory`);
      const files = readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .sort();
      if (files.length === 0) throw new UsageError(`--keystores: no *.json keystores in ${dir}`);
      const password = await readPasswordFile(values["password-file"]);
      const loaded = await loadKeys({
        keystores: files.map((f) => ({keystorePath: join(dir, f), password})),
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
          ...(skipProposal !== undefined ? {skipProposal} : {}),
        },
        keys,
      );
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
            onWarning: (msg, ctx) => log.warn(msg, ctx),
            allowedHosts: (values["keymanager.allowed-hosts"] ?? "")
              .split(",")
              .map((h) => h.trim())
              .filter((h) => h !== ""),
          });
          closeKm = () => server.close();
          log.info("Keymanager API listening", {url: server.url, tokenFile});
        } catch (e) {
          await vc.close();
          throw e;
        }
      }
      const onSignal = () => void closeKm().finally(() => vc.close());
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      const reason = await vc.stopped;
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      if (reason?.code === "DOPPELGANGER_DETECTED") return 3;
      return reason === undefined ? 0 : 1;
    } finally {
      closeKeys();
    }
  },
};
