import {type ForkName, ForkSeq, MAX_BLOB_COMMITMENTS_PER_BLOCK, NUMBER_OF_COLUMNS} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {toHex} from "@ceibo/utils";
import {ListCompositeType, type Type, type ValueOf} from "@chainsafe/ssz";
import {decodeForked, encodeForked, readFork, storedType} from "../codec.ts";
import {DbError} from "../errors.ts";
import {Bucket, checkRoot, checkUint64, makeKey, prefixRange, readUint64BE, rootKey, uint64Bytes} from "../keys.ts";
import type {BatchOp, WriteOpts} from "../kv.ts";
import type {RepoContext} from "./context.ts";

export type BlobSidecar = ValueOf<typeof ssz.deneb.BlobSidecar>;
export type DataColumnSidecar = ValueOf<typeof ssz.fulu.DataColumnSidecar>;
type SidecarHeader = {signedBlockHeader: {message: ValueOf<typeof ssz.phase0.BeaconBlockHeader>}};

/** List[BlobSidecar, MAX_BLOB_COMMITMENTS_PER_BLOCK] per fork: the value stored for one block's blobs. */
const blobSidecarListTypes = new Map<ForkName, Type<BlobSidecar[]>>();
function blobSidecarListType(fork: ForkName): Type<BlobSidecar[]> {
  let type = blobSidecarListTypes.get(fork);
  if (type === undefined) {
    type = new ListCompositeType(
      storedType(fork, "BlobSidecar") as typeof ssz.deneb.BlobSidecar,
      MAX_BLOB_COMMITMENTS_PER_BLOCK,
    ) as unknown as Type<BlobSidecar[]>;
    blobSidecarListTypes.set(fork, type);
  }
  return type;
}

/**
 * The slot and fork of sidecars that must all belong to the block `blockRoot`: each sidecar's signed block
 * header must hash to that root (a sidecar filed under the wrong block is a bug the db refuses to store).
 */
function sidecarsSlot(blockRoot: Uint8Array, sidecars: SidecarHeader[], what: string): number {
  checkRoot(blockRoot, "block root");
  if (!Array.isArray(sidecars) || sidecars.length === 0) {
    throw new DbError("INVALID_ARGUMENT", `${what}: no sidecars given for block ${toHex(blockRoot)}`);
  }
  const header = sidecars[0].signedBlockHeader.message;
  const headerRoot = ssz.phase0.BeaconBlockHeader.hashTreeRoot(header);
  if (Buffer.compare(headerRoot, blockRoot) !== 0) {
    throw new DbError(
      "INVALID_ARGUMENT",
      `${what}: sidecar header root ${toHex(headerRoot)} is not the block root ${toHex(blockRoot)}`,
    );
  }
  for (const s of sidecars.slice(1)) {
    if (!ssz.phase0.BeaconBlockHeader.equals(s.signedBlockHeader.message, header)) {
      throw new DbError(
        "INVALID_ARGUMENT",
        `${what}: sidecars of different blocks given for block ${toHex(blockRoot)}`,
      );
    }
  }
  checkUint64(header.slot, "sidecar slot");
  return header.slot;
}

/** Blob sidecars (deneb, electra) of a block, all of them in one value keyed by block root, sorted by index. */
export class BlobSidecarRepository {
  private readonly ctx: RepoContext;

  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  putOps(blockRoot: Uint8Array, sidecars: BlobSidecar[]): BatchOp[] {
    const slot = sidecarsSlot(blockRoot, sidecars, "blob sidecars");
    const fork = this.ctx.forkAtSlot(slot);
    if (ForkSeq[fork] < ForkSeq.deneb || ForkSeq[fork] >= ForkSeq.fulu) {
      throw new DbError("INVALID_ARGUMENT", `blob sidecars exist in deneb and electra only; slot ${slot} is ${fork}`);
    }
    const sorted = [...sidecars].sort((a, b) => a.index - b.index);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i].index === sorted[i - 1].index) {
        throw new DbError("INVALID_ARGUMENT", `blob sidecars: index ${sorted[i].index} given twice`);
      }
    }
    const value = encodeForked(fork, blobSidecarListType(fork), sorted, `blob sidecars of ${toHex(blockRoot)}`);
    return [{type: "put", key: rootKey(Bucket.blobSidecars, blockRoot), value}];
  }

  deleteOps(blockRoot: Uint8Array): BatchOp[] {
    return [{type: "del", key: rootKey(Bucket.blobSidecars, blockRoot)}];
  }

  async put(blockRoot: Uint8Array, sidecars: BlobSidecar[], opts?: WriteOpts): Promise<void> {
    await this.ctx.kv.write(this.putOps(blockRoot, sidecars), opts);
  }

  async delete(blockRoot: Uint8Array, opts?: WriteOpts): Promise<void> {
    await this.ctx.kv.write(this.deleteOps(blockRoot), opts);
  }

  async get(blockRoot: Uint8Array): Promise<{fork: ForkName; sidecars: BlobSidecar[]} | null> {
    const value = await this.ctx.kv.get(rootKey(Bucket.blobSidecars, blockRoot));
    if (value === undefined) return null;
    const what = `blob sidecars of ${toHex(blockRoot)}`;
    const fork = readFork(value, what);
    try {
      return {fork, sidecars: blobSidecarListType(fork).deserialize(value.subarray(1))};
    } catch (e) {
      throw new DbError("CORRUPT_VALUE", `${what}: ${(e as Error).message}`, {cause: e});
    }
  }
}

