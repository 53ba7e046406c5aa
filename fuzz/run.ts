/**
 * `npm run fuzz -- --target T --runs N` (see fuzz/README.md).
 *   --list                 the targets, what each fuzzes and which errors it may throw
 *   --target T             one target (repeatable); --all: every target
 *   --runs N               executions per target (default 100000)
 *   --max-time S           stop each target after S seconds (whichever of --runs / --max-time comes first)
 *   --engine jazzer|mutate Jazzer.js (coverage-guided libFuzzer; the default where it loads) or ceibo's mutation
 *                          fuzzer (mutate.ts)
 *   --replay               only run the corpus and the crash inputs (regression check)
 *   --keep-corpus          copy the inputs Jazzer found interesting into fuzz/corpus/<target>/
 *   --json FILE            write {targets: [{name, engine, executions, seconds, crashes, coverage}]}
 * Exit status 1 if any target crashed; each crashing input is saved in fuzz/crashes/<target>/.
 */
import {spawn} from "node:child_process";
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {createRequire} from "node:module";
import {tmpdir} from "node:os";
import {dirname, join, relative} from "node:path";
import {parseArgs} from "node:util";
import {corpusDir, crashesDir, FUZZ_DIR, loadCorpus, readInputs, saveInput} from "./corpus.ts";
import {ensureJazzer} from "./jazzerCompat.ts";
import {runMutationFuzzer} from "./mutate.ts";
import {check, type FuzzTarget} from "./target.ts";
import {targetByName, targets} from "./targets.ts";

const ROOT = dirname(FUZZ_DIR);
/** Source paths Jazzer instruments for coverage: ceibo's code and the decoders it relies on. */
const INSTRUMENT = [
  "/packages/types/",
  "/packages/api/src/",
  "/packages/config/src/",
  "/beacon-node/src/network/",
  "/keymanager/src/",
  "/slashing-protection/src/",
  "/fuzz/targets/",
  "@chainsafe/ssz/",
  "@chainsafe/enr/",
];

interface Outcome {
  name: string;
  engine: string;
  executions: number;
  seconds: number;
  crashes: string[];
  coverage?: number;
}

const {values} = parseArgs({
  options: {
    list: {type: "boolean"},
    all: {type: "boolean"},
    target: {type: "string", multiple: true},
    runs: {type: "string"},
    engine: {type: "string"},
    replay: {type: "boolean"},
    "keep-corpus": {type: "boolean"},
    json: {type: "string"},
    seed: {type: "string"},
    "max-time": {type: "string"},
  },
});

if (values.list) {
  for (const t of targets)
    console.log(`${t.name.padEnd(20)} ${t.description}\n${"".padEnd(20)} expected: ${t.expected}`);
  process.exit(0);
}
const chosen: FuzzTarget[] = values.all ? targets : (values.target ?? []).map((n) => targetByName(n));
if (chosen.length === 0) {
  console.error("usage: npm run fuzz -- --target T [--runs N] [--engine jazzer|mutate] | --all | --list | --replay");
  process.exit(2);
}
const maxTime = values["max-time"] === undefined ? undefined : Number(values["max-time"]);
if (maxTime !== undefined && !(Number.isSafeInteger(maxTime) && maxTime > 0)) {
  console.error(`--max-time must be a positive number of seconds, got ${values["max-time"]}`);
  process.exit(2);
}
const runs = Number(values.runs ?? (maxTime !== undefined ? 1_000_000_000 : 100_000));
if (!Number.isSafeInteger(runs) || runs < 0) {
  console.error(`--runs must be a non-negative integer, got ${values.runs}`);
  process.exit(2);
}

async function replay(t: FuzzTarget): Promise<Outcome> {
  const start = Date.now();
  const inputs = await loadCorpus(t);
  const crashes: string[] = [];
  for (const input of inputs) {
    const f = await check(t, input);
    if (f !== null) crashes.push(`${saveInput(crashesDir(t.name), input)}: ${f.message}`);
  }
  return {name: t.name, engine: "replay", executions: inputs.length, seconds: (Date.now() - start) / 1000, crashes};
}

async function withMutate(t: FuzzTarget): Promise<Outcome> {
  const r = await runMutationFuzzer(t, await loadCorpus(t), {
    runs,
    seed: Number(values.seed ?? Date.now() % 2 ** 31),
    maxMs: maxTime !== undefined ? maxTime * 1000 : undefined,
  });
  const crashes = r.findings.map((f) => `${saveInput(crashesDir(t.name), f.input)}: ${f.finding.message}`);
  return {name: t.name, engine: "mutate", executions: r.executions, seconds: r.ms / 1000, crashes};
}

