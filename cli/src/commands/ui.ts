/** `ceibo ui`: the desktop app's UI in a browser (browser mode of @ceibo/desktop). */
import {homedir} from "node:os";
import {join, resolve} from "node:path";
import {parseArgs} from "node:util";
import {createHost} from "@ceibo/desktop/host";
import {ensureRendererBuilt, RENDERER_DIST, startUiServer} from "@ceibo/desktop/server";
import {type Command, UsageError} from "../command.ts";

const HELP = `Usage: ceibo ui [options]

Serves the desktop app (onboarding, key generation, dashboard) to your browser on 127.0.0.1 and prints its URL.
The URL carries a random session token: every request needs it (it becomes an HttpOnly cookie on first
load); requests from other origins or with another Host header are refused. The node and validator client
the UI starts run as separate supervised processes; Ctrl-C stops them and the server.
A fresh clone builds the UI once on first run (vite, a few seconds).

Options:
  --port N              port on 127.0.0.1 (default 0 = any free port)
  --data-dir DIR        settings, keys and chain data (default ~/.ceibo/desktop)
  --keystore-kdf KDF    scrypt (default) or pbkdf2 for the keystores the UI writes (pbkdf2 is faster)
  --dev.shard-committee-period N  dev network only: epochs a validator must be active before it may exit
                        (default: the preset's; 0 lets the key-management screen exit keys at once)
  -h, --help            this help

Secrets: a mnemonic stays in this process's memory only (never written, logged, or passed to a child);
the keystore password reaches the validator client through a 0600 file in <data-dir>/secrets.`;

export const uiCommand: Command = {
  summary: "the desktop UI in your browser (onboarding, keys, dashboard)",
  async run(argv) {
    const {values} = parseArgs({
      args: argv,
      options: {
        port: {type: "string"},
        "data-dir": {type: "string"},
        "keystore-kdf": {type: "string"},
        "dev.shard-committee-period": {type: "string"},
        help: {type: "boolean", short: "h", default: false},
      },
      strict: true,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const portText = values.port ?? "0";
    if (!/^\d+$/.test(portText) || Number(portText) > 65535) {
      throw new UsageError(`--port must be an integer from 0 to 65535, got "${portText}"`);
    }
    const kdf = values["keystore-kdf"] ?? "scrypt";
    if (kdf !== "scrypt" && kdf !== "pbkdf2") throw new UsageError(`--keystore-kdf must be scrypt or pbkdf2`);
    const dataDir = resolve(values["data-dir"] ?? join(homedir(), ".ceibo", "desktop"));

    ensureRendererBuilt();
    const scp = values["dev.shard-committee-period"];
    if (scp !== undefined && !/^\d{1,6}$/.test(scp)) {
      throw new UsageError(`--dev.shard-committee-period must be a whole number of epochs, got "${scp}"`);
    }
    const devArgs = scp !== undefined ? ["--shard-committee-period", scp] : [];
    const host = createHost({dataDir, mode: "browser", kdf, devArgs});
    const server = await startUiServer({host, port: Number(portText), staticDir: RENDERER_DIST});
    console.log(`ceibo ui: data dir ${dataDir}`);
    console.log(`ceibo ui: open ${server.url}`);

    await new Promise<void>((done) => {
      process.once("SIGINT", done);
      process.once("SIGTERM", done);
    });
    console.log("ceibo ui: stopping");
    await server.close();
    await host.close();
    return 0;
  },
};
