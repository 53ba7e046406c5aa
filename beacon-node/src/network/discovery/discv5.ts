/**
 * Peer discovery over discv5 (phase0 p2p-interface.md "The discovery domain: discv5"; @chainsafe/discv5 11):
 * bootnodes from their ENRs, random FINDNODE lookups on request, and a filter that only lets through nodes on our
 * network (ENR `eth2` fork digest) that have an IPv4 TCP endpoint. Every accepted node is emitted as a
 * `DiscoveredPeer` (dialable multiaddr + its subnets); the peer manager decides whether to dial it.
 */

import {createSocket, type Socket} from "node:dgram";
import {EventEmitter} from "node:events";
import type {BeaconConfig} from "@ceibo/config";
import type {Logger} from "@ceibo/utils";
import {bytesEqual} from "@ceibo/utils";
import {Discv5, type IDiscv5CreateOptions} from "@chainsafe/discv5";
import type {ENR, SignableENR} from "@chainsafe/enr";
import type {PrivateKey} from "@libp2p/interface";
import {multiaddr} from "multiaddr12";
import type {PeerIdStr} from "../types.ts";
import {decodeEnrTxt, readEth2Fields} from "./enr.ts";

/** A node discovery found that is on our network and dialable over TCP/IPv4. */
export interface DiscoveredPeer {
  peerId: PeerIdStr;
  /** discv5 node id (hex, no 0x). */
  nodeId: string;
  /** `/ip4/<ip>/tcp/<port>/p2p/<peerId>`. */
  multiaddr: string;
  /** The ENR as text. */
  enr: string;
  /** ENR `attnets` (null when absent or malformed). */
  attnets: boolean[] | null;
  /** ENR `syncnets`. */
  syncnets: boolean[] | null;
  /** ENR `cgc` (fulu). */
  custodyGroupCount: number | null;
}

export interface DiscoveryOpts {
  /** The node's secp256k1 key (the same as the libp2p host's: ENR node id and peer id belong together). */
  privateKey: PrivateKey;
  /** The local ENR (its consensus entries are kept up to date by the owner with enr.ts updateLocalEnr). */
  enr: SignableENR;
  /** IPv4 address to bind the UDP socket to. */
  bindAddress: string;
  /** UDP port (0: any free port; the ENR `udp` entry is set to the bound port). */
  port: number;
  /** Bootnode ENRs ("enr:…"); the ones that do not decode are skipped with a warning. */
  bootnodes: string[];
  config: BeaconConfig;
  /** The wall-clock epoch (fork digest of discovered nodes must match ours). */
  currentEpoch: () => number;
  logger: Logger;
  /** discv5 tuning (tests shorten lookupTimeout). */
  discv5Config?: IDiscv5CreateOptions["config"];
}

interface DiscoveryEvents {
  discovered: [DiscoveredPeer];
}

export class Discovery extends EventEmitter<DiscoveryEvents> {
  private readonly opts: DiscoveryOpts;
  private readonly logger: Logger;
  private discv5: Discv5 | null = null;
  private lookup: Promise<number> | null = null;

  constructor(opts: DiscoveryOpts) {
    super();
    this.opts = opts;
    this.logger = opts.logger;
  }

  get enr(): SignableENR {
    return this.opts.enr;
  }

  /** The local ENR as text ("enr:…"). */
  get enrTxt(): string {
    return this.opts.enr.encodeTxt();
  }

  get isStarted(): boolean {
    return this.discv5 !== null;
  }

  async start(): Promise<void> {
    if (this.discv5 !== null) return;
    const {enr, privateKey, bindAddress, port} = this.opts;
    // discv5 binds without an error listener: a port in use would crash the process instead of failing here
    if (port !== 0) await assertUdpPortFree(bindAddress, port);
    const discv5 = Discv5.create({
      enr,
      // @chainsafe/discv5 reads only `type` and `raw` of the key (its typings are from @libp2p/interface 2)
      privateKey: privateKey as never,
      bindAddrs: {ip4: multiaddr(`/ip4/${bindAddress}/udp/${port}`)},
      config: {enrUpdate: true, ...this.opts.discv5Config},
    });
    // the service is a Node EventEmitter (its strict-event-emitter typings do not resolve here)
    const events = discv5 as unknown as EventEmitter;
    events.on("discovered", this.onDiscovered);
    events.on("multiaddrUpdated", (addr: unknown) => {
      this.logger.info("Discovery: local ENR address updated", {addr: String(addr)});
    });
    await discv5.start();
    if (port === 0) {
      const bound = (discv5.sessionService.transport as unknown as {ip4?: {socket?: Socket}}).ip4?.socket?.address();
      if (bound !== undefined) enr.udp = bound.port;
    }
    this.discv5 = discv5;
    const bootnodes = this.opts.bootnodes.filter((text) => this.addEnr(text, "bootnode")).length;
    this.logger.info("Discovery started", {udp: enr.udp, nodeId: enr.nodeId, bootnodes});
  }

