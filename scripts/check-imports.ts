/**
 * `npm run check:imports`: the import graph of every workspace's `src/` (type-only imports included).
 *
 * Fails (exit 1) when
 * - a package imports a package of its own layer or a layer above it, or one its package.json does not declare
 *   (layers below, lowest first);
 * - a relative import leaves its package;
 * - the files form an import cycle that is not in the baseline (`scripts/import-cycles.baseline.json`), or a
 *   baseline cycle is gone or changed (shrink the baseline with `--write-baseline`, so it stays true).
 * Prints every cycle (strongly connected component of the file graph) with its files and the count.
 * `--write-baseline` rewrites the baseline from the current graph; `--json FILE` writes the cycles as JSON.
 */
import {existsSync, readdirSync, readFileSync, writeFileSync} from "node:fs";
import {dirname, join, relative, resolve} from "node:path";
import {parseArgs} from "node:util";
import {findCycles, specifiersOf} from "./importGraph.ts";

const ROOT = resolve(import.meta.dirname, "..");
const BASELINE = join(ROOT, "scripts/import-cycles.baseline.json");

/** Package directory → layer. A package may import only packages of a lower layer. */
const LAYERS: Record<string, number> = {
  "packages/utils": -1, // below every other package: imports none of them
  "packages/params": 0,
  "slashing-protection": 0,
  "packages/types": 1,
  "packages/config": 2,
  "packages/state-transition": 3,
  "packages/fork-choice": 4,
  "packages/api": 4,
  // keymanager's server registers the Keymanager API routes defined in packages/api: it sits just above api
  keymanager: 4.5,
  "beacon-node": 5,
  "validator-client": 5,
  "spec-tests": 5,
  desktop: 6,
  cli: 7,
};

interface Pkg {
  dir: string;
  name: string;
  layer: number;
  deps: Set<string>;
  exports: Record<string, string>;
}

const pkgs: Pkg[] = Object.entries(LAYERS).map(([dir, layer]) => {
  const json = JSON.parse(readFileSync(join(ROOT, dir, "package.json"), "utf8")) as {
    name: string;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
    exports?: Record<string, string> | string;
  };
  const exp = typeof json.exports === "string" ? {".": json.exports} : (json.exports ?? {".": "./src/index.ts"});
  return {
    dir,
    name: json.name,
    layer,
    deps: new Set(Object.keys({...json.dependencies, ...json.devDependencies})),
    exports: exp,
  };
});
const byName = new Map(pkgs.map((p) => [p.name, p]));

function* tsFiles(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, {withFileTypes: true})) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "node_modules") yield* tsFiles(p);
    } else if (/\.tsx?$/.test(e.name) && !/\.(test|d)\.tsx?$/.test(e.name)) yield p;
  }
}

const files = pkgs.flatMap((p) => [...tsFiles(join(ROOT, p.dir, "src"))].map((f) => ({file: f, pkg: p})));
const pkgOfFile = new Map(files.map((f) => [f.file, f.pkg]));
const problems: string[] = [];
const graph = new Map<string, Set<string>>();

function resolveRelative(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const c of [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts")]) if (pkgOfFile.has(c)) return c;
  return undefined;
}

for (const {file, pkg} of files) {
  const edges = new Set<string>();
  graph.set(file, edges);
  const rel = relative(ROOT, file);
  for (const spec of specifiersOf(readFileSync(file, "utf8"))) {
    if (spec.startsWith(".")) {
      const target = resolveRelative(file, spec);
      if (target === undefined) continue; // not a source file (json, assets) or outside src: checked below
      if (pkgOfFile.get(target) !== pkg) problems.push(`${rel}: relative import "${spec}" leaves ${pkg.name}`);
      edges.add(target);
      continue;
    }
    const m = /^(@ceibo\/[^/]+)(\/.*)?$/.exec(spec);
    if (m === null) continue; // third-party or node:
    const target = byName.get(m[1]);
    if (target === undefined) {
      problems.push(`${rel}: imports unknown workspace package ${m[1]}`);
      continue;
    }
    if (target === pkg) {
      problems.push(`${rel}: imports its own package by name (${spec}); use a relative import`);
      continue;
    }
    if (target.layer >= pkg.layer)
      problems.push(
        `${rel}: ${pkg.name} (layer ${pkg.layer}) imports ${target.name} (layer ${target.layer}), which is not below it`,
      );
    if (!pkg.deps.has(target.name))
      problems.push(`${rel}: imports ${target.name}, not declared in ${pkg.dir}/package.json`);
    const entry = target.exports[`.${m[2] ?? ""}`];
    const entryFile = entry === undefined ? undefined : resolve(ROOT, target.dir, entry);
    if (entryFile !== undefined && pkgOfFile.has(entryFile)) edges.add(entryFile);
  }
}

const {values} = parseArgs({options: {"write-baseline": {type: "boolean"}, json: {type: "string"}}});
const found = findCycles(graph).map((c) => c.map((f) => relative(ROOT, f)).sort());
const key = (c: string[]) => c.join("\n");
if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify(found, null, 1)}\n`);
if (values["write-baseline"]) {
  writeFileSync(
    BASELINE,
    `${JSON.stringify({note: "import cycles that exist today and are to be removed (issue 16); never add to it", cycles: found}, null, 1)}\n`,
  );
  console.log(`baseline written: ${found.length} cycle(s) → ${relative(ROOT, BASELINE)}`);
}
const baseline: string[][] = existsSync(BASELINE)
  ? (JSON.parse(readFileSync(BASELINE, "utf8")) as {cycles: string[][]}).cycles
  : [];
const known = new Set(baseline.map(key));
const now = new Set(found.map(key));
for (const c of found) {
  const tag = known.has(key(c)) ? "baseline" : "NEW";
  console.log(`${tag} cycle of ${c.length} file(s):\n  ${c.join("\n  ")}`);
  if (tag === "NEW") problems.push(`new import cycle: ${c.join(" → ")}`);
}
for (const c of baseline) {
  if (!now.has(key(c)))
    problems.push(
      `baseline cycle gone or changed (good — run \`npm run check:imports -- --write-baseline\`): ${c.join(", ")}`,
    );
}
const edgeCount = [...graph.values()].reduce((n, e) => n + e.size, 0);
console.log(
  `${files.length} source files, ${edgeCount} imports, ${found.length} cycle(s) (${found.reduce((n, c) => n + c.length, 0)} files in cycles), baseline ${baseline.length}`,
);
if (problems.length > 0) {
  console.log(`\n${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join("\n")}`);
  process.exit(1);
}
console.log("imports: no new cycle, no layer violation");
