import type {Node} from "@chainsafe/persistent-merkle-tree";
import {BranchNodeStruct, type ByteViews, ContainerNodeStructType, type Type, type ValueOfFields} from "@chainsafe/ssz";

const VALIDATOR_FIELDS =
  "pubkey,withdrawalCredentials,effectiveBalance,slashed,activationEligibilityEpoch,activationEpoch,exitEpoch,withdrawableEpoch";

interface ValidatorValue {
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
    if (Object.keys(fields).join(",") !== VALIDATOR_FIELDS) {
      throw Error(`ValidatorNodeStructType: needs exactly the fields ${VALIDATOR_FIELDS}, in that order`);
    }
    this.valueToTreeShared = (this as unknown as {valueToTree(v: ValueOfFields<Fields>): Node}).valueToTree.bind(this);
  }

  override tree_deserializeFromBytes(data: ByteViews, start: number, end: number): Node {
    // reuseBytes: the byte fields come back as views of `data` (no copy), then are copied into the slab
    const value = this.value_deserializeFromBytes(data, start, end, true) as unknown as ValidatorValue;
    const pkLen = value.pubkey.length;
    const wcLen = value.withdrawalCredentials.length;
    if (this.slabOffset + pkLen + wcLen > this.slab.length) {
      this.slab = new Uint8Array(SLAB_VALIDATORS * (pkLen + wcLen));
      this.slabOffset = 0;
    }
    const o = this.slabOffset;
    this.slab.set(value.pubkey, o);
    this.slab.set(value.withdrawalCredentials, o + pkLen);
    this.slabOffset = o + pkLen + wcLen;
    const compact: ValidatorValue = {
      pubkey: this.slab.subarray(o, o + pkLen),
      withdrawalCredentials: this.slab.subarray(o + pkLen, o + pkLen + wcLen),
      effectiveBalance: value.effectiveBalance,
      slashed: value.slashed,
      activationEligibilityEpoch: value.activationEligibilityEpoch,
      activationEpoch: value.activationEpoch,
      exitEpoch: value.exitEpoch,
      withdrawableEpoch: value.withdrawableEpoch,
    };
    return new BranchNodeStruct(this.valueToTreeShared as (v: unknown) => Node, compact);
  }

  override value_toTree(value: ValueOfFields<Fields>): Node {
    return new BranchNodeStruct(this.valueToTreeShared as (v: unknown) => Node, value);
  }
}
