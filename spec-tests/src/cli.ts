/**
 * Spec-test runner entry: `npm run spec-tests -- [--preset P] [--fork F] [--runner R] [--handler H] [--match PATTERN]
 *   [--json FILE] [--dir DIR] [--skip FILE] [--write-summary FILE] [--check-summary FILE]`
 *
 * Preset constants are fixed per process (CEIBO_PRESET is read when @ceibo/params is imported), so this parent
 * process only discovers the presets present and runs one child process per preset, then merges the results.
 */
import {spawn} from "node:child_process";
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {availableParallelism, tmpdir} from "node:os";
import {isAbsolute, join, resolve} from "node:path";
import {parseArgs} from "node:util";
import {defaultRegistry} from "./registry.ts";
import {
  emptyReport,
  formatFailures,
  formatSummary,
  formatSummaryMarkdown,
  mergeReports,
  parseReport,
  type RunReport,
  toJsonReport,
  totals,
  totalsLine,
} from "./report.ts";
import {compilePattern, loadSkipFile} from "./skip.ts";
import {listDirs} from "./util/testCase.ts";
import {runPreset} from "./walk.ts";

const CLI_PATH = import.meta.filename;
const REPO_ROOT = resolve(import.meta.dirname, "../..");
const DEFAULT_SKIP_FILE = resolve(import.meta.dirname, "../skip.yaml");
const DEFAULT_DIR = resolve(REPO_ROOT, "../shared/spec-tests");

/** Preset directory name → CEIBO_PRESET of the child that runs it. */
const PRESET_ENV: Record<string, string> = {mainnet: "mainnet", minimal: "minimal", general: "mainnet"};

const USAGE = `Usage: npm run spec-tests -- [options]

  --preset P     only these presets (mainnet, minimal, general); repeatable or comma-separated
  --fork F       only these forks
  --runner R     only these runners (ssz_static, shuffling, bls, ...)
  --handler H    only these handlers
  --match PAT    only cases whose path matches PAT (preset/fork/runner/handler/suite/case, * globs)
  --json FILE    write {"results":[...],"failures":[...]} to FILE
  --dir DIR      vectors directory containing tests/ (default: $SPEC_TESTS_DIR or ../shared/spec-tests)
  --skip FILE    skip file (default: spec-tests/skip.yaml)
  --max-failures N  failures printed (default 50; all are in --json)
  --write-summary FILE  write the markdown summary (runner × fork counts) to FILE (spec-tests/SUMMARY.md)
  --check-summary FILE  exit 1 when the run's markdown summary differs from FILE (what \`npm test\` does)
                 Both need a full run: no --preset/--fork/--runner/--handler/--match filter.
`;

interface Options {
  presets: string[];
  forks: string[];
  runners: string[];
  handlers: string[];
  match: string[];
  json?: string;
  dir: string;
  skip: string;
  maxFailures: number;
  childOut?: string;
  writeSummary?: string;
  checkSummary?: string;
}

/** Relative paths given by the user are relative to where they ran `npm run` (INIT_CWD), not the repo root. */
function userPath(p: string): string {
  return isAbsolute(p) ? p : resolve(process.env.INIT_CWD ?? process.cwd(), p);
}

