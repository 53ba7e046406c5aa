/**
 * `npm run bench:compare` — ceibo's state transition side by side with Lodestar's (@lodestar/state-transition
 * 1.41.0, installed outside ceibo's dependencies by scripts/install-lodestar-st.sh) on the same mainnet-preset
 * fulu state, in one process, runs interleaved. Prints both clients and the ratio ceibo / Lodestar, and checks
 * that the post-epoch states are byte-identical (exit 1 if not). A benchmark, not a test. See bench/README.md.
 */
import {execFileSync} from "node:child_process";
import {readFileSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {PerformanceObserver, constants as perfConstants} from "node:perf_hooks";
import {pathToFileURL} from "node:url";
import {parseArgs} from "node:util";
import {ACTIVE_PRESET_NAME, ForkSeq} from "@ceibo/params";
import {type BeaconStateFulu, createCachedBeaconState, processSlots, stateHashTreeRoot} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {type ClientMemory, measureMemory} from "./compareMemory.ts";
import {createSyntheticState, syntheticChainConfig} from "./syntheticState.ts";

const LODESTAR_VERSION = "1.41.0";
const ROOT = join(import.meta.dirname, "..");

const HELP = `Usage: npm run bench:compare -- [--state FILE.ssz | --validators N] [--runs N] [--json FILE] [--no-memory]
       [--only memory|timings]

ceibo vs Lodestar ${LODESTAR_VERSION} (@lodestar/state-transition, installed once into a cache folder outside the
project's dependencies: scripts/install-lodestar-st.sh) on the same mainnet-preset fulu state, runs interleaved:
  epoch transition (processSlots over one epoch boundary), the same plus ceibo's next-shuffling precompute
  (Lodestar computes it inside the transition), post-epoch state root (wall and main-thread CPU; once, the tree nodes it
  rehashes), GC during the transition, and once per client: cache build from a freshly decoded state and the full
  root of a freshly decoded state.
Checks the post-epoch states serialize to the same bytes (exit 1 if not). Memory: one process per client loads
the state with its caches and every pubkey decoded; growth of heap + external and of RSS per validator.

  --state FILE.ssz   a mainnet-preset fulu BeaconState at the last slot of an epoch
  --validators N     without --state: the synthetic state of npm run bench (default 1000000)
  --runs N           interleaved repetitions; medians are reported (default 5)
  --no-memory        skip the memory measurement (two extra processes, each loading the state)
  --only memory      only the memory measurement (no timing runs; --json then holds {validators, memory})
  --only timings     only the timing runs (the same as --no-memory)
  --json FILE        write {validators, runs, ceibo: {...}, lodestar: {...}, ratio: {...}, postStatesIdentical}`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function cpuMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

const gcEntries: {start: number; duration: number; major: boolean}[] = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as unknown as {detail?: {kind?: number}}).detail?.kind;
    gcEntries.push({start: e.startTime, duration: e.duration, major: kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR});
  }
});

async function gcWithin(t0: number, t1: number): Promise<{ms: number; major: number}> {
  await new Promise((resolve) => setTimeout(resolve, 10));
  let ms = 0;
  let major = 0;
  for (const e of gcEntries) {
    if (e.start < t0 || e.start > t1) continue;
    ms += e.duration;
    if (e.major) major++;
  }
  return {ms, major};
}

/** The parts of Lodestar's API used here (typed loosely: it is another client's code, loaded at run time). */
interface LodestarTreeState {
  slot: number;
  node: {h0: number | null};
  commit(): void;
  hashTreeRoot(): Uint8Array;
  serialize(): Uint8Array;
  genesisValidatorsRoot: Uint8Array;
}
interface LodestarCachedState extends LodestarTreeState {
  clone(): LodestarCachedState;
  batchHashTreeRoot?(): Uint8Array;
}
interface Lodestar {
  deserializeToViewDU(bytes: Uint8Array): LodestarTreeState;
  createCachedBeaconState(state: LodestarTreeState, pubkeyCache: unknown): LodestarCachedState;
  createPubkeyCache(): unknown;
  processSlots(state: LodestarCachedState, slot: number): LodestarCachedState;
}

