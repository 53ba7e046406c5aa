/**
 * network/libp2p.ts: the persisted secp256k1 peer key, and the host's transport stack on 127.0.0.1 — Noise,
 * yamux preferred, mplex for peers that only speak mplex, identify with the ceibo agent version, gossipsub, and
 * the connection gater.
 */
import {chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {noise} from "@chainsafe/libp2p-noise";
import {generateKeyPair, privateKeyToProtobuf} from "@libp2p/crypto/keys";
import {identify} from "@libp2p/identify";
import type {IdentifyResult, Libp2p} from "@libp2p/interface";
import {mplex} from "@libp2p/mplex";
import {peerIdFromPrivateKey} from "@libp2p/peer-id";
import {tcp} from "@libp2p/tcp";
import {multiaddr} from "@multiformats/multiaddr";
import {createLibp2p} from "libp2p";
import {afterAll, describe, expect, it} from "vitest";
import {
  createLibp2pHost,
  defaultAgentVersion,
  type Libp2pHost,
  loadOrCreatePeerKey,
  peerKeyPath,
} from "../src/network/libp2p.ts";

const dirs: string[] = [];
const hosts: Libp2p[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), "ceibo-host-"));
  dirs.push(d);
  return d;
};

afterAll(async () => {
  await Promise.all(hosts.map((h) => h.stop()));
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

describe("peer key (<dataDir>/network/peer-id.json)", () => {
  it("is created once (secp256k1, mode 0600) and loaded again with the same peer id", async () => {
    const dir = tmp();
    const key = await loadOrCreatePeerKey(dir);
    expect(key.type).toBe("secp256k1");
    const path = peerKeyPath(dir);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(path, "utf8")) as {id: string};
    expect(file.id).toBe(peerIdFromPrivateKey(key).toString());
    const again = await loadOrCreatePeerKey(dir);
    expect(peerIdFromPrivateKey(again).toString()).toBe(file.id);
    expect(Buffer.from(again.raw).equals(Buffer.from(key.raw))).toBe(true);
  });

  it("tightens a readable key file to 0600, refuses a mismatched id or a non-secp256k1 key", async () => {
    const dir = tmp();
    await loadOrCreatePeerKey(dir);
    const path = peerKeyPath(dir);
    chmodSync(path, 0o644);
    await loadOrCreatePeerKey(dir);
    expect(statSync(path).mode & 0o777).toBe(0o600);

    const file = JSON.parse(readFileSync(path, "utf8")) as {id: string; privKey: string};
    const other = peerIdFromPrivateKey(await generateKeyPair("secp256k1")).toString();
    writeFileSync(path, JSON.stringify({...file, id: other}));
    await expect(loadOrCreatePeerKey(dir)).rejects.toThrow(/does not match/);

    const ed = await generateKeyPair("Ed25519");
    writeFileSync(path, JSON.stringify({privKey: Buffer.from(privateKeyToProtobuf(ed)).toString("base64")}));
    await expect(loadOrCreatePeerKey(dir)).rejects.toThrow(/secp256k1/);
  });
});

describe("libp2p host on 127.0.0.1", () => {
  async function ceiboHost(deny: Set<string> = new Set()): Promise<Libp2pHost> {
    const host = await createLibp2pHost({
      privateKey: await generateKeyPair("secp256k1"),
      listenAddress: "127.0.0.1",
      port: 0,
      targetPeers: 10,
      gossipsub: {allowPublishToZeroTopicPeers: true},
      connectionGater: {denyInboundEncryptedConnection: (peer) => deny.has(peer.toString())},
    });
    await host.start();
    hosts.push(host);
    return host;
  }

  /** A peer of an older stack: Noise and mplex only (as Lodestar 1.5.1 era nodes). */
  async function mplexOnlyHost(): Promise<Libp2p> {
    const host = await createLibp2p({
      privateKey: await generateKeyPair("secp256k1"),
      addresses: {listen: ["/ip4/127.0.0.1/tcp/0"]},
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [mplex()],
      services: {identify: identify()},
      connectionMonitor: {enabled: false},
    });
    hosts.push(host);
    return host;
  }

  function identified(host: Libp2p, peer: string): Promise<IdentifyResult> {
    return new Promise((resolve) => {
      const listener = (evt: CustomEvent<IdentifyResult>): void => {
        if (evt.detail.peerId.toString() !== peer) return;
        host.removeEventListener("peer:identify", listener);
        resolve(evt.detail);
      };
      host.addEventListener("peer:identify", listener);
    });
  }

  it("two ceibo hosts negotiate Noise and yamux; identify carries ceibo/<version>; gossipsub meshsub", async () => {
    const a = await ceiboHost();
    const b = await ceiboHost();
    const whoIsA = identified(b, a.peerId.toString());
    const conn = await b.dial(a.getMultiaddrs()[0]);
    expect(conn.encryption).toBe("/noise");
    expect(conn.multiplexer).toBe("/yamux/1.0.0");
    const id = await whoIsA;
    expect(id.agentVersion).toBe(defaultAgentVersion());
    expect(id.agentVersion).toMatch(/^ceibo\/\d+\.\d+\.\d+/);
    expect(id.protocols).toContain("/ipfs/ping/1.0.0");
    expect(id.protocols.some((p) => p.startsWith("/meshsub/1."))).toBe(true);
  });

  it("falls back to mplex with a peer that only speaks mplex, in both directions", async () => {
    const ours = await ceiboHost();
    const old = await mplexOnlyHost();
    const out = await ours.dial(old.getMultiaddrs()[0]);
    expect(out.multiplexer).toBe("/mplex/6.7.0");
    await ours.hangUp(old.peerId);
    const old2 = await mplexOnlyHost();
    const inbound = await old2.dial(ours.getMultiaddrs()[0]);
    expect(inbound.multiplexer).toBe("/mplex/6.7.0");
    expect(inbound.encryption).toBe("/noise");
  });

  it("the connection gater refuses a denied peer's inbound connection", async () => {
    const deny = new Set<string>();
    const guarded = await ceiboHost(deny);
    const denied = await ceiboHost();
    const allowed = await ceiboHost();
    deny.add(denied.peerId.toString());
    await denied.dial(multiaddr(guarded.getMultiaddrs()[0].toString())).catch(() => null);
    await allowed.dial(guarded.getMultiaddrs()[0]);
    await new Promise((r) => setTimeout(r, 300));
    const remotes = guarded.getConnections().map((c) => c.remotePeer.toString());
    expect(remotes).toContain(allowed.peerId.toString());
    expect(remotes).not.toContain(denied.peerId.toString());
  });
});
