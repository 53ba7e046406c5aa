import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {ceibo, freePort} from "../../test/harness/processes.ts";

const dir = mkdtempSync(join(tmpdir(), "ceibo-ui-cli-"));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

describe("ceibo ui", () => {
  it("prints a tokened loopback URL on the port asked for, answers only with the token, stops on SIGTERM", async () => {
    const port = await freePort();
    const ui = ceibo("ui", ["ui", "--port", String(port), "--data-dir", join(dir, "data")]);
    try {
      // a fresh clone builds the renderer first: generous timeout on a busy machine
      const m = await ui.waitFor(/ceibo ui: open (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]{64}))/, 180_000);
      expect(Number(m[2])).toBe(port);
      const base = `http://127.0.0.1:${port}`;
      const call = (headers: Record<string, string>) =>
        fetch(`${base}/rpc/app.info`, {
          method: "POST",
          headers: {"content-type": "application/json", ...headers},
          body: "{}",
        });
      expect((await call({})).status).toBe(401);
      expect((await call({"x-ceibo-token": m[3], origin: "http://evil.example"})).status).toBe(403);
      const ok = await call({"x-ceibo-token": m[3]});
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({mode: "browser", dataDir: join(dir, "data"), attached: false});
      const page = await fetch(m[1], {redirect: "manual"});
      expect(page.status).toBe(303);
      const cookie = page.headers.get("set-cookie")!.split(";")[0];
      const index = await fetch(`${base}/`, {headers: {cookie}});
      expect(index.status).toBe(200);
      expect(await index.text()).toContain('<div id="root">');
    } finally {
      expect(await ui.kill("SIGTERM")).toBe(0);
    }
    expect(ui.output).toContain("ceibo ui: stopping");
  }, 240_000);

  it("refuses a bad --port with one clear error", async () => {
    const ui = ceibo("ui-bad", ["ui", "--port", "70000"]);
    expect(await ui.exited).not.toBe(0);
    expect(ui.output).toContain("--port must be an integer from 0 to 65535");
  });
});
