import {join} from "node:path";
import type {Registry} from "./registry.ts";
import {resolveHandler} from "./registry.ts";
import {compareForks, type Failure, type ResultRow, type RunReport} from "./report.ts";
import {findSkip, type SkipRule} from "./skip.ts";
import {listDirs, TestCase} from "./util/testCase.ts";

export interface Filters {
  forks?: readonly string[];
  runners?: readonly string[];
  handlers?: readonly string[];
  /** Case-path matchers (same syntax as skip patterns); a case runs if any matches. */
  match?: readonly ((casePath: string) => boolean)[];
}

export interface WalkOptions {
  /** The `tests/` directory. */
  testsDir: string;
  preset: string;
  registry: Registry;
  skips: readonly SkipRule[];
  filters?: Filters;
  /** When set, every (non-skipped) case of this preset fails with this error (e.g. an unknown preset). */
  presetError?: string;
  /** Called with a line after each fork/runner is done. */
  onProgress?: (line: string) => void;
}

const MAX_ERROR_CHARS = 4000;

export function errorMessage(e: unknown): string {
  let msg: string;
  if (e instanceof Error) msg = e.message || e.name || String(e);
  else msg = String(e);
  if (msg.trim() === "") msg = "error without message";
  return msg.length > MAX_ERROR_CHARS ? `${msg.slice(0, MAX_ERROR_CHARS)}…` : msg;
}

function allowed(list: readonly string[] | undefined, name: string): boolean {
  return list === undefined || list.length === 0 || list.includes(name);
}

/**
 * Runs every case of one preset: tests/<preset>/<fork>/<runner>/<handler>/<suite>/<case>/.
 * A skip-file match counts as skipped; an unknown runner or handler counts each of its cases as failed.
 */
export async function runPreset(opts: WalkOptions): Promise<RunReport> {
  const {testsDir, preset, registry, skips, filters = {}} = opts;
  const results: ResultRow[] = [];
  const failures: Failure[] = [];
  const presetDir = join(testsDir, preset);

  for (const fork of listDirs(presetDir).sort(compareForks)) {
    if (!allowed(filters.forks, fork)) continue;
    for (const runner of listDirs(join(presetDir, fork))) {
      if (!allowed(filters.runners, runner)) continue;
      const start = performance.now();
      const runnerCounts = {passed: 0, failed: 0, skipped: 0};
      for (const handler of listDirs(join(presetDir, fork, runner))) {
        if (!allowed(filters.handlers, handler)) continue;
        const row: ResultRow = {preset, fork, runner, handler, passed: 0, failed: 0, skipped: 0};
        const resolved = resolveHandler(registry, runner, handler);
        const handlerDir = join(presetDir, fork, runner, handler);
        for (const suite of listDirs(handlerDir)) {
          for (const name of listDirs(join(handlerDir, suite))) {
            const tc = new TestCase({preset, fork, runner, handler, suite, case: name}, join(handlerDir, suite, name));
            if (filters.match !== undefined && filters.match.length > 0 && !filters.match.some((m) => m(tc.path))) {
              continue;
            }
            if (findSkip(skips, tc.path) !== undefined) {
              row.skipped++;
              continue;
            }
            let error: string | undefined;
            if (opts.presetError !== undefined) error = opts.presetError;
            else if (!resolved.ok) error = resolved.error;
            else {
              try {
                const fn = await resolved.runner.load(handler);
                await fn(tc);
              } catch (e) {
                error = errorMessage(e);
              }
            }
            if (error === undefined) row.passed++;
            else {
              row.failed++;
              failures.push({case: tc.path, error});
            }
          }
        }
        if (row.passed + row.failed + row.skipped > 0) results.push(row);
        runnerCounts.passed += row.passed;
        runnerCounts.failed += row.failed;
        runnerCounts.skipped += row.skipped;
      }
      // runners whose cases were all skipped stay quiet (they are in the summary table)
      if (runnerCounts.passed + runnerCounts.failed > 0 && opts.onProgress !== undefined) {
        const secs = ((performance.now() - start) / 1000).toFixed(1);
        opts.onProgress(
          `[${preset}] ${fork}/${runner}: ${runnerCounts.passed} passed, ${runnerCounts.failed} failed, ${runnerCounts.skipped} skipped (${secs}s)`,
        );
      }
    }
  }
  return {results, failures};
}
