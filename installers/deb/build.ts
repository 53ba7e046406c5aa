/**
 * `npm run package:deb`: builds installers/dist/ceibo_<version>_amd64.deb from this checkout and its
 * node_modules (no network, no compiler: the native addons are taken as built).
 *
 * Layout of the package:
 *   /usr/bin/ceibo                        sh wrapper: the bundled node running the bundled cli
 *   /usr/lib/ceibo/bin/node               the Node 24 runtime (node_modules/node's binary, debug info stripped)
 *   /usr/lib/ceibo/app/                   the workspaces the cli needs (cli/, packages/…, beacon-node/, …; their
 *                                         TypeScript sources run by Node's type stripping) and node_modules/ with
 *                                         the production dependencies only (the closure of their `dependencies`
 *                                         and installed `optionalDependencies`; devDependencies such as `node`,
 *                                         typescript, vitest, biome are left out)
 *   /usr/lib/systemd/system/ceibo-{beacon,validator}.service
 *   /etc/ceibo/{beacon,validator}.yaml    conffiles, used through --config
 *   /usr/share/doc/ceibo/, /usr/share/man/man1/ceibo.1.gz
 * Maintainer scripts (installers/deb/maintscripts): the system users ceibo-beacon and ceibo-validator, the JWT
 * secret /etc/ceibo/jwt.hex and the keystore password file.
 *
 * Usage: node installers/deb/build.ts [--out DIR] [--compression gzip|xz|zstd|none]
 * Prints the .deb path on the last line of stdout.
 */
import {execFileSync} from "node:child_process";
import {createHash} from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import {tmpdir} from "node:os";
import {basename, dirname, join, relative, resolve, sep} from "node:path";
import {parseArgs} from "node:util";
import {gzipSync} from "node:zlib";

const ROOT = resolve(import.meta.dirname, "../..");
const HERE = import.meta.dirname;
const INSTALLERS = resolve(HERE, "..");

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, {optional?: boolean}>;
}

function readPkg(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson;
}

/** Node's lookup of `name` from a package at `fromDir` (real path): fromDir/node_modules/name, then upwards. */
function resolvePackage(name: string, fromDir: string): string | null {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    const parent = dirname(dir);
    if (parent === dir || (!`${parent}${sep}`.startsWith(`${ROOT}${sep}`) && parent !== ROOT)) return null;
    dir = parent;
  }
}

/**
 * The production closure of the cli: the workspace folders (real paths) and the node_modules package folders
 * (as installed, i.e. the path through node_modules) it needs at run time.
 */
export function productionClosure(): {workspaces: string[]; packages: string[]; links: Map<string, string>} {
  const workspaces = new Set<string>();
  const packages = new Set<string>();
  /** node_modules path of a workspace link → workspace real path */
  const links = new Map<string, string>();
  const seen = new Set<string>();
  const visit = (realDir: string): void => {
    if (seen.has(realDir)) return;
    seen.add(realDir);
    const pkg = readPkg(realDir);
    const deps: [string, boolean][] = [
      ...Object.keys(pkg.dependencies ?? {}).map((d): [string, boolean] => [d, true]),
      ...Object.keys(pkg.optionalDependencies ?? {}).map((d): [string, boolean] => [d, false]),
      ...Object.keys(pkg.peerDependencies ?? {}).map((d): [string, boolean] => [
        d,
        pkg.peerDependenciesMeta?.[d]?.optional !== true,
      ]),
    ];
    for (const [name, required] of deps) {
      const found = resolvePackage(name, realDir);
      if (found === null) {
        if (required) throw new Error(`${pkg.name} needs ${name}, which is not in node_modules (run npm ci first)`);
        continue; // an optional dependency for another platform
      }
      if (lstatSync(found).isSymbolicLink()) {
        const real = realpathSync(found);
        if (!real.startsWith(`${ROOT}${sep}`)) throw new Error(`${found} links outside the repository`);
        if (real.split(sep).includes("node_modules")) {
          packages.add(real);
        } else {
          workspaces.add(real);
          links.set(found, real);
        }
        visit(real);
      } else {
        packages.add(found);
        visit(found);
      }
    }
  };
  const cli = join(ROOT, "cli");
  workspaces.add(cli);
  visit(cli);
  return {workspaces: [...workspaces].sort(), packages: [...packages].sort(), links};
}

