import {MIN_EPOCHS_TO_INACTIVITY_PENALTY, SLOTS_PER_HISTORICAL_ROOT} from "@ceibo/params";
import {EpochProcessingError} from "../errors.ts";
import type {BeaconStateAllForks} from "../types.ts";
import {computeStartSlotAtEpoch, getPreviousEpoch} from "../util/epoch.ts";

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** floor(a * b / c) for non-negative integers, exact: on numbers while a * b < 2**53, on bigint beyond. */
export function mulDiv(a: number, b: number, c: number): number {
  const p = a * b;
  if (p <= MAX_SAFE) return Math.floor(p / c);
  return Number((BigInt(a) * BigInt(b)) / BigInt(c));
}

/**
 * phase0 get_block_root_at_slot (with the spec's range assertion)
 * Spec: `get_block_root_at_slot` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#get_block_root_at_slot
 */
export function getBlockRootAtSlot(state: BeaconStateAllForks, slot: number): Uint8Array {
  if (!(slot < state.slot && state.slot <= slot + SLOTS_PER_HISTORICAL_ROOT)) {
    throw new EpochProcessingError(
      {code: "SLOT_OUT_OF_RANGE", slot, stateSlot: state.slot},
      `get_block_root_at_slot: slot ${slot} is out of range for state slot ${state.slot}`,
    );
  }
  return state.blockRoots.get(slot % SLOTS_PER_HISTORICAL_ROOT);
}

/**
 * phase0 get_block_root
 * Spec: `get_block_root` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#get_block_root
 */
export function getBlockRoot(state: BeaconStateAllForks, epoch: number): Uint8Array {
  return getBlockRootAtSlot(state, computeStartSlotAtEpoch(epoch));
}

/**
 * phase0 get_finality_delay (uint64: a finalized epoch after the previous epoch is an underflow)
 * Spec: `get_finality_delay` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#helpers-2
 */
export function getFinalityDelay(state: BeaconStateAllForks): number {
  const delay = getPreviousEpoch(state) - state.finalizedCheckpoint.epoch;
  if (delay < 0) {
    throw new EpochProcessingError(
      {
        code: "FINALITY_DELAY_UNDERFLOW",
        previousEpoch: getPreviousEpoch(state),
        finalizedEpoch: state.finalizedCheckpoint.epoch,
      },
      "get_finality_delay: finalized epoch is after the previous epoch (uint64 underflow)",
    );
  }
  return delay;
}

/**
 * phase0 is_in_inactivity_leak
 * Spec: `is_in_inactivity_leak` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#helpers-2
 */
export function isInInactivityLeak(state: BeaconStateAllForks): boolean {
  return getFinalityDelay(state) > MIN_EPOCHS_TO_INACTIVITY_PENALTY;
}
