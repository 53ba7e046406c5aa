/**
 * `node spec-tests/scripts/spec-functions.ts <consensus-specs checkout>`: writes spec-tests/spec-functions.json, the
 * index of every `def` in the fork documents (phase0 → gloas; ceibo runs phase0 → fulu, its light client knows gloas) of consensus-specs at the pinned commit: function name
 * → the documents (and heading anchors) that define or modify it. `spec-tests/test/specLinks.test.ts` reads it to
 * check that each spec function in the state transition and fork choice carries a pinned link to its section.
 * The checkout must be at the pinned commit (a08d8a6); the script reads it with `git show`, so any worktree state works.
 */
import {execFileSync} from "node:child_process";
import {writeFileSync} from "node:fs";
import {resolve} from "node:path";

const COMMIT = "a08d8a6";
const FORKS = ["phase0", "altair", "bellatrix", "capella", "deneb", "electra", "fulu", "gloas"];
const repo = process.argv[2];
if (repo === undefined) {
  console.error("usage: node spec-tests/scripts/spec-functions.ts <path of an ethereum/consensus-specs clone>");
  process.exit(2);
}
const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], {encoding: "utf8", maxBuffer: 1 << 26});

/** GitHub's heading anchor: lower case, punctuation other than `-` and `_` dropped, spaces → `-`. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, "")
    .replaceAll(" ", "-");
}

const index: Record<string, {fork: string; file: string; anchor: string}[]> = {};
for (const file of git("ls-tree", "-r", "--name-only", COMMIT, "specs").split("\n")) {
  const fork = file.split("/")[1];
  if (!file.endsWith(".md") || !FORKS.includes(fork)) continue;
  const seen = new Map<string, number>();
  let anchor = "";
  let inCode = false;
  for (const line of git("show", `${COMMIT}:${file}`).split("\n")) {
    if (line.startsWith("```")) {
      inCode = !inCode;
      continue;
    }
    if (!inCode) {
      const h = /^#{1,6}\s+(.*)$/.exec(line);
      if (h !== null) {
        const a = anchorOf(h[1]);
        const n = seen.get(a) ?? 0;
        seen.set(a, n + 1);
        anchor = n === 0 ? a : `${a}-${n}`;
      }
      continue;
    }
    const d = /^def ([a-z_0-9]+)\(/.exec(line);
    if (d !== null) {
      index[d[1]] = index[d[1]] ?? [];
      index[d[1]].push({fork, file, anchor});
    }
  }
}
const sorted = Object.fromEntries(
  Object.keys(index)
    .sort()
    .map((k) => [
      k,
      index[k].sort((a, b) => FORKS.indexOf(a.fork) - FORKS.indexOf(b.fork) || (a.file < b.file ? -1 : 1)),
    ]),
);
const out = resolve(import.meta.dirname, "../spec-functions.json");
writeFileSync(out, `${JSON.stringify({commit: COMMIT, functions: sorted}, null, 1)}\n`);
console.log(`${Object.keys(sorted).length} spec functions → ${out}`);
