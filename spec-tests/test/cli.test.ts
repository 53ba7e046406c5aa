import {spawnSync} from "node:child_process";
import {readFileSync} from "node:fs";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {FakeTree} from "./fakeTree.ts";

const CLI = new URL("../src/cli.ts", import.meta.url).pathname;

function runCli(args: string[]) {
  const {SPEC_TESTS_DIR: _ignored, ...env} = process.env;
  const res = spawnSync(process.execPath, [CLI, ...args], {encoding: "utf8", env, timeout: 120_000});
  return {code: res.status, stdout: res.stdout, stderr: res.stderr};
}

// every case spawns the CLI (a parent and a child process per preset): slow on a loaded 2-core machine
describe("cli (parent + one child per preset)", {timeout: 240_000}, () => {
  const t = new FakeTree();
  let json: string;
  let result: ReturnType<typeof runCli>;

  beforeAll(() => {
    t.addCase("mainnet/phase0/shuffling/core/shuffle/ok", {
      "mapping.yaml": `seed: '0x${"11".repeat(32)}'\ncount: 1\nmapping: [0]\n`,
    });
    t.addCase("mainnet/phase0/shuffling/core/shuffle/bad", {
      "mapping.yaml": `seed: '0x${"11".repeat(32)}'\ncount: 2\nmapping: [5, 7]\n`,
    });
    t.addCase("mainnet/phase0/shuffling/core/shuffle/skipme", {"mapping.yaml": "not: valid\n"});
    t.addCase("mainnet/phase0/mystery/core/suite/c", {"data.yaml": "x: 1\n"});
    // general runs in its own child (CEIBO_PRESET=mainnet): a garbage pubkey must verify as false
    t.addCase("general/phase0/bls/verify/bls/garbage_pubkey", {
      "data.yaml": `input:\n  pubkey: '0x${"00".repeat(48)}'\n  message: '0x${"ab".repeat(32)}'\n  signature: '0x${"00".repeat(96)}'\noutput: false\n`,
    });
    const skip = t.writeFile("skip.yaml", `- pattern: "mainnet/*/shuffling/*/*/skipme"\n  reason: "cli test"\n`);
    json = join(t.root, "out.json");
    result = runCli(["--dir", t.root, "--skip", skip, "--json", json]);
  }, 120_000); // child processes: generous on a busy machine
  afterAll(() => t.remove());

  it("exits non-zero when anything failed and ends stdout with the totals line", () => {
    expect(result.code, result.stderr).toBe(1);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[lines.length - 1]).toBe("2 passed, 2 failed, 1 skipped");
    expect(result.stdout).toContain('no runner for "mystery/core"');
    expect(result.stdout).toContain("mainnet/phase0/shuffling/core/shuffle/bad");
  });

  it("writes the JSON report in exactly the documented shape", () => {
    const report = JSON.parse(readFileSync(json, "utf8"));
    expect(Object.keys(report)).toEqual(["results", "failures"]);
    for (const row of report.results) {
      expect(Object.keys(row)).toEqual(["preset", "fork", "runner", "handler", "passed", "failed", "skipped"]);
    }
    for (const f of report.failures) expect(Object.keys(f)).toEqual(["case", "error"]);
    expect(report.results).toEqual([
      {preset: "general", fork: "phase0", runner: "bls", handler: "verify", passed: 1, failed: 0, skipped: 0},
      {preset: "mainnet", fork: "phase0", runner: "mystery", handler: "core", passed: 0, failed: 1, skipped: 0},
      {preset: "mainnet", fork: "phase0", runner: "shuffling", handler: "core", passed: 1, failed: 1, skipped: 1},
    ]);
    expect(report.failures.map((f: {case: string}) => f.case)).toEqual([
      "mainnet/phase0/mystery/core/suite/c",
      "mainnet/phase0/shuffling/core/shuffle/bad",
    ]);
  });

  it("filters by preset and exits 0 when everything passes", () => {
    const r = runCli(["--dir", t.root, "--preset", "general"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split("\n").pop()).toBe("1 passed, 0 failed, 0 skipped");
  });

  it("rejects a missing preset and a directory without tests/", () => {
    expect(runCli(["--dir", t.root, "--preset", "nope"]).code).toBe(2);
    expect(runCli(["--dir", join(t.root, "tests")]).code).toBe(2);
  });

  it("rejects a skip file entry without a reason", () => {
    const bad = t.writeFile("bad-skip.yaml", `- pattern: "mainnet"\n`);
    const r = runCli(["--dir", t.root, "--skip", bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/reason/);
  });

  it("writes the markdown summary and checks a run against it", () => {
    const skip = t.writeFile("skip2.yaml", `- pattern: "mainnet/*/shuffling/*/*/skipme"\n  reason: "cli test"\n`);
    const md = join(t.root, "SUMMARY.md");
    const w = runCli(["--dir", t.root, "--skip", skip, "--write-summary", md]);
    expect(w.code, w.stderr).toBe(1); // the tree has failing cases; the summary is written anyway
    const text = readFileSync(md, "utf8");
    // written by hand from the fake tree: general/phase0/bls 1 passed; mainnet phase0 shuffling 1 of 3, mystery 0 of 1
    expect(text).toContain("**2 passed, 2 failed, 1 skipped.**");
    expect(text).toContain("## general\n\n| runner | phase0 |\n|---|---:|\n| bls | 1 |");
    expect(text).toContain("| mystery | 0/1 |\n| shuffling | 1/3 |");
    // the same run matches; a changed skip list (one more case skipped) does not, and the diff is printed
    expect(runCli(["--dir", t.root, "--skip", skip, "--check-summary", md]).stdout).not.toContain("differs");
    const skip3 = t.writeFile(
      "skip3.yaml",
      `- pattern: "mainnet/*/shuffling/*/*/skipme"\n  reason: "cli test"\n- pattern: "mainnet/*/mystery"\n  reason: "cli test"\n`,
    );
    const c = runCli(["--dir", t.root, "--skip", skip3, "--check-summary", md]);
    expect(c.code).toBe(1);
    expect(c.stdout).toContain("differs from");
    expect(c.stdout).toContain('committed "**2 passed, 2 failed, 1 skipped.**"');
    expect(c.stdout).toContain('this run  "**2 passed, 1 failed, 2 skipped.**"');
    // only full runs may write or check the summary
    expect(runCli(["--dir", t.root, "--preset", "general", "--check-summary", md]).code).toBe(2);
  });

  it("exits 0 when a full passing run matches the committed summary", () => {
    const t2 = new FakeTree();
    try {
      t2.addCase("mainnet/phase0/shuffling/core/shuffle/ok", {
        "mapping.yaml": `seed: '0x${"11".repeat(32)}'\ncount: 1\nmapping: [0]\n`,
      });
      const md = join(t2.root, "SUMMARY.md");
      expect(runCli(["--dir", t2.root, "--write-summary", md]).code).toBe(0);
      expect(runCli(["--dir", t2.root, "--check-summary", md]).code).toBe(0);
      expect(runCli(["--dir", t2.root, "--check-summary", join(t2.root, "missing.md")]).code).toBe(1);
    } finally {
      t2.remove();
    }
  });
});
