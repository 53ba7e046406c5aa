/**
 * The chain is the only writer of fork choice and of its pools (issue 16): no source file of the beacon node
 * outside beacon-node/src/chain/ (nor of the CLI) calls a mutating fork-choice method (the `on*` / `add*` /
 * `prune*` / `set*` / `update*` / `invalidate*` methods of packages/fork-choice's ForkChoice, read from its source)
 * or a mutator of the chain's pools (the `add*` / `prune` / `mark*` methods of OpPool, AttestationPool and
 * SyncCommitteeMessagePool, read from their sources), nor constructs one of those pools. Network and API code call
 * chain methods instead (chain.onAggregate, chain.onAttesterSlashing, chain.addVoluntaryExit, …).
 */
import {existsSync, readdirSync, readFileSync, statSync} from "node:fs";
import {dirname, join, relative, resolve} from "node:path";
import {describe, expect, it} from "vitest";
import {specifiersOf} from "../../scripts/importGraph.ts";

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

/**
 * Dev-only code is used by the dev composition only (issue 16): the in-process mock execution engine
 * (`execution/mock/`) and the interop validators inside the node (`node/devValidators.ts`) are imported by
 * `node/dev.ts` (and the mock's own files, and the `ceibo mock-engine` command), never by the production
 * composition (`node/beaconNode.ts` and everything it imports) nor by any other source file.
 */
const SRC = join(ROOT, "beacon-node", "src");
const MOCK_DIR = join(SRC, "execution", "mock");
const DEV_VALIDATORS = join(SRC, "node", "devValidators.ts");
/** The files allowed to import dev-only code. */
const DEV_FILES = [join(SRC, "node", "dev.ts"), join(ROOT, "cli", "src", "commands", "mockEngine.ts")];

/** Whether a specifier of `file` names dev-only code (a relative path into it, or the package's mock export). */
function isDevOnlyImport(file: string, specifier: string): boolean {
  if (specifier === "@ceibo/beacon-node/execution/mock") return true;
  if (!specifier.startsWith(".")) return false;
  const target = resolve(dirname(file), specifier);
  return target === DEV_VALIDATORS || target.startsWith(`${MOCK_DIR}/`) || target === MOCK_DIR;
}

/** The files `entry` imports, directly or not (relative specifiers; type-only and dynamic imports included). */
function importClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of specifiersOf(readFileSync(file, "utf8"))) {
      if (!spec.startsWith(".")) continue;
      const target = resolve(dirname(file), spec);
      if (existsSync(target) && statSync(target).isFile()) todo.push(target);
    }
  }
  return seen;
}

describe("dev-only code is used by the dev composition only", () => {
  it("flags the import shapes it looks for", () => {
    const node = join(SRC, "node", "beaconNode.ts");
    expect(isDevOnlyImport(node, "../execution/mock/index.ts")).toBe(true);
    expect(isDevOnlyImport(node, "../execution/mock/server.ts")).toBe(true);
    expect(isDevOnlyImport(node, "./devValidators.ts")).toBe(true);
    expect(
      isDevOnlyImport(join(ROOT, "cli", "src", "commands", "beacon.ts"), "@ceibo/beacon-node/execution/mock"),
    ).toBe(true);
    expect(isDevOnlyImport(node, "../execution/index.ts")).toBe(false);
    expect(isDevOnlyImport(node, "./dev.ts")).toBe(false);
  });

  it("no source file but the dev composition imports the mock engine or the dev validators", () => {
    const files = [...tsFiles(SRC), ...tsFiles(join(ROOT, "cli", "src"))].filter(
      (f) => !DEV_FILES.includes(f) && !f.startsWith(`${MOCK_DIR}/`),
    );
    expect(files.length).toBeGreaterThan(50);
    const report: string[] = [];
    for (const f of files) {
      for (const spec of specifiersOf(readFileSync(f, "utf8"))) {
        if (isDevOnlyImport(f, spec)) report.push(`${relative(ROOT, f)} imports ${spec}`);
      }
    }
    expect(report).toEqual([]);
  });

  it("the production composition (node/beaconNode.ts, node/index.ts) reaches neither, even indirectly", () => {
    for (const entry of [join(SRC, "node", "beaconNode.ts"), join(SRC, "node", "index.ts")]) {
      const closure = [...importClosure(entry)];
      // it does reach the chain, the network and the API
      expect(closure).toEqual(
        expect.arrayContaining([join(SRC, "chain", "chain.ts"), join(SRC, "network", "network.ts")]),
      );
      const dev = closure.filter(
        (f) => f === DEV_VALIDATORS || f.startsWith(`${MOCK_DIR}/`) || f === join(SRC, "node", "dev.ts"),
      );
      expect(dev.map((f) => relative(ROOT, f))).toEqual([]);
    }
    // and the dev composition does reach them (the closure follows the imports)
    const devClosure = importClosure(join(SRC, "node", "dev.ts"));
    expect(devClosure.has(DEV_VALIDATORS)).toBe(true);
    expect(devClosure.has(join(MOCK_DIR, "server.ts"))).toBe(true);
  });
});
