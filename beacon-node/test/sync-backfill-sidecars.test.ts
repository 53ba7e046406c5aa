/**
 * Backfill with sidecars (sync/backfill.ts + sync/backfillSidecars.ts): a source dev chain (electra, then fulu; one
 * real blob per block from the in-process mock engine, real KZG; MIN_EPOCHS_FOR_*_SIDECARS_REQUESTS = 3 through
 * devMinEpochsForSidecarsRequests) finalizes; a new node starts from its finalized checkpoint (fetched over its
 * Beacon API) and backfills to genesis through peers serving the source's blocks and sidecars from its database
 * (test/fixtures/syncNetwork.ts). At current epoch 4 the data-availability window is epochs [1, 4]: the backfilled
 * blocks of slots 8.. get their blob sidecars / custody columns (verified, stored), those of slots 1..7 none.
 */

import {rmSync} from "node:fs";
import {toHex} from "@ceibo/utils";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import type {BeaconNode} from "../src/node/index.ts";

const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {ACTIVE_PRESET_NAME} = await import("@ceibo/params");
const {validatorPublicKey} = await import("@ceibo/state-transition");
const {ssz} = await import("@ceibo/types");
const fx = await import("./fixtures/syncNetwork.ts");
const {BeaconDb} = await import("../src/db/index.ts");
const {DevBeaconNode: BeaconNodeClass} = await import("../src/node/dev.ts");
const {blockRootOf} = await import("../src/chain/index.ts");
const sync = await import("../src/sync/index.ts");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;
if (ACTIVE_PRESET_NAME !== "minimal") throw Error(`@ceibo/params was loaded with ${ACTIVE_PRESET_NAME}`);

const HEAD_SLOT = 32;
const WINDOW_EPOCHS = 3;
/** First slot of the window [current_epoch - 3, current_epoch] at current epoch 4. */
const WINDOW_START_SLOT = 8;

const dirs: string[] = [];
const nodes: BeaconNode[] = [];
const closers: (() => Promise<void>)[] = [];
const clock = new fx.ManualClock();
const sources: Partial<Record<"electra" | "fulu", BeaconNode>> = {};

beforeAll(async () => {
  const t0 = Date.now();
  for (const fork of ["electra", "fulu"] as const) {
    const dir = fx.tempDir(`backfill-sc-${fork}`);
    dirs.push(dir);
    const node = await BeaconNodeClass.init({
      network: "dev",
      dataDir: dir,
      devValidators: fx.VALIDATORS,
      genesisTime: fx.GENESIS_TIME,
      slotDurationMs: fx.SLOT_MS,
      nowMs: clock.now,
      devSigning: true,
      devFork: fork,
      devBlobsPerBlock: 1,
      devMinEpochsForSidecarsRequests: WINDOW_EPOCHS,
      rest: {address: "127.0.0.1", port: 0},
    });
    nodes.push(node);
    sources[fork] = node;
  }
  for (let slot = 1; slot <= HEAD_SLOT; slot++) {
    clock.setSlot(slot);
    for (const n of nodes) await n.runSlot(slot);
  }
  console.log(`source chains: 2 × ${HEAD_SLOT} blocks with a blob in ${Date.now() - t0} ms`);
}, 180_000);

