/**
 * Throughput of the chain database (not a test; nothing is asserted):
 *
 *   node_modules/.bin/node beacon-node/src/db/bench.ts [--blocks 1000] [--states 10] [--validators 1000]
 *
 * Writes and reads realistic electra blocks (~100 KB: 300 random 300-byte transactions) one batch per block,
 * and interop fulu genesis states, in a temporary directory (mainnet preset unless CEIBO_PRESET says otherwise).
 */
import {randomBytes} from "node:crypto";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {parseArgs} from "node:util";
import {createDevChainConfig} from "@ceibo/config";
import {ACTIVE_PRESET_NAME, SLOTS_PER_EPOCH} from "@ceibo/params";
import {createInteropGenesisState} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import type {ValueOf} from "@chainsafe/ssz";
import {BeaconDb} from "./beaconDb.ts";

const {values} = parseArgs({
  options: {
    blocks: {type: "string", default: "1000"},
    states: {type: "string", default: "10"},
    validators: {type: "string", default: "1000"},
  },
});
const nBlocks = Number(values.blocks);
const nStates = Number(values.states);
const nValidators = Number(values.validators);

const preset = ACTIVE_PRESET_NAME === "minimal" ? "minimal" : "mainnet";
const config = createDevChainConfig({preset}); // fulu from genesis
const rows: [string, string][] = [];
const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);
function report(what: string, count: number, ms: number, bytes: number): void {
  rows.push([
    what,
    `${count} in ${ms.toFixed(0)} ms: ${((count / ms) * 1000).toFixed(0)}/s, ${((ms / count) * 1000).toFixed(0)} µs each, ${mb((bytes / ms) * 1000)} MB/s`,
  ]);
}

const dir = mkdtempSync(join(tmpdir(), "ceibo-dbbench-"));
try {
  const db = await BeaconDb.open(dir, {network: "dev", chainConfig: config});

  // blocks
  const blocks: {root: Uint8Array; block: ValueOf<typeof ssz.fulu.SignedBeaconBlock>}[] = [];
  let parent: Uint8Array = new Uint8Array(32);
  for (let i = 0; i < nBlocks; i++) {
    const block = ssz.fulu.SignedBeaconBlock.defaultValue();
    block.message.slot = i + 1;
    block.message.parentRoot = parent;
    block.signature = randomBytes(96);
    block.message.body.executionPayload.transactions = Array.from({length: 300}, () => randomBytes(300));
    const root = ssz.fulu.BeaconBlock.hashTreeRoot(block.message);
    blocks.push({root, block});
    parent = root;
  }
  const blockBytes = ssz.fulu.SignedBeaconBlock.serialize(blocks[0].block).length;
  let t = performance.now();
  for (const b of blocks) await db.hotBlocks.put(b.root, b.block);
  report(
    `block write (${mb(blockBytes)} MB each, 1 batch/block)`,
    nBlocks,
    performance.now() - t,
    blockBytes * nBlocks,
  );

  t = performance.now();
  for (const b of blocks) await db.hotBlocks.get(b.root);
  report("block read + decode by root", nBlocks, performance.now() - t, blockBytes * nBlocks);

  t = performance.now();
  for (const b of blocks) await db.hotBlocks.getSerialized(b.root);
  report("block read serialized by root", nBlocks, performance.now() - t, blockBytes * nBlocks);

  t = performance.now();
  const ops = db.batch();
  for (const b of blocks) ops.add(() => db.blockArchive.putOps(b.root, b.block));
  await ops.write();
  report("block archive write (one batch)", nBlocks, performance.now() - t, blockBytes * nBlocks);

  t = performance.now();
  const range = await db.blockArchive.rangeSerialized(0, nBlocks + 1);
  report("block archive range read (serialized)", range.length, performance.now() - t, blockBytes * nBlocks);

  // states
  t = performance.now();
  const cs = createInteropGenesisState(config, {validatorCount: nValidators, genesisTime: 0});
  const genesisMs = performance.now() - t;
  const stateBytes = cs.state.serialize().length;
  t = performance.now();
  for (let i = 0; i < nStates; i++) {
    cs.state.slot = i * SLOTS_PER_EPOCH;
    await db.checkpointStates.put({epoch: i, root: randomBytes(32)}, cs);
  }
  report(
    `state write (${nValidators} validators, ${mb(stateBytes)} MB, incl. root)`,
    nStates,
    performance.now() - t,
    stateBytes * nStates,
  );

  const cps = await db.checkpointStates.checkpoints();
  t = performance.now();
  for (const cp of cps) await db.checkpointStates.get(cp);
  report("state read + deserialize to tree", cps.length, performance.now() - t, stateBytes * nStates);

  t = performance.now();
  for (const cp of cps) await db.checkpointStates.getValue(cp);
  report("state read raw", cps.length, performance.now() - t, stateBytes * nStates);

  await db.close();
  console.log(
    `chain db throughput — preset ${preset}, ${dir} (interop genesis of ${nValidators}: ${genesisMs.toFixed(0)} ms)`,
  );
  const width = Math.max(...rows.map(([w]) => w.length));
  for (const [what, result] of rows) console.log(`  ${what.padEnd(width)}  ${result}`);
} finally {
  rmSync(dir, {recursive: true, force: true});
}
