/**
 * Gossipsub over a connection dialed by the other side (issue 14: "a connection dialed by the other side sometimes
 * never exchanges gossipsub subscriptions, so no mesh forms over it"). Real `Network`s (libp2p host, req/resp,
 * gossip, peer manager) over real chains on 127.0.0.1, and a peer of an mplex-only stack (as Lodestar ≤ 1.22):
 * whoever dials, both sides must see each other's subscriptions and a message published by either must reach the
 * other — over yamux and over mplex, repeated, also after the dialer opened a burst of streams at once (what a
 * syncing peer does in its first second; the muxers used to abort there, see src/network/muxers.ts).
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {createDevChainConfig} from "@ceibo/config";
import {ACTIVE_PRESET_NAME} from "@ceibo/params";
import {type CachedBeaconState, createInteropGenesisState} from "@ceibo/state-transition";
import {noise} from "@chainsafe/libp2p-noise";
import {generateKeyPair} from "@libp2p/crypto/keys";
import {gossipsub, StrictNoSign} from "@libp2p/gossipsub";
import {identify} from "@libp2p/identify";
import type {Libp2p, PeerId} from "@libp2p/interface";
import {mplex} from "@libp2p/mplex";
import {tcp} from "@libp2p/tcp";
import {createLibp2p} from "libp2p";
import {afterAll, describe, expect, it} from "vitest";
import {BeaconChain, Clock, type Logger} from "../src/chain/index.ts";
import {BeaconDb} from "../src/db/index.ts";
import {MPLEX_DISCONNECT_THRESHOLD} from "../src/network/muxers.ts";
import {Network} from "../src/network/network.ts";

const genesisTime = Math.floor(Date.now() / 1000);
const config = createDevChainConfig({preset: ACTIVE_PRESET_NAME});
let genesis: CachedBeaconState | null = null;
const dirs: string[] = [];
const networks: {network: Network; db: BeaconDb}[] = [];
const hosts: Libp2p[] = [];
const BURST_PROTOCOL = "/ceibo-test/burst/1";

function logger(name: string): Logger {
  const write = (level: string) => (message: string, context?: Record<string, unknown>) => {
    if (process.env.NETWORK_TEST_LOG) {
      const ctx = JSON.stringify(context ?? {}, (_k, v) => (typeof v === "bigint" ? String(v) : v));
      process.stderr.write(`[${name}] ${level} ${message} ${ctx}\n`);
    }
  };
  return {error: write("error"), warn: write("warn"), info: write("info"), debug: write("debug")};
}

async function startNetwork(name: string): Promise<Network> {
  const dir = mkdtempSync(join(tmpdir(), `ceibo-inbound-${name}-`));
  dirs.push(dir);
  const db = await BeaconDb.open(dir, {network: "dev", chainConfig: config});
  genesis ??= createInteropGenesisState(config, {validatorCount: 64, genesisTime});
  await BeaconChain.initializeDb(db, genesis);
  const clock = new Clock({genesisTime, slotDurationMs: config.SLOT_DURATION_MS});
  const chain = await BeaconChain.fromDb({config, db, engine: null, clock});
  const network = await Network.create({
    config: chain.beaconConfig,
    chain,
    db,
    logger: logger(name),
    dataDir: dir,
    opts: {
      listenAddress: "127.0.0.1",
      port: 0,
      discoveryPort: 0,
      targetPeers: 10,
      dev: true,
      discv5: false,
      persistPeers: false,
    },
  });
  await network.start();
  networks.push({network, db});
  // a protocol the dialer can open many streams of at once (the real protocols have their own stream limits)
  await network.libp2p.handle(
    BURST_PROTOCOL,
    async (stream) => {
      for await (const chunk of stream) stream.send(chunk);
      await stream.close();
    },
    {maxInboundStreams: 256},
  );
  return network;
}

/**
 * A peer of an mplex-only stack with gossipsub (as Lodestar 1.5–1.22). Its own mplex neither limits early streams
 * nor counts every new stream against the disconnect threshold, as older mplex did (high limits here), so only our
 * side's behaviour is under test.
 */
async function startMplexPeer(): Promise<Libp2p<{pubsub: ReturnType<ReturnType<typeof gossipsub>>}>> {
  const host = await createLibp2p({
    privateKey: await generateKeyPair("secp256k1"),
    addresses: {listen: ["/ip4/127.0.0.1/tcp/0"]},
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [mplex({disconnectThreshold: 100_000, maxEarlyStreams: 100_000} as Parameters<typeof mplex>[0])],
    connectionMonitor: {enabled: false},
    services: {
      identify: identify(),
      pubsub: gossipsub({globalSignaturePolicy: StrictNoSign, fallbackToFloodsub: false}),
    },
  });
  await host.start();
  hosts.push(host);
  return host;
}

