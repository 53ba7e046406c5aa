/**
 * Checkpoint sync and backfill (sync/checkpoint.ts, sync/backfill.ts, sync/weakSubjectivity.ts): node A makes and
 * finalizes a chain and serves its Beacon API; a new node starts from A's finalized state fetched over HTTP,
 * range-syncs to A's head from that anchor, then backfills to genesis through peers, some of them lying.
 */

import {rmSync, writeFileSync} from "node:fs";
import {createServer, type Server} from "node:http";
import type {AddressInfo} from "node:net";
import {join} from "node:path";
import {fromHex, toHex} from "@ceibo/utils";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import type {BeaconNode} from "../src/node/index.ts";
import type {BeaconSync, CheckpointAnchor, FetchCheckpointOpts} from "../src/sync/index.ts";

const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {ACTIVE_PRESET_NAME, FAR_FUTURE_EPOCH} = await import("@ceibo/params");
const {processSlots, validatorPublicKey} = await import("@ceibo/state-transition");
const {ssz} = await import("@ceibo/types");
const fx = await import("./fixtures/syncNetwork.ts");
const {BeaconDb} = await import("../src/db/index.ts");
const sync = await import("../src/sync/index.ts");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;
if (ACTIVE_PRESET_NAME !== "minimal") throw Error(`@ceibo/params was loaded with ${ACTIVE_PRESET_NAME}`);

const SLOTS_PER_EPOCH = 8;
const EPOCH_MS = SLOTS_PER_EPOCH * fx.SLOT_MS;

const dirs: string[] = [];
const nodes: BeaconNode[] = [];
const syncs: BeaconSync[] = [];
const servers: Server[] = [];
const closers: (() => Promise<void>)[] = [];
const clock = new fx.ManualClock();
let a: BeaconNode;
let url: string;
let baseOpts: FetchCheckpointOpts;

beforeAll(async () => {
  const dir = fx.tempDir("sync-cp-a");
  dirs.push(dir);
  a = await fx.devNode(clock, dir, true, true);
  nodes.push(a);
  await fx.advance(a, clock, 1, 40);
  url = a.restUrl as string;
  baseOpts = {
    config: a.config,
    genesisValidatorsRoot: a.chain.genesisValidatorsRoot,
    genesisTime: fx.GENESIS_TIME,
    nowMs: clock.ms,
  };
}, 60_000);

afterAll(async () => {
  for (const s of syncs) await s.stop();
  for (const s of servers) s.close();
  for (const n of nodes) await n.close();
  for (const c of closers) await c();
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

async function expectCode(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const e = (await p.then(
    () => null,
    (err: unknown) => err,
  )) as {code?: string; message: string} | null;
  expect(e, `expected ${code}`).not.toBeNull();
  expect(e?.code, e?.message).toBe(code);
  if (message !== undefined) expect(e?.message).toMatch(message);
}

/** A Beacon API stand-in serving fixed SSZ answers by path (what a buggy or hostile server could send). */
async function fakeServer(
  routes: Record<string, {bytes: Uint8Array; version: string}>,
): Promise<{url: string; paths: string[]}> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? "");
    const r = routes[req.url ?? ""];
    if (r === undefined) {
      res.writeHead(404, {"content-type": "application/json"}).end('{"code":404,"message":"not found"}');
      return;
    }
    res.writeHead(200, {"content-type": "application/octet-stream", "eth-consensus-version": r.version}).end(r.bytes);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths};
}

