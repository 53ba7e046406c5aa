/**
 * The libp2p host (phase0 p2p-interface.md "Network fundamentals"): TCP, Noise (XX) with a secp256k1 identity,
 * yamux preferred over mplex (mplex keeps peers that only speak mplex reachable), identify (agent version
 * "ceibo/<version>"), the libp2p ping protocol and the gossipsub service. Also the node's persisted peer key.
 */
import {chmodSync, closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync} from "node:fs";
import {dirname, join} from "node:path";
import {type ICryptoInterface, noise} from "@chainsafe/libp2p-noise";
import {asCrypto, defaultCrypto} from "@chainsafe/libp2p-noise/crypto";
import {generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf} from "@libp2p/crypto/keys";
import {type GossipSub, type GossipsubOpts, gossipsub} from "@libp2p/gossipsub";
import {type Identify, identify} from "@libp2p/identify";
import type {ConnectionGater, Libp2p, PrivateKey} from "@libp2p/interface";
import {peerIdFromPrivateKey} from "@libp2p/peer-id";
import {type Ping, ping} from "@libp2p/ping";
import {tcp} from "@libp2p/tcp";
import {createLibp2p} from "libp2p";
import {type RpcHandling, withReadBudget} from "./gossip/readBudget.ts";
import {eth2Mplex, eth2Yamux} from "./muxers.ts";

/** The gossipsub service as the host runs it (the class also exposes peer scores). */
export type GossipSubService = GossipSub & {getScore(peerId: string): number};

export type Libp2pHost = Libp2p<{identify: Identify; ping: Ping; pubsub: GossipSubService}>;

export interface Libp2pHostOpts {
  /** The node's secp256k1 identity (loadOrCreatePeerKey). */
  privateKey: PrivateKey;
  /** IPv4 address to listen on (0.0.0.0: all interfaces). */
  listenAddress: string;
  /** TCP port (0: any free port). */
  port: number;
  /** Multiaddrs to announce instead of the listen addresses (e.g. the public address behind NAT). */
  announceAddresses?: string[];
  /** The peer manager's target; the connection limit leaves room above it for pruning with a Goodbye. */
  targetPeers: number;
  /** Options of the gossipsub service (gossip/ builds them: spec parameters, message ids, scoring). */
  gossipsub: Partial<GossipsubOpts>;
  /** Refuses banned peers (the peer manager's score store). */
  connectionGater?: ConnectionGater;
  /** identify agentVersion (default "ceibo/<beacon-node package version>"). */
  agentVersion?: string;
}

/** Peers allowed above the target before libp2p itself refuses connections: the peer manager prunes to target. */
export function maxPeersFor(targetPeers: number): number {
  return Math.ceil(targetPeers * 1.1);
}

export function defaultAgentVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {version: string};
  return `ceibo/${pkg.version}`;
}

/**
 * Frames at least this long are en/decrypted by node:crypto, shorter ones by the WebAssembly ChaCha20-Poly1305.
 * node:crypto makes a `Cipheriv`/`Decipheriv` per frame: a native object whose weak handle lengthens the next
 * major GC's atomic pause (~0.1–0.4 µs each; issue 13, bench/README.md round 8), and ~15 µs of fixed cost, so below
 * ~3 KiB the WebAssembly cipher is as fast (measured on this machine: 2 KiB 21 against 22 µs, 4 KiB 26 against
 * 18 µs, 64 KiB ~85 against ~690 MB/s). Noise's own default switches at 1,200 bytes.
 */
export const NOISE_NATIVE_CIPHER_MIN_BYTES = 4096;

/** Noise's default crypto with the cipher chosen by frame size as above. */
export const noiseCrypto: ICryptoInterface = {
  ...defaultCrypto,
  chaCha20Poly1305Encrypt(plaintext, nonce, ad, k) {
    return plaintext.byteLength < NOISE_NATIVE_CIPHER_MIN_BYTES
      ? asCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k)
      : defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k);
  },
  chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst) {
    return ciphertext.byteLength < NOISE_NATIVE_CIPHER_MIN_BYTES
      ? asCrypto.chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst)
      : defaultCrypto.chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst);
  },
};

