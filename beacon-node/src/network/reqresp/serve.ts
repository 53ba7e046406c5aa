/**
 * What the node serves from its chain and database: canonical blocks by range (finalized part from the block
 * archive by slot, unfinalized part by walking fork choice back from the head), blocks by root (hot store,
 * archive), blob and data column sidecars by range (the canonical block roots of the range, then the sidecar
 * repositories) and by root. Missing blocks and sidecars are skipped, as by-range / by-root responses allow.
 */
import type {BeaconConfig} from "@ceibo/config";
import {type ProtoNode, toRootHex} from "@ceibo/fork-choice";
import {type ForkName, ForkSeq} from "@ceibo/params";
import {computeEpochAtSlot, computeStartSlotAtEpoch} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import type {BeaconChain} from "../../chain/index.ts";
import {fromRootHex} from "../../chain/index.ts";
import {type BeaconDb, type BlobSidecar, type DataColumnSidecar, readBlockSummary} from "../../db/index.ts";

/** A block as served: its slot (for the context bytes) and SSZ bytes. */
export interface ServedBlock {
  slot: number;
  fork: ForkName;
  bytes: Uint8Array;
}

/** A canonical block of a range: slot and root. */
export interface CanonicalBlockRef {
  slot: number;
  root: Uint8Array;
}

export class ChainServer {
  private readonly chain: BeaconChain;
  private readonly db: BeaconDb;
  private readonly config: BeaconConfig;

  constructor(chain: BeaconChain, db: BeaconDb, config: BeaconConfig) {
    this.chain = chain;
    this.db = db;
    this.config = config;
  }

  /** The slot of the finalized block the chain has archived up to (its finalized checkpoint's block). */
  private async finalizedSlot(): Promise<{slot: number; root: Uint8Array}> {
    const cp = this.chain.finalizedCheckpoint;
    const root = fromRootHex(cp.root);
    const node = this.chain.forkChoice.getBlock(cp.root);
    if (node !== undefined) return {slot: node.slot, root};
    const slot = await this.db.blockArchive.getSlotByRoot(root);
    return {slot: slot ?? computeStartSlotAtEpoch(cp.epoch), root};
  }

  /** The unfinalized canonical blocks (fork choice, from the head back) with startSlot <= slot < endSlot, ascending. */
  private hotCanonical(startSlot: number, endSlot: number, finalizedSlot: number): ProtoNode[] {
    const fc = this.chain.forkChoice;
    const out: ProtoNode[] = [];
    let node = fc.getBlock(this.chain.head.blockRoot);
    while (node !== undefined && node.slot > finalizedSlot && node.slot >= startSlot) {
      if (node.slot < endSlot) out.push(node);
      node = fc.getBlock(node.parentRoot);
    }
    return out.reverse();
  }

  /**
   * BeaconBlocksByRange: the canonical blocks (the chain of the current head) with startSlot <= slot <
   * startSlot + count, in slot order; empty slots have no block.
   */
  async blocksByRange(startSlot: number, count: number): Promise<ServedBlock[]> {
    const endSlot = startSlot + count;
    const finalized = await this.finalizedSlot();
    const hot = this.hotCanonical(startSlot, endSlot, finalized.slot);
    const out: ServedBlock[] = [];
    if (startSlot <= finalized.slot) {
      const archived = await this.db.blockArchive.rangeSerialized(startSlot, Math.min(endSlot, finalized.slot + 1));
      for (const b of archived) out.push({slot: b.slot, fork: b.fork, bytes: b.ssz});
    }
    for (const node of hot) {
      const block = await this.blockBytesByRoot(fromRootHex(node.blockRoot));
      // a block fork choice knows but the store lost would break the chain: stop at the gap
      if (block === null) break;
      out.push(block);
    }
    return out;
  }

  /** The canonical blocks of a range as (slot, root), for the sidecar by-range methods. */
  async canonicalRoots(startSlot: number, count: number): Promise<CanonicalBlockRef[]> {
    const endSlot = startSlot + count;
    const finalized = await this.finalizedSlot();
    const out: CanonicalBlockRef[] = [];
    if (startSlot <= finalized.slot) {
      // archived blocks form one chain: each block's root is the parent_root of the next one
      const to = Math.min(endSlot, finalized.slot + 1);
      const archived = await this.db.blockArchive.rangeSerialized(startSlot, to);
      const summaries = archived.map((b) => readBlockSummary(b.ssz));
      for (let i = 0; i < archived.length; i++) {
        let root: Uint8Array;
        if (i + 1 < archived.length) root = summaries[i + 1].parentRoot;
        else if (archived[i].slot === finalized.slot) root = finalized.root;
        else root = hashBlockRoot(archived[i].fork, archived[i].ssz);
        out.push({slot: archived[i].slot, root});
      }
    }
    for (const node of this.hotCanonical(startSlot, endSlot, finalized.slot)) {
      out.push({slot: node.slot, root: fromRootHex(node.blockRoot)});
    }
    return out;
  }

  /** A block by root from the hot store, the archive, or the chain's in-memory blocks; null if unknown. */
  async blockBytesByRoot(root: Uint8Array): Promise<ServedBlock | null> {
    const stored =
      (await this.db.hotBlocks.getSerialized(root)) ?? (await this.db.blockArchive.getSerializedByRoot(root));
    if (stored !== null) return {slot: readBlockSummary(stored.ssz).slot, fork: stored.fork, bytes: stored.ssz};
    const block = this.chain.blocks.get(toRootHex(root));
    if (block === undefined) return null;
    const fork = this.config.getForkName(block.message.slot);
    const type = ssz[fork].SignedBeaconBlock as unknown as {serialize(v: unknown): Uint8Array};
    return {slot: block.message.slot, fork, bytes: type.serialize(block)};
  }

