/** `ceibo dev --ui true`: the desktop UI in browser mode, attached to the dev chain's Beacon API. */
import {join} from "node:path";
import {createHost} from "@ceibo/desktop/host";
import {ensureRendererBuilt, RENDERER_DIST, startUiServer} from "@ceibo/desktop/server";

export interface DevUi {
  url: string;
  close(): Promise<void>;
}

/** Starts the UI server; null (with a line saying why) when the UI cannot be built or served. */
export async function startDevUi(restUrl: string, dataDir: string, say: (s: string) => void): Promise<DevUi | null> {
  try {
    ensureRendererBuilt(RENDERER_DIST, say);
    const host = createHost({dataDir: join(dataDir, "ui"), mode: "browser", attachedBeaconUrl: restUrl});
    const server = await startUiServer({host, port: 0, staticDir: RENDERER_DIST});
    return {
      url: server.url,
      close: async () => {
        await server.close();
        await host.close();
      },
    };
  } catch (e) {
    say(`UI: not started (${(e as Error).message})`);
    return null;
  }
}
