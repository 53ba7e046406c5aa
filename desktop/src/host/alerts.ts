/**
 * Which alerts are in force (pure: no I/O, no clock of its own). The host feeds it what it measured (sync
 * state, free disk, upcoming proposals) and whatever a duty tracker reports (`recordDuty`); it answers with the
 * alerts in force and the ones that are NEW since the last call — those become desktop notifications (Electron)
 * and in-app banners (browser mode). The same condition keeps its id, so it is notified once until it clears.
 */
import type {Alert} from "../shared/contract.ts";

export interface AlertThresholds {
  /** Out of sync when the node is this many slots (or more) behind. */
  syncDistanceSlots: number;
  /** Low disk below this many GB free (critical below half of it). */
  lowDiskGb: number;
  /** A proposal is "upcoming" this many seconds ahead (or less). */
  proposalLeadSeconds: number;
  /** Missed duties in a row of one validator that raise an alert. */
  missedInARow: number;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = {
  syncDistanceSlots: 8,
  lowDiskGb: 20,
  proposalLeadSeconds: 6 * 60,
  missedInARow: 3,
};

/** What the host measured this round; leave a field out when it could not be measured (no alert from it). */
export interface AlertInputs {
  now: number;
  sync?: {isSyncing: boolean; syncDistance: number; headSlot: number};
  disk?: {freeBytes: number};
  /** Proposals of the user's validators in the current/next epoch. */
  proposals?: {slot: number; validatorIndex: number; inSeconds: number}[];
}

const GB = 1024 ** 3;

export class AlertCenter {
  private readonly th: AlertThresholds;
  private readonly active = new Map<string, Alert>();
  /** Per validator: misses in a row so far. */
  private readonly missed = new Map<number, number>();
  private measured: Alert[] = [];

  constructor(thresholds: Partial<AlertThresholds> = {}) {
    this.th = {...DEFAULT_THRESHOLDS, ...thresholds};
  }

  /**
   * For a duty tracker (missed-duty explanations): one outcome of one duty of one validator. A done duty
   * resets its count; `missedInARow` misses in a row raise the "missedDuties" alert for that validator.
   */
  recordDuty(validatorIndex: number, outcome: "missed" | "done", now: number): Alert[] {
    const n = outcome === "missed" ? (this.missed.get(validatorIndex) ?? 0) + 1 : 0;
    this.missed.set(validatorIndex, n);
    return this.evaluate(now);
  }

  /** A new round of measurements: returns the alerts that became active now (to notify). */
  update(inputs: AlertInputs): Alert[] {
    const out: Alert[] = [];
    const s = inputs.sync;
    if (s !== undefined && (s.isSyncing || s.syncDistance >= this.th.syncDistanceSlots)) {
      out.push(mk("outOfSync", "outOfSync", "warn", {behindSlots: s.syncDistance, headSlot: s.headSlot}));
    }
    const d = inputs.disk;
    if (d !== undefined && d.freeBytes < this.th.lowDiskGb * GB) {
      const freeGb = Math.floor((d.freeBytes / GB) * 10) / 10;
      out.push(mk("lowDisk", "lowDisk", d.freeBytes < (this.th.lowDiskGb * GB) / 2 ? "critical" : "warn", {freeGb}));
    }
    // only the next proposal: a small validator set may propose at many slots of an epoch
    const next = (inputs.proposals ?? [])
      .filter((p) => p.inSeconds >= 0 && p.inSeconds <= this.th.proposalLeadSeconds)
      .sort((a, b) => a.inSeconds - b.inSeconds)
      .slice(0, 1);
    for (const p of next) {
      out.push(
        mk(`upcomingProposal:${p.slot}:${p.validatorIndex}`, "upcomingProposal", "info", {
          slot: p.slot,
          validatorIndex: p.validatorIndex,
          inSeconds: Math.round(p.inSeconds),
        }),
      );
    }
    this.measured = out;
    return this.evaluate(inputs.now);
  }

  /** Everything in force, oldest first. */
  list(): Alert[] {
    return [...this.active.values()].sort((a, b) => a.since - b.since || a.id.localeCompare(b.id));
  }

  private evaluate(now: number): Alert[] {
    const current = [...this.measured];
    for (const [index, n] of this.missed) {
      if (n >= this.th.missedInARow) {
        current.push(mk(`missedDuties:${index}`, "missedDuties", "critical", {validatorIndex: index, count: n}));
      }
    }
    const fresh: Alert[] = [];
    const ids = new Set(current.map((a) => a.id));
    for (const id of [...this.active.keys()]) if (!ids.has(id)) this.active.delete(id);
    for (const a of current) {
      const old = this.active.get(a.id);
      if (old === undefined) {
        const n = {...a, since: now};
        this.active.set(a.id, n);
        fresh.push(n);
      } else {
        // same condition: keep its start time (no new notification), refresh the numbers
        this.active.set(a.id, {...a, since: old.since});
      }
    }
    return fresh;
  }
}

function mk(id: string, kind: Alert["kind"], level: Alert["level"], values: Alert["values"]): Alert {
  return {id, kind, level, values, since: 0};
}
