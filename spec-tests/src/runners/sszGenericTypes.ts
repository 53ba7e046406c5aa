import {
  type BasicType,
  BitListType,
  BitVectorType,
  BooleanType,
  ByteListType,
  CompatibleUnionType,
  ContainerType,
  ListBasicType,
  ListCompositeType,
  ProgressiveBitListType,
  ProgressiveByteListType,
  ProgressiveContainerType,
  ProgressiveListBasicType,
  ProgressiveListCompositeType,
  type Type,
  UintBigintType,
  UintNumberType,
  VectorBasicType,
  VectorCompositeType,
} from "@chainsafe/ssz";

/**
 * The SSZ types of the ssz_generic vectors (tests/formats/ssz_generic/README.md), built from case names.
 * uint64 and wider are bigint so every value is exact.
 */

// biome-ignore lint/suspicious/noExplicitAny: heterogeneous SSZ types
type AnyType = Type<any>;

const Byte = new UintNumberType(1);
const Uint8 = new UintNumberType(1);
const Uint16 = new UintNumberType(2);
const Uint32 = new UintNumberType(4);
const Uint64 = new UintBigintType(8);

export const BASIC_TYPES: Record<string, BasicType<unknown>> = {
  bool: new BooleanType(),
  uint8: Uint8,
  uint16: Uint16,
  uint32: Uint32,
  uint64: Uint64,
  uint128: new UintBigintType(16),
  uint256: new UintBigintType(32),
};

export function uintType(bits: number): AnyType {
  const t = BASIC_TYPES[`uint${bits}`];
  if (t === undefined) throw Error(`no uint${bits} type`);
  return t;
}

// containers
const SingleFieldTestStruct = new ContainerType({A: Byte}, {typeName: "SingleFieldTestStruct"});
const SmallTestStruct = new ContainerType({A: Uint16, B: Uint16}, {typeName: "SmallTestStruct"});
const FixedTestStruct = new ContainerType({A: Uint8, B: Uint64, C: Uint32}, {typeName: "FixedTestStruct"});
const VarTestStruct = new ContainerType(
  {A: Uint16, B: new ListBasicType(Uint16, 1024), C: Uint8},
  {typeName: "VarTestStruct"},
);
const ComplexTestStruct = new ContainerType(
  {
    A: Uint16,
    B: new ListBasicType(Uint16, 128),
    C: Uint8,
    D: new ByteListType(256),
    E: VarTestStruct,
    F: new VectorCompositeType(FixedTestStruct, 4),
    G: new VectorCompositeType(VarTestStruct, 2),
  },
  {typeName: "ComplexTestStruct"},
);
const ProgressiveTestStruct = new ContainerType(
  {
    A: new ProgressiveByteListType(),
    B: new ProgressiveListBasicType(Uint64),
    C: new ProgressiveListCompositeType(SmallTestStruct),
    D: new ProgressiveListCompositeType(new ProgressiveListCompositeType(VarTestStruct)),
  },
  {typeName: "ProgressiveTestStruct"},
);
const BitsStruct = new ContainerType(
  {
    A: new BitListType(5),
    B: new BitVectorType(2),
    C: new BitVectorType(1),
    D: new BitListType(6),
    E: new BitVectorType(8),
  },
  {typeName: "BitsStruct"},
);
const ProgressiveBitsStruct = new ContainerType(
  {
    A: new BitVectorType(256),
    B: new BitListType(256),
    C: new ProgressiveBitListType(),
    D: new BitVectorType(257),
    E: new BitListType(257),
    F: new ProgressiveBitListType(),
    G: new BitVectorType(1280),
    H: new BitListType(1280),
    I: new ProgressiveBitListType(),
    J: new BitVectorType(1281),
    K: new BitListType(1281),
    L: new ProgressiveBitListType(),
  },
  {typeName: "ProgressiveBitsStruct"},
);

export const CONTAINERS: Record<string, AnyType> = {
  SingleFieldTestStruct,
  SmallTestStruct,
  FixedTestStruct,
  VarTestStruct,
  ComplexTestStruct,
  ProgressiveTestStruct,
  BitsStruct,
  ProgressiveBitsStruct,
};

