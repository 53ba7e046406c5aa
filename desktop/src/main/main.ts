/**
 * Electron main process — thin. It starts the same host + loopback UI server as `ceibo ui`, opens one
 * hardened window on it, and wires IPC to the SAME handler table (`dispatch`), checking that each call
 * comes from a frame showing the app's origin. Navigation, new windows and permission requests are
 * denied; only allow-listed https links open in the system browser. The beacon node and validator client
 * run as separate supervised processes (host/supervisor.ts), never inside Electron.
 */
import {join} from "node:path";
import type {BrowserWindow as BrowserWindowT, IpcMain, IpcMainInvokeEvent, Session, Shell} from "electron";
import {dispatch} from "../host/dispatch.ts";
import {createHost, type Host} from "../host/host.ts";
import {startUiServer, type UiServer} from "../server/server.ts";
import {ensureRendererBuilt, RENDERER_DIST} from "../server/static.ts";
import {IPC} from "../shared/contract.ts";
import {isAllowedExternal, isTrustedSender, WEB_PREFERENCES} from "./security.ts";

/** Routes every IPC call through the host's handler table after checking the sender's frame. */
export function wireIpc(ipcMain: Pick<IpcMain, "handle">, host: Host, appOrigin: string): void {
  ipcMain.handle(IPC.rpc, async (event: IpcMainInvokeEvent, channel: unknown, req: unknown) => {
    if (!isTrustedSender(event.senderFrame?.url, appOrigin)) throw new Error("IPC refused: untrusted sender");
    if (typeof channel !== "string") throw new Error("IPC refused: the channel must be a string");
    return await dispatch(host.handlers, channel, req);
  });
}

/** Denies every permission request and check (camera, notifications, clipboard, …). */
export function hardenSession(ses: Pick<Session, "setPermissionRequestHandler" | "setPermissionCheckHandler">): void {
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
}

/** No navigation away from the app, no new windows; allow-listed links go to the system browser. */
export function hardenWindow(
  win: Pick<BrowserWindowT, "webContents">,
  appOrigin: string,
  shell: Pick<Shell, "openExternal">,
): void {
  const wc = win.webContents;
  wc.on("will-navigate", (event, url) => {
    if (!isTrustedSender(url, appOrigin)) event.preventDefault();
  });
  wc.on("will-redirect", (event, url) => {
    if (!isTrustedSender(url, appOrigin)) event.preventDefault();
  });
  wc.on("will-attach-webview", (event) => event.preventDefault());
  wc.setWindowOpenHandler(({url}) => {
    if (isAllowedExternal(url)) void shell.openExternal(url);
    return {action: "deny"};
  });
}

export interface AppHandles {
  host: Host;
  server: UiServer;
}

type Electron = typeof import("electron");

/** The whole app: called from the Electron entry once `app` is ready. */
export async function startApp(electron: Electron, dataDir: string, staticDir?: string): Promise<AppHandles> {
  const {BrowserWindow, ipcMain, session, shell} = electron;
  if (staticDir === undefined) ensureRendererBuilt();
  const host = createHost({dataDir, mode: "electron"});
  const server = await startUiServer({host, port: 0, staticDir: staticDir ?? RENDERER_DIST});
  const origin = new URL(server.url).origin;
  hardenSession(session.defaultSession);
  wireIpc(ipcMain, host, origin);
  const win = new BrowserWindow({
    width: 1200,
    height: 800,
    show: true,
    webPreferences: {...WEB_PREFERENCES, preload: join(import.meta.dirname, "../preload/preload.cjs")},
  });
  hardenWindow(win, origin, shell);
  host.events.on("event", (e) => {
    if (!win.isDestroyed()) win.webContents.send(IPC.event, e);
  });
  await win.loadURL(server.url);
  return {host, server};
}