/**
 * Files a running node never reads: folders of tests, docs and examples at a package's top level (only there:
 * deeper folders with such names may be code, e.g. yaml's dist/doc), native build leftovers anywhere, and
 * sources, types, maps and docs by extension.
 */
const DROP_TOP_DIRS = new Set([
  "test",
  "tests",
  "__tests__",
  "docs",
  "example",
  "examples",
  "benchmark",
  "benchmarks",
  "coverage",
  "scripts",
  "integration",
]);
const DROP_DIRS_ANYWHERE = new Set(["obj.target", ".deps"]);
const DROP_FILE =
  /(\.(ts|mts|cts|map|md|markdown|html|c|cc|cpp|cxx|h|hh|hpp|S|s|asm|o|a|obj|gyp|gypi|mk|pl|py|sh|tsbuildinfo)|^Makefile|^CMakeLists\.txt|^\..*|\.musl\.node)$/;
/** Needed although the rules here would drop them. */
const KEEP_FILE = /^(trusted_setup\.txt)$/;
/** Top-level folders of particular packages that only build or develop them. */
const DROP_PACKAGE_DIRS: Record<string, string[]> = {"node-addon-api": ["tools"]};
/** prebuilds/<platform>-<arch>/ of node-gyp-build packages: only this machine's */
const PLATFORM = "linux-x64";

function keepInPackage(src: string, packageRoot: string, binFiles: Set<string>, native: boolean): boolean {
  const rel = relative(packageRoot, src);
  if (rel === "") return true;
  const parts = rel.split(sep);
  if (parts[0] === "node_modules") return false; // nested packages are copied on their own
  const name = parts[parts.length - 1];
  const st = lstatSync(src);
  if (st.isDirectory()) {
    if (DROP_DIRS_ANYWHERE.has(name)) return false;
    if (parts.length === 1 && (DROP_TOP_DIRS.has(name) || DROP_PACKAGE_DIRS[basename(packageRoot)]?.includes(name))) {
      return false;
    }
    if (parts.length === 2 && parts[0] === "prebuilds" && name !== PLATFORM) return false;
    return true;
  }
  if (KEEP_FILE.test(name)) return true;
  // a compiled addon's sources and bundled C libraries (its .node file is in build/ or prebuilds/)
  if (native && (parts[0] === "deps" || parts[0] === "src") && parts.length > 1) return false;
  if (binFiles.has(rel)) return false; // the package's command-line tools (package.json "bin")
  return !DROP_FILE.test(name);
}

/** The files of a package.json "bin" (relative to the package). */
function binFilesOf(dir: string): Set<string> {
  const bin = (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {bin?: string | Record<string, string>})
    .bin;
  const files = typeof bin === "string" ? [bin] : Object.values(bin ?? {});
  return new Set(files.map((f) => relative(dir, join(dir, f))));
}

/** Workspace folders: their package.json, src/ and bin/ (and README); no tests, no node_modules. */
function keepInWorkspace(src: string, root: string): boolean {
  const rel = relative(root, src);
  if (rel === "") return true;
  const top = rel.split(sep)[0];
  if (rel.split(sep).length === 1 && lstatSync(src).isFile()) return /^(package\.json|README\.md|LICENSE.*)$/.test(top);
  return top === "src" || top === "bin" ? !rel.split(sep).includes("test") : false;
}

function run(cmd: string, args: string[], opts: {cwd?: string} = {}): string {
  return execFileSync(cmd, args, {encoding: "utf8", cwd: opts.cwd, stdio: ["ignore", "pipe", "pipe"]});
}

/** Sets every directory 0755 and every file 0644 or 0755 (executables: ELF files and scripts with a shebang). */
function normalizeModes(dir: string): void {
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const p = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) {
      chmodSync(p, 0o755);
      normalizeModes(p);
    } else {
      const head = Buffer.alloc(4);
      const fd = readFileSync(p).subarray(0, 4);
      fd.copy(head);
      const elfExecutable = head.toString("latin1") === "\x7fELF" && !p.endsWith(".node") && !p.endsWith(".so");
      const script = head.subarray(0, 2).toString() === "#!";
      chmodSync(p, elfExecutable || (script && (statSync(p).mode & 0o111) !== 0) ? 0o755 : 0o644);
    }
  }
}

function duKiB(dir: string): number {
  return Number(run("du", ["-s", "-k", "--apparent-size", dir]).split("\t")[0]);
}