async function withJazzer(t: FuzzTarget): Promise<Outcome> {
  const work = mkdtempSync(join(tmpdir(), `ceibo-fuzz-${t.name}-`));
  try {
    const seeds = join(work, "seeds");
    const found = join(work, "found");
    const artifacts = join(work, "artifacts");
    for (const d of [seeds, found, artifacts]) mkdirSync(d);
    let sync = true;
    for (const input of await loadCorpus(t)) {
      saveInput(seeds, input);
      try {
        const r = t.run(input);
        if (r instanceof Promise) {
          sync = false;
          r.catch(() => {}); // only probing whether the target is async
        }
      } catch {
        // a seed the target refuses: fine here
      }
    }
    const require = createRequire(import.meta.url);
    const cli = join(dirname(require.resolve("@jazzer.js/core/package.json")), "dist", "cli.js");
    const args = [
      "--import",
      join(FUZZ_DIR, "tsLoader.mjs"),
      "--disable-warning=ExperimentalWarning",
      cli,
      join(FUZZ_DIR, "jazzerEntry.mjs"),
      ...(sync ? ["--sync"] : []),
      ...INSTRUMENT.flatMap((p) => ["-i", p]),
      "-e",
      "/node_modules/.cache/",
      "--",
      found,
      seeds,
      `-runs=${runs}`,
      ...(maxTime !== undefined ? [`-max_total_time=${maxTime}`] : []),
      "-max_len=16384",
      "-timeout=20",
      "-rss_limit_mb=3072",
      `-artifact_prefix=${artifacts}/`,
      "-print_final_stats=1",
      ...(values.seed !== undefined ? [`-seed=${values.seed}`] : []),
    ];
    const start = Date.now();
    let output = "";
    const code = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, args, {
        cwd: ROOT,
        env: {...process.env, CEIBO_FUZZ_TARGET: t.name},
        stdio: ["ignore", "pipe", "pipe"],
      });
      const onData = (d: Buffer): void => {
        output += d.toString();
        if (output.length > 1_000_000) output = output.slice(-500_000);
        const s = d.toString();
        for (const line of s.split("\n"))
          if (/pulse|NEW_FUNC|DONE|==|Error|crash-/.test(line)) process.stderr.write(`  [${t.name}] ${line}\n`);
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.on("close", (c) => resolve(c ?? 1));
    });
    const execMatch = [...output.matchAll(/Done (\d+) runs in (\d+) second/g)].pop();
    const statMatch = [...output.matchAll(/stat::number_of_executed_units:\s*(\d+)/g)].pop();
    const doneMatch = [...output.matchAll(/#(\d+)\s+DONE/g)].pop();
    const covMatch = [...output.matchAll(/cov: (\d+)/g)].pop();
    const crashes: string[] = [];
    for (const {name, data} of readInputs(artifacts)) {
      const path = saveInput(crashesDir(t.name), data);
      crashes.push(`${path} (${name})`);
    }
    if (code !== 0 && crashes.length === 0) crashes.push(`jazzer exited with ${code}: ${output.slice(-600)}`);
    if (values["keep-corpus"]) {
      for (const {data} of readInputs(found)) saveInput(corpusDir(t.name), data);
    }
    return {
      name: t.name,
      engine: "jazzer",
      executions: Number(statMatch?.[1] ?? execMatch?.[1] ?? doneMatch?.[1] ?? 0),
      seconds: (Date.now() - start) / 1000,
      crashes,
      coverage: covMatch ? Number(covMatch[1]) : undefined,
    };
  } finally {
    rmSync(work, {recursive: true, force: true});
  }
}

let engine = values.replay ? "replay" : (values.engine ?? "jazzer");
if (engine === "jazzer") {
  const why = ensureJazzer((m) => console.error(m));
  if (why !== null) {
    console.error(`Jazzer.js cannot run here (${why}); using ceibo's mutation fuzzer (--engine mutate)`);
    engine = "mutate";
  }
}
if (!["jazzer", "mutate", "replay"].includes(engine)) {
  console.error(`unknown --engine ${engine} (jazzer or mutate)`);
  process.exit(2);
}

const outcomes: Outcome[] = [];
for (const t of chosen) {
  const o = engine === "replay" ? await replay(t) : engine === "mutate" ? await withMutate(t) : await withJazzer(t);
  outcomes.push(o);
  const cov = o.coverage !== undefined ? `, coverage ${o.coverage} edges` : "";
  console.log(
    `${o.name}: ${o.executions} executions in ${o.seconds.toFixed(1)} s (${o.engine}${cov}), ${o.crashes.length} crash(es)`,
  );
  for (const c of o.crashes)
    console.log(`  crash: ${relative(ROOT, c.split(":")[0]) || c}${c.includes(":") ? c.slice(c.indexOf(":")) : ""}`);
}
const total = outcomes.reduce((n, o) => n + o.executions, 0);
const crashed = outcomes.filter((o) => o.crashes.length > 0).length;
console.log(`total: ${total} executions over ${outcomes.length} target(s), ${crashed} target(s) with crashes`);
if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify({targets: outcomes, total}, null, 2)}\n`);
process.exit(crashed > 0 ? 1 : 0);
