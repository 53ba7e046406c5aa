/** Electron entry: `electron desktop/src/main/index.ts` after bundling (see installers/README.md). */
import {homedir} from "node:os";
import {join} from "node:path";
import * as electron from "electron";
import {startApp} from "./main.ts";

const {app} = electron;
app.enableSandbox();
void app.whenReady().then(async () => {
  const handles = await startApp(electron, join(app.getPath("userData") ?? join(homedir(), ".ceibo"), "data"));
  app.on("window-all-closed", () => {
    void handles.server.close().then(() => handles.host.close().then(() => app.quit()));
  });
});
