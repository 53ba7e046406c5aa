/**
 * The Electron tray + notifications (src/main/tray.ts) with Electron's Tray/Menu/Notification as stand-ins
 * (its binary cannot be installed here): status line, menu actions, one notification per new alert, in the
 * user's language, and the host's real alert center deciding which alerts are new.
 */
import {EventEmitter} from "node:events";
import {describe, expect, it} from "vitest";
import {AlertCenter} from "../src/host/alerts.ts";
import {alertNotification, setupTray, type TrayDeps, trayStatus} from "../src/main/tray.ts";
import type {HostEvent, ProcessStatus} from "../src/shared/contract.ts";

const status = (name: ProcessStatus["name"], state: ProcessStatus["state"]): ProcessStatus => ({
  name,
  state,
  pid: null,
  restarts: 0,
  lastExitCode: null,
  reason: null,
  reasonCode: "none",
});

function fakes() {
  const rec = {
    tooltips: [] as string[],
    menus: [] as {label?: string; enabled?: boolean; click?: () => void; type?: string}[][],
    notes: [] as {title: string; body: string}[],
    destroyed: false,
    supported: true,
  };
  const deps: TrayDeps = {
    Tray: class {
      setToolTip(t: string) {
        rec.tooltips.push(t);
      }
      setContextMenu(m: unknown) {
        rec.menus.push(m as (typeof rec.menus)[number]);
      }
      destroy() {
        rec.destroyed = true;
      }
    } as unknown as TrayDeps["Tray"],
    Menu: {buildFromTemplate: ((t: unknown) => t) as unknown as TrayDeps["Menu"]["buildFromTemplate"]},
    Notification: Object.assign(
      class {
        opts: {title: string; body: string};
        constructor(opts: {title: string; body: string}) {
          this.opts = opts;
        }
        show() {
          rec.notes.push(this.opts);
        }
      },
      {isSupported: () => rec.supported},
    ) as unknown as TrayDeps["Notification"],
    nativeImage: {createFromDataURL: (u: string) => ({u}) as never},
  };
  return {rec, deps};
}

describe("tray", () => {
  it("the status line is the worst process state", () => {
    expect(trayStatus([], "en")).toBe("Node not running");
    expect(trayStatus([status("beacon", "running"), status("validator", "running")], "en")).toBe("Running");
    expect(trayStatus([status("beacon", "running"), status("validator", "doppelganger")], "en")).toBe(
      "Stopped: keys in use elsewhere",
    );
    expect(trayStatus([status("beacon", "restarting"), status("validator", "running")], "es")).toBe(
      "Reiniciando beacon…",
    );
  });

  it("follows process events, opens and quits from its menu, notifies each new alert once", () => {
    const {rec, deps} = fakes();
    const events = new EventEmitter<{event: [HostEvent]}>();
    let lang: "en" | "es" = "en";
    let opened = 0;
    let quit = 0;
    const tray = setupTray(deps, {
      events,
      language: () => lang,
      processes: () => [],
      open: () => opened++,
      quit: () => quit++,
    });
    expect(rec.tooltips.at(-1)).toBe("ceibo — Node not running");
    events.emit("event", {type: "process", status: status("dev", "running")});
    expect(tray.status()).toBe("Running");
    const menu = rec.menus.at(-1)!;
    expect(menu[0]).toEqual({label: "Running", enabled: false});
    menu.find((m) => m.label === "Open ceibo")!.click!();
    menu.find((m) => m.label === "Quit ceibo")!.click!();
    expect([opened, quit]).toEqual([1, 1]);

    // the host's alert center decides what is new; the tray shows each new one as a notification
    const center = new AlertCenter({syncDistanceSlots: 4});
    const publish = (fresh: ReturnType<AlertCenter["update"]>): void => {
      for (const a of fresh) events.emit("event", {type: "alert", alert: a});
    };
    publish(center.update({now: 1, sync: {isSyncing: true, syncDistance: 40, headSlot: 10}}));
    publish(center.update({now: 2, sync: {isSyncing: true, syncDistance: 30, headSlot: 20}}));
    expect(rec.notes).toEqual([
      {
        title: "ceibo: warning",
        body: "The beacon node is out of sync: 40 slots behind. Duties are missed until it catches up.",
      },
    ]);
    lang = "es";
    for (let i = 0; i < 3; i++) publish(center.recordDuty(12, "missed", 3 + i));
    expect(rec.notes.at(-1)).toEqual({
      title: "ceibo: hace falta actuar",
      body: "El validador 12 perdió 3 deberes seguidos. Mira en el panel por qué.",
    });
    expect(rec.notes).toHaveLength(2);
    // log lines do not touch the tray
    const menus = rec.menus.length;
    events.emit("event", {type: "log", process: "dev", line: {ts: 0, stream: "stdout", text: "x"}});
    expect(rec.menus.length).toBe(menus);

    tray.close();
    expect(rec.destroyed).toBe(true);
    events.emit("event", {type: "process", status: status("dev", "failed")});
    expect(tray.status()).toBe("Running");
  });

  it("no notification where the system has none; every alert kind has a sentence in both languages", () => {
    const {rec, deps} = fakes();
    rec.supported = false;
    const events = new EventEmitter<{event: [HostEvent]}>();
    setupTray(deps, {events, language: () => "en", processes: () => [], open: () => {}, quit: () => {}});
    events.emit("event", {
      type: "alert",
      alert: {id: "lowDisk", kind: "lowDisk", level: "warn", values: {freeGb: 3}, since: 1},
    });
    expect(rec.notes).toEqual([]);
    for (const kind of ["outOfSync", "lowDisk", "upcomingProposal", "missedDuties"] as const) {
      for (const lang of ["en", "es"] as const) {
        const n = alertNotification({id: kind, kind, level: "info", values: {}, since: 0}, lang);
        expect(n.body).not.toBe(`alert.${kind}`);
        expect(n.title).toMatch(/^ceibo/);
      }
    }
  });
});
