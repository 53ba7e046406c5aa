/**
 * The import check (`npm run check:imports`): module specifiers read from source text (type-only and dynamic
 * imports count), cycles found in a hand-made file graph, and the check run for real on this repository with a
 * cycle added in a scratch file (the check must fail and name it).
 */
import {execFile} from "node:child_process";
import {rmSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {afterEach, describe, expect, it} from "vitest";
import {findCycles, specifiersOf} from "../../scripts/importGraph.ts";
import {ROOT} from "../harness/processes.ts";

describe("specifiersOf", () => {
  it("reads static, type-only, re-export and dynamic imports, not comments or strings in code", () => {
    const src = [
      'import {a} from "./a.ts";',
      'import type {B} from "./b.ts";',
      'export {c} from "./c.ts";',
      'export type {D} from "./d.ts";',
      'import * as e from "@ceibo/e";',
      'import "./side-effect.ts";',
      'const m = await import("./dyn.ts");',
      '// import {x} from "./commented.ts";',
      '/* import {y} from "./block-commented.ts"; */',
      "const s = \"import {z} from './not-code.ts'\";",
      'import {\n  f,\n  g,\n} from "./multi.ts";',
    ].join("\n");
    expect(specifiersOf(src)).toEqual([
      "./a.ts",
      "./b.ts",
      "./c.ts",
      "./d.ts",
      "@ceibo/e",
      "./side-effect.ts",
      "./dyn.ts",
      "./multi.ts",
    ]);
  });
});

describe("findCycles", () => {
  it("finds each strongly connected component with more than one file, and self-imports", () => {
    const g = new Map<string, Set<string>>([
      ["a", new Set(["b"])],
      ["b", new Set(["c"])],
      ["c", new Set(["a", "d"])],
      ["d", new Set(["e"])],
      ["e", new Set()],
      ["f", new Set(["f"])],
      ["g", new Set(["a"])],
    ]);
    expect(findCycles(g)).toEqual([["a", "b", "c"], ["f"]]);
    expect(
      findCycles(
        new Map([
          ["x", new Set(["y"])],
          ["y", new Set<string>()],
        ]),
      ),
    ).toEqual([]);
  });
});

describe("npm run check:imports", () => {
  const scratch = [join(ROOT, "packages/params/src/zzCycleA.ts"), join(ROOT, "packages/params/src/zzCycleB.ts")];
  afterEach(() => {
    for (const f of scratch) rmSync(f, {force: true});
  });
  const run = () =>
    new Promise<{code: number; out: string}>((resolve) =>
      execFile(process.execPath, [join(ROOT, "scripts/check-imports.ts")], {cwd: ROOT}, (err, stdout, stderr) =>
        resolve({code: err === null ? 0 : ((err as {code?: number}).code ?? 1), out: stdout + stderr}),
      ),
    );

  it("passes on the repository and fails on a new cycle or an upward import", {timeout: 120_000}, async () => {
    const clean = await run();
    expect(clean.code, clean.out).toBe(0);
    writeFileSync(scratch[0], 'import type {B} from "./zzCycleB.ts";\nexport type A = B | 1;\n');
    writeFileSync(
      scratch[1],
      'import type {A} from "./zzCycleA.ts";\nimport {ssz} from "@ceibo/types";\nexport type B = A | typeof ssz;\n',
    );
    const bad = await run();
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(
      /new import cycle: packages\/params\/src\/zzCycleA\.ts → packages\/params\/src\/zzCycleB\.ts/,
    );
    expect(bad.out).toMatch(/@ceibo\/params \(layer 0\) imports @ceibo\/types \(layer 1\), which is not below it/);
  });
});