describe("weak subjectivity period", () => {
  it("matches the spec's reference tables (mainnet values)", () => {
    const p = {
      MIN_VALIDATOR_WITHDRAWABILITY_DELAY: 256,
      MAX_EFFECTIVE_BALANCE: 32e9,
      MAX_DEPOSITS: 16,
      SLOTS_PER_EPOCH: 32,
      MIN_PER_EPOCH_CHURN_LIMIT: 4,
      CHURN_LIMIT_QUOTIENT: 65536,
      MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA: 128e9,
      EFFECTIVE_BALANCE_INCREMENT: 1e9,
    };
    const gwei = (eth: number): bigint => BigInt(eth) * 10n ** 9n;
    // phase0/weak-subjectivity.md: (avg balance ETH, validators) → epochs, safety decay 10
    const phase0: [number, number, number][] = [
      [28, 32768, 504],
      [28, 65536, 752],
      [28, 131072, 1248],
      [28, 262144, 2241],
      [28, 524288, 2241],
      [28, 1048576, 2241],
      [32, 32768, 665],
      [32, 65536, 1075],
      [32, 131072, 1894],
      [32, 262144, 3532],
      [32, 524288, 3532],
      [32, 1048576, 3532],
    ];
    for (const [avg, n, epochs] of phase0) {
      expect(sync.computeWeakSubjectivityPeriodPhase0(p, n, gwei(avg * n)), `${avg} ETH x ${n}`).toBe(epochs);
    }
    // electra/weak-subjectivity.md: total active balance (ETH) → epochs
    const electra: [number, number][] = [
      [1_048_576, 665],
      [2_097_152, 1_075],
      [4_194_304, 1_894],
      [8_388_608, 3_532],
      [16_777_216, 3_532],
      [33_554_432, 3_532],
    ];
    for (const [total, epochs] of electra) {
      expect(sync.computeWeakSubjectivityPeriodElectra(p, gwei(total)), `${total} ETH`).toBe(epochs);
    }
  });

  it("compute_min_epochs_for_block_requests is 33024 epochs on mainnet", async () => {
    const {mainnetChainConfig} = await import("@ceibo/config");
    expect(sync.computeMinEpochsForBlockRequests(mainnetChainConfig)).toBe(256 + 65536 / 2);
  });
});

