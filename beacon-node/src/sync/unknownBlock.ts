/**
 * Unknown-block lookup: a gossip block whose parent we do not have, or an attestation voting for a block root we
 * do not know, makes us fetch the missing blocks by root (BeaconBlocksByRoot, phase0 p2p-interface.md: "primarily
 * used to recover recent blocks (e.g. when receiving a block or attestation whose parent is unknown)"), walking
 * back parent by parent until a block whose parent fork choice knows, then importing them parents first.
 *
 * Bounded: at most `maxPendingBlocks` blocks wait at once, and a walk deeper than `maxAncestorDepth` blocks is
 * dropped and handed to range sync (`onTooFar`). Requests are deduplicated per root; a peer that answers a root
 * with a block of another root is reported (`lowTolerance`), as is the peer that sent a block that proves
 * invalid on import.
 */
import type {RootHex} from "@ceibo/fork-choice";
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import type {SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import {toHex} from "@ceibo/utils";
import type {BeaconChain} from "../chain/chain.ts";
import {BlockError} from "../chain/errors.ts";
import type {ImportBlockOpts} from "../chain/importBlock.ts";
import {type Logger, silentLogger} from "../chain/logger.ts";
import type {PeerIdStr, SyncNetwork} from "../network/types.ts";
import type {BlockData} from "./dataAvailability.ts";
import {type SegmentVerification, verifySegmentSignatures} from "./segmentSignatures.ts";
import {blockRoot, INVALID_BLOCK_CODES, withTimeout} from "./utils.ts";

export interface UnknownBlockSyncOpts {
  /** Blocks (downloaded or awaited) held at once (default 64). */
  maxPendingBlocks?: number;
  /** Ancestors fetched by root for one unknown block before handing over to range sync (default 2 epochs of slots). */
  maxAncestorDepth?: number;
  /** Attempts (peers asked) per root before it is dropped (default 5). */
  maxAttemptsPerRoot?: number;
  /** BeaconBlocksByRoot requests in flight at once (default 4). */
  maxConcurrentRequests?: number;
  /** Timeout of one by-root request (default 10 s). */
  requestTimeoutMs?: number;
  /** Sidecars for blocks with blob commitments (deneb+): SyncDataAvailability (dataAvailability.ts). */
  dataAvailability?: BlockDataAvailability;
}

/** Fetches a block's sidecars by root and hands them to the import (SyncDataAvailability implements it). */
export interface BlockDataAvailability {
  /** The block's verified data, what the chain's tracker lacks fetched from `peer` first; throws if unavailable. */
  fetchForBlock(peer: PeerIdStr | null, block: SignedBeaconBlockAllForks): Promise<BlockData>;
  /** Right before the import: the data back into the tracker; the import's `dataAvailable`. */
  prepareImport(block: SignedBeaconBlockAllForks, data: BlockData): boolean;
  /** After the import: makes sure the block's sidecars were stored. */
  afterImport(block: SignedBeaconBlockAllForks, data: BlockData): Promise<void>;
}

interface PendingBlock {
  root: RootHex;
  /** null until downloaded. */
  block: SignedBeaconBlockAllForks | null;
  /** The block's sidecars (with a dataAvailability module); null until fetched (a gossip block: at import). */
  data: BlockData | null;
  parentRoot: RootHex | null;
  slot: number | null;
  /** Peers that referenced the root (gossip sender, attesters' relayers, children's senders). */
  peers: Set<PeerIdStr>;
  triedPeers: Set<PeerIdStr>;
  attempts: number;
  downloading: boolean;
  /** Who gave us the block (penalised if it proves invalid). */
  receivedFrom: PeerIdStr | null;
  /** Ancestors between this block and the block (or root) that started the lookup. */
  depth: number;
  addedAt: number;
}

/** Hand-off when a lookup would go too deep: the peer has `root` at `slot`, far ahead of our head. */
export type TooFarHandler = (peer: PeerIdStr, slot: number | null, root: Uint8Array) => void;

const BAD_ROOTS_KEPT = 1024;
/** Pending entries older than this are dropped (the block will come through range sync or gossip again). */
const PENDING_TTL_MS = 5 * 60_000;

export class UnknownBlockSync {
  private readonly chain: BeaconChain;
  private readonly network: SyncNetwork;
  private readonly logger: Logger;
  private readonly maxPendingBlocks: number;
  private readonly maxAncestorDepth: number;
  private readonly maxAttemptsPerRoot: number;
  private readonly maxConcurrentRequests: number;
  private readonly requestTimeoutMs: number;
  private readonly dataAvailability: BlockDataAvailability | null;
  private readonly onTooFar: TooFarHandler | null;
  private readonly pending = new Map<RootHex, PendingBlock>();
  /** Roots of blocks that failed import as invalid (and their descendants): ignored from then on. */
  private readonly badRoots = new Set<RootHex>();
  private inFlight = 0;
  private importing = false;
  private importDone: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Blocks imported through this lookup. */
  importedBlocks = 0;

  constructor(
    modules: {chain: BeaconChain; network: SyncNetwork; logger?: Logger; onTooFar?: TooFarHandler},
    opts: UnknownBlockSyncOpts = {},
  ) {
    this.chain = modules.chain;
    this.network = modules.network;
    this.logger = modules.logger ?? silentLogger;
    this.onTooFar = modules.onTooFar ?? null;
    this.maxPendingBlocks = opts.maxPendingBlocks ?? 64;
    this.maxAncestorDepth = opts.maxAncestorDepth ?? 2 * SLOTS_PER_EPOCH;
    this.maxAttemptsPerRoot = opts.maxAttemptsPerRoot ?? 5;
    this.maxConcurrentRequests = opts.maxConcurrentRequests ?? 4;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.dataAvailability = opts.dataAvailability ?? null;
    // a block imported by any path (range sync, gossip) may be the parent pending blocks wait for
    this.chain.emitter.on("block", this.onChainBlock);
  }

  private readonly onChainBlock = (): void => {
    if (this.pending.size > 0) this.importReady();
  };

  /** Blocks held (downloaded or awaited). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Roots still to download. */
  get missingRoots(): RootHex[] {
    return [...this.pending.values()].filter((p) => p.block === null).map((p) => p.root);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.chain.emitter.off("block", this.onChainBlock);
    this.pending.clear();
    await this.importDone;
  }

  /** A (gossip) block whose parent fork choice does not know: fetch its ancestors, then import it. */
  onUnknownBlockParent(block: SignedBeaconBlockAllForks, peer: PeerIdStr): void {
    if (this.stopped) return;
    const rootBytes = blockRoot(this.chain.beaconConfig, block);
    const root = toHex(rootBytes);
    if (this.chain.forkChoice.hasBlock(root) || this.badRoots.has(root)) return;
    const parentRoot = toHex(block.message.parentRoot);
    if (this.badRoots.has(parentRoot)) {
      this.badRoots.add(root);
      return;
    }
    const existing = this.pending.get(root);
    if (existing !== undefined) {
      existing.peers.add(peer);
      if (existing.block === null) this.setBlock(existing, block, peer);
      this.schedule();
      return;
    }
    if (block.message.slot > this.chain.head.slot + this.maxAncestorDepth) {
      this.logger.debug("Unknown-parent block too far ahead: left to range sync", {slot: block.message.slot, root});
      this.onTooFar?.(peer, block.message.slot, rootBytes);
      return;
    }
    const entry = this.add(root, new Set([peer]), 0);
    if (entry === null) return;
    this.setBlock(entry, block, peer);
    this.schedule();
  }

  /** An attestation (or other message) voting for a block root we do not know: fetch that block. */
  onUnknownBlockRoot(root: Uint8Array, peer: PeerIdStr): void {
    if (this.stopped) return;
    const hex = toHex(root);
    if (this.chain.forkChoice.hasBlock(hex) || this.badRoots.has(hex)) return;
    const existing = this.pending.get(hex);
    if (existing !== undefined) {
      existing.peers.add(peer);
      return;
    }
    if (this.add(hex, new Set([peer]), 0) !== null) this.schedule();
  }

  private add(root: RootHex, peers: Set<PeerIdStr>, depth: number): PendingBlock | null {
    if (this.pending.size >= this.maxPendingBlocks) {
      this.logger.debug("Unknown-block lookup full: dropped", {root, pending: this.pending.size});
      return null;
    }
    const entry: PendingBlock = {
      root,
      block: null,
      data: null,
      parentRoot: null,
      slot: null,
      peers: new Set(peers),
      triedPeers: new Set(),
      attempts: 0,
      downloading: false,
      receivedFrom: null,
      depth,
      addedAt: Date.now(),
    };
    this.pending.set(root, entry);
    return entry;
  }

  /** Records a downloaded block; asks for its parent unless known or already pending. */
  private setBlock(entry: PendingBlock, block: SignedBeaconBlockAllForks, from: PeerIdStr): void {
    entry.block = block;
    entry.parentRoot = toHex(block.message.parentRoot);
    entry.slot = block.message.slot;
    entry.receivedFrom = from;
    const parent = entry.parentRoot;
    if (this.chain.forkChoice.hasBlock(parent)) return;
    const pendingParent = this.pending.get(parent);
    if (pendingParent !== undefined) {
      for (const p of entry.peers) pendingParent.peers.add(p);
      return;
    }
    if (entry.depth + 1 > this.maxAncestorDepth) {
      this.logger.debug("Unknown-block lookup too deep: left to range sync", {root: entry.root, depth: entry.depth});
      const tip = this.tipOf(entry);
      this.dropWithDescendants(entry.root, false);
      const peer = tip.receivedFrom ?? [...tip.peers][0];
      if (peer !== undefined) this.onTooFar?.(peer, tip.slot, Buffer.from(tip.root.slice(2), "hex"));
      return;
    }
    if (this.add(parent, entry.peers, entry.depth + 1) === null) this.dropWithDescendants(entry.root, false);
  }

  /** The highest pending descendant of `entry` (the block that started its lookup). */
  private tipOf(entry: PendingBlock): PendingBlock {
    let tip = entry;
    for (let child = this.childOf(tip.root); child !== undefined; child = this.childOf(tip.root)) tip = child;
    return tip;
  }

  private childOf(root: RootHex): PendingBlock | undefined {
    for (const p of this.pending.values()) if (p.parentRoot === root) return p;
    return undefined;
  }

  // ---------------------------------------------------------------- download

  private schedule(): void {
    if (this.stopped) return;
    const now = Date.now();
    const finalizedSlot = this.chain.forkChoice.getBlock(this.chain.finalizedCheckpoint.root)?.slot ?? 0;
    for (const entry of [...this.pending.values()]) {
      if (!this.pending.has(entry.root)) continue;
      if (now - entry.addedAt > PENDING_TTL_MS || (entry.slot !== null && entry.slot <= finalizedSlot)) {
        this.dropWithDescendants(entry.root, false);
      }
    }
    for (const entry of this.pending.values()) {
      if (this.inFlight >= this.maxConcurrentRequests) break;
      if (entry.block !== null || entry.downloading) continue;
      const peer = this.pickPeer(entry);
      if (peer === null) continue;
      this.download(entry, peer);
    }
    this.importReady();
  }

  private pickPeer(entry: PendingBlock): PeerIdStr | null {
    const connected = new Set(this.network.getSyncPeers().map((p) => p.peer));
    const untried = [...entry.peers].filter((p) => connected.has(p) && !entry.triedPeers.has(p));
    if (untried.length > 0) return untried[0];
    // any connected peer that was not asked yet (the root's referrers may be gone)
    for (const p of connected) if (!entry.triedPeers.has(p)) return p;
    return null;
  }

  private download(entry: PendingBlock, peer: PeerIdStr): void {
    entry.downloading = true;
    entry.triedPeers.add(peer);
    entry.attempts++;
    this.inFlight++;
    const rootBytes = Buffer.from(entry.root.slice(2), "hex");
    withTimeout(
      this.network.beaconBlocksByRoot(peer, [rootBytes]),
      this.requestTimeoutMs,
      `block ${entry.root} by root`,
    )
      .then(
        async (blocks) => {
          if (this.pending.get(entry.root) !== entry) return;
          let found: SignedBeaconBlockAllForks | null = null;
          for (const {block} of blocks) {
            if (toHex(blockRoot(this.chain.beaconConfig, block)) === entry.root) found = block;
            else {
              this.network.reportPeer(peer, "lowTolerance", `answered blocks by root ${entry.root} with another block`);
              return this.retryOrDrop(entry, "wrong block");
            }
          }
          if (found === null) return this.retryOrDrop(entry, "peer does not have it");
          if (this.dataAvailability !== null) {
            try {
              entry.data = await this.dataAvailability.fetchForBlock(peer, found);
            } catch (e) {
              return this.retryOrDrop(entry, `sidecars unavailable: ${(e as Error).message}`);
            }
            if (this.pending.get(entry.root) !== entry) return;
          }
          this.setBlock(entry, found, peer);
        },
        (e: unknown) => this.retryOrDrop(entry, (e as Error).message),
      )
      .finally(() => {
        entry.downloading = false;
        this.inFlight--;
        this.schedule();
      });
  }

  private retryOrDrop(entry: PendingBlock, reason: string): void {
    this.logger.debug("Block by root not obtained", {root: entry.root, attempts: entry.attempts, reason});
    if (entry.attempts >= this.maxAttemptsPerRoot || this.pickPeer(entry) === null) {
      this.dropWithDescendants(entry.root, false);
    }
  }

  // ---------------------------------------------------------------- import

  /** Imports every downloaded block whose parent fork choice knows, parents first. */
  private importReady(): void {
    if (this.importing || this.stopped) return;
    const ready = [...this.pending.values()]
      .filter((p) => p.block !== null && p.parentRoot !== null && this.chain.forkChoice.hasBlock(p.parentRoot))
      .sort((a, b) => (a.slot ?? 0) - (b.slot ?? 0));
    if (ready.length === 0) return;
    // each ready block with its downloaded descendants in one line: the signatures of a line's blocks of one epoch
    // are verified in one chain.bls call (segmentSignatures.ts); a failed call → each block verifies its own
    const lines = ready.map((entry) => this.lineFrom(entry));
    this.importing = true;
    this.importDone = (async () => {
      for (const line of lines) {
        const blocks = line.map((e) => e.block as SignedBeaconBlockAllForks);
        let segment: SegmentVerification | null = null;
        for (let i = 0; i < line.length; i++) {
          const entry = line[i];
          if (this.stopped || this.pending.get(entry.root) !== entry) continue;
          if (segment === null || i >= segment.end) {
            segment = await verifySegmentSignatures(this.chain, blocks, i).catch(() => null);
            if (this.stopped || this.pending.get(entry.root) !== entry) continue;
          }
          const opts: ImportBlockOpts = {};
          if (segment !== null && i === segment.start) opts.preState = segment.preState;
          if (segment?.valid && i < segment.end) opts.signaturesVerified = true;
          await this.importOne(entry, opts);
        }
      }
    })().finally(() => {
      this.importing = false;
      this.importReady();
    });
  }

  /** `entry` followed by its only downloaded child, that child's, and so on. */
  private lineFrom(entry: PendingBlock): PendingBlock[] {
    const line = [entry];
    for (let cur = entry; ; ) {
      const children = [...this.pending.values()].filter((p) => p.parentRoot === cur.root && p.block !== null);
      if (children.length !== 1) return line;
      cur = children[0];
      line.push(cur);
    }
  }

  private async importOne(entry: PendingBlock, opts: ImportBlockOpts = {}): Promise<void> {
    const block = entry.block as SignedBeaconBlockAllForks;
    let dataAvailable: boolean | undefined;
    if (this.dataAvailability !== null) {
      if (entry.data === null) {
        // the block that started the lookup (gossip): its sidecars came on gossip, or are fetched now
        const peer = entry.receivedFrom ?? [...entry.peers][0] ?? null;
        try {
          entry.data = await this.dataAvailability.fetchForBlock(peer, block);
        } catch (e) {
          this.logger.debug("Unknown-block sidecars unavailable", {root: entry.root, error: (e as Error).message});
          this.dropWithDescendants(entry.root, false);
          return;
        }
        if (this.stopped || this.pending.get(entry.root) !== entry) return;
      }
      dataAvailable = this.dataAvailability.prepareImport(block, entry.data);
    }
    try {
      await this.chain.importBlock(block, dataAvailable === undefined ? opts : {...opts, dataAvailable});
      this.importedBlocks++;
      if (this.dataAvailability !== null && entry.data !== null) {
        await this.dataAvailability.afterImport(block, entry.data).catch((e: unknown) => {
          this.logger.warn("Could not store the sidecars of a block found by root", {
            root: entry.root,
            error: (e as Error).message,
          });
        });
      }
      this.pending.delete(entry.root);
      this.logger.debug("Imported block found by root", {slot: block.message.slot, root: entry.root});
    } catch (e) {
      if (!(e instanceof BlockError)) {
        this.logger.warn("Unknown-block import failed", {root: entry.root, error: (e as Error).message});
        this.dropWithDescendants(entry.root, false);
        return;
      }
      if (e.code === "ALREADY_KNOWN") {
        this.pending.delete(entry.root);
        return;
      }
      if (e.code === "PARENT_UNKNOWN") return; // the parent is queued after all; retried when it is imported
      if (INVALID_BLOCK_CODES.has(e.code)) {
        if (entry.receivedFrom !== null) {
          this.network.reportPeer(entry.receivedFrom, "lowTolerance", `sent invalid block ${entry.root}: ${e.code}`);
        }
        this.dropWithDescendants(entry.root, true);
        return;
      }
      this.logger.debug("Unknown-block import refused", {root: entry.root, error: e.message});
      this.dropWithDescendants(entry.root, false);
    }
  }

  /** Drops a pending block and every pending block that descends from it (marking them bad if `bad`). */
  private dropWithDescendants(root: RootHex, bad: boolean): void {
    const queue = [root];
    while (queue.length > 0) {
      const r = queue.pop() as RootHex;
      this.pending.delete(r);
      if (bad) this.markBad(r);
      for (const p of this.pending.values()) if (p.parentRoot === r) queue.push(p.root);
    }
  }

  private markBad(root: RootHex): void {
    this.badRoots.add(root);
    if (this.badRoots.size > BAD_ROOTS_KEPT) {
      this.badRoots.delete(this.badRoots.values().next().value as RootHex);
    }
  }
}
