import type {Node} from "@chainsafe/persistent-merkle-tree";
import {
  BooleanType,
  BranchNodeStruct,
  type ByteViews,
  ContainerNodeStructType,
  type Type,
  type ValueOfFields,
} from "@chainsafe/ssz";
import {UintNum64Type} from "./primitives.ts";

const VALIDATOR_FIELDS =
  "pubkey,withdrawalCredentials,effectiveBalance,slashed,activationEligibilityEpoch,activationEpoch,exitEpoch,withdrawableEpoch";

/** A decoded `Validator` (phase0 beacon-chain.md), as the state's tree holds it. */
export interface ValidatorValue {
  pubkey: Uint8Array;
  withdrawalCredentials: Uint8Array;
  effectiveBalance: number;
  slashed: boolean;
  activationEligibilityEpoch: number;
  activationEpoch: number;
  exitEpoch: number;
  withdrawableEpoch: number;
}

/** Byte offsets of the fields in a serialized `Validator` (121 bytes, all fields fixed-size). */
const PUBKEY = 0;
const CREDENTIALS = 48;
const EFFECTIVE_BALANCE = 80;
const SLASHED = 88;
const ACTIVATION_ELIGIBILITY_EPOCH = 89;
const ACTIVATION_EPOCH = 97;
const EXIT_EPOCH = 105;
const WITHDRAWABLE_EPOCH = 113;
/** Bytes of a serialized `Validator`. */
export const VALIDATOR_BYTES = 121;

/** One buffer of serialized validators, shared by the `SlabValidator`s decoded into it. */
export interface ValidatorSlab {
  readonly bytes: Uint8Array;
  readonly view: DataView;
}

/** A uint64 as ssz's `UintNum64Type` (clipInfinity) reads it: 2**64-1 is Infinity. */
function readUint64(view: DataView, offset: number): number {
  const low = view.getUint32(offset, true);
  const high = view.getUint32(offset + 4, true);
  if (high === 0xffffffff && low === 0xffffffff) return Number.POSITIVE_INFINITY;
  return high * 2 ** 32 + low;
}

/**
 * A `Validator` value decoded into the state's tree: two fields, a shared slab of serialized validators and this
 * one's offset in it; every field is read from its bytes (the byte fields as a new view on each read). A plain value
 * holds two views (an object each on the main heap) and three numbers beyond the small-integer range
 * (`effectiveBalance`, and FAR_FUTURE_EPOCH's Infinity in `exitEpoch` and `withdrawableEpoch`: a heap number
 * each): at 1M validators those five objects a validator cost ~250 MB and much of every major GC's marking, which
 * on 2 busy cores stalls the event loop (issue 13).
 * Immutable, like every value in the tree: a change goes through the state's view, which clones the value first
 * (into a plain object with copies of the bytes). Its exact bytes are kept, so it serializes and hashes exactly
 * even where a field reads back as a number beyond 2**53.
 */
export class SlabValidator implements ValidatorValue {
  readonly slab: ValidatorSlab;
  /** Where this validator's 121 serialized bytes start in the slab. */
  readonly offset: number;

  constructor(slab: ValidatorSlab, offset: number) {
    this.slab = slab;
    this.offset = offset;
  }

  /** The validator's serialized bytes (a view into the slab). */
  serialized(): Uint8Array {
    return this.slab.bytes.subarray(this.offset, this.offset + VALIDATOR_BYTES);
  }

  get pubkey(): Uint8Array {
    return this.slab.bytes.subarray(this.offset + PUBKEY, this.offset + CREDENTIALS);
  }

  get withdrawalCredentials(): Uint8Array {
    return this.slab.bytes.subarray(this.offset + CREDENTIALS, this.offset + EFFECTIVE_BALANCE);
  }

  get effectiveBalance(): number {
    return readUint64(this.slab.view, this.offset + EFFECTIVE_BALANCE);
  }

  get slashed(): boolean {
    return this.slab.bytes[this.offset + SLASHED] === 1;
  }

  get activationEligibilityEpoch(): number {
    return readUint64(this.slab.view, this.offset + ACTIVATION_ELIGIBILITY_EPOCH);
  }

  get activationEpoch(): number {
    return readUint64(this.slab.view, this.offset + ACTIVATION_EPOCH);
  }

  get exitEpoch(): number {
    return readUint64(this.slab.view, this.offset + EXIT_EPOCH);
  }

  get withdrawableEpoch(): number {
    return readUint64(this.slab.view, this.offset + WITHDRAWABLE_EPOCH);
  }
}

/** Validators per slab buffer (121 bytes each: ~484 KiB a slab). */
const SLAB_VALIDATORS = 4096;

