/**
 * ceibo ↔ Lodestar 1.5.1 interop (npm run interop; INTEROP_TEST=1). Separate processes on 127.0.0.1 only, one
 * capella dev chain (minimal preset, 8 interop validators, 2 s slots), one shared execution engine (ceibo's
 * Engine-API mock with JWT; Lodestar 1.5.1 runs its capella flow against it):
 * 1. `lodestar dev` makes the genesis and runs validators 0..3 (half the stake: it cannot finalize alone).
 * 2. After it has produced blocks, `ceibo beacon --network custom` starts from Lodestar's genesis.ssz and
 *    config, dials Lodestar (libp2p: noise, mplex negotiated down from yamux), exchanges Status and range-syncs
 *    Lodestar's blocks; ceibo's validator client runs validators 4..7.
 * 3. Both propose and attest: blocks and attestations must cross by gossip both ways for the chain to justify and
 *    finalize (each side holds 50% < 2/3); both nodes must stay on one head.
 * 4. A second Lodestar (`lodestar beacon`, no validators) whose only bootnode is ceibo's ENR connects to ceibo
 *    and range-syncs from it up to the slot of ceibo's head when it started (same block root there). Known gap:
 *    that inbound (Lodestar-dialed, mplex) connection never joins ceibo's gossip mesh, so Lodestar 2 does not
 *    follow the head by gossip afterwards and later drops ceibo for a bad gossip score; gossip both ways is
 *    shown with the first Lodestar (ceibo-dialed) above.
 */
