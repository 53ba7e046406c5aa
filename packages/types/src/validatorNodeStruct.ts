import type {Node} from "@chainsafe/persistent-merkle-tree";
import {BranchNodeStruct, type ByteViews, ContainerNodeStructType, type Type, type ValueOfFields} from "@chainsafe/ssz";

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

/** Validators whose byte fields share one slab buffer (80 bytes each: pubkey + withdrawal credentials). */
const SLAB_VALIDATORS = 4096;

/**
 * The `Validator` container as a node-struct (one tree node per validator holding its value), deserialized into a
 * tree compactly — a million of them make up most of a state's memory:
 * - the byte fields (`pubkey`, 48 bytes; `withdrawalCredentials`, 32) of validators decoded into a tree are views
 *   of one shared slab buffer (4,096 validators a slab) instead of each a copy with an ArrayBuffer of its own (an
 *   ArrayBuffer object, its backing-store record and a malloc'd block: about 300 bytes per validator measured at
 *   200k validators);
 * - every node shares one bound `valueToTree` function instead of binding a new one per node (48 bytes each);
 * - the value is one object literal with all eight fields in the object itself: the library's decoder starts from
 *   `{}` and adds the fields one by one, which leaves four of them in a separate out-of-object property array
 *   (a 56-byte object plus a 64-byte array, against 88 bytes for the literal: 32 bytes a validator, measured in a
 *   heap snapshot at 200k validators).
 * Values are immutable once in the tree (a changed validator gets a cloned value with its own copies, as before),
 * so sharing a buffer between validators' views is safe; each view covers exactly its field's bytes.
 * Only the tree paths change: `deserialize` (to a value) and everything else behave as ContainerNodeStructType.
 */
export class ValidatorNodeStructType<
  Fields extends Record<string, Type<unknown>>,
> extends ContainerNodeStructType<Fields> {
  private readonly valueToTreeShared: (value: ValueOfFields<Fields>) => Node;
  private slab = new Uint8Array(0);
  private slabOffset = 0;

  constructor(fields: Fields, opts?: ConstructorParameters<typeof ContainerNodeStructType<Fields>>[1]) {
    super(fields, opts);
    if (Object.keys(fields).join(",") !== VALIDATOR_FIELDS || this.fixedSize === null) {
      throw Error(`ValidatorNodeStructType: needs exactly the fields ${VALIDATOR_FIELDS}, in that order`);
    }
    this.valueToTreeShared = (this as unknown as {valueToTree(v: ValueOfFields<Fields>): Node}).valueToTree.bind(this);
  }

  override tree_deserializeFromBytes(data: ByteViews, start: number, end: number): Node {
    // decoded field by field with the fields' own types (sizes checked by getFieldRanges, a boolean byte by its
    // type), straight into one object literal; the byte fields, adjacent in the serialization (pubkey 0..48,
    // withdrawal credentials 48..80), copied into the slab with one copy
    const r = this.getFieldRanges(data.dataView, start, end);
    const t = this.fieldsEntries;
    const pkLen = r[0].end - r[0].start;
    const wcLen = r[1].end - r[1].start;
    if (this.slabOffset + pkLen + wcLen > this.slab.length) {
      this.slab = new Uint8Array(SLAB_VALIDATORS * (pkLen + wcLen));
      this.slabOffset = 0;
    }
    const o = this.slabOffset;
    this.slab.set(data.uint8Array.subarray(start + r[0].start, start + r[1].end), o);
    this.slabOffset = o + pkLen + wcLen;
    const num = (i: number): number =>
      t[i].fieldType.value_deserializeFromBytes(data, start + r[i].start, start + r[i].end) as number;
    const value: ValidatorValue = {
      pubkey: this.slab.subarray(o, o + pkLen),
      withdrawalCredentials: this.slab.subarray(o + pkLen, o + pkLen + wcLen),
      effectiveBalance: num(2),
      slashed: t[3].fieldType.value_deserializeFromBytes(data, start + r[3].start, start + r[3].end) as boolean,
      activationEligibilityEpoch: num(4),
      activationEpoch: num(5),
      exitEpoch: num(6),
      withdrawableEpoch: num(7),
    };
    return new BranchNodeStruct(this.valueToTreeShared as (v: unknown) => Node, value);
  }

  override value_toTree(value: ValueOfFields<Fields>): Node {
    return new BranchNodeStruct(this.valueToTreeShared as (v: unknown) => Node, value);
  }
}
