import {FORK_NAMES} from "@ceibo/params";

/** Forks in activation order, unknown fork names after them alphabetically. */
export function compareForks(a: string, b: string): number {
  const ia = (FORK_NAMES as readonly string[]).indexOf(a);
  const ib = (FORK_NAMES as readonly string[]).indexOf(b);
  if (ia !== ib) return (ia === -1 ? Infinity : ia) - (ib === -1 ? Infinity : ib) || (a < b ? -1 : 1);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Counts of one preset/fork/runner/handler. */
export interface ResultRow {
  preset: string;
  fork: string;
  runner: string;
  handler: string;
  passed: number;
  failed: number;
  skipped: number;
}

export interface Failure {
  /** Case path relative to tests/ (`preset/fork/runner/handler/suite/case`). */
  case: string;
  error: string;
}

/** What a run produces, and exactly the shape written by `--json FILE`. */
export interface RunReport {
  results: ResultRow[];
  failures: Failure[];
}

export interface Totals {
  passed: number;
  failed: number;
  skipped: number;
}

export function emptyReport(): RunReport {
  return {results: [], failures: []};
}

function rowKey(r: Pick<ResultRow, "preset" | "fork" | "runner" | "handler">): string {
  return `${r.preset}\0${r.fork}\0${r.runner}\0${r.handler}`;
}

/** Merges reports (rows with the same preset/fork/runner/handler are summed), sorted for stable output. */
export function mergeReports(reports: readonly RunReport[]): RunReport {
  const rows = new Map<string, ResultRow>();
  const failures: Failure[] = [];
  for (const report of reports) {
    for (const r of report.results) {
      const key = rowKey(r);
      const row = rows.get(key);
      if (row === undefined) rows.set(key, {...r});
      else {
        row.passed += r.passed;
        row.failed += r.failed;
        row.skipped += r.skipped;
      }
    }
    failures.push(...report.failures);
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const results = [...rows.values()].sort(
    (a, b) =>
      cmp(a.preset, b.preset) || compareForks(a.fork, b.fork) || cmp(a.runner, b.runner) || cmp(a.handler, b.handler),
  );
  failures.sort((a, b) => cmp(a.case, b.case));
  return {results, failures};
}

export function totals(rows: readonly Totals[]): Totals {
  const t = {passed: 0, failed: 0, skipped: 0};
  for (const r of rows) {
    t.passed += r.passed;
    t.failed += r.failed;
    t.skipped += r.skipped;
  }
  return t;
}

/** Exactly `{"results":[{preset,fork,runner,handler,passed,failed,skipped}],"failures":[{case,error}]}`. */
export function toJsonReport(report: RunReport): RunReport {
  return {
    results: report.results.map((r) => ({
      preset: r.preset,
      fork: r.fork,
      runner: r.runner,
      handler: r.handler,
      passed: r.passed,
      failed: r.failed,
      skipped: r.skipped,
    })),
    failures: report.failures.map((f) => ({case: f.case, error: f.error})),
  };
}

/** Validates the shape of a report read back from a child process. */
export function parseReport(data: unknown): RunReport {
  const fail = (msg: string): never => {
    throw Error(`invalid report: ${msg}`);
  };
  if (data === null || typeof data !== "object") fail("not an object");
  const {results, failures} = data as Record<string, unknown>;
  if (!Array.isArray(results) || !Array.isArray(failures)) fail("missing results/failures arrays");
  for (const r of results as unknown[]) {
    const row = r as Record<string, unknown>;
    for (const k of ["preset", "fork", "runner", "handler"]) if (typeof row[k] !== "string") fail(`row.${k}`);
    for (const k of ["passed", "failed", "skipped"]) if (typeof row[k] !== "number") fail(`row.${k}`);
  }
  for (const f of failures as unknown[]) {
    const row = f as Record<string, unknown>;
    if (typeof row.case !== "string" || typeof row.error !== "string") fail("failure entry");
  }
  return toJsonReport(data as RunReport);
}

export function firstLine(text: string): string {
  const line = text.split("\n", 1)[0] ?? "";
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join("  ")
      .trimEnd();
  const sep = widths.map((w) => "-".repeat(w)).join("  ");
  return [fmt(header), sep, ...rows.map(fmt)].join("\n");
}

/** Summary table preset × fork × runner (handlers summed), with a totals row. */
export function formatSummary(report: RunReport): string {
  const groups = new Map<string, ResultRow>();
  for (const r of report.results) {
    const key = `${r.preset}\0${r.fork}\0${r.runner}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, {...r, handler: "*"});
    else {
      g.passed += r.passed;
      g.failed += r.failed;
      g.skipped += r.skipped;
    }
  }
  const rows = [...groups.values()].map((g) => [
    g.preset,
    g.fork,
    g.runner,
    String(g.passed),
    String(g.failed),
    String(g.skipped),
  ]);
  const t = totals(report.results);
  rows.push(["total", "", "", String(t.passed), String(t.failed), String(t.skipped)]);
  return table(["preset", "fork", "runner", "passed", "failed", "skipped"], rows);
}

/** Failures, one line each (case path + first line of the error), capped. */
export function formatFailures(failures: readonly Failure[], cap = 50): string {
  if (failures.length === 0) return "";
  const lines = [`${failures.length} failure(s):`];
  for (const f of failures.slice(0, cap)) lines.push(`  FAIL ${f.case}: ${firstLine(f.error)}`);
  if (failures.length > cap) lines.push(`  … and ${failures.length - cap} more (see --json for all)`);
  return lines.join("\n");
}

/** The last stdout line, read by CI. */
export function totalsLine(report: RunReport): string {
  const t = totals(report.results);
  return `${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`;
}

/**
 * The committed summary (`spec-tests/SUMMARY.md`): one table per preset, a row per runner and a column per fork,
 * each cell the number of cases that passed (`passed/total` when some failed or were skipped), then the totals.
 * Deterministic for a given report, so CI can compare a run with the committed file.
 */
export function formatSummaryMarkdown(report: RunReport, source: string): string {
  const cells = new Map<string, Totals>();
  const presets = new Set<string>();
  const forksOf = new Map<string, Set<string>>();
  const runnersOf = new Map<string, Set<string>>();
  for (const r of report.results) {
    presets.add(r.preset);
    if (!forksOf.has(r.preset)) forksOf.set(r.preset, new Set());
    if (!runnersOf.has(r.preset)) runnersOf.set(r.preset, new Set());
    forksOf.get(r.preset)?.add(r.fork);
    runnersOf.get(r.preset)?.add(r.runner);
    const key = `${r.preset}\0${r.fork}\0${r.runner}`;
    const c = cells.get(key) ?? {passed: 0, failed: 0, skipped: 0};
    c.passed += r.passed;
    c.failed += r.failed;
    c.skipped += r.skipped;
    cells.set(key, c);
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const cell = (c: Totals | undefined) =>
    c === undefined
      ? ""
      : c.failed + c.skipped === 0
        ? String(c.passed)
        : `${c.passed}/${c.passed + c.failed + c.skipped}`;
  const t = totals(report.results);
  const out = [
    "# Spec-test summary",
    "",
    `Generated by \`npm run spec-tests:summary\` from ${source}. \`npm test\` runs the spec tests with`,
    "`--check-summary` and fails when a run differs from this file: regenerate it when coverage changes on purpose.",
    "Cells count the cases that passed; `passed/total` marks a runner with failed or skipped cases.",
    "",
    `**${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped.**`,
  ];
  for (const preset of [...presets].sort(cmp)) {
    const forks = [...(forksOf.get(preset) ?? [])].sort(compareForks);
    const runners = [...(runnersOf.get(preset) ?? [])].sort(cmp);
    out.push("", `## ${preset}`, "", `| runner | ${forks.join(" | ")} |`, `|---|${forks.map(() => "---:").join("|")}|`);
    for (const runner of runners) {
      out.push(`| ${runner} | ${forks.map((f) => cell(cells.get(`${preset}\0${f}\0${runner}`))).join(" | ")} |`);
    }
  }
  return `${out.join("\n")}\n`;
}
