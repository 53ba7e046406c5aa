/**
 * Bulk reads and rebuilds of the registry-sized uint64 lists (balances, inactivity scores) for the epoch
 * transition, reading and writing the leaf nodes' 32-bit words directly: `getAll()` converts every element
 * through a per-item call and `toViewDU(number[])` sets every word through a switch, both several times slower
 * at 1M validators. Values are exact JS numbers (uint64 values of these lists stay below 2**53: Gwei and
 * inactivity scores); a value of 2**64-1 would read as 2**64 - 1 rounded (no Infinity clipping: these lists are
 * not epochs).
 */
import {
  BranchNode,
  getNodesAtDepth,
  LeafNode,
  type Node,
  subtreeFillToContents,
} from "@chainsafe/persistent-merkle-tree";
import type {ListBasicTreeViewDU, UintNumberType} from "@chainsafe/ssz";

type Uint64ListView = ListBasicTreeViewDU<UintNumberType>;

const TWO_POW_32 = 2 ** 32;
/** uint64 values per 32-byte chunk */
const PER_CHUNK = 4;

/**
 * The values of `view` (committed first) as numbers, written into `out` when it has exactly the list's length
 * (reuse between epochs), else into a new array.
 */
export function readUint64List(view: Uint64ListView, out?: Float64Array): Float64Array {
  view.commit();
  const length = view.length;
  const values = out !== undefined && out.length === length ? out : new Float64Array(length);
  if (length === 0) return values;
  const type = view.type;
  const chunkCount = Math.ceil(length / PER_CHUNK);
  const chunks = getNodesAtDepth(type.tree_getChunksNode(view.node), type.chunkDepth, 0, chunkCount);
  const fullChunks = Math.floor(length / PER_CHUNK);
  for (let c = 0; c < fullChunks; c++) {
    const leaf = chunks[c] as LeafNode;
    const i = c * PER_CHUNK;
    values[i] = (leaf.h0 >>> 0) + (leaf.h1 >>> 0) * TWO_POW_32;
    values[i + 1] = (leaf.h2 >>> 0) + (leaf.h3 >>> 0) * TWO_POW_32;
    values[i + 2] = (leaf.h4 >>> 0) + (leaf.h5 >>> 0) * TWO_POW_32;
    values[i + 3] = (leaf.h6 >>> 0) + (leaf.h7 >>> 0) * TWO_POW_32;
  }
  for (let i = fullChunks * PER_CHUNK; i < length; i++)
    values[i] = (chunks[fullChunks] as LeafNode).getUint(8, (i % PER_CHUNK) * 8);
  return values;
}

/** The low 32 bits of a uint64 below 2**53, as an int32 (a subtraction: `%` on doubles is a slow fmod). */
function lo(value: number): number {
  return (value - Math.floor(value / TWO_POW_32) * TWO_POW_32) | 0;
}

function hi(value: number): number {
  return Math.floor(value / TWO_POW_32) | 0;
}

/**
 * The values of `view` (committed first) given the values `known` of an earlier version of the same list whose
 * chunks subtree was `knownChunks`: the two trees are walked together and only the chunks whose node differs are
 * read (structural sharing: an unchanged chunk is the same node), into `known` itself when the length is the same
 * (else into a grown copy). The cost is proportional to the chunks changed since, not to the list's length.
 */
export function readUint64ListSince(view: Uint64ListView, knownChunks: Node, known: Float64Array): Float64Array {
  view.commit();
  const length = view.length;
  if (length < known.length) return readUint64List(view);
  let values = known;
  if (length > known.length) {
    values = new Float64Array(length);
    values.set(known);
  }
  const type = view.type;
  const chunksNode = type.tree_getChunksNode(view.node);
  diffChunks(knownChunks, chunksNode, type.chunkDepth, 0, values, length);
  return values;
}

