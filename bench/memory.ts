/**
 * The memory of one loaded state with its caches, for one client, in a process of its own (`npm run bench:compare`
 * spawns it once per client, so that neither client's objects are in the other's figure). A benchmark, not a test.
 *
 *   node --expose-gc bench/memory.ts --client ceibo|lodestar --state FILE.ssz [--workers N] [--json FILE]
 *   node --expose-gc bench/memory.ts --client ceibo --state FILE.ssz --heap-summary FILE.json   # + contributors
 *
 * Method (bench/README.md): modules loaded, garbage collected, baseline `process.memoryUsage()`; then the state
 * file read, decoded to a tree, wrapped with the client's caches (epoch cache, pubkey → index map, index → pubkey
 * with every pubkey decoded into a blst `PublicKey`, shufflings; ceibo also its typed-array validator view), its
 * root computed, the file's bytes dropped, garbage collected; the difference from the baseline, per validator:
 * - `heap`: V8 heap used + external memory (ArrayBuffers included; process.memoryUsage's `arrayBuffers` is part
 *   of `external`);
 * - `rss`: resident set size, which also counts native memory V8 does not see — blst's `PublicKey` objects are
 *   napi-wrapped native points: measured here about 110 B of V8 heap and 400 B outside it per key.
 * ceibo's keys are decoded as its node does at load (`PubkeyCache.preload`: checked on the BLS worker pool, the
 * pool closed before measuring); Lodestar's by its `createCachedBeaconState` (`syncPubkeys`: `PublicKey.fromBytes`
 * of every key into `index2pubkey`, next to the `pubkey2index` map).
 */
