/**
 * `npm run test:desktop`: the desktop UI in a real Chromium (Debian's, driven by playwright-core) against a
 * real `ceibo ui` and the ceibo processes it starts. Installs chromium when missing (apt-get), builds the
 * renderer, then runs the browser suite (vitest, DESKTOP_TEST=1). Screenshots go to desktop/test-results/.
 */
import {spawnSync} from "node:child_process";
import {existsSync} from "node:fs";
import {join, resolve} from "node:path";

const DESKTOP = resolve(import.meta.dirname, "..", "..");
const ROOT = resolve(DESKTOP, "..");
export const CHROMIUM = "/usr/bin/chromium";

function sh(cmd: string, args: string[], env: Record<string, string> = {}): void {
  const r = spawnSync(cmd, args, {stdio: "inherit", cwd: ROOT, env: {...process.env, ...env}});
  if (r.status !== 0) {
    console.error(`test:desktop: ${cmd} ${args.join(" ")} failed (${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

if (!existsSync(CHROMIUM)) {
  console.log("test:desktop: installing chromium (apt-get)…");
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  const run = (args: string[]): void =>
    sudo.length > 0
      ? sh("sudo", args, {DEBIAN_FRONTEND: "noninteractive"})
      : sh(args[0], args.slice(1), {DEBIAN_FRONTEND: "noninteractive"});
  run(["apt-get", "update"]);
  run(["apt-get", "install", "-y", "chromium"]);
}

const node = process.execPath;
sh(node, [
  join(ROOT, "node_modules", "vite", "bin", "vite.js"),
  "build",
  "--config",
  join(DESKTOP, "src", "renderer", "vite.config.ts"),
  "--logLevel",
  "warn",
]);
sh(
  node,
  [
    join(ROOT, "node_modules", "vitest", "vitest.mjs"),
    "run",
    "--config",
    join(DESKTOP, "test", "browser", "vitest.config.ts"),
    ...process.argv.slice(2),
  ],
  {DESKTOP_TEST: "1"},
);
