import {FORK_NAMES, type ForkName, ForkSeq} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import type {Type} from "@chainsafe/ssz";
import {DbError} from "./errors.ts";
import {ROOT_LENGTH} from "./keys.ts";

/**
 * Fork-tagged values. Every SSZ value the db stores starts with one byte, the ForkSeq of the fork whose SSZ
 * type encodes it, so a value decodes without knowing the chain config (a rescheduled fork epoch cannot make
 * stored data unreadable). States add their hash_tree_root after the fork byte (so the anchor and the root
 * index can be checked without re-hashing a large state):
 *
 *   blocks, sidecars:  fork (1) ‖ SSZ
 *   states:            fork (1) ‖ state root (32) ‖ SSZ
 */

/** The SSZ container names the db stores, looked up in `ssz[fork]`. */
export type StoredTypeName = "SignedBeaconBlock" | "BeaconState" | "BlobSidecar" | "DataColumnSidecar";

export function forkNameOf(forkSeq: number): ForkName {
  const name = FORK_NAMES[forkSeq];
  if (name === undefined) throw new DbError("INVALID_ARGUMENT", `unknown fork ${forkSeq}`);
  return name;
}

/** ssz[fork][name], with a clear error if the fork does not have that type. */
export function storedType(fork: ForkName, name: StoredTypeName): Type<unknown> {
  const type = (ssz[fork] as Record<string, unknown>)[name];
  if (type === undefined) throw new DbError("INVALID_ARGUMENT", `fork ${fork} has no ${name} type`);
  return type as Type<unknown>;
}

/** fork byte ‖ SSZ of a value (serialized straight into the output buffer: one allocation). */
export function encodeForked(fork: ForkName, type: Type<unknown>, value: unknown, what: string): Uint8Array {
  try {
    const size = type.value_serializedSize(value);
    const out = new Uint8Array(1 + size);
    type.value_serializeToBytes({uint8Array: out, dataView: new DataView(out.buffer)}, 1, value);
    out[0] = ForkSeq[fork];
    return out;
  } catch (e) {
    throw new DbError("INVALID_ARGUMENT", `${what} is not a valid ${fork} ${type.typeName}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** fork byte ‖ already-serialized SSZ bytes. */
export function wrapForked(fork: ForkName, sszBytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + sszBytes.length);
  out[0] = ForkSeq[fork];
  out.set(sszBytes, 1);
  return out;
}

/** The fork of a fork-tagged value, with a CORRUPT_VALUE error naming `what` if the byte is not a fork. */
export function readFork(bytes: Uint8Array, what: string): ForkName {
  if (bytes.length < 1) throw new DbError("CORRUPT_VALUE", `${what}: empty value`);
  const fork = FORK_NAMES[bytes[0]];
  if (fork === undefined) throw new DbError("CORRUPT_VALUE", `${what}: unknown fork byte ${bytes[0]}`);
  return fork;
}

export interface Forked<T> {
  fork: ForkName;
  value: T;
}

/** Decodes fork byte ‖ SSZ with the fork's type `name`. */
export function decodeForked<T>(bytes: Uint8Array, name: StoredTypeName, what: string): Forked<T> {
  const fork = readFork(bytes, what);
  const type = storedType(fork, name);
  try {
    return {fork, value: type.deserialize(bytes.subarray(1)) as T};
  } catch (e) {
    throw new DbError("CORRUPT_VALUE", `${what}: cannot decode ${fork} ${name}: ${(e as Error).message}`, {cause: e});
  }
}

/** The header fields every fork's BeaconBlock starts with, read from SSZ SignedBeaconBlock bytes without decoding. */
export interface BlockSummary {
  slot: number;
  proposerIndex: number;
  parentRoot: Uint8Array;
}

/**
 * Slot, proposer index and parent root of SSZ SignedBeaconBlock bytes (any fork): SignedBeaconBlock is
 * {message: offset (4), signature (96)} and every fork's BeaconBlock begins slot (8) ‖ proposer_index (8) ‖
 * parent_root (32). Cheap enough to run over every hot block when pruning.
 */
export function readBlockSummary(sszBytes: Uint8Array, what = "block"): BlockSummary {
  const view = new DataView(sszBytes.buffer, sszBytes.byteOffset, sszBytes.byteLength);
  if (sszBytes.length < 4) throw new DbError("CORRUPT_VALUE", `${what}: ${sszBytes.length} bytes is too short`);
  const offset = view.getUint32(0, true);
  if (offset !== 100 || sszBytes.length < offset + 16 + ROOT_LENGTH) {
    throw new DbError("CORRUPT_VALUE", `${what}: not a SignedBeaconBlock (message offset ${offset})`);
  }
  const slot = view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 2 ** 32;
  const proposerIndex = view.getUint32(offset + 8, true) + view.getUint32(offset + 12, true) * 2 ** 32;
  const parentRoot = sszBytes.slice(offset + 16, offset + 16 + ROOT_LENGTH);
  return {slot, proposerIndex, parentRoot};
}

/** A tree-backed state of any fork, as @ceibo/state-transition's CachedBeaconState carries it. */
export interface StateView {
  slot: number;
  hashTreeRoot(): Uint8Array;
  serializeToBytes(output: {uint8Array: Uint8Array; dataView: DataView}, offset: number): number;
  readonly type: {tree_serializedSize(node: unknown): number};
  readonly node: unknown;
}

/** fork byte ‖ state root ‖ SSZ of a tree-backed state. Returns the bytes and the root. */
export function encodeState(fork: ForkName, state: StateView): {bytes: Uint8Array; stateRoot: Uint8Array} {
  // hashTreeRoot commits pending changes (and keeps the hash computations that serialize would drop)
  const stateRoot = state.hashTreeRoot();
  const size = state.type.tree_serializedSize(state.node);
  const out = new Uint8Array(1 + ROOT_LENGTH + size);
  state.serializeToBytes({uint8Array: out, dataView: new DataView(out.buffer)}, 1 + ROOT_LENGTH);
  out[0] = ForkSeq[fork];
  out.set(stateRoot, 1);
  return {bytes: out, stateRoot};
}

/** Fork and state root of a state value, without decoding the state. */
export function readStateHeader(bytes: Uint8Array, what: string): {fork: ForkName; stateRoot: Uint8Array} {
  const fork = readFork(bytes, what);
  if (bytes.length < 1 + ROOT_LENGTH) throw new DbError("CORRUPT_VALUE", `${what}: ${bytes.length} bytes is too short`);
  return {fork, stateRoot: bytes.slice(1, 1 + ROOT_LENGTH)};
}

/**
 * The slot of a state value without decoding it: every fork's BeaconState begins genesis_time (8) ‖
 * genesis_validators_root (32) ‖ slot (8).
 */
export function readStateSlot(bytes: Uint8Array, what: string): number {
  const ssz = stateSszBytes(bytes);
  if (ssz.length < 48) throw new DbError("CORRUPT_VALUE", `${what}: ${bytes.length} bytes is too short for a state`);
  const view = new DataView(ssz.buffer, ssz.byteOffset, ssz.byteLength);
  return view.getUint32(40, true) + view.getUint32(44, true) * 2 ** 32;
}

/** The SSZ part of a state value (after fork byte and root). */
export function stateSszBytes(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(1 + ROOT_LENGTH);
}
