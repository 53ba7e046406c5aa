import {afterEach, describe, expect, it} from "vitest";
import {defaultRegistry, type Registry} from "../src/registry.ts";
import {parseSkipFile} from "../src/skip.ts";
import {runPreset} from "../src/walk.ts";
import {FakeTree} from "./fakeTree.ts";

const trees: FakeTree[] = [];
function tree(): FakeTree {
  const t = new FakeTree();
  trees.push(t);
  return t;
}
afterEach(() => {
  for (const t of trees.splice(0)) t.remove();
});

/** mapping.yaml for count 1 is preset independent: the only index maps to itself. */
const TRIVIAL_SHUFFLE = `seed: '0x${"ab".repeat(32)}'\ncount: 1\nmapping: [0]\n`;

describe("walker", () => {
  it("counts every case of an unknown runner and of an unknown handler as a failure", async () => {
    const t = tree();
    t.addCase("minimal/phase0/no_such_runner/core/suite/case_0", {"data.yaml": "x: 1\n"});
    t.addCase("minimal/phase0/no_such_runner/core/suite/case_1", {"data.yaml": "x: 1\n"});
    t.addCase("minimal/phase0/shuffling/no_such_handler/suite/case_0", {"mapping.yaml": TRIVIAL_SHUFFLE});
    t.addCase("minimal/phase0/shuffling/core/shuffle/case_0", {"mapping.yaml": TRIVIAL_SHUFFLE});

    const report = await runPreset({testsDir: t.testsDir, preset: "minimal", registry: defaultRegistry, skips: []});
    expect(report.failures.map((f) => f.case).sort()).toEqual([
      "minimal/phase0/no_such_runner/core/suite/case_0",
      "minimal/phase0/no_such_runner/core/suite/case_1",
      "minimal/phase0/shuffling/no_such_handler/suite/case_0",
    ]);
    for (const f of report.failures)
      expect(f.error).toMatch(/^no runner for "(no_such_runner\/core|shuffling\/no_such_handler)"/);
    const row = (runner: string, handler: string) =>
      report.results.find((r) => r.runner === runner && r.handler === handler);
    expect(row("no_such_runner", "core")).toMatchObject({passed: 0, failed: 2, skipped: 0});
    expect(row("shuffling", "no_such_handler")).toMatchObject({passed: 0, failed: 1, skipped: 0});
    expect(row("shuffling", "core")).toMatchObject({passed: 1, failed: 0, skipped: 0});
  });

  it("counts skipped cases as skipped (not passed, not failed), even for unknown runners", async () => {
    const t = tree();
    t.addCase("minimal/phase0/shuffling/core/shuffle/case_0", {"mapping.yaml": TRIVIAL_SHUFFLE});
    t.addCase("minimal/phase0/shuffling/core/shuffle/case_1", {"mapping.yaml": TRIVIAL_SHUFFLE});
    t.addCase("minimal/altair/no_such_runner/h/s/c", {"data.yaml": "x: 1\n"});
    const skips = parseSkipFile(`
- pattern: "minimal/phase0/shuffling/core/shuffle/case_1"
  reason: "testing"
- pattern: "*/*/no_such_runner"
  reason: "testing prefixes"
`);
    const report = await runPreset({testsDir: t.testsDir, preset: "minimal", registry: defaultRegistry, skips});
    expect(report.failures).toEqual([]);
    expect(report.results).toEqual([
      // forks in activation order
      {preset: "minimal", fork: "phase0", runner: "shuffling", handler: "core", passed: 1, failed: 0, skipped: 1},
      {preset: "minimal", fork: "altair", runner: "no_such_runner", handler: "h", passed: 0, failed: 0, skipped: 1},
    ]);
  });

  it("a known-but-unimplemented runner fails loudly when not skipped", async () => {
    const t = tree();
    t.addCase("minimal/altair/light_client/update_ranking/pyspec_tests/some_case", {});
    const report = await runPreset({testsDir: t.testsDir, preset: "minimal", registry: defaultRegistry, skips: []});
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0].error).toMatch(/not implemented/);
  });

  it("reports a throwing case with its error and keeps going", async () => {
    const t = tree();
    t.addCase("minimal/phase0/r/h/s/a", {});
    t.addCase("minimal/phase0/r/h/s/b", {});
    const registry: Registry = {
      r: {
        handlers: ["h"],
        load: async () => (tc) => {
          if (tc.name === "a") throw Error("boom\nsecond line");
        },
      },
    };
    const report = await runPreset({testsDir: t.testsDir, preset: "minimal", registry, skips: []});
    expect(report.failures).toEqual([{case: "minimal/phase0/r/h/s/a", error: "boom\nsecond line"}]);
    expect(report.results[0]).toMatchObject({passed: 1, failed: 1, skipped: 0});
  });

  it("applies fork/runner/handler filters", async () => {
    const t = tree();
    t.addCase("minimal/phase0/shuffling/core/shuffle/case_0", {"mapping.yaml": TRIVIAL_SHUFFLE});
    t.addCase("minimal/altair/no_such_runner/h/s/c", {});
    const report = await runPreset({
      testsDir: t.testsDir,
      preset: "minimal",
      registry: defaultRegistry,
      skips: [],
      filters: {forks: ["phase0"]},
    });
    expect(report.results.map((r) => r.fork)).toEqual(["phase0"]);
    expect(report.failures).toEqual([]);
  });
});