async function waitFor(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type PubSubOf = {
  getSubscribers(topic: string): PeerId[];
  publish(topic: string, data: Uint8Array): Promise<{recipients: PeerId[]}>;
  addEventListener(type: string, listener: (evt: CustomEvent) => void): void;
};
interface Side {
  name: string;
  peerId: PeerId;
  pubsub: PubSubOf;
  /** The event that tells a message arrived (before application validation on a ceibo node). */
  messageEvent: "gossipsub:message" | "message";
}
const sideOf = (name: string, host: Libp2p, event: Side["messageEvent"]): Side => ({
  name,
  peerId: host.peerId,
  pubsub: (host.services as {pubsub: PubSubOf}).pubsub,
  messageEvent: event,
});
const ceiboSide = (name: string, n: Network): Side => sideOf(name, n.libp2p as unknown as Libp2p, "gossipsub:message");

/** Both sides see each other subscribed to `topic`, and a message published by either arrives at the other. */
async function expectGossipBothWays(x: Side, y: Side, topic: string): Promise<void> {
  const sees = (p: Side, q: Side) => p.pubsub.getSubscribers(topic).some((id) => id.equals(q.peerId));
  await waitFor(`${x.name} sees ${y.name}'s subscription`, () => sees(x, y));
  await waitFor(`${y.name} sees ${x.name}'s subscription`, () => sees(y, x));
  for (const [from, to] of [
    [x, y],
    [y, x],
  ]) {
    const payload = crypto.getRandomValues(new Uint8Array(32));
    let arrived = false;
    to.pubsub.addEventListener(to.messageEvent, (evt) => {
      const msg = (evt.detail as {msg?: {data: Uint8Array}}).msg ?? (evt.detail as {data: Uint8Array});
      if (Buffer.from(msg.data).equals(Buffer.from(payload))) arrived = true;
    });
    const {recipients} = await from.pubsub.publish(topic, payload);
    expect(recipients.map(String)).toContain(to.peerId.toString());
    await waitFor(`${from.name}'s message arrives at ${to.name}`, () => arrived);
  }
}

/** Opens `count` streams of the burst protocol at once over `host`'s connection to `peer`; all must echo. */
async function burst(host: Libp2p, peer: PeerId, count: number, name = ""): Promise<void> {
  await waitFor("the connection", () => host.getConnections(peer).length > 0);
  const [connection] = host.getConnections(peer);
  const results = await Promise.allSettled(
    [...Array(count).keys()].map(async (i) => {
      const stream = await connection.newStream(BURST_PROTOCOL, {
        maxOutboundStreams: 1024,
        signal: AbortSignal.timeout(15_000),
      });
      stream.send(Uint8Array.of(i));
      await stream.close();
      const got: number[] = [];
      for await (const chunk of stream) got.push(...chunk.subarray());
      return got;
    }),
  );
  const failed = results.filter((r) => r.status === "rejected").map((r) => String(r.reason));
  expect(
    failed,
    `burst from ${name} ${host.peerId} (${connection.direction}, ${connection.multiplexer}, ${connection.status})`,
  ).toEqual([]);
}

afterAll(async () => {
  for (const h of hosts) await Promise.resolve(h.stop()).catch(() => {});
  for (const {network, db} of networks) {
    await network.stop().catch(() => {});
    await db.close().catch(() => {});
  }
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
}, 60_000);

const blockTopic = (n: Network): string =>
  n.gossip.getSubscribedTopics().find((t) => t.endsWith("/beacon_block/ssz_snappy")) as string;

describe("gossipsub on connections dialed by the other side", () => {
  for (let trial = 0; trial < 2; trial++) {
    it(`yamux, ceibo ↔ ceibo, each side dials (trial ${trial})`, async () => {
      const a = await startNetwork(`a${trial}`);
      const b = await startNetwork(`b${trial}`);
      const c = await startNetwork(`c${trial}`);
      const conn = await b.libp2p.dial(a.libp2p.getMultiaddrs()[0]);
      expect(conn.multiplexer).toBe("/yamux/1.0.0");
      await burst(b.libp2p as unknown as Libp2p, a.libp2p.peerId, 32, "B to A");
      await expectGossipBothWays(ceiboSide("A", a), ceiboSide("B (dialer)", b), blockTopic(a));
      await a.libp2p.dial(c.libp2p.getMultiaddrs()[0]);
      await burst(a.libp2p as unknown as Libp2p, c.libp2p.peerId, 32, "A to C");
      await expectGossipBothWays(ceiboSide("A (dialer)", a), ceiboSide("C", c), blockTopic(a));
    }, 120_000);
  }

  for (let trial = 0; trial < 3; trial++) {
    it(`mplex: an mplex-only peer dials ceibo and opens a burst of streams (trial ${trial})`, async () => {
      const a = await startNetwork(`m${trial}`);
      const peer = await startMplexPeer();
      const topic = blockTopic(a);
      peer.services.pubsub.subscribe(topic);
      const conn = await peer.dial(a.libp2p.getMultiaddrs()[0]);
      expect(conn.multiplexer).toBe("/mplex/6.7.0");
      // identify, gossipsub and ceibo's own requests are already under way: with this, far more than 5 in 1 s
      await burst(peer, a.libp2p.peerId, 16);
      await expectGossipBothWays(ceiboSide("ceibo", a), sideOf("mplex peer (dialer)", peer, "message"), topic);
      expect(a.libp2p.getConnections(peer.peerId)).toHaveLength(1);
    }, 120_000);
  }

  it("mplex: a peer that floods new streams is disconnected (not left on a dead connection) and can reconnect", async () => {
    const a = await startNetwork("flood");
    const peer = await startMplexPeer();
    const topic = blockTopic(a);
    peer.services.pubsub.subscribe(topic);
    await peer.dial(a.libp2p.getMultiaddrs()[0]);
    const [connection] = peer.getConnections(a.libp2p.peerId);
    // far above the threshold within one second: the muxer gives up and must close the connection
    for (let i = 0; i < MPLEX_DISCONNECT_THRESHOLD * 2; i++) {
      connection.newStream(BURST_PROTOCOL, {maxOutboundStreams: 100_000}).catch(() => {});
    }
    await waitFor("ceibo closes the flooding connection", () => a.libp2p.getConnections(peer.peerId).length === 0);
    await waitFor("the peer sees the connection closed", () => peer.getConnections(a.libp2p.peerId).length === 0);
    await peer.dial(a.libp2p.getMultiaddrs()[0]);
    await expectGossipBothWays(ceiboSide("ceibo", a), sideOf("mplex peer (redialed)", peer, "message"), topic);
  }, 120_000);
});
