/**
 * Multi-node simulation (npm run sim; SIM_TEST=1): separate processes on 127.0.0.1 only.
 * - 4 beacon nodes (one dev genesis, each with its in-process mock execution engine), node 1 is the discv5
 *   bootnode; nodes 2–4 know only node 1's ENR. Each node has a validator client holding a quarter of the keys.
 * - They must discover each other (every node connected to the 3 others), form a full gossip mesh on the
 *   beacon_block and beacon_aggregate_and_proof topics, finalize, and agree on the head.
 * - Node 5 starts later with an empty database and range-syncs to the head.
 * - Node 6 checkpoint-syncs from node 1's Beacon API, backfills to genesis and follows the head. Every validator
 *   client skips its proposals at each epoch's first slot (--dev.skip-proposals epoch-start), so each finalized
 *   checkpoint's block is the last block of the epoch before (a missed epoch-boundary slot, as on mainnet daily).
 * - A misbehaving peer (test/sim/badPeer.ts, its own process and libp2p host) gossips invalid blocks to node 1
 *   and must be penalised and disconnected.
 * Prints and writes (sim-report.json in the run dir) time to finality, peers per node and sync speed.
 */
import {mkdtempSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {connectedPeers, DevNet, identity, sameHead} from "../harness/devnet.ts";
import {finalizedEpoch, getJson, head, NODE, Proc, ROOT} from "../harness/processes.ts";

const RUN = process.env.SIM_TEST === "1";
const VALIDATORS = 64;
const SLOT_MS = Number(process.env.SIM_SLOT_MS ?? 2000);
const ENV = {CEIBO_PRESET: "minimal"};

interface SimNode {
  name: string;
  bn: Proc;
  vc: Proc | null;
  api: string;
  port: number;
}

const dir = mkdtempSync(join(tmpdir(), "ceibo-sim-"));
const report: Record<string, unknown> = {dir, slotMs: SLOT_MS, validators: VALIDATORS};

describe.runIf(RUN)("simulation: 4 nodes + range sync + checkpoint sync + bad peer", () => {
  const nodes: SimNode[] = [];
  let genesisTime = 0;
  let net: DevNet | undefined;
  /** Polls `fn` while every simulation process except the bad peer must keep running. */
  const until = <T>(what: string, ms: number, fn: () => Promise<T | null | undefined | false>): Promise<T> => {
    if (net === undefined) throw Error("the network is not started");
    return net.until(what, ms, fn, ["bad-peer"]);
  };

  afterAll(async () => {
    report.shutdownMs = await net?.stop();
    writeFileSync(join(dir, "sim-report.json"), JSON.stringify(report, null, 2));
    console.log(`simulation report (${join(dir, "sim-report.json")}):\n${JSON.stringify(report, null, 2)}`);
  }, 60_000);

  it("4 nodes discover each other via discv5, mesh, finalize and agree on the head", {timeout: 600_000}, async () => {
    genesisTime = Math.ceil(Date.now() / 1000) + 45;
    report.genesisTime = genesisTime;
    net = new DevNet({dir, validators: VALIDATORS, slotMs: SLOT_MS, genesisTime});
    const devnet = net;
    const n1 = await devnet.startBeacon("node1");
    const id1 = await identity(n1.api);
    expect(id1.enr).toMatch(/^enr:/);
    nodes.push({name: "node1", bn: n1.bn, vc: null, api: n1.api, port: n1.port});
    const rest = await Promise.all([2, 3, 4].map((i) => devnet.startBeacon(`node${i}`, ["--bootnodes", id1.enr])));
    for (const [i, r] of rest.entries()) {
      nodes.push({name: `node${i + 2}`, bn: r.bn, vc: null, api: r.api, port: r.port});
    }
    const quarter = VALIDATORS / 4;
    nodes.forEach((n, i) => {
      n.vc = devnet.startValidator(n.name, n.api, i * quarter, (i + 1) * quarter - 1, [
        "--dev.skip-proposals",
        "epoch-start",
      ]);
    });

    // discovery: every node ends up connected to the 3 others (2–4 only knew node 1's ENR)
    const ids = await Promise.all(nodes.map((n) => identity(n.api)));
    const t0 = Date.now();
    await until("every node connected to the 3 others", 120_000, async () => {
      for (let i = 0; i < nodes.length; i++) {
        const peers = new Set(await connectedPeers(nodes[i].api));
        for (let j = 0; j < nodes.length; j++) if (j !== i && !peers.has(ids[j].peer_id)) return false;
      }
      return true;
    });
    report.fullPeeringMs = Date.now() - t0;

    // gossip mesh: each node logs its mesh sizes; all 3 others must be in the block and aggregate meshes
    await until("full mesh on beacon_block and beacon_aggregate_and_proof", 120_000, async () =>
      nodes.every((n) => /Gossip mesh beacon_block=3 beacon_aggregate_and_proof=3/.test(n.bn.output.slice(-200_000))),
    );

    // finality on every node
    await until("finalized epoch >= 2 on all 4 nodes", 400_000, async () => {
      const f = await Promise.all(nodes.map((n) => finalizedEpoch(n.api)));
      return f.every((e) => e >= 2);
    });
    report.timeToFinalitySeconds = Math.round(Date.now() / 1000 - genesisTime);
    report.peersPerNode = await Promise.all(nodes.map(async (n) => (await connectedPeers(n.api)).length));

    // one head: sample until all four agree (a block may be in flight at a slot boundary)
    const agreed = await until("the same head on all 4 nodes", 30_000, () => sameHead(nodes.map((n) => n.api)));
    report.commonHead = agreed;
    // every proposer's block made it: blocks from all 4 validator clients are on the chain
    for (const n of nodes) expect(n.vc?.output ?? "").toMatch(/[Pp]roposed block/);
  });

  it("a 5th node started later range-syncs to the head", {timeout: 300_000}, async () => {
    const target = await head(nodes[0].api);
    const n5 = await (net as DevNet).startBeacon("node5", ["--bootnodes", (await identity(nodes[0].api)).enr]);
    // from the moment its API is up (the process started, genesis state built): head 0 → the network's head
    const started = Date.now();
    const synced = await until("node 5 at the network's head", 240_000, async () => {
      const h5 = await head(n5.api);
      const h1 = await head(nodes[0].api);
      return h5.root === h1.root ? h5 : null;
    });
    const seconds = (Date.now() - started) / 1000;
    // the node's own log: from "Range sync started" to "Sync state state=synced" (the download + import itself)
    const clock = (line: string | undefined): number | null => {
      const m = line === undefined ? null : /^(\d\d):(\d\d):(\d\d)\.(\d{3})/.exec(line);
      return m === null ? null : ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]);
    };
    const lines = n5.bn.output.split("\n");
    const t0 = clock(lines.find((l) => l.includes("Range sync started")));
    const t1 = clock(lines.find((l) => l.includes("state=synced")));
    const rangeSyncMs = t0 !== null && t1 !== null ? t1 - t0 : null;
    report.rangeSync = {
      syncLoopMs: rangeSyncMs,
      syncLoopSlotsPerSecond: rangeSyncMs ? Number(((target.slot * 1000) / Math.max(1, rangeSyncMs)).toFixed(1)) : null,
      blocksBehindAtStart: target.slot,
      headSlot: synced.slot,
      secondsToHead: seconds,
      blocksPerSecond: Number((synced.slot / seconds).toFixed(1)),
      peers: (await connectedPeers(n5.api)).length,
    };
    expect(synced.slot).toBeGreaterThanOrEqual(target.slot);
  });

  it("a 6th node checkpoint-syncs from node 1, backfills to genesis and follows the head", {
    timeout: 300_000,
  }, async () => {
    // the checkpoint node 6 starts from names a block before its epoch's first slot (that slot was missed)
    const fin = await getJson<{data: {finalized: {epoch: string; root: string}}}>(
      `${nodes[0].api}/eth/v1/beacon/states/head/finality_checkpoints`,
    );
    const finHeader = await getJson<{data: {header: {message: {slot: string}}}}>(
      `${nodes[0].api}/eth/v1/beacon/headers/${fin.data.finalized.root}`,
    );
    const finSlot = Number(finHeader.data.header.message.slot);
    report.checkpointAnchor = {epoch: Number(fin.data.finalized.epoch), blockSlot: finSlot};
    expect(finSlot).toBeLessThan(Number(fin.data.finalized.epoch) * 8);
    const started = Date.now();
    const n6 = await (net as DevNet).startBeacon("node6", [
      "--bootnodes",
      (await identity(nodes[0].api)).enr,
      "--checkpoint-sync-url",
      nodes[0].api,
    ]);
    await n6.bn.waitFor(/[Cc]heckpoint/, 60_000);
    await until("node 6 at the network's head", 180_000, async () => {
      const [h6, h1] = await Promise.all([head(n6.api), head(nodes[0].api)]);
      return h6.root === h1.root;
    });
    // backfilled: the block at slot 1 is served, with the same root as node 1's
    const b1 = await until("node 6 backfilled to genesis", 180_000, async () => {
      const r = await getJson<{data: {root: string}}>(`${n6.api}/eth/v1/beacon/blocks/1/root`);
      return r.data.root;
    });
    const r1 = await getJson<{data: {root: string}}>(`${nodes[0].api}/eth/v1/beacon/blocks/1/root`);
    expect(b1).toBe(r1.data.root);
    report.checkpointSync = {secondsToHeadAndBackfill: (Date.now() - started) / 1000};
    // and it keeps following
    const h = await head(nodes[0].api);
    await until("node 6 follows two more slots", 60_000, async () => {
      const [h6, h1] = await Promise.all([head(n6.api), head(nodes[0].api)]);
      return h6.slot >= h.slot + 2 && h6.root === h1.root;
    });
  });

  it("a peer gossiping invalid blocks is penalised and disconnected", {timeout: 180_000}, async () => {
    const id1 = await identity(nodes[0].api);
    const bad = new Proc(
      "bad-peer",
      NODE,
      [
        join(ROOT, "test/sim/badPeer.ts"),
        "--target",
        id1.p2p_addresses[0],
        "--genesisTime",
        String(genesisTime),
        "--slotMs",
        String(SLOT_MS),
        "--validators",
        String(VALIDATORS),
      ],
      ENV,
      {logFile: join(dir, "bad-peer.log")},
    );
    net?.procs.push(bad);
    const m = await bad.waitFor(/bad peer (\S+) connected/, 60_000);
    const badId = m[1];
    await bad.waitFor(/published invalid block/, 60_000);
    // node 1 rejects them, penalises the sender and drops it
    await until("node 1 disconnected the bad peer", 120_000, async () => {
      const peers = await connectedPeers(nodes[0].api);
      return !peers.includes(badId) && /disconnected|banned/i.test(bad.output);
    });
    expect(nodes[0].bn.output).toMatch(
      new RegExp(
        `${badId.slice(0, 12)}.*(REJECT|banned|bad score)|(REJECT|banned|bad score).*${badId.slice(0, 12)}`,
        "i",
      ),
    );
    report.badPeer = {peerId: badId, disconnected: true};
  });
});