/**
 * The `Validator` container as a node-struct (one tree node per validator holding its value), deserialized into a
 * tree compactly — a million of them make up most of a state's memory:
 * - each validator decoded into a tree is a `SlabValidator`: its serialized bytes copied into a shared slab
 *   buffer (4,096 validators a slab), read from there on each access, instead of a plain value with two byte views
 *   and three heap numbers (at first each byte field was a copy with an ArrayBuffer of its own: an ArrayBuffer
 *   object, its backing-store record and a malloc'd block, about 300 bytes per validator measured at 200k);
 * - every node shares one bound `valueToTree` function instead of binding a new one per node (48 bytes each).
 * A value built otherwise (a changed validator's clone, a deposit's new validator) is a plain object, as before.
 * Values are immutable once in the tree, so sharing a buffer between validators is safe.
 * With uint64 as bigints ("bigint" mode) or any other field types than phase0's, decoding builds plain values.
 * Only the tree paths change: `deserialize` (to a value) and everything else behave as ContainerNodeStructType.
 */
export class ValidatorNodeStructType<
  Fields extends Record<string, Type<unknown>>,
> extends ContainerNodeStructType<Fields> {
  private readonly valueToTreeShared: (value: ValueOfFields<Fields>) => Node;
  /** Whether decoded validators are SlabValidators (the phase0 field types with uint64 as numbers). */
  private readonly slabbed: boolean;
  private slab: ValidatorSlab = {bytes: new Uint8Array(0), view: new DataView(new ArrayBuffer(0))};
  private slabOffset = 0;

  constructor(fields: Fields, opts?: ConstructorParameters<typeof ContainerNodeStructType<Fields>>[1]) {
    super(fields, opts);
    if (Object.keys(fields).join(",") !== VALIDATOR_FIELDS || this.fixedSize === null) {
      throw Error(`ValidatorNodeStructType: needs exactly the fields ${VALIDATOR_FIELDS}, in that order`);
    }
    const types = this.fieldsEntries.map((e) => e.fieldType as unknown);
    this.slabbed =
      this.fixedSize === VALIDATOR_BYTES &&
      types[3] instanceof BooleanType &&
      [2, 4, 5, 6, 7].every((i) => types[i] instanceof UintNum64Type);
    this.valueToTreeShared = (this as unknown as {valueToTree(v: ValueOfFields<Fields>): Node}).valueToTree.bind(this);
  }

  override tree_deserializeFromBytes(data: ByteViews, start: number, end: number): Node {
    // sizes checked by getFieldRanges, the boolean byte by its type
    const r = this.getFieldRanges(data.dataView, start, end);
    const t = this.fieldsEntries;
    const slashed = t[3].fieldType.value_deserializeFromBytes(data, start + r[3].start, start + r[3].end) as boolean;
    let value: ValidatorValue;
    if (this.slabbed) {
      if (this.slabOffset + VALIDATOR_BYTES > this.slab.bytes.length) {
        const bytes = new Uint8Array(SLAB_VALIDATORS * VALIDATOR_BYTES);
        this.slab = {bytes, view: new DataView(bytes.buffer)};
        this.slabOffset = 0;
      }
      const o = this.slabOffset;
      this.slab.bytes.set(data.uint8Array.subarray(start, end), o);
      this.slabOffset = o + VALIDATOR_BYTES;
      value = new SlabValidator(this.slab, o);
    } else {
      const field = (i: number): number =>
        t[i].fieldType.value_deserializeFromBytes(data, start + r[i].start, start + r[i].end) as number;
      value = {
        pubkey: data.uint8Array.slice(start + r[0].start, start + r[0].end),
        withdrawalCredentials: data.uint8Array.slice(start + r[1].start, start + r[1].end),
        effectiveBalance: field(2),
        slashed,
        activationEligibilityEpoch: field(4),
        activationEpoch: field(5),
        exitEpoch: field(6),
        withdrawableEpoch: field(7),
      };
    }
    return new BranchNodeStruct(this.valueToTreeShared as (v: unknown) => Node, value);
  }

  override value_serializeToBytes(output: ByteViews, offset: number, value: ValueOfFields<Fields>): number {
    // a SlabValidator's exact bytes
    if (value instanceof SlabValidator) {
      output.uint8Array.set(value.serialized(), offset);
      return offset + VALIDATOR_BYTES;
    }
    return super.value_serializeToBytes(output, offset, value);
  }

  override value_toTree(value: ValueOfFields<Fields>): Node {
    return new BranchNodeStruct(this.valueToTreeShared as (v: unknown) => Node, value);
  }
}
