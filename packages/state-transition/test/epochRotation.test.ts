/**
 * The epoch-cache rotation (EpochCache.rotate, used by processSlots at each epoch start) must give the same cache
 * as a full rebuild from the post-epoch state (EpochCache.createFromState), with the next shuffling left pending
 * until it is needed. The chains here are driven through epoch boundaries with changes the rotation has to carry:
 * effective balances going down and up, exits, a slashing, participation of part of the registry.
 */
import {type ChainConfig, createDevChainConfig} from "@ceibo/config";
import {EFFECTIVE_BALANCE_INCREMENT, FAR_FUTURE_EPOCH, ForkSeq, SLOTS_PER_EPOCH} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {describe, expect, it} from "vitest";
import type {CachedBeaconState} from "../src/cache/cachedBeaconState.ts";
import {EpochCache} from "../src/cache/epochCache.ts";
import {zeroEpochParticipation} from "../src/epoch/processParticipationFlagUpdates.ts";
import {createInteropGenesisState} from "../src/genesis/interop.ts";
import {initiateValidatorExit} from "../src/mutators/exit.ts";
import {processSlots} from "../src/slot/processSlots.ts";
import type {BeaconStatePostAltair} from "../src/types.ts";
import {computeActivationExitEpoch, getCurrentEpoch} from "../src/util/epoch.ts";

function configAtGenesisFork(fork: number): ChainConfig {
  const out: Record<string, unknown> = {...createDevChainConfig()};
  ["ALTAIR", "BELLATRIX", "CAPELLA", "DENEB", "ELECTRA", "FULU"].forEach((k, i) => {
    out[`${k}_FORK_EPOCH`] = i + 1 <= fork ? 0 : Number.POSITIVE_INFINITY;
  });
  return out as unknown as ChainConfig;
}

/** The exit queue as the next initiate_validator_exit sees it (a floor below the epoch's is raised first). */
function effectiveExitQueue(ctx: EpochCache, epoch: number): [number, number] {
  const floor = computeActivationExitEpoch(epoch);
  return ctx.exitQueueEpoch < floor ? [floor, 0] : [ctx.exitQueueEpoch, ctx.exitQueueChurn];
}

function expectSameCache(rotated: EpochCache, rebuilt: EpochCache, n: number): void {
  expect(rotated.epoch).toBe(rebuilt.epoch);
  for (const epoch of [rebuilt.epoch - 1, rebuilt.epoch, rebuilt.epoch + 1]) {
    if (epoch < 0) continue;
    const a = rotated.getShufflingAtEpoch(epoch);
    const b = rebuilt.getShufflingAtEpoch(epoch);
    expect(a.epoch).toBe(b.epoch);
    expect(Array.from(a.activeIndices)).toEqual(Array.from(b.activeIndices));
    expect(Array.from(a.shuffling)).toEqual(Array.from(b.shuffling));
    expect(a.committeesPerSlot).toBe(b.committeesPerSlot);
  }
  expect(rotated.proposers).toEqual(rebuilt.proposers);
  expect(Array.from(rotated.effectiveBalanceIncrements.subarray(0, n))).toEqual(
    Array.from(rebuilt.effectiveBalanceIncrements.subarray(0, n)),
  );
  expect(rotated.validatorCount).toBe(rebuilt.validatorCount);
  expect(rotated.totalActiveBalance).toBe(rebuilt.totalActiveBalance);
  expect(rotated.totalActiveBalanceIncrements).toBe(rebuilt.totalActiveBalanceIncrements);
  expect(rotated.baseRewardPerIncrement).toBe(rebuilt.baseRewardPerIncrement);
  expect(rotated.churnLimit).toBe(rebuilt.churnLimit);
  // phase0–deneb only: electra+ exits use the churn kept in the state, not this queue
  if (rotated.fork < ForkSeq.electra) {
    expect(effectiveExitQueue(rotated, rotated.epoch)).toEqual(effectiveExitQueue(rebuilt, rebuilt.epoch));
  }
  expect(rotated.currentSyncCommitteeIndices).toEqual(rebuilt.currentSyncCommitteeIndices);
  expect(rotated.nextSyncCommitteeIndices).toEqual(rebuilt.nextSyncCommitteeIndices);
}