/** Installs (once) and loads Lodestar's state transition; throws with the reason when it cannot. */
async function loadLodestar(): Promise<Lodestar> {
  let dir: string;
  try {
    dir = execFileSync("bash", [join(ROOT, "scripts/install-lodestar-st.sh")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }).trim();
  } catch (e) {
    throw Error(
      `cannot install @lodestar/state-transition ${LODESTAR_VERSION} (scripts/install-lodestar-st.sh failed: ${(e as Error).message.split("\n")[0]})`,
    );
  }
  const mod = async <T>(path: string): Promise<T> =>
    (await import(pathToFileURL(join(dir, "node_modules", path)).href)) as T;
  // Lodestar's node sets the native hashtree hasher at startup; its own copy of persistent-merkle-tree is a
  // separate module from ceibo's, so it is set here too (before any of its SSZ code runs)
  const pmt = await mod<{setHasher(h: unknown): void}>("@chainsafe/persistent-merkle-tree/lib/index.js");
  const hashtree = await mod<{hasher: unknown}>("@chainsafe/persistent-merkle-tree/lib/hasher/hashtree.js");
  pmt.setHasher(hashtree.hasher);
  const params = await mod<{ACTIVE_PRESET: string}>("@lodestar/params/lib/index.js");
  if (params.ACTIVE_PRESET !== "mainnet") throw Error(`Lodestar's preset is ${params.ACTIVE_PRESET}, not mainnet`);
  const types = await mod<{ssz: {fulu: {BeaconState: {deserializeToViewDU(b: Uint8Array): LodestarTreeState}}}}>(
    "@lodestar/types/lib/index.js",
  );
  const networks = await mod<{mainnetChainConfig: unknown}>("@lodestar/config/lib/networks.js");
  const config = await mod<{createBeaconConfig(c: unknown, gvr: Uint8Array): unknown}>("@lodestar/config/lib/index.js");
  const st = await mod<{
    createCachedBeaconState(
      state: LodestarTreeState,
      data: {config: unknown; pubkeyCache: unknown},
    ): LodestarCachedState;
    createPubkeyCache(): unknown;
    processSlots(state: LodestarCachedState, slot: number): LodestarCachedState;
  }>("@lodestar/state-transition/lib/index.js");
  const version = JSON.parse(
    readFileSync(join(dir, "node_modules/@lodestar/state-transition/package.json"), "utf8"),
  ).version;
  if (version !== LODESTAR_VERSION) throw Error(`installed Lodestar state transition is ${version}`);
  return {
    deserializeToViewDU: (bytes) => types.ssz.fulu.BeaconState.deserializeToViewDU(bytes),
    createPubkeyCache: () => st.createPubkeyCache(),
    createCachedBeaconState: (state, pubkeyCache) =>
      st.createCachedBeaconState(state, {
        config: config.createBeaconConfig(networks.mainnetChainConfig, state.genesisValidatorsRoot),
        pubkeyCache,
      }),
    processSlots: (state, slot) => st.processSlots(state, slot),
  };
}

/** Tree nodes without a root yet under `root` (a node with a root is not entered): what the next root rehashes. */
function countUnhashedNodes(root: {h0: number | null}): number {
  let count = 0;
  const stack: {h0: number | null; _left?: {h0: number | null}; _right?: {h0: number | null}}[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as (typeof stack)[number];
    if (node.h0 !== null) continue;
    count++;
    // BranchNode children (a validator node computes its subtree from its value: counted as one)
    if (node._left !== undefined && node._right !== undefined) stack.push(node._left, node._right);
  }
  return count;
}

/** The BeaconState fields (with list lengths) whose roots differ between two serialized fulu states. */
function differingFields(a: Uint8Array, b: Uint8Array): string[] {
  const type = ssz.fulu.BeaconState;
  const va = type.deserializeToViewDU(a) as unknown as Record<string, {hashTreeRoot(): Uint8Array; length?: number}>;
  const vb = type.deserializeToViewDU(b) as unknown as Record<string, {hashTreeRoot(): Uint8Array; length?: number}>;
  const out: string[] = [];
  for (const field of Object.keys(type.fields)) {
    const fa = va[field];
    const fb = vb[field];
    const same =
      typeof fa?.hashTreeRoot === "function"
        ? Buffer.compare(fa.hashTreeRoot(), fb.hashTreeRoot()) === 0
        : String(fa) === String(fb);
    if (!same) {
      const lengths = typeof fa === "object" && fa.length !== undefined ? ` (length ${fa.length} / ${fb.length})` : "";
      out.push(`${field}${lengths}`);
    }
  }
  return out;
}

