/**
 * One range-sync batch: `count` slots from `startSlot`, downloaded with BeaconBlocksByRange (phase0 p2p-interface.md
 * "BeaconBlocksByRange", consensus-specs a08d8a6) from one peer, then imported in slot order. Its state machine:
 *
 *   pending → downloading → downloaded → processing → done
 *      ↑___________|  (download failed)     |   |
 *      ↑____________________________________|   |  (import failed: download again, from another peer if possible)
 *                          downloaded ←─────────┘  (local failure: import again later, same blocks)
 *
 * and a done batch that came back empty goes back to pending when the next batch proves it had blocks.
 */
import type {SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import type {BlockWithFork, PeerIdStr} from "../../network/types.ts";
import type {BlockData} from "../dataAvailability.ts";

/**
 * Fetches and verifies the blob / data column sidecars of a downloaded batch (deneb+), so blocks with blob
 * commitments can be imported (is_data_available). SyncDataAvailability (dataAvailability.ts) implements it.
 */
export interface BatchDataAvailability {
  /**
   * Sidecars for `blocks` (the by-range response of `peer` for `req`): per block, its verified data.
   * Throwing counts as a failed download (the batch is retried with another peer).
   */
  fetch(peer: PeerIdStr, req: {startSlot: number; count: number}, blocks: BlockWithFork[]): Promise<BlockData[]>;
  /** Right before a block's import: its data back into the chain's tracker; the import's `dataAvailable`. */
  prepareImport(block: SignedBeaconBlockAllForks, data: BlockData): boolean;
  /** After the import: makes sure the block's sidecars were stored. */
  afterImport(block: SignedBeaconBlockAllForks, data: BlockData): Promise<void>;
}

export type BatchStatus = "pending" | "downloading" | "downloaded" | "processing" | "done";

export class Batch {
  readonly id: number;
  readonly startSlot: number;
  readonly count: number;
  status: BatchStatus = "pending";
  /** The peer whose blocks the batch holds (or is downloading). */
  peer: PeerIdStr | null = null;
  blocks: BlockWithFork[] = [];
  /** The blocks' sidecars (with a dataAvailability module), one per block. */
  data: BlockData[] | null = null;
  downloadAttempts = 0;
  processingAttempts = 0;
  /** Peers whose download or blocks failed for this batch (tried last). */
  readonly failedPeers = new Set<PeerIdStr>();
  /** A peer that served this batch empty before the next batch proved it had blocks (penalised if confirmed). */
  suspectedEmptyPeer: PeerIdStr | null = null;
  /** Peers whose blocks did not link to the previous batch (penalised if another peer's blocks do). */
  readonly unlinkedPeers = new Set<PeerIdStr>();

  constructor(id: number, startSlot: number, count: number) {
    this.id = id;
    this.startSlot = startSlot;
    this.count = count;
  }

  /** The by-range request of this batch. */
  get request(): {startSlot: number; count: number} {
    return {startSlot: this.startSlot, count: this.count};
  }

  /** pending → downloading from `peer`. */
  startDownload(peer: PeerIdStr): void {
    this.status = "downloading";
    this.peer = peer;
  }

  /** Whether a download result from `peer` still belongs to this batch (not superseded). */
  isDownloadingFrom(peer: PeerIdStr): boolean {
    return this.status === "downloading" && this.peer === peer;
  }

  /** downloading → downloaded. */
  downloaded(blocks: BlockWithFork[], data: BlockData[] | null): void {
    this.blocks = blocks;
    this.data = data;
    this.status = "downloaded";
  }

  /** downloading → pending, `peer` marked failed; returns the download attempts so far. */
  downloadFailed(peer: PeerIdStr): number {
    this.failedPeers.add(peer);
    this.downloadAttempts++;
    this.status = "pending";
    this.peer = null;
    return this.downloadAttempts;
  }

  /** downloaded → processing. */
  startProcessing(): void {
    this.status = "processing";
  }

  /** processing → downloaded: a local failure, the same blocks are imported again later. */
  processingPaused(): void {
    this.status = "downloaded";
  }

  /** processing → pending, `peer`'s blocks dropped and the peer marked failed; returns the import attempts so far. */
  processingFailed(peer: PeerIdStr): number {
    this.failedPeers.add(peer);
    this.processingAttempts++;
    this.status = "pending";
    this.peer = null;
    this.blocks = [];
    this.data = null;
    return this.processingAttempts;
  }

  /** processing → done: only the last block is kept (the next batch's blocks must descend from it). */
  processed(): void {
    this.suspectedEmptyPeer = null;
    this.unlinkedPeers.clear();
    this.status = "done";
    this.blocks = this.blocks.length > 0 ? [this.blocks[this.blocks.length - 1]] : [];
    this.data = null;
  }

  /**
   * done (empty) → pending: the next batch proved blocks were there; its peer becomes the suspect. Returns the
   * download attempts so far.
   */
  provenIncomplete(): number {
    if (this.peer !== null) {
      this.failedPeers.add(this.peer);
      this.suspectedEmptyPeer = this.peer;
    }
    this.status = "pending";
    this.peer = null;
    this.downloadAttempts++;
    return this.downloadAttempts;
  }
}