  async stop(): Promise<void> {
    const discv5 = this.discv5;
    if (discv5 === null) return;
    this.discv5 = null;
    (discv5 as unknown as EventEmitter).off("discovered", this.onDiscovered);
    // a running lookup is not awaited (it may take up to lookupTimeout); its failure is already handled
    await discv5.stop();
  }

  /** Adds a known ENR (text) to the routing table; returns false when it does not decode. */
  addEnr(text: string, what = "ENR"): boolean {
    const enr = decodeEnrTxt(text);
    if (enr === null) {
      this.logger.warn(`Discovery: ignoring an invalid ${what}`, {enr: text.slice(0, 40)});
      return false;
    }
    if (enr.udp === undefined && enr.udp6 === undefined) {
      this.logger.warn(`Discovery: ${what} has no UDP endpoint`, {nodeId: enr.nodeId});
      return false;
    }
    try {
      this.discv5?.addEnr(enr);
    } catch (e) {
      this.logger.warn(`Discovery: cannot add ${what}`, {nodeId: enr.nodeId, error: (e as Error).message});
      return false;
    }
    return true;
  }

  /**
   * Runs one random FINDNODE lookup (at most one at a time: a call during a lookup joins it). Every acceptable
   * node found is emitted as `discovered`. Resolves with the number of nodes the lookup returned.
   */
  findRandomPeers(): Promise<number> {
    const discv5 = this.discv5;
    if (discv5 === null) return Promise.resolve(0);
    this.lookup ??= discv5
      .findRandomNode()
      .then((enrs) => enrs.length)
      .catch((e) => {
        this.logger.debug("Discovery lookup failed", {error: (e as Error).message});
        return 0;
      })
      .finally(() => {
        this.lookup = null;
      });
    return this.lookup;
  }

  /** The acceptable nodes of the routing table (for subnet searches without a network round trip). */
  knownPeers(): DiscoveredPeer[] {
    const out: DiscoveredPeer[] = [];
    for (const enr of this.discv5?.kadValues() ?? []) {
      const peer = this.toDiscoveredPeer(enr);
      if (peer !== null) out.push(peer);
    }
    return out;
  }

  /** Node ids in the routing table (any network). */
  routingTableNodeIds(): string[] {
    return (this.discv5?.kadValues() ?? []).map((enr) => enr.nodeId);
  }

  private readonly onDiscovered = (enr: ENR): void => {
    const peer = this.toDiscoveredPeer(enr);
    if (peer !== null) this.emit("discovered", peer);
  };

  /** The discovery filter: our fork digest, an IPv4 address and TCP port, not ourselves. */
  private toDiscoveredPeer(enr: ENR): DiscoveredPeer | null {
    try {
      if (enr.nodeId === this.opts.enr.nodeId) return null;
      const ip = enr.ip;
      const tcp = enr.tcp;
      if (ip === undefined || tcp === undefined || tcp === 0) return null;
      const fields = readEth2Fields(enr);
      if (fields.eth2 === undefined || !this.isOurForkDigest(fields.eth2.forkDigest)) return null;
      const peerId = enr.peerId.toString();
      return {
        peerId,
        nodeId: enr.nodeId,
        multiaddr: `/ip4/${ip}/tcp/${tcp}/p2p/${peerId}`,
        enr: enr.encodeTxt(),
        attnets: fields.attnets ?? null,
        syncnets: fields.syncnets ?? null,
        custodyGroupCount: fields.cgc ?? null,
      };
    } catch {
      // a record the ENR library cannot read (bad key, seq 0, …)
      return null;
    }
  }

  /** Our fork digest now, or the one of the next epoch (a peer that crossed a fork boundary slightly earlier). */
  private isOurForkDigest(digest: Uint8Array): boolean {
    const epoch = this.opts.currentEpoch();
    return (
      bytesEqual(digest, this.opts.config.computeForkDigest(epoch)) ||
      bytesEqual(digest, this.opts.config.computeForkDigest(epoch + 1))
    );
  }
}

/** Binds and releases a UDP socket, so a port in use is a clear error. */
async function assertUdpPortFree(address: string, port: number): Promise<void> {
  const socket = createSocket("udp4");
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(port, address, () => resolve());
    });
  } catch (e) {
    throw Error(`discv5 cannot use UDP ${address}:${port}: ${(e as Error).message}`);
  } finally {
    await new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve(); // never bound
      }
    });
  }
}
