/**
 * The host: the one handler table behind both transports (HTTP in browser mode, IPC in Electron).
 * Plain Node — no Electron import. Owns settings, key sessions, the supervised ceibo children and
 * the Beacon API URL the proxy forwards to.
 */
import {EventEmitter} from "node:events";
import {chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from "node:fs";
import {join, resolve} from "node:path";
import type {HostEvent, HostHandlers, NetworkInfo, ProcessName, ProcessStatus} from "../shared/contract.ts";
import {badRequest} from "./errors.ts";
import {createExtras} from "./extras.ts";
import {KeySessions} from "./keygen.ts";
import {keyManagementHandlers} from "./keyManagement.ts";
import {type KeymanagerEndpoint, listKeystores, parseKeymanagerLine} from "./keymanagerClient.ts";
import {allValidatorPubkeys, createMonitor, validatorClientState} from "./monitor.ts";
import {SettingsStore} from "./settings.ts";
import {type ChildSpec, DOPPELGANGER_EXIT_CODE, DOPPELGANGER_REASON, SupervisedChild} from "./supervisor.ts";
import {asObject, empty, int, oneOf, onlyKeys} from "./validate.ts";

export const NETWORKS: NetworkInfo[] = [
  {name: "dev", needs: ["nothing"], depositAmountEth: 32},
  {name: "hoodi", needs: ["executionClient", "checkpointSync", "testnetEth"], depositAmountEth: 32},
  {name: "sepolia", needs: ["executionClient", "checkpointSync", "testnetEth"], depositAmountEth: 32},
  {name: "mainnet", needs: ["executionClient", "checkpointSync", "realEth"], depositAmountEth: 32},
];

const PROCESS_NAMES: readonly ProcessName[] = ["dev", "beacon", "validator"];

export interface HostOptions {
  dataDir: string;
  mode: "browser" | "electron";
  /** The ceibo entry script (default: this repo's cli/bin/ceibo.js), run with this Node. */
  ceiboBin?: string;
  /** Keystore KDF (tests use pbkdf2 for speed; default scrypt). */
  kdf?: "scrypt" | "pbkdf2";
  /** Attach to an already running node (`ceibo dev` serving the UI): no children are started. */
  attachedBeaconUrl?: string;
  /** Attached: how the process running the validator client sees it (for the duty watcher); default unknown. */
  attachedValidatorState?: () => Promise<"running" | "stopped" | "unknown">;
  /** Attached: the user's validators (default: every validator of the dev chain). */
  attachedPubkeys?: () => Promise<string[]>;
  /** Extra arguments for the supervised `ceibo dev` (e.g. a shorter slot time in tests). */
  devArgs?: string[];
}

export interface Host {
  handlers: HostHandlers;
  events: EventEmitter<{event: [HostEvent]}>;
  beaconUrl(): string | null;
  close(): Promise<void>;
}

function readVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {version: string};
  return pkg.version;
}

