/**
 * `npm run bench:bls -- [--sets N] [--workers LIST] [--json FILE]`: BLS signature-set throughput (a benchmark; it
 * asserts nothing about time). Prints a table of sets/s for:
 * - raw blst on this thread: `verifyMultipleAggregateSignatures` over batches of 32 distinct-message sets (the
 *   ceiling for one core), and one `verify` per set;
 * - `BlsWorkerPool` with each worker count of --workers (default "1,2"), fed as gossip feeds it: every set its own
 *   batchable call, all in flight at once; distinct messages, then the same-message case (attestations of one
 *   committee: groups of 16 sets per message, combined before the pairing);
 * and the main thread's event-loop delay (p99) while the pool works.
 */
import {writeFileSync} from "node:fs";
import {availableParallelism} from "node:os";
import {monitorEventLoopDelay} from "node:perf_hooks";
import {parseArgs} from "node:util";
import {BlsWorkerPool} from "@ceibo/beacon-node/chain";
import type {SignatureSet} from "@ceibo/state-transition";
import {PublicKey, SecretKey, Signature, verify, verifyMultipleAggregateSignatures} from "@chainsafe/blst";

const {values} = parseArgs({
  options: {sets: {type: "string"}, workers: {type: "string"}, json: {type: "string"}, help: {type: "boolean"}},
});
if (values.help) {
  console.log("Usage: npm run bench:bls -- [--sets N (default 2048)] [--workers 1,2] [--json FILE]");
  process.exit(0);
}
const N = Number(values.sets ?? 2048);
const workerCounts = (values.workers ?? "1,2").split(",").map(Number);

console.error(`preparing ${N} signature sets…`);
const KEYS = 64;
const sks = Array.from({length: KEYS}, (_, i) => SecretKey.fromKeygen(new Uint8Array(32).fill(i + 1)));
const pks = sks.map((k) => k.toPublicKey());
function makeSets(sameMessageGroup: number): SignatureSet[] {
  return Array.from({length: N}, (_, i) => {
    const m = new Uint8Array(32);
    new DataView(m.buffer).setUint32(0, Math.floor(i / sameMessageGroup) + (sameMessageGroup > 1 ? 1e6 : 0));
    const k = i % KEYS;
    return {type: "single", pubkey: pks[k], signingRoot: m, signature: sks[k].sign(m).toBytes()};
  });
}
const distinct = makeSets(1);
const sameMsg = makeSets(16);

const rows: {name: string; setsPerSec: number; loopP99Ms?: number}[] = [];
const rate = (ms: number) => Math.round((N / ms) * 1000);

{
  const t0 = performance.now();
  for (let i = 0; i < N; i += 32) {
    const batch = distinct.slice(i, i + 32).map((s) => ({
      msg: s.signingRoot,
      pk: PublicKey.fromBytes((s as {pubkey: PublicKey}).pubkey.toBytes(false)),
      sig: Signature.fromBytes(s.signature, true, true),
    }));
    if (!verifyMultipleAggregateSignatures(batch)) throw Error("raw batch failed");
  }
  rows.push({name: "raw blst, batches of 32, this thread", setsPerSec: rate(performance.now() - t0)});
}
{
  const t0 = performance.now();
  for (const s of distinct.slice(0, Math.min(N, 512))) {
    if (!verify(s.signingRoot, (s as {pubkey: PublicKey}).pubkey, Signature.fromBytes(s.signature, true, true)))
      throw Error("raw verify failed");
  }
  const ms = performance.now() - t0;
  rows.push({name: "raw blst, one verify per set", setsPerSec: Math.round((Math.min(N, 512) / ms) * 1000)});
}

for (const workers of workerCounts) {
  for (const [label, sets] of [
    ["distinct messages", distinct],
    ["same message ×16", sameMsg],
  ] as const) {
    const pool = new BlsWorkerPool({workers});
    await pool.verifySignatureSets([sets[0]]); // workers loaded
    const h = monitorEventLoopDelay({resolution: 5});
    h.enable();
    const t0 = performance.now();
    const results = await Promise.all(sets.map((s) => pool.verifySignatureSets([s], {batchable: true})));
    const ms = performance.now() - t0;
    h.disable();
    await pool.close();
    if (!results.every((r) => r)) throw Error("a valid set verified false");
    rows.push({
      name: `pool, ${workers} worker(s), ${label}`,
      setsPerSec: rate(ms),
      loopP99Ms: Math.round(h.percentile(99) / 1e4) / 100,
    });
  }
}

const cores = availableParallelism();
console.log(`BLS throughput, ${N} sets, ${cores} cores\n`);
console.log(`${"".padEnd(46)}${"sets/s".padStart(10)}${"loop p99 ms".padStart(14)}`);
for (const r of rows)
  console.log(
    `${r.name.padEnd(46)}${String(r.setsPerSec).padStart(10)}${(r.loopP99Ms?.toString() ?? "").padStart(14)}`,
  );
const raw = rows[0].setsPerSec;
console.log(`\nraw blst × ${cores} cores = ${raw * cores} sets/s (the ceiling when every core verifies)`);
if (values.json !== undefined)
  writeFileSync(values.json, `${JSON.stringify({sets: N, cores, rows, rawBatchSetsPerSec: raw}, null, 1)}\n`);