/** Changes made during an epoch that the next rotation must reflect. */
function perturb(cs: CachedBeaconState, round: number): void {
  const n = cs.state.validators.length;
  // balances: some validators drop below the hysteresis (effective balance down), some gain (up to the cap)
  for (let i = round; i < n; i += 7) cs.state.balances.set(i, 30 * EFFECTIVE_BALANCE_INCREMENT);
  for (let i = round + 3; i < n; i += 11) {
    cs.state.balances.set(i, 40 * EFFECTIVE_BALANCE_INCREMENT);
  }
  // two exits per epoch (they move the exit queue), one slashing flag
  initiateValidatorExit(cs, (round * 5 + 1) % n);
  initiateValidatorExit(cs, (round * 5 + 2) % n);
  cs.state.validators.get((round * 5 + 3) % n).slashed = true;
  if (cs.fork >= ForkSeq.altair) {
    const s = cs.state as BeaconStatePostAltair;
    for (let i = 0; i < n; i += 2) s.currentEpochParticipation.set(i, 0b111);
    for (let i = 1; i < n; i += 4) s.previousEpochParticipation.set(i, 0b011);
  }
}

describe("epoch-cache rotation", () => {
  for (const fork of [ForkSeq.phase0, ForkSeq.deneb, ForkSeq.fulu]) {
    it(`fork ${fork}: each rotated cache equals a rebuild from the post-epoch state`, () => {
      const cs = createInteropGenesisState(configAtGenesisFork(fork), {
        validatorCount: 96,
        genesisTime: 1_700_000_000,
      });
      const n = cs.state.validators.length;
      let rotations = 0;
      for (let round = 1; round <= 4; round++) {
        perturb(cs, round);
        processSlots(cs, round * SLOTS_PER_EPOCH);
        expect(getCurrentEpoch(cs.state)).toBe(round);
        // rotated, not rebuilt: the next shuffling is still pending
        if (!cs.epochCtx.nextShufflingLazy.isComputed) rotations++;
        const rebuilt = EpochCache.createFromState(cs.state, cs.fork, cs.config, cs.epochCtx.pubkeyCache);
        expectSameCache(cs.epochCtx, rebuilt, n);
      }
      expect(rotations).toBe(4);
      // the changes did reach the registry (so the comparison covered them)
      const exited = cs.state.validators.getAllReadonlyValues().filter((v) => v.exitEpoch !== FAR_FUTURE_EPOCH);
      expect(exited.length).toBe(8);
    });
  }

  it("precomputeNextShuffling computes a pending shuffling once, shared by clones", () => {
    const cs = createInteropGenesisState(configAtGenesisFork(ForkSeq.fulu), {
      validatorCount: 64,
      genesisTime: 1_700_000_000,
    });
    processSlots(cs, SLOTS_PER_EPOCH);
    const clone = cs.clone();
    expect(clone.epochCtx.nextShufflingLazy.isComputed).toBe(false);
    expect(cs.epochCtx.precomputeNextShuffling()).toBe(true);
    expect(clone.epochCtx.nextShufflingLazy.isComputed).toBe(true);
    expect(cs.epochCtx.precomputeNextShuffling()).toBe(false);
  });

  it("clones share the effective-balance increments until one writes; a write copies, the other keeps its values", () => {
    const cs = createInteropGenesisState(configAtGenesisFork(ForkSeq.fulu), {
      validatorCount: 64,
      genesisTime: 1_700_000_000,
    });
    const a = cs.clone();
    const b = a.clone();
    // no copy per clone
    expect(b.epochCtx.effectiveBalanceIncrements).toBe(a.epochCtx.effectiveBalanceIncrements);
    expect(a.epochCtx.effectiveBalanceIncrements).toBe(cs.epochCtx.effectiveBalanceIncrements);
    const before = Array.from(a.epochCtx.effectiveBalanceIncrements.subarray(0, 64));
    // the clone writes (as process_effective_balance_updates does): the original's array is untouched
    b.epochCtx.setEffectiveBalanceIncrement(3, 17 * EFFECTIVE_BALANCE_INCREMENT);
    expect(b.epochCtx.effectiveBalanceIncrements[3]).toBe(17);
    expect(Array.from(a.epochCtx.effectiveBalanceIncrements.subarray(0, 64))).toEqual(before);
    // the original writes after the clone copied: the clone keeps its own value
    a.epochCtx.setEffectiveBalanceIncrement(3, 5 * EFFECTIVE_BALANCE_INCREMENT);
    expect(a.epochCtx.effectiveBalanceIncrements[3]).toBe(5);
    expect(b.epochCtx.effectiveBalanceIncrements[3]).toBe(17);
    expect(Array.from(cs.epochCtx.effectiveBalanceIncrements.subarray(0, 64))).toEqual(before);
    // an appended validator (a deposit) on a clone grows its own array only
    const c = cs.clone();
    c.epochCtx.addValidator(64, new Uint8Array(48).fill(7), 32 * EFFECTIVE_BALANCE_INCREMENT);
    expect(c.epochCtx.effectiveBalanceIncrements[64]).toBe(32);
    expect(cs.epochCtx.effectiveBalanceIncrements[64] ?? 0).toBe(0);
    // an epoch transition on a clone (effective balance updates, then the rotation) leaves the original as it was
    const d = cs.clone();
    processSlots(d, SLOTS_PER_EPOCH);
    expect(Array.from(cs.epochCtx.effectiveBalanceIncrements.subarray(0, 64))).toEqual(before);
  });
});

