/**
 * The chain's operation pool: what blocks can include beside attestations — voluntary exits, proposer and attester
 * slashings, BLS-to-execution changes (from gossip and the Beacon API), plus gossip aggregates and sync committee
 * contributions. Everything here passed gossip validation; `getOperationsForBlock` re-checks each operation
 * against the block's pre-state (the state-transition process_* functions on a copy, signatures already verified).
 */
import {
  ForkSeq,
  MAX_ATTESTER_SLASHINGS,
  MAX_ATTESTER_SLASHINGS_ELECTRA,
  MAX_BLS_TO_EXECUTION_CHANGES,
  MAX_PROPOSER_SLASHINGS,
  MAX_VOLUNTARY_EXITS,
  SLOTS_PER_EPOCH,
} from "@ceibo/params";
import {
  type AttestationAllForks,
  type AttesterSlashingLike,
  type CachedBeaconState,
  type ProposerSlashing,
  processAttesterSlashing,
  processBlsToExecutionChange,
  processProposerSlashing,
  processVoluntaryExit,
  type SignedBLSToExecutionChange,
  type SignedVoluntaryExit,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {toHexUnprefixed} from "@ceibo/utils";
import type {BitArray} from "@chainsafe/ssz";
import {isNonStrictSuperset} from "./seenCaches.ts";

/** altair SyncCommitteeContribution (the shape gossip validation gives, validation/syncCommittee.ts). */
type SyncCommitteeContribution = {
  slot: number;
  beaconBlockRoot: Uint8Array;
  subcommitteeIndex: number;
  aggregationBits: BitArray;
  signature: Uint8Array;
};

export interface BlockOperations {
  proposerSlashings: ProposerSlashing[];
  attesterSlashings: AttesterSlashingLike[];
  voluntaryExits: SignedVoluntaryExit[];
  blsToExecutionChanges: SignedBLSToExecutionChange[];
}

export class OpPool {
  private readonly voluntaryExits = new Map<number, SignedVoluntaryExit>();
  private readonly proposerSlashings = new Map<number, ProposerSlashing>();
  private readonly attesterSlashings = new Map<string, {slashing: AttesterSlashingLike; indices: number[]}>();
  private readonly blsToExecutionChanges = new Map<number, SignedBLSToExecutionChange>();
  /** Aggregates by `${slot}:${data root}:${committee}`: the ones no other kept aggregate covers. */
  private readonly aggregates = new Map<string, {slot: number; list: AttestationAllForks[]}>();
  /** Sync contributions by `${slot}:${block root}:${subcommittee}`: the one with the most participants. */
  private readonly contributions = new Map<string, SyncCommitteeContribution>();

  addVoluntaryExit(exit: SignedVoluntaryExit): void {
    this.voluntaryExits.set(exit.message.validatorIndex, exit);
  }

  addProposerSlashing(slashing: ProposerSlashing): void {
    this.proposerSlashings.set(slashing.signedHeader1.message.proposerIndex, slashing);
  }

  /** `indices`: the slashable intersection of the two attestations. */
  addAttesterSlashing(slashing: AttesterSlashingLike, indices: number[]): void {
    const key = `${toHexUnprefixed(ssz.phase0.AttestationData.hashTreeRoot(slashing.attestation1.data))}:${toHexUnprefixed(
      ssz.phase0.AttestationData.hashTreeRoot(slashing.attestation2.data),
    )}:${indices.join(",")}`;
    this.attesterSlashings.set(key, {slashing, indices});
  }

  addBlsToExecutionChange(change: SignedBLSToExecutionChange): void {
    this.blsToExecutionChanges.set(change.message.validatorIndex, change);
  }

  /** Keeps an aggregate unless a kept one has all its bits; drops kept ones it covers. */
  addAggregate(aggregate: AttestationAllForks, committeeIndex: number): void {
    const {data} = aggregate;
    const key = `${data.slot}:${toHexUnprefixed(ssz.phase0.AttestationData.hashTreeRoot(data))}:${committeeIndex}`;
    const entry = this.aggregates.get(key) ?? {slot: data.slot, list: []};
    const covers = (a: AttestationAllForks, b: AttestationAllForks): boolean =>
      bitsCover(a.aggregationBits, b.aggregationBits);
    if (entry.list.some((kept) => covers(kept, aggregate))) return;
    entry.list = entry.list.filter((kept) => !covers(aggregate, kept));
    entry.list.push(aggregate);
    this.aggregates.set(key, entry);
  }

  /** The kept aggregates of `slot`. */
  getAggregates(slot: number): AttestationAllForks[] {
    const out: AttestationAllForks[] = [];
    for (const entry of this.aggregates.values()) if (entry.slot === slot) out.push(...entry.list);
    return out;
  }

  /** Keeps the contribution with the most participants per (slot, block root, subcommittee). */
  addSyncContribution(contribution: SyncCommitteeContribution): void {
    const key = `${contribution.slot}:${toHexUnprefixed(contribution.beaconBlockRoot)}:${contribution.subcommitteeIndex}`;
    const kept = this.contributions.get(key);
    const count = (c: SyncCommitteeContribution): number => bitCount(c.aggregationBits);
    if (kept === undefined || count(contribution) > count(kept)) this.contributions.set(key, contribution);
  }

  /** The best contribution per subcommittee for (slot, beacon block root). */
  getSyncContributions(slot: number, beaconBlockRoot: Uint8Array): SyncCommitteeContribution[] {
    const prefix = `${slot}:${toHexUnprefixed(beaconBlockRoot)}:`;
    return [...this.contributions].filter(([k]) => k.startsWith(prefix)).map(([, c]) => c);
  }

  /**
   * Operations a block on `state` (at the block's slot) may include: each applied in turn to a copy of the state
   * with the state transition's own checks (signatures were verified on gossip), invalid ones dropped from the
   * pool, at most the block's limit of each kind.
   */
  getOperationsForBlock(state: CachedBeaconState): BlockOperations {
    const scratch = state.clone();
    const take = <T>(pool: Map<unknown, T>, max: number, apply: (op: T) => void): T[] => {
      const out: T[] = [];
      for (const [key, op] of pool) {
        if (out.length >= max) break;
        try {
          apply(op);
          out.push(op);
        } catch {
          pool.delete(key);
        }
      }
      return out;
    };
    const proposerSlashings = take(this.proposerSlashings, MAX_PROPOSER_SLASHINGS, (s) =>
      processProposerSlashing(scratch, s, false),
    );
    const maxAttesterSlashings =
      state.fork >= ForkSeq.electra ? MAX_ATTESTER_SLASHINGS_ELECTRA : MAX_ATTESTER_SLASHINGS;
    const attesterSlashings = take(this.attesterSlashings, maxAttesterSlashings, (s) =>
      processAttesterSlashing(scratch, s.slashing, false),
    ).map((s) => s.slashing);
    const voluntaryExits = take(this.voluntaryExits, MAX_VOLUNTARY_EXITS, (e) =>
      processVoluntaryExit(scratch, e, false),
    );
    const blsToExecutionChanges =
      state.fork >= ForkSeq.capella
        ? take(this.blsToExecutionChanges, MAX_BLS_TO_EXECUTION_CHANGES, (c) =>
            processBlsToExecutionChange(scratch, c, false),
          )
        : [];
    return {proposerSlashings, attesterSlashings, voluntaryExits, blsToExecutionChanges};
  }

  /** Drops aggregates and contributions no block can use any more (older than the previous epoch / slot). */
  prune(currentSlot: number): void {
    const minAggregateSlot = (Math.floor(currentSlot / SLOTS_PER_EPOCH) - 1) * SLOTS_PER_EPOCH;
    for (const [key, entry] of this.aggregates) if (entry.slot < minAggregateSlot) this.aggregates.delete(key);
    for (const [key, c] of this.contributions) if (c.slot < currentSlot - 1) this.contributions.delete(key);
  }

  get size(): Record<string, number> {
    return {
      voluntaryExits: this.voluntaryExits.size,
      proposerSlashings: this.proposerSlashings.size,
      attesterSlashings: this.attesterSlashings.size,
      blsToExecutionChanges: this.blsToExecutionChanges.size,
      aggregates: [...this.aggregates.values()].reduce((n, e) => n + e.list.length, 0),
      syncContributions: this.contributions.size,
    };
  }
}

/**
 * Whether `a` has every bit `b` has (bit lists of the same length; lists of different lengths never cover each
 * other). Byte by byte, allocating nothing: at 1M validators each aggregate of a committee is compared with up to
 * 15 kept ones of ~490 bits, ~1,000 aggregates a slot (listing the set bits allocated ~130 KB an aggregate).
 */
export function bitsCover(a: BitArray, b: BitArray): boolean {
  return a.bitLen === b.bitLen && isNonStrictSuperset(a.uint8Array, b.uint8Array);
}

/** The number of set bits (padding bits past bitLen are zero in an SSZ bit list or vector). */
export function bitCount(bits: BitArray): number {
  let n = 0;
  for (const byte of bits.uint8Array) {
    let v = byte;
    while (v !== 0) {
      v &= v - 1;
      n++;
    }
  }
  return n;
}