describe("checkpoint sync: fetch and verify", () => {
  let anchor: CheckpointAnchor;

  it("downloads A's finalized state and block over the Beacon API and checks them", async () => {
    expect(a.chain.finalizedCheckpoint.epoch).toBe(3);
    anchor = await sync.fetchCheckpoint({url}, baseOpts);
    expect(toHex(anchor.checkpoint.root)).toBe(a.chain.finalizedCheckpoint.root);
    expect(anchor.checkpoint.epoch).toBe(3);
    expect(anchor.state.slot).toBe(24);
    expect(anchor.block.message.slot).toBe(24);
    expect(toHex(anchor.stateRoot)).toBe(toHex(anchor.block.message.stateRoot));
    expect(toHex(anchor.stateRoot)).toBe(
      toHex(a.chain.getBlockState(a.chain.finalizedCheckpoint.root).state.hashTreeRoot()),
    );
    expect(anchor.fork).toBe("fulu");
    // electra formula, minimal config: t = 64 * 32 ETH; churn = max(64 ETH, t / 32) = 64 ETH;
    // 256 + 10 * 2048 / (2 * 64 * 100) = 256 + 1
    expect(anchor.wsPeriod).toBe(257);
    expect(anchor.withinWsPeriod).toBe(true);
  });

  it("refuses a state older than the weak subjectivity period unless forced", async () => {
    // the state is at epoch 3, the period 257 epochs: epoch 260 is the last current epoch that accepts it
    const at = (epoch: number) => ({...baseOpts, nowMs: fx.GENESIS_TIME * 1000 + epoch * EPOCH_MS + 1000});
    expect((await sync.fetchCheckpoint({url}, at(260))).withinWsPeriod).toBe(true);
    await expectCode(
      sync.fetchCheckpoint({url}, at(261)),
      "OUTSIDE_WS_PERIOD",
      /epoch 3.*257 epochs.*current epoch 261/,
    );
    const forced = await sync.fetchCheckpoint({url}, {...at(261), force: true});
    expect(forced.withinWsPeriod).toBe(false);
    expect(toHex(forced.blockRoot)).toBe(toHex(anchor.blockRoot));
  });

  it("names what does not match our network", async () => {
    await expectCode(
      sync.fetchCheckpoint({url}, {...baseOpts, genesisValidatorsRoot: new Uint8Array(32).fill(9)}),
      "GENESIS_MISMATCH",
      /genesis_validators_root/,
    );
    await expectCode(
      sync.fetchCheckpoint({url}, {...baseOpts, genesisTime: fx.GENESIS_TIME + 1}),
      "GENESIS_MISMATCH",
      /genesis_time/,
    );
    await expectCode(
      sync.fetchCheckpoint(
        {url},
        {...baseOpts, config: {...a.config, FULU_FORK_VERSION: Uint8Array.of(0x99, 0, 0, 1)}},
      ),
      "FORK_MISMATCH",
      /fork version .* our config has fulu \(0x99000001\)/,
    );
    await expectCode(
      sync.fetchCheckpoint({url}, {...baseOpts, config: {...a.config, FULU_FORK_EPOCH: FAR_FUTURE_EPOCH}}),
      "FORK_MISMATCH",
      /announced as fulu but our config has electra/,
    );
    await expectCode(sync.fetchCheckpoint({url: "http://127.0.0.1:1"}, baseOpts), "FETCH_FAILED");
  });

  it("checks a weak subjectivity checkpoint (block_root:epoch)", async () => {
    const ok = await sync.fetchCheckpoint({url}, {...baseOpts, wsCheckpoint: {epoch: 3, root: anchor.blockRoot}});
    expect(ok.checkpoint.epoch).toBe(3);
    await expectCode(
      sync.fetchCheckpoint({url}, {...baseOpts, wsCheckpoint: {epoch: 3, root: new Uint8Array(32).fill(1)}}),
      "WS_CHECKPOINT_MISMATCH",
    );
    await expectCode(
      sync.fetchCheckpoint({url}, {...baseOpts, wsCheckpoint: {epoch: 2, root: anchor.blockRoot}}),
      "WS_CHECKPOINT_MISMATCH",
      /epoch 3.*epoch 2/,
    );
  });

  it("asks for the block's post-state when the server's finalized state was advanced to the epoch boundary", async () => {
    const post = a.chain.getBlockState(a.chain.finalizedCheckpoint.root);
    const advanced = post.clone();
    processSlots(advanced, 32);
    const blockBytes = ssz.fulu.SignedBeaconBlock.serialize(anchor.block as never);
    const routes = {
      "/eth/v2/debug/beacon/states/finalized": {bytes: advanced.state.serialize(), version: "fulu"},
      [`/eth/v2/beacon/blocks/${toHex(anchor.blockRoot)}`]: {bytes: blockBytes, version: "fulu"},
      [`/eth/v2/debug/beacon/states/${toHex(anchor.stateRoot)}`]: {bytes: post.state.serialize(), version: "fulu"},
    };
    const server = await fakeServer(routes);
    const got = await sync.fetchCheckpoint({url: server.url}, baseOpts);
    expect(got.state.slot).toBe(24);
    expect(toHex(got.stateRoot)).toBe(toHex(anchor.stateRoot));
    expect(server.paths).toEqual(Object.keys(routes));

    // without the post-state the advanced state cannot anchor fork choice
    const noPost = await fakeServer({
      ...routes,
      [`/eth/v2/debug/beacon/states/${toHex(anchor.stateRoot)}`]: undefined as never,
    });
    await expectCode(sync.fetchCheckpoint({url: noPost.url}, baseOpts), "FETCH_FAILED", /HTTP 404/);
    // a post-state that is not the block's
    const wrongPost = await fakeServer({
      ...routes,
      [`/eth/v2/debug/beacon/states/${toHex(anchor.stateRoot)}`]: {bytes: advanced.state.serialize(), version: "fulu"},
    });
    await expectCode(sync.fetchCheckpoint({url: wrongPost.url}, baseOpts), "STATE_ROOT_MISMATCH");
  });

  it("refuses a block that is not the state's latest block header, and a mislabelled fork", async () => {
    const post = a.chain.getBlockState(a.chain.finalizedCheckpoint.root);
    const head = await a.db.getBlock(fromHex(a.chain.head.blockRoot));
    const wrongBlock = await fakeServer({
      "/eth/v2/debug/beacon/states/finalized": {bytes: post.state.serialize(), version: "fulu"},
      [`/eth/v2/beacon/blocks/${toHex(anchor.blockRoot)}`]: {
        bytes: ssz.fulu.SignedBeaconBlock.serialize(head?.block as never),
        version: "fulu",
      },
    });
    await expectCode(sync.fetchCheckpoint({url: wrongBlock.url}, baseOpts), "BLOCK_MISMATCH", /latest block header/);
    const mislabelled = await fakeServer({
      "/eth/v2/debug/beacon/states/finalized": {bytes: post.state.serialize(), version: "deneb"},
    });
    await expectCode(sync.fetchCheckpoint({url: mislabelled.url}, baseOpts), "FORK_MISMATCH", /announced as deneb/);
  });

  it("reads a state and block from files; a state file alone lacks its block", async () => {
    const dir = fx.tempDir("sync-cp-files");
    dirs.push(dir);
    const stateFile = join(dir, "state.ssz");
    const blockFile = join(dir, "block.ssz");
    writeFileSync(stateFile, a.chain.getBlockState(a.chain.finalizedCheckpoint.root).state.serialize());
    writeFileSync(blockFile, ssz.fulu.SignedBeaconBlock.serialize(anchor.block as never));
    const got = await sync.fetchCheckpoint({stateFile, blockFile}, baseOpts);
    expect(toHex(got.blockRoot)).toBe(toHex(anchor.blockRoot));
    await expectCode(sync.fetchCheckpoint({stateFile}, baseOpts), "MISSING_BLOCK", /needs its block/);
  });
});