afterAll(async () => {
  for (const n of nodes) await n.close();
  for (const c of closers) await c();
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

/** A checkpoint-synced chain (no blocks below the anchor) from the source's finalized state. */
async function checkpointNode(source: BeaconNode, name: string) {
  const anchor = await sync.fetchCheckpoint(
    {url: source.restUrl as string},
    {
      config: source.config,
      genesisValidatorsRoot: source.chain.genesisValidatorsRoot,
      genesisTime: fx.GENESIS_TIME,
      nowMs: clock.ms,
    },
  );
  const dir = fx.tempDir(name);
  dirs.push(dir);
  const db = await BeaconDb.open(dir, {network: "dev", chainConfig: source.config});
  await sync.writeCheckpointAnchor(db, anchor);
  await db.close();
  const node = await fx.chainFromDataDir(clock, dir, source.config);
  closers.push(node.close);
  return node;
}

function backfill(
  node: Awaited<ReturnType<typeof checkpointNode>>,
  net: InstanceType<typeof fx.TestSyncNetwork>,
): InstanceType<typeof sync.BackfillSync> {
  return new sync.BackfillSync(
    {
      db: node.db,
      config: node.chain.beaconConfig,
      network: net,
      getPubkey: (i) => validatorPublicKey(node.chain.getHeadState(), i),
      sidecars: new sync.BackfillSidecars({
        config: node.chain.beaconConfig,
        network: net,
        kzg: () => node.chain.da.kzg,
        custodyColumns: () => node.chain.da.custodyColumns,
        currentEpoch: () => node.chain.clock.currentEpoch,
      }),
    },
    {minSlot: 0, epochsPerBatch: 1, retryDelayMs: 100},
  );
}

async function run(b: InstanceType<typeof sync.BackfillSync>): Promise<void> {
  const done = new Promise((resolve) => b.emitter.once("complete", resolve));
  await b.start();
  await done;
}

/** The source's canonical blocks below `anchorSlot` (genesis left out) with their roots. */
async function blocksBelow(source: BeaconNode, anchorSlot: number): Promise<{slot: number; root: Uint8Array}[]> {
  const blocks = await new fx.ServingPeer("reader", source).canonical();
  return blocks
    .filter((blk) => blk.message.slot > 0 && blk.message.slot < anchorSlot)
    .map((blk) => ({slot: blk.message.slot, root: blockRootOf(source.chain.beaconConfig, blk.message)}));
}

describe("backfill fetches the sidecars of blocks inside the data-availability window", () => {
  it("electra: blob sidecars of slots 8.. are fetched, verified and stored; none below the window", async () => {
    const source = sources.electra as BeaconNode;
    expect(source.chain.head.slot).toBe(HEAD_SLOT);
    const e = await checkpointNode(source, "backfill-sc-e");
    expect(e.chain.clock.currentEpoch).toBe(4);
    const anchorSlot = (await e.db.blockArchive.firstSlot()) as number;
    expect(anchorSlot).toBeGreaterThan(WINDOW_START_SLOT); // the finalized checkpoint block, inside the window

    const net = new fx.TestSyncNetwork();
    // a peer whose blob sidecars carry a wrong KZG proof first: it is reported and the batch goes to a good peer
    const bad = new fx.ServingPeer("bad", source);
    bad.tamperBlob = (s) => {
      s.kzgProof = Uint8Array.from(s.kzgProof);
      s.kzgProof[5] ^= 1;
      return s;
    };
    net.addPeer(bad);
    const b = backfill(e, net);
    const done = run(b);
    await fx.until(() => net.reports.some((r) => r.peer === "bad"), 60_000, "the bad peer reported");
    expect(net.reports.find((r) => r.peer === "bad")).toMatchObject({action: "lowTolerance"});
    expect(net.reports.find((r) => r.peer === "bad")?.reason).toMatch(/sidecars/);
    net.removePeer("bad");
    net.addPeer(new fx.ServingPeer("good", source));
    await done;

    const below = await blocksBelow(source, anchorSlot);
    expect(below.length).toBe(anchorSlot - 1);
    expect(b.status).toMatchObject({oldestSlot: 0, complete: true, writtenBlocks: anchorSlot});
    const inside = below.filter((x) => x.slot >= WINDOW_START_SLOT);
    expect(b.writtenSidecars).toBe(inside.length);
    for (const {slot, root} of below) {
      const stored = await e.db.blobSidecars.get(root);
      if (slot < WINDOW_START_SLOT) {
        expect(stored, `slot ${slot}`).toBeNull();
        continue;
      }
      const original = await source.db.blobSidecars.get(root);
      expect(stored?.sidecars.length, `slot ${slot}`).toBe(1);
      expect(toHex(ssz.deneb.BlobSidecar.serialize(stored?.sidecars[0] as never))).toBe(
        toHex(ssz.deneb.BlobSidecar.serialize(original?.sidecars[0] as never)),
      );
    }
    // blob sidecars were only ever asked for inside the window
    const asked = net.requests.filter((r) => r.method === "blobsByRange");
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((r) => (r.startSlot as number) >= WINDOW_START_SLOT)).toBe(true);
  });

  it("fulu: the node's custody columns of slots 8.. are fetched from the peers that custody them; none below", async () => {
    const source = sources.fulu as BeaconNode;
    const e = await checkpointNode(source, "backfill-sc-f");
    const custody = [3, 40, 77, 120];
    e.chain.custody.custodyColumns = custody;
    const anchorSlot = (await e.db.blockArchive.firstSlot()) as number;
    const net = new fx.TestSyncNetwork();
    // p1 custodies 3 and 40, p2 the rest; p1 serves a tampered column 40 at first
    const p1 = new fx.ServingPeer("p1", source);
    p1.custodyColumns = [3, 40];
    let tampered = 0;
    p1.tamperColumn = (s) => {
      if (s.index !== 40 || tampered > 0) return s;
      tampered++;
      s.column[0] = Uint8Array.from(s.column[0]);
      s.column[0][7] ^= 1;
      return s;
    };
    const p2 = new fx.ServingPeer("p2", source);
    p2.custodyColumns = [77, 120, 1, 2];
    net.addPeer(p1);
    net.addPeer(p2);
    const b = backfill(e, net);
    await run(b);

    expect(tampered).toBe(1);
    expect(net.reports.filter((r) => r.peer === "p1").map((r) => r.action)).toEqual(["lowTolerance"]);
    expect(b.status).toMatchObject({oldestSlot: 0, complete: true, writtenBlocks: anchorSlot});
    const below = await blocksBelow(source, anchorSlot);
    const inside = below.filter((x) => x.slot >= WINDOW_START_SLOT);
    expect(b.writtenSidecars).toBe(inside.length * custody.length);
    for (const {slot, root} of below) {
      const indices = await e.db.dataColumnSidecars.getIndices(root);
      expect(indices, `slot ${slot}`).toEqual(slot < WINDOW_START_SLOT ? [] : custody);
    }
    const cols = net.requests.filter((r) => r.method === "columnsByRange");
    expect(cols.every((r) => (r.startSlot as number) >= WINDOW_START_SLOT)).toBe(true);
    // each column asked of a peer that custodies it
    for (const r of cols) {
      const peerCustody = r.peer === "p1" ? [3, 40] : [77, 120, 1, 2];
      expect((r.indices ?? []).every((c) => peerCustody.includes(c))).toBe(true);
    }
  });

  it("BeaconSync: a checkpoint-synced node range-syncs to the head, then backfills blocks and window sidecars", async () => {
    const source = sources.electra as BeaconNode;
    const d = await checkpointNode(source, "backfill-sc-d");
    const anchorSlot = (await d.db.blockArchive.firstSlot()) as number;
    const net = new fx.TestSyncNetwork();
    const s = new sync.BeaconSync({
      chain: d.chain,
      db: d.db,
      network: net,
      opts: {range: {retryDelayMs: 100}, backfill: {epochsPerBatch: 1, retryDelayMs: 100}},
    });
    closers.unshift(() => s.stop());
    await s.start();
    net.addPeer(new fx.ServingPeer("good", source));
    await fx.until(() => d.chain.head.blockRoot === source.chain.head.blockRoot, 60_000, "at the source's head");
    await fx.until(() => s.backfill?.status.complete === true, 60_000, "backfill complete");
    expect(s.backfill?.status).toMatchObject({oldestSlot: 0, complete: true, writtenBlocks: anchorSlot});
    const below = await blocksBelow(source, anchorSlot);
    expect(s.backfill?.writtenSidecars).toBe(below.filter((x) => x.slot >= WINDOW_START_SLOT).length);
    for (const {slot, root} of below) {
      expect((await d.db.blobSidecars.get(root)) === null, `slot ${slot}`).toBe(slot < WINDOW_START_SLOT);
    }
  });
});
