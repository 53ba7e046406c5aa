/**
 * Multi-node simulation with blobs (SIM_BLOBS_TEST=1; suggested script `npm run sim:blobs`): separate processes on
 * 127.0.0.1 only, a fulu dev chain whose every payload carries a blob.
 * - 4 beacon nodes started with `--dev.blobs-per-block 1` (each in-process mock engine puts 1 real blob into every
 *   payload it builds); node 1 is the discv5 bootnode and a PeerDAS supernode (`--supernode`: custodies all 128
 *   columns), nodes 2–4 custody the minimum (CUSTODY_REQUIREMENT groups). Each has a validator client with a
 *   quarter of the 64 keys: proposals go VC → produceBlockV3 → publishBlockV2 with the blobs → the node builds the
 *   data columns and gossips block and columns; the other nodes import the block once their sampling columns
 *   arrived on gossip.
 * - They must finalize and agree on the head; every node must hold exactly its custody columns of recent blocks
 *   (GET /eth/v1/debug/beacon/data_column_sidecars/{block_id}), one cell each (one blob per block).
 * - Node 5 starts later with an empty database and range-syncs to the head, columns included (its sampling
 *   columns from peers that custody them), then holds its custody columns of the synced blocks.
 * Prints and writes (sim-blobs-report.json in the run dir) time to finality, columns per node and sync speed.
 */
