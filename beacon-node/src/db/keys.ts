import {DbError} from "./errors.ts";

/**
 * The first byte of every LevelDB key: which repository the key belongs to. The rest of the key is the
 * repository's typed key, with numbers as 8-byte big-endian so LevelDB's byte order is numeric order.
 * Values are never reinterpreted across buckets; a new bucket gets a new byte (never reuse a retired one).
 */
export const Bucket = {
  /** Internal records: schema version, network. Key: utf8 name. */
  internal: 0x00,
  /** Hot (unfinalized) blocks. Key: block root (32). Value: fork byte ‖ SSZ SignedBeaconBlock. */
  hotBlock: 0x01,
  /** Finalized blocks. Key: slot (8). Value: fork byte ‖ SSZ SignedBeaconBlock. */
  archivedBlock: 0x02,
  /** Finalized block root → slot. Key: block root (32). Value: slot (8). */
  archivedBlockRootIndex: 0x03,
  /** Blob sidecars of a block (deneb, electra). Key: block root (32). Value: fork byte ‖ SSZ List[BlobSidecar]. */
  blobSidecars: 0x04,
  /** Data column sidecars (fulu+). Key: block root (32) ‖ column index (8). Value: fork byte ‖ SSZ DataColumnSidecar. */
  dataColumnSidecar: 0x05,
  /** States at checkpoints (hot). Key: epoch (8) ‖ block root (32). Value: fork byte ‖ state root (32) ‖ SSZ BeaconState. */
  checkpointState: 0x06,
  /** Finalized states. Key: slot (8). Value: fork byte ‖ state root (32) ‖ SSZ BeaconState. */
  archivedState: 0x07,
  /** Finalized state root → slot. Key: state root (32). Value: slot (8). */
  archivedStateRootIndex: 0x08,
  /** The fork-choice anchor (one record). Key: empty. Value: SSZ FinalizedAnchor. */
  anchor: 0x09,
  /** Chain metadata (genesis time, genesis validators root, chain config name). Key: utf8 name. */
  metadata: 0x0a,
  /** Best light-client update per sync-committee period. Key: period (8). Value: LC fork byte ‖ SSZ LightClientUpdate. */
  lightClientBestUpdate: 0x0b,
  /** Light-client bootstraps. Key: block root (32). Value: LC fork byte ‖ SSZ LightClientBootstrap. */
  lightClientBootstrap: 0x0c,
  /**
   * Fork-choice summaries of hot blocks (what on_block computed from the post-state), so a restart rebuilds fork
   * choice without replaying every unfinalized block. Key: block root (32). Value: SSZ ForkChoiceNodeSummary.
   */
  forkChoiceNode: 0x14,
} as const;
export type Bucket = (typeof Bucket)[keyof typeof Bucket];

export const ROOT_LENGTH = 32;

export function checkRoot(root: Uint8Array, what = "root"): void {
  if (!(root instanceof Uint8Array) || root.length !== ROOT_LENGTH) {
    throw new DbError("INVALID_ARGUMENT", `${what} must be ${ROOT_LENGTH} bytes, got ${describeBytes(root)}`);
  }
}

export function checkUint64(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new DbError("INVALID_ARGUMENT", `${what} must be a non-negative safe integer, got ${n}`);
  }
}

function describeBytes(b: unknown): string {
  return b instanceof Uint8Array ? `${b.length} bytes` : typeof b;
}

/** Writes n as 8 bytes big-endian at `offset`. */
export function writeUint64BE(out: Uint8Array, offset: number, n: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(offset, Math.floor(n / 2 ** 32));
  view.setUint32(offset + 4, n >>> 0);
}

export function readUint64BE(bytes: Uint8Array, offset: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint32(offset) * 2 ** 32 + view.getUint32(offset + 4);
}

export function uint64Bytes(n: number): Uint8Array {
  const out = new Uint8Array(8);
  writeUint64BE(out, 0, n);
  return out;
}

/** bucket ‖ parts… */
export function makeKey(bucket: Bucket, ...parts: Uint8Array[]): Uint8Array {
  let length = 1;
  for (const p of parts) length += p.length;
  const key = new Uint8Array(length);
  key[0] = bucket;
  let offset = 1;
  for (const p of parts) {
    key.set(p, offset);
    offset += p.length;
  }
  return key;
}

export function rootKey(bucket: Bucket, root: Uint8Array): Uint8Array {
  checkRoot(root);
  return makeKey(bucket, root);
}

export function slotKey(bucket: Bucket, slot: number): Uint8Array {
  checkUint64(slot, "slot");
  const key = new Uint8Array(9);
  key[0] = bucket;
  writeUint64BE(key, 1, slot);
  return key;
}

export function nameKey(bucket: Bucket, name: string): Uint8Array {
  return makeKey(bucket, new TextEncoder().encode(name));
}

/** The key range [gte, lt) of every key that starts with `prefix` (prefix must not be all 0xff). */
export function prefixRange(prefix: Uint8Array): {gte: Uint8Array; lt: Uint8Array} {
  const lt = prefix.slice();
  let i = lt.length - 1;
  while (i >= 0 && lt[i] === 0xff) i--;
  if (i < 0) throw new DbError("INVALID_ARGUMENT", "prefix range of an all-0xff prefix");
  lt[i]++;
  return {gte: prefix, lt: lt.subarray(0, i + 1)};
}

/** The key range of a whole bucket. */
export function bucketRange(bucket: Bucket): {gte: Uint8Array; lt: Uint8Array} {
  return prefixRange(Uint8Array.of(bucket));
}
