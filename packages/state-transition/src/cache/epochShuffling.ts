import {DOMAIN_BEACON_ATTESTER, MAX_COMMITTEES_PER_SLOT, SLOTS_PER_EPOCH, TARGET_COMMITTEE_SIZE} from "@ceibo/params";
import type {BeaconStateAllForks} from "../types.ts";
import {getSeed} from "../util/seed.ts";
import {unshuffleListFast} from "../util/shuffleNative.ts";

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

/** phase0 get_committee_count_per_slot for an active validator count */
export function computeCommitteeCount(activeValidatorCount: number): number {
  const perSlot = Math.floor(Math.floor(activeValidatorCount / SLOTS_PER_EPOCH) / TARGET_COMMITTEE_SIZE);
  return Math.max(1, Math.min(MAX_COMMITTEES_PER_SLOT, perSlot));
}

export function computeEpochShuffling(
  state: BeaconStateAllForks,
  activeIndices: Uint32Array,
  epoch: number,
): EpochShuffling {
  const seed = getSeed(state, epoch, DOMAIN_BEACON_ATTESTER);
  const shuffling = unshuffleListFast(activeIndices, seed);
  const committeesPerSlot = computeCommitteeCount(activeIndices.length);
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
