import {DOMAIN_BEACON_ATTESTER, MAX_COMMITTEES_PER_SLOT, SLOTS_PER_EPOCH, TARGET_COMMITTEE_SIZE} from "@ceibo/params";
import {EpochCacheError} from "../errors.ts";
import type {BeaconStateAllForks} from "../types.ts";
import {getSeed} from "../util/seed.ts";
import {unshuffleListFast} from "../util/shuffleNative.ts";
import {unshuffleListInWorker} from "./shufflingWorker.ts";

/** The beacon committees of one epoch, computed once from the whole active set (phase0 compute_committee). */
export interface EpochShuffling {
  epoch: number;
  activeIndices: Uint32Array;
  /** shuffling[i] = activeIndices[compute_shuffled_index(i, n, seed)] */
  shuffling: Uint32Array;
  committeesPerSlot: number;
  /** committees[slot % SLOTS_PER_EPOCH][committeeIndex]: views into `shuffling` */
  committees: Uint32Array[][];
}

/**
 * phase0 get_committee_count_per_slot for an active validator count
 * Spec: `get_committee_count_per_slot` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#get_committee_count_per_slot
 */
export function getCommitteeCountPerSlot(activeValidatorCount: number): number {
  const perSlot = Math.floor(Math.floor(activeValidatorCount / SLOTS_PER_EPOCH) / TARGET_COMMITTEE_SIZE);
  return Math.max(1, Math.min(MAX_COMMITTEES_PER_SLOT, perSlot));
}

export function computeEpochShuffling(
  state: BeaconStateAllForks,
  activeIndices: Uint32Array,
  epoch: number,
): EpochShuffling {
  return computeEpochShufflingFromSeed(activeIndices, getSeed(state, epoch, DOMAIN_BEACON_ATTESTER), epoch);
}

/** The committees of `epoch` from its active indices and its attester seed (get_seed(state, epoch, DOMAIN_BEACON_ATTESTER)). */
export function computeEpochShufflingFromSeed(
  activeIndices: Uint32Array,
  seed: Uint8Array,
  epoch: number,
): EpochShuffling {
  return epochShufflingFromShuffled(activeIndices, unshuffleListFast(activeIndices, seed), epoch);
}

/** The committees of `epoch` from its active indices and their shuffled order (unshuffleListFast of them). */
export function epochShufflingFromShuffled(
  activeIndices: Uint32Array,
  shuffling: Uint32Array,
  epoch: number,
): EpochShuffling {
  const committeesPerSlot = getCommitteeCountPerSlot(activeIndices.length);
  const committeeCount = committeesPerSlot * SLOTS_PER_EPOCH;
  const n = activeIndices.length;
  const committees: Uint32Array[][] = [];
  for (let slot = 0; slot < SLOTS_PER_EPOCH; slot++) {
    const slotCommittees: Uint32Array[] = [];
    for (let c = 0; c < committeesPerSlot; c++) {
      const index = slot * committeesPerSlot + c;
      const start = Math.floor((n * index) / committeeCount);
      const end = Math.floor((n * (index + 1)) / committeeCount);
      slotCommittees.push(shuffling.subarray(start, end));
    }
    committees.push(slotCommittees);
  }
  return {epoch, activeIndices, shuffling, committeesPerSlot, committees};
}

/**
 * A shuffling whose inputs are known (active indices, seed) but that is computed only when first needed, or
 * ahead of time by `compute()` (idle time). Shared by every clone of an epoch cache, so it is computed once.
 */
export class LazyEpochShuffling {
  readonly epoch: number;
  private activeIndices: Uint32Array | null;
  private seed: Uint8Array | null;
  private value: EpochShuffling | null;
  private inWorker: Promise<boolean> | null = null;

  private constructor(
    epoch: number,
    activeIndices: Uint32Array | null,
    seed: Uint8Array | null,
    value: EpochShuffling | null,
  ) {
    this.epoch = epoch;
    this.activeIndices = activeIndices;
    this.seed = seed;
    this.value = value;
  }

  static computed(shuffling: EpochShuffling): LazyEpochShuffling {
    return new LazyEpochShuffling(shuffling.epoch, null, null, shuffling);
  }

  static pending(activeIndices: Uint32Array, seed: Uint8Array, epoch: number): LazyEpochShuffling {
    return new LazyEpochShuffling(epoch, activeIndices, seed, null);
  }

  get isComputed(): boolean {
    return this.value !== null;
  }

  /** The shuffling, computed now (synchronously) if it was not yet. */
  get(): EpochShuffling {
    if (this.value === null) {
      if (this.activeIndices === null || this.seed === null)
        throw new EpochCacheError({code: "SHUFFLING_WITHOUT_INPUTS"}, "LazyEpochShuffling without inputs");
      this.value = computeEpochShufflingFromSeed(this.activeIndices, this.seed, this.epoch);
      this.activeIndices = null;
      this.seed = null;
    }
    return this.value;
  }

  /**
   * Computes the shuffling on the worker thread (shufflingWorker.ts); resolves true when this call computed it,
   * false when it already was (or `get()` computed it synchronously meanwhile: the first result wins, both are
   * the same function of the same inputs). If the worker fails, computes it synchronously instead.
   */
  computeInWorker(): Promise<boolean> {
    if (this.value !== null) return Promise.resolve(false);
    if (this.inWorker !== null) return this.inWorker;
    const {seed, epoch} = this;
    if (this.activeIndices === null || seed === null) return Promise.resolve(false);
    // a copy: the committees are built from these indices when the worker answers, whatever the caller's array
    // holds by then
    const activeIndices = this.activeIndices.slice();
    this.inWorker = unshuffleListInWorker(activeIndices, seed).then(
      (shuffling) => {
        if (this.value !== null) return false;
        this.value = epochShufflingFromShuffled(activeIndices, shuffling, epoch);
        this.activeIndices = null;
        this.seed = null;
        return true;
      },
      () => {
        if (this.value !== null) return false;
        this.get();
        return true;
      },
    );
    return this.inWorker;
  }
}
