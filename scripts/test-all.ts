/**
 * `npm test`: typecheck, lint, unit tests and spec tests, each run even when an earlier one failed, then a
 * summary line per step; the exit code is non-zero when any step failed. The steps are npm scripts
 * (`npm run typecheck|lint|check:imports|test:unit|spec-tests:check`); `TEST_ALL_STEPS=a,b` runs only those (as given), e.g. for the
 * script's own test.
 */
import {spawn} from "node:child_process";

// spec-tests:check = the spec tests, failing also when the run differs from the committed spec-tests/SUMMARY.md
const DEFAULT_STEPS = ["typecheck", "lint", "check:imports", "test:unit", "spec-tests:check"];

function runStep(script: string): Promise<{code: number; ms: number}> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn("npm", ["run", "--silent", script], {stdio: "inherit"});
    child.on("error", (e) => {
      console.error(`npm test: cannot run "npm run ${script}": ${e.message}`);
      resolve({code: 1, ms: Date.now() - t0});
    });
    child.on("exit", (code, signal) => resolve({code: code ?? (signal !== null ? 1 : 0), ms: Date.now() - t0}));
  });
}

const steps = (process.env.TEST_ALL_STEPS ?? DEFAULT_STEPS.join(","))
  .split(",")
  .map((s) => s.trim())
  .filter((s) => s !== "");
const results: {step: string; code: number; ms: number}[] = [];
for (const step of steps) {
  console.log(`\n=== npm test: ${step} ===`);
  results.push({step, ...(await runStep(step))});
}
console.log("\n=== npm test: summary ===");
for (const r of results) {
  console.log(`${r.code === 0 ? "passed" : "FAILED"}  ${r.step} (${(r.ms / 1000).toFixed(1)} s, exit ${r.code})`);
}
const failed = results.filter((r) => r.code !== 0);
if (failed.length > 0) {
  console.log(`${failed.length} of ${results.length} steps failed: ${failed.map((r) => r.step).join(", ")}`);
  process.exit(1);
}
console.log(`all ${results.length} steps passed`);
