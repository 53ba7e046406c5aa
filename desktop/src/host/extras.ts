/**
 * Handlers of the migration wizard, the onboarding system check and the alerts, spread into host.ts's table
 * with one line. Everything they need of the host comes in `ExtrasDeps`.
 */
import type {EventEmitter} from "node:events";
import {statfsSync} from "node:fs";
import type {Alert, HostEvent, HostHandlers, ProcessName} from "../shared/contract.ts";
import {NETWORK_NAMES} from "../shared/contract.ts";
import {AlertCenter, type AlertCenter as AlertCenterT, type AlertInputs} from "./alerts.ts";
import {createMigration, MIGRATION_DOPPELGANGER_REASON, readKeystoreFolder} from "./migration.ts";
import type {SettingsStore} from "./settings.ts";
import type {ChildSpec, SupervisedChild} from "./supervisor.ts";
import {DOPPELGANGER_EXIT_CODE} from "./supervisor.ts";
import {systemCheck} from "./systemCheck.ts";
import {asObject, empty, oneOf, onlyKeys} from "./validate.ts";

export interface ExtrasDeps {
  dataDir: string;
  ceiboBin: string;
  settings: SettingsStore;
  events: EventEmitter<{event: [HostEvent]}>;
  emit(e: HostEvent): void;
  beaconUrl(): string | null;
  children: Map<ProcessName, SupervisedChild>;
  child(spec: ChildSpec): SupervisedChild;
  ceibo(args: string[]): Pick<ChildSpec, "command" | "args" | "cwd">;
}

type ExtraHandlers = Pick<
  HostHandlers,
  "migration.check" | "migration.start" | "migration.status" | "system.check" | "alerts.list"
>;

/** How often the host measures for alerts (sync, disk, proposals). */
export const ALERT_POLL_MS = 12_000;

/** Each host's alert center, by its event emitter (`host.events`). */
const alertCenters = new WeakMap<ExtrasDeps["events"], {center: AlertCenterT; publish(a: Alert[]): void}>();

/**
 * For the missed-duty module: one duty outcome of one of the user's validators, on `host.events`' host.
 * `missedInARow` (default 3) misses in a row raise a "missedDuties" alert (a notification in Electron, a
 * banner in the app); a done duty clears it. Returns the alerts that became active.
 */
export function recordDutyOutcome(
  hostEvents: ExtrasDeps["events"],
  validatorIndex: number,
  outcome: "missed" | "done",
  now = Date.now(),
): Alert[] {
  const c = alertCenters.get(hostEvents);
  if (c === undefined) throw new Error("recordDutyOutcome: not a host's event emitter");
  const fresh = c.center.recordDuty(validatorIndex, outcome, now);
  c.publish(fresh);
  return fresh;
}

