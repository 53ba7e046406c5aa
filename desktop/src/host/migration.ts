/**
 * The migration wizard's host side: keys + slashing-protection history from another client into ceibo's
 * validator client.
 *
 * 1. `migration.check`: the other client's keystores folder (EIP-2335; deposit_data-*.json recognised and
 *    skipped) and its EIP-3076 interchange (v5): the export must cover every key, and its
 *    genesis_validators_root must be the chosen network's (named networks: the known root; dev: the running
 *    beacon node's). One error naming the missing keys / the wrong root.
 * 2. `migration.start` (the user confirmed the old client is stopped): `ceibo validator import --slashing-protection`
 *    into DATA/vc (all or nothing; the password only in a 0600 file removed afterwards), then `ceibo validator`
 *    on DATA/vc with doppelganger protection on, supervised. Its log gives the watch (start epoch, first
 *    signing epoch); the beacon node gives the current epoch.
 * 3. Liveness of those keys seen meanwhile: the validator client exits with the doppelganger code, the
 *    supervisor does not restart it, and the wizard stops with an explanation (phase "doppelganger").
 */
import {execFile} from "node:child_process";
import type {EventEmitter} from "node:events";
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from "node:fs";
import {join, resolve} from "node:path";
import {networks} from "@ceibo/config";
import {parseInterchange} from "@ceibo/slashing-protection";
import type {
  HostEvent,
  HostHandlers,
  MigrationCheck,
  MigrationStatus,
  NetworkName,
  ProcessStatus,
} from "../shared/contract.ts";
import {badRequest, HostError} from "./errors.ts";
import type {SupervisedChild} from "./supervisor.ts";
import {asObject, onlyKeys, str} from "./validate.ts";

export const MIGRATION_DOPPELGANGER_REASON =
  "Your keys were seen signing on the network while ceibo was only watching: another validator client " +
  "(probably the old one) is still running with them. ceibo stopped and signed nothing. Stop the old client " +
  "for good (disable its service so it does not start again), wait at least two epochs (about 13 minutes on " +
  "mainnet), then run the migration again. Running the same keys in two places gets them slashed.";

/** What the migration needs of the host (host.ts passes it; no other coupling). */
export interface MigrationDeps {
  dataDir: string;
  ceiboBin: string;
  network(): NetworkName;
  beaconUrl(): string | null;
  /** The supervised validator client with these ceibo args and preset (not started yet; the host owns it). */
  validator(args: string[], preset: string): Promise<SupervisedChild>;
  emit(e: HostEvent): void;
  /** The host's event stream: the validator client's status and log lines come back through it. */
  events: EventEmitter<{event: [HostEvent]}>;
}

type MigrationHandlers = Pick<HostHandlers, "migration.check" | "migration.start" | "migration.status">;

const PUBKEY = /^(0x)?[0-9a-f]{96}$/;

function hex0x(s: string): string {
  const l = s.toLowerCase();
  return l.startsWith("0x") ? l : `0x${l}`;
}

function toHex(b: Uint8Array): string {
  return `0x${Buffer.from(b).toString("hex")}`;
}

