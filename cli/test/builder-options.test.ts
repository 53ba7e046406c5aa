/** The builder options of `ceibo beacon` and `ceibo validator`: bad values are one usage error naming the option. */
import {spawnSync} from "node:child_process";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import path from "node:path";
import {afterAll, describe, expect, it} from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const NODE = path.join(ROOT, "node_modules/.bin/node");
const CEIBO = path.join(ROOT, "cli/bin/ceibo.js");
const dir = mkdtempSync(path.join(tmpdir(), "ceibo-builder-options-"));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

function ceibo(...args: string[]) {
  return spawnSync(NODE, [CEIBO, ...args], {
    encoding: "utf8",
    cwd: dir,
    env: {...process.env, CEIBO_PRESET: "minimal"},
  });
}

describe("builder options", () => {
  it.each([
    [["beacon", "--network", "dev", "--builder.allowed-faults", "2"], /--builder.allowed-faults needs --builder-url/],
    [["beacon", "--network", "dev", "--builder-url", "ftp://relay"], /--builder-url must be an http\(s\) URL/],
    [
      [
        "beacon",
        "--network",
        "dev",
        "--builder-url",
        "http://127.0.0.1:1",
        "--builder.fault-inspection-window",
        "4",
        "--builder.allowed-faults",
        "4",
      ],
      /--builder.allowed-faults must be below the fault inspection window \(4\)/,
    ],
    [
      ["beacon", "--network", "dev", "--builder-url", "http://127.0.0.1:1", "--builder.timeout-ms", "soon"],
      /--builder.timeout-ms/,
    ],
    [
      ["validator", "--interop-indexes", "0..1", "--builder.boost-factor", "50"],
      /--builder.boost-factor needs --builder/,
    ],
    [["validator", "--interop-indexes", "0..1", "--builder", "--gas-limit", "0"], /--gas-limit must be above 0/],
    [
      ["validator", "--interop-indexes", "0..1", "--builder", "--builder.boost-factor", "1.5"],
      /--builder.boost-factor must be a uint64/,
    ],
  ])("ceibo %j is refused", (args, message) => {
    const r = ceibo(...args);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message);
    // nothing was started: no data dir was created in the working directory
    expect(spawnSync("ls", [dir], {encoding: "utf8"}).stdout.trim()).toBe("");
  });
});