export function createExtras(deps: ExtrasDeps): ExtraHandlers {
  const migration = createMigration({
    dataDir: deps.dataDir,
    ceiboBin: deps.ceiboBin,
    network: () => deps.settings.get().network,
    beaconUrl: deps.beaconUrl,
    emit: deps.emit,
    events: deps.events,
    async validator(args, preset) {
      // a previous validator client (e.g. an earlier attempt stopped by doppelganger) is replaced
      await deps.children.get("validator")?.stop();
      deps.children.delete("validator");
      return deps.child({
        name: "validator",
        ...deps.ceibo(args),
        env: {...process.env, CEIBO_PRESET: preset},
        stopCodes: {
          [DOPPELGANGER_EXIT_CODE]: {
            code: "doppelganger",
            state: "doppelganger",
            reason: MIGRATION_DOPPELGANGER_REASON,
          },
        },
      });
    },
  });

  const alerts = new AlertCenter();
  const publish = (fresh: Alert[]): void => {
    for (const a of fresh) deps.emit({type: "alert", alert: a});
  };
  alertCenters.set(deps.events, {center: alerts, publish});

  const measure = async (): Promise<void> => {
    const inputs: AlertInputs = {now: Date.now()};
    try {
      const st = statfsSync(deps.dataDir);
      inputs.disk = {freeBytes: st.bavail * st.bsize};
    } catch {
      // unmeasurable: no disk alert this round
    }
    const url = deps.beaconUrl();
    if (url !== null) {
      try {
        const r = await fetch(new URL("/eth/v1/node/syncing", url), {signal: AbortSignal.timeout(5000)});
        const b = (await r.json()) as {data: {is_syncing: boolean; sync_distance: string; head_slot: string}};
        inputs.sync = {
          isSyncing: b.data.is_syncing,
          syncDistance: Number(b.data.sync_distance),
          headSlot: Number(b.data.head_slot),
        };
      } catch {
        // node not answering: the process status says so already
      }
    }
    if (url !== null) {
      try {
        inputs.proposals = await upcomingProposals(url, await ourPubkeys());
      } catch {
        // duties not available (node starting, syncing): no proposal alert this round
      }
    }
    publish(alerts.update(inputs));
  };

  /** The user's keys: the keystores of onboarding and the migrated ones. */
  const ourPubkeys = async (): Promise<string[]> => {
    const out = new Set<string>();
    const dir = deps.settings.get().keystoresDir;
    if (dir !== null) {
      try {
        for (const k of readKeystoreFolder(dir).keys) out.add(k.pubkey);
      } catch {
        // no (readable) keystores yet
      }
    }
    for (const p of (await migration["migration.status"]({})).pubkeys) out.add(p);
    return [...out];
  };
  let measuring: Promise<void> | null = null;
  const measureOnce = (): Promise<void> => {
    measuring ??= measure().finally(() => {
      measuring = null;
    });
    return measuring;
  };
  const timer = setInterval(() => void measureOnce(), ALERT_POLL_MS);
  timer.unref();

  return {
    ...migration,
    "system.check": async (req) => {
      const o = asObject(req ?? {}, "system.check");
      onlyKeys(o, ["network"], "system.check");
      const s = deps.settings.get();
      const network = o.network === undefined ? s.network : oneOf(o, "network", NETWORK_NAMES);
      const own = [...deps.children.values()].some((c) => {
        const st = c.status().state;
        return (c.spec.name === "beacon" || c.spec.name === "dev") && (st === "running" || st === "starting");
      });
      const items = await systemCheck({
        dataDir: deps.dataDir,
        network,
        ownNodeRunning: own,
        clockReference: s.checkpointSyncUrl ?? s.beaconUrl,
      });
      return {items};
    },
    "alerts.list": async (req) => {
      empty(req, "alerts.list");
      await measureOnce();
      return {alerts: alerts.list()};
    },
  };
}

async function getJson<T>(base: string, path: string, init?: RequestInit): Promise<T> {
  const r = await fetch(new URL(path, base), {...init, signal: AbortSignal.timeout(5000)});
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return (await r.json()) as T;
}

/** Proposals of `pubkeys` in the current and the next epoch, with the seconds until each (Beacon API). */
export async function upcomingProposals(
  url: string,
  pubkeys: string[],
  now = Date.now(),
): Promise<{slot: number; validatorIndex: number; inSeconds: number}[]> {
  if (pubkeys.length === 0) return [];
  const spec = await getJson<{data: Record<string, string>}>(url, "/eth/v1/config/spec");
  const genesis = await getJson<{data: {genesis_time: string}}>(url, "/eth/v1/beacon/genesis");
  const slotS =
    spec.data.SLOT_DURATION_MS !== undefined
      ? Number(spec.data.SLOT_DURATION_MS) / 1000
      : Number(spec.data.SECONDS_PER_SLOT);
  const perEpoch = Number(spec.data.SLOTS_PER_EPOCH);
  const genesisTime = Number(genesis.data.genesis_time);
  const epoch = Math.max(0, Math.floor((now / 1000 - genesisTime) / slotS / perEpoch));
  const ours = new Set(pubkeys.map((p) => p.toLowerCase()));
  const out: {slot: number; validatorIndex: number; inSeconds: number}[] = [];
  for (const e of [epoch, epoch + 1]) {
    let duties: {data: {pubkey: string; validator_index: string; slot: string}[]};
    try {
      duties = await getJson(url, `/eth/v1/validator/duties/proposer/${e}`);
    } catch (err) {
      if (e === epoch) throw err;
      continue; // the next epoch's duties may not be known yet
    }
    for (const d of duties.data) {
      if (!ours.has(d.pubkey.toLowerCase())) continue;
      const slot = Number(d.slot);
      out.push({slot, validatorIndex: Number(d.validator_index), inSeconds: genesisTime + slot * slotS - now / 1000});
    }
  }
  return out;
}
