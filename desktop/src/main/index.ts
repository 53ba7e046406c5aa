/** Electron entry: `electron desktop/src/main/index.ts` after bundling (see installers/README.md). */
import {homedir} from "node:os";
import {join} from "node:path";
import * as electron from "electron";
import {startApp} from "./main.ts";
import {setupTray} from "./tray.ts";

const {app} = electron;
app.enableSandbox();
void app.whenReady().then(async () => {
  const handles = await startApp(electron, join(app.getPath("userData") ?? join(homedir(), ".ceibo"), "data"));
  const settings = () => handles.host.handlers["settings.get"]({});
  let language: "en" | "es" = (await settings()).language;
  handles.host.events.on("event", (e) => {
    if (e.type !== "log") void settings().then((s) => (language = s.language));
  });
  setupTray(electron, {
    events: handles.host.events,
    language: () => language,
    processes: () => [],
    open: () => {
      const w = electron.BrowserWindow.getAllWindows()[0];
      w?.show();
      w?.focus();
    },
    quit: () => {
      void handles.server.close().then(() => handles.host.close().then(() => app.quit()));
    },
  });
  app.on("window-all-closed", () => {
    void handles.server.close().then(() => handles.host.close().then(() => app.quit()));
  });
});
