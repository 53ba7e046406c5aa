/**
 * Types shared by the networking modules (reqresp/, gossip/, peers/, discovery/) and sync (../sync/).
 * Each module owns its implementation; these are the seams between them.
 */
import type {SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import type {ssz} from "@ceibo/types";
import type {ValueOf} from "@chainsafe/ssz";

/** deneb BlobSidecar. */
export type BlobSidecar = ValueOf<typeof ssz.deneb.BlobSidecar>;
/** fulu DataColumnSidecar. */
export type DataColumnSidecar = ValueOf<typeof ssz.fulu.DataColumnSidecar>;

/** A libp2p peer id as its base58 string (peerId.toString()). */
export type PeerIdStr = string;

/** p2p-interface.md Goodbye reason codes (plus the ones clients agree on). */
export const GoodbyeReason = {
  CLIENT_SHUTDOWN: 1,
  IRRELEVANT_NETWORK: 2,
  FAULT_OR_ERROR: 3,
  UNABLE_TO_VERIFY_NETWORK: 128,
  TOO_MANY_PEERS: 129,
  BAD_SCORE: 250,
  BANNED: 251,
} as const;
export type GoodbyeReasonCode = (typeof GoodbyeReason)[keyof typeof GoodbyeReason];

/** The GoodbyeReason name of a code, or the number when it has none. */
export function goodbyeReasonName(reason: number): string {
  for (const [name, code] of Object.entries(GoodbyeReason)) if (code === reason) return name;
  return String(reason);
}

/**
 * How badly a peer misbehaved (our own, action-based score; the peer manager maps it to a score delta):
 * fatal → ban at once; lowTolerance → a few strikes; midTolerance → tens; highTolerance → many.
 */
export type PeerAction = "fatal" | "lowTolerance" | "midTolerance" | "highTolerance";

/** Where modules report peer misbehaviour (the peer manager implements it). */
export interface PeerReporter {
  reportPeer(peer: PeerIdStr, action: PeerAction, reason: string): void;
}

/** p2p-interface.md Status v1 (v2 in fulu adds earliestAvailableSlot). Roots are 32 raw bytes. */
export interface StatusMessage {
  forkDigest: Uint8Array;
  finalizedRoot: Uint8Array;
  finalizedEpoch: number;
  headRoot: Uint8Array;
  headSlot: number;
  /** fulu Status v2 only. */
  earliestAvailableSlot?: number;
}

/** MetaData v2 (altair: seqNumber, attnets, syncnets) / v3 (fulu: + custodyGroupCount). Bitfields as bool arrays. */
export interface MetadataMessage {
  seqNumber: bigint;
  attnets: boolean[];
  syncnets: boolean[];
  /** fulu MetaData v3 only. */
  custodyGroupCount?: number;
}

/** The outcome of gossip validation (p2p-interface.md: [REJECT] / [IGNORE] conditions, otherwise ACCEPT). */
export type GossipAcceptance = "ACCEPT" | "IGNORE" | "REJECT";

/** Thrown by gossip validators (defined with the per-topic codes in chain/validation/errors.ts). */
export {GossipValidationError} from "../chain/validation/errors.ts";

/** A block with the fork its context bytes named (req/resp responses). */
export interface BlockWithFork {
  block: SignedBeaconBlockAllForks;
  /** The block's SSZ bytes as received (to store without re-serializing). */
  bytes: Uint8Array;
}

/**
 * What sync needs from the network: peers with their latest Status, the by-range / by-root requests for blocks and
 * their sidecars (deneb blob sidecars, fulu data columns), and which columns a peer custodies.
 * Implemented by network.ts (Network); sync tests may implement it over an in-process chain.
 */
export interface SyncNetwork {
  /** Connected peers whose Status exchange succeeded and who are on our network. */
  getSyncPeers(): {peer: PeerIdStr; status: StatusMessage}[];
  /** Fires after every successful Status exchange (connect and periodic re-status). */
  onPeerStatus(listener: (peer: PeerIdStr, status: StatusMessage) => void): () => void;
  beaconBlocksByRange(peer: PeerIdStr, req: {startSlot: number; count: number}): Promise<BlockWithFork[]>;
  beaconBlocksByRoot(peer: PeerIdStr, roots: Uint8Array[]): Promise<BlockWithFork[]>;
  /** BlobSidecarsByRange v1 (deneb, electra): sidecars in [startSlot, startSlot + count), (slot, index) order. */
  blobSidecarsByRange(peer: PeerIdStr, req: {startSlot: number; count: number}): Promise<BlobSidecar[]>;
  /** BlobSidecarsByRoot v1: the requested sidecars the peer has. */
  blobSidecarsByRoot(peer: PeerIdStr, ids: {blockRoot: Uint8Array; index: number}[]): Promise<BlobSidecar[]>;
  /** DataColumnSidecarsByRange v1 (fulu): the requested columns in the range, (slot, column) order. */
  dataColumnSidecarsByRange(
    peer: PeerIdStr,
    req: {startSlot: number; count: number; columns: number[]},
  ): Promise<DataColumnSidecar[]>;
  /** DataColumnSidecarsByRoot v1: the requested columns the peer has. */
  dataColumnSidecarsByRoot(
    peer: PeerIdStr,
    ids: {blockRoot: Uint8Array; columns: number[]}[],
  ): Promise<DataColumnSidecar[]>;
  /**
   * fulu: the columns the peer custodies (das-core.md get_custody_groups of its node id and custody group count,
   * the count from its MetaData v3 or else its ENR `cgc`, else CUSTODY_REQUIREMENT), ascending.
   */
  getPeerCustodyColumns(peer: PeerIdStr): readonly number[];
  reportPeer(peer: PeerIdStr, action: PeerAction, reason: string): void;
}