function splitList(values: string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

function parseOptions(argv: string[]): Options {
  const {values} = parseArgs({
    args: argv,
    options: {
      preset: {type: "string", multiple: true},
      fork: {type: "string", multiple: true},
      runner: {type: "string", multiple: true},
      handler: {type: "string", multiple: true},
      match: {type: "string", multiple: true},
      json: {type: "string"},
      dir: {type: "string"},
      skip: {type: "string"},
      "max-failures": {type: "string"},
      "child-out": {type: "string"},
      "write-summary": {type: "string"},
      "check-summary": {type: "string"},
      help: {type: "boolean", short: "h"},
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const envDir = process.env.SPEC_TESTS_DIR;
  const dir =
    values.dir !== undefined
      ? userPath(values.dir)
      : envDir !== undefined && envDir !== ""
        ? userPath(envDir)
        : DEFAULT_DIR;
  const maxFailures = values["max-failures"] === undefined ? 50 : Number(values["max-failures"]);
  if (!Number.isInteger(maxFailures) || maxFailures < 0) throw Error("--max-failures must be a non-negative integer");
  const filtered = [values.preset, values.fork, values.runner, values.handler, values.match].some(
    (v) => v !== undefined && v.length > 0,
  );
  if (filtered && (values["write-summary"] !== undefined || values["check-summary"] !== undefined))
    throw Error("--write-summary and --check-summary need a full run: drop --preset/--fork/--runner/--handler/--match");
  return {
    writeSummary: values["write-summary"] === undefined ? undefined : userPath(values["write-summary"]),
    checkSummary: values["check-summary"] === undefined ? undefined : userPath(values["check-summary"]),
    presets: splitList(values.preset),
    forks: splitList(values.fork),
    runners: splitList(values.runner),
    handlers: splitList(values.handler),
    match: values.match ?? [],
    json: values.json === undefined ? undefined : userPath(values.json),
    dir,
    skip: values.skip === undefined ? DEFAULT_SKIP_FILE : userPath(values.skip),
    maxFailures,
    childOut: values["child-out"],
  };
}

function testsDirOf(dir: string): string {
  const testsDir = join(dir, "tests");
  if (!existsSync(testsDir)) {
    throw Error(
      `no tests/ directory in ${dir}: pass --dir or set SPEC_TESTS_DIR to a directory laid out as tests/<preset>/<fork>/<runner>/<handler>/<suite>/<case>/`,
    );
  }
  return testsDir;
}

/** Child mode: run one preset in this process and write the report to `childOut`. */
async function runChild(opts: Options): Promise<void> {
  const childOut = opts.childOut as string;
  const preset = opts.presets[0];
  if (opts.presets.length !== 1) throw Error("child mode needs exactly one --preset");
  const skips = loadSkipFile(opts.skip);
  let presetError: string | undefined;
  const expected = PRESET_ENV[preset];
  if (expected === undefined) {
    presetError = `unknown preset "${preset}" (known: ${Object.keys(PRESET_ENV).join(", ")})`;
  } else {
    const {ACTIVE_PRESET_NAME} = await import("@ceibo/params");
    if (ACTIVE_PRESET_NAME !== expected) {
      presetError = `preset "${preset}" must run with CEIBO_PRESET=${expected}, this process has ${ACTIVE_PRESET_NAME}`;
    }
  }
  const report = await runPreset({
    testsDir: testsDirOf(opts.dir),
    preset,
    registry: defaultRegistry,
    skips,
    presetError,
    filters: {forks: opts.forks, runners: opts.runners, handlers: opts.handlers, match: opts.match.map(compilePattern)},
    onProgress: (line) => process.stderr.write(`${line}\n`),
  });
  writeFileSync(childOut, JSON.stringify(toJsonReport(report)));
}

function childArgs(opts: Options, preset: string, out: string): string[] {
  const args = [CLI_PATH, "--child-out", out, "--preset", preset, "--dir", opts.dir, "--skip", opts.skip];
  for (const f of opts.forks) args.push("--fork", f);
  for (const r of opts.runners) args.push("--runner", r);
  for (const h of opts.handlers) args.push("--handler", h);
  for (const m of opts.match) args.push("--match", m);
  return args;
}

/** Runs one preset in a child process with the right CEIBO_PRESET; a crash is reported as a failure. */
function runPresetInChild(opts: Options, preset: string, tmp: string): Promise<RunReport> {
  const out = join(tmp, `${preset}.json`);
  const env = {...process.env, CEIBO_PRESET: PRESET_ENV[preset] ?? "mainnet"};
  return new Promise((resolvePromise) => {
    // child stdout goes to our stderr: stdout is reserved for the summary
    const child = spawn(process.execPath, [...process.execArgv, ...childArgs(opts, preset, out)], {
      env,
      stdio: ["ignore", 2, 2],
    });
    const crashed = (why: string): RunReport => ({
      results: [{preset, fork: "*", runner: "*", handler: "*", passed: 0, failed: 1, skipped: 0}],
      failures: [{case: preset, error: `child process for preset "${preset}" ${why}`}],
    });
    child.on("error", (e) => resolvePromise(crashed(`could not start: ${e.message}`)));
    child.on("exit", (code, signal) => {
      if (code !== 0) {
        resolvePromise(crashed(signal !== null ? `was killed by ${signal}` : `exited with code ${code}`));
        return;
      }
      try {
        resolvePromise(parseReport(JSON.parse(readFileSync(out, "utf8"))));
      } catch (e) {
        resolvePromise(crashed(`wrote no valid report: ${(e as Error).message}`));
      }
    });
  });
}

async function runParent(opts: Options): Promise<number> {
  const started = performance.now();
  loadSkipFile(opts.skip); // validate once up front: a bad skip file is a usage error
  const testsDir = testsDirOf(opts.dir);
  const present = listDirs(testsDir);
  for (const p of opts.presets) {
    if (!present.includes(p))
      throw Error(`preset "${p}" not found in ${testsDir} (present: ${present.join(", ") || "none"})`);
  }
  const presets = opts.presets.length > 0 ? present.filter((p) => opts.presets.includes(p)) : present;
  process.stderr.write(`spec tests in ${testsDir}: presets ${presets.join(", ") || "none"}\n`);

  const tmp = mkdtempSync(join(tmpdir(), "ceibo-spec-tests-"));
  let report: RunReport;
  try {
    const reports: RunReport[] = [];
    const queue = [...presets];
    const workers = Array.from({length: Math.max(1, Math.min(queue.length, availableParallelism()))}, async () => {
      for (let p = queue.shift(); p !== undefined; p = queue.shift())
        reports.push(await runPresetInChild(opts, p, tmp));
    });
    await Promise.all(workers);
    report = reports.length > 0 ? mergeReports(reports) : emptyReport();
  } finally {
    rmSync(tmp, {recursive: true, force: true});
  }

  const t = totals(report.results);
  const out: string[] = [formatSummary(report)];
  const failures = formatFailures(report.failures, opts.maxFailures);
  if (failures !== "") out.push("", failures);
  if (t.passed + t.failed + t.skipped === 0) out.push("", "no test cases matched");
  out.push("", totalsLine(report));
  process.stdout.write(`${out.join("\n")}\n`);
  if (opts.json !== undefined) writeFileSync(opts.json, `${JSON.stringify(toJsonReport(report), null, 1)}\n`);
  process.stderr.write(`done in ${((performance.now() - started) / 1000).toFixed(1)}s\n`);
  let summaryDiffers = false;
  if (opts.writeSummary !== undefined || opts.checkSummary !== undefined) {
    const md = formatSummaryMarkdown(report, summarySource(opts.dir));
    if (opts.writeSummary !== undefined) {
      writeFileSync(opts.writeSummary, md);
      process.stderr.write(`summary written to ${opts.writeSummary}\n`);
    }
    if (opts.checkSummary !== undefined) {
      const committed = existsSync(opts.checkSummary) ? readFileSync(opts.checkSummary, "utf8") : "";
      summaryDiffers = committed !== md;
      if (summaryDiffers) {
        const a = committed.split("\n");
        const b = md.split("\n");
        const lines = [`spec-tests: this run differs from ${opts.checkSummary}:`];
        for (let i = 0; i < Math.max(a.length, b.length) && lines.length < 21; i++)
          if (a[i] !== b[i])
            lines.push(
              `  line ${i + 1}: committed ${JSON.stringify(a[i] ?? "")}`,
              `  ${" ".repeat(String(i + 1).length + 6)}this run  ${JSON.stringify(b[i] ?? "")}`,
            );
        lines.push("run `npm run spec-tests:summary` and commit the file if the change is intended");
        process.stdout.write(`${lines.join("\n")}\n`);
      }
    }
  }
  return t.failed > 0 || t.passed + t.failed + t.skipped === 0 || summaryDiffers ? 1 : 0;
}

/** Where the vectors came from, as the summary names it (the default directory → the pinned release). */
function summarySource(dir: string): string {
  return dir === DEFAULT_DIR
    ? "the vectors in `../shared/spec-tests` (consensus-specs a08d8a6, v1.7.0-alpha.13)"
    : `the vectors in \`${dir}\``;
}

async function main(): Promise<void> {
  let opts: Options;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (opts.childOut !== undefined) {
    await runChild(opts);
    return;
  }
  try {
    process.exitCode = await runParent(opts);
  } catch (e) {
    process.stderr.write(`spec-tests: ${(e as Error).message}\n`);
    process.exitCode = 2;
  }
}

await main();
