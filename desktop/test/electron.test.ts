/**
 * Electron main + preload with `electron` mocked at the module boundary (its binary cannot be installed
 * here). The code under test — IPC wiring, sender checks, window/session hardening, the preload bridge —
 * is the real code; only Electron's objects are stand-ins.
 */
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it, vi} from "vitest";
import {IPC} from "../src/shared/contract.ts";

const calls = vi.hoisted(() => ({
  exposed: [] as [string, unknown][],
  invoked: [] as unknown[][],
  handlers: new Map<string, (...a: unknown[]) => unknown>(),
  listeners: new Map<string, ((...a: unknown[]) => void)[]>(),
  windows: [] as {opts: Record<string, unknown>; url: string | null; on: Map<string, (...a: unknown[]) => void>}[],
  permissions: [] as ((...a: unknown[]) => unknown)[],
  external: [] as string[],
}));

vi.mock("electron", () => {
  class BrowserWindow {
    rec: (typeof calls.windows)[number];
    webContents: Record<string, unknown>;
    constructor(opts: Record<string, unknown>) {
      this.rec = {opts, url: null, on: new Map()};
      calls.windows.push(this.rec);
      this.webContents = {
        on: (name: string, fn: (...a: unknown[]) => void) => this.rec.on.set(name, fn),
        setWindowOpenHandler: (fn: (...a: unknown[]) => void) => this.rec.on.set("open", fn),
        send: () => {},
      };
    }
    isDestroyed(): boolean {
      return false;
    }
    async loadURL(url: string): Promise<void> {
      this.rec.url = url;
    }
  }
  return {
    BrowserWindow,
    contextBridge: {exposeInMainWorld: (k: string, v: unknown) => calls.exposed.push([k, v])},
    ipcRenderer: {
      invoke: async (...a: unknown[]) => {
        calls.invoked.push(a);
        return {ok: true};
      },
      on: (ch: string, fn: (...a: unknown[]) => void) =>
        calls.listeners.set(ch, [...(calls.listeners.get(ch) ?? []), fn]),
      removeListener: (ch: string, fn: (...a: unknown[]) => void) =>
        calls.listeners.set(
          ch,
          (calls.listeners.get(ch) ?? []).filter((f) => f !== fn),
        ),
    },
    ipcMain: {handle: (ch: string, fn: (...a: unknown[]) => unknown) => calls.handlers.set(ch, fn)},
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: (...a: unknown[]) => unknown) => calls.permissions.push(fn),
        setPermissionCheckHandler: (fn: (...a: unknown[]) => unknown) => calls.permissions.push(fn),
      },
    },
    shell: {openExternal: async (u: string) => calls.external.push(u)},
  };
});

const dir = mkdtempSync(join(tmpdir(), "ceibo-electron-"));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

describe("preload", () => {
  it("exposes exactly one object with call/onEvent; call forwards to the one rpc IPC channel", async () => {
    await import("../src/preload/preload.ts");
    expect(calls.exposed).toHaveLength(1);
    const [name, bridge] = calls.exposed[0] as [string, Record<string, (...a: unknown[]) => unknown>];
    expect(name).toBe("ceibo");
    expect(Object.keys(bridge).sort()).toEqual(["call", "onEvent"]);
    await bridge.call("settings.get", {});
    expect(calls.invoked).toEqual([[IPC.rpc, "settings.get", {}]]);
    await expect(bridge.call("fs.readFile", {})).rejects.toThrow(/unknown channel/);
    expect(calls.invoked).toHaveLength(1);
  });

  it("onEvent hands the page the event only (never the IPC event object) and unsubscribes", async () => {
    const [, bridge] = calls.exposed[0] as [string, Record<string, (...a: unknown[]) => unknown>];
    const got: unknown[][] = [];
    const off = bridge.onEvent((...a: unknown[]) => got.push(a)) as () => void;
    const ev = {type: "keys.progress", done: 1, total: 2};
    for (const fn of calls.listeners.get(IPC.event) ?? []) fn({sender: "SECRET-IPC-OBJECT"}, ev);
    expect(got).toEqual([[ev]]);
    off();
    expect(calls.listeners.get(IPC.event)).toHaveLength(0);
  });
});

describe("main", () => {
  it("opens one hardened window on the loopback UI and routes IPC through the host for trusted frames only", async () => {
    const electron = await import("electron");
    const {startApp} = await import("../src/main/main.ts");
    const staticDir = join(dir, "static");
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, "index.html"), "<!doctype html><title>t</title>");
    const {server} = await startApp(electron, join(dir, "data"), staticDir);
    try {
      expect(calls.windows).toHaveLength(1);
      const w = calls.windows[0];
      expect(w.opts.webPreferences).toMatchObject({
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        webviewTag: false,
      });
      expect(w.url).toBe(server.url);
      const origin = new URL(server.url).origin;

      const rpc = calls.handlers.get(IPC.rpc)!;
      const info = (await rpc({senderFrame: {url: `${origin}/`}}, "app.info", {})) as {mode: string};
      expect(info.mode).toBe("electron");
      for (const url of ["file:///etc/passwd", "https://evil.example/", "http://127.0.0.1:1/", undefined]) {
        await expect(rpc({senderFrame: url === undefined ? null : {url}}, "app.info", {})).rejects.toThrow(/untrusted/);
      }
      await expect(rpc({senderFrame: {url: `${origin}/`}}, "fs.readFile", {})).rejects.toThrow(/unknown channel/);

      // navigation away is prevented; same-origin navigation is not
      let prevented = 0;
      const ev = {preventDefault: () => prevented++};
      w.on.get("will-navigate")!(ev, "https://evil.example/");
      w.on.get("will-redirect")!(ev, "http://attacker.test/");
      expect(prevented).toBe(2);
      w.on.get("will-navigate")!(ev, `${origin}/#/dashboard`);
      expect(prevented).toBe(2);
      // new windows: always denied; allow-listed https links go to the system browser
      const open = w.on.get("open")!;
      expect(open({url: "https://launchpad.ethereum.org/en/"})).toEqual({action: "deny"});
      expect(open({url: "https://evil.example/"})).toEqual({action: "deny"});
      expect(open({url: "http://launchpad.ethereum.org/"})).toEqual({action: "deny"});
      expect(calls.external).toEqual(["https://launchpad.ethereum.org/en/"]);
      // every permission request is refused
      const answers: unknown[] = [];
      calls.permissions[0]({}, "media", (ok: boolean) => answers.push(ok));
      expect(answers).toEqual([false]);
      expect(calls.permissions[1]({}, "notifications")).toBe(false);
    } finally {
      await server.close();
    }
  });
});
