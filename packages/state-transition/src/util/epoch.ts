import {GENESIS_SLOT, MAX_SEED_LOOKAHEAD, SLOTS_PER_EPOCH} from "@ceibo/params";

/**
 * phase0 compute_epoch_at_slot
 * Spec: `compute_epoch_at_slot` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#compute_epoch_at_slot
 */
export function computeEpochAtSlot(slot: number): number {
  return Math.floor(slot / SLOTS_PER_EPOCH);
}

/**
 * phase0 compute_start_slot_at_epoch
 * Spec: `compute_start_slot_at_epoch` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#compute_start_slot_at_epoch
 */
export function computeStartSlotAtEpoch(epoch: number): number {
  return epoch * SLOTS_PER_EPOCH;
}

/**
 * phase0 compute_activation_exit_epoch
 * Spec: `compute_activation_exit_epoch` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#compute_activation_exit_epoch
 */
export function computeActivationExitEpoch(epoch: number): number {
  return epoch + 1 + MAX_SEED_LOOKAHEAD;
}

/**
 * phase0 get_current_epoch
 * Spec: `get_current_epoch` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#get_current_epoch
 */
export function getCurrentEpoch(state: {slot: number}): number {
  return computeEpochAtSlot(state.slot);
}

/**
 * phase0 get_previous_epoch
 * Spec: `get_previous_epoch` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#get_previous_epoch
 */
export function getPreviousEpoch(state: {slot: number}): number {
  const current = getCurrentEpoch(state);
  return current === 0 ? 0 : current - 1;
}

/**
 * phase0 compute_time_at_slot (SLOT_DURATION_MS since v1.6)
 * Spec: `compute_time_at_slot` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#compute_time_at_slot
 */
export function computeTimeAtSlot(slotDurationMs: number, genesisTime: number, slot: number): number {
  return genesisTime + Math.floor(((slot - GENESIS_SLOT) * slotDurationMs) / 1000);
}
