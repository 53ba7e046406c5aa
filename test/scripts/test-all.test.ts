/**
 * `npm test` (root package.json "test" → scripts/test-all.ts) runs every step even after one fails and exits
 * non-zero at the end: the root "test" script is run in a scratch project whose typecheck / lint / unit / spec-test
 * scripts only record that they ran (the unit step fails).
 */
import {execFile} from "node:child_process";
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {ROOT} from "../harness/processes.ts";

const dir = mkdtempSync(join(tmpdir(), "ceibo-test-all-"));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

function npmTest(cwd: string): Promise<{code: number; out: string}> {
  return new Promise((resolve) => {
    execFile(
      "npm",
      ["test"],
      {cwd, env: {...process.env, PATH: `${join(ROOT, "node_modules/.bin")}:${process.env.PATH}`}},
      (err, stdout, stderr) =>
        resolve({code: err === null ? 0 : ((err as {code?: number}).code ?? 1), out: stdout + stderr}),
    );
  });
}

describe("npm test", () => {
  it("keeps running the spec tests after a unit-test failure and exits non-zero", async () => {
    const rootPkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {scripts: Record<string, string>};
    mkdirSync(join(dir, "scripts"));
    copyFileSync(join(ROOT, "scripts/test-all.ts"), join(dir, "scripts/test-all.ts"));
    const mark = (name: string, code: number): string => `echo ran > ${name}.ran && exit ${code}`;
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({
        name: "scratch",
        private: true,
        type: "module",
        scripts: {
          test: rootPkg.scripts.test,
          typecheck: mark("typecheck", 0),
          lint: mark("lint", 0),
          "check:imports": mark("imports", 0),
          "test:unit": mark("unit", 1),
          "spec-tests:check": mark("spec", 0),
        },
      }),
    );
    const {code, out} = await npmTest(dir);
    for (const step of ["typecheck", "lint", "imports", "unit", "spec"]) {
      expect(existsSync(join(dir, `${step}.ran`)), `${step} ran\n${out}`).toBe(true);
    }
    expect(code, out).not.toBe(0);
    expect(out).toMatch(/FAILED\s+test:unit/);
    expect(out).toMatch(/passed\s+spec-tests:check/);
  });
});
