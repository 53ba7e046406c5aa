/**
 * `npm run bench:pubkeys -- [--state FILE.ssz | --validators N] [--workers N] [--json FILE]`: the first block
 * signature check on a freshly loaded state, with public keys decoded lazily on the main thread (what a node did
 * before issue 13 item 3) and after `PubkeyCache.preload` decoded and checked them on the BLS worker pool (what the
 * chain does at load with `--bls.workers` > 0). A benchmark: it prints a table and asserts nothing about time.
 *
 * Rows: cache build (pubkey map + epoch cache); lazy: `getBlockSignatureSets` of a full synthetic block (decodes the
 * keys of its ~240k attesters at 1M validators) + one multi-pairing on this thread; preload: wall time, keys/s,
 * the main thread's event-loop delay while it runs (p99, max) and its longest synchronous step; then the same
 * first check with the keys ready (sets built here, verified on the pool). The synthetic block's signatures are not
 * valid: only the time counts.
 */
import {readFileSync, writeFileSync} from "node:fs";
import {availableParallelism} from "node:os";
import {monitorEventLoopDelay} from "node:perf_hooks";
import {parseArgs} from "node:util";
import {BlsWorkerPool} from "@ceibo/beacon-node/chain";
import {ForkSeq} from "@ceibo/params";
import {
  type BeaconStateFulu,
  createCachedBeaconState,
  getBlockSignatureSets,
  verifySignatureSets,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {createSyntheticBlock} from "./syntheticBlock.ts";
import {createSyntheticState, syntheticChainConfig} from "./syntheticState.ts";

const {values} = parseArgs({
  options: {
    state: {type: "string"},
    validators: {type: "string", default: "1000000"},
    workers: {type: "string"},
    json: {type: "string"},
    help: {type: "boolean"},
  },
});
if (values.help) {
  console.log("Usage: npm run bench:pubkeys -- [--state FILE.ssz | --validators N] [--workers N] [--json FILE]");
  process.exit(0);
}
const log = (m: string) => console.error(m);
const config = syntheticChainConfig();
let bytes: Uint8Array;
if (values.state !== undefined) {
  log(`loading ${values.state}…`);
  bytes = new Uint8Array(readFileSync(values.state));
} else {
  const n = Number(values.validators);
  if (!Number.isInteger(n) || n < 64) throw Error("--validators must be an integer >= 64");
  bytes = createSyntheticState({validators: n, log}).serialize();
}
const workers = Number(values.workers ?? Math.max(1, availableParallelism() - 1));

function fresh() {
  const state = ssz.fulu.BeaconState.deserializeToViewDU(bytes) as BeaconStateFulu;
  const t0 = performance.now();
  const cs = createCachedBeaconState(state, config, ForkSeq.fulu);
  return {cs, cacheBuildMs: performance.now() - t0};
}

const rows: [string, string][] = [];
const out: Record<string, number> = {workers};

// before: keys decoded on the spot by the first check
{
  const {cs, cacheBuildMs} = fresh();
  out.validators = cs.state.validators.length;
  out.cacheBuildMs = Math.round(cacheBuildMs);
  rows.push(["validators", String(out.validators)], ["cache build", `${out.cacheBuildMs} ms`]);
  const block = createSyntheticBlock(cs);
  const signed = {message: block, signature: new Uint8Array(96)};
  const t0 = performance.now();
  const sets = getBlockSignatureSets(cs, signed as never);
  const t1 = performance.now();
  verifySignatureSets(sets);
  const t2 = performance.now();
  out.lazySets = sets.length;
  out.lazyKeysDecoded = cs.epochCtx.pubkeyCache.decodedCount;
  out.lazyFirstCheckMs = Math.round(t2 - t0);
  out.lazySetsMs = Math.round(t1 - t0);
  rows.push([
    "first block check, keys decoded lazily (main thread)",
    `${out.lazyFirstCheckMs} ms (${out.lazySetsMs} ms building sets: ${out.lazyKeysDecoded} keys decoded)`,
  ]);
}

// the machine's own event-loop noise: the same monitor over an idle second
{
  const idle = monitorEventLoopDelay({resolution: 10});
  idle.enable();
  await new Promise((r) => setTimeout(r, 1000));
  idle.disable();
  out.idleLoopP99Ms = Math.round(idle.percentile(99) / 1e6);
  out.idleLoopMaxMs = Math.round(idle.max / 1e6);
  rows.push(["event-loop delay idle (machine noise)", `p99 ${out.idleLoopP99Ms} ms, max ${out.idleLoopMaxMs} ms`]);
}

// after: preload on the pool, then the same first check
{
  const {cs} = fresh();
  const pool = new BlsWorkerPool({workers});
  const lag = monitorEventLoopDelay({resolution: 10});
  lag.enable();
  const r = await cs.epochCtx.pubkeyCache.preload((k) => pool.checkPublicKeys(k), {concurrency: workers});
  lag.disable();
  out.preloadMs = Math.round(r.ms);
  out.preloadKeysPerSec = Math.round((r.decoded / r.ms) * 1000);
  out.preloadLoopP99Ms = Math.round(lag.percentile(99) / 1e6);
  out.preloadLoopMaxMs = Math.round(lag.max / 1e6);
  out.preloadMaxStepMs = Math.round(r.maxStepMs * 10) / 10;
  rows.push(
    [`preload on ${workers} worker(s)`, `${out.preloadMs} ms (${out.preloadKeysPerSec} keys/s, ${r.invalid} invalid)`],
    ["event-loop delay during preload", `p99 ${out.preloadLoopP99Ms} ms, max ${out.preloadLoopMaxMs} ms`],
    ["longest main-thread step of preload", `${out.preloadMaxStepMs} ms`],
  );
  const block = createSyntheticBlock(cs);
  const signed = {message: block, signature: new Uint8Array(96)};
  const t0 = performance.now();
  const sets = getBlockSignatureSets(cs, signed as never);
  const t1 = performance.now();
  await pool.verifySignatureSets(sets);
  const t2 = performance.now();
  out.preloadedFirstCheckMs = Math.round(t2 - t0);
  out.preloadedSetsMs = Math.round(t1 - t0);
  rows.push([
    "first block check after preload (sets here, pairing on the pool)",
    `${out.preloadedFirstCheckMs} ms (${out.preloadedSetsMs} ms building sets)`,
  ]);
  await pool.close();
}

const w = Math.max(...rows.map((r) => r[0].length));
for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(out, null, 2));
