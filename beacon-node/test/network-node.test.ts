/**
 * Real networks on 127.0.0.1: beacon chains (interop genesis, one database each) with a Network each — libp2p
 * host, req/resp, gossip, discv5 and the peer manager — that find each other through a discv5 bootnode, exchange
 * Status / MetaData / Ping, turn away a node of another network with Goodbye IRRELEVANT_NETWORK, persist their
 * peers and dial them again after a restart, and ban a peer reported "fatal".
 */
import {mkdtempSync, readFileSync, rmSync, statSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {type ChainConfig, createDevChainConfig} from "@ceibo/config";
import {ACTIVE_PRESET_NAME} from "@ceibo/params";
import {type CachedBeaconState, createInteropGenesisState} from "@ceibo/state-transition";
import {multiaddr} from "@multiformats/multiaddr";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {BeaconChain, Clock, type Logger} from "../src/chain/index.ts";
import {BeaconDb} from "../src/db/index.ts";
import {decodeEnrTxt, readEth2Fields} from "../src/network/discovery/enr.ts";
import {peerKeyPath} from "../src/network/libp2p.ts";
import {Network, type NetworkOpts} from "../src/network/network.ts";
import {GoodbyeReason, type PeerIdStr} from "../src/network/types.ts";

const VALIDATORS = 64;
const genesisTime = Math.floor(Date.now() / 1000);
const fuluConfig = createDevChainConfig({preset: ACTIVE_PRESET_NAME});
// another network: same validators and genesis time, but electra is the last fork → another fork digest
const electraConfig = createDevChainConfig({preset: ACTIVE_PRESET_NAME, forkEpochs: {fulu: Number.POSITIVE_INFINITY}});

interface TestNode {
  name: string;
  dir: string;
  network: Network;
  chain: BeaconChain;
  db: BeaconDb;
  logs: string[];
  goodbyes: {peer: PeerIdStr; reason: number}[];
}

const nodes: TestNode[] = [];
const dirs: string[] = [];
const genesisStates = new Map<ChainConfig, CachedBeaconState>();

function captureLogger(name: string, logs: string[]): Logger {
  const write = (level: string) => (message: string, context?: Record<string, unknown>) => {
    const line = `${level} ${message} ${JSON.stringify(context ?? {}, (_k, v) => (typeof v === "bigint" ? String(v) : v))}`;
    logs.push(line);
    if (process.env.NETWORK_TEST_LOG) process.stderr.write(`[${name}] ${line}\n`);
  };
  return {error: write("error"), warn: write("warn"), info: write("info"), debug: write("debug")};
}

async function startNode(
  name: string,
  opts: NetworkOpts,
  existing?: {dir: string; chain: BeaconChain; db: BeaconDb},
  config: ChainConfig = fuluConfig,
): Promise<TestNode> {
  let dir: string;
  let db: BeaconDb;
  let chain: BeaconChain;
  if (existing !== undefined) {
    ({dir, db, chain} = existing);
  } else {
    dir = mkdtempSync(join(tmpdir(), `ceibo-net-${name}-`));
    dirs.push(dir);
    db = await BeaconDb.open(dir, {network: "dev", chainConfig: config});
    let genesis = genesisStates.get(config);
    if (genesis === undefined) {
      genesis = createInteropGenesisState(config, {validatorCount: VALIDATORS, genesisTime});
      genesisStates.set(config, genesis);
    }
    await BeaconChain.initializeDb(db, genesis);
    const clock = new Clock({genesisTime, slotDurationMs: config.SLOT_DURATION_MS});
    chain = await BeaconChain.fromDb({config, db, engine: null, clock});
  }
  const logs: string[] = [];
  const logger = captureLogger(name, logs);
  const network = await Network.create({
    config: chain.beaconConfig,
    chain,
    db,
    logger,
    dataDir: dir,
    opts: {
      listenAddress: "127.0.0.1",
      port: 0,
      discoveryPort: 0,
      targetPeers: 10,
      dev: true,
      peerManager: {
        pingIntervalMs: 1_000,
        statusIntervalMs: 2_000,
        heartbeatIntervalMs: 500,
        inboundStatusTimeoutMs: 3_000,
        goodbyeTimeoutMs: 1_000,
      },
      discv5Config: {lookupTimeout: 2_000, requestTimeout: 500},
      ...opts,
    },
  });
  const node: TestNode = {name, dir, network, chain, db, logs, goodbyes: []};
  // record every Goodbye the node receives (the req/resp handler calls the peer manager)
  const onGoodbye = network.peerManager.onGoodbye.bind(network.peerManager);
  network.peerManager.onGoodbye = (peer, reason) => {
    node.goodbyes.push({peer, reason: Number(reason)});
    onGoodbye(peer, reason);
  };
  await network.start();
  nodes.push(node);
  return node;
}

async function stopNode(node: TestNode): Promise<void> {
  await node.network.stop();
  nodes.splice(nodes.indexOf(node), 1);
}

async function waitFor(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const syncPeerIds = (n: TestNode): string[] => n.network.getSyncPeers().map((p) => p.peer);
const connectedTo = (n: TestNode, peer: string): boolean =>
  n.network.libp2p.getConnections().some((c) => c.remotePeer.toString() === peer);

afterAll(async () => {
  for (const n of [...nodes]) await n.network.stop().catch(() => {});
  const dbs = new Set<BeaconDb>();
  for (const n of nodes) dbs.add(n.db);
  for (const db of dbs) await db.close().catch(() => {});
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
}, 30_000);

describe("Network on 127.0.0.1", () => {
  let a: TestNode;
  let b: TestNode;
  let c: TestNode;

  beforeAll(async () => {
    a = await startNode("a", {});
  });

  it("nodes find each other through a discv5 bootnode, connect and exchange Status and MetaData", async () => {
    // the bootnode's ENR: our network's eth2 entry, its bound UDP and TCP ports, long-lived attnets
    const enr = decodeEnrTxt(a.network.enr)!;
    expect(enr.ip).toBe("127.0.0.1");
    expect(enr.tcp).toBe(
      Number(
        multiaddr(a.network.multiaddrs[0])
          .getComponents()
          .find((x) => x.name === "tcp")!.value,
      ),
    );
    expect(enr.udp).toBeGreaterThan(0);
    const fields = readEth2Fields(enr);
    expect(fields.eth2!.forkDigest).toEqual(a.chain.beaconConfig.computeForkDigest(0));
    expect(fields.attnets!.filter(Boolean)).toHaveLength(fuluConfig.SUBNETS_PER_NODE);
    expect(fields.cgc).toBe(fuluConfig.CUSTODY_REQUIREMENT);

    b = await startNode("b", {bootnodes: [a.network.enr]});
    c = await startNode("c", {bootnodes: [a.network.enr]});
    await waitFor("every node has the two others as sync peers", () =>
      [a, b, c].every((n) => syncPeerIds(n).length === 2),
    );
    // b and c only knew the bootnode: they found each other through discv5
    expect(syncPeerIds(b)).toContain(c.network.peerId);
    expect(syncPeerIds(c)).toContain(b.network.peerId);

    // each side holds the other's Status as the other computes it
    const statusOfC = b.network.getSyncPeers().find((p) => p.peer === c.network.peerId)!.status;
    const cOwn = c.network.peerManager.getStatus();
    expect(statusOfC.forkDigest).toEqual(cOwn.forkDigest);
    expect(statusOfC.headRoot).toEqual(cOwn.headRoot);
    expect(statusOfC.headSlot).toBe(cOwn.headSlot);
    expect(statusOfC.finalizedEpoch).toBe(0);
    expect(statusOfC.finalizedRoot).toEqual(new Uint8Array(32)); // genesis finalized root is sent as zero

    // MetaData (v3 in fulu) arrives after the Status; Ping keeps it current; identify gave the agent version
    await waitFor("metadata of c at b", () =>
      b.network.getPeers().some((p) => p.peerId === c.network.peerId && p.metadata !== undefined),
    );
    const peerC = b.network.getPeers().find((p) => p.peerId === c.network.peerId)!;
    const cMeta = c.network.peerManager.getMetadata();
    expect(peerC.metadata!.attnets).toEqual(cMeta.attnets);
    expect(peerC.metadata!.custodyGroupCount).toBe(fuluConfig.CUSTODY_REQUIREMENT);
    expect(peerC.agentVersion).toMatch(/^ceibo\/\d+\.\d+\.\d+/);
    expect(peerC.state).toBe("connected");
    // whichever of b and c dialed the other did so from the ENR discovery gave it
    const enrOfC = peerC.enr ?? null;
    const enrOfB = c.network.getPeers().find((p) => p.peerId === b.network.peerId)?.enr ?? null;
    expect(enrOfC !== null || enrOfB !== null).toBe(true);
    if (enrOfC !== null) expect(decodeEnrTxt(enrOfC)!.nodeId).toBe(c.network.nodeId);
    if (enrOfB !== null) expect(decodeEnrTxt(enrOfB)!.nodeId).toBe(b.network.nodeId);

    // a MetaData change (a sync committee subnet) bumps seq_number; the peers' Pings pick it up
    const seq = cMeta.seqNumber;
    c.network.subscribeToSyncCommitteeSubnet(1, 100);
    expect(c.network.peerManager.getMetadata().seqNumber).toBe(seq + 1n);
    expect(readEth2Fields(decodeEnrTxt(c.network.enr)!).syncnets).toEqual([false, true, false, false]);
    await waitFor("b sees c's new syncnets through Ping → MetaData", () => {
      const m = b.network.getPeers().find((p) => p.peerId === c.network.peerId)?.metadata;
      return m !== undefined && m.seqNumber === seq + 1n && m.syncnets[1] === true;
    });

    // Status is exchanged again periodically: sync sees it through onPeerStatus
    const seen: string[] = [];
    const off = a.network.onPeerStatus((peer) => seen.push(peer));
    await waitFor("a periodic Status", () => seen.length > 0, 10_000);
    off();
  });

  it("a node on another network (other fork digest) gets Goodbye IRRELEVANT_NETWORK and is disconnected", async () => {
    const d = await startNode("d", {discv5: false, staticPeers: [a.network.multiaddrs[0]]}, undefined, electraConfig);
    expect(d.chain.beaconConfig.computeForkDigest(0)).not.toEqual(a.chain.beaconConfig.computeForkDigest(0));
    await waitFor("a Goodbye IRRELEVANT_NETWORK between a and d", () =>
      [...a.goodbyes, ...d.goodbyes].some(
        (g) =>
          g.reason === GoodbyeReason.IRRELEVANT_NETWORK && (g.peer === a.network.peerId || g.peer === d.network.peerId),
      ),
    );
    await waitFor("a and d disconnected", () => !connectedTo(a, d.network.peerId) && !connectedTo(d, a.network.peerId));
    expect(syncPeerIds(a)).not.toContain(d.network.peerId);
    expect(syncPeerIds(d)).toHaveLength(0);
    // d does not come back (static peer, but irrelevant peers are not re-dialed for a while)
    await new Promise((r) => setTimeout(r, 1_500));
    expect(connectedTo(a, d.network.peerId)).toBe(false);
    await stopNode(d);
  });

  it("peers.json persists known peers; after a restart the node dials them again with the same peer id", async () => {
    const cPeerId = c.network.peerId;
    await stopNode(c);
    // the others got Goodbye CLIENT_SHUTDOWN from c
    expect(a.goodbyes).toContainEqual({peer: cPeerId, reason: GoodbyeReason.CLIENT_SHUTDOWN});
    await waitFor("a and b dropped c", () => !syncPeerIds(a).includes(cPeerId) && !syncPeerIds(b).includes(cPeerId));

    const file = JSON.parse(readFileSync(join(c.dir, "network", "peers.json"), "utf8")) as {
      peers: {peerId: string; multiaddrs: string[]; lastSeen: number}[];
    };
    const saved = new Map(file.peers.map((p) => [p.peerId, p]));
    expect([...saved.keys()].sort()).toEqual([a.network.peerId, b.network.peerId].sort());
    const aTcp = a.network.multiaddrs[0].replace(/\/p2p\/.*$/, "");
    expect(saved.get(a.network.peerId)!.multiaddrs).toContain(aTcp);
    expect(statSync(peerKeyPath(c.dir)).mode & 0o777).toBe(0o600);

    // restart without bootnodes or discovery: only peers.json can bring the peers back
    const c2 = await startNode("c2", {discv5: false}, {dir: c.dir, chain: c.chain, db: c.db});
    expect(c2.network.peerId).toBe(cPeerId);
    await waitFor("c is back with a and b", () => syncPeerIds(c2).length === 2);
    c = c2;
  });

  it("above its target a node prunes peers with Goodbye TOO_MANY_PEERS", async () => {
    const f = await startNode("f", {
      targetPeers: 1,
      discv5: false,
      persistPeers: false,
      peerManager: {pruneGraceMs: 0, heartbeatIntervalMs: 500},
    });
    await Promise.all([a, c].map((n) => n.network.libp2p.dial(multiaddr(f.network.multiaddrs[0]))));
    await waitFor("a Goodbye TOO_MANY_PEERS from f", () =>
      [a, c].some((n) =>
        n.goodbyes.some((g) => g.peer === f.network.peerId && g.reason === GoodbyeReason.TOO_MANY_PEERS),
      ),
    );
    await waitFor("f down to its target", () => f.network.libp2p.getConnections().length === 1);
    expect(syncPeerIds(f)).toHaveLength(1);
    await stopNode(f);
  });

  it("a peer reported fatal gets Goodbye BANNED, is disconnected, and its re-dial is refused", async () => {
    await waitFor("a and b connected", () => syncPeerIds(a).includes(b.network.peerId));
    a.network.reportPeer(b.network.peerId, "fatal", "test");
    await waitFor("b got Goodbye BANNED", () =>
      b.goodbyes.some((g) => g.peer === a.network.peerId && g.reason === GoodbyeReason.BANNED),
    );
    await waitFor("a and b disconnected", () => !connectedTo(a, b.network.peerId) && !connectedTo(b, a.network.peerId));
    expect(a.network.peerManager.isBanned(b.network.peerId)).toBe(true);
    expect(a.network.getPeers().find((p) => p.peerId === b.network.peerId)?.score).toBe(-100);

    // b dials a again: a refuses the connection after the handshake
    await b.network.libp2p.dial(multiaddr(a.network.multiaddrs[0])).catch(() => null);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(connectedTo(a, b.network.peerId)).toBe(false);
    expect(syncPeerIds(a)).not.toContain(b.network.peerId);
    // and a does not dial b
    await expect(a.network.libp2p.dial(multiaddr(b.network.multiaddrs[0]))).rejects.toThrow();
    // b stays connected to c
    expect(syncPeerIds(b)).toContain(c.network.peerId);
  });
});

describe("NetworkOpts", () => {
  it("enrAddress is the ENR ip; without discv5 there is no discovery address", async () => {
    const n = await startNode("e", {enrAddress: "192.0.2.1", discv5: false, persistPeers: false});
    expect(decodeEnrTxt(n.network.enr)!.ip).toBe("192.0.2.1");
    const identity = n.network.getIdentity();
    expect(identity.discoveryAddresses).toEqual([]);
    expect(identity.peerId).toBe(n.network.peerId);
    expect(identity.p2pAddresses[0]).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//);
    await stopNode(n);
  });
});
