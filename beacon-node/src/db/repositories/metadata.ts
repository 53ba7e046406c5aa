import {DbError} from "../errors.ts";
import {Bucket, checkRoot, checkUint64, nameKey, readUint64BE, uint64Bytes} from "../keys.ts";
import type {BatchOp, WriteOpts} from "../kv.ts";
import type {RepoContext} from "./context.ts";

/** The chain metadata the db keeps, by key. */
export interface ChainMetadata {
  /** genesis_time of the chain (seconds). */
  genesisTime: number;
  /** genesis_validators_root. */
  genesisValidatorsRoot: Uint8Array;
  /** CONFIG_NAME of the chain config the node was started with. */
  chainConfigName: string;
  /** Blob sidecars of finalized blocks below this slot are pruned (retention; chain/retention.ts). */
  blobSidecarsPrunedToSlot: number;
  /** Data column sidecars of finalized blocks below this slot are pruned (retention; chain/retention.ts). */
  dataColumnSidecarsPrunedToSlot: number;
  /** The custody group count the node announced last (ENR `cgc`, MetaData v3); it never goes down. */
  custodyGroupCount: number;
  /** MetaData.seq_number the node announced last (restored at start, so peers see it only grow). */
  metadataSeqNumber: number;
  /**
   * 1 when the node ran with `--prune-history` (finalized blocks older than the retention window are deleted),
   * 0 after it was turned off again (then `historyPrunedToSlot` says from where blocks are missing).
   */
  pruneHistory: number;
  /** Finalized blocks (with their sidecars and archived states) below this slot were deleted (chain/history.ts). */
  historyPrunedToSlot: number;
}
export type MetadataKey = keyof ChainMetadata;

interface Codec<T> {
  encode(v: T, key: string): Uint8Array;
  decode(b: Uint8Array, key: string): T;
}

const uint64Codec: Codec<number> = {
  encode(v, key) {
    checkUint64(v, key);
    return uint64Bytes(v);
  },
  decode(b, key) {
    if (b.length !== 8) throw new DbError("CORRUPT_VALUE", `metadata ${key}: ${b.length} bytes, expected 8`);
    return readUint64BE(b, 0);
  },
};
const rootCodec: Codec<Uint8Array> = {
  encode(v, key) {
    checkRoot(v, key);
    return v.slice();
  },
  decode(b, key) {
    if (b.length !== 32) throw new DbError("CORRUPT_VALUE", `metadata ${key}: ${b.length} bytes, expected 32`);
    return b.slice();
  },
};
const stringCodec: Codec<string> = {
  encode(v, key) {
    if (typeof v !== "string") throw new DbError("INVALID_ARGUMENT", `metadata ${key} must be a string`);
    return new TextEncoder().encode(v);
  },
  decode(b, key) {
    try {
      return new TextDecoder("utf-8", {fatal: true}).decode(b);
    } catch (e) {
      throw new DbError("CORRUPT_VALUE", `metadata ${key}: not UTF-8`, {cause: e});
    }
  },
};

const codecs: {[K in MetadataKey]: Codec<ChainMetadata[K]>} = {
  genesisTime: uint64Codec,
  genesisValidatorsRoot: rootCodec,
  chainConfigName: stringCodec,
  blobSidecarsPrunedToSlot: uint64Codec,
  dataColumnSidecarsPrunedToSlot: uint64Codec,
  custodyGroupCount: uint64Codec,
  metadataSeqNumber: uint64Codec,
  pruneHistory: uint64Codec,
  historyPrunedToSlot: uint64Codec,
};

function codecOf<K extends MetadataKey>(key: K): Codec<ChainMetadata[K]> {
  const codec = Object.hasOwn(codecs, key) ? codecs[key] : undefined;
  if (codec === undefined) throw new DbError("INVALID_ARGUMENT", `unknown metadata key "${String(key)}"`);
  return codec;
}

/** A small typed key-value store for chain metadata. */
export class MetadataRepository {
  private readonly ctx: RepoContext;

  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  putOps<K extends MetadataKey>(key: K, value: ChainMetadata[K]): BatchOp[] {
    return [{type: "put", key: nameKey(Bucket.metadata, key), value: codecOf(key).encode(value, key)}];
  }

  async put<K extends MetadataKey>(key: K, value: ChainMetadata[K], opts?: WriteOpts): Promise<void> {
    await this.ctx.kv.write(this.putOps(key, value), opts);
  }

  async get<K extends MetadataKey>(key: K): Promise<ChainMetadata[K] | null> {
    const codec = codecOf(key);
    const bytes = await this.ctx.kv.get(nameKey(Bucket.metadata, key));
    return bytes === undefined ? null : codec.decode(bytes, key);
  }

  /** Every key that is set. */
  async getAll(): Promise<Partial<ChainMetadata>> {
    const out: Partial<ChainMetadata> = {};
    for (const key of Object.keys(codecs) as MetadataKey[]) {
      const value = await this.get(key);
      if (value !== null) (out as Record<string, unknown>)[key] = value;
    }
    return out;
  }
}