import {mkdtempSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {ceibo, freePort, getJson, head, type Proc, until} from "../harness/processes.ts";
import {
  installLodestar,
  type LodestarNode,
  lodestarFinality,
  lodestarHead,
  lodestarPeers,
  type MockEngine,
  startLodestarBeacon,
  startLodestarDev,
  startMockEngine,
} from "./lodestar.ts";

const RUN = process.env.INTEROP_TEST === "1";
const VALIDATORS = 8;
const ETH1_BLOCK_HASH = `0x${"cc".repeat(32)}`;
const ENV = {CEIBO_PRESET: "minimal"};

describe.runIf(RUN)("interop: ceibo and Lodestar 1.5.1 on one capella chain", () => {
  const dir = mkdtempSync(join(tmpdir(), "ceibo-interop-"));
  const report: Record<string, unknown> = {dir};
  let el: MockEngine | undefined;
  let lodestar: LodestarNode | undefined;
  let lodestar2: LodestarNode | undefined;
  let bn: Proc | undefined;
  let vc: Proc | undefined;
  let ceiboApi = "";
  let genesisTime = 0;

  afterAll(async () => {
    await vc?.kill("SIGTERM", 10_000);
    await bn?.kill("SIGTERM", 15_000);
    await lodestar2?.stop();
    await lodestar?.stop();
    await el?.stop();
    writeFileSync(join(dir, "interop-report.json"), JSON.stringify(report, null, 2));
    console.log(`interop report (${join(dir, "interop-report.json")}):\n${JSON.stringify(report, null, 2)}`);
  }, 90_000);

  it("ceibo joins Lodestar's chain: Status, range sync, gossip both ways, one finalizing head", {
    timeout: 600_000,
  }, async () => {
    installLodestar();
    el = await startMockEngine({dir: join(dir, "el"), genesisBlockHash: ETH1_BLOCK_HASH, logFile: join(dir, "el.log")});
    genesisTime = Math.floor(Date.now() / 1000) + 10;
    lodestar = await startLodestarDev({
      dir: join(dir, "lodestar"),
      validators: VALIDATORS,
      startValidators: "0..3",
      genesisTime,
      secondsPerSlot: 2,
      eth1BlockHash: ETH1_BLOCK_HASH,
      executionUrl: el.url,
      jwtSecretFile: el.jwtSecretFile,
    });
    const ls = lodestar;
    // let Lodestar build a few blocks alone, for ceibo to range-sync
    const before = await until(
      "Lodestar's first blocks",
      120_000,
      async () => {
        const h = await lodestarHead(ls.restUrl);
        return h.slot >= 6 ? h : null;
      },
      [ls.proc],
    );

    const restPort = await freePort();
    const p2pPort = await freePort();
    ceiboApi = `http://127.0.0.1:${restPort}`;
    const args = [
      "beacon",
      "--network",
      "custom",
      "--config-file",
      ls.configYamlPath,
      "--genesis-state",
      ls.genesisSszPath,
      "--data-dir",
      join(dir, "ceibo"),
      "--execution-urls",
      el.url,
      "--jwt-secret",
      el.jwtSecretFile,
      "--rest.port",
      String(restPort),
      "--listen-address",
      "127.0.0.1",
      "--port",
      String(p2pPort),
      // a static peer only (no discv5 bootnode): so ceibo's discv5 table never holds Lodestar's ENR and the second
      // Lodestar below, whose only bootnode is ceibo, can sync from ceibo alone
      "--static-peers",
      ls.multiaddr,
    ];
    bn = ceibo("ceibo-bn", args, ENV, {logFile: join(dir, "ceibo-bn.log")});
    await bn.waitFor(/Beacon API listening/, 120_000);
    const ceiboBn = bn;

    // libp2p connection and Status both ways: each lists the other as a connected peer
    const identity = await getJson<{data: {peer_id: string; enr: string}}>(`${ceiboApi}/eth/v1/node/identity`);
    const ceiboPeerId = identity.data.peer_id;
    await until(
      "ceibo and Lodestar connected",
      60_000,
      async () => {
        const ours = await getJson<{data: {peer_id: string}[]}>(`${ceiboApi}/eth/v1/node/peers?state=connected`);
        const theirs = await lodestarPeers(ls.restUrl);
        return ours.data.some((p) => p.peer_id === ls.peerId) && theirs.some((p) => p.peer_id === ceiboPeerId);
      },
      [ceiboBn, ls.proc],
    );
    // range sync: ceibo reaches Lodestar's head (it started at genesis with Lodestar at slot >= 6)
    const synced = await until(
      "ceibo synced to Lodestar's head",
      120_000,
      async () => {
        const [a, b] = await Promise.all([head(ceiboApi), lodestarHead(ls.restUrl)]);
        return a.root === b.root && a.slot >= before.slot ? a : null;
      },
      [ceiboBn, ls.proc],
    );
    report.rangeSyncFromLodestar = {lodestarHeadAtStart: before.slot, ceiboHead: synced.slot};

    vc = ceibo(
      "ceibo-vc",
      [
        "validator",
        "--beacon-nodes",
        ceiboApi,
        "--interop-indexes",
        "4..7",
        "--data-dir",
        join(dir, "ceibo-vc"),
        "--doppelganger-protection",
        "false",
      ],
      ENV,
      {logFile: join(dir, "ceibo-vc.log")},
    );
    const ceiboVc = vc;

    // finality needs the votes of both halves: attestations (and blocks carrying them) crossed both ways
    const fin = await until(
      "finalized epoch >= 2 on both",
      420_000,
      async () => {
        const [a, b] = await Promise.all([
          getJson<{data: {finalized: {epoch: string}}}>(`${ceiboApi}/eth/v1/beacon/states/head/finality_checkpoints`),
          lodestarFinality(ls.restUrl),
        ]);
        const ours = Number(a.data.finalized.epoch);
        return ours >= 2 && b.finalized >= 2 ? {ceibo: ours, lodestar: b.finalized} : null;
      },
      [ceiboBn, ceiboVc, ls.proc],
    );
    report.finalized = fin;
    report.secondsFromGenesisToFinality = Math.round(Date.now() / 1000 - genesisTime);

    const same = await until("the same head on both", 30_000, async () => {
      const [a, b] = await Promise.all([head(ceiboApi), lodestarHead(ls.restUrl)]);
      return a.root === b.root ? a : null;
    });
    report.commonHead = same;

    // blocks by both proposers on the canonical chain (gossip blocks both ways)
    const proposers = new Set<number>();
    for (let slot = Math.max(1, same.slot - 16); slot <= same.slot; slot++) {
      try {
        const r = await getJson<{data: {header: {message: {proposer_index: string}}}}>(
          `${ls.restUrl}/eth/v1/beacon/headers/${slot}`,
        );
        proposers.add(Number(r.data.header.message.proposer_index));
      } catch {
        // an empty slot
      }
    }
    report.proposersInLast16Slots = [...proposers].sort();
    expect([...proposers].some((p) => p <= 3)).toBe(true);
    expect([...proposers].some((p) => p >= 4)).toBe(true);
    expect(ceiboVc.output).toMatch(/[Pp]roposed block/);
  });

  it("a second Lodestar whose only peer is ceibo range-syncs ceibo's chain from it", {timeout: 300_000}, async () => {
    if (lodestar === undefined || bn === undefined) throw Error("the first test did not start the nodes");
    const ls = lodestar;
    const enr = (await getJson<{data: {enr: string; peer_id: string}}>(`${ceiboApi}/eth/v1/node/identity`)).data;
    const target = await head(ceiboApi);
    lodestar2 = await startLodestarBeacon({
      dir: join(dir, "lodestar2"),
      name: "lodestar2",
      genesisStateFile: ls.genesisSszPath,
      paramsFile: ls.configYamlPath,
      executionUrl: (el as MockEngine).url,
      jwtSecretFile: (el as MockEngine).jwtSecretFile,
      bootnodes: [enr.enr],
      connectToBootnodes: true,
    });
    const l2 = lodestar2;
    const started = Date.now();
    const peersAtSync: string[][] = [];
    // range sync: Lodestar 2 reaches the slot ceibo's head had when it started, on ceibo's chain
    const synced = await until(
      "Lodestar 2 synced to ceibo's head at its start",
      240_000,
      async () => {
        const peers = (await lodestarPeers(l2.restUrl)).map((p) => p.peer_id);
        peersAtSync.push(peers);
        const h = await lodestarHead(l2.restUrl);
        return h.slot >= target.slot ? h : null;
      },
      [l2.proc],
    );
    const rootAt = async (api: string, slot: number): Promise<string> =>
      (await getJson<{data: {root: string}}>(`${api}/eth/v1/beacon/blocks/${slot}/root`)).data.root;
    expect(await rootAt(l2.restUrl, target.slot)).toBe(target.root);
    report.lodestar2 = {
      headSlot: synced.slot,
      seconds: (Date.now() - started) / 1000,
      peersSeenWhileSyncing: [...new Set(peersAtSync.flat())],
      ceiboPeerId: enr.peer_id,
    };
    // ceibo was its only peer while it synced: the blocks came from ceibo's req/resp
    expect(new Set(peersAtSync.flat())).toEqual(new Set([enr.peer_id]));
  });
});
