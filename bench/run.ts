/**
 * `npm run bench` — state-transition benchmark (a benchmark, not a test: it asserts nothing about time).
 * See bench/README.md for the recipe and the JSON fields.
 */
import {readFileSync, writeFileSync} from "node:fs";
import {PerformanceObserver, constants as perfConstants} from "node:perf_hooks";
import {parseArgs} from "node:util";
import {ACTIVE_PRESET_NAME, ForkSeq} from "@ceibo/params";
import {
  type BeaconStateFulu,
  type CachedBeaconState,
  createCachedBeaconState,
  processBlock,
  processSlots,
  stateHashTreeRoot,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {createSyntheticBlock} from "./syntheticBlock.ts";
import {createSyntheticState, syntheticChainConfig} from "./syntheticState.ts";

const HELP = `Usage: npm run bench -- [--state FILE.ssz | --validators N] [--write-state FILE.ssz] [--runs N] [--json FILE]

Measures the state transition on a mainnet-preset fulu BeaconState:
  epoch transition (processSlots across one epoch boundary), post-epoch state root, a full block
  (signatures off) and its root, state copy, SSZ deserialize and serialize, cache build, peak RSS.

  --state FILE.ssz       an SSZ-serialized mainnet-preset fulu BeaconState (at the last slot of an epoch
                         for the epoch figures to mean "one boundary")
  --validators N         without --state: size of the deterministic synthetic state (default 1000000)
  --write-state FILE     write the synthetic state out (to measure the same state with another client)
  --runs N               repetitions; medians are reported (default 5)
  --json FILE            write {epochTransitionMs, epochSteps: {step: ms}, epochCpuMs, epochGcMs, epochMajorGcs, postEpochRootMs, freshRootMs, blockMs, blockRootMs, stateCopyMs,
                         deserializeMs, serializeMs, cacheBuildMs, peakRssBytes, validators}`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const out = fn();
  return [out, performance.now() - t0];
}

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

/** Garbage-collection pauses (start, duration, major or not) seen by a PerformanceObserver. */
const gcEntries: {start: number; duration: number; major: boolean}[] = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as unknown as {detail?: {kind?: number}}).detail?.kind;
    gcEntries.push({start: e.startTime, duration: e.duration, major: kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR});
  }
});
gcObserver.observe({entryTypes: ["gc"]});

/** GC entries are delivered asynchronously: wait a turn of the event loop before reading them. */
function gcFlush(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 10));
}

function gcWithin(t0: number, t1: number): {ms: number; major: number} {
  let ms = 0;
  let major = 0;
  for (const e of gcEntries) {
    if (e.start < t0 || e.start > t1) continue;
    ms += e.duration;
    if (e.major) major++;
  }
  return {ms, major};
}