function md5sums(root: string): string {
  const lines: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, {withFileTypes: true}).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (p !== join(root, "DEBIAN")) walk(p);
      } else if (e.isFile()) {
        lines.push(`${createHash("md5").update(readFileSync(p)).digest("hex")}  ${relative(root, p)}`);
      }
    }
  };
  walk(root);
  return `${lines.join("\n")}\n`;
}

export function buildDeb(opts: {out: string; compression: string}): string {
  const t0 = Date.now();
  const version = readPkg(join(ROOT, "cli")).version;
  const stage = mkdtempSync(join(tmpdir(), "ceibo-deb-"));
  try {
    const pkgRoot = join(stage, "root");
    const lib = join(pkgRoot, "usr/lib/ceibo");
    const app = join(lib, "app");
    mkdirSync(app, {recursive: true});

    // 1. the app: workspaces and production node_modules
    const closure = productionClosure();
    for (const ws of closure.workspaces) {
      cpSync(ws, join(app, relative(ROOT, ws)), {recursive: true, filter: (src) => keepInWorkspace(src, ws)});
    }
    for (const p of closure.packages) {
      const bins = binFilesOf(p);
      const native = existsSync(join(p, "binding.gyp"));
      cpSync(p, join(app, relative(ROOT, p)), {
        recursive: true,
        dereference: false,
        filter: (src) => keepInPackage(src, p, bins, native),
      });
    }
    for (const [link, real] of closure.links) {
      const at = join(app, relative(ROOT, link));
      mkdirSync(dirname(at), {recursive: true});
      symlinkSync(relative(dirname(at), join(app, relative(ROOT, real))), at);
    }
    writeFileSync(
      join(app, "package.json"),
      `${JSON.stringify({name: "ceibo-app", version, private: true, type: "module"}, null, 2)}\n`,
    );

    // 2. the runtime: node_modules/node is a devDependency of the repository (npm brings Node 24 with it); its
    //    binary is copied here, stripped
    const nodeBin = realpathSync(join(ROOT, "node_modules/node/bin/node"));
    const nodeVersion = run(nodeBin, ["--version"]).trim();
    if (!/^v24\./.test(nodeVersion)) throw new Error(`node_modules/node is ${nodeVersion}, expected v24`);
    mkdirSync(join(lib, "bin"), {recursive: true});
    copyFileSync(nodeBin, join(lib, "bin/node"));
    // --strip-all keeps .dynsym: the N-API symbols native addons link against
    run("strip", ["--strip-all", join(lib, "bin/node")]);

    // 3. the command, units, configuration, docs
    mkdirSync(join(pkgRoot, "usr/bin"), {recursive: true});
    writeFileSync(
      join(pkgRoot, "usr/bin/ceibo"),
      [
        "#!/bin/sh",
        "# ceibo: the bundled Node.js runtime running the bundled ceibo command line (see /usr/share/doc/ceibo).",
        'here=$(dirname "$(readlink -f "$0")")',
        'exec "$here/../lib/ceibo/bin/node" "$here/../lib/ceibo/app/cli/bin/ceibo.js" "$@"',
        "",
      ].join("\n"),
    );
    mkdirSync(join(pkgRoot, "usr/lib/systemd/system"), {recursive: true});
    for (const unit of ["ceibo-beacon.service", "ceibo-validator.service"]) {
      copyFileSync(join(INSTALLERS, "systemd", unit), join(pkgRoot, "usr/lib/systemd/system", unit));
    }
    mkdirSync(join(pkgRoot, "etc/ceibo"), {recursive: true});
    for (const f of ["beacon.yaml", "validator.yaml"])
      copyFileSync(join(INSTALLERS, "config", f), join(pkgRoot, "etc/ceibo", f));
    const doc = join(pkgRoot, "usr/share/doc/ceibo");
    mkdirSync(doc, {recursive: true});
    copyFileSync(join(HERE, "copyright"), join(doc, "copyright"));
    copyFileSync(join(INSTALLERS, "README.md"), join(doc, "README.md"));
    const date = new Date().toUTCString().replace("GMT", "+0000");
    writeFileSync(
      join(doc, "changelog.gz"),
      gzipSync(
        `ceibo (${version}) unstable; urgency=medium\n\n  * Built from the ceibo repository (npm run package:deb).\n\n -- ceibo developers <ceibo@example.org>  ${date}\n`,
        {level: 9},
      ),
    );
    const overrides = join(pkgRoot, "usr/share/lintian/overrides");
    mkdirSync(overrides, {recursive: true});
    copyFileSync(join(HERE, "lintian-overrides"), join(overrides, "ceibo"));
    mkdirSync(join(pkgRoot, "usr/share/man/man1"), {recursive: true});
    writeFileSync(
      join(pkgRoot, "usr/share/man/man1/ceibo.1.gz"),
      gzipSync(readFileSync(join(HERE, "ceibo.1")), {level: 9}),
    );

    // native addons: symbols are not needed to run them
    const addons = run("find", [app, "-name", "*.node", "-type", "f"])
      .split("\n")
      .filter((f) => f !== "");
    if (addons.length > 0) run("strip", ["--strip-unneeded", ...addons]);
    // the cli's entry script is run by /usr/bin/ceibo with the bundled node, never through its shebang (which
    // names a `node` on PATH): drop the shebang so nothing runs it with another Node
    const entry = join(app, "cli/bin/ceibo.js");
    writeFileSync(entry, readFileSync(entry, "utf8").replace(/^#!.*\n/, ""));
    normalizeModes(pkgRoot);
    chmodSync(join(pkgRoot, "usr/bin/ceibo"), 0o755);
    chmodSync(join(lib, "bin/node"), 0o755);

    // 4. control files
    const debian = join(pkgRoot, "DEBIAN");
    mkdirSync(debian);
    const installedSize = duKiB(pkgRoot);
    writeFileSync(
      join(debian, "control"),
      [
        "Package: ceibo",
        `Version: ${version}`,
        "Architecture: amd64",
        "Maintainer: ceibo developers <ceibo@example.org>",
        `Installed-Size: ${installedSize}`,
        "Depends: adduser, libc6 (>= 2.28), libgcc-s1, libstdc++6",
        "Section: net",
        "Priority: optional",
        "Homepage: https://github.com/ceibo-eth/ceibo",
        "Description: Ethereum consensus client (beacon node and validator client)",
        " ceibo is an Ethereum proof-of-stake consensus client written in TypeScript: a",
        " beacon node, a separate validator client with EIP-3076 slashing protection and",
        " doppelganger protection, and the Keymanager API.",
        " .",
        ` This package bundles the Node.js ${nodeVersion.slice(1)} runtime and the npm packages`,
        " ceibo needs, and installs the systemd units ceibo-beacon.service and",
        " ceibo-validator.service (each with its own system user), configured in",
        " /etc/ceibo/.",
        "",
      ].join("\n"),
    );
    writeFileSync(join(debian, "conffiles"), "/etc/ceibo/beacon.yaml\n/etc/ceibo/validator.yaml\n");
    for (const s of ["postinst", "prerm", "postrm"]) {
      copyFileSync(join(HERE, "maintscripts", s), join(debian, s));
      chmodSync(join(debian, s), 0o755);
    }
    writeFileSync(join(debian, "md5sums"), md5sums(pkgRoot));
    chmodSync(join(debian, "md5sums"), 0o644);
    chmodSync(join(debian, "control"), 0o644);
    chmodSync(join(debian, "conffiles"), 0o644);

    // 5. the archive
    mkdirSync(opts.out, {recursive: true});
    const deb = join(opts.out, `ceibo_${version}_amd64.deb`);
    rmSync(deb, {force: true});
    const level = opts.compression === "xz" ? "6" : opts.compression === "zstd" ? "10" : "6";
    run("dpkg-deb", ["--root-owner-group", `-Z${opts.compression}`, `-z${level}`, "--build", pkgRoot, deb]);
    const files = Number(run("sh", ["-c", `find "${pkgRoot}" -type f | wc -l`]).trim());
    console.log(
      `ceibo ${version}: ${closure.workspaces.length} workspaces, ${closure.packages.length} npm packages, ` +
        `${files} files, ${(installedSize / 1024).toFixed(0)} MiB installed, ` +
        `${(statSync(deb).size / 1024 / 1024).toFixed(1)} MiB .deb (${opts.compression}), ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    return deb;
  } finally {
    rmSync(stage, {recursive: true, force: true});
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const {values} = parseArgs({
    options: {out: {type: "string"}, compression: {type: "string"}},
    strict: true,
  });
  const compression = values.compression ?? "gzip";
  if (!["gzip", "xz", "zstd", "none"].includes(compression)) {
    console.error("--compression must be gzip, xz, zstd or none");
    process.exit(2);
  }
  console.log(buildDeb({out: resolve(values.out ?? join(INSTALLERS, "dist")), compression}));
}
