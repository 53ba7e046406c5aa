/**
 * `ceibo dev`: a local dev network as three SEPARATE processes — the mock execution engine (`ceibo mock-engine`),
 * a beacon node (`ceibo beacon --network dev --dev.signing false`) and a validator client (`ceibo validator`)
 * with every interop key. Each child's output is prefixed ([el], [bn], [vc]); SIGINT/SIGTERM stops them in the
 * order VC, BN, EL; if one dies the others are stopped and the command exits non-zero naming it.
 */
import {type ChildProcess, spawn} from "node:child_process";
import {randomBytes} from "node:crypto";
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {createInterface} from "node:readline";
import {type Command, UsageError} from "../command.ts";
import {COMMON_HELP, type OptionTable, parseCommandOptions} from "../options.ts";
import {parseForkEpochs} from "./beacon.ts";
import {copyKeystores, depositOptions} from "./devDeposits.ts";
import {replayPayloads} from "./devReplay.ts";
import {type DevUi, startDevUi} from "./devUi.ts";

const HELP = `Usage: ceibo dev [options]

Runs a local dev network as separate processes, each one's log lines prefixed:
  [el]  the mock execution engine (ceibo mock-engine; a new JWT secret in <data-dir>/jwt.hex)
  [bn]  a beacon node on the dev network (ceibo beacon --network dev --dev.signing false): interop genesis of
        --validators validators, Beacon API on --rest.port
  [vc]  a validator client (ceibo validator) with all the interop keys 0..N-1, talking to the node's Beacon API
The chain finalizes on its own. Ctrl-C (SIGINT) or SIGTERM stops the validator client, then the beacon node,
then the engine, and exits 0. If one of them exits on its own the others are stopped and ceibo dev exits 1.
The children get CEIBO_PRESET from --preset (no need to set it yourself).

Options:
  --validators N          interop validators (default 64)
  --deposit-data FILE     instead of the interop keys: a NEW chain's genesis from the deposits of this
                          deposit_data-*.json (made by \`ceibo keys new|recover --network dev\`; checked as
                          \`ceibo keys validate-deposit\` does), built with initialize_beacon_state_from_eth1;
                          each validator needs a 32 ETH deposit to be active at genesis
  --keystores DIR         with --deposit-data: the folder with those validators' EIP-2335 keystores (the
                          --out-dir of \`ceibo keys new\`; other files are skipped); the validator client runs
                          with these keys (copied to <data-dir>/vc-keystores) instead of the interop keys
                          (not needed with --validator-client false)
  --keystore-password-file F  their password; without it the password is asked for (hidden on a terminal,
                          one stdin line otherwise) and handed to the validator client over a pipe, never
                          through argv, the environment or a file
  --preset NAME           minimal (default; 8-slot epochs) or mainnet (32-slot epochs)
  --fork-epochs LIST      staged forks, e.g. altair=1,bellatrix=2,capella=3,deneb=4,electra=5,fulu=6 (a fork
                          left out activates with the one before it). Default: every fork through fulu active
                          at genesis. The engine gets the matching fork timestamps.
  --slot-duration-ms MS   slot duration (default 2000; at least 1000)
  --genesis-delay SECS    a NEW chain's genesis is this many seconds after start (default 8)
  --shard-committee-period N  SHARD_COMMITTEE_PERIOD in epochs (default the preset's: 64 minimal, 256 mainnet);
                          0 lets validators exit at once (try \`ceibo validator exit\`)
  --data-dir DIR          keep the chain here (beacon node in DIR/bn, validator client and its slashing
                          protection in DIR/vc, engine secret DIR/jwt.hex, the chain's settings DIR/dev.json);
                          run again with the same DIR to continue it. Without it: a fresh temporary directory,
                          removed on exit.
  --rest.port PORT        Beacon API port on 127.0.0.1 (default 5052; 0 = any free port)
  --el.port PORT          Engine API port of the mock engine on 127.0.0.1 (default 0 = any free port)
  --validator-client B    true (default) or false: false runs only [el] and [bn] (bring your own validator client)
                          On a restart with --data-dir the validator client runs without doppelganger protection
                          (it would mistake its own attestations from before the restart for another client's).
  --keymanager B          true (default) or false: the validator client serves the Keymanager API (when this
                          build's validator client has it; otherwise "Keymanager API: not available yet")
  --keymanager.port PORT  its port on 127.0.0.1 (default 5062; 0 = any free port); the bearer token is in
                          <data-dir>/vc/api-token.txt
  --metrics               Prometheus metrics from the beacon node and the validator client (their --metrics);
                          the beacon node also monitors the validator client's validators (validator_monitor_*)
  --metrics.port PORT     the beacon node's metrics port on --metrics.address (default 8008; 0 = any free port)
  --metrics.validator-port PORT  the validator client's metrics port (default 5064; 0 = any free port)
  --metrics.address ADDR  metrics listen address of both (default 127.0.0.1)
  --log-level LEVEL       error | warn | info | debug for the beacon node and validator client (default info)
  --log-format FORMAT     human (default) or json, for the beacon node and validator client
  --ui B                  true (default) or false: serve the desktop UI (dashboard) in your browser on 127.0.0.1;
                          its URL, with a random session token, is printed once the node serves its API
${COMMON_HELP}

Prints the Beacon API URL once the node serves it and the Keymanager API URL once the validator client serves it
(and with --metrics both metrics URLs).`;