async function main(): Promise<number> {
  const {values} = parseArgs({
    options: {
      state: {type: "string"},
      validators: {type: "string", default: "1000000"},
      "write-state": {type: "string"},
      runs: {type: "string", default: "5"},
      json: {type: "string"},
      help: {type: "boolean", short: "h", default: false},
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (ACTIVE_PRESET_NAME !== "mainnet") {
    console.error(`bench: runs with the mainnet preset (CEIBO_PRESET is "${ACTIVE_PRESET_NAME}")`);
    return 2;
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw Error("--runs must be a positive integer");
  const config = syntheticChainConfig();

  let bytes: Uint8Array;
  if (values.state !== undefined) {
    log(`loading ${values.state}…`);
    bytes = new Uint8Array(readFileSync(values.state));
  } else {
    const n = Number(values.validators);
    if (!Number.isInteger(n) || n < 64) throw Error("--validators must be an integer >= 64");
    const [state, ms] = time(() => createSyntheticState({validators: n, log}));
    log(`synthetic state built in ${(ms / 1000).toFixed(1)} s`);
    bytes = state.serialize();
    if (values["write-state"] !== undefined) {
      writeFileSync(values["write-state"], bytes);
      log(`wrote ${values["write-state"]} (${(bytes.length / 1e6).toFixed(1)} MB)`);
    }
  }

  const samples: Record<string, number[]> = {
    deserializeMs: [],
    serializeMs: [],
    cacheBuildMs: [],
    stateCopyMs: [],
    epochTransitionMs: [],
    postEpochRootMs: [],
    blockMs: [],
    blockRootMs: [],
    epochCpuMs: [],
    epochGcMs: [],
    epochMajorGcs: [],
    freshRootMs: [],
  };
  /** per-step samples of the epoch transition (CachedBeaconState.epochStepTimes) */
  const stepSamples: Record<string, number[]> = {};

  let base: CachedBeaconState | undefined;
  for (let r = 0; r < runs; r++) {
    log(`run ${r + 1}/${runs}`);
    const [state, deserializeMs] = time(() => ssz.fulu.BeaconState.deserializeToViewDU(bytes) as BeaconStateFulu);
    samples.deserializeMs.push(deserializeMs);
    samples.serializeMs.push(time(() => state.serialize())[1]);
    const [cs, cacheBuildMs] = time(() => createCachedBeaconState(state, config, ForkSeq.fulu));
    samples.cacheBuildMs.push(cacheBuildMs);
    if (base === undefined) {
      // the state root of a freshly decoded state is computed once (process_slot needs it); later runs reuse it
      log("hashing the loaded state once…");
      samples.freshRootMs.push(time(() => stateHashTreeRoot(cs.state))[1]);
      base = cs;
    }
  }
  if (base === undefined) throw Error("no run");
  const validators = base.state.validators.length;

  for (let r = 0; r < runs; r++) {
    // the previous run's garbage is collected before measuring when run with --expose-gc (npm run bench is)
    (globalThis as {gc?: () => void}).gc?.();
    const [pre, copyMs] = time(() => base.clone());
    samples.stateCopyMs.push(copyMs);
    const targetSlot = pre.state.slot + 1;
    const steps: Record<string, number> = {};
    pre.epochStepTimes = steps;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    processSlots(pre, targetSlot);
    const t1 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    samples.epochCpuMs.push((cpu.user + cpu.system) / 1000);
    pre.epochStepTimes = null;
    samples.epochTransitionMs.push(t1 - t0);
    await gcFlush();
    const gc = gcWithin(t0, t1);
    samples.epochGcMs.push(gc.ms);
    samples.epochMajorGcs.push(gc.major);
    for (const [step, ms] of Object.entries(steps)) {
      stepSamples[step] = [...(stepSamples[step] ?? []), ms];
    }
    samples.postEpochRootMs.push(time(() => stateHashTreeRoot(pre.state))[1]);
    const block = createSyntheticBlock(pre);
    samples.blockMs.push(
      time(() => processBlock(pre, block, {verifySignatures: false, executionPayloadValid: true}))[1],
    );
    samples.blockRootMs.push(time(() => stateHashTreeRoot(pre.state))[1]);
  }

  const result: Record<string, number> = {};
  for (const [key, xs] of Object.entries(samples)) result[key] = Math.round(median(xs) * 100) / 100;
  result.peakRssBytes = process.resourceUsage().maxRSS * 1024;
  result.validators = validators;
  const epochSteps: Record<string, number> = {};
  for (const [step, xs] of Object.entries(stepSamples)) epochSteps[step] = Math.round(median(xs) * 100) / 100;

  const rows: [string, string][] = [
    ["validators", String(validators)],
    ["epoch transition (processSlots over 1 boundary)", `${result.epochTransitionMs} ms`],
    ["  CPU time of the process during it (all threads)", `${result.epochCpuMs} ms`],
    ["  GC during it (major collections)", `${result.epochGcMs} ms (${result.epochMajorGcs})`],
    ...Object.entries(epochSteps).map(([step, ms]): [string, string] => [`  ${step}`, `${ms} ms`]),
    ["post-epoch state hashTreeRoot", `${result.postEpochRootMs} ms`],
    ["full root of the freshly decoded state (1 run)", `${result.freshRootMs} ms`],
    ["full block (signatures off)", `${result.blockMs} ms`],
    ["post-block hashTreeRoot", `${result.blockRootMs} ms`],
    ["state copy (clone)", `${result.stateCopyMs} ms`],
    ["SSZ deserialize (to tree)", `${result.deserializeMs} ms`],
    ["SSZ serialize", `${result.serializeMs} ms`],
    ["cache build (pubkeys + epoch cache)", `${result.cacheBuildMs} ms`],
    ["peak RSS", `${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`ceibo state-transition benchmark (mainnet preset, fulu, median of ${runs})`);
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  if (values.json !== undefined) {
    writeFileSync(values.json, `${JSON.stringify({...result, epochSteps}, null, 2)}\n`);
    console.log(`wrote ${values.json}`);
  }
  return 0;
}

main().then(
  (code) => {
    gcObserver.disconnect();
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  },
);
