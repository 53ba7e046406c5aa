/**
 * network/peers: the score store (actions, decay half-life, ban hold, gossipsub weight), the peers file, and the
 * peer manager's Status rules (phase0 p2p-interface.md Status: fork digest, finalized checkpoint on our chain),
 * our Status and MetaData — on a stub chain and database.
 */

import {EventEmitter} from "node:events";
import {existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {BeaconConfig, createDevChainConfig} from "@ceibo/config";
import {ACTIVE_PRESET_NAME, SLOTS_PER_EPOCH} from "@ceibo/params";
import type {Logger} from "@ceibo/utils";
import {generateKeyPair} from "@libp2p/crypto/keys";
import {peerIdFromPrivateKey} from "@libp2p/peer-id";
import {afterAll, describe, expect, it} from "vitest";
import type {DiscoveredPeer, Discovery} from "../src/network/discovery/discv5.ts";
import {
  PeerManager,
  type PeerManagerChain,
  type PeerManagerDb,
  type PeerReqResp,
} from "../src/network/peers/peerManager.ts";
import {
  loadPersistedPeers,
  MAX_PERSISTED_PEERS,
  type PersistedPeer,
  savePersistedPeers,
} from "../src/network/peers/persistedPeers.ts";
import {
  BAN_HOLD_MS,
  PeerScoreStore,
  SCORE_HALFLIFE_MS,
  SCORE_THRESHOLD_BAN,
  SCORE_THRESHOLD_DISCONNECT,
} from "../src/network/peers/score.ts";
import type {StatusMessage} from "../src/network/types.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

describe("PeerScoreStore", () => {
  const clock = () => {
    let now = 1_000_000;
    return {nowMs: () => now, advance: (ms: number) => (now += ms)};
  };

  it("actions lower the score; thresholds give disconnect, then ban", () => {
    const t = clock();
    const s = new PeerScoreStore({nowMs: t.nowMs});
    expect(s.applyAction("p", "highTolerance")).toBe("healthy");
    expect(s.getScore("p")).toBeCloseTo(-1);
    expect(s.applyAction("p", "midTolerance")).toBe("healthy"); // -6
    expect(s.applyAction("p", "lowTolerance")).toBe("healthy"); // -16
    expect(s.applyAction("p", "lowTolerance")).toBe("disconnect"); // -26
    expect(s.getScore("p")).toBeCloseTo(-26);
    expect(s.applyAction("p", "lowTolerance")).toBe("disconnect"); // -36
    expect(s.applyAction("p", "lowTolerance")).toBe("disconnect"); // -46
    expect(s.applyAction("p", "lowTolerance")).toBe("ban"); // -56
  });

  it("fatal bans at once; the score is held for the ban period, then decays with a 10 minute half-life", () => {
    const t = clock();
    const s = new PeerScoreStore({nowMs: t.nowMs});
    expect(s.applyAction("p", "fatal")).toBe("ban");
    expect(s.getScore("p")).toBe(-100);
    t.advance(BAN_HOLD_MS - 1);
    expect(s.getScore("p")).toBe(-100);
    expect(s.isBanned("p")).toBe(true);
    t.advance(1 + SCORE_HALFLIFE_MS);
    expect(s.getScore("p")).toBeCloseTo(-50);
    expect(s.isBanned("p")).toBe(true); // at the threshold
    t.advance(SCORE_HALFLIFE_MS);
    expect(s.getScore("p")).toBeCloseTo(-25);
    expect(s.isBanned("p")).toBe(false);
    expect(s.getState("p")).toBe("disconnect");
    // a peer without reports has 0 and decayed scores are forgotten
    expect(s.getScore("other")).toBe(0);
    t.advance(20 * SCORE_HALFLIFE_MS);
    s.decayAll();
    expect(s.entries()).toEqual([]);
  });

  it("negative gossipsub scores count (graylist threshold → disconnect threshold); positive ones do not", () => {
    const t = clock();
    const s = new PeerScoreStore({nowMs: t.nowMs, gossipsubGraylistThreshold: -16000});
    expect(s.setGossipScore("good", 500)).toBe("healthy");
    s.applyAction("good", "lowTolerance");
    expect(s.getScore("good")).toBeCloseTo(-10); // a good gossiper is not forgiven
    expect(s.setGossipScore("grey", -16000)).toBe("disconnect");
    expect(s.getScore("grey")).toBeCloseTo(SCORE_THRESHOLD_DISCONNECT);
    expect(s.setGossipScore("bad", -40000)).toBe("ban");
    // the ban holds even if the gossipsub score recovers
    s.setGossipScore("bad", 0);
    expect(s.isBanned("bad")).toBe(true);
    t.advance(BAN_HOLD_MS + 2 * SCORE_HALFLIFE_MS);
    expect(s.isBanned("bad")).toBe(false);
  });

  it("restored scores never start banned", () => {
    const s = new PeerScoreStore();
    s.restore("p", -100);
    expect(s.getScore("p")).toBeGreaterThan(SCORE_THRESHOLD_BAN);
    s.restore("q", 7);
    expect(s.getScore("q")).toBeCloseTo(7, 1);
  });
});

describe("peers file", () => {
  const warnings: string[] = [];
  const logger: Logger = {error() {}, warn: (m) => warnings.push(m), info() {}, debug() {}};
  const peer = (i: number, lastSeen: number): PersistedPeer => ({
    peerId: `peer${i}`,
    multiaddrs: [`/ip4/127.0.0.1/tcp/${9000 + i}`],
    lastSeen,
    score: 0,
  });

  it("saves atomically (no temporary file left) and loads back, most recent first, capped", () => {
    const dir = mkdtempSync(join(tmpdir(), "ceibo-peers-"));
    dirs.push(dir);
    const path = join(dir, "network", "peers.json");
    expect(loadPersistedPeers(path, logger)).toEqual([]); // missing: empty, no warning
    expect(warnings).toEqual([]);
    const peers = Array.from({length: MAX_PERSISTED_PEERS + 10}, (_, i) => peer(i, i));
    savePersistedPeers(path, peers);
    expect(readdirSync(join(dir, "network"))).toEqual(["peers.json"]);
    const loaded = loadPersistedPeers(path, logger);
    expect(loaded).toHaveLength(MAX_PERSISTED_PEERS);
    expect(loaded[0]).toEqual(peer(MAX_PERSISTED_PEERS + 9, MAX_PERSISTED_PEERS + 9));
    expect(loaded.map((p) => p.lastSeen)).toEqual([...loaded.map((p) => p.lastSeen)].sort((a, b) => b - a));
  });

  it("a corrupt file is ignored with a warning; malformed entries are dropped", () => {
    const dir = mkdtempSync(join(tmpdir(), "ceibo-peers-"));
    dirs.push(dir);
    const path = join(dir, "peers.json");
    writeFileSync(path, "{not json");
    expect(loadPersistedPeers(path, logger)).toEqual([]);
    expect(warnings).toHaveLength(1);
    writeFileSync(path, JSON.stringify({version: 1, peers: [peer(1, 5), {peerId: 3}, null]}));
    expect(loadPersistedPeers(path, logger)).toEqual([peer(1, 5)]);
    expect(existsSync(path)).toBe(true);
  });
});

describe("PeerManager Status rules", () => {
  const config = new BeaconConfig(createDevChainConfig({preset: ACTIVE_PRESET_NAME}), new Uint8Array(32).fill(1));
  const electraConfig = new BeaconConfig(
    createDevChainConfig({preset: ACTIVE_PRESET_NAME, forkEpochs: {fulu: Number.POSITIVE_INFINITY}}),
    new Uint8Array(32).fill(1),
  );
  const root = (b: number): Uint8Array => new Uint8Array(32).fill(b);
  const rootHex = (b: number): string => `0x${Buffer.from(root(b)).toString("hex")}`;
  const noReqResp: PeerReqResp = {
    status: () => Promise.reject(Error("no network")),
    goodbye: () => Promise.resolve(),
    ping: () => Promise.resolve(0n),
    metadata: () => Promise.reject(Error("no network")),
  };

  /**
   * Our chain: finalized at epoch 10 (root 0x0a…), head at slot 100; the archive holds finalized blocks at the
   * given slots, block root 0xNN… at slot NN (so the checkpoint block of epoch e is the last one at or before
   * e * SLOTS_PER_EPOCH).
   */
  function manager(archivedSlots: number[], beaconConfig = config): PeerManager {
    const chain: PeerManagerChain = {
      beaconConfig,
      clock: {currentEpoch: 12},
      head: {blockRoot: rootHex(0xee), slot: 12 * SLOTS_PER_EPOCH + 3},
      finalizedCheckpoint: {epoch: 10, root: rootHex(0x0a)},
    };
    const db: PeerManagerDb = {
      blockArchive: {
        getSlotByRoot: async (r) => (archivedSlots.includes(r[0]) && r.every((x) => x === r[0]) ? r[0] : null),
        rangeSerialized: async (from, to) => archivedSlots.filter((s) => s >= from && s < to).map((slot) => ({slot})),
      },
    };
    return new PeerManager(
      {libp2p: {} as never, reqResp: noReqResp, chain, db, scores: new PeerScoreStore(), logger: silent},
      {earliestAvailableSlot: () => 17},
    );
  }
  const silent: Logger = {error() {}, warn() {}, info() {}, debug() {}};
  const remote = (over: Partial<StatusMessage>, pm: PeerManager): StatusMessage => ({...pm.getStatus(), ...over});

  it("our Status: current fork digest, finalized checkpoint, head; fulu adds earliest_available_slot", () => {
    const pm = manager([]);
    const s = pm.getStatus();
    expect(s.forkDigest).toEqual(config.computeForkDigest(12));
    expect(s.finalizedEpoch).toBe(10);
    expect(s.finalizedRoot).toEqual(root(0x0a));
    expect(s.headRoot).toEqual(root(0xee));
    expect(s.headSlot).toBe(12 * SLOTS_PER_EPOCH + 3);
    expect(s.earliestAvailableSlot).toBe(17);
    expect(manager([], electraConfig).getStatus().earliestAvailableSlot).toBeUndefined();
  });

  it("a different fork digest or a finalized epoch from the future is another network", async () => {
    const pm = manager([]);
    expect(await pm.irrelevantReason(remote({forkDigest: electraConfig.computeForkDigest(12)}, pm))).toMatch(
      /fork digest/,
    );
    expect(await pm.irrelevantReason(remote({finalizedEpoch: 13, finalizedRoot: root(1)}, pm))).toMatch(/future|after/);
    expect(await pm.irrelevantReason(remote({}, pm))).toBeNull();
  });

  it("same finalized epoch: the roots must match; a peer ahead of us cannot be judged", async () => {
    const pm = manager([]);
    expect(await pm.irrelevantReason(remote({finalizedRoot: root(0x0b)}, pm))).toMatch(/differs/);
    expect(await pm.irrelevantReason(remote({finalizedEpoch: 11, finalizedRoot: root(0x0b)}, pm))).toBeNull();
    expect(await pm.irrelevantReason(remote({finalizedEpoch: 0, finalizedRoot: root(0)}, pm))).toBeNull();
  });

  it("an earlier finalized checkpoint must be the checkpoint block of our finalized chain at that epoch", async () => {
    // archived blocks around epoch 4's start slot (32 in minimal, 128 in mainnet; roots 0xNN… with NN = slot)
    const epoch = 4;
    const start = epoch * SLOTS_PER_EPOCH;
    const slots = [start - 10, start - 2, start + 1, start + 8];
    const pm = manager(slots);
    const at = (slot: number) => remote({finalizedEpoch: epoch, finalizedRoot: root(slot % 256)}, pm);
    // the checkpoint block: the last archived block at or before the epoch start
    expect(await pm.irrelevantReason(at(start - 2))).toBeNull();
    // an older block of ours is not the checkpoint (a block of ours sits between it and the epoch start)
    expect(await pm.irrelevantReason(at(start - 10))).toMatch(/not on our chain/);
    // a later block of ours is not the checkpoint either
    expect(await pm.irrelevantReason(at(start + 1))).toMatch(/not on our chain/);
    // a root we never finalized while we hold that epoch's blocks: another chain
    expect(await pm.irrelevantReason(remote({finalizedEpoch: epoch, finalizedRoot: root(0xcc)}, pm))).toMatch(
      /not on our chain/,
    );
    // no archived blocks around that epoch (e.g. before a checkpoint-sync anchor): cannot tell, accepted
    const empty = manager([]);
    expect(await empty.irrelevantReason(remote({finalizedEpoch: epoch, finalizedRoot: root(0xcc)}, empty))).toBeNull();
  });

  it("MetaData seq_number increases only when a field changes", () => {
    const pm = manager([]);
    const m0 = pm.getMetadata();
    expect(m0.seqNumber).toBe(0n);
    const attnets = new Array(64).fill(false);
    attnets[3] = true;
    expect(pm.setLocalMetadata({attnets, syncnets: [false, false, false, false], custodyGroupCount: 4})).toBe(true);
    expect(pm.getMetadata().seqNumber).toBe(1n);
    expect(pm.setLocalMetadata({attnets, syncnets: [false, false, false, false], custodyGroupCount: 4})).toBe(false);
    expect(pm.getMetadata().seqNumber).toBe(1n);
    expect(pm.setLocalMetadata({attnets, syncnets: [false, false, false, false], custodyGroupCount: 8})).toBe(true);
    expect(pm.getMetadata()).toMatchObject({seqNumber: 2n, custodyGroupCount: 8});
  });
});

describe("PeerManager dialing discovered peers", () => {
  const config = new BeaconConfig(createDevChainConfig({preset: ACTIVE_PRESET_NAME}), new Uint8Array(32).fill(1));
  const chain: PeerManagerChain = {
    beaconConfig: config,
    clock: {currentEpoch: 0},
    head: {blockRoot: `0x${"ee".repeat(32)}`, slot: 0},
    finalizedCheckpoint: {epoch: 0, root: `0x${"00".repeat(32)}`},
  };
  const db: PeerManagerDb = {blockArchive: {getSlotByRoot: async () => null, rangeSerialized: async () => []}};
  const bits = (n: number, set: number[]): boolean[] => Array.from({length: n}, (_, i) => set.includes(i));
  const newPeerId = async (): Promise<string> => peerIdFromPrivateKey(await generateKeyPair("secp256k1")).toString();

  /** A peer manager over a stub host (records dials) and a stub discovery (emits what the test gives it). */
  async function setup(targetPeers: number, maxPeers: number, needed: {attnets: number[]; syncnets: number[]}) {
    const listeners = new Map<string, (evt: CustomEvent<unknown>) => void>();
    const dialed: string[] = [];
    const self = await newPeerId();
    const libp2p = {
      peerId: {toString: () => self},
      addEventListener: (name: string, l: (evt: CustomEvent<unknown>) => void) => listeners.set(name, l),
      removeEventListener: () => {},
      getConnections: () => [],
      dial: async (ma: {toString(): string}) => {
        dialed.push(ma.toString());
        throw Error("not dialing in this test");
      },
    };
    const discovery = Object.assign(new EventEmitter(), {
      isStarted: true,
      knownPeers: (): DiscoveredPeer[] => [],
      findRandomPeers: async () => 0,
    });
    const reqResp: PeerReqResp = {
      status: async () => pm.getStatus(),
      goodbye: async () => {},
      ping: async () => 0n,
      metadata: async () => ({seqNumber: 1n, attnets: bits(64, []), syncnets: bits(4, [])}),
    };
    const pm: PeerManager = new PeerManager(
      {
        libp2p: libp2p as never,
        reqResp,
        chain,
        db,
        scores: new PeerScoreStore(),
        logger: {error() {}, warn() {}, info() {}, debug() {}},
        discovery: discovery as unknown as Discovery,
      },
      {targetPeers, maxPeers, neededSubnets: () => needed, heartbeatIntervalMs: 60_000},
    );
    pm.start();
    const connect = async (peer: string): Promise<void> => {
      listeners.get("connection:open")!({
        detail: {
          remotePeer: {toString: () => peer},
          direction: "outbound",
          remoteAddr: {toString: () => `/ip4/127.0.0.1/tcp/1/p2p/${peer}`},
        },
      } as CustomEvent<unknown>);
      // Status, then MetaData
      for (let i = 0; i < 10 && pm.getPeerMetadata(peer) === null; i++) await new Promise((r) => setTimeout(r, 5));
    };
    const discover = (peer: string, attnets: number[], syncnets: number[] = []): void => {
      discovery.emit("discovered", {
        peerId: peer,
        nodeId: "00",
        multiaddr: `/ip4/127.0.0.1/tcp/30303/p2p/${peer}`,
        enr: "enr:-",
        attnets: bits(64, attnets),
        syncnets: bits(4, syncnets),
        custodyGroupCount: 4,
      } satisfies DiscoveredPeer);
    };
    const wasDialed = (peer: string): boolean => dialed.some((d) => d.endsWith(`/p2p/${peer}`));
    return {pm, connect, discover, wasDialed};
  }

  it("below the target any discovered peer is dialed", async () => {
    const t = await setup(2, 3, {attnets: [5], syncnets: []});
    const r = await newPeerId();
    t.discover(r, []);
    await new Promise((r) => setTimeout(r, 10));
    expect(t.wasDialed(r)).toBe(true);
    await t.pm.stop();
  });

  it("at the target only peers advertising a needed subnet that lacks peers are dialed", async () => {
    const t = await setup(1, 4, {attnets: [5], syncnets: [2]});
    await t.connect(await newPeerId());
    expect(t.pm.getSyncPeers()).toHaveLength(1);
    const [plain, onAttnet, onSyncnet, onOther] = await Promise.all([
      newPeerId(),
      newPeerId(),
      newPeerId(),
      newPeerId(),
    ]);
    t.discover(plain, []);
    t.discover(onAttnet, [5]);
    t.discover(onSyncnet, [], [2]);
    t.discover(onOther, [6], [1]);
    await new Promise((r) => setTimeout(r, 10));
    expect(t.wasDialed(plain)).toBe(false);
    expect(t.wasDialed(onOther)).toBe(false);
    expect(t.wasDialed(onAttnet)).toBe(true);
    expect(t.wasDialed(onSyncnet)).toBe(true);
    await t.pm.stop();
  });

  it("at the maximum nothing more is dialed, even for a needed subnet", async () => {
    const t = await setup(1, 1, {attnets: [5], syncnets: []});
    await t.connect(await newPeerId());
    const onAttnet = await newPeerId();
    t.discover(onAttnet, [5]);
    await new Promise((r) => setTimeout(r, 10));
    expect(t.wasDialed(onAttnet)).toBe(false);
    await t.pm.stop();
  });
});
