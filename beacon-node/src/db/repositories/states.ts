import {type ForkName, ForkSeq} from "@ceibo/params";
import type {BeaconStateAllForks} from "@ceibo/state-transition";
import {toHex} from "@ceibo/utils";
import {encodeState, forkNameOf, readStateHeader, type StateView, stateSszBytes, storedType} from "../codec.ts";
import {DbError} from "../errors.ts";
import {
  Bucket,
  bucketRange,
  checkRoot,
  checkUint64,
  makeKey,
  readUint64BE,
  rootKey,
  slotKey,
  uint64Bytes,
} from "../keys.ts";
import type {BatchOp, WriteOpts} from "../kv.ts";
import type {RepoContext} from "./context.ts";

/** A state to store: its fork (ForkSeq) and tree-backed state. A CachedBeaconState is one. */
export interface StateInput {
  fork: number;
  state: BeaconStateAllForks;
}

/** A state read back: tree-backed, with its fork and the hash_tree_root stored beside it. */
export interface StoredState {
  fork: ForkName;
  forkSeq: number;
  state: BeaconStateAllForks;
  stateRoot: Uint8Array;
}

export interface CheckpointKey {
  epoch: number;
  root: Uint8Array;
}

/** Encodes a state for storage (checking its fork against the chain's schedule): value, root and slot. */
export function encodeStateInput(
  ctx: RepoContext,
  input: StateInput,
): {bytes: Uint8Array; stateRoot: Uint8Array; slot: number} {
  const fork = forkNameOf(input?.fork);
  const slot = input.state.slot;
  checkUint64(slot, "state slot");
  const expected = ctx.forkAtSlot(slot);
  if (expected !== fork) {
    throw new DbError("INVALID_ARGUMENT", `a state at slot ${slot} must be a ${expected} state, got ${fork}`);
  }
  const {bytes, stateRoot} = encodeState(fork, input.state as unknown as StateView);
  return {bytes, stateRoot, slot};
}

/** Decodes a stored state value into a tree-backed state. */
export function decodeState(value: Uint8Array, what: string): StoredState {
  const {fork, stateRoot} = readStateHeader(value, what);
  const type = storedType(fork, "BeaconState") as unknown as {deserializeToViewDU(b: Uint8Array): BeaconStateAllForks};
  try {
    return {fork, forkSeq: ForkSeq[fork], state: type.deserializeToViewDU(stateSszBytes(value)), stateRoot};
  } catch (e) {
    throw new DbError("CORRUPT_VALUE", `${what}: cannot decode ${fork} BeaconState: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

function checkpointKey(cp: CheckpointKey): Uint8Array {
  checkUint64(cp?.epoch, "checkpoint epoch");
  checkRoot(cp.root, "checkpoint root");
  return makeKey(Bucket.checkpointState, uint64Bytes(cp.epoch), cp.root);
}

/** States at checkpoints (the state of a checkpoint: the block's state advanced to the epoch's first slot). */
export class CheckpointStateRepository {
  private readonly ctx: RepoContext;

  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  putOps(checkpoint: CheckpointKey, input: StateInput): BatchOp[] {
    const key = checkpointKey(checkpoint);
    return [{type: "put", key, value: encodeStateInput(this.ctx, input).bytes}];
  }

  deleteOps(checkpoint: CheckpointKey): BatchOp[] {
    return [{type: "del", key: checkpointKey(checkpoint)}];
  }

  async put(checkpoint: CheckpointKey, input: StateInput, opts?: WriteOpts): Promise<void> {
    await this.ctx.kv.write(this.putOps(checkpoint, input), opts);
  }

  async delete(checkpoint: CheckpointKey, opts?: WriteOpts): Promise<void> {
    await this.ctx.kv.write(this.deleteOps(checkpoint), opts);
  }

  async get(checkpoint: CheckpointKey): Promise<StoredState | null> {
    const value = await this.getValue(checkpoint);
    return value === null ? null : decodeState(value, `checkpoint state ${checkpoint.epoch}/${toHex(checkpoint.root)}`);
  }

  /** The stored value (fork byte ‖ state root ‖ SSZ), for moving it into the archive without decoding. */
  async getValue(checkpoint: CheckpointKey): Promise<Uint8Array | null> {
    return (await this.ctx.kv.get(checkpointKey(checkpoint))) ?? null;
  }

  /** Every stored checkpoint, by epoch then root (keys only: no state is read). */
  async checkpoints(): Promise<CheckpointKey[]> {
    const keys = await this.ctx.kv.keys(bucketRange(Bucket.checkpointState));
    return keys.map((k) => ({epoch: readUint64BE(k, 1), root: k.slice(9)}));
  }
}

/** Finalized states by slot, with a state root → slot index. */
export class StateArchiveRepository {
  private readonly ctx: RepoContext;

  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  putOps(input: StateInput): BatchOp[] {
    const {bytes, slot} = encodeStateInput(this.ctx, input);
    return this.putValueOps(slot, bytes);
  }

  /** Archives an encoded state value (fork byte ‖ state root ‖ SSZ) at `slot`. */
  putValueOps(slot: number, value: Uint8Array): BatchOp[] {
    const {stateRoot} = readStateHeader(value, `state at slot ${slot}`);
    return [
      {type: "put", key: slotKey(Bucket.archivedState, slot), value},
      {type: "put", key: rootKey(Bucket.archivedStateRootIndex, stateRoot), value: uint64Bytes(slot)},
    ];
  }

  deleteOps(slot: number, stateRoot: Uint8Array): BatchOp[] {
    return [
      {type: "del", key: slotKey(Bucket.archivedState, slot)},
      {type: "del", key: rootKey(Bucket.archivedStateRootIndex, stateRoot)},
    ];
  }

  async put(input: StateInput, opts?: WriteOpts): Promise<void> {
    await this.ctx.kv.write(this.putOps(input), opts);
  }

  async getBySlot(slot: number): Promise<StoredState | null> {
    const value = await this.getValue(slot);
    return value === null ? null : decodeState(value, `archived state at slot ${slot}`);
  }

  async getValue(slot: number): Promise<Uint8Array | null> {
    return (await this.ctx.kv.get(slotKey(Bucket.archivedState, slot))) ?? null;
  }

  async getSlotByRoot(stateRoot: Uint8Array): Promise<number | null> {
    const value = await this.ctx.kv.get(rootKey(Bucket.archivedStateRootIndex, stateRoot));
    if (value === undefined) return null;
    if (value.length !== 8)
      throw new DbError("CORRUPT_VALUE", `archived state root index ${toHex(stateRoot)}: bad slot`);
    return readUint64BE(value, 0);
  }

  async getByRoot(stateRoot: Uint8Array): Promise<StoredState | null> {
    const slot = await this.getSlotByRoot(stateRoot);
    if (slot === null) return null;
    const state = await this.getBySlot(slot);
    if (state === null) {
      throw new DbError("CORRUPT_VALUE", `archived state ${toHex(stateRoot)}: indexed at slot ${slot} but not stored`);
    }
    return state;
  }

  /** The archived slots with fromSlot <= slot < toSlot (keys only), ascending. */
  async slots(fromSlot = 0, toSlot = Number.MAX_SAFE_INTEGER): Promise<number[]> {
    if (toSlot <= fromSlot) return [];
    const keys = await this.ctx.kv.keys({
      gte: slotKey(Bucket.archivedState, fromSlot),
      lt: slotKey(Bucket.archivedState, toSlot),
    });
    return keys.map((k) => readUint64BE(k, 1));
  }
}
