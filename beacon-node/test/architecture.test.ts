/**
 * The chain is the only writer of fork choice and of its pools (issue 16): no source file of the beacon node
 * outside beacon-node/src/chain/ (nor of the CLI) calls a mutating fork-choice method (the `on*` / `add*` /
 * `prune*` / `set*` / `update*` / `invalidate*` methods of packages/fork-choice's ForkChoice, read from its source)
 * or a mutator of the chain's pools (the `add*` / `prune` / `mark*` methods of OpPool, AttestationPool and
 * SyncCommitteeMessagePool, read from their sources), nor constructs one of those pools. Network and API code call
 * chain methods instead (chain.onAggregate, chain.onAttesterSlashing, chain.addVoluntaryExit, …).
 */
import {readdirSync, readFileSync, statSync} from "node:fs";
import {join, relative} from "node:path";
import {describe, expect, it} from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const CHAIN_DIR = join(ROOT, "beacon-node", "src", "chain");

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** Public method names of the class(es) in `file` whose name matches `mutating`. */
function methodsOf(file: string, mutating: RegExp): string[] {
  const names = new Set<string>();
  for (const m of readFileSync(file, "utf8").matchAll(/^ {2}(?:async )?([a-zA-Z]\w*)\(/gm)) {
    if (mutating.test(m[1])) names.add(m[1]);
  }
  return [...names];
}

const FORK_CHOICE_MUTATORS = methodsOf(
  join(ROOT, "packages", "fork-choice", "src", "forkChoice", "forkChoice.ts"),
  /^(on[A-Z]|add|prune|set[A-Z]|update|invalidate)/,
);
const POOL_FILES = {
  opPool: join(CHAIN_DIR, "opPool.ts"),
  attestationPool: join(CHAIN_DIR, "attestationPool.ts"),
  syncCommitteePool: join(CHAIN_DIR, "syncCommitteePool.ts"),
};
const POOL_MUTATORS = Object.fromEntries(
  Object.entries(POOL_FILES).map(([field, file]) => [field, methodsOf(file, /^(add|prune|mark|remove|clear)/)]),
);

/** Lines of `source` that write fork choice or a pool of the chain. */
function violations(source: string): string[] {
  const found: string[] = [];
  const fc = new RegExp(`\\bforkChoice\\s*\\??\\.\\s*(${FORK_CHOICE_MUTATORS.join("|")})\\s*\\(`);
  const pools = Object.entries(POOL_MUTATORS).map(
    ([field, methods]) => new RegExp(`\\b${field}\\s*\\??\\.\\s*(${methods.join("|")})\\s*\\(`),
  );
  const constructs = /\bnew\s+(OpPool|AttestationPool|SyncCommitteeMessagePool)\s*\(/;
  source.split("\n").forEach((line, i) => {
    if (fc.test(line) || pools.some((re) => re.test(line)) || constructs.test(line)) {
      found.push(`${i + 1}: ${line.trim()}`);
    }
  });
  return found;
}

describe("the chain is the only writer of fork choice and its pools", () => {
  it("reads the mutating methods from the sources", () => {
    // the ones the network and the API used to call directly must be among them
    expect(FORK_CHOICE_MUTATORS).toEqual(
      expect.arrayContaining(["onBlock", "onAttestation", "onIndexedAttestation", "onAttesterSlashing", "onTick"]),
    );
    expect(POOL_MUTATORS.opPool).toEqual(expect.arrayContaining(["addAggregate", "addVoluntaryExit", "prune"]));
    expect(POOL_MUTATORS.attestationPool).toEqual(expect.arrayContaining(["add", "addAggregate"]));
    expect(POOL_MUTATORS.syncCommitteePool).toEqual(expect.arrayContaining(["add"]));
  });

  it("flags the call shapes it looks for", () => {
    expect(violations("this.chain.forkChoice.onAttesterSlashing(slashing, {verifySignature: false});")).toHaveLength(1);
    expect(violations("chain.forkChoice.onAttestation(aggregate as never, false);")).toHaveLength(1);
    expect(violations("this.chain.attestationPool.addAggregate(data, 0, bits, sig);")).toHaveLength(1);
    expect(violations("chain.opPool.addVoluntaryExit(exit);")).toHaveLength(1);
    expect(violations("const pool = new OpPool();")).toHaveLength(1);
    // reads are fine
    expect(violations("chain.forkChoice.getBlock(root); chain.opPool.getOperationsForBlock(state);")).toEqual([]);
  });

  it("no beacon-node source outside chain/ (nor the CLI) writes them", () => {
    const files = [...tsFiles(join(ROOT, "beacon-node", "src")), ...tsFiles(join(ROOT, "cli", "src"))].filter(
      (f) => !f.startsWith(CHAIN_DIR + "/"),
    );
    expect(files.length).toBeGreaterThan(50);
    const report: string[] = [];
    for (const f of files) {
      for (const v of violations(readFileSync(f, "utf8"))) report.push(`${relative(ROOT, f)}:${v}`);
    }
    expect(report).toEqual([]);
  });
});
