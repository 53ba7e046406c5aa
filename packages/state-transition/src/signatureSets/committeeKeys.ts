/**
 * The public keys of an attestation's signers in one committee as a few partial sums: per-committee block aggregates.
 *
 * A committee's aggregates (up to 16 aggregators each, p2p-interface.md beacon_aggregate_and_proof) mostly carry
 * nearly the whole committee; aggregating each one's keys one by one costs ~1 µs per key on the main thread (at
 * 1M validators ~490 keys an aggregate, ~1,000 aggregates a slot). Here the committee's positions are split into
 * blocks of BLOCK; a block whose every position signed is one key aggregated once per committee (cached with the
 * committee's array, which belongs to its shuffling), and only partly signed blocks add their keys one by one. An
 * aggregate missing k members then costs about committee/BLOCK + k·BLOCK additions instead of the committee's size.
 * The result is a list of keys whose sum is the signers' aggregate key (point addition is associative and
 * commutative): the cached block keys and the loose signers' keys, all as checked points (bytes, no blst object per
 * message on the main thread: issue 13); whoever verifies the set adds them up (a BLS worker, or
 * `aggregateSetPublicKeys`).
 * Gossip aggregates (beacon-node chain/validation/aggregateAndProof.ts) and the attestations of blocks
 * (indexedAttestation.ts: an electra block attestation carries every committee of a slot, ~31,000 keys at 1M
 * validators) share the cache, so a block's attestations mostly cost the committees' cached blocks.
 */
import type {PublicKey} from "@chainsafe/blst";
import type {BitArray} from "@chainsafe/ssz";
import type {KeyPoint} from "./signatureSet.ts";

/** Positions per cached block aggregate. */
export const COMMITTEE_KEY_BLOCK = 16;

/** Block aggregates (checked points) per committee array (null: not computed yet). */
const blockKeys = new WeakMap<Uint32Array, (KeyPoint | null)[]>();

/**
 * Keys whose sum is the aggregate key of the committee members whose bit is set, their bits being `bits[offset]` to
 * `bits[offset + committee.length - 1]` (an electra attestation's slice for one of its committees; 0 otherwise);
 * positions past `bits.bitLen` count as unset. Empty when no bit is set. `pointOf` gives a validator's checked key
 * point (it may throw for an unknown validator, as the caller's would); `aggregateOf` the aggregate key of several
 * validators (PubkeyCache.aggregatePublicKeys: from stored points), used once per fully signed block of a committee.
 */
export function aggregateCommitteeKeys(
  committee: Uint32Array,
  bits: BitArray,
  offset: number,
  pointOf: (validatorIndex: number) => KeyPoint,
  aggregateOf: (validatorIndices: number[]) => PublicKey,
): KeyPoint[] {
  const n = committee.length;
  const bytes = bits.uint8Array;
  const end = Math.min(n, bits.bitLen - offset);
  const isSet = (p: number): boolean => p < end && ((bytes[(offset + p) >> 3] >> ((offset + p) & 7)) & 1) === 1;
  let blocks = blockKeys.get(committee);
  if (blocks === undefined) {
    blocks = new Array<KeyPoint | null>(Math.ceil(n / COMMITTEE_KEY_BLOCK)).fill(null);
    blockKeys.set(committee, blocks);
  }
  const keys: KeyPoint[] = [];
  for (let b = 0; b < blocks.length; b++) {
    const from = b * COMMITTEE_KEY_BLOCK;
    const to = Math.min(n, from + COMMITTEE_KEY_BLOCK);
    let signed = 0;
    for (let p = from; p < to; p++) if (isSet(p)) signed++;
    if (signed === 0) continue;
    if (signed === to - from && to - from > 1) {
      let key = blocks[b];
      if (key === null) {
        // a sum of checked keys: kept as its point (the blst object is dropped at once, young)
        key = aggregateOf(Array.from(committee.subarray(from, to))).toBytes(false);
        blocks[b] = key;
      }
      keys.push(key);
    } else {
      // signers of a partly signed block: their own points
      for (let p = from; p < to; p++) if (isSet(p)) keys.push(pointOf(committee[p]));
    }
  }
  return keys;
}