/** Reads into `values` the chunks of `b` (at `depth` above the chunks, first chunk `chunk`) whose node differs in `a`. */
function diffChunks(a: Node, b: Node, depth: number, chunk: number, values: Float64Array, length: number): void {
  if (a === b || chunk * PER_CHUNK >= length) return;
  if (depth === 0) {
    const leaf = b as LeafNode;
    const i = chunk * PER_CHUNK;
    if (i + PER_CHUNK <= length) {
      values[i] = (leaf.h0 >>> 0) + (leaf.h1 >>> 0) * TWO_POW_32;
      values[i + 1] = (leaf.h2 >>> 0) + (leaf.h3 >>> 0) * TWO_POW_32;
      values[i + 2] = (leaf.h4 >>> 0) + (leaf.h5 >>> 0) * TWO_POW_32;
      values[i + 3] = (leaf.h6 >>> 0) + (leaf.h7 >>> 0) * TWO_POW_32;
    } else {
      for (let k = i; k < length; k++) values[k] = leaf.getUint(8, (k % PER_CHUNK) * 8);
    }
    return;
  }
  const half = 2 ** (depth - 1);
  diffChunks(a.left, b.left, depth - 1, chunk, values, length);
  diffChunks(a.right, b.right, depth - 1, chunk + half, values, length);
}

/**
 * The chunks subtree of `view` (committed), to pass later as `knownChunks` of readUint64ListSince.
 */
export function uint64ListChunks(view: Uint64ListView): Node {
  view.commit();
  return view.type.tree_getChunksNode(view.node);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The bytes of a list of uint8 (altair ParticipationFlags lists: one byte per validator), read from the leaf
 * nodes' 32-bit words (8 stores per 32-byte chunk) instead of `serialize()`: the same bytes, without the
 * serializer's per-chunk copy, whose optimizing compile alone took longer than the read at 1M validators.
 */
export function readUint8List(view: ListBasicTreeViewDU<UintNumberType>): Uint8Array {
  if (!LITTLE_ENDIAN) return view.serialize();
  view.commit();
  const length = view.length;
  const chunkCount = Math.ceil(length / 32);
  const words = new Int32Array(chunkCount * 8);
  if (length === 0) return new Uint8Array(0);
  const type = view.type;
  const chunks = getNodesAtDepth(type.tree_getChunksNode(view.node), type.chunkDepth, 0, chunkCount);
  for (let c = 0; c < chunkCount; c++) {
    const leaf = chunks[c] as LeafNode;
    const k = c * 8;
    words[k] = leaf.h0;
    words[k + 1] = leaf.h1;
    words[k + 2] = leaf.h2;
    words[k + 3] = leaf.h3;
    words[k + 4] = leaf.h4;
    words[k + 5] = leaf.h5;
    words[k + 6] = leaf.h6;
    words[k + 7] = leaf.h7;
  }
  return new Uint8Array(words.buffer, 0, length);
}

/**
 * A new view of the list type of `view` holding `values` (every value a uint64 below 2**53), its leaf nodes
 * cached in the view as `toViewDU` does.
 */
export function uint64ListFromValues(view: Uint64ListView, values: Float64Array): Uint64ListView {
  const type = view.type;
  const length = values.length;
  if (length > type.limit) throw Error(`uint64 list of ${length} values exceeds its limit ${type.limit}`);
  const chunkCount = Math.ceil(length / PER_CHUNK);
  const leaves: Node[] = new Array<Node>(chunkCount);
  const fullChunks = Math.floor(length / PER_CHUNK);
  for (let c = 0; c < fullChunks; c++) {
    const i = c * PER_CHUNK;
    const v0 = values[i];
    const v1 = values[i + 1];
    const v2 = values[i + 2];
    const v3 = values[i + 3];
    leaves[c] = new LeafNode(lo(v0), hi(v0), lo(v1), hi(v1), lo(v2), hi(v2), lo(v3), hi(v3));
  }
  if (fullChunks < chunkCount) {
    const w = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let i = fullChunks * PER_CHUNK; i < length; i++) {
      const k = (i % PER_CHUNK) * 2;
      w[k] = lo(values[i]);
      w[k + 1] = hi(values[i]);
    }
    leaves[fullChunks] = new LeafNode(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]);
  }
  // subtreeFillToContents consumes the array it is given
  const chunksNode = subtreeFillToContents([...leaves], type.chunkDepth);
  const rootNode = new BranchNode(chunksNode, LeafNode.fromUint32(length));
  return type.getViewDU(rootNode, {nodes: leaves, length, nodesPopulated: true}) as Uint64ListView;
}
