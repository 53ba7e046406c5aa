/**
 * The fuzz smoke of `npm test`: every target replays its seeds, its committed corpus and every input that once
 * crashed it (fuzz/crashes/<target>/, regression inputs), then runs a few thousand mutants of them with ceibo's
 * mutation fuzzer (fuzz/mutate.ts, fixed seed). Each must pass: only the target's own expected errors.
 * The long, coverage-guided runs are `npm run fuzz` (fuzz/README.md).
 */
import {describe, expect, it} from "vitest";
import {crashesDir, loadCorpus, readInputs} from "./corpus.ts";
import {runMutationFuzzer} from "./mutate.ts";
import {check} from "./target.ts";
import {targets} from "./targets.ts";

/** Mutants per target: enough to exercise every target, small enough for a busy 2-core machine. */
const SMOKE_RUNS = Number(process.env.FUZZ_SMOKE_RUNS ?? 2000);

describe("fuzz smoke", () => {
  it("every target is listed once and names its expected errors", () => {
    const names = targets.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    for (const t of targets) expect(t.expected.length).toBeGreaterThan(0);
  });

  for (const target of targets) {
    it(`${target.name}: corpus, crash inputs and ${SMOKE_RUNS} mutants pass`, async () => {
      for (const {name, data} of readInputs(crashesDir(target.name))) {
        const finding = await check(target, data);
        expect(finding?.message, `regression input ${target.name}/${name}`).toBeUndefined();
      }
      const corpus = await loadCorpus(target);
      expect(corpus.length).toBeGreaterThan(0);
      const r = await runMutationFuzzer(target, corpus, {runs: corpus.length + SMOKE_RUNS, seed: 12345, slowMs: 5000});
      expect(r.findings.map((f) => f.finding.message)).toEqual([]);
      expect(r.executions).toBe(corpus.length + SMOKE_RUNS);
    }, 300_000);
  }
});
