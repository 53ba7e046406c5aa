/**
 * Checkpoint sync when the finalized epoch's first slot has no block (issue 14): node A skips its proposal at
 * slot 32 (the first slot of epoch 4), so A's finalized checkpoint (4, root of block 31) names a block of epoch 3.
 * A node checkpoint-synced from A must advertise that same checkpoint (its Status finalized epoch and root), not
 * (3, root of block 31) — a checkpoint no peer has, for which every peer answered Goodbye IRRELEVANT_NETWORK —
 * after a restart too, and range-sync to A's head from there.
 */
import {rmSync} from "node:fs";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import type {BeaconNode} from "../src/node/index.ts";
import type {BeaconSync} from "../src/sync/index.ts";

const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {ACTIVE_PRESET_NAME} = await import("@ceibo/params");
const fx = await import("./fixtures/syncNetwork.ts");
const {BeaconDb} = await import("../src/db/index.ts");
const sync = await import("../src/sync/index.ts");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;
if (ACTIVE_PRESET_NAME !== "minimal") throw Error(`@ceibo/params was loaded with ${ACTIVE_PRESET_NAME}`);

const MISSED_SLOT = 32;
const dirs: string[] = [];
const nodes: BeaconNode[] = [];
const syncs: BeaconSync[] = [];
const closers: (() => Promise<void>)[] = [];
const clock = new fx.ManualClock();
let a: BeaconNode;
let block31Root: string;

beforeAll(async () => {
  const dir = fx.tempDir("sync-cpb-a");
  dirs.push(dir);
  a = await fx.devNode(clock, dir, true, true);
  nodes.push(a);
  await fx.advance(a, clock, 1, MISSED_SLOT - 1);
  block31Root = a.chain.head.blockRoot;
  expect(a.chain.head.slot).toBe(31);
  // slot 32: the clock moves on, nobody proposes or attests
  clock.setSlot(MISSED_SLOT);
  await a.chain.onSlot(MISSED_SLOT);
  let slot = MISSED_SLOT + 1;
  while (a.chain.finalizedCheckpoint.epoch < 4) {
    if (slot > 80) throw Error(`A did not finalize epoch 4 (finalized ${a.chain.finalizedCheckpoint.epoch})`);
    await fx.advance(a, clock, slot, slot);
    slot++;
  }
  expect(a.chain.finalizedCheckpoint).toEqual({epoch: 4, root: block31Root});
}, 120_000);

afterAll(async () => {
  for (const s of syncs) await s.stop();
  for (const n of nodes) await n.close();
  for (const c of closers) await c();
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

describe("checkpoint sync at a missed epoch-boundary slot", () => {
  it("anchors at A's finalized checkpoint (4, block 31), also after a restart, and range-syncs to A's head", async () => {
    const anchor = await sync.fetchCheckpoint(
      {url: a.restUrl as string},
      {
        config: a.config,
        genesisValidatorsRoot: a.chain.genesisValidatorsRoot,
        genesisTime: fx.GENESIS_TIME,
        nowMs: clock.ms,
      },
    );
    expect(anchor.block.message.slot).toBe(31);
    expect(anchor.checkpoint.epoch).toBe(4);
    const dir = fx.tempDir("sync-cpb-d");
    dirs.push(dir);
    const db = await BeaconDb.open(dir, {network: "dev", chainConfig: a.config});
    await sync.writeCheckpointAnchor(db, anchor);
    expect((await db.anchor.get())?.checkpoint.epoch).toBe(4);
    await db.close();
    const d = await fx.chainFromDataDir(clock, dir, a.config);
    closers.push(d.close);
    // what the node's Status advertises (peerManager.getStatus reads chain.finalizedCheckpoint)
    expect(d.chain.finalizedCheckpoint).toEqual(a.chain.finalizedCheckpoint);
    expect(d.chain.head.slot).toBe(31);

    const net = new fx.TestSyncNetwork();
    const s = new sync.BeaconSync({chain: d.chain, db: d.db, network: net, opts: {backfill: false}});
    syncs.push(s);
    await s.start();
    net.addPeer(new fx.ServingPeer("good", a));
    await fx.until(() => d.chain.head.blockRoot === a.chain.head.blockRoot, 60_000, "D at A's head");
  });

  it("a data dir whose anchor an older version stored as (3, block 31) starts at (4, block 31)", async () => {
    const anchor = await sync.fetchCheckpoint(
      {url: a.restUrl as string},
      {
        config: a.config,
        genesisValidatorsRoot: a.chain.genesisValidatorsRoot,
        genesisTime: fx.GENESIS_TIME,
        nowMs: clock.ms,
      },
    );
    const dir = fx.tempDir("sync-cpb-old");
    dirs.push(dir);
    const db = await BeaconDb.open(dir, {network: "dev", chainConfig: a.config});
    await sync.writeCheckpointAnchor(db, anchor);
    const stored = await db.anchor.get();
    if (stored === null) throw Error("no anchor");
    await db.anchor.put({...stored, checkpoint: {...stored.checkpoint, epoch: 3}});
    await db.close();
    const d = await fx.chainFromDataDir(clock, dir, a.config);
    closers.push(d.close);
    expect(d.chain.finalizedCheckpoint).toEqual({epoch: 4, root: block31Root});
  });

  it("a node whose own finalized checkpoint sits after a missed boundary slot resumes with it", async () => {
    const dir = dirs[0] as string;
    const before = a.chain.finalizedCheckpoint;
    await a.close();
    nodes.splice(nodes.indexOf(a), 1);
    const again = await fx.chainFromDataDir(clock, dir, a.config);
    closers.push(again.close);
    expect(again.chain.finalizedCheckpoint).toEqual(before);
  });
});