async function main(): Promise<number> {
  const {values} = parseArgs({
    options: {
      state: {type: "string"},
      validators: {type: "string", default: "1000000"},
      runs: {type: "string", default: "5"},
      json: {type: "string"},
      "no-memory": {type: "boolean", default: false},
      only: {type: "string"},
      help: {type: "boolean", short: "h", default: false},
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (ACTIVE_PRESET_NAME !== "mainnet") {
    console.error(`bench:compare: runs with the mainnet preset (CEIBO_PRESET is "${ACTIVE_PRESET_NAME}")`);
    return 2;
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw Error("--runs must be a positive integer");
  if (values.only !== undefined && values.only !== "memory" && values.only !== "timings") {
    throw Error(`--only must be memory or timings (got "${values.only}")`);
  }
  if (values.only === "memory" && values["no-memory"]) throw Error("--only memory and --no-memory exclude each other");

  let lodestar: Lodestar;
  try {
    lodestar = await loadLodestar();
  } catch (e) {
    console.error(`bench:compare: ${(e as Error).message}`);
    return 1;
  }
  gcObserver.observe({entryTypes: ["gc"]});

  let bytes: Uint8Array;
  if (values.state !== undefined) {
    log(`loading ${values.state}…`);
    bytes = new Uint8Array(readFileSync(values.state));
  } else {
    const n = Number(values.validators);
    if (!Number.isInteger(n) || n < 64) throw Error("--validators must be an integer >= 64");
    bytes = createSyntheticState({validators: n, log}).serialize();
  }

  // memory first, in child processes, while this one holds no state yet
  let memory: {ceibo: ClientMemory; lodestar: ClientMemory} | null = null;
  if (!values["no-memory"] && values.only !== "timings") {
    memory = await measureMemory(values.state !== undefined ? {stateFile: values.state} : {bytes}, log);
  }
  if (values.only === "memory" && memory !== null) return reportMemoryOnly(memory, values.json);

  const c: Record<string, number[]> = {
    epoch: [],
    epochPlusShuffling: [],
    cpu: [],
    root: [],
    rootCpu: [],
    gc: [],
    majorGc: [],
  };
  const l: Record<string, number[]> = {epoch: [], cpu: [], root: [], rootCpu: [], gc: [], majorGc: []};
  const once: Record<string, number> = {};

  // Fresh state: decode, caches, full root (once per client)
  log("ceibo: decode, caches, full root of the fresh state…");
  let t = performance.now();
  const cState = ssz.fulu.BeaconState.deserializeToViewDU(bytes) as BeaconStateFulu;
  once.ceiboDeserializeMs = performance.now() - t;
  t = performance.now();
  const cBase = createCachedBeaconState(cState, syntheticChainConfig(), ForkSeq.fulu);
  once.ceiboCacheBuildMs = performance.now() - t;
  t = performance.now();
  const cRoot0 = stateHashTreeRoot(cBase.state);
  once.ceiboFreshRootMs = performance.now() - t;

  log("Lodestar: decode, caches (decodes every pubkey), full root of the fresh state…");
  t = performance.now();
  const lState = lodestar.deserializeToViewDU(bytes);
  once.lodestarDeserializeMs = performance.now() - t;
  t = performance.now();
  const lBase = lodestar.createCachedBeaconState(lState, lodestar.createPubkeyCache());
  once.lodestarCacheBuildMs = performance.now() - t;
  t = performance.now();
  const lRoot0 = lBase.hashTreeRoot();
  once.lodestarFreshRootMs = performance.now() - t;
  if (Buffer.compare(cRoot0, lRoot0) !== 0) {
    console.error("bench:compare: the two clients decode the state to different roots");
    return 1;
  }

  let identical = true;
  const targetSlot = cBase.state.slot + 1;
  for (let r = 0; r < runs; r++) {
    log(`run ${r + 1}/${runs}`);
    // alternate which client goes first, so neither always runs right after the other's garbage
    const order = r % 2 === 0 ? ["ceibo", "lodestar"] : ["lodestar", "ceibo"];
    let cPost: Uint8Array | null = null;
    let lPost: Uint8Array | null = null;
    for (const who of order) {
      // collect the previous run's garbage (both clients') before measuring, when the bench runs with --expose-gc
      // (npm run bench:compare does), so that neither client's transition pays for the other's
      (globalThis as {gc?: () => void}).gc?.();
      if (who === "ceibo") {
        const pre = cBase.clone();
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        processSlots(pre, targetSlot);
        const t1 = performance.now();
        const cpu = process.cpuUsage(cpu0);
        c.cpu.push((cpu.user + cpu.system) / 1000);
        // the next shuffling, computed on the worker thread as the node does after an import (the main thread is
        // free meanwhile); the time until it is ready
        await pre.epochCtx.precomputeNextShufflingInWorker();
        const t2 = performance.now();
        const gc = await gcWithin(t0, t1);
        const rc0 = process.threadCpuUsage();
        const t3 = performance.now();
        stateHashTreeRoot(pre.state);
        c.root.push(performance.now() - t3);
        c.rootCpu.push(cpuMs(process.threadCpuUsage(rc0)));
        c.epoch.push(t1 - t0);
        c.epochPlusShuffling.push(t2 - t0);
        c.gc.push(gc.ms);
        c.majorGc.push(gc.major);
        if (r === 0) cPost = pre.state.serialize();
      } else {
        const pre = lBase.clone();
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        const post = lodestar.processSlots(pre, targetSlot);
        const t1 = performance.now();
        const cpu = process.cpuUsage(cpu0);
        l.cpu.push((cpu.user + cpu.system) / 1000);
        const gc = await gcWithin(t0, t1);
        const rc0 = process.threadCpuUsage();
        const t3 = performance.now();
        // as Lodestar's state transition computes a post-state root: batched when it has batchHashTreeRoot
        if (post.batchHashTreeRoot !== undefined) post.batchHashTreeRoot();
        else post.hashTreeRoot();
        l.root.push(performance.now() - t3);
        l.rootCpu.push(cpuMs(process.threadCpuUsage(rc0)));
        l.epoch.push(t1 - t0);
        l.gc.push(gc.ms);
        l.majorGc.push(gc.major);
        if (r === 0) lPost = post.serialize();
      }
    }
    if (cPost !== null && lPost !== null) {
      identical = cPost.length === lPost.length && Buffer.compare(cPost, lPost) === 0;
      log(`post-epoch states ${identical ? "byte-identical" : "DIFFER"} (${cPost.length} / ${lPost.length} bytes)`);
      if (!identical) log(`  fields that differ: ${differingFields(cPost, lPost).join(", ")}`);
    }
  }
  gcObserver.disconnect();
  // how many nodes each client's post-epoch root rehashes (one more transition each, not timed)
  const cCount = cBase.clone();
  processSlots(cCount, targetSlot);
  cCount.state.commit();
  once.ceiboRehashedNodes = countUnhashedNodes(cCount.state.node);
  const lCount = lodestar.processSlots(lBase.clone(), targetSlot);
  lCount.commit();
  once.lodestarRehashedNodes = countUnhashedNodes(lCount.node);

  const m = (xs: number[]): number => Math.round(median(xs) * 10) / 10;
  const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
  const rows: [string, number, number][] = [
    ["epoch transition (processSlots over 1 boundary)", m(c.epoch), m(l.epoch)],
    ["epoch transition + next shuffling ready (worker)", m(c.epochPlusShuffling), m(l.epoch)],
    ["epoch transition, CPU time (all threads)", m(c.cpu), m(l.cpu)],
    // where each client hashes differs (Lodestar hashes part of the new tree inside the transition): the sum
    [
      "epoch transition + post-epoch root",
      m(c.epoch.map((x, i) => x + c.root[i])),
      m(l.epoch.map((x, i) => x + l.root[i])),
    ],
    ["GC during the epoch transition", m(c.gc), m(l.gc)],
    ["post-epoch state root", m(c.root), m(l.root)],
    // the main thread's CPU time: what the root costs the node, without the time the machine's other jobs take
    ["post-epoch state root, main-thread CPU", m(c.rootCpu), m(l.rootCpu)],
    ["full root of the freshly decoded state (1 run)", once.ceiboFreshRootMs, once.lodestarFreshRootMs],
    ["SSZ deserialize (1 run)", once.ceiboDeserializeMs, once.lodestarDeserializeMs],
    ["cache build (1 run)", once.ceiboCacheBuildMs, once.lodestarCacheBuildMs],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(
    `ceibo vs Lodestar ${LODESTAR_VERSION} (mainnet preset, fulu, ${cBase.state.validators.length} validators, median of ${runs} interleaved runs)`,
  );
  console.log(`${"".padEnd(width)}  ${"ceibo".padStart(10)}  ${"Lodestar".padStart(10)}  ratio`);
  for (const [k, a, b] of rows) {
    console.log(
      `${k.padEnd(width)}  ${`${a.toFixed(1)} ms`.padStart(10)}  ${`${b.toFixed(1)} ms`.padStart(10)}  ${b > 0 ? `${ratio(a, b)}x` : "-"}`,
    );
  }
  if (memory !== null) {
    for (const [k, key] of [
      ["memory: state + caches + pubkeys, heap+external", "heapBytesPerValidator"],
      ["memory: state + caches + pubkeys, RSS", "rssBytesPerValidator"],
    ] as const) {
      const a = memory.ceibo[key];
      const b = memory.lodestar[key];
      console.log(`${k.padEnd(width)}  ${`${a} B/v`.padStart(10)}  ${`${b} B/v`.padStart(10)}  ${ratio(a, b)}x`);
    }
  }
  console.log(`major GCs during the epoch transition (median): ceibo ${m(c.majorGc)}, Lodestar ${m(l.majorGc)}`);
  console.log(
    `tree nodes rehashed by the post-epoch root: ceibo ${once.ceiboRehashedNodes}, Lodestar ${once.lodestarRehashedNodes}`,
  );
  console.log(`post-epoch states byte-identical: ${identical ? "yes" : "NO"}`);
  if (values.json !== undefined) {
    const out = {
      validators: cBase.state.validators.length,
      runs,
      ceibo: {
        epochTransitionMs: m(c.epoch),
        epochTransitionPlusNextShufflingMs: m(c.epochPlusShuffling),
        epochCpuMs: m(c.cpu),
        epochGcMs: m(c.gc),
        epochMajorGcs: m(c.majorGc),
        postEpochRootMs: m(c.root),
        postEpochRootCpuMs: m(c.rootCpu),
        postEpochRehashedNodes: once.ceiboRehashedNodes,
        freshRootMs: once.ceiboFreshRootMs,
        deserializeMs: once.ceiboDeserializeMs,
        cacheBuildMs: once.ceiboCacheBuildMs,
      },
      lodestar: {
        epochTransitionMs: m(l.epoch),
        epochCpuMs: m(l.cpu),
        epochGcMs: m(l.gc),
        epochMajorGcs: m(l.majorGc),
        postEpochRootMs: m(l.root),
        postEpochRootCpuMs: m(l.rootCpu),
        postEpochRehashedNodes: once.lodestarRehashedNodes,
        freshRootMs: once.lodestarFreshRootMs,
        deserializeMs: once.lodestarDeserializeMs,
        cacheBuildMs: once.lodestarCacheBuildMs,
      },
      ratio: Object.fromEntries(rows.map(([k, a, b]) => [k, ratio(a, b)])),
      memory:
        memory === null
          ? null
          : {
              ceibo: memory.ceibo,
              lodestar: memory.lodestar,
              ratio: {
                heapBytesPerValidator: ratio(memory.ceibo.heapBytesPerValidator, memory.lodestar.heapBytesPerValidator),
                rssBytesPerValidator: ratio(memory.ceibo.rssBytesPerValidator, memory.lodestar.rssBytesPerValidator),
              },
            },
      samples: {ceibo: c, lodestar: l},
      postStatesIdentical: identical,
    };
    writeFileSync(values.json, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`wrote ${values.json}`);
  }
  return identical ? 0 : 1;
}

/** `--only memory`: the memory rows of the table (and --json {validators, memory}), no timing runs. */
function reportMemoryOnly(memory: {ceibo: ClientMemory; lodestar: ClientMemory}, json: string | undefined): number {
  const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
  console.log(
    `ceibo vs Lodestar ${LODESTAR_VERSION} memory (mainnet preset, fulu, ${memory.ceibo.validators} validators)`,
  );
  const rows = [
    ["state + caches + pubkeys, heap+external", "heapBytesPerValidator"],
    ["state + caches + pubkeys, RSS", "rssBytesPerValidator"],
  ] as const;
  for (const [k, key] of rows) {
    const a = memory.ceibo[key];
    const b = memory.lodestar[key];
    console.log(`${k.padEnd(40)}  ${`${a} B/v`.padStart(10)}  ${`${b} B/v`.padStart(10)}  ${ratio(a, b)}x`);
  }
  if (json !== undefined) {
    const out = {
      validators: memory.ceibo.validators,
      memory: {
        ceibo: memory.ceibo,
        lodestar: memory.lodestar,
        ratio: Object.fromEntries(rows.map(([, key]) => [key, ratio(memory.ceibo[key], memory.lodestar[key])])),
      },
    };
    writeFileSync(json, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`wrote ${json}`);
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  },
);
