/**
 * The aggregate public key of an attestation's signers in one committee, from per-committee block aggregates.
 *
 * A committee's aggregates (up to 16 aggregators each, p2p-interface.md beacon_aggregate_and_proof) mostly carry
 * nearly the whole committee; aggregating each one's keys one by one costs ~1 µs per key on the main thread (at
 * 1M validators ~490 keys an aggregate, ~1,000 aggregates a slot). Here the committee's positions are split into
 * blocks of BLOCK; a block whose every position signed is one key aggregated once per committee (cached with the
 * committee's array, which belongs to its shuffling), and only partly signed blocks add their keys one by one. An
 * aggregate missing k members then costs about committee/BLOCK + k·BLOCK additions instead of the committee's size.
 * The result is the same point as aggregating every signer's key (point addition is associative and commutative).
 * Gossip aggregates (beacon-node chain/validation/aggregateAndProof.ts) and the attestations of blocks
 * (indexedAttestation.ts: an electra block attestation carries every committee of a slot, ~31,000 keys at 1M
 * validators) share the cache, so a block's attestations mostly cost the committees' cached blocks.
 */
import {aggregatePublicKeys, type PublicKey} from "@chainsafe/blst";
import type {BitArray} from "@chainsafe/ssz";

/** Positions per cached block aggregate. */
export const COMMITTEE_KEY_BLOCK = 16;

/** Block aggregates per committee array (null: not computed yet). */
const blockKeys = new WeakMap<Uint32Array, (PublicKey | null)[]>();

/**
 * The aggregate key of the committee members whose bit is set, their bits being `bits[offset]` to
 * `bits[offset + committee.length - 1]` (an electra attestation's slice for one of its committees; 0 otherwise);
 * positions past `bits.bitLen` count as unset. Null when no bit is set. `pubkeyOf` gives a validator's key (it may
 * throw for an unknown validator, as the caller's would); `aggregateOf`, when given, the aggregate key of several
 * validators at once (PubkeyCache.aggregatePublicKeys: from stored points, without a `PublicKey` per key).
 */
export function aggregateCommitteeKeys(
  committee: Uint32Array,
  bits: BitArray,
  offset: number,
  pubkeyOf: (validatorIndex: number) => PublicKey,
  aggregateOf?: (validatorIndices: number[]) => PublicKey,
): PublicKey | null {
  const aggregate = aggregateOf ?? ((indices: number[]) => aggregatePublicKeys(indices.map(pubkeyOf)));
  const n = committee.length;
  const bytes = bits.uint8Array;
  const end = Math.min(n, bits.bitLen - offset);
  const isSet = (p: number): boolean => p < end && ((bytes[(offset + p) >> 3] >> ((offset + p) & 7)) & 1) === 1;
  let blocks = blockKeys.get(committee);
  if (blocks === undefined) {
    blocks = new Array<PublicKey | null>(Math.ceil(n / COMMITTEE_KEY_BLOCK)).fill(null);
    blockKeys.set(committee, blocks);
  }
  const parts: PublicKey[] = [];
  /** Signers of partly signed blocks, added one by one. */
  const loose: number[] = [];
  for (let b = 0; b < blocks.length; b++) {
    const from = b * COMMITTEE_KEY_BLOCK;
    const to = Math.min(n, from + COMMITTEE_KEY_BLOCK);
    let signed = 0;
    for (let p = from; p < to; p++) if (isSet(p)) signed++;
    if (signed === 0) continue;
    if (signed === to - from && to - from > 1) {
      let key = blocks[b];
      if (key === null) {
        key = aggregate(Array.from(committee.subarray(from, to)));
        blocks[b] = key;
      }
      parts.push(key);
    } else {
      for (let p = from; p < to; p++) if (isSet(p)) loose.push(committee[p]);
    }
  }
  if (loose.length > 0) parts.push(loose.length === 1 ? pubkeyOf(loose[0]) : aggregate(loose));
  if (parts.length === 0) return null;
  return parts.length === 1 ? parts[0] : aggregatePublicKeys(parts);
}