/**
 * The gossipsub service with a turn budget on reading peers' streams (gossip/readBudget.ts): its read loop
 * awaits each RPC's handler (`awaitRpcHandler`), which the budget wrapper resolves at once, or in a later
 * event-loop turn once the current turn has run the budget.
 */
function budgetedGossipsub(init: Partial<GossipsubOpts>): never {
  const factory = gossipsub({...init, awaitRpcHandler: true});
  // the factory's declared return type is the narrower public GossipSub interface; the instance is the class
  return ((components: Parameters<typeof factory>[0]) =>
    withReadBudget(factory(components) as unknown as RpcHandling)) as never;
}

/** Creates (does not start) the host. */
export async function createLibp2pHost(opts: Libp2pHostOpts): Promise<Libp2pHost> {
  const agentVersion = opts.agentVersion ?? defaultAgentVersion();
  const [name, version] = agentVersion.split("/");
  const host = await createLibp2p({
    start: false,
    privateKey: opts.privateKey,
    nodeInfo: {name, version: version ?? "", userAgent: agentVersion},
    addresses: {
      listen: [`/ip4/${opts.listenAddress}/tcp/${opts.port}`],
      announce: opts.announceAddresses,
    },
    transports: [tcp()],
    connectionEncrypters: [noise({crypto: noiseCrypto})],
    // order = preference when dialing: yamux first (p2p-interface.md: yamux MUST take precedence), then mplex
    // (configured so that connections dialed by the other side keep working: see muxers.ts)
    streamMuxers: [eth2Yamux(), eth2Mplex()],
    connectionGater: opts.connectionGater,
    connectionManager: {
      // connections beyond this are refused by libp2p; the peer manager disconnects down to the target itself
      maxConnections: maxPeersFor(opts.targetPeers) + 5,
      dialTimeout: 10_000,
    },
    // eth2 liveness is the req/resp Ping of the peer manager; libp2p's own ping must not drop connections
    connectionMonitor: {enabled: false},
    services: {
      identify: identify({runOnConnectionOpen: true}),
      ping: ping(),
      pubsub: budgetedGossipsub(opts.gossipsub),
    },
  });
  return host as unknown as Libp2pHost;
}

interface PeerKeyFile {
  /** The peer id (base58), to recognise the file. */
  id: string;
  /** The private key as a libp2p protobuf, base64. */
  privKey: string;
}

/** `<dataDir>/network/peer-id.json`. */
export function peerKeyPath(dataDir: string): string {
  return join(dataDir, "network", "peer-id.json");
}

/**
 * The node's secp256k1 peer key from `<dataDir>/network/peer-id.json`, created (mode 0600) on first start. A file
 * readable by others is tightened to 0600; a file that does not hold a secp256k1 key matching its id is an error
 * (never silently replaced: the peer id is the node's identity on the network).
 */
export async function loadOrCreatePeerKey(dataDir: string): Promise<PrivateKey> {
  const path = peerKeyPath(dataDir);
  let text: string | null = null;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  if (text !== null) {
    const file = JSON.parse(text) as Partial<PeerKeyFile>;
    if (typeof file.privKey !== "string") throw Error(`${path}: no privKey`);
    const key = privateKeyFromProtobuf(Buffer.from(file.privKey, "base64"));
    if (key.type !== "secp256k1") throw Error(`${path}: the peer key must be secp256k1, got ${key.type}`);
    const id = peerIdFromPrivateKey(key).toString();
    if (file.id !== undefined && file.id !== id) throw Error(`${path}: id ${file.id} does not match its key (${id})`);
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    return key;
  }
  const key = await generateKeyPair("secp256k1");
  const file: PeerKeyFile = {
    id: peerIdFromPrivateKey(key).toString(),
    privKey: Buffer.from(privateKeyToProtobuf(key)).toString("base64"),
  };
  mkdirSync(dirname(path), {recursive: true});
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, "wx", 0o600);
  try {
    writeSync(fd, `${JSON.stringify(file, null, 2)}\n`);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return key;
}