// progressive containers
const bits = (active: number[]): boolean[] => active.map((b) => b === 1);
const ProgressiveSingleFieldContainerTestStruct = new ProgressiveContainerType({A: Byte}, bits([1]), {
  typeName: "ProgressiveSingleFieldContainerTestStruct",
});
const ProgressiveSingleListContainerTestStruct = new ProgressiveContainerType(
  {C: new ProgressiveBitListType()},
  bits([0, 0, 0, 0, 1]),
  {typeName: "ProgressiveSingleListContainerTestStruct"},
);
const ProgressiveVarTestStruct = new ProgressiveContainerType(
  {A: Byte, B: new ListBasicType(Uint16, 123), C: new ProgressiveBitListType()},
  bits([1, 0, 1, 0, 1]),
  {typeName: "ProgressiveVarTestStruct"},
);
const ProgressiveComplexTestStruct = new ProgressiveContainerType(
  {
    A: Byte,
    B: new ListBasicType(Uint16, 123),
    C: new ProgressiveBitListType(),
    D: new ProgressiveListBasicType(Uint64),
    E: new ProgressiveListCompositeType(SmallTestStruct),
    F: new ProgressiveListCompositeType(new ProgressiveListCompositeType(VarTestStruct)),
    G: new ListCompositeType(ProgressiveSingleFieldContainerTestStruct, 10),
    H: new ProgressiveListCompositeType(ProgressiveVarTestStruct),
  },
  bits([1, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1]),
  {typeName: "ProgressiveComplexTestStruct"},
);

export const PROGRESSIVE_CONTAINERS: Record<string, AnyType> = {
  ProgressiveSingleFieldContainerTestStruct,
  ProgressiveSingleListContainerTestStruct,
  ProgressiveVarTestStruct,
  ProgressiveComplexTestStruct,
};

export const COMPATIBLE_UNIONS: Record<string, AnyType> = {
  CompatibleUnionA: new CompatibleUnionType({1: ProgressiveSingleFieldContainerTestStruct}),
  CompatibleUnionBC: new CompatibleUnionType({
    2: ProgressiveSingleListContainerTestStruct,
    3: ProgressiveVarTestStruct,
  }),
  CompatibleUnionABCA: new CompatibleUnionType({
    1: ProgressiveSingleFieldContainerTestStruct,
    2: ProgressiveSingleListContainerTestStruct,
    3: ProgressiveVarTestStruct,
    4: ProgressiveSingleFieldContainerTestStruct,
  }),
};

/** Longest key of `table` that `name` starts with (followed by `_` or the end). */
function byPrefix(table: Record<string, AnyType>, name: string, what: string): AnyType {
  const keys = Object.keys(table).sort((a, b) => b.length - a.length);
  for (const k of keys) if (name === k || name.startsWith(`${k}_`)) return table[k];
  throw Error(`unknown ${what} in case name "${name}"`);
}

function match(re: RegExp, name: string, handler: string): RegExpExecArray {
  const m = re.exec(name);
  if (m === null) throw Error(`cannot derive the ${handler} type from case name "${name}"`);
  return m;
}

/** The type a case tests, from the handler and case name. Throws if the name declares no valid type. */
export function typeForCase(handler: string, name: string): AnyType {
  switch (handler) {
    case "boolean":
      return BASIC_TYPES.bool;
    case "uints":
      return uintType(Number(match(/^uint_(\d+)(_|$)/, name, handler)[1]));
    case "basic_vector": {
      const m = match(/^vec_(bool|uint\d+)_(\d+)(_|$)/, name, handler);
      const elem = BASIC_TYPES[m[1]];
      if (elem === undefined) throw Error(`unknown element type ${m[1]}`);
      return new VectorBasicType(elem, Number(m[2]));
    }
    case "bitvector":
      return new BitVectorType(Number(match(/^bitvec_(\d+)(_|$)/, name, handler)[1]));
    case "bitlist":
      return new BitListType(Number(match(/^bitlist_(\d+)(_|$)/, name, handler)[1]));
    case "basic_progressive_list": {
      const m = match(/^proglist_(bool|uint\d+)(_|$)/, name, handler);
      const elem = BASIC_TYPES[m[1]];
      if (elem === undefined) throw Error(`unknown element type ${m[1]}`);
      return new ProgressiveListBasicType(elem);
    }
    case "progressive_bitlist":
      return new ProgressiveBitListType();
    case "containers":
      return byPrefix(CONTAINERS, name, "container");
    case "progressive_containers":
      return byPrefix(PROGRESSIVE_CONTAINERS, name, "progressive container");
    case "compatible_unions":
      return byPrefix(COMPATIBLE_UNIONS, name, "compatible union");
    default:
      throw Error(`ssz_generic/${handler}: not implemented`);
  }
}
