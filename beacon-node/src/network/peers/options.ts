/** The peer manager's options and their defaults (peerManager.ts). */
import type {PeerIdStr} from "../types.ts";

/** The peer manager's defaults (the CLI's `--target-peers` overrides targetPeers). */
export const defaultPeerManagerOptions = {
  targetPeers: 50,
  pingIntervalMs: 15_000,
  statusIntervalMs: 5 * 60_000,
  heartbeatIntervalMs: 30_000,
  inboundStatusTimeoutMs: 15_000,
  goodbyeTimeoutMs: 2_000,
  pruneGraceMs: 30_000,
} as const;

export interface PeerManagerOpts {
  /** Peers to keep connected (default 50). */
  targetPeers?: number;
  /** Peers allowed while dialing for subnets before pruning (default ceil(1.1 × target)). */
  maxPeers?: number;
  /** Multiaddrs (with /p2p/<id>) dialed at start and whenever disconnected; never pruned. */
  staticPeers?: string[];
  /** Known good peers across restarts (`<dataDir>/network/peers.json`); null: not persisted. */
  peersFile?: string | null;
  pingIntervalMs?: number;
  statusIntervalMs?: number;
  heartbeatIntervalMs?: number;
  /** How long an inbound peer has to send Status before we ask it. */
  inboundStatusTimeoutMs?: number;
  /** How long to wait for a Goodbye to be delivered before closing the connection anyway. */
  goodbyeTimeoutMs?: number;
  /** A peer connected for less than this is not pruned (its handshake may still be running). */
  pruneGraceMs?: number;
  /** fulu Status v2 earliest_available_slot (default 0: every block since genesis is served). */
  earliestAvailableSlot?: () => number;
  /** The node's subnets that want peers (for pruning and subnet discovery). */
  neededSubnets?: () => {attnets: number[]; syncnets: number[]};
  /** The peer's gossipsub score (default: none). */
  gossipScore?: (peer: PeerIdStr) => number;
  /** Wall clock in ms (default Date.now). */
  nowMs?: () => number;
}