  /** BeaconBlocksByRoot: the blocks we have among `roots`, in request order (unknown roots skipped). */
  async blocksByRoot(roots: Uint8Array[]): Promise<ServedBlock[]> {
    const out: ServedBlock[] = [];
    for (const root of roots) {
      const block = await this.blockBytesByRoot(root);
      if (block !== null) out.push(block);
    }
    return out;
  }

  /**
   * BeaconBlocksByHead: the block at `root` and its ancestors, in descending slot order, at most `count`, none
   * before `minSlot` (the start of the range clients must serve); an unknown root gives nothing.
   */
  async blocksByHead(root: Uint8Array, count: number, minSlot: number): Promise<ServedBlock[]> {
    const out: ServedBlock[] = [];
    let cursor: Uint8Array = root;
    while (out.length < count) {
      const block = await this.blockBytesByRoot(cursor);
      if (block === null || block.slot < minSlot) break;
      out.push(block);
      if (block.slot === 0) break;
      cursor = readBlockSummary(block.bytes).parentRoot;
    }
    return out;
  }

  /**
   * BlobSidecarsByRange: the sidecars of the canonical blocks in the range, in (slot, index) order, at most
   * `maxSidecars`; only deneb and electra blocks carry blob sidecars.
   */
  async blobSidecarsByRange(startSlot: number, count: number, maxSidecars: number): Promise<BlobSidecar[]> {
    const out: BlobSidecar[] = [];
    for (const {slot, root} of await this.canonicalRoots(startSlot, count)) {
      const seq = this.config.getForkSeq(slot);
      if (seq < ForkSeq.deneb || seq >= ForkSeq.fulu) continue;
      const stored = await this.db.blobSidecars.get(root);
      if (stored === null) continue;
      // a block's sidecars go all or none
      if (out.length + stored.sidecars.length > maxSidecars) break;
      out.push(...stored.sidecars);
    }
    return out;
  }

  /** BlobSidecarsByRoot: the requested sidecars we have, in request order. */
  async blobSidecarsByRoot(ids: {blockRoot: Uint8Array; index: number}[]): Promise<BlobSidecar[]> {
    const cache = new Map<string, BlobSidecar[] | null>();
    const out: BlobSidecar[] = [];
    for (const {blockRoot, index} of ids) {
      const key = toRootHex(blockRoot);
      let sidecars = cache.get(key);
      if (sidecars === undefined) {
        sidecars = (await this.db.blobSidecars.get(blockRoot))?.sidecars ?? null;
        cache.set(key, sidecars);
      }
      const sidecar = sidecars?.find((s) => s.index === index);
      if (sidecar !== undefined) out.push(sidecar);
    }
    return out;
  }

  /**
   * DataColumnSidecarsByRange: the requested columns of the canonical fulu blocks in the range, in
   * (slot, column index) order, at most `maxSidecars`; columns we do not have are skipped.
   */
  async dataColumnSidecarsByRange(
    startSlot: number,
    count: number,
    columns: number[],
    maxSidecars: number,
  ): Promise<DataColumnSidecar[]> {
    const sorted = [...new Set(columns)].sort((a, b) => a - b);
    const out: DataColumnSidecar[] = [];
    for (const {slot, root} of await this.canonicalRoots(startSlot, count)) {
      if (this.config.getForkSeq(slot) < ForkSeq.fulu) continue;
      const stored = await this.db.dataColumnSidecars.getIndices(root);
      if (stored.length === 0) continue;
      const have = new Set(stored);
      const wanted = sorted.filter((c) => have.has(c));
      if (out.length + wanted.length > maxSidecars) break;
      for (const column of wanted) {
        const s = await this.db.dataColumnSidecars.get(root, column);
        if (s !== null) out.push(s.sidecar);
      }
    }
    return out;
  }

  /** DataColumnSidecarsByRoot: the requested columns we have, in request order, at most `maxSidecars`. */
  async dataColumnSidecarsByRoot(
    ids: {blockRoot: Uint8Array; columns: number[]}[],
    maxSidecars: number,
  ): Promise<DataColumnSidecar[]> {
    const out: DataColumnSidecar[] = [];
    for (const {blockRoot, columns} of ids) {
      for (const column of columns) {
        if (out.length >= maxSidecars) return out;
        const s = await this.db.dataColumnSidecars.get(blockRoot, column);
        if (s !== null) out.push(s.sidecar);
      }
    }
    return out;
  }

  /** The epoch of the wall clock. */
  get currentEpoch(): number {
    return computeEpochAtSlot(this.chain.clock.currentSlot);
  }
}

/** hash_tree_root of the BeaconBlock inside SSZ SignedBeaconBlock bytes. */
export function hashBlockRoot(fork: ForkName, signedBlockBytes: Uint8Array): Uint8Array {
  const types = ssz[fork] as unknown as {
    SignedBeaconBlock: {deserialize(b: Uint8Array): {message: unknown}};
    BeaconBlock: {hashTreeRoot(v: unknown): Uint8Array};
  };
  return types.BeaconBlock.hashTreeRoot(types.SignedBeaconBlock.deserialize(signedBlockBytes).message);
}
