/**
 * Electron's tray icon and desktop notifications (thin): the tray shows the node's state (tooltip + a disabled
 * first menu line) with Open and Quit; each NEW alert of the host (host/alerts.ts decides which, and when) is
 * shown once as a desktop notification, in the user's language. Wired from the Electron entry (index.ts).
 */
import type {Menu as MenuT, NativeImage, Notification as NotificationT, Tray as TrayT} from "electron";
import en from "../renderer/i18n/en.json" with {type: "json"};
import es from "../renderer/i18n/es.json" with {type: "json"};
import type {Alert, HostEvent, Language, ProcessStatus} from "../shared/contract.ts";

const TABLES: Record<Language, Record<string, string>> = {en, es};

/** A 16×16 PNG: a filled circle in the app's green (the tray needs some image; a real icon ships with installers/). */
export const TRAY_ICON_DATA_URL =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAVUlEQVR4nGNgGAWDADAyMDAwMPz//x8mQJQBTEhsZA1EAUYGBgYGJgYGBgZkg4gFjBgCqBpIBkOtAswGBgYGhv+kGQBzBSkGIBtAqguQNZJqAFkAACk6CRFOgt3cAAAAAElFTkSuQmCC";

export function tr(lang: Language, key: string, vars: Record<string, string | number> = {}): string {
  let s = TABLES[lang][key] ?? TABLES.en[key] ?? key;
  for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

/** One line for the tray: the worst state of the supervised processes (pure). */
export function trayStatus(processes: ProcessStatus[], lang: Language): string {
  const order: ProcessStatus["state"][] = ["doppelganger", "failed", "restarting", "starting", "running", "stopped"];
  if (processes.length === 0) return tr(lang, "tray.notRunning");
  const worst = [...processes].sort((a, b) => order.indexOf(a.state) - order.indexOf(b.state))[0];
  return tr(lang, `tray.state.${worst.state}`, {name: worst.name});
}

export function alertNotification(a: Alert, lang: Language): {title: string; body: string} {
  return {title: tr(lang, `tray.alertTitle.${a.level}`), body: tr(lang, `alert.${a.kind}`, a.values)};
}

export interface TrayDeps {
  Tray: new (image: NativeImage) => Pick<TrayT, "setToolTip" | "setContextMenu" | "destroy">;
  Menu: Pick<typeof MenuT, "buildFromTemplate">;
  Notification: (new (opts: {
    title: string;
    body: string;
  }) => Pick<NotificationT, "show">) & {
    isSupported(): boolean;
  };
  nativeImage: {createFromDataURL(url: string): NativeImage};
}

export interface TrayHandle {
  /** The tray's current status line. */
  status(): string;
  close(): void;
}

export function setupTray(
  deps: TrayDeps,
  opts: {
    events: {on(e: "event", l: (ev: HostEvent) => void): unknown; off(e: "event", l: (ev: HostEvent) => void): unknown};
    language: () => Language;
    processes: () => ProcessStatus[];
    open: () => void;
    quit: () => void;
  },
): TrayHandle {
  const tray = new deps.Tray(deps.nativeImage.createFromDataURL(TRAY_ICON_DATA_URL));
  const known = new Map<string, ProcessStatus>();
  for (const p of opts.processes()) known.set(p.name, p);
  let line = "";
  const render = (): void => {
    const lang = opts.language();
    line = trayStatus([...known.values()], lang);
    tray.setToolTip(`ceibo — ${line}`);
    tray.setContextMenu(
      deps.Menu.buildFromTemplate([
        {label: line, enabled: false},
        {type: "separator"},
        {label: tr(lang, "tray.open"), click: () => opts.open()},
        {label: tr(lang, "tray.quit"), click: () => opts.quit()},
      ]),
    );
  };
  const onEvent = (ev: HostEvent): void => {
    if (ev.type === "process") {
      known.set(ev.status.name, ev.status);
      render();
    } else if (ev.type === "alert" && deps.Notification.isSupported()) {
      new deps.Notification(alertNotification(ev.alert, opts.language())).show();
    }
  };
  opts.events.on("event", onEvent);
  render();
  return {
    status: () => line,
    close() {
      opts.events.off("event", onEvent);
      tray.destroy();
    },
  };
}