const CHILD_NAMES = {el: "mock execution engine", bn: "beacon node", vc: "validator client"} as const;
type ChildTag = keyof typeof CHILD_NAMES;

/** What a data dir's chain was created with (DIR/dev.json): a restart must use the same. */
interface DevSettings {
  preset: "minimal" | "mainnet";
  validators: number;
  genesisTime: number;
  slotDurationMs: number;
  forkEpochs: Record<string, number> | null;
  /** A chain made from deposit data (`--deposit-data`): the file's SHA-256 and its deposits. */
  depositData?: {sha256: string; count: number};
}

const FORKS = ["altair", "bellatrix", "capella", "deneb", "electra", "fulu"];

function nonNegativeInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--${name} must be a non-negative integer, got "${value}"`);
  }
  return Number(value);
}

/** Every fork's epoch, the left-out ones taking the previous fork's (as createDevChainConfig does). */
function fullForkEpochs(given: Record<string, number> | null): Record<string, number> {
  const out: Record<string, number> = {};
  let previous = 0;
  for (const f of FORKS) {
    previous = given?.[f] ?? previous;
    out[f] = previous;
  }
  return out;
}

/** Whether this build's validator client has the Keymanager API (being added in parallel; loaded by name). */
async function keymanagerAvailable(): Promise<boolean> {
  const specifier = "@ceibo/keymanager/api";
  try {
    const mod = (await import(specifier)) as {startKeymanagerServer?: unknown};
    return typeof mod.startKeymanagerServer === "function";
  } catch {
    return false;
  }
}

interface Child {
  tag: ChildTag;
  proc: ChildProcess;
  exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>;
  expectedExit: boolean;
  /** Called with every stdout and stderr line (after it is printed). */
  lineListeners: ((line: string) => void)[];
}

/** The beacon node's and validator client's metrics options from `ceibo dev --metrics …` (null: off). */
function devMetricsArgs(values: Record<string, string | boolean | undefined>): {bn: string[]; vc: string[]} | null {
  const given = ["metrics.port", "metrics.validator-port", "metrics.address"].filter((k) => values[k] !== undefined);
  if (values.metrics !== true) {
    if (given.length > 0) throw new UsageError(`--${given[0]} needs --metrics`);
    return null;
  }
  const port = (name: string, dflt: number): string => {
    const n = nonNegativeInt(name, values[name] as string | undefined) ?? dflt;
    if (n > 65535) throw new UsageError(`--${name} must be at most 65535`);
    return String(n);
  };
  const address = (values["metrics.address"] as string | undefined) ?? "127.0.0.1";
  return {
    bn: ["--metrics", "--metrics.address", address, "--metrics.port", port("metrics.port", 8008)],
    vc: ["--metrics", "--metrics.address", address, "--metrics.port", port("metrics.validator-port", 5064)],
  };
}

/** Every option of `ceibo dev` (parseArgs shape; `deprecated` = old spellings still accepted). */
export const DEV_OPTIONS = {
  validators: {type: "string"},
  preset: {type: "string"},
  "fork-epochs": {type: "string"},
  "slot-duration-ms": {type: "string"},
  "genesis-delay": {type: "string"},
  "shard-committee-period": {type: "string"},
  "deposit-data": {type: "string"},
  keystores: {type: "string"},
  "keystore-password-file": {type: "string"},
  "data-dir": {type: "string", deprecated: ["dataDir"]},
  "rest.port": {type: "string"},
  "el.port": {type: "string"},
  "validator-client": {type: "string"},
  keymanager: {type: "string"},
  "keymanager.port": {type: "string"},
  metrics: {type: "boolean", default: false},
  "metrics.port": {type: "string"},
  "metrics.validator-port": {type: "string"},
  "metrics.address": {type: "string"},
  "log-level": {type: "string"},
  "log-format": {type: "string"},
  ui: {type: "string"},
} as const satisfies OptionTable;

export const devCommand: Command = {
  summary: "run a local dev network: mock engine + beacon node + validator client as separate processes",
  async run(argv) {
    const values = parseCommandOptions(argv, DEV_OPTIONS, {command: "dev", help: HELP});
    if (values === null) return 0;
    const uiOn = values.ui ?? "true";
    if (uiOn !== "true" && uiOn !== "false") throw new UsageError("--ui must be true or false");
    let ui: DevUi | null = null;
    const preset = values.preset;
    if (preset !== undefined && preset !== "minimal" && preset !== "mainnet") {
      throw new UsageError("--preset must be minimal or mainnet");
    }
    const validators = nonNegativeInt("validators", values.validators);
    if (validators !== undefined && (validators < 1 || validators > 100_000)) {
      throw new UsageError("--validators must be between 1 and 100000");
    }
    const forkEpochs =
      values["fork-epochs"] === undefined ? undefined : parseForkEpochs(values["fork-epochs"], "fork-epochs");
    const slotDurationMs = nonNegativeInt("slot-duration-ms", values["slot-duration-ms"]);
    const scp = nonNegativeInt("shard-committee-period", values["shard-committee-period"]);
    if (slotDurationMs !== undefined && slotDurationMs < 1000)
      throw new UsageError("--slot-duration-ms must be at least 1000");
    const genesisDelay = nonNegativeInt("genesis-delay", values["genesis-delay"]) ?? 8;
    const restPort = nonNegativeInt("rest.port", values["rest.port"]) ?? 5052;
    if (restPort > 65535) throw new UsageError("--rest.port must be at most 65535");
    const elPort = nonNegativeInt("el.port", values["el.port"]) ?? 0;
    if (elPort > 65535) throw new UsageError("--el.port must be at most 65535");
    const vcOn = values["validator-client"] ?? "true";
    if (vcOn !== "true" && vcOn !== "false") throw new UsageError("--validator-client must be true or false");
    const kmOn = values.keymanager ?? "true";
    if (kmOn !== "true" && kmOn !== "false") throw new UsageError("--keymanager must be true or false");
    const kmPort = nonNegativeInt("keymanager.port", values["keymanager.port"]) ?? 5062;
    if (kmPort > 65535) throw new UsageError("--keymanager.port must be at most 65535");
    const level = values["log-level"] ?? "info";
    const logFormat = values["log-format"];
    if (logFormat !== undefined && logFormat !== "human" && logFormat !== "json") {
      throw new UsageError(`--log-format must be human or json, got "${logFormat}"`);
    }
    const logFormatArgs = logFormat === undefined ? [] : ["--log-format", logFormat];
    if (!["error", "warn", "info", "debug"].includes(level)) {
      throw new UsageError("--log-level must be error, warn, info or debug");
    }
    const metricsArgs = devMetricsArgs(values);

    // A chain from deposit data: the deposits, their keystores and the password, checked before anything starts.
    const fromDeposits = await depositOptions(values, validators, vcOn === "true");

    // The data dir and the chain's settings (a restart continues the chain it holds).
    const temporary = values["data-dir"] === undefined;
    const dataDir = temporary ? mkdtempSync(join(tmpdir(), "ceibo-dev-")) : resolve(values["data-dir"] as string);
    mkdirSync(dataDir, {recursive: true});
    const settingsFile = join(dataDir, "dev.json");
    let settings: DevSettings;
    const resuming = existsSync(settingsFile);
    if (resuming) {
      let stored: DevSettings;
      try {
        stored = JSON.parse(readFileSync(settingsFile, "utf8")) as DevSettings;
      } catch (e) {
        throw new UsageError(`${settingsFile} is not readable JSON: ${(e as Error).message}`);
      }
      const clash = (what: string, given: unknown, was: unknown): never => {
        throw new UsageError(
          `${dataDir} holds a dev chain made with ${what} ${String(was)}; got ${String(given)} (leave the option out or use another --data-dir)`,
        );
      };
      if (preset !== undefined && preset !== stored.preset) clash("--preset", preset, stored.preset);
      if (stored.depositData !== undefined && fromDeposits === null) {
        throw new UsageError(
          `${dataDir} holds a dev chain made from deposit data: give --deposit-data and --keystores again (or use another --data-dir)`,
        );
      }
      if (fromDeposits !== null && stored.depositData?.sha256 !== fromDeposits.sha256) {
        clash(
          "--deposit-data",
          fromDeposits.file,
          stored.depositData === undefined ? "interop keys" : "another deposit file",
        );
      }
      if (validators !== undefined && validators !== stored.validators)
        clash("--validators", validators, stored.validators);
      if (slotDurationMs !== undefined && slotDurationMs !== stored.slotDurationMs) {
        clash("--slot-duration-ms", slotDurationMs, stored.slotDurationMs);
      }
      if (
        forkEpochs !== undefined &&
        JSON.stringify(fullForkEpochs(forkEpochs)) !== JSON.stringify(fullForkEpochs(stored.forkEpochs))
      ) {
        clash("--fork-epochs", values["fork-epochs"], JSON.stringify(stored.forkEpochs ?? "all at genesis"));
      }
      settings = stored;
    } else {
      settings = {
        preset: preset ?? "minimal",
        validators: fromDeposits?.count ?? validators ?? 64,
        genesisTime: Math.ceil(Date.now() / 1000) + genesisDelay,
        slotDurationMs: slotDurationMs ?? 2000,
        forkEpochs: forkEpochs ?? null,
        ...(fromDeposits !== null ? {depositData: {sha256: fromDeposits.sha256, count: fromDeposits.count}} : {}),
      };
      writeFileSync(settingsFile, `${JSON.stringify(settings, null, 2)}\n`);
    }

    const slotsPerEpoch = settings.preset === "minimal" ? 8 : 32;
    const epochs = fullForkEpochs(settings.forkEpochs);
    const timeAt = (epoch: number): number =>
      settings.genesisTime + Math.floor((epoch * slotsPerEpoch * settings.slotDurationMs) / 1000);
    // The genesis execution block is the interop default 0x42…42 (the genesis state's payload header / the
    // terminal block of a pre-merge genesis).
    const elArgs = [
      "mock-engine",
      "--host",
      "127.0.0.1",
      "--port",
      String(elPort),
      "--genesis-block-hash",
      `0x${"42".repeat(32)}`,
    ];
    for (const f of ["capella", "deneb", "electra", "fulu"]) elArgs.push(`--${f}-time`, String(timeAt(epochs[f])));

    const jwtFile = join(dataDir, "jwt.hex");
    if (!existsSync(jwtFile)) writeFileSync(jwtFile, `0x${randomBytes(32).toString("hex")}\n`, {mode: 0o600});
    elArgs.push("--jwt-secret", jwtFile);

    const bin = resolve(import.meta.dirname, "../../bin/ceibo.js");
    const env = {...process.env, CEIBO_PRESET: settings.preset};
    const children: Child[] = [];
    let shuttingDown = false;
    let failure: string | null = null;
    let wakeUp: () => void = () => {};
    const done = new Promise<void>((r) => {
      wakeUp = r;
    });

    const say = (line: string): void => console.log(`[dev] ${line}`);
    /** Text written to a child's stdin (then closed); the others get none. */
    const childStdin: Partial<Record<ChildTag, string>> = {};
    const start = (tag: ChildTag, args: string[]): Child => {
      const stdinText = childStdin[tag];
      // Its own process group: a terminal's Ctrl-C reaches only ceibo dev, which then stops the children in order.
      const proc = spawn(process.execPath, [bin, ...args], {
        env,
        stdio: [stdinText === undefined ? "ignore" : "pipe", "pipe", "pipe"],
        detached: true,
      });
      if (stdinText !== undefined) proc.stdin?.end(`${stdinText}\n`);
      const child: Child = {
        tag,
        proc,
        expectedExit: false,
        lineListeners: [],
        exited: new Promise((r) => proc.once("exit", (code, signal) => r({code, signal}))),
      };
      proc.once("error", (e) => console.error(`[dev] ${CHILD_NAMES[tag]} [${tag}] failed to start: ${e.message}`));
      for (const stream of [proc.stdout, proc.stderr]) {
        if (stream === null) continue;
        createInterface({input: stream}).on("line", (line) => {
          const out = `[${tag}] ${line}`;
          if (stream === proc.stderr) console.error(out);
          else console.log(out);
          for (const l of [...child.lineListeners]) l(line);
        });
      }
      void child.exited.then(({code, signal}) => {
        if (child.expectedExit || shuttingDown) return;
        failure = `the ${CHILD_NAMES[tag]} [${tag}] exited on its own (${signal ?? `code ${code}`})`;
        wakeUp();
      });
      say(`started the ${CHILD_NAMES[tag]} [${tag}], pid ${proc.pid}`);
      children.push(child);
      return child;
    };
    const stop = async (child: Child): Promise<void> => {
      child.expectedExit = true;
      if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
      child.proc.kill("SIGTERM");
      const timer = setTimeout(() => {
        say(`the ${CHILD_NAMES[child.tag]} [${child.tag}] did not stop within 15 s: killing it`);
        child.proc.kill("SIGKILL");
      }, 15_000);
      await child.exited;
      clearTimeout(timer);
    };

    const onSignal = (signal: string): void => {
      if (shuttingDown) return;
      say(`received ${signal}: stopping the validator client, the beacon node, then the engine`);
      shuttingDown = true;
      wakeUp();
    };
    const onInt = (): void => onSignal("SIGINT");
    const onTerm = (): void => onSignal("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);

    say(
      `data dir ${dataDir}${temporary ? " (temporary, removed on exit)" : ""}; preset ${settings.preset}, ` +
        `${settings.validators} validators, genesis time ${settings.genesisTime}, ${settings.slotDurationMs} ms slots, ` +
        `forks ${settings.forkEpochs === null ? "all at genesis (fulu)" : JSON.stringify(epochs)}`,
    );
    try {
      // 1. the engine: wait for its URL
      const el = start("el", elArgs);
      const elUrl = await firstMatch(
        el,
        /mock engine listening on (http:\/\/\S+)/,
        30_000,
        () => shuttingDown || failure !== null,
      );
      if (elUrl === null) return await finish();

      // 2. the beacon node: wait until its Beacon API answers
      const bnArgs = [
        "beacon",
        "--network",
        "dev",
        "--data-dir",
        join(dataDir, "bn"),
        "--dev.validators",
        String(settings.validators),
        "--dev.genesis-time",
        String(settings.genesisTime),
        "--dev.slot-duration-ms",
        String(settings.slotDurationMs),
        "--dev.signing",
        "false",
        "--execution-urls",
        elUrl,
        "--jwt-secret",
        jwtFile,
        "--rest.address",
        "127.0.0.1",
        "--rest.port",
        String(restPort),
        "--log-level",
        level,
        ...logFormatArgs,
      ];
      if (settings.forkEpochs !== null) {
        bnArgs.push("--dev.fork-epochs", FORKS.map((f) => `${f}=${epochs[f]}`).join(","));
      }
      if (fromDeposits !== null) bnArgs.push("--dev.deposit-data", fromDeposits.file);
      if (scp !== undefined) bnArgs.push("--dev.shard-committee-period", String(scp));
      if (metricsArgs !== null) bnArgs.push(...metricsArgs.bn);
      const bn = start("bn", bnArgs);
      if (metricsArgs !== null) announceMetrics(bn, "Beacon node metrics");
      const restUrl = await firstMatch(
        bn,
        /Beacon API listening[^\n]*?(http:\/\/[0-9.:]+)/,
        120_000,
        () => shuttingDown || failure !== null,
      );
      if (restUrl === null) return await finish();
      if (resuming) {
        // the fresh mock engine knows only its genesis block: hand it the resumed chain's payloads
        const {JsonRpcHttpClient, readJwtSecret} = await import("@ceibo/beacon-node/execution");
        const rpc = new JsonRpcHttpClient({url: elUrl, jwtSecret: readJwtSecret(jwtFile)});
        try {
          const sent = await replayPayloads(restUrl, (method, params) => rpc.request(method, params, 10_000));
          say(`handed the resumed chain's ${sent} execution payloads to the new mock engine`);
        } catch (e) {
          failure = `could not hand the resumed chain's payloads to the mock engine: ${(e as Error).message}`;
          return await finish();
        }
      }
      say(`Beacon API: ${restUrl}`);
      if (uiOn === "true") {
        ui = await startDevUi(restUrl, dataDir, say);
        if (ui !== null) say(`UI: ${ui.url}`);
      }

      // 3. the validator client with every interop key
      const km = vcOn === "true" && kmOn === "true" && (await keymanagerAvailable());
      if (!km) say(`Keymanager API: ${kmOn === "true" && vcOn === "true" ? "not available yet" : "off"}`);
      if (vcOn === "true") {
        let keyArgs = ["--interop-indexes", `0..${settings.validators - 1}`];
        if (fromDeposits !== null) {
          const keystoreDir = join(dataDir, "vc-keystores");
          copyKeystores(fromDeposits.keystoreFiles, keystoreDir);
          // a prompted password reaches the validator client through its stdin pipe, never argv, env or a file
          keyArgs = ["--keystores", keystoreDir, "--password-file", fromDeposits.passwordFile ?? "/dev/stdin"];
          if (fromDeposits.passwordFile === undefined) childStdin.vc = fromDeposits.password;
        }
        const vc = start("vc", [
          "validator",
          "--beacon-nodes",
          restUrl,
          ...keyArgs,
          "--data-dir",
          join(dataDir, "vc"),
          "--log-level",
          level,
          ...logFormatArgs,
          // A resumed chain is past its genesis epoch, where doppelganger protection would watch 2 epochs and
          // could take this same client's own attestations from before the restart for a doppelganger. The
          // keys belong to this dev network's validator client alone (its slashing protection: DIR/vc).
          ...(resuming ? ["--doppelganger-protection", "false"] : []),
          ...(km ? ["--keymanager", "--keymanager.address", "127.0.0.1", "--keymanager.port", String(kmPort)] : []),
          ...(metricsArgs?.vc ?? []),
        ]);
        if (metricsArgs !== null) announceMetrics(vc, "Validator client metrics");
        if (km) {
          vc.lineListeners.push(function onLine(line) {
            const m =
              /Keymanager API listening url=(\S+)(?: tokenFile=(\S+))?/.exec(line) ??
              /"msg":"Keymanager API listening","url":"([^"]+)"(?:,"tokenFile":"([^"]+)")?/.exec(line);
            if (m === null) return;
            vc.lineListeners.splice(vc.lineListeners.indexOf(onLine), 1);
            say(`Keymanager API: ${m[1]}${m[2] ? ` (bearer token in ${m[2]})` : ""}`);
          });
        }
      }
      await done;
      return await finish();
    } finally {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
    }

    async function finish(): Promise<number> {
      await ui?.close();
      for (const tag of ["vc", "bn", "el"] as const) {
        for (const c of children.filter((x) => x.tag === tag)) await stop(c);
      }
      if (temporary) rmSync(dataDir, {recursive: true, force: true});
      if (failure !== null) {
        console.error(`ceibo dev: ${failure}; stopped the others`);
        return 1;
      }
      say("stopped");
      return 0;
    }

    /** Prints "[dev] <what>: URL" when the child logs its metrics server's URL. */
    function announceMetrics(child: Child, what: string): void {
      child.lineListeners.push(function onLine(line) {
        const m = /Metrics server listening url=(\S+)/.exec(line);
        if (m === null) return;
        child.lineListeners.splice(child.lineListeners.indexOf(onLine), 1);
        say(`${what}: ${m[1]}`);
      });
    }

    /** The first capture of `re` in the child's output lines; null when it exits or `abort()` turns true first. */
    function firstMatch(child: Child, re: RegExp, timeoutMs: number, abort: () => boolean): Promise<string | null> {
      return new Promise((resolveMatch) => {
        const onLine = (line: string): void => {
          const m = re.exec(line);
          if (m !== null) finishWith(m[1]);
        };
        const finishWith = (v: string | null): void => {
          clearInterval(poll);
          clearTimeout(timer);
          child.lineListeners.splice(child.lineListeners.indexOf(onLine), 1);
          resolveMatch(v);
        };
        child.lineListeners.push(onLine);
        const poll = setInterval(() => {
          if (abort()) finishWith(null);
        }, 100);
        const timer = setTimeout(() => {
          failure = `the ${CHILD_NAMES[child.tag]} [${child.tag}] did not get ready within ${timeoutMs / 1000} s`;
          finishWith(null);
        }, timeoutMs);
      });
    }
  },
};
