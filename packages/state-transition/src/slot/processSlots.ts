import {forkScheduleOf} from "@ceibo/config";
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {EpochCache, type EpochRotationInput} from "../cache/epochCache.ts";
import {processEpoch, stepTimer} from "../epoch/processEpoch.ts";
import {SlotError} from "../errors.ts";
import {computeEpochAtSlot} from "../util/epoch.ts";
import {processSlot} from "./processSlot.ts";
import {upgradeStateToNextFork} from "./upgrade.ts";

/** The epoch at which the fork after `cs.fork` activates (Infinity if never or if `cs.fork` is the last). */
export function nextForkEpoch(cs: CachedBeaconState): number {
  const next = forkScheduleOf(cs.config)[cs.fork + 1];
  return next === undefined ? Number.POSITIVE_INFINITY : next.epoch;
}

/**
 * phase0 process_slots: advance to `slot`, running the epoch transition at each epoch boundary and the fork
 * upgrades scheduled in the chain config (`upgrade_to_<fork>` right after the slot reaches the fork epoch).
 * Mutates `cs` in place.
 * Spec: `process_slots` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#beacon-chain-state-transition-function
 */
export function processSlots(cs: CachedBeaconState, slot: number): void {
  if (cs.state.slot >= slot) {
    throw new SlotError(
      {code: "SLOT_NOT_AFTER_STATE", slot, stateSlot: cs.state.slot},
      `processSlots: target slot ${slot} is not after the state's slot ${cs.state.slot}`,
    );
  }
  while (cs.state.slot < slot) {
    const mark = stepTimer(cs.epochStepTimes);
    processSlot(cs.state);
    mark("processSlot");
    let rotation: EpochRotationInput | null = null;
    if ((cs.state.slot + 1) % SLOTS_PER_EPOCH === 0) {
      rotation = processEpoch(cs);
    }
    cs.state.slot += 1;
    if (cs.state.slot % SLOTS_PER_EPOCH === 0) {
      const markRotation = stepTimer(cs.epochStepTimes);
      onEpochStart(cs, rotation);
      markRotation("epochCacheRotation");
    }
  }
}

/**
 * A new epoch: rotate the epoch cache (from what the epoch transition collected; a full rebuild when there is
 * none), then apply every fork upgrade scheduled for this epoch.
 */
function onEpochStart(cs: CachedBeaconState, rotation: EpochRotationInput | null): void {
  cs.epochCtx =
    (rotation !== null ? EpochCache.rotate(cs.state, cs.fork, cs.epochCtx, rotation) : null) ??
    EpochCache.createFromState(cs.state, cs.fork, cs.config, cs.epochCtx.pubkeyCache, cs.epochCtx);
  const epoch = computeEpochAtSlot(cs.state.slot);
  while (nextForkEpoch(cs) === epoch) {
    upgradeStateToNextFork(cs);
    cs.epochCtx = EpochCache.createFromState(cs.state, cs.fork, cs.config, cs.epochCtx.pubkeyCache, cs.epochCtx);
  }
}
