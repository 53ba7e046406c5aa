/**
 * Every function of the state transition and fork choice named as a consensus-specs function carries, in the doc
 * comment right above it, a link to that function's section at the pinned commit (a08d8a6). The spec's functions,
 * documents and heading anchors come from spec-tests/spec-functions.json (written from a consensus-specs clone by
 * spec-tests/scripts/spec-functions.ts). A function whose name ends in a fork (`processAttestationPhase0`) is the
 * spec function of that fork.
 *
 * And the other way round, in every package's source: a function whose doc comment links a spec function's section
 * is named as the spec names it (camelCase, optionally with a fork suffix), so one grep finds it — unless it is on
 * NAME_ALLOW_LIST below, which says why.
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

/**
 * Functions that link a spec function's section under another name, and why. Keep it short: a function that IS the
 * spec function takes the spec's name.
 */
const NAME_ALLOW_LIST: Record<string, string> = {
  // the native swap-or-not sampler beside computeProposerIndices (which it falls back to); same answer, other path
  "packages/state-transition/src/util/shuffleNative.ts computeProposerIndicesFast": "compute_proposer_indices",
};

/** Source roots whose non-test .ts files the naming check reads. */
const NAME_DIRS = [
  "packages",
  "beacon-node/src",
  "validator-client/src",
  "keymanager/src",
  "slashing-protection/src",
  "cli/src",
  "desktop/src",
  "spec-tests/src",
];

/** file#anchor → the spec functions whose section that is (several functions may share a section). */
const functionsByLink = new Map<string, string[]>();
for (const [name, defs] of Object.entries(functions)) {
  for (const d of defs) {
    const key = `${d.file}#${d.anchor}`;
    functionsByLink.set(key, [...(functionsByLink.get(key) ?? []), name]);
  }
}

const camel = (snakeName: string) => snakeName.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const KEYWORDS = new Set(["if", "for", "while", "switch", "return", "catch", "function", "constructor", "super"]);

/** The name a line declares as a function (function, const arrow, class method), or undefined. */
function declaredFunction(line: string): string | undefined {
  const m =
    /^\s*(?:export )?(?:default )?(?:async )?function\*? ?([A-Za-z0-9_$]+)/.exec(line) ??
    /^\s*(?:export )?const ([A-Za-z0-9_$]+)\s*(?::[^=]+)?=\s*(?:async\s*)?(?:function|\(|[A-Za-z0-9_$]+\s*=>)/.exec(
      line,
    ) ??
    /^\s+(?:(?:public|private|protected|static|async|readonly|override|get|set)\s+)*#?([A-Za-z0-9_$]+)\s*(?:<[^>]*>)?\(/.exec(
      line,
    );
  return m === null || KEYWORDS.has(m[1]) ? undefined : m[1];
}

/**
 * The functions of a source text that link a spec function's section (pinned at `commit`) but are named neither as
 * that function nor as it with a fork suffix: `line name (spec names)`.
 */
export function misnamedSpecFunctions(text: string, seen = {linked: 0}): string[] {
  const out: string[] = [];
  const lines = text.split("\n");
  const linkRe = new RegExp(`consensus-specs/blob/${commit}/([^#\\s)\`]+)#([A-Za-z0-9_-]+)`, "g");
  lines.forEach((line, i) => {
    const name = declaredFunction(line);
    if (name === undefined) return;
    const doc = docAbove(lines, i);
    const specNames = new Set<string>();
    for (const m of doc.matchAll(linkRe))
      for (const n of functionsByLink.get(`${m[1]}#${m[2]}`) ?? []) specNames.add(n);
    if (specNames.size === 0) return; // no link, or links to sections that are no function's
    seen.linked++;
    const ok = [...specNames].some((n) => name === camel(n) || FORK_SUFFIXES.some((s) => name === camel(n) + s));
    if (!ok) out.push(`${i + 1} ${name} (${[...specNames].join(", ")})`);
  });
  return out;
}

function* namedSourceFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, {withFileTypes: true})) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "node_modules" && e.name !== "test" && e.name !== "dist") yield* namedSourceFiles(p);
    } else if (/\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name)) yield p;
  }
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

  it("the naming check reports a function linking a spec section under another name (and accepts the spec's)", () => {
    const link = `https://github.com/ethereum/consensus-specs/blob/${commit}/specs/fulu/beacon-chain.md#new-compute_proposer_indices`;
    const src = (name: string) =>
      `/**\n * fulu compute_proposer_indices\n * Spec: ${link}\n */\nexport function ${name}(x: number) {}\n`;
    expect(misnamedSpecFunctions(src("computeProposers"))).toEqual(["5 computeProposers (compute_proposer_indices)"]);
    expect(misnamedSpecFunctions(src("computeProposerIndices"))).toEqual([]);
    expect(misnamedSpecFunctions(src("computeProposerIndicesFulu"))).toEqual([]);
    // a class method, and a link to a section that is no function's (not checked)
    const method = `class A {\n  /** Spec: ${link} */\n  proposers(): void {}\n}\n`;
    expect(misnamedSpecFunctions(method)).toEqual(["3 proposers (compute_proposer_indices)"]);
    const section = `/** https://github.com/ethereum/consensus-specs/blob/${commit}/specs/phase0/p2p-interface.md#the-reqresp-domain */\nfunction serve() {}\n`;
    expect(misnamedSpecFunctions(section)).toEqual([]);
  });

  it("every function linking a spec function's section is named as the spec names it (or is allow-listed)", () => {
    const misnamed: string[] = [];
    const allowed = new Set<string>();
    const seen = {linked: 0};
    for (const dir of NAME_DIRS) {
      for (const file of namedSourceFiles(join(ROOT, dir))) {
        const rel = relative(ROOT, file);
        for (const hit of misnamedSpecFunctions(readFileSync(file, "utf8"), seen)) {
          const [, name] = hit.split(" ");
          if (NAME_ALLOW_LIST[`${rel} ${name}`] !== undefined) allowed.add(`${rel} ${name}`);
          else misnamed.push(`${rel}:${hit}`);
        }
      }
    }
    expect(misnamed, `functions named differently from the spec function they link:\n${misnamed.join("\n")}`).toEqual(
      [],
    );
    expect(seen.linked).toBeGreaterThan(180); // 207 when written
    // a stale allow-list entry (renamed or gone) fails too
    expect([...allowed].sort()).toEqual(Object.keys(NAME_ALLOW_LIST).sort());
  });
});
