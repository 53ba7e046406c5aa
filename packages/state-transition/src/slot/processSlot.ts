import {SLOTS_PER_HISTORICAL_ROOT} from "@ceibo/params";
import {bytesEqual} from "@ceibo/utils";
import type {BeaconStateAllForks} from "../types.ts";
import {stateHashTreeRoot} from "../util/stateRoot.ts";

const ZERO_HASH = new Uint8Array(32);

/**
 * phase0 process_slot: cache the previous state root and block root.
 * Spec: `process_slot` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#beacon-chain-state-transition-function
 */
export function processSlot(state: BeaconStateAllForks): void {
  const previousStateRoot = stateHashTreeRoot(state);
  state.stateRoots.set(state.slot % SLOTS_PER_HISTORICAL_ROOT, previousStateRoot);
  const header = state.latestBlockHeader;
  if (bytesEqual(header.stateRoot, ZERO_HASH)) header.stateRoot = previousStateRoot;
  const previousBlockRoot = header.hashTreeRoot();
  state.blockRoots.set(state.slot % SLOTS_PER_HISTORICAL_ROOT, previousBlockRoot);
}
