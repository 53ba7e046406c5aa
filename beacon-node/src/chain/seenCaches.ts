/**
 * The gossip de-duplication state of p2p-interface.md (`Seen`, phase0 … fulu): which validators already sent the
 * first valid message of each kind, plus the blocks that failed validation (the spec's "seen but not in
 * store.block_states"). Caches keyed by slot or epoch are pruned as the clock advances; the per-validator sets of
 * exits, slashings and BLS changes are kept (an operation can be valid only once per validator).
 */
import {SLOTS_PER_EPOCH} from "@ceibo/params";

/** Keys grouped by a slot or an epoch, so everything older than a bound is dropped at once. */
export class KeysBySlot {
  private readonly byKey = new Map<number, Set<string>>();

  has(slotOrEpoch: number, key: string): boolean {
    return this.byKey.get(slotOrEpoch)?.has(key) === true;
  }

  add(slotOrEpoch: number, key: string): void {
    let set = this.byKey.get(slotOrEpoch);
    if (set === undefined) {
      set = new Set();
      this.byKey.set(slotOrEpoch, set);
    }
    set.add(key);
  }

  /** Drops every group before `minSlotOrEpoch`. */
  prune(minSlotOrEpoch: number): void {
    for (const k of this.byKey.keys()) if (k < minSlotOrEpoch) this.byKey.delete(k);
  }

  get size(): number {
    let n = 0;
    for (const s of this.byKey.values()) n += s.size;
    return n;
  }
}

/**
 * Participation bitfields already seen per message data (aggregates by data root and committee, sync
 * contributions by slot, block root and subcommittee), grouped by slot for pruning.
 */
export class SeenBitsBySlot {
  private readonly bySlot = new Map<number, Map<string, Uint8Array[]>>();

  /** p2p-interface.md is_non_strict_superset: some prior bitfield of `key` has every bit of `bits`. */
  isKnownSuperset(slot: number, key: string, bits: Uint8Array): boolean {
    const prior = this.bySlot.get(slot)?.get(key);
    if (prior === undefined) return false;
    return prior.some((p) => isNonStrictSuperset(p, bits));
  }

  add(slot: number, key: string, bits: Uint8Array): void {
    let byKey = this.bySlot.get(slot);
    if (byKey === undefined) {
      byKey = new Map();
      this.bySlot.set(slot, byKey);
    }
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [bits.slice()]);
    else list.push(bits.slice());
  }

  prune(minSlot: number): void {
    for (const k of this.bySlot.keys()) if (k < minSlot) this.bySlot.delete(k);
  }
}

/**
 * Whether every bit set in `bits` is also set in `prior` (the two bitfields are of one SSZ type, so of equal
 * length; a length mismatch is never a superset).
 */
export function isNonStrictSuperset(prior: Uint8Array, bits: Uint8Array): boolean {
  if (prior.length !== bits.length) return false;
  for (let i = 0; i < bits.length; i++) {
    if ((bits[i] & ~prior[i]) !== 0) return false;
  }
  return true;
}

/** Why a block failed: consensus rules, or only its execution payload (bellatrix PAYLOAD_STATUS_INVALIDATED). */
export type InvalidBlockReason = "consensus" | "execution";

/**
 * Roots of blocks that were seen but failed validation or import (the spec's blocks in `store.blocks` but not in
 * `store.block_states`); the oldest entry is dropped when full.
 */
export class InvalidBlockRoots {
  private readonly roots = new Map<string, InvalidBlockReason>();
  private readonly max: number;

  constructor(max = 1024) {
    this.max = max;
  }

  add(rootHex: string, reason: InvalidBlockReason): void {
    this.roots.delete(rootHex);
    this.roots.set(rootHex, reason);
    if (this.roots.size > this.max) {
      const oldest = this.roots.keys().next().value;
      if (oldest !== undefined) this.roots.delete(oldest);
    }
  }

  get(rootHex: string): InvalidBlockReason | undefined {
    return this.roots.get(rootHex);
  }

  get size(): number {
    return this.roots.size;
  }
}

/** p2p-interface.md `Seen` (fulu), with the keys as the spec's tuples. */
export class GossipSeenCaches {
  /** (slot, proposer_index) of beacon blocks */
  readonly proposerSlots = new KeysBySlot();
  /** (target epoch, aggregator_index) */
  readonly aggregatorEpochs = new KeysBySlot();
  /** aggregate_data_roots: hash_tree_root(data) (electra: with the committee index) → aggregation bits, by slot */
  readonly aggregateDataRoots = new SeenBitsBySlot();
  readonly voluntaryExitIndices = new Set<number>();
  readonly proposerSlashingIndices = new Set<number>();
  readonly attesterSlashingIndices = new Set<number>();
  /** (target epoch, validator index) of unaggregated attestations */
  readonly attestationValidatorEpochs = new KeysBySlot();
  /** (slot, aggregator_index, subcommittee_index) */
  readonly syncContributionAggregatorSlots = new KeysBySlot();
  /** (slot, beacon_block_root, subcommittee_index) → aggregation bits */
  readonly syncContributionData = new SeenBitsBySlot();
  /** (slot, validator_index, subnet_id) */
  readonly syncMessageValidatorSlots = new KeysBySlot();
  readonly blsToExecutionChangeIndices = new Set<number>();
  /** (slot, proposer_index, blob index) */
  readonly blobSidecarTuples = new KeysBySlot();
  /** (slot, proposer_index, column index) */
  readonly dataColumnSidecarTuples = new KeysBySlot();
  /** Blocks that failed gossip validation or import. */
  readonly invalidBlocks = new InvalidBlockRoots();

  /**
   * Drops what can no longer matter at `currentSlot`: attestation-related entries no attestation still in its
   * propagation window can hit (the previous epoch from deneb, EIP-7045; before deneb
   * ATTESTATION_PROPAGATION_SLOT_RANGE slots, `attestationSlotRange`, which is longer than an epoch on minimal),
   * sync committee entries before the previous slot, and block / sidecar tuples at or before `finalizedSlot`.
   */
  prune(currentSlot: number, finalizedSlot: number, attestationSlotRange = 0): void {
    const previousEpochStart = Math.max(0, Math.floor(currentSlot / SLOTS_PER_EPOCH) - 1) * SLOTS_PER_EPOCH;
    const minAttestationSlot = Math.max(0, Math.min(previousEpochStart, currentSlot - attestationSlotRange - 1));
    const minEpoch = Math.floor(minAttestationSlot / SLOTS_PER_EPOCH);
    this.aggregatorEpochs.prune(minEpoch);
    this.attestationValidatorEpochs.prune(minEpoch);
    this.aggregateDataRoots.prune(minAttestationSlot);
    this.syncContributionAggregatorSlots.prune(currentSlot - 1);
    this.syncContributionData.prune(currentSlot - 1);
    this.syncMessageValidatorSlots.prune(currentSlot - 1);
    this.proposerSlots.prune(finalizedSlot + 1);
    this.blobSidecarTuples.prune(finalizedSlot + 1);
    this.dataColumnSidecarTuples.prune(finalizedSlot + 1);
  }
}