import {execFileSync} from "node:child_process";
import {mkdirSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {availableParallelism} from "node:os";
import {join} from "node:path";
import {pathToFileURL} from "node:url";
import {parseArgs} from "node:util";
import {writeHeapSnapshot} from "node:v8";

const ROOT = join(import.meta.dirname, "..");

const HELP = `Usage: node --expose-gc bench/memory.ts --client ceibo|lodestar --state FILE.ssz [--workers N] [--json FILE]
       [--heap-summary FILE.json]

Memory of one loaded mainnet-preset fulu state with its caches and every pubkey decoded, for one client
(ceibo, or Lodestar's @lodestar/state-transition 1.41 installed by scripts/install-lodestar-st.sh): the growth of
V8 heap + external memory and of RSS over a baseline taken before the state was read, after forced GCs.
Prints one JSON object. Run by npm run bench:compare (one process per client).

  --workers N           ceibo: BLS worker threads checking the keys (default cores - 1, at least 1)
  --heap-summary FILE   ceibo: also write a heap snapshot summary (self size by object kind) to FILE`;

interface Mem {
  heap: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

function gcAll(): void {
  const gc = (globalThis as {gc?: () => void}).gc;
  if (gc === undefined) throw Error("run with node --expose-gc");
  for (let i = 0; i < 4; i++) gc();
}

async function settle(): Promise<Mem> {
  // a few turns of the event loop so that finalizers and freed backing stores are released, then full GCs
  for (let i = 0; i < 3; i++) {
    gcAll();
    await new Promise((r) => setTimeout(r, 50));
  }
  gcAll();
  const m = process.memoryUsage();
  return {
    heap: m.heapUsed + m.external,
    rss: m.rss,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
  };
}

/** Something the measured objects hang on until the measurement is taken. */
const keep: unknown[] = [];

async function loadCeibo(bytesFile: string, workers: number): Promise<{validators: number; decoded: number}> {
  const {ForkSeq} = await import("@ceibo/params");
  const {createCachedBeaconState, stateHashTreeRoot} = await import("@ceibo/state-transition");
  type BeaconStateFulu = import("@ceibo/state-transition").BeaconStateFulu;
  const {ssz} = await import("@ceibo/types");
  const {BlsWorkerPool} = await import("@ceibo/beacon-node/chain");
  const {syntheticChainConfig} = await import("./syntheticState.ts");
  const bytes = new Uint8Array(readFileSync(bytesFile));
  const state = ssz.fulu.BeaconState.deserializeToViewDU(bytes);
  const cs = createCachedBeaconState(state as BeaconStateFulu, syntheticChainConfig(), ForkSeq.fulu);
  stateHashTreeRoot(cs.state);
  const pool = new BlsWorkerPool({workers});
  const r = await cs.epochCtx.pubkeyCache.preload((k) => pool.checkPublicKeys(k), {concurrency: workers});
  await pool.close();
  if (r.invalid > 0) throw Error(`${r.invalid} pubkeys refused by the checker`);
  keep.push(cs);
  return {validators: cs.state.validators.length, decoded: cs.epochCtx.pubkeyCache.decodedCount};
}

async function loadLodestar(bytesFile: string): Promise<{validators: number; decoded: number}> {
  const dir = execFileSync("bash", [join(ROOT, "scripts/install-lodestar-st.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  const mod = async <T>(path: string): Promise<T> =>
    (await import(pathToFileURL(join(dir, "node_modules", path)).href)) as T;
  const pmt = await mod<{setHasher(h: unknown): void}>("@chainsafe/persistent-merkle-tree/lib/index.js");
  const hashtree = await mod<{hasher: unknown}>("@chainsafe/persistent-merkle-tree/lib/hasher/hashtree.js");
  pmt.setHasher(hashtree.hasher);
  type LState = {
    genesisValidatorsRoot: Uint8Array;
    hashTreeRoot(): Uint8Array;
    validators: {length: number};
    epochCtx: {pubkeyCache: {size: number; get(i: number): unknown}};
  };
  const types = await mod<{ssz: {fulu: {BeaconState: {deserializeToViewDU(b: Uint8Array): LState}}}}>(
    "@lodestar/types/lib/index.js",
  );
  const networks = await mod<{mainnetChainConfig: unknown}>("@lodestar/config/lib/networks.js");
  const config = await mod<{createBeaconConfig(c: unknown, gvr: Uint8Array): unknown}>("@lodestar/config/lib/index.js");
  const st = await mod<{
    createCachedBeaconState(state: LState, data: {config: unknown; pubkeyCache: unknown}): LState;
    createPubkeyCache(): unknown;
  }>("@lodestar/state-transition/lib/index.js");
  const bytes = new Uint8Array(readFileSync(bytesFile));
  const state = types.ssz.fulu.BeaconState.deserializeToViewDU(bytes);
  // createCachedBeaconState without options runs syncPubkeys: every key decoded into index2pubkey
  const cs = st.createCachedBeaconState(state, {
    config: config.createBeaconConfig(networks.mainnetChainConfig, state.genesisValidatorsRoot),
    pubkeyCache: st.createPubkeyCache(),
  });
  cs.hashTreeRoot();
  let decoded = 0;
  for (let i = 0; i < cs.epochCtx.pubkeyCache.size; i++) if (cs.epochCtx.pubkeyCache.get(i) !== undefined) decoded++;
  keep.push(cs);
  return {validators: cs.validators.length, decoded};
}

/**
 * Self size by object kind of a V8 heap snapshot (nodes: type, name, self size), the largest first. A snapshot
 * of a 1M-validator state has tens of millions of nodes: take it on a smaller state.
 */
function summarizeHeapSnapshot(
  file: string,
  validators: number,
): {kind: string; count: number; bytesPerValidator: number}[] {
  const snap = JSON.parse(readFileSync(file, "utf8")) as {
    snapshot: {meta: {node_fields: string[]; node_types: [string[]]}};
    nodes: number[];
    strings: string[];
  };
  const f = snap.snapshot.meta.node_fields;
  const stride = f.length;
  const iType = f.indexOf("type");
  const iName = f.indexOf("name");
  const iSize = f.indexOf("self_size");
  const types = snap.snapshot.meta.node_types[0];
  const by = new Map<string, {count: number; bytes: number}>();
  for (let i = 0; i < snap.nodes.length; i += stride) {
    const type = types[snap.nodes[i + iType]];
    let name = snap.strings[snap.nodes[i + iName]];
    // strings, numbers, code: by type only; objects and native by constructor name
    if (type !== "object" && type !== "native" && type !== "closure" && type !== "array") name = "";
    else if (name.length > 60) name = `${name.slice(0, 60)}…`;
    const kind = `${type}${name === "" ? "" : ` ${name}`}`;
    const e = by.get(kind) ?? {count: 0, bytes: 0};
    e.count++;
    e.bytes += snap.nodes[i + iSize];
    by.set(kind, e);
  }
  return [...by.entries()]
    .map(([kind, e]) => ({kind, count: e.count, bytesPerValidator: Math.round((e.bytes / validators) * 10) / 10}))
    .sort((a, b) => b.bytesPerValidator - a.bytesPerValidator)
    .slice(0, 40);
}

async function main(): Promise<number> {
  const {values} = parseArgs({
    options: {
      client: {type: "string"},
      state: {type: "string"},
      workers: {type: "string"},
      json: {type: "string"},
      "heap-summary": {type: "string"},
      help: {type: "boolean", short: "h", default: false},
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.client !== "ceibo" && values.client !== "lodestar") throw Error("--client must be ceibo or lodestar");
  if (values.state === undefined) throw Error("--state FILE.ssz is required");
  const workers = values.workers !== undefined ? Number(values.workers) : Math.max(1, availableParallelism() - 1);
  if (!Number.isInteger(workers) || workers < 1) throw Error("--workers must be a positive integer");
  const stateFile = values.state;

  // load the client's modules first (and, for ceibo, start its BLS workers once and stop them), so that the baseline
  // holds the code and only the state and its caches are measured
  let run: () => Promise<{validators: number; decoded: number}>;
  if (values.client === "ceibo") {
    const {BlsWorkerPool} = await import("@ceibo/beacon-node/chain");
    const warm = new BlsWorkerPool({workers});
    await warm.close();
    await import("@ceibo/state-transition");
    await import("@ceibo/types");
    await import("./syntheticState.ts");
    run = () => loadCeibo(stateFile, workers);
  } else {
    // the Lodestar loader imports its modules before reading the state: measure from inside it
    run = () => loadLodestar(stateFile);
    // import once to warm the module cache, so the baseline below includes the code
    const warm = execFileSync("bash", [join(ROOT, "scripts/install-lodestar-st.sh")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }).trim();
    for (const p of [
      "@chainsafe/persistent-merkle-tree/lib/index.js",
      "@chainsafe/persistent-merkle-tree/lib/hasher/hashtree.js",
      "@lodestar/types/lib/index.js",
      "@lodestar/config/lib/networks.js",
      "@lodestar/config/lib/index.js",
      "@lodestar/state-transition/lib/index.js",
    ]) {
      await import(pathToFileURL(join(warm, "node_modules", p)).href);
    }
  }
  const before = await settle();
  const t0 = performance.now();
  const {validators, decoded} = await run();
  const loadMs = performance.now() - t0;
  const after = await settle();
  if (decoded !== validators) throw Error(`${decoded} of ${validators} pubkeys decoded`);

  const per = (k: keyof Mem): number => Math.round((after[k] - before[k]) / validators);
  const out: Record<string, unknown> = {
    client: values.client,
    validators,
    decodedPubkeys: decoded,
    loadMs: Math.round(loadMs),
    heapBytesPerValidator: per("heap"),
    rssBytesPerValidator: per("rss"),
    heapUsedBytesPerValidator: per("heapUsed"),
    externalBytesPerValidator: per("external"),
    arrayBuffersBytesPerValidator: per("arrayBuffers"),
    before,
    after,
  };
  if (values["heap-summary"] !== undefined) {
    mkdirSync(join(ROOT, "bench/out"), {recursive: true});
    const file = writeHeapSnapshot(join(ROOT, "bench/out", `memory-${process.pid}.heapsnapshot`));
    try {
      out.heapSummary = summarizeHeapSnapshot(file, validators);
    } finally {
      rmSync(file, {force: true});
    }
    writeFileSync(values["heap-summary"], `${JSON.stringify(out.heapSummary, null, 2)}\n`);
  }
  const text = JSON.stringify(out);
  if (values.json !== undefined) writeFileSync(values.json, `${text}\n`);
  console.log(text);
  if (keep.length !== 1) throw Error("nothing measured");
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`bench/memory.ts: ${(e as Error).message ?? e}`);
    process.exitCode = 1;
  },
);
