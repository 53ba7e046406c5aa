import type {ForkName} from "@ceibo/params";
import type {SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import {toHex} from "@ceibo/utils";
import {
  type BlockSummary,
  decodeForked,
  encodeForked,
  readBlockSummary,
  readFork,
  storedType,
  wrapForked,
} from "../codec.ts";
import {DbError} from "../errors.ts";
import {Bucket, bucketRange, checkUint64, readUint64BE, rootKey, slotKey, uint64Bytes} from "../keys.ts";
import type {BatchOp, WriteOpts} from "../kv.ts";
import type {RepoContext} from "./context.ts";

export interface ForkedBlock {
  fork: ForkName;
  block: SignedBeaconBlockAllForks;
}

/** A stored block as bytes: its fork and its SSZ SignedBeaconBlock (what req/resp sends without decoding). */
export interface SerializedBlock {
  fork: ForkName;
  ssz: Uint8Array;
}

/** A hot block as listed by `all()`: root, fork, header fields and the stored value. */
export interface HotBlockEntry extends BlockSummary {
  root: Uint8Array;
  fork: ForkName;
  /** The stored value: fork byte ‖ SSZ SignedBeaconBlock. */
  value: Uint8Array;
}

function encodeBlock(ctx: RepoContext, block: SignedBeaconBlockAllForks): Uint8Array {
  const slot = block?.message?.slot;
  checkUint64(slot, "block slot");
  const fork = ctx.forkAtSlot(slot);
  return encodeForked(fork, storedType(fork, "SignedBeaconBlock"), block, `block at slot ${slot}`);
}

/** fork byte ‖ SSZ for already-serialized block bytes (the fork from the slot inside them). */
function wrapSerializedBlock(ctx: RepoContext, ssz: Uint8Array): {value: Uint8Array; summary: BlockSummary} {
  let summary: BlockSummary;
  try {
    summary = readBlockSummary(ssz);
  } catch (e) {
    throw new DbError("INVALID_ARGUMENT", `serialized block: ${(e as Error).message}`);
  }
  return {value: wrapForked(ctx.forkAtSlot(summary.slot), ssz), summary};
}

function toForkedBlock(value: Uint8Array, what: string): ForkedBlock {
  const {fork, value: block} = decodeForked<SignedBeaconBlockAllForks>(value, "SignedBeaconBlock", what);
  return {fork, block};
}

function toSerialized(value: Uint8Array, what: string): SerializedBlock {
  return {fork: readFork(value, what), ssz: value.subarray(1)};
}

/** Unfinalized blocks by block root. The chain writes every imported block here; archiving moves them out. */
export class HotBlockRepository {
  private readonly ctx: RepoContext;

  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  putOps(root: Uint8Array, block: SignedBeaconBlockAllForks): BatchOp[] {
    return [{type: "put", key: rootKey(Bucket.hotBlock, root), value: encodeBlock(this.ctx, block)}];
  }

  /** Stores SSZ SignedBeaconBlock bytes as received (no decode, no re-serialization). */
  putSerializedOps(root: Uint8Array, ssz: Uint8Array): BatchOp[] {
    return [{type: "put", key: rootKey(Bucket.hotBlock, root), value: wrapSerializedBlock(this.ctx, ssz).value}];
  }

  deleteOps(root: Uint8Array): BatchOp[] {
    return [{type: "del", key: rootKey(Bucket.hotBlock, root)}];
  }

  async put(root: Uint8Array, block: SignedBeaconBlockAllForks, opts?: WriteOpts): Promise<void> {
    await this.ctx.kv.write(this.putOps(root, block), opts);
  }

  async putSerialized(root: Uint8Array, ssz: Uint8Array, opts?: WriteOpts): Promise<void> {
    await this.ctx.kv.write(this.putSerializedOps(root, ssz), opts);
  }

  async delete(root: Uint8Array, opts?: WriteOpts): Promise<void> {
    await this.ctx.kv.write(this.deleteOps(root), opts);
  }

  async get(root: Uint8Array): Promise<ForkedBlock | null> {
    const value = await this.ctx.kv.get(rootKey(Bucket.hotBlock, root));
    return value === undefined ? null : toForkedBlock(value, `hot block ${toHex(root)}`);
  }

  async getSerialized(root: Uint8Array): Promise<SerializedBlock | null> {
    const value = await this.ctx.kv.get(rootKey(Bucket.hotBlock, root));
    return value === undefined ? null : toSerialized(value, `hot block ${toHex(root)}`);
  }

  async has(root: Uint8Array): Promise<boolean> {
    return (await this.ctx.kv.get(rootKey(Bucket.hotBlock, root))) !== undefined;
  }

  /** Every hot block with its header fields, sorted by slot (then root). Reads values but decodes none. */
  async all(): Promise<HotBlockEntry[]> {
    const entries = await this.ctx.kv.entries(bucketRange(Bucket.hotBlock));
    const out: HotBlockEntry[] = [];
    for (const [key, value] of entries) {
      const root = key.slice(1);
      const what = `hot block ${toHex(root)}`;
      const fork = readFork(value, what);
      out.push({root, fork, value, ...readBlockSummary(value.subarray(1), what)});
    }
    return out.sort((a, b) => a.slot - b.slot || Buffer.compare(a.root, b.root));
  }
}

/** Finalized blocks by slot, with a block root → slot index. Written only by archiving and anchor writes. */
export class BlockArchiveRepository {
  private readonly ctx: RepoContext;

  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  putOps(root: Uint8Array, block: SignedBeaconBlockAllForks): BatchOp[] {
    return this.putValueOps(root, block.message.slot, encodeBlock(this.ctx, block));
  }

  /** Archives an already fork-tagged value (moving a hot block without decoding it). */
  putValueOps(root: Uint8Array, slot: number, value: Uint8Array): BatchOp[] {
    return [
      {type: "put", key: slotKey(Bucket.archivedBlock, slot), value},
      {type: "put", key: rootKey(Bucket.archivedBlockRootIndex, root), value: uint64Bytes(slot)},
    ];
  }

  deleteOps(root: Uint8Array, slot: number): BatchOp[] {
    return [
      {type: "del", key: slotKey(Bucket.archivedBlock, slot)},
      {type: "del", key: rootKey(Bucket.archivedBlockRootIndex, root)},
    ];
  }

  async put(root: Uint8Array, block: SignedBeaconBlockAllForks, opts?: WriteOpts): Promise<void> {
    await this.ctx.kv.write(this.putOps(root, block), opts);
  }

  async getBySlot(slot: number): Promise<ForkedBlock | null> {
    const value = await this.ctx.kv.get(slotKey(Bucket.archivedBlock, slot));
    return value === undefined ? null : toForkedBlock(value, `archived block at slot ${slot}`);
  }

  async getSerializedBySlot(slot: number): Promise<SerializedBlock | null> {
    const value = await this.ctx.kv.get(slotKey(Bucket.archivedBlock, slot));
    return value === undefined ? null : toSerialized(value, `archived block at slot ${slot}`);
  }

  /** The slot of a finalized block, from the root index. */
  async getSlotByRoot(root: Uint8Array): Promise<number | null> {
    const value = await this.ctx.kv.get(rootKey(Bucket.archivedBlockRootIndex, root));
    if (value === undefined) return null;
    if (value.length !== 8) throw new DbError("CORRUPT_VALUE", `archived block root index ${toHex(root)}: bad slot`);
    return readUint64BE(value, 0);
  }

  async getByRoot(root: Uint8Array): Promise<ForkedBlock | null> {
    const slot = await this.getSlotByRoot(root);
    if (slot === null) return null;
    const block = await this.getBySlot(slot);
    if (block === null) {
      throw new DbError("CORRUPT_VALUE", `archived block ${toHex(root)}: indexed at slot ${slot} but not stored`);
    }
    return block;
  }

  async getSerializedByRoot(root: Uint8Array): Promise<SerializedBlock | null> {
    const slot = await this.getSlotByRoot(root);
    return slot === null ? null : this.getSerializedBySlot(slot);
  }

  /** Finalized blocks with fromSlot <= slot < toSlot, in slot order (empty slots have no entry). */
  async rangeSerialized(fromSlot: number, toSlot: number): Promise<(SerializedBlock & {slot: number})[]> {
    if (toSlot <= fromSlot) return [];
    const entries = await this.ctx.kv.entries({
      gte: slotKey(Bucket.archivedBlock, fromSlot),
      lt: slotKey(Bucket.archivedBlock, toSlot),
    });
    return entries.map(([key, value]) => {
      const slot = readUint64BE(key, 1);
      return {slot, ...toSerialized(value, `archived block at slot ${slot}`)};
    });
  }

  /**
   * The lowest archived block slot, or null for an empty archive: genesis for a chain started from genesis, the
   * oldest backfilled block (or the anchor block) for a checkpoint-synced one.
   */
  async firstSlot(): Promise<number | null> {
    const keys = await this.ctx.kv.keys({...bucketRange(Bucket.archivedBlock), limit: 1});
    return keys.length === 0 ? null : readUint64BE(keys[0], 1);
  }

  /** The highest archived block slot, or null for an empty archive. */
  async lastSlot(): Promise<number | null> {
    const keys = await this.ctx.kv.keys({...bucketRange(Bucket.archivedBlock), reverse: true, limit: 1});
    return keys.length === 0 ? null : readUint64BE(keys[0], 1);
  }
}
