/**
 * Data column retention on an in-process FULU dev chain (minimal preset, 64 interop validators, 1 real blob per
 * block from the in-process mock engine, MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS = 1): after epoch 3 is
 * finalized at the first slot of epoch 5, the columns of finalized blocks before data_column_serve_range
 * (fulu p2p-interface.md: [max(current_epoch - MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS, FULU_FORK_EPOCH),
 * current_epoch] = from epoch 4) are gone from the database; the unfinalized blocks keep theirs; the node's
 * DataColumnSidecarsByRange / ByRoot answers (ChainServer, what the req/resp handler sends) have none of the
 * pruned ones and all of the kept ones.
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import type {BeaconNode as BeaconNodeType} from "../src/node/index.ts";

const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {ACTIVE_PRESET_NAME} = await import("@ceibo/params");
const {DevBeaconNode: BeaconNode} = await import("../src/node/dev.ts");
const {ChainServer, hashBlockRoot} = await import("../src/network/reqresp/serve.ts");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;
if (ACTIVE_PRESET_NAME !== "minimal") throw Error(`@ceibo/params was already loaded with ${ACTIVE_PRESET_NAME}`);

const GENESIS_TIME = 1_700_000_000;
const SLOT_MS = 6000;
const LAST_SLOT = 40;
const dir = mkdtempSync(join(tmpdir(), "ceibo-retention-columns-"));
let nowMs = GENESIS_TIME * 1000;
let node: BeaconNodeType;

beforeAll(async () => {
  node = await BeaconNode.init({
    network: "dev",
    dataDir: join(dir, "data"),
    devValidators: 64,
    genesisTime: GENESIS_TIME,
    slotDurationMs: SLOT_MS,
    nowMs: () => nowMs,
    devFork: "fulu",
    devBlobsPerBlock: 1,
    devMinEpochsForSidecarsRequests: 1,
  });
  for (let slot = 1; slot <= LAST_SLOT; slot++) {
    nowMs = GENESIS_TIME * 1000 + slot * SLOT_MS + 100;
    await node.runSlot(slot);
  }
  await node.retention?.idle();
}, 600_000);

afterAll(async () => {
  await node?.close();
  rmSync(dir, {recursive: true, force: true});
});

describe("data column retention (window 1 epoch)", () => {
  it("columns of finalized blocks before the serve range are gone, later ones kept, and not served", async () => {
    expect(node.chain.finalizedCheckpoint.epoch).toBe(3);
    const archived = (await node.db.blockArchive.rangeSerialized(1, LAST_SLOT + 1)).map((b) => ({
      slot: b.slot,
      root: hashBlockRoot(b.fork, b.ssz),
    }));
    expect(archived.map((b) => b.slot)).toEqual(Array.from({length: 24}, (_, i) => i + 1));
    for (const {slot, root} of archived) {
      expect(await node.db.dataColumnSidecars.getIndices(root), `columns at ${slot}`).toEqual([]);
    }
    const hot = [...node.chain.blocks.entries()].filter(([, b]) => b.message.slot > 24);
    expect(hot).toHaveLength(16);
    let kept = 0;
    for (const [rootHex] of hot)
      kept += (await node.db.dataColumnSidecars.getIndices(Buffer.from(rootHex.slice(2), "hex"))).length;
    expect(kept).toBe(16 * node.chain.custody.custodyColumns.length);
    expect(await node.db.metadata.get("dataColumnSidecarsPrunedToSlot")).toBe(25);

    const server = new ChainServer(node.chain, node.db, node.chain.beaconConfig);
    const columns = [...node.chain.custody.custodyColumns];
    expect(await server.dataColumnSidecarsByRange(0, 25, columns, 10_000)).toEqual([]);
    const served = await server.dataColumnSidecarsByRange(0, LAST_SLOT + 1, columns, 10_000);
    expect(new Set(served.map((s) => s.signedBlockHeader.message.slot)).size).toBe(16);
    const old = archived[5].root;
    const recent = Buffer.from(hot[0][0].slice(2), "hex");
    const byRoot = await server.dataColumnSidecarsByRoot(
      [
        {blockRoot: old, columns},
        {blockRoot: recent, columns},
      ],
      10_000,
    );
    expect(byRoot).toHaveLength(columns.length);
    expect(byRoot.every((s) => s.signedBlockHeader.message.slot === hot[0][1].message.slot)).toBe(true);
  });
});
