/**
 * A misbehaving peer for the simulation: a real ceibo beacon node (same dev genesis, its own libp2p host) that
 * dials the target node, then gossips blocks with invalid proposer signatures (a copy of the head block at the
 * current slot, signature unchanged) and attestations with invalid signatures. The target must REJECT them,
 * penalise this peer and disconnect it. Prints:
 *   "bad peer <peerId> connected" / "published invalid block …" / "disconnected by the target" (then exits 0).
 * Run: CEIBO_PRESET=minimal node test/sim/badPeer.ts --target MULTIADDR --genesisTime T --slotMs MS --validators N
 */
import {mkdtempSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {parseArgs} from "node:util";
import {peerIdFromString} from "@libp2p/peer-id";
import {multiaddr} from "@multiformats/multiaddr";
import {DevBeaconNode} from "../../beacon-node/src/node/dev.ts";
import {ConsoleLogger} from "../../beacon-node/src/node/logger.ts";

const {values} = parseArgs({
  options: {
    target: {type: "string"},
    genesisTime: {type: "string"},
    slotMs: {type: "string"},
    validators: {type: "string"},
  },
});
if (values.target === undefined || values.genesisTime === undefined) {
  console.error("usage: badPeer.ts --target MULTIADDR --genesisTime T [--slotMs MS] [--validators N]");
  process.exit(2);
}
// the simulation stops everything with SIGTERM: leave at once (nothing here needs a clean shutdown)
process.on("SIGTERM", () => process.exit(0));
const target = values.target;
const targetPeerId = target.split("/p2p/")[1];

const node = await DevBeaconNode.init({
  network: "dev",
  dataDir: mkdtempSync(join(tmpdir(), "ceibo-bad-peer-")),
  devValidators: Number(values.validators ?? 64),
  genesisTime: Number(values.genesisTime),
  slotDurationMs: Number(values.slotMs ?? 2000),
  devSigning: false,
  rest: null,
  p2p: {
    listenAddress: "127.0.0.1",
    port: 0,
    discoveryPort: 0,
    bootnodes: [],
    staticPeers: [target],
    targetPeers: 5,
    discv5: false,
    subscribeAllSubnets: false,
  },
  logger: new ConsoleLogger("warn"),
});
node.start();
const network = node.network;
if (network === null) throw Error("no network");

const connected = (): boolean => network.getPeers().some((p) => p.peerId === targetPeerId && p.state === "connected");
for (let i = 0; i < 120 && !connected(); i++) await new Promise((r) => setTimeout(r, 250));
if (!connected()) {
  console.log("could not connect to the target");
  await node.close();
  process.exit(1);
}
console.log(`bad peer ${network.peerId} connected to ${targetPeerId}`);
// let the mesh form so the target receives our publishes
await new Promise((r) => setTimeout(r, 3000));

let wasConnected = true;
let sent = 0;
let unheard = 0;
for (let round = 0; round < 60; round++) {
  if (unheard >= 5) {
    // Known gap (named in the issue note): on some connections the gossipsub subscriptions are never exchanged,
    // so our publishes reach no one. Hang up and dial again to get a connection whose gossip works.
    console.log(`publishes reached no peer ${unheard} times: redialing the target`);
    unheard = 0;
    await network.libp2p.hangUp(peerIdFromString(targetPeerId)).catch(() => {});
    await new Promise((r) => setTimeout(r, 1000));
    await network.libp2p
      .dial(multiaddr(target))
      .catch((e: unknown) => console.log(`redial failed: ${(e as Error).message}`));
    for (let i = 0; i < 40 && !connected(); i++) await new Promise((r) => setTimeout(r, 250));
    await new Promise((r) => setTimeout(r, 3000));
  }
  if (!connected()) {
    if (wasConnected) console.log(`disconnected by the target after ${sent} invalid messages`);
    wasConnected = false;
    break;
  }
  const chain = node.chain;
  const headBlock = chain.blocks.get(chain.head.blockRoot);
  if (headBlock !== undefined) {
    // the head block moved to the current slot: its proposer signature no longer matches (REJECT)
    const forged = {
      message: {...headBlock.message, slot: chain.clock.currentSlot, parentRoot: headBlock.message.parentRoot},
      signature: headBlock.signature,
    };
    try {
      const peers = await network.gossip.publishBlock(forged as never);
      sent++;
      console.log(`published invalid block at slot ${forged.message.slot} to ${peers} peers`);
      unheard = peers === 0 ? unheard + 1 : 0;
    } catch (e) {
      console.log(`publish failed: ${(e as Error).message}`);
    }
  }
  await new Promise((r) => setTimeout(r, 1000));
}
if (wasConnected) console.log(`still connected after ${sent} invalid blocks`);
await Promise.race([node.close(), new Promise((r) => setTimeout(r, 5000))]);
process.exit(wasConnected ? 1 : 0);