describe("epochStepTimes", () => {
  it("records each step of an epoch transition when set, nothing when not", () => {
    const cs = createInteropGenesisState(configAtGenesisFork(ForkSeq.fulu), {
      validatorCount: 64,
      genesisTime: 1_700_000_000,
    });
    const times: Record<string, number> = {};
    cs.epochStepTimes = times;
    processSlots(cs, SLOTS_PER_EPOCH + 1); // crosses the boundary into epoch 1
    expect(Object.keys(times).sort()).toEqual(["epochCacheRotation", "processSlot"].concat(fuluSteps).sort());
    cs.epochStepTimes = null;
    const before = {...times};
    processSlots(cs, 3 * SLOTS_PER_EPOCH);
    expect(times).toEqual(before);
  });
});

const fuluSteps = [
  "beforeProcessEpoch",
  "processJustificationAndFinalization",
  "processInactivityUpdates+processRewardsAndPenalties",
  "processRegistryUpdates",
  "processSlashings",
  "processEth1DataReset",
  "processPendingDeposits",
  "processPendingConsolidations",
  "processEffectiveBalanceUpdates",
  "resets and historical summaries",
  "processParticipationFlagUpdates",
  "processSyncCommitteeUpdates",
  "processProposerLookahead",
  "commit",
];

describe("zeroEpochParticipation", () => {
  it("equals a list of that many zero flags (root, serialization, reads) and takes writes", () => {
    const type = ssz.altair.EpochParticipation;
    for (const n of [0, 1, 31, 32, 33, 1000, 100_003]) {
      const view = zeroEpochParticipation(n);
      const zeros = new Array<number>(n).fill(0);
      expect(view.length).toBe(n);
      expect(Buffer.from(view.hashTreeRoot()).toString("hex")).toBe(
        Buffer.from(type.hashTreeRoot(zeros)).toString("hex"),
      );
      expect(Buffer.from(view.serialize())).toEqual(Buffer.from(type.serialize(zeros)));
      if (n > 0) {
        view.set(n - 1, 7);
        zeros[n - 1] = 7;
        expect(view.getAll()).toEqual(zeros);
        expect(Buffer.from(view.hashTreeRoot())).toEqual(Buffer.from(type.hashTreeRoot(zeros)));
      }
    }
  });
});