/** The keystores of a folder: {file, pubkey}; deposit_data files are skipped (and named). */
export function readKeystoreFolder(dir: string): {keys: {file: string; pubkey: string}[]; skipped: string[]} {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw badRequest(`keystores folder ${dir} does not exist`);
  const keys: {file: string; pubkey: string}[] = [];
  const skipped: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith(".json")) continue;
    if (/^deposit_data-.*\.json$/.test(f)) {
      skipped.push(f);
      continue;
    }
    let k: {pubkey?: unknown; crypto?: unknown; version?: unknown};
    try {
      k = JSON.parse(readFileSync(join(dir, f), "utf8")) as typeof k;
    } catch (e) {
      throw badRequest(`${f} is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof k !== "object" || k === null || typeof k.crypto !== "object" || k.version !== 4) {
      throw badRequest(`${f} is not an EIP-2335 keystore (version 4 with a crypto section)`);
    }
    if (typeof k.pubkey !== "string" || !PUBKEY.test(k.pubkey.toLowerCase())) {
      throw badRequest(`${f} has no pubkey (48 bytes hex)`);
    }
    keys.push({file: f, pubkey: hex0x(k.pubkey)});
  }
  if (keys.length === 0) throw badRequest(`no keystores (*.json) in ${dir}`);
  return {keys, skipped};
}

/**
 * The checks before anything is written: every keystore's key is in the interchange, and the interchange is
 * for `expectedRoot`. Pure apart from reading the two paths.
 */
export function checkMigration(keystoresDir: string, interchangeFile: string, expectedRoot: string): MigrationCheck {
  const {keys, skipped} = readKeystoreFolder(keystoresDir);
  if (!existsSync(interchangeFile)) throw badRequest(`slashing-protection file ${interchangeFile} does not exist`);
  let parsed: ReturnType<typeof parseInterchange>;
  try {
    parsed = parseInterchange(readFileSync(interchangeFile, "utf8"));
  } catch (e) {
    throw badRequest(`${interchangeFile} is not an EIP-3076 interchange (v5): ${(e as Error).message}`);
  }
  const root = toHex(parsed.genesisValidatorsRoot);
  if (root !== expectedRoot.toLowerCase()) {
    throw badRequest(
      `the slashing-protection export is for another network: its genesis_validators_root is ${root}, ` +
        `this network's is ${expectedRoot.toLowerCase()}`,
    );
  }
  const history = new Map<string, {blocks: number; attestations: number}>();
  for (const d of parsed.data) {
    const pk = toHex(d.pubkey);
    const h = history.get(pk) ?? {blocks: 0, attestations: 0};
    history.set(pk, {blocks: h.blocks + d.blocks.length, attestations: h.attestations + d.attestations.length});
  }
  const missing = keys.filter((k) => !history.has(k.pubkey)).map((k) => k.pubkey);
  if (missing.length > 0) {
    throw badRequest(
      `the slashing-protection export has no history for ${missing.length} of the ${keys.length} keys: ` +
        `${missing.join(", ")}. Export it again from the old client with every key included`,
    );
  }
  return {
    pubkeys: keys.map((k) => k.pubkey),
    genesisValidatorsRoot: root,
    history: keys.map((k) => ({pubkey: k.pubkey, ...(history.get(k.pubkey) ?? {blocks: 0, attestations: 0})})),
    skipped,
  };
}

/** `Doppelganger protection: watching liveness … signingFromEpoch=N` (human or JSON log line) → N. */
export function parseWatchLine(text: string): number | null {
  if (!/Doppelganger protection: watching liveness/.test(text)) return null;
  const m = /"?signingFromEpoch"?[=:]\s*"?(\d+)/.exec(text);
  return m === null ? null : Number(m[1]);
}

export function isWatchPassedLine(text: string): boolean {
  return /Doppelganger protection passed/.test(text);
}