import {mkdtempSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import type {ChainConfig} from "@ceibo/config";
import {afterAll, describe, expect, it} from "vitest";
import {getCustodyColumns} from "../../beacon-node/src/chain/da/custody.ts";
import {peerIdToNodeId} from "../../beacon-node/src/network/network.ts";
import {connectedPeers, DevNet, identity, sameHead} from "../harness/devnet.ts";
import {finalizedEpoch, getJson, head, type Proc} from "../harness/processes.ts";

const RUN = process.env.SIM_BLOBS_TEST === "1";
const VALIDATORS = 64;
const SLOT_MS = Number(process.env.SIM_SLOT_MS ?? 3000);

interface SimNode {
  name: string;
  bn: Proc;
  api: string;
  /** The node's custody columns (from its node id and MetaData custody_group_count). */
  custody: number[];
}

const dir = mkdtempSync(join(tmpdir(), "ceibo-sim-blobs-"));
const report: Record<string, unknown> = {dir, slotMs: SLOT_MS, validators: VALIDATORS, blobsPerBlock: 1};

let net: DevNet | undefined;

/** Polls `fn` while every process of the simulation must keep running. */
function until<T>(what: string, timeoutMs: number, fn: () => Promise<T | null | undefined | false>): Promise<T> {
  if (net === undefined) throw Error("the network is not started");
  return net.until(what, timeoutMs, fn);
}

/** The node's custody columns: get_custody_columns(node id of its peer id, its MetaData custody_group_count). */
async function custodyColumns(api: string): Promise<number[]> {
  // the API answers before the network started (MetaData without custody_group_count until then)
  const id = await until("MetaData with custody_group_count", 30_000, async () => {
    const i = await identity(api);
    return i.metadata.custody_group_count !== undefined ? i : null;
  });
  const spec = await getJson<{data: Record<string, string>}>(`${api}/eth/v1/config/spec`);
  const nodeId = peerIdToNodeId(id.peer_id);
  if (nodeId === null) throw Error(`no node id for ${id.peer_id}`);
  const count = Number(id.metadata.custody_group_count);
  const config = {NUMBER_OF_CUSTODY_GROUPS: Number(spec.data.NUMBER_OF_CUSTODY_GROUPS)} as ChainConfig;
  return getCustodyColumns(config, nodeId, count);
}

/** The column indices a node stores for a block (debug API); each column must hold one cell (one blob). */
async function storedColumns(api: string, blockId: string): Promise<number[]> {
  const r = await getJson<{data: {index: string; column: string[]; kzg_commitments: string[]}[]}>(
    `${api}/eth/v1/debug/beacon/data_column_sidecars/${blockId}`,
  );
  for (const s of r.data) {
    if (s.column.length !== 1 || s.kzg_commitments.length !== 1) {
      throw Error(`column ${s.index} of ${blockId} has ${s.column.length} cells, expected 1`);
    }
  }
  return r.data.map((s) => Number(s.index)).sort((a, b) => a - b);
}

/** Roots of the canonical blocks at slots [from, to] of a node (empty slots skipped), with their blob counts. */
async function blocksInRange(api: string, from: number, to: number): Promise<{slot: number; root: string}[]> {
  const out: {slot: number; root: string}[] = [];
  for (let slot = Math.max(1, from); slot <= to; slot++) {
    try {
      const r = await getJson<{data: {root: string}}>(`${api}/eth/v1/beacon/blocks/${slot}/root`);
      out.push({slot, root: r.data.root});
    } catch {
      // no block at this slot
    }
  }
  return out;
}

describe.runIf(RUN)(
  "simulation with blobs: 4 fulu nodes gossip and custody data columns, a 5th range-syncs them",
  () => {
    const nodes: SimNode[] = [];
    let genesisTime = 0;

    afterAll(async () => {
      report.shutdownMs = await net?.stop();
      writeFileSync(join(dir, "sim-blobs-report.json"), JSON.stringify(report, null, 2));
      console.log(`simulation report (${join(dir, "sim-blobs-report.json")}):\n${JSON.stringify(report, null, 2)}`);
    }, 60_000);

    it("4 nodes with a blob in every block finalize, agree on the head and custody their columns", {
      timeout: 900_000,
    }, async () => {
      genesisTime = Math.ceil(Date.now() / 1000) + 60;
      report.genesisTime = genesisTime;
      net = new DevNet({
        dir,
        validators: VALIDATORS,
        slotMs: SLOT_MS,
        genesisTime,
        beaconArgs: ["--dev.blobs-per-block", "1"],
      });
      const devnet = net;
      const n1 = await devnet.startBeacon("node1", ["--supernode"]);
      const id1 = await identity(n1.api);
      const rest = await Promise.all([2, 3, 4].map((i) => devnet.startBeacon(`node${i}`, ["--bootnodes", id1.enr])));
      for (const [i, r] of [n1, ...rest].entries()) {
        nodes.push({name: `node${i + 1}`, bn: r.bn, api: r.api, custody: await custodyColumns(r.api)});
      }
      report.custodyColumnsPerNode = nodes.map((n) => n.custody.length);
      expect(nodes[0].custody.length).toBe(128);
      for (const n of nodes.slice(1)) expect(n.custody.length).toBe(4);
      const quarter = VALIDATORS / 4;
      nodes.forEach((n, i) => {
        devnet.startValidator(n.name, n.api, i * quarter, (i + 1) * quarter - 1);
      });

      const ids = await Promise.all(nodes.map((n) => identity(n.api)));
      await until("every node connected to the 3 others", 180_000, async () => {
        for (let i = 0; i < nodes.length; i++) {
          const peers = new Set(await connectedPeers(nodes[i].api));
          for (let j = 0; j < nodes.length; j++) if (j !== i && !peers.has(ids[j].peer_id)) return false;
        }
        return true;
      });

      await until("finalized epoch >= 2 on all 4 nodes", 600_000, async () => {
        const f = await Promise.all(nodes.map((n) => finalizedEpoch(n.api)));
        return f.every((e) => e >= 2);
      });
      report.timeToFinalitySeconds = Math.round(Date.now() / 1000 - genesisTime);
      const agreed = await until("the same head on all 4 nodes", 60_000, () => sameHead(nodes.map((n) => n.api)));
      report.commonHead = agreed;

      // every block carries one blob, and every node stores exactly its custody columns of it
      const recent = await blocksInRange(nodes[0].api, agreed.slot - 8, agreed.slot - 1);
      expect(recent.length).toBeGreaterThanOrEqual(4);
      const perNode: Record<string, number[]> = {};
      for (const n of nodes) {
        perNode[n.name] = [];
        for (const {root} of recent) {
          const stored = await storedColumns(n.api, root);
          expect(stored, `${n.name} columns of ${root}`).toEqual(n.custody);
          perNode[n.name].push(stored.length);
        }
      }
      report.columnsStoredPerNodePerBlock = perNode;
      const block = await getJson<{data: {message: {body: {blob_kzg_commitments: string[]}}}}>(
        `${nodes[0].api}/eth/v2/beacon/blocks/${recent[0].root}`,
      );
      expect(block.data.message.body.blob_kzg_commitments.length).toBe(1);
      // the supernode serves the blob itself (rebuilt from the first half of the columns): its KZG commitment is the
      // block's; a node holding 4 columns cannot and says why
      const blobs = await getJson<{data: string[]}>(`${nodes[0].api}/eth/v1/beacon/blobs/${recent[0].root}`);
      expect(blobs.data.length).toBe(1);
      const {getKzg} = await import("../../beacon-node/src/chain/da/kzg.ts");
      const commitment = getKzg().blobToKzgCommitment(Buffer.from(blobs.data[0].slice(2), "hex"));
      expect(`0x${Buffer.from(commitment).toString("hex")}`).toBe(block.data.message.body.blob_kzg_commitments[0]);
      const partial = await fetch(`${nodes[1].api}/eth/v1/beacon/blobs/${recent[0].root}`);
      expect(partial.status).toBe(404);
      expect(await partial.text()).toMatch(/custodies 4 of the block's 128 data columns/);
      // gossip blocks were imported with their columns, not found later by range sync
      for (const n of nodes) expect(n.bn.output).not.toMatch(/DATA_UNAVAILABLE/);
    });

    it("a 5th node started later range-syncs to the head with its columns", {timeout: 400_000}, async () => {
      // 6 epochs of blocks to sync (finalized chain, then head chain)
      await until("the network at slot 48", 300_000, async () => (await head(nodes[0].api)).slot >= 48);
      const target = await head(nodes[0].api);
      const n5 = await (net as DevNet).startBeacon("node5", ["--bootnodes", (await identity(nodes[0].api)).enr]);
      const started = Date.now();
      const custody = await custodyColumns(n5.api);
      const synced = await until("node 5 at the network's head", 300_000, async () => {
        const [h5, h1] = await Promise.all([head(n5.api), head(nodes[0].api)]);
        return h5.root === h1.root ? h5 : null;
      });
      const seconds = (Date.now() - started) / 1000;
      // its custody columns of blocks it range-synced (before `target`), fetched from its peers
      const synchronised = await blocksInRange(n5.api, target.slot - 8, target.slot);
      expect(synchronised.length).toBeGreaterThanOrEqual(4);
      for (const {root} of synchronised) expect(await storedColumns(n5.api, root)).toEqual(custody);
      report.rangeSync = {
        blocksBehindAtStart: target.slot,
        headSlot: synced.slot,
        secondsToHead: seconds,
        blocksPerSecond: Number((synced.slot / seconds).toFixed(1)),
        custodyColumns: custody.length,
        peers: (await connectedPeers(n5.api)).length,
      };
      expect(synced.slot).toBeGreaterThanOrEqual(target.slot);
    });
  },
);