describe("checkpoint sync: start from the anchor, range sync to the head, backfill to genesis", () => {
  it("continues an interrupted backfill from the oldest archived block", async () => {
    const anchor = await sync.fetchCheckpoint({url}, baseOpts);
    const dir = fx.tempDir("sync-cp-e");
    dirs.push(dir);
    const db = await BeaconDb.open(dir, {network: "dev", chainConfig: a.config});
    await sync.writeCheckpointAnchor(db, anchor);
    await db.close();
    const e = await fx.chainFromDataDir(clock, dir, a.config);
    closers.push(e.close);
    const net = new fx.TestSyncNetwork();
    net.addPeer(new fx.ServingPeer("good", a));
    const make = (minSlot: number) =>
      new sync.BackfillSync(
        {
          db: e.db,
          config: e.chain.beaconConfig,
          network: net,
          getPubkey: (i) => validatorPublicKey(e.chain.getHeadState(), i),
        },
        {minSlot},
      );
    // first run stops at slot 13 (as if interrupted there)
    const first = make(13);
    const done1 = new Promise((resolve) => first.emitter.once("complete", resolve));
    await first.start();
    await done1;
    expect(await e.db.blockArchive.firstSlot()).toBe(13);
    expect(first.writtenBlocks).toBe(11);
    // a later run starts below 13, not at the anchor
    const second = make(0);
    const done2 = new Promise((resolve) => second.emitter.once("complete", resolve));
    await second.start();
    expect(second.status.oldestSlot).toBe(13);
    await done2;
    expect(second.writtenBlocks).toBe(13);
    expect(await e.db.blockArchive.firstSlot()).toBe(0);
    const requested = net.requests.filter((r) => r.method === "range");
    expect(requested.every((r) => (r.startSlot as number) + (r.count as number) <= 24)).toBe(true);
    expect(requested.at(-1)).toMatchObject({startSlot: 0, count: 13});
  });

  it("starts a node from A's finalized checkpoint, syncs to A's head and backfills the hash chain to genesis", async () => {
    const anchor = await sync.fetchCheckpoint({url}, baseOpts);
    const dir = fx.tempDir("sync-cp-d");
    dirs.push(dir);
    const db = await BeaconDb.open(dir, {network: "dev", chainConfig: a.config});
    await sync.writeCheckpointAnchor(db, anchor);
    await db.close();
    const d = await fx.chainFromDataDir(clock, dir, a.config);
    closers.push(d.close);
    expect(d.chain.head.slot).toBe(24);
    expect(d.chain.head.blockRoot).toBe(a.chain.finalizedCheckpoint.root);
    expect(d.chain.finalizedCheckpoint).toEqual({epoch: 3, root: a.chain.finalizedCheckpoint.root});

    const canonical = await new fx.ServingPeer("x", a).canonical();
    const donor = canonical[30].signature;
    const net = new fx.TestSyncNetwork();
    net.delayMs = 5;
    const good = new fx.ServingPeer("good", a);
    // lie only below the anchor (slot 24): range sync above it is not affected
    const badSig = new fx.ServingPeer("badSig", a, (blk) => {
      if (blk.message.slot > 0 && blk.message.slot < 24) blk.signature = donor;
      return blk;
    });
    const badChain = new fx.ServingPeer("badChain", a, (blk) => {
      if ([4, 12, 23].includes(blk.message.slot)) {
        (blk.message.body as {graffiti: Uint8Array}).graffiti = new Uint8Array(32).fill(0xbb);
      }
      return blk;
    });
    const s = new sync.BeaconSync({
      chain: d.chain,
      db: d.db,
      network: net,
      opts: {range: {retryDelayMs: 100}, backfill: {epochsPerBatch: 1, maxBufferedBatches: 3, retryDelayMs: 100}},
    });
    syncs.push(s);
    await s.start();
    const t0 = Date.now();
    for (const p of [good, badSig, badChain]) net.addPeer(p);
    await fx.until(() => d.chain.head.blockRoot === a.chain.head.blockRoot, 30_000, "D at A's head");
    const tRange = Date.now();
    await fx.until(() => s.backfill?.status.complete === true, 30_000, "backfill complete");
    const tBackfill = Date.now();
    console.log(
      `checkpoint node: range sync ${s.range.importedBlocks} blocks in ${tRange - t0} ms; ` +
        `backfill ${s.backfill?.writtenBlocks} blocks in ${tBackfill - tRange} ms`,
    );
    expect(s.range.importedBlocks).toBe(16);
    expect(s.backfill?.status).toMatchObject({oldestSlot: 0, minSlot: 0, complete: true, writtenBlocks: 24});
    expect(s.backfill?.earliestAvailableSlot).toBe(0);

    // the archive now holds A's canonical blocks 0..24, and the parent links lead from the anchor to genesis
    for (const blk of canonical.filter((x) => x.message.slot <= 24)) {
      const stored = await d.db.blockArchive.getBySlot(blk.message.slot);
      expect(stored, `slot ${blk.message.slot}`).not.toBeNull();
      expect(toHex(ssz.fulu.SignedBeaconBlock.serialize(stored?.block as never))).toBe(
        toHex(ssz.fulu.SignedBeaconBlock.serialize(blk as never)),
      );
    }
    let cursor = (await d.db.blockArchive.getByRoot(anchor.blockRoot))?.block;
    let links = 0;
    while (cursor !== undefined && cursor.message.slot > 0) {
      cursor = (await d.db.blockArchive.getByRoot(cursor.message.parentRoot))?.block;
      links++;
    }
    expect(links).toBe(24);
    expect(toHex(cursor?.message.parentRoot ?? new Uint8Array(1))).toBe(toHex(new Uint8Array(32)));

    // the lying peers were caught and their batches taken from the honest one
    expect(net.reportsOf("good")).toEqual([]);
    const sigReports = net.reportsOf("badSig");
    expect(sigReports.length).toBeGreaterThanOrEqual(1);
    expect(sigReports.every((r) => r.action === "lowTolerance" && /invalid proposer signature/.test(r.reason))).toBe(
      true,
    );
    const chainReports = net.reportsOf("badChain");
    expect(chainReports.length).toBeGreaterThanOrEqual(1);
    expect(
      chainReports.every(
        (r) => r.action === "lowTolerance" && /not the previous block|not the expected parent/.test(r.reason),
      ),
    ).toBe(true);

    // progress is the archive itself: a new backfill over the same db has nothing left to do
    const again = new sync.BackfillSync({
      db: d.db,
      config: d.chain.beaconConfig,
      network: net,
      getPubkey: (i) => validatorPublicKey(d.chain.getHeadState(), i),
    });
    await again.start();
    expect(again.status).toMatchObject({complete: true, oldestSlot: 0});
    // no execution engine here: the head is optimistic
    expect(s.getSyncStatus()).toEqual({
      headSlot: 40,
      syncDistance: 0,
      isSyncing: false,
      isOptimistic: true,
      elOffline: false,
    });

    // A finalizes further; D follows (finalized sync from a checkpoint anchor), archives the newly finalized
    // blocks above its backfilled ones, and restarts from its new anchor
    await fx.advance(a, clock, 41, 56);
    expect(a.chain.finalizedCheckpoint.epoch).toBeGreaterThan(3);
    net.restatus();
    await fx.until(() => d.chain.head.blockRoot === a.chain.head.blockRoot, 30_000, "D at A's head (56)");
    expect(d.chain.finalizedCheckpoint).toEqual(a.chain.finalizedCheckpoint);
    const finalizedSlot = d.chain.forkChoice.getBlock(d.chain.finalizedCheckpoint.root)?.slot as number;
    expect(await d.db.blockArchive.lastSlot()).toBe(finalizedSlot);
    expect(await d.db.blockArchive.firstSlot()).toBe(0);
    expect((await d.db.anchor.get())?.checkpoint.epoch).toBe(a.chain.finalizedCheckpoint.epoch);
    await s.stop();
    await d.close();
    const restarted = await fx.chainFromDataDir(clock, dir, a.config);
    closers.push(restarted.close);
    expect(restarted.chain.head.blockRoot).toBe(a.chain.head.blockRoot);
    expect(restarted.chain.finalizedCheckpoint).toEqual(a.chain.finalizedCheckpoint);
  });
});
