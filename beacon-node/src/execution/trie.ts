/**
 * Root of a Merkle-Patricia trie (Yellow Paper appendix D) built from key/value pairs, and the "ordered trie"
 * of a list (key = RLP(index)) that execution block headers commit to: transactionsRoot (EIP-2718 encodings of
 * the transactions) and withdrawalsRoot (EIP-4895, RLP of each withdrawal). Only the root is computed; no
 * nodes are stored.
 */
import {keccak_256} from "@noble/hashes/sha3";
import {type RlpItem, rlpEncode, uintToRlpBytes} from "./rlp.ts";

export function keccak256(data: Uint8Array): Uint8Array {
  return keccak_256(data);
}

/** keccak256(RLP("")): the root of an empty trie (0x56e81f17…b421). */
export const EMPTY_TRIE_ROOT: Uint8Array = keccak256(rlpEncode(new Uint8Array(0)));

interface Entry {
  nibbles: Uint8Array;
  value: Uint8Array;
}

/** The trie root of an ordered list: the i-th value is stored under the key RLP(i). */
export function orderedTrieRoot(values: readonly Uint8Array[]): Uint8Array {
  return trieRoot(values.map((value, i) => ({key: rlpEncode(uintToRlpBytes(i)), value})));
}

/** The root of a trie holding these key/value pairs (keys distinct; an empty value means "absent"). */
export function trieRoot(pairs: readonly {key: Uint8Array; value: Uint8Array}[]): Uint8Array {
  const entries: Entry[] = pairs
    .filter((p) => p.value.length > 0)
    .map((p) => ({nibbles: toNibbles(p.key), value: p.value}))
    .sort((a, b) => compareNibbles(a.nibbles, b.nibbles));
  for (let i = 1; i < entries.length; i++) {
    if (compareNibbles(entries[i - 1].nibbles, entries[i].nibbles) === 0) throw Error("duplicate trie key");
  }
  if (entries.length === 0) return EMPTY_TRIE_ROOT;
  return keccak256(rlpEncode(buildNode(entries, 0)));
}

function buildNode(entries: Entry[], depth: number): RlpItem {
  if (entries.length === 1) {
    const e = entries[0];
    return [hexPrefix(e.nibbles.subarray(depth), true), e.value];
  }
  // Shared prefix beyond depth → extension node.
  const first = entries[0].nibbles;
  const last = entries[entries.length - 1].nibbles; // sorted: the common prefix of all is that of first and last
  let common = 0;
  while (
    depth + common < first.length &&
    depth + common < last.length &&
    first[depth + common] === last[depth + common]
  ) {
    common++;
  }
  if (common > 0) {
    return [hexPrefix(first.subarray(depth, depth + common), false), childRef(buildNode(entries, depth + common))];
  }
  // Branch node: 16 children by the next nibble, plus the value of a key that ends here.
  const branch: RlpItem[] = new Array(17).fill(new Uint8Array(0));
  let i = 0;
  if (entries[0].nibbles.length === depth) {
    branch[16] = entries[0].value;
    i = 1;
  }
  while (i < entries.length) {
    const nibble = entries[i].nibbles[depth];
    let j = i + 1;
    while (j < entries.length && entries[j].nibbles[depth] === nibble) j++;
    branch[nibble] = childRef(buildNode(entries.slice(i, j), depth + 1));
    i = j;
  }
  return branch;
}

/** A child is embedded when its RLP is shorter than 32 bytes, else referenced by its keccak256. */
function childRef(node: RlpItem): RlpItem {
  const encoded = rlpEncode(node);
  return encoded.length < 32 ? node : keccak256(encoded);
}

/** Hex-prefix encoding of a nibble path with the leaf flag (Yellow Paper appendix C). */
function hexPrefix(nibbles: Uint8Array, leaf: boolean): Uint8Array {
  const odd = nibbles.length % 2;
  const flag = (leaf ? 2 : 0) + odd;
  const out = new Uint8Array(1 + (nibbles.length - odd) / 2);
  let n = 0;
  if (odd) {
    out[0] = (flag << 4) | nibbles[0];
    n = 1;
  } else {
    out[0] = flag << 4;
  }
  for (let k = 1; k < out.length; k++, n += 2) out[k] = (nibbles[n] << 4) | nibbles[n + 1];
  return out;
}

function toNibbles(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length * 2);
  for (let i = 0; i < key.length; i++) {
    out[2 * i] = key[i] >> 4;
    out[2 * i + 1] = key[i] & 0x0f;
  }
  return out;
}

function compareNibbles(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