export function createMigration(deps: MigrationDeps): MigrationHandlers {
  let status: MigrationStatus = {phase: "idle", pubkeys: [], watch: null, message: null};
  let spec: {slotsPerEpoch: number; secondsPerSlot: number; genesisTime: number} | null = null;

  const set = (patch: Partial<MigrationStatus>): MigrationStatus => {
    status = {...status, ...patch};
    deps.emit({type: "migration", status});
    return status;
  };

  const beacon = async <T>(path: string): Promise<T> => {
    const url = deps.beaconUrl();
    if (url === null) throw badRequest("no beacon node is running: start the node first");
    const r = await fetch(new URL(path, url), {signal: AbortSignal.timeout(10_000)});
    if (!r.ok) throw badRequest(`the beacon node answered ${path} with HTTP ${r.status}`);
    return (await r.json()) as T;
  };

  const expectedRoot = async (): Promise<string> => {
    const n = deps.network();
    const known = networks[n].genesis?.genesisValidatorsRoot;
    if (known !== undefined) return toHex(known);
    const g = await beacon<{data: {genesis_validators_root: string}}>("/eth/v1/beacon/genesis");
    return g.data.genesis_validators_root.toLowerCase();
  };

  /** The preset the validator client must run with: the beacon node's (ceibo dev may run either). */
  const presetOf = async (): Promise<string> => {
    if (deps.network() !== "dev") return "mainnet";
    const s = await beacon<{data: {PRESET_BASE?: string}}>("/eth/v1/config/spec");
    const p = s.data.PRESET_BASE;
    if (p !== "minimal" && p !== "mainnet") throw badRequest(`the beacon node reports an unknown preset ${p}`);
    return p;
  };

  const currentEpoch = async (): Promise<number | null> => {
    try {
      if (spec === null) {
        const s = await beacon<{data: Record<string, string>}>("/eth/v1/config/spec");
        const g = await beacon<{data: {genesis_time: string}}>("/eth/v1/beacon/genesis");
        const secondsPerSlot =
          s.data.SLOT_DURATION_MS !== undefined
            ? Number(s.data.SLOT_DURATION_MS) / 1000
            : Number(s.data.SECONDS_PER_SLOT);
        spec = {
          slotsPerEpoch: Number(s.data.SLOTS_PER_EPOCH),
          secondsPerSlot,
          genesisTime: Number(g.data.genesis_time),
        };
      }
      const slot = Math.floor((Date.now() / 1000 - spec.genesisTime) / spec.secondsPerSlot);
      return Math.max(0, Math.floor(slot / spec.slotsPerEpoch));
    } catch {
      return null;
    }
  };

  /**
   * Before anything is imported: are the keys active on the network now (this or the previous epoch)? Then the
   * old client still runs, or stopped less than an epoch ago — its sync-committee messages leave no slashing-
   * protection record, so ceibo's doppelganger watch would see them and stop at once. Keys unknown to the chain
   * (not deposited yet) have nothing to check.
   */
  const liveNow = async (pubkeys: string[]): Promise<{epoch: number; pubkeys: string[]} | null> => {
    const epoch = await currentEpoch();
    if (epoch === null) throw badRequest("the beacon node does not answer: start the node first");
    const ids = pubkeys.join(",");
    const vals = await beacon<{data: {index: string; validator: {pubkey: string}}[]}>(
      `/eth/v1/beacon/states/head/validators?id=${ids}`,
    );
    const byIndex = new Map(vals.data.map((v) => [v.index, hex0x(v.validator.pubkey)]));
    if (byIndex.size === 0) return null;
    for (const e of [epoch, epoch - 1]) {
      if (e < 0) continue;
      const url = deps.beaconUrl();
      if (url === null) return null;
      const r = await fetch(new URL(`/eth/v1/validator/liveness/${e}`, url), {
        method: "POST",
        headers: {"content-type": "application/json"},
        body: JSON.stringify([...byIndex.keys()]),
        signal: AbortSignal.timeout(10_000),
      });
      if (!r.ok) throw badRequest(`the beacon node answered the liveness request with HTTP ${r.status}`);
      const live = ((await r.json()) as {data: {index: string; is_live: boolean}[]}).data.filter((x) => x.is_live);
      if (live.length > 0) return {epoch: e, pubkeys: live.map((x) => byIndex.get(x.index) ?? x.index)};
    }
    return null;
  };

  let vcChild: SupervisedChild | null = null;

  const onValidatorStatus = (s: ProcessStatus): void => {
    if (status.phase !== "watching" && status.phase !== "enabled") return;
    if (s.state === "doppelganger") {
      set({phase: "doppelganger", message: MIGRATION_DOPPELGANGER_REASON});
    } else if (s.state === "failed") {
      set({phase: "failed", message: s.reason ?? "the validator client stopped; see its log"});
    }
  };

  const onValidatorLine = (text: string): void => {
    if (status.phase !== "watching") return;
    if (/doppelganger detected/i.test(text)) {
      // the client stops on its own (exit code 3); should it not exit, it is stopped here: the wizard stops now
      set({phase: "doppelganger", message: MIGRATION_DOPPELGANGER_REASON});
      const c = vcChild;
      setTimeout(() => {
        const st = c?.status().state;
        if (c !== null && (st === "running" || st === "starting")) void c.stop();
      }, 20_000).unref();
      return;
    }
    const from = parseWatchLine(text);
    if (from !== null) {
      set({watch: {startEpoch: from - 2, signingFromEpoch: from, currentEpoch: status.watch?.currentEpoch ?? null}});
      void currentEpoch().then((e) => {
        if (status.phase === "watching" && status.watch !== null) set({watch: {...status.watch, currentEpoch: e}});
      });
    } else if (isWatchPassedLine(text)) {
      set({phase: "enabled", message: null});
    }
  };

  deps.events.on("event", (e) => {
    if (e.type === "process" && e.status.name === "validator") onValidatorStatus(e.status);
    else if (e.type === "log" && e.process === "validator") onValidatorLine(e.line.text);
  });

  return {
    "migration.check": async (req) => {
      const o = asObject(req, "migration.check");
      onlyKeys(o, ["keystoresDir", "interchangeFile"], "migration.check");
      const dir = resolve(str(o, "keystoresDir", 4096));
      const file = resolve(str(o, "interchangeFile", 4096));
      return checkMigration(dir, file, await expectedRoot());
    },
    "migration.start": async (req) => {
      const o = asObject(req, "migration.start");
      onlyKeys(o, ["keystoresDir", "interchangeFile", "password", "oldClientStopped"], "migration.start");
      if (o.oldClientStopped !== true) {
        throw badRequest(`"oldClientStopped" must be true: stop the old validator client first and confirm it`);
      }
      const dir = resolve(str(o, "keystoresDir", 4096));
      const file = resolve(str(o, "interchangeFile", 4096));
      const password = str(o, "password", 1024);
      if (password.length === 0) throw badRequest(`"password" is empty`);
      if (status.phase === "importing" || status.phase === "watching") {
        throw badRequest(`a migration is already ${status.phase}`);
      }
      const checked = checkMigration(dir, file, await expectedRoot());
      const beaconUrl = deps.beaconUrl();
      if (beaconUrl === null) throw badRequest("no beacon node is running: start the node first");
      spec = null; // the node may have been restarted on another chain since
      const live = await liveNow(checked.pubkeys);
      if (live !== null) {
        throw badRequest(
          `${live.pubkeys.length} of these keys were active on the network in epoch ${live.epoch} ` +
            `(${live.pubkeys.join(", ")}): the old client is still running, or it stopped less than an epoch ago. ` +
            `Make sure it is stopped, wait until epoch ${live.epoch + 2}, then start again. Nothing was imported`,
        );
      }
      const preset = await presetOf();
      set({phase: "importing", pubkeys: checked.pubkeys, watch: null, message: null});
      const vcDir = join(deps.dataDir, "vc");
      const secrets = join(deps.dataDir, "secrets");
      mkdirSync(secrets, {recursive: true, mode: 0o700});
      const pwFile = join(secrets, `migration-${process.pid}-${Date.now()}.txt`);
      writeFileSync(pwFile, password, {mode: 0o600});
      try {
        const rootArgs = deps.network() === "dev" ? ["--beacon-node", beaconUrl] : ["--network", deps.network()];
        await new Promise<void>((ok, fail) => {
          execFile(
            process.execPath,
            [
              deps.ceiboBin,
              "validator",
              "import",
              "--from",
              dir,
              "--password-file",
              pwFile,
              "--data-dir",
              vcDir,
              "--slashing-protection",
              file,
              ...rootArgs,
            ],
            {cwd: deps.dataDir, timeout: 10 * 60_000, env: {...process.env, CEIBO_PRESET: preset}},
            (err, stdout, stderr) => {
              if (err === null) ok();
              else {
                const why = `${stderr}\n${stdout}`.trim().split("\n").filter(Boolean).slice(-3).join(" ");
                fail(badRequest(`the import failed: ${why || err.message}`));
              }
            },
          );
        });
      } catch (e) {
        set({phase: "failed", message: (e as Error).message});
        throw e instanceof HostError ? e : badRequest((e as Error).message);
      } finally {
        rmSync(pwFile, {force: true});
      }
      set({phase: "watching", watch: null});
      const vc = await deps.validator(
        [
          "validator",
          "--beacon-nodes",
          beaconUrl,
          "--data-dir",
          vcDir,
          "--keymanager",
          "--keymanager.port",
          "0",
          "--doppelganger-protection",
          "true",
        ],
        preset,
      );
      vcChild = vc;
      vc.start();
      return status;
    },
    "migration.status": async (req) => {
      asObject(req ?? {}, "migration.status");
      onlyKeys(req as Record<string, unknown>, [], "migration.status");
      if (status.phase === "watching" && status.watch !== null) {
        status = {...status, watch: {...status.watch, currentEpoch: await currentEpoch()}};
      }
      return status;
    },
  };
}