export function createHost(opts: HostOptions): Host {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, {recursive: true, mode: 0o700});
  const settings = new SettingsStore(dataDir);
  const events = new EventEmitter<{event: [HostEvent]}>();
  const emit = (e: HostEvent): void => {
    events.emit("event", e);
  };
  const keys = new KeySessions({
    kdf: opts.kdf,
    onProgress: (done, total) => emit({type: "keys.progress", done, total}),
  });
  const ceiboBin = opts.ceiboBin ?? resolve(import.meta.dirname, "../../../cli/bin/ceibo.js");
  const passwordFile = join(dataDir, "secrets", "keystore-password.txt");
  const children = new Map<ProcessName, SupervisedChild>();
  let beaconUrl: string | null = opts.attachedBeaconUrl ?? null;
  /** The validator client's Keymanager API; its token stays in the host. */
  let keymanager: KeymanagerEndpoint | null = null;

  const child = (spec: ChildSpec): SupervisedChild => {
    const c = new SupervisedChild(
      spec,
      (status) => emit({type: "process", status}),
      (line) => {
        const m = /Beacon API(?: listening[^\n]*?|:) (http:\/\/[0-9.]+:\d+)/.exec(line.text);
        if (m !== null && (spec.name === "dev" || spec.name === "beacon")) beaconUrl = m[1];
        keymanager = parseKeymanagerLine(line.text) ?? keymanager;
        emit({type: "log", process: spec.name, line});
      },
    );
    children.set(spec.name, c);
    return c;
  };

  const statuses = (): ProcessStatus[] => [...children.values()].map((c) => c.status());

  const stopAll = async (): Promise<void> => {
    // validator first, then the node
    for (const name of ["validator", "dev", "beacon"] as const) await children.get(name)?.stop();
    if (opts.attachedBeaconUrl === undefined) beaconUrl = null;
    keymanager = null;
  };

  const ceibo = (args: string[]): Pick<ChildSpec, "command" | "args" | "cwd"> => ({
    command: process.execPath,
    args: [ceiboBin, ...args],
    cwd: dataDir,
  });

  const monitor = createMonitor({
    dataDir,
    beaconUrl: () => beaconUrl,
    vcState: () => opts.attachedValidatorState?.() ?? validatorClientState(children, () => keymanager),
    pubkeys: async () => {
      const own = (await handlers["keys.list"]({})).pubkeys;
      // attached to `ceibo dev`: its validator client runs every validator of the dev chain
      if (own.length > 0 || opts.attachedBeaconUrl === undefined) return own;
      return opts.attachedPubkeys?.() ?? allValidatorPubkeys(opts.attachedBeaconUrl);
    },
  });

  const handlers: HostHandlers = {
    ...monitor.handlers,
    "app.info": async (req) => {
      empty(req, "app.info");
      return {
        version: readVersion(),
        mode: opts.mode,
        dataDir,
        networks: NETWORKS,
        attached: opts.attachedBeaconUrl !== undefined,
      };
    },
    "settings.get": async (req) => {
      empty(req, "settings.get");
      return settings.get();
    },
    "settings.set": async (req) => {
      // key paths are the host's to set (after keys.generate): the UI cannot point the node at other files
      for (const k of ["keystoresDir", "depositDataFile"]) {
        if (typeof req === "object" && req !== null && Object.hasOwn(req, k)) {
          throw badRequest(`"${k}" is set by key generation, not by the UI`);
        }
      }
      return settings.set(req);
    },
    "keys.newMnemonic": async (req) => {
      empty(req, "keys.newMnemonic");
      return keys.newMnemonic();
    },
    "keys.confirmMnemonic": async (req) => keys.confirm(req),
    "keys.importMnemonic": async (req) => keys.importMnemonic(req),
    "keys.forget": async (req) => keys.forget(req),
    "keys.list": async (req) => {
      empty(req, "keys.list");
      if (keymanager !== null) {
        try {
          return {pubkeys: await listKeystores(keymanager), source: "validatorClient"};
        } catch {
          // the validator client may be restarting: fall back to the keystore files
        }
      }
      const d = settings.get().keystoresDir;
      if (d === null || !existsSync(d)) return {pubkeys: [], source: "keystores"};
      const pubkeys: string[] = [];
      for (const f of readdirSync(d).sort()) {
        if (!/^keystore-.*\.json$/.test(f)) continue;
        const k = JSON.parse(readFileSync(join(d, f), "utf8")) as {pubkey?: unknown};
        if (typeof k.pubkey === "string" && /^(0x)?[0-9a-f]{96}$/.test(k.pubkey)) {
          pubkeys.push(k.pubkey.startsWith("0x") ? k.pubkey : `0x${k.pubkey}`);
        }
      }
      return {pubkeys, source: "keystores"};
    },
    "keys.generate": async (req) => {
      const s = settings.get();
      const outDir = join(dataDir, "validator_keys");
      if (existsSync(outDir)) {
        throw badRequest(`keys already exist in ${outDir}; this version manages one key set per data dir`);
      }
      const {passwordForChild, ...res} = await keys.generate(req, s.network, outDir);
      // The validator client reads the password from this 0600 file: never argv or the environment.
      mkdirSync(join(dataDir, "secrets"), {recursive: true, mode: 0o700});
      writeFileSync(passwordFile, `${passwordForChild}\n`, {mode: 0o600});
      chmodSync(passwordFile, 0o600);
      settings.set({keystoresDir: res.keystoresDir, depositDataFile: res.depositDataFile});
      return res;
    },
    "node.start": async (req) => {
      empty(req, "node.start");
      if (opts.attachedBeaconUrl !== undefined) throw badRequest("the node is run by `ceibo dev`; start it there");
      const s = settings.get();
      if (s.keystoresDir === null || s.depositDataFile === null || !existsSync(passwordFile)) {
        throw badRequest("generate or import validator keys first");
      }
      if (s.network === "dev") {
        const dev =
          children.get("dev") ??
          child({
            name: "dev",
            ...ceibo([
              "dev",
              "--deposit-data",
              s.depositDataFile,
              "--keystores",
              s.keystoresDir,
              "--keystore-password-file",
              passwordFile,
              "--data-dir",
              join(dataDir, "dev"),
              "--rest.port",
              "0",
              "--keymanager.port",
              "0",
              "--ui",
              "false",
              ...(opts.devArgs ?? []),
            ]),
            doppelgangerLine: /DOPPELGANGER_DETECTED|doppelganger detected/i,
          });
        dev.start();
      } else {
        if (s.executionUrl === null) throw badRequest(`${s.network} needs an execution client: set its Engine API URL`);
        const jwt = join(dataDir, "jwt.hex");
        if (!existsSync(jwt)) throw badRequest(`${s.network} needs the execution client's JWT secret in ${jwt}`);
        const bn =
          children.get("beacon") ??
          child({
            name: "beacon",
            ...ceibo([
              "beacon",
              "--network",
              s.network,
              "--data-dir",
              join(dataDir, "bn"),
              "--execution-urls",
              s.executionUrl,
              "--jwt-secret",
              jwt,
              "--rest.address",
              "127.0.0.1",
              ...(s.checkpointSyncUrl !== null ? ["--checkpoint-sync-url", s.checkpointSyncUrl] : []),
            ]),
          });
        bn.start();
        const vc =
          children.get("validator") ??
          child({
            name: "validator",
            ...ceibo([
              "validator",
              "--beacon-nodes",
              s.beaconUrl ?? "http://127.0.0.1:5052",
              "--keystores",
              s.keystoresDir,
              "--password-file",
              passwordFile,
              "--data-dir",
              join(dataDir, "vc"),
            ]),
            stopCodes: {
              [DOPPELGANGER_EXIT_CODE]: {code: "doppelganger", state: "doppelganger", reason: DOPPELGANGER_REASON},
            },
          });
        vc.start();
      }
      settings.set({onboarded: true});
      return {processes: statuses()};
    },
    "node.stop": async (req) => {
      empty(req, "node.stop");
      await stopAll();
      return {processes: statuses()};
    },
    "node.status": async (req) => {
      empty(req, "node.status");
      return {processes: statuses(), beaconApi: beaconUrl};
    },
    "logs.tail": async (req) => {
      const o = asObject(req, "logs.tail");
      onlyKeys(o, ["process", "lines"], "logs.tail");
      const name = oneOf(o, "process", PROCESS_NAMES);
      const n = o.lines === undefined ? 500 : int(o, "lines", 1, 2000);
      return {lines: children.get(name)?.logs.last(n) ?? []};
    },
    ...keyManagementHandlers({dataDir, keymanager: () => keymanager, beaconUrl: () => beaconUrl}),
    // migration wizard, system check, alerts (host/extras.ts)
    ...createExtras({dataDir, ceiboBin, settings, events, emit, beaconUrl: () => beaconUrl, children, child, ceibo}),
  };

  return {
    handlers,
    events,
    beaconUrl: () => beaconUrl,
    close: async () => {
      monitor.close();
      await stopAll();
    },
  };
}
