/**
 * The host's monitor: a timer (about twice per slot) that samples the node and validator client for the duty
 * watcher, explains finished epochs' missed duties, and keeps the rewards ledger; plus the handlers of the
 * `duties.*` and `ledger.*` channels (spread into host.ts's table).
 */
import {mkdirSync, renameSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import type {Channels, ProcessName} from "../shared/contract.ts";
import type {SlotSample} from "../shared/monitorTypes.ts";
import {beaconData} from "./beaconFetch.ts";
import {DutyWatcher} from "./duties.ts";
import {type KeymanagerEndpoint, listKeystores} from "./keymanagerClient.ts";
import {CSV_COLUMNS, Ledger, syncLedger} from "./ledger.ts";
import type {SupervisedChild} from "./supervisor.ts";
import {empty} from "./validate.ts";

type MonitorChannel = "duties.list" | "ledger.get" | "ledger.exportCsv";
export type MonitorHandlers = {[C in MonitorChannel]: (req: Channels[C]["req"]) => Promise<Channels[C]["res"]>};

export interface MonitorOptions {
  dataDir: string;
  beaconUrl: () => string | null;
  vcState: () => Promise<SlotSample["vc"]>;
  pubkeys: () => Promise<string[]>;
  /** Timer period (default: half a slot once the chain's slot time is known, 1 s before). */
  periodMs?: number;
}

export interface Monitor {
  handlers: MonitorHandlers;
  watcher: DutyWatcher;
  close(): void;
}

/**
 * The validator client's state as the host sees it: its supervised process (or the `ceibo dev` that runs it)
 * is not running → stopped; running but its Keymanager API does not answer within 1.5 s (hung, suspended,
 * exited inside `ceibo dev`) → stopped; answers → running; nothing known (attached to a `ceibo dev`) → unknown.
 */
export async function validatorClientState(
  children: ReadonlyMap<ProcessName, SupervisedChild>,
  keymanager: () => KeymanagerEndpoint | null,
): Promise<SlotSample["vc"]> {
  const proc = children.get("validator") ?? children.get("dev");
  if (proc === undefined) return "unknown";
  if (proc.status().state !== "running") return "stopped";
  const km = keymanager();
  // a validator client of its own (not inside `ceibo dev`) without a Keymanager API: its process state is all
  if (km === null) return children.has("validator") ? "running" : "unknown";
  try {
    await listKeystores(km, 1500);
    return "running";
  } catch {
    return "stopped";
  }
}

/** Every validator's pubkey of the node's head state (a dev chain run by `ceibo dev`: all are the user's). */
export async function allValidatorPubkeys(beaconUrl: string): Promise<string[]> {
  const vals = await beaconData<{validator: {pubkey: string}}[]>(beaconUrl, "/eth/v1/beacon/states/head/validators");
  return vals.map((v) => v.validator.pubkey);
}

export function createMonitor(opts: MonitorOptions): Monitor {
  let cachedKeys: {at: number; keys: string[]} = {at: 0, keys: []};
  /** The user's pubkeys, refreshed at most once a minute (keys.list may wait on a hung validator client). */
  const pubkeys = async (): Promise<string[]> => {
    if (cachedKeys.keys.length > 0 && Date.now() - cachedKeys.at < 60_000) return cachedKeys.keys;
    try {
      const keys = await opts.pubkeys();
      if (keys.length > 0) cachedKeys = {at: Date.now(), keys};
    } catch {
      // keep the last list
    }
    return cachedKeys.keys;
  };
  const watcher = new DutyWatcher({...opts, pubkeys});
  let ledger: Ledger | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  let ledgerBusy = false;
  let lastEpochSynced = -1;
  const unavailable = new Map<number, number>();

  const tick = async (): Promise<void> => {
    await watcher.sample();
    const p = watcher.chainParams();
    const url = opts.beaconUrl();
    if (p !== null && url !== null) {
      ledger ??= new Ledger(opts.dataDir, p.genesisValidatorsRoot);
      const epoch = Math.floor((watcher.currentSlot() ?? 0) / p.slotsPerEpoch);
      // the ledger is read once per epoch (and at start: backfill)
      if (!ledgerBusy && epoch !== lastEpochSynced) {
        ledgerBusy = true;
        try {
          await syncLedger(ledger, url, await pubkeys(), p.slotsPerEpoch, 256, unavailable);
          lastEpochSynced = epoch;
        } catch {
          // the node is busy or restarting: again next tick
        } finally {
          ledgerBusy = false;
        }
      }
      void watcher.evaluate();
    }
  };
  const schedule = (): void => {
    if (closed) return;
    const p = watcher.chainParams();
    const period = opts.periodMs ?? (p === null ? 1000 : Math.max(250, Math.floor(p.slotMs / 2)));
    timer = setTimeout(() => {
      void tick().finally(schedule);
    }, period);
  };
  schedule();

  const handlers: MonitorHandlers = {
    "duties.list": async (req) => {
      empty(req, "duties.list");
      const samples = watcher.samplesList();
      return {
        records: watcher.list().sort((a, b) => b.slot - a.slot || a.validatorIndex - b.validatorIndex),
        lastSample: samples.length === 0 ? null : samples[samples.length - 1],
        watchingSinceSlot: samples.length === 0 ? null : samples[0].slot,
      };
    },
    "ledger.get": async (req) => {
      empty(req, "ledger.get");
      return {
        rows: ledger?.rows() ?? [],
        totals: ledger?.totals() ?? [],
        columns: [...CSV_COLUMNS],
        file: ledger?.file ?? null,
      };
    },
    "ledger.exportCsv": async (req) => {
      empty(req, "ledger.exportCsv");
      const csv = ledger?.csv() ?? `${CSV_COLUMNS.join(",")}\n`;
      const dir = join(opts.dataDir, "exports");
      mkdirSync(dir, {recursive: true, mode: 0o700});
      const file = join(dir, `rewards-${new Date().toISOString().replace(/[:.]/g, "-")}.csv`);
      // whole or nothing: a temporary file renamed into place
      writeFileSync(`${file}.tmp`, csv, {mode: 0o600});
      renameSync(`${file}.tmp`, file);
      return {file, csv};
    },
  };

  return {
    handlers,
    watcher,
    close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      watcher.close();
    },
  };
}
