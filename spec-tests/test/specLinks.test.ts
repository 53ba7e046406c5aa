/**
 * Every function of the state transition and fork choice named as a consensus-specs function carries, in the doc
 * comment right above it, a link to that function's section at the pinned commit (a08d8a6). The spec's functions,
 * documents and heading anchors come from spec-tests/spec-functions.json (written from a consensus-specs clone by
 * spec-tests/scripts/spec-functions.ts). A function whose name ends in a fork (`processAttestationPhase0`) is the
 * spec function of that fork.
 */
import {readdirSync, readFileSync} from "node:fs";
import {join, relative, resolve} from "node:path";
import {describe, expect, it} from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const {commit, functions} = JSON.parse(readFileSync(join(ROOT, "spec-tests/spec-functions.json"), "utf8")) as {
  commit: string;
  functions: Record<string, {fork: string; file: string; anchor: string}[]>;
};
const FORK_SUFFIXES = ["Phase0", "Altair", "Bellatrix", "Capella", "Deneb", "Electra", "Fulu", "Gloas"];
const DIRS = ["packages/state-transition/src", "packages/fork-choice/src"];

const snake = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();

/** The spec function a TypeScript function name stands for, or undefined. */
function specNameOf(name: string): string | undefined {
  if (functions[snake(name)] !== undefined) return snake(name);
  for (const s of FORK_SUFFIXES) {
    if (name.endsWith(s) && functions[snake(name.slice(0, -s.length))] !== undefined)
      return snake(name.slice(0, -s.length));
  }
  return undefined;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, {withFileTypes: true})) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sourceFiles(p);
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")) yield p;
  }
}

/** The doc comment (`/** … *\/`) ending on the line right above line i, or "". */
function docAbove(lines: string[], i: number): string {
  let j = i - 1;
  if (j < 0 || !lines[j].trimEnd().endsWith("*/")) return "";
  const end = j;
  while (j >= 0 && !lines[j].includes("/**")) j--;
  return j < 0 ? "" : lines.slice(j, end + 1).join("\n");
}

describe("pinned spec links", () => {
  it("the index is of the pinned commit and knows the core functions", () => {
    expect(commit).toBe("a08d8a6");
    // spot checks written from the spec documents
    expect(functions.process_slots.map((d) => d.file)).toEqual(["specs/phase0/beacon-chain.md"]);
    expect(functions.get_next_sync_committee_indices.map((d) => d.fork)).toEqual(["altair", "electra", "gloas"]);
    expect(functions.compute_proposer_indices.map((d) => d.fork)).toContain("fulu");
  });

  it("every spec-named function in state-transition and fork-choice links its section at a08d8a6", () => {
    const missing: string[] = [];
    let checked = 0;
    for (const dir of DIRS) {
      for (const file of sourceFiles(join(ROOT, dir))) {
        const lines = readFileSync(file, "utf8").split("\n");
        lines.forEach((line, i) => {
          const m = /^(?:export )?(?:async )?function ([A-Za-z0-9]+)/.exec(line);
          const spec = m === null ? undefined : specNameOf(m[1]);
          if (m === null || spec === undefined) return;
          checked++;
          const doc = docAbove(lines, i);
          const ok = functions[spec].some((d) =>
            doc.includes(`https://github.com/ethereum/consensus-specs/blob/${commit}/${d.file}#${d.anchor}`),
          );
          if (!ok) missing.push(`${relative(ROOT, file)}:${i + 1} ${m[1]} (${spec})`);
        });
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(missing, `functions without a pinned link to their spec section:\n${missing.join("\n")}`).toEqual([]);
  });
});
