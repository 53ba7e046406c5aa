import {SLOTS_PER_HISTORICAL_ROOT} from "@ceibo/params";
import type {BeaconStateAllForks} from "../types.ts";

const ZERO_HASH = new Uint8Array(32);

/**
 * phase0 process_slot: cache the previous state root and block root.
 * Spec: `process_slot` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#beacon-chain-state-transition-function
 */
export function processSlot(state: BeaconStateAllForks): void {
  const previousStateRoot = state.hashTreeRoot();
  state.stateRoots.set(state.slot % SLOTS_PER_HISTORICAL_ROOT, previousStateRoot);
  const header = state.latestBlockHeader;
  if (bytesAllZero(header.stateRoot)) header.stateRoot = previousStateRoot;
  const previousBlockRoot = header.hashTreeRoot();
  state.blockRoots.set(state.slot % SLOTS_PER_HISTORICAL_ROOT, previousBlockRoot);
}

function bytesAllZero(bytes: Uint8Array): boolean {
  if (bytes.length !== ZERO_HASH.length) return false;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}
