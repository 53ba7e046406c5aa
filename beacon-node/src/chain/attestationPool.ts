import {
  ForkSeq,
  MAX_ATTESTATIONS,
  MAX_ATTESTATIONS_ELECTRA,
  MAX_COMMITTEES_PER_SLOT,
  MIN_ATTESTATION_INCLUSION_DELAY,
  SLOTS_PER_EPOCH,
} from "@ceibo/params";
import {
  type AttestationAllForks,
  type AttestationData,
  type CachedBeaconState,
  computeEpochAtSlot,
  getCurrentEpoch,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {bytesEqual, toHexUnprefixed} from "@ceibo/utils";
import {aggregateSignatures, Signature} from "@chainsafe/blst";
import {BitArray} from "@chainsafe/ssz";

/** One committee's aggregate for one AttestationData: who signed, and their signatures (compressed G2 bytes). */
interface CommitteeAggregate {
  committeeIndex: number;
  bits: boolean[];
  signatures: Uint8Array[];
}

/** What the pool holds for one committee: single attesters by position, and aggregates received as such. */
interface CommitteeVotes {
  committeeIndex: number;
  committeeSize: number;
  /**
   * Signatures as received (compressed), verified before they were added: decoded only for the attestations a
   * block carries (decoding a G2 point with its subgroup check cost ~0.2 ms on every add; a node receives
   * thousands a slot).
   */
  singles: Map<number, Uint8Array>;
  /** Gossip / API aggregates (their signatures cannot be split): at most a few, none covered by another. */
  aggregates: {bits: boolean[]; signature: Uint8Array}[];
}

/**
 * The committee's best aggregate for a block: the aggregate with the most attesters, plus every single attester it
 * does not already have (disjoint sets, so the BLS signatures add up).
 */
function bestAggregate(votes: CommitteeVotes): CommitteeAggregate {
  let base: {bits: boolean[]; signature: Uint8Array} | null = null;
  for (const a of votes.aggregates) {
    if (base === null || count(a.bits) > count(base.bits)) base = a;
  }
  const bits = base !== null ? [...base.bits] : new Array<boolean>(votes.committeeSize).fill(false);
  const signatures = base !== null ? [base.signature] : [];
  for (const [position, sig] of votes.singles) {
    if (bits[position]) continue;
    bits[position] = true;
    signatures.push(sig);
  }
  return {committeeIndex: votes.committeeIndex, bits, signatures};
}

function count(bits: boolean[]): number {
  let n = 0;
  for (const b of bits) if (b) n++;
  return n;
}

interface DataGroup {
  data: AttestationData;
  /** By committee index. */
  committees: Map<number, CommitteeVotes>;
}

/**
 * Unaggregated attestations (electra SingleAttestation, or single-bit phase0 attestations) waiting for a block,
 * grouped by AttestationData and committee. For a block, each committee's signatures are aggregated (bits OR-ed,
 * BLS signatures aggregated); from electra the committees of one AttestationData become one on-chain aggregate
 * with committee_bits (electra validator.md compute_on_chain_aggregate). Bits already included in imported blocks
 * are remembered so a block only carries attestations that add a vote.
 */
export class AttestationPool {
  private readonly groups = new Map<string, DataGroup>();
  /** Included attesters by data root and committee (set of positions in the committee). */
  private readonly included = new Map<string, Set<number>>();

  /**
   * Adds one attester's signature. `position` is the attester's index in committee `committeeIndex` of size
   * `committeeSize` at data.slot. The signature must already be verified. Returns false if it was known.
   */
  add(
    data: AttestationData,
    committeeIndex: number,
    committeeSize: number,
    position: number,
    signature: Uint8Array,
  ): boolean {
    if (position < 0 || position >= committeeSize)
      throw Error(`position ${position} outside committee of ${committeeSize}`);
    const key = toHexUnprefixed(ssz.phase0.AttestationData.hashTreeRoot(data));
    let group = this.groups.get(key);
    if (group === undefined) {
      group = {data, committees: new Map()};
      this.groups.set(key, group);
    }
    const votes = this.committeeVotes(group, committeeIndex, committeeSize);
    if (votes.singles.has(position)) return false;
    votes.singles.set(position, signature);
    return true;
  }

  /**
   * Adds an aggregate of one committee (gossip beacon_aggregate_and_proof, or the API's aggregates); its signature
   * must already be verified. Ignored when a kept aggregate has all its bits; kept ones it covers are dropped.
   */
  addAggregate(data: AttestationData, committeeIndex: number, bits: boolean[], signature: Uint8Array): boolean {
    const key = toHexUnprefixed(ssz.phase0.AttestationData.hashTreeRoot(data));
    let group = this.groups.get(key);
    if (group === undefined) {
      group = {data, committees: new Map()};
      this.groups.set(key, group);
    }
    const votes = this.committeeVotes(group, committeeIndex, bits.length);
    const covers = (a: boolean[], b: boolean[]): boolean => b.every((x, i) => !x || a[i]);
    if (votes.aggregates.some((kept) => covers(kept.bits, bits))) return false;
    votes.aggregates = votes.aggregates.filter((kept) => !covers(bits, kept.bits));
    votes.aggregates.push({bits: [...bits], signature});
    return true;
  }

  private committeeVotes(group: DataGroup, committeeIndex: number, committeeSize: number): CommitteeVotes {
    let votes = group.committees.get(committeeIndex);
    if (votes === undefined) {
      votes = {committeeIndex, committeeSize, singles: new Map(), aggregates: []};
      group.committees.set(committeeIndex, votes);
    }
    if (votes.committeeSize !== committeeSize) throw Error(`committee ${committeeIndex} size changed`);
    return votes;
  }

  /** Records the attesters of an attestation included in an imported block (per committee). */
  markIncluded(data: AttestationData, committeeIndex: number, bits: boolean[]): void {
    const key = `${toHexUnprefixed(ssz.phase0.AttestationData.hashTreeRoot(data))}:${committeeIndex}`;
    let set = this.included.get(key);
    if (set === undefined) {
      set = new Set();
      this.included.set(key, set);
    }
    for (let i = 0; i < bits.length; i++) if (bits[i]) set.add(i);
  }

  /**
   * Attestations for a block on `state` (already at the block's slot): data the block may include
   * (process_attestation's slot, epoch and source checks), that adds at least one new attester, newest first,
   * at most MAX_ATTESTATIONS(_ELECTRA).
   */
  getAttestationsForBlock(state: CachedBeaconState): AttestationAllForks[] {
    const fork = state.fork;
    const stateSlot = state.state.slot;
    const currentEpoch = getCurrentEpoch(state.state);
    const previousEpoch = Math.max(0, currentEpoch - 1);
    const currentJustified = state.state.currentJustifiedCheckpoint;
    const previousJustified = state.state.previousJustifiedCheckpoint;
    // built (signatures decoded and aggregated) only for the candidates the block takes
    const candidates: {slot: number; newVotes: number; build: () => AttestationAllForks}[] = [];
    for (const [key, group] of this.groups) {
      const {data} = group;
      if (data.slot + MIN_ATTESTATION_INCLUSION_DELAY > stateSlot) continue;
      if (fork < ForkSeq.deneb && stateSlot > data.slot + SLOTS_PER_EPOCH) continue;
      const targetEpoch = data.target.epoch;
      if (targetEpoch !== currentEpoch && targetEpoch !== previousEpoch) continue;
      if (targetEpoch !== computeEpochAtSlot(data.slot)) continue;
      // electra process_attestation: `assert data.index == 0` (a pre-electra attestation of committee > 0 from
      // the epoch before the fork can not go into an electra block)
      if (fork >= ForkSeq.electra && data.index !== 0) continue;
      const source = targetEpoch === currentEpoch ? currentJustified : previousJustified;
      if (data.source.epoch !== source.epoch || !bytesEqual(data.source.root, source.root)) continue;
      const committeeCount = state.epochCtx.getCommitteeCountPerSlot(targetEpoch);
      const useful: CommitteeAggregate[] = [];
      let newVotes = 0;
      const aggregates = [...group.committees.values()]
        .sort((a, b) => a.committeeIndex - b.committeeIndex)
        .map(bestAggregate);
      for (const agg of aggregates) {
        if (agg.committeeIndex >= committeeCount) continue;
        if (state.epochCtx.getBeaconCommittee(data.slot, agg.committeeIndex).length !== agg.bits.length) continue;
        const seen = this.included.get(`${key}:${agg.committeeIndex}`);
        const fresh = agg.bits.filter((b, i) => b && !seen?.has(i)).length;
        if (fresh === 0) continue;
        newVotes += fresh;
        useful.push(agg);
      }
      if (useful.length === 0) continue;
      if (fork >= ForkSeq.electra) {
        candidates.push({slot: data.slot, newVotes, build: () => computeOnChainAggregate(data, useful)});
      } else {
        for (const agg of useful) {
          if (agg.committeeIndex !== data.index) continue;
          candidates.push({
            slot: data.slot,
            newVotes,
            build: () => ({
              aggregationBits: BitArray.fromBoolArray(agg.bits),
              data,
              signature: aggregateSignatureBytes(agg.signatures),
            }),
          });
        }
      }
    }
    candidates.sort((a, b) => b.slot - a.slot || b.newVotes - a.newVotes);
    const max = fork >= ForkSeq.electra ? MAX_ATTESTATIONS_ELECTRA : MAX_ATTESTATIONS;
    return candidates.slice(0, max).map((c) => c.build());
  }

  /** Drops attestations that no block at or after `slot` can include (target epoch before the previous epoch). */
  prune(slot: number): void {
    const minEpoch = Math.max(0, computeEpochAtSlot(slot) - 1);
    for (const [key, group] of this.groups) {
      if (group.data.target.epoch < minEpoch) {
        this.groups.delete(key);
        for (const k of this.included.keys()) if (k.startsWith(key)) this.included.delete(k);
      }
    }
  }

  get size(): {dataGroups: number; attesters: number} {
    let attesters = 0;
    for (const g of this.groups.values()) {
      for (const c of g.committees.values()) attesters += c.singles.size;
    }
    return {dataGroups: this.groups.size, attesters};
  }
}

/**
 * electra compute_on_chain_aggregate over per-committee aggregates of one AttestationData (sorted by committee).
 * Spec: `compute_on_chain_aggregate` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/validator.md#attestations
 */
function computeOnChainAggregate(data: AttestationData, aggregates: CommitteeAggregate[]): AttestationAllForks {
  const bits: boolean[] = [];
  const committeeFlags = new Array<boolean>(MAX_COMMITTEES_PER_SLOT).fill(false);
  const signatures: Uint8Array[] = [];
  for (const agg of aggregates) {
    bits.push(...agg.bits);
    committeeFlags[agg.committeeIndex] = true;
    signatures.push(...agg.signatures);
  }
  return {
    aggregationBits: BitArray.fromBoolArray(bits),
    data,
    signature: aggregateSignatureBytes(signatures),
    committeeBits: BitArray.fromBoolArray(committeeFlags),
  };
}

/**
 * The aggregate of compressed signatures that were verified (subgroup check included) before they entered the pool:
 * decompressed only.
 */
function aggregateSignatureBytes(signatures: Uint8Array[]): Uint8Array {
  return aggregateSignatures(signatures.map((b) => Signature.fromBytes(b, false))).toBytes(true);
}
