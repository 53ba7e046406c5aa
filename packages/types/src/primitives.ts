import {LeafNode, type Node} from "@chainsafe/persistent-merkle-tree";
import {
  BitVectorType,
  BooleanType,
  ByteVectorType,
  type ByteViews,
  ListBasicType,
  ListUintNum64Type,
  NoneType,
  UintBigintType,
  UintNumberType,
} from "@chainsafe/ssz";

/**
 * How uint64 values are represented in JS.
 * - "number" (production): numbers, with 2**64-1 clipped to Infinity for slots/epochs (FAR_FUTURE_EPOCH).
 *   Exact for every value the beacon chain produces (< 2**53) and fast.
 * - "bigint": every uint64 is a bigint. The SSZ shape (serialization, merkleization) is identical; used where
 *   arbitrary uint64 values must round-trip exactly (ssz_static random vectors).
 */
export type Uint64Mode = "number" | "bigint";

/**
 * uint64 as a JS number, with 2**64-1 ⇄ Infinity. Decoding bytes into a tree keeps the exact 8 bytes even for
 * values above 2**53 (the library's default would round the number and then wrap it), so a state read from SSZ
 * always has the root of its bytes; such a value reads back as a number beyond Number.MAX_SAFE_INTEGER, which
 * consensus code treats as out of range.
 */
export class UintNum64Type extends UintNumberType {
  constructor() {
    super(8, {clipInfinity: true});
  }

  override tree_deserializeFromBytes(data: ByteViews, start: number, end: number): Node {
    const high = data.dataView.getUint32(start + 4, true);
    if (high < 0x200000) return super.tree_deserializeFromBytes(data, start, end); // < 2**53: exact as a number
    this.assertValidSize(end - start);
    const node = LeafNode.fromZero();
    node.setUintBigint(8, 0, (BigInt(high) << 32n) | BigInt(data.dataView.getUint32(start, true)));
    return node;
  }

  override tree_serializeToBytes(output: ByteViews, offset: number, node: Node): number {
    const value = (node as LeafNode).getUintBigint(8, 0);
    output.dataView.setBigUint64(offset, value, true);
    return offset + 8;
  }
}

export function createPrimitives(mode: Uint64Mode) {
  const asBigint = mode === "bigint";
  const Bool = new BooleanType();
  const Byte = new UintNumberType(1);
  const Uint8 = new UintNumberType(1);
  const Uint16 = new UintNumberType(2);
  const Uint32 = new UintNumberType(4);
  // uint64 as number; Infinity <-> 2**64-1
  // In "bigint" mode the JS value type differs from what TypeScript is told (number); such types are only
  // reached through name lookup (sszTypesByName), never through typed code.
  const UintNum64 = (asBigint ? new UintBigintType(8) : new UintNum64Type()) as UintNumberType;
  const UintBn64 = new UintBigintType(8);
  const UintBn128 = new UintBigintType(16);
  const UintBn256 = new UintBigintType(32);

  const Bytes4 = new ByteVectorType(4);
  const Bytes8 = new ByteVectorType(8);
  const Bytes20 = new ByteVectorType(20);
  const Bytes32 = new ByteVectorType(32);
  const Bytes48 = new ByteVectorType(48);
  const Bytes96 = new ByteVectorType(96);

  /** List[uint64, limit] of numbers, tree-backed with a fast path (balances, inactivity scores). */
  const listUint64 = (limit: number): ListUintNum64Type =>
    asBigint ? (new ListBasicType(UintBn64, limit) as unknown as ListUintNum64Type) : new ListUintNum64Type(limit);

  return {
    Boolean: Bool,
    Byte,
    Uint8,
    Uint16,
    Uint32,
    UintNum64,
    UintBn64,
    UintBn128,
    UintBn256,
    Bytes4,
    Bytes8,
    Bytes20,
    Bytes32,
    Bytes48,
    Bytes96,
    None: new NoneType(),
    listUint64,
    bitVector: (n: number) => new BitVectorType(n),

    // Spec aliases (phase0/beacon-chain.md "Custom types")
    Slot: UintNum64,
    Epoch: UintNum64,
    CommitteeIndex: UintNum64,
    ValidatorIndex: UintNum64,
    Gwei: UintNum64,
    Root: Bytes32,
    Hash32: Bytes32,
    Version: Bytes4,
    DomainType: Bytes4,
    ForkDigest: Bytes4,
    Domain: Bytes32,
    BLSPubkey: Bytes48,
    BLSSignature: Bytes96,
    ParticipationFlags: Uint8,
    ExecutionAddress: Bytes20,
    PayloadId: Bytes8,
    WithdrawalIndex: UintNum64,
    BlobIndex: UintNum64,
    KZGCommitment: Bytes48,
    KZGProof: Bytes48,
    VersionedHash: Bytes32,
    ColumnIndex: UintNum64,
    RowIndex: UintNum64,
    CellIndex: UintNum64,
    CustodyIndex: UintNum64,
  };
}

export type Primitives = ReturnType<typeof createPrimitives>;
