/**
 * `npm run test:package`: builds the .deb (npm run package:deb), runs lintian on it (0 errors; warnings listed),
 * unpacks it into a throwaway root (dpkg -x) and from there runs the installed `ceibo --version`, checks the
 * shipped /etc/ceibo YAML files against the option tables, starts a dev beacon node (with blobs: the bundled
 * c-kzg and its trusted setup) and a validator client from the package until the chain advances on the
 * validator client's blocks, runs the maintainer scripts (postinst twice, prerm, postrm purge) in a private
 * mount namespace over a copy of /etc and empty /var/lib, /var/log (where unshare is permitted), and runs
 * `systemd-analyze verify` on both units (where systemd-analyze exists).
 * Exits 1 on the first failed check. Everything runs on 127.0.0.1 with free ports; the temp dirs are removed.
 */
import {type ChildProcess, spawn, spawnSync} from "node:child_process";
import {cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from "node:fs";
import {createServer} from "node:net";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {buildDeb} from "../deb/build.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "ceibo-package-test-"));
const children: ChildProcess[] = [];
const report: string[] = [];
let failed = false;

function check(ok: boolean, what: string, detail = ""): void {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${detail ? ` — ${detail}` : ""}`);
  if (!ok) {
    failed = true;
    throw new Error(what);
  }
}

function sh(cmd: string, args: string[], env?: NodeJS.ProcessEnv) {
  return spawnSync(cmd, args, {encoding: "utf8", env: env ?? process.env, maxBuffer: 64 * 1024 * 1024});
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const {port} = s.address() as {port: number};
      s.close(() => res(port));
    });
  });
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>, proc?: ChildProcess) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v !== null) return v;
    if (proc !== undefined && proc.exitCode !== null) throw new Error(`${what}: the process exited (${proc.exitCode})`);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function getJson(url: string): Promise<unknown> {
  const r = await fetch(url, {signal: AbortSignal.timeout(5000)});
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.json();
}

/** A minimal environment: no node_modules/.bin on PATH, so only the bundled runtime can run ceibo. */
const cleanEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
  HOME: work,
  ...extra,
});

async function main(): Promise<void> {
  // 1. build
  let t = Date.now();
  const deb = buildDeb({out: join(ROOT, "installers/dist"), compression: "gzip"});
  const buildSeconds = (Date.now() - t) / 1000;
  check(
    existsSync(deb),
    "npm run package:deb wrote the package",
    `${deb} (${(statSync(deb).size / 2 ** 20).toFixed(1)} MiB, ${buildSeconds.toFixed(0)} s)`,
  );
  report.push(`build: ${buildSeconds.toFixed(0)} s, ${(statSync(deb).size / 2 ** 20).toFixed(1)} MiB`);

  const info = sh("dpkg-deb", ["--field", deb, "Package", "Version", "Architecture", "Depends", "Installed-Size"]);
  console.log(info.stdout.trimEnd().replace(/^/gm, "     "));
  const conffiles = sh("dpkg-deb", ["--info", deb, "conffiles"])
    .stdout.split("\n")
    .filter((l) => l !== "");
  check(
    conffiles.includes("/etc/ceibo/beacon.yaml") && conffiles.includes("/etc/ceibo/validator.yaml"),
    "the /etc/ceibo YAML files are conffiles",
    conffiles.join(", "),
  );

  // 2. lintian
  if (sh("sh", ["-c", "command -v lintian"]).status !== 0) {
    check(false, "lintian is installed (apt-get install lintian)");
  }
  t = Date.now();
  const lintian = sh("lintian", ["--tag-display-limit", "0", "--show-overrides", deb]);
  const tags = lintian.stdout.split("\n").filter((l) => /^[EWIO]: /.test(l));
  const errors = tags.filter((l) => l.startsWith("E: "));
  const warnings = tags.filter((l) => l.startsWith("W: "));
  const overridden = tags.filter((l) => l.startsWith("O: "));
  console.log(
    `     lintian (${((Date.now() - t) / 1000).toFixed(0)} s): ${errors.length} errors, ${warnings.length} warnings, ${overridden.length} overridden`,
  );
  for (const l of [...errors, ...warnings, ...overridden]) console.log(`       ${l}`);
  check(
    lintian.status !== null && errors.length === 0,
    "lintian: 0 errors",
    lintian.stderr
      .trim()
      .split("\n")
      .filter((l) => !/root privileges/.test(l))
      .join(" "),
  );
  report.push(
    `lintian: ${errors.length} errors, ${warnings.length} warnings (${warnings.map((w) => w.split(" ")[2]).join(", ") || "none"}), ${overridden.length} overridden`,
  );

  // 3. install into a throwaway root
  const root = join(work, "root");
  const x = sh("dpkg", ["-x", deb, root]);
  check(x.status === 0, "dpkg -x into a throwaway root", x.stderr.trim());
  const app = join(root, "usr/lib/ceibo/app");
  for (const f of [
    "usr/bin/ceibo",
    "usr/lib/ceibo/bin/node",
    "usr/lib/systemd/system/ceibo-beacon.service",
    "usr/lib/systemd/system/ceibo-validator.service",
    "etc/ceibo/beacon.yaml",
    "etc/ceibo/validator.yaml",
    "usr/share/doc/ceibo/copyright",
  ]) {
    check(existsSync(join(root, f)), `/${f} installed`);
  }
  const devOnly = ["typescript", "vitest", "@biomejs/biome", "node", "@types/node"].filter((p) =>
    existsSync(join(app, "node_modules", p)),
  );
  check(devOnly.length === 0, "no devDependencies in /usr/lib/ceibo/app/node_modules", devOnly.join(", "));

  const ceibo = join(root, "usr/bin/ceibo");
  const version = JSON.parse(readFileSync(join(ROOT, "cli/package.json"), "utf8")).version as string;
  const v = sh(ceibo, ["--version"], cleanEnv());
  check(
    v.status === 0 && v.stdout.trim() === version,
    "installed `ceibo --version`",
    `${v.stdout.trim()}${v.stderr.trim()}`,
  );
  const nodeV = sh(join(root, "usr/lib/ceibo/bin/node"), ["--version"], cleanEnv()).stdout.trim();
  check(/^v24\./.test(nodeV), "the bundled runtime is Node 24", nodeV);
  for (const cmd of ["beacon", "validator"]) {
    const r = sh(ceibo, [cmd, "--config", join(root, `etc/ceibo/${cmd}.yaml`), "--print-config"], cleanEnv());
    check(
      r.status === 0 && r.stderr === "",
      `/etc/ceibo/${cmd}.yaml holds only options of ceibo ${cmd}`,
      r.stderr.trim(),
    );
  }

  // 4. a dev beacon node and a validator client run from the package
  const restPort = await freePort();
  const bnYaml = join(work, "beacon.yaml");
  writeFileSync(
    bnYaml,
    [
      "network: dev",
      `data-dir: ${join(work, "bn")}`,
      "rest.address: 127.0.0.1",
      `rest.port: ${restPort}`,
      "dev:",
      "  slot-duration-ms: 2000",
      `  genesis-time: ${Math.floor(Date.now() / 1000) + 10}`,
      "  signing: false",
      "  blobs-per-block: 1",
      "log-format: json",
      `log-file: ${join(work, "log", "beacon.log")}`,
      "",
    ].join("\n"),
  );
  t = Date.now();
  const bnOut: string[] = [];
  const bn = spawn(ceibo, ["beacon", "--config", bnYaml], {cwd: work, env: cleanEnv({CEIBO_PRESET: "minimal"})});
  children.push(bn);
  bn.stdout.on("data", (d) => bnOut.push(String(d)));
  bn.stderr.on("data", (d) => bnOut.push(String(d)));
  const api = `http://127.0.0.1:${restPort}`;
  try {
    const nodeVersion = await until(
      "the Beacon API answers",
      120_000,
      async () => {
        return ((await getJson(`${api}/eth/v1/node/version`)) as {data: {version: string}}).data.version;
      },
      bn,
    );
    check(
      true,
      "a dev beacon node started from the package answers on its Beacon API",
      `${nodeVersion} after ${((Date.now() - t) / 1000).toFixed(0)} s`,
    );
    report.push(`dev beacon node from the package: API after ${((Date.now() - t) / 1000).toFixed(0)} s`);

    const vcOut: string[] = [];
    const vc = spawn(
      ceibo,
      ["validator", "--beacon-nodes", api, "--interop-indexes", "0..63", "--data-dir", join(work, "vc")].concat([
        "--doppelganger-protection",
        "false",
        "--log-format",
        "json",
      ]),
      {cwd: work, env: cleanEnv({CEIBO_PRESET: "minimal"})},
    );
    children.push(vc);
    vc.stdout.on("data", (d) => vcOut.push(String(d)));
    vc.stderr.on("data", (d) => vcOut.push(String(d)));
    try {
      // the node does not sign (dev.signing false): blocks past slot 2 are the validator client's
      const slot = await until(
        "blocks proposed by the packaged validator client",
        180_000,
        async () => {
          const h = (await getJson(`${api}/eth/v1/beacon/headers/head`)) as {data: {header: {message: {slot: string}}}};
          const s = Number(h.data.header.message.slot);
          return s >= 3 ? s : null;
        },
        vc,
      );
      check(true, "the packaged validator client proposes: head advanced", `slot ${slot}`);
      const blobs = (await getJson(`${api}/eth/v1/beacon/blobs/head`).catch(() => null)) as {data: unknown[]} | null;
      check(
        blobs !== null && blobs.data.length >= 1,
        "the head block carries a blob (bundled c-kzg with its trusted setup)",
        `${blobs?.data.length ?? 0} blob(s)`,
      );
    } finally {
      vc.kill("SIGTERM");
      await new Promise((r) => (vc.exitCode !== null ? r(null) : vc.once("exit", r)));
      if (failed) console.log(vcOut.join("").slice(-3000));
    }
    const logLines = readFileSync(join(work, "log", "beacon.log"), "utf8")
      .trimEnd()
      .split("\n");
    check(
      logLines.every((l) => typeof JSON.parse(l).msg === "string"),
      "the beacon node's --log-file (from the YAML) holds JSON lines",
      `${logLines.length} lines`,
    );
  } catch (e) {
    console.log(bnOut.join("").slice(-3000));
    throw e;
  } finally {
    bn.kill("SIGTERM");
    await new Promise((r) => (bn.exitCode !== null ? r(null) : bn.once("exit", r)));
  }

  // 5. the maintainer scripts, for real, in a private mount namespace over copies of /etc, /var/lib and /var/log
  //    (this machine's own files are never touched)
  if (sh("unshare", ["--mount", "--propagation", "private", "true"]).status !== 0) {
    console.log("skip maintainer scripts: unshare --mount is not permitted here");
    report.push("maintainer scripts: skipped (no mount namespace)");
  } else {
    const ns = join(work, "ns");
    const ctl = join(ns, "DEBIAN");
    // /etc is copied (adduser edits passwd/group/shadow there); /var/lib and /var/log start empty
    sh("mkdir", ["-p", join(ns, "var/lib"), join(ns, "var/log")]);
    const cp = sh("cp", ["-a", "/etc", join(ns, "etc")]);
    check(cp.status === 0, "a copy of /etc for the maintainer scripts", cp.stderr.trim().slice(0, 300));
    check(sh("dpkg-deb", ["--control", deb, ctl]).status === 0, "dpkg-deb --control");
    for (const s of ["postinst", "prerm", "postrm"]) {
      const syntax = sh("sh", ["-n", join(ctl, s)]);
      check(syntax.status === 0, `${s}: sh -n`, syntax.stderr.trim());
    }
    const inNs = (script: string) =>
      sh("unshare", [
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-ec",
        `mount --bind ${ns}/etc /etc; mount --bind ${ns}/var/lib /var/lib; mount --bind ${ns}/var/log /var/log; mkdir -p /etc/ceibo; ${script}`,
      ]);
    const first = inNs(
      `sh ${ctl}/postinst configure; getent passwd ceibo-beacon ceibo-validator; stat -c '%a %U %n' /etc/ceibo/jwt.hex /etc/ceibo/validator-password.txt`,
    );
    const out = first.stdout;
    check(
      first.status === 0 &&
        /^ceibo-beacon:x:\d+:\d+:.*:\/usr\/sbin\/nologin$/m.test(out) &&
        /^ceibo-validator:x:/m.test(out),
      "postinst configure: system users ceibo-beacon and ceibo-validator (no login shell)",
      first.stderr
        .trim()
        .split("\n")
        .filter((l) => !/home dir .* can't be accessed/.test(l))
        .join(" "),
    );
    check(
      /^600 root \/etc\/ceibo\/jwt\.hex$/m.test(out) && /^600 root \/etc\/ceibo\/validator-password\.txt$/m.test(out),
      "postinst: the JWT secret and password file are 0600 root",
      out
        .split("\n")
        .filter((l) => /^\d+ \S+ \/etc\/ceibo/.test(l))
        .join("; "),
    );
    const jwtFile = join(ns, "etc/ceibo/jwt.hex");
    const {readJwtSecret} = await import("@ceibo/beacon-node/execution");
    const secret = readJwtSecret(jwtFile);
    check(secret.length === 32, "postinst: /etc/ceibo/jwt.hex is a 32-byte secret ceibo reads");
    const again = inNs(`sh ${ctl}/postinst configure 0.0.1; getent passwd | grep -c '^ceibo-'`);
    check(again.status === 0 && again.stdout.trim().endsWith("2"), "postinst again (upgrade): no second user");
    check(
      Buffer.from(readJwtSecret(jwtFile)).equals(Buffer.from(secret)),
      "postinst again: the JWT secret is unchanged",
    );
    sh("mkdir", [
      "-p",
      join(ns, "var/lib/ceibo-beacon/chain-db"),
      join(ns, "var/lib/ceibo-validator/slashing-protection"),
    ]);
    const purge = inNs(`sh ${ctl}/prerm remove; sh ${ctl}/postrm remove; sh ${ctl}/postrm purge`);
    check(
      purge.status === 0 &&
        !existsSync(join(ns, "var/lib/ceibo-beacon")) &&
        existsSync(join(ns, "var/lib/ceibo-validator/slashing-protection")) &&
        !existsSync(jwtFile),
      "prerm/postrm purge: chain data and secrets removed, the validator's slashing protection kept",
      purge.stdout.trim(),
    );
    report.push(
      "maintainer scripts: postinst (users, 0600 secrets, idempotent), prerm, postrm purge run in a mount namespace",
    );
  }

  // 6. systemd-analyze verify
  if (sh("sh", ["-c", "command -v systemd-analyze"]).status !== 0) {
    console.log("skip systemd-analyze verify: systemd-analyze is not installed here");
    report.push("systemd-analyze verify: skipped (not installed)");
  } else {
    // the package's root plus this machine's own units (targets the ceibo units refer to)
    const vroot = join(work, "verify-root");
    cpSync(root, vroot, {recursive: true, verbatimSymlinks: true});
    const hostUnits = ["/usr/lib/systemd/system", "/lib/systemd/system"].find((d) => existsSync(d));
    if (hostUnits !== undefined) {
      // cp -n: the package's own units stay; symlinks among the host's units are copied as they are
      const cp = sh("cp", ["-rn", `${hostUnits}/.`, join(vroot, "usr/lib/systemd/system/")]);
      check(cp.status === 0, "this machine's systemd units copied next to the package's", cp.stderr.trim());
    }
    for (const unit of ["ceibo-beacon.service", "ceibo-validator.service"]) {
      const r = sh("systemd-analyze", ["verify", `--root=${vroot}`, `/usr/lib/systemd/system/${unit}`], {
        ...process.env,
        MANPATH: join(vroot, "usr/share/man"),
      });
      const out = `${r.stdout}${r.stderr}`.trim();
      check(r.status === 0 && out === "", `systemd-analyze verify ${unit}`, out);
    }
    const security = sh("systemd-analyze", [
      "security",
      "--offline=true",
      `--root=${vroot}`,
      "/usr/lib/systemd/system/ceibo-beacon.service",
      "/usr/lib/systemd/system/ceibo-validator.service",
    ]);
    const scores = [
      ...`${security.stdout}${security.stderr}`.matchAll(/Overall exposure level for (\S+): ([\d.]+ \S+)/g),
    ].map((m) => `${m[1]} ${m[2]}`);
    if (scores.length > 0) report.push(`systemd-analyze security: ${scores.join("; ")}`);
    report.push(
      `systemd-analyze verify: both units clean (${sh("systemd-analyze", ["--version"]).stdout.split("\n")[0]}, not running as init here)`,
    );
  }
}

try {
  await main();
  console.log("\nsummary");
  for (const l of report) console.log(`  ${l}`);
  console.log("test:package passed");
} catch (e) {
  if (!failed) console.log(`FAIL ${(e as Error).message}`);
  process.exitCode = 1;
} finally {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  rmSync(work, {recursive: true, force: true});
}