function columnKey(blockRoot: Uint8Array, index: number): Uint8Array {
  checkRoot(blockRoot, "block root");
  return makeKey(Bucket.dataColumnSidecar, blockRoot, uint64Bytes(index));
}

/** Data column sidecars (fulu+), one value per (block root, column index). */
export class DataColumnSidecarRepository {
  private readonly ctx: RepoContext;

  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  putOps(blockRoot: Uint8Array, sidecars: DataColumnSidecar[]): BatchOp[] {
    const slot = sidecarsSlot(blockRoot, sidecars, "data column sidecars");
    const fork = this.ctx.forkAtSlot(slot);
    if (ForkSeq[fork] < ForkSeq.fulu) {
      throw new DbError("INVALID_ARGUMENT", `data column sidecars exist from fulu on; slot ${slot} is ${fork}`);
    }
    const type = storedType(fork, "DataColumnSidecar");
    return sidecars.map((s) => {
      if (!Number.isSafeInteger(s.index) || s.index < 0 || s.index >= NUMBER_OF_COLUMNS) {
        throw new DbError("INVALID_ARGUMENT", `data column index ${s.index} is not below ${NUMBER_OF_COLUMNS}`);
      }
      const value = encodeForked(fork, type, s, `data column ${s.index} of ${toHex(blockRoot)}`);
      return {type: "put", key: columnKey(blockRoot, s.index), value};
    });
  }

  /** Deletes every column of a block (reads which exist, so it is async). */
  async deleteOps(blockRoot: Uint8Array): Promise<BatchOp[]> {
    const keys = await this.ctx.kv.keys(prefixRange(makeKey(Bucket.dataColumnSidecar, blockRoot)));
    return keys.map((key) => ({type: "del", key}));
  }

  async put(blockRoot: Uint8Array, sidecars: DataColumnSidecar[], opts?: WriteOpts): Promise<void> {
    await this.ctx.kv.write(this.putOps(blockRoot, sidecars), opts);
  }

  async delete(blockRoot: Uint8Array, opts?: WriteOpts): Promise<void> {
    await this.ctx.kv.write(await this.deleteOps(blockRoot), opts);
  }

  async get(blockRoot: Uint8Array, index: number): Promise<{fork: ForkName; sidecar: DataColumnSidecar} | null> {
    checkUint64(index, "column index");
    const value = await this.ctx.kv.get(columnKey(blockRoot, index));
    if (value === undefined) return null;
    const {fork, value: sidecar} = decodeForked<DataColumnSidecar>(
      value,
      "DataColumnSidecar",
      `data column ${index} of ${toHex(blockRoot)}`,
    );
    return {fork, sidecar};
  }

  /** The column indices stored for a block, ascending. */
  async getIndices(blockRoot: Uint8Array): Promise<number[]> {
    checkRoot(blockRoot, "block root");
    const keys = await this.ctx.kv.keys(prefixRange(makeKey(Bucket.dataColumnSidecar, blockRoot)));
    return keys.map((k) => readUint64BE(k, 33));
  }

  /** Every stored column of a block, by ascending index. */
  async getAll(blockRoot: Uint8Array): Promise<{fork: ForkName; sidecar: DataColumnSidecar}[]> {
    checkRoot(blockRoot, "block root");
    const entries = await this.ctx.kv.entries(prefixRange(makeKey(Bucket.dataColumnSidecar, blockRoot)));
    return entries.map(([key, value]) => {
      const {fork, value: sidecar} = decodeForked<DataColumnSidecar>(
        value,
        "DataColumnSidecar",
        `data column ${readUint64BE(key, 33)} of ${toHex(blockRoot)}`,
      );
      return {fork, sidecar};
    });
  }
}
