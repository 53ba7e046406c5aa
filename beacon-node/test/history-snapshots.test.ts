/**
 * Restart without finality (chain/snapshots.ts): an in-process dev chain (minimal preset, 64 interop validators)
 * votes through epoch 3 (epoch 2 finalized, 3 justified), then runs 4 more epochs with blocks but no votes (no
 * justification, no finality), so 53 blocks (slots 17…69) are unfinalized. After a restart, fork choice is rebuilt from the stored fork-choice summaries and the
 * head state is regenerated from the nearest epoch-boundary snapshot: at most one epoch of blocks (here 5) is
 * replayed, the head and its state root are the same as before, and blocks are produced and imported again.
 * Without the summaries (a database written before them, simulated by deleting them) the restart replays every
 * unfinalized block, which is the before/after measurement printed at the end.
 */
import {cpSync, mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import type {DevValidators as DevValidatorsType} from "../src/node/devValidators.ts";
import type {BeaconNode as BeaconNodeType} from "../src/node/index.ts";

const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {ACTIVE_PRESET_NAME} = await import("@ceibo/params");
const {DevBeaconNode: BeaconNode} = await import("../src/node/dev.ts");
const {DevValidators} = await import("../src/node/devValidators.ts");
const {Bucket} = await import("../src/db/index.ts");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;
if (ACTIVE_PRESET_NAME !== "minimal") throw Error(`@ceibo/params was already loaded with ${ACTIVE_PRESET_NAME}`);

const GENESIS_TIME = 1_700_000_000;
const SLOT_MS = 6000;
const SLOTS_PER_EPOCH = 8;
/** Votes until the end of epoch 3 (finalizes epoch 2, justifies 3), then blocks only. */
const LAST_VOTING_SLOT = 4 * SLOTS_PER_EPOCH - 1;
/** 5 slots into epoch 8: the epoch-8 snapshot is 5 blocks below the head. */
const LAST_SLOT = 8 * SLOTS_PER_EPOCH + 5;
const dir = mkdtempSync(join(tmpdir(), "ceibo-snapshots-"));
let nowMs = GENESIS_TIME * 1000;
let node: BeaconNodeType;
let dv: DevValidatorsType;
const warnings: string[] = [];
const logger = {
  error() {},
  warn(m: string, ctx?: Record<string, unknown>) {
    warnings.push(`${m} ${JSON.stringify(ctx ?? {})}`);
  },
  info() {},
  debug() {},
};

/** A copy of the data dir taken right after the no-finality run (for the before/after measurement). */
const copy = join(dir, "copy");

function init(dataDir = join(dir, "node"), stateSnapshotEpochs?: number): Promise<BeaconNodeType> {
  return BeaconNode.init({
    network: "dev",
    dataDir,
    devValidators: 64,
    genesisTime: GENESIS_TIME,
    slotDurationMs: SLOT_MS,
    nowMs: () => nowMs,
    devSigning: false,
    logger,
    ...(stateSnapshotEpochs !== undefined ? {chain: {stateSnapshotEpochs}} : {}),
  });
}

async function runSlot(slot: number, vote: boolean): Promise<void> {
  nowMs = GENESIS_TIME * 1000 + slot * SLOT_MS + 100;
  await node.runSlot(slot);
  if (vote) await dv.onSlot(slot);
  else await dv.propose(slot);
}

const before = {headRoot: "", headStateRoot: "", hotBlocks: 0};

beforeAll(async () => {
  node = await init();
  dv = new DevValidators(node.chain, {indices: Array.from({length: 64}, (_, i) => i)});
  for (let slot = 1; slot <= LAST_SLOT; slot++) await runSlot(slot, slot <= LAST_VOTING_SLOT);
  before.headRoot = node.chain.head.blockRoot;
  before.headStateRoot = node.chain.head.stateRoot;
  before.hotBlocks = (await node.db.hotBlocks.all()).length;
  await node.close();
  cpSync(join(dir, "node"), copy, {recursive: true});
}, 600_000);

afterAll(async () => {
  await node?.close();
  rmSync(dir, {recursive: true, force: true});
});

describe("restart after epochs without finality", () => {
  it("the chain finalized epoch 2 and then stopped finalizing", () => {
    expect(node.chain.finalizedCheckpoint.epoch).toBe(2);
    expect(node.chain.justifiedCheckpoint.epoch).toBe(3);
    // finalized block at slot 16: blocks 17…69 are hot
    expect(before.hotBlocks).toBe(LAST_SLOT - 2 * SLOTS_PER_EPOCH);
  });

  let boundedMs = 0;
  it("rebuilds fork choice from summaries and replays at most one epoch of blocks", async () => {
    node = await init();
    expect(node.resumed).toBe(true);
    const stats = node.chain.resumeStats;
    expect(stats).not.toBeNull();
    expect(stats?.hotBlocks).toBe(before.hotBlocks);
    expect(stats?.fromSummaries).toBe(before.hotBlocks);
    // head at slot 69, snapshot at the epoch-8 boundary (block 64): blocks 65…69 replayed
    expect(stats?.replayedBlocks).toBe(5);
    expect(stats?.replayedBlocks).toBeLessThanOrEqual(SLOTS_PER_EPOCH);
    boundedMs = stats?.ms ?? 0;
    expect(node.chain.head.blockRoot).toBe(before.headRoot);
    const stateRoot = `0x${Buffer.from(node.chain.getHeadState().state.hashTreeRoot()).toString("hex")}`;
    expect(stateRoot).toBe(before.headStateRoot);
    expect(node.chain.finalizedCheckpoint.epoch).toBe(2);
    expect(node.chain.justifiedCheckpoint.epoch).toBe(3);
  }, 300_000);

  it("keeps producing and importing blocks after the restart; a vote-carrying epoch finalizes again", async () => {
    dv = new DevValidators(node.chain, {indices: Array.from({length: 64}, (_, i) => i)});
    const end = 11 * SLOTS_PER_EPOCH + 1;
    for (let slot = LAST_SLOT + 1; slot <= end; slot++) await runSlot(slot, true);
    expect(node.chain.head.slot).toBe(end);
    expect(node.chain.finalizedCheckpoint.epoch).toBeGreaterThan(2);
  }, 600_000);

  it("without summaries (an older database) every unfinalized block is replayed: the before/after numbers", async () => {
    await node.close();
    // the copy of the no-finality database, its fork-choice summaries deleted: what the code before them did
    node = await init(copy);
    const withSummaries = node.chain.resumeStats;
    expect(withSummaries?.replayedBlocks).toBe(5);
    // a damaged snapshot (the epoch-8 one, cut short) is never loaded: the epoch-7 one is used, 8 + 5 blocks
    const snapshots = await node.db.checkpointStates.checkpoints();
    const epoch8 = snapshots.find((cp) => cp.epoch === 8);
    expect(epoch8).toBeDefined();
    const cp8 = epoch8 as {epoch: number; root: Uint8Array};
    const value = (await node.db.checkpointStates.getValue(cp8)) as Uint8Array;
    const key = node.db.checkpointStates.deleteOps(cp8)[0].key;
    await node.db.kv.write([{type: "put", key, value: value.subarray(0, value.length - 1000)}]);
    await node.close();
    warnings.length = 0;
    node = await init(copy);
    expect(node.chain.resumeStats?.replayedBlocks).toBe(SLOTS_PER_EPOCH + 5);
    expect(warnings.some((w) => w.startsWith("Ignored a stored state snapshot") && w.includes('"epoch":8'))).toBe(true);
    expect(`0x${Buffer.from(node.chain.getHeadState().state.hashTreeRoot()).toString("hex")}`).toBe(
      before.headStateRoot,
    );
    const range = {gte: Uint8Array.of(Bucket.forkChoiceNode), lt: Uint8Array.of(Bucket.forkChoiceNode + 1)};
    const keys = await node.db.kv.keys(range);
    expect(keys.length).toBe(before.hotBlocks);
    await node.db.kv.write(keys.map((key) => ({type: "del" as const, key})));
    await node.close();
    node = await init(copy);
    const stats = node.chain.resumeStats;
    expect(stats?.fromSummaries).toBe(0);
    expect(stats?.replayedBlocks).toBe(before.hotBlocks);
    expect(node.chain.head.blockRoot).toBe(before.headRoot);
    console.info(
      `snapshots: restart with ${before.hotBlocks} unfinalized blocks: ${withSummaries?.replayedBlocks} blocks replayed ` +
        `in ${withSummaries?.ms} ms with summaries and snapshots (first restart: ${boundedMs} ms); without: ` +
        `${stats?.replayedBlocks} replayed in ${stats?.ms} ms`,
    );
  }, 300_000);
});

describe("snapshots every 3 epochs (--state-snapshot-epochs 3)", () => {
  const dir3 = join(dir, "every3");
  let n3: BeaconNodeType;
  let headStateRoot = "";

  beforeAll(async () => {
    n3 = await init(dir3, 3);
    const dv3 = new DevValidators(n3.chain, {indices: Array.from({length: 64}, (_, i) => i)});
    for (let slot = 1; slot <= LAST_SLOT; slot++) {
      nowMs = GENESIS_TIME * 1000 + slot * SLOT_MS + 100;
      await n3.runSlot(slot);
      if (slot <= LAST_VOTING_SLOT) await dv3.onSlot(slot);
      else await dv3.propose(slot);
    }
    headStateRoot = n3.chain.head.stateRoot;
    await n3.close();
  }, 600_000);

  afterAll(async () => {
    await n3?.close();
  });

  it("stores unfinalized snapshots only at epochs 3 and 6; a restart replays at most 3 epochs of blocks", async () => {
    n3 = await init(dir3, 3);
    // finalized epoch 2: the unfinalized snapshots left are those of epochs 3 and 6 (crossed by blocks 24 and 48)
    const epochs = (await n3.db.checkpointStates.checkpoints()).map((cp) => cp.epoch);
    expect(epochs).toEqual([3, 6]);
    // head 69, snapshot (6, block 48): blocks 49…69
    expect(n3.chain.resumeStats?.replayedBlocks).toBe(21);
    expect(n3.chain.resumeStats?.replayedBlocks).toBeLessThanOrEqual(3 * SLOTS_PER_EPOCH);
    expect(n3.chain.head.stateRoot).toBe(headStateRoot);
    expect(`0x${Buffer.from(n3.chain.getHeadState().state.hashTreeRoot()).toString("hex")}`).toBe(headStateRoot);
  }, 300_000);
});
