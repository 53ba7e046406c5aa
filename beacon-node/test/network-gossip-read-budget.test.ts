/**
 * network/gossip/readBudget.ts: gossipsub's read loop yields to the event loop between RPCs once a turn has run
 * its budget. The hosts are real (createLibp2pHost's gossipsub, and a plain @libp2p/gossipsub one as the
 * control); the RPCs go through the real read loop (`pipePeerReadStream`) from a stream whose data is all
 * buffered, as after a stall or a peer's burst.
 */
import {generateKeyPair} from "@libp2p/crypto/keys";
import {gossipsub, StrictNoSign} from "@libp2p/gossipsub";
import {RPC} from "@libp2p/gossipsub/message";
import {identify} from "@libp2p/identify";
import type {Libp2p, PeerId} from "@libp2p/interface";
import {peerIdFromPrivateKey} from "@libp2p/peer-id";
import {tcp} from "@libp2p/tcp";
import {createLibp2p} from "libp2p";
import {afterAll, describe, expect, it} from "vitest";
import {READ_BUDGET, TurnBudget} from "../src/network/gossip/readBudget.ts";
import {createLibp2pHost} from "../src/network/libp2p.ts";

const TOPIC = "/eth2/00000000/beacon_aggregate_and_proof/ssz_snappy";
const RPCS = 40;
/** Main-thread work per delivered message (busy wait): 40 RPCs hold the loop ~120 ms without the budget. */
const WORK_MS = 3;

const hosts: Libp2p[] = [];
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.stop()));
});

interface ReadLoop {
  pipePeerReadStream(peerId: PeerId, stream: AsyncIterable<Uint8Array>): Promise<void>;
  subscribe(topic: string): void;
  addEventListener(type: "gossipsub:message", cb: () => void): void;
}

/** One message per RPC, distinct data (distinct message ids). */
function encodedRpcs(n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    out.push(RPC.encode({subscriptions: [], messages: [{topic: TOPIC, data: Uint8Array.from([i, 1, 2, 3])}]}));
  }
  return out;
}

/**
 * Feeds `n` buffered RPCs through the service's read loop; each delivered message busy-waits WORK_MS. Returns how
 * many messages had been delivered when a setImmediate queued at the start ran (n: the whole burst held the loop).
 */
async function burst(pubsub: ReadLoop, from: PeerId, n: number): Promise<{delivered: number; atImmediate: number}> {
  let delivered = 0;
  pubsub.addEventListener("gossipsub:message", () => {
    const end = performance.now() + WORK_MS;
    while (performance.now() < end) {}
    delivered++;
  });
  const rpcs = encodedRpcs(n);
  async function* stream(): AsyncGenerator<Uint8Array> {
    yield* rpcs;
  }
  let atImmediate = -1;
  setImmediate(() => {
    atImmediate = delivered;
  });
  await pubsub.pipePeerReadStream(from, stream());
  // the last RPCs' handling may still be in microtasks / the next turn; one more turn lets the early
  // setImmediate run if the burst never yielded
  do await new Promise((r) => setImmediate(r));
  while (delivered < n);
  return {delivered, atImmediate};
}

async function remotePeer(): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair("secp256k1"));
}

describe("TurnBudget", () => {
  it("starts a turn's clock on the first call, is over budget after budgetMs, and resets on the next turn", async () => {
    let t = 100;
    const b = new TurnBudget(10, () => t);
    expect(b.overBudget()).toBe(false); // starts the clock at 100
    t = 109.9;
    expect(b.pass()).toBeNull();
    t = 110;
    const wait = b.pass();
    expect(wait).toBeInstanceOf(Promise);
    await wait;
    // a new turn: the clock starts again from the current time
    t = 500;
    expect(b.overBudget()).toBe(false);
    t = 505;
    expect(b.overBudget()).toBe(false);
    t = 511;
    expect(b.overBudget()).toBe(true);
  });
});

describe("gossipsub read loop with the node's read budget", () => {
  it("gives the event loop a turn inside a burst of buffered RPCs; every message is still delivered", async () => {
    const host = await createLibp2pHost({
      privateKey: await generateKeyPair("secp256k1"),
      listenAddress: "127.0.0.1",
      port: 0,
      targetPeers: 10,
      gossipsub: {globalSignaturePolicy: StrictNoSign, allowPublishToZeroTopicPeers: true},
    });
    hosts.push(host as unknown as Libp2p);
    await host.start();
    const pubsub = host.services.pubsub as unknown as ReadLoop & {[READ_BUDGET]?: TurnBudget};
    expect(pubsub[READ_BUDGET]?.budgetMs).toBe(10);
    pubsub.subscribe(TOPIC);
    const r = await burst(pubsub, await remotePeer(), RPCS);
    expect(r.delivered).toBe(RPCS);
    // 10 ms of budget at ≥ 3 ms a message: the loop yields after at most 4 messages (plus any whose handling was
    // already under way in microtasks), far from the whole burst
    expect(r.atImmediate).toBeGreaterThan(0);
    expect(r.atImmediate).toBeLessThan(RPCS / 2);
  });

  it("control: plain gossipsub handles the whole buffered burst in one event-loop task", async () => {
    const host = await createLibp2p({
      addresses: {listen: ["/ip4/127.0.0.1/tcp/0"]},
      transports: [tcp()],
      services: {
        identify: identify(),
        pubsub: gossipsub({globalSignaturePolicy: StrictNoSign, allowPublishToZeroTopicPeers: true}),
      },
    });
    hosts.push(host);
    await host.start();
    const pubsub = host.services.pubsub as unknown as ReadLoop;
    pubsub.subscribe(TOPIC);
    const r = await burst(pubsub, await remotePeer(), RPCS);
    expect(r.delivered).toBe(RPCS);
    expect(r.atImmediate).toBe(RPCS);
  });
});
