import {type ChainConfig, mainnetChainConfig} from "@ceibo/config";
import {
  BASE_REWARD_FACTOR,
  BASE_REWARDS_PER_EPOCH,
  COMPOUNDING_WITHDRAWAL_PREFIX,
  EFFECTIVE_BALANCE_INCREMENT,
  EPOCHS_PER_SLASHINGS_VECTOR,
  FAR_FUTURE_EPOCH,
  ForkSeq,
  INACTIVITY_PENALTY_QUOTIENT,
  INACTIVITY_PENALTY_QUOTIENT_ALTAIR,
  INACTIVITY_PENALTY_QUOTIENT_BELLATRIX,
  MAX_EFFECTIVE_BALANCE,
  MAX_EFFECTIVE_BALANCE_ELECTRA,
  MIN_EPOCHS_TO_INACTIVITY_PENALTY,
  PARTICIPATION_FLAG_WEIGHTS,
  PROPOSER_REWARD_QUOTIENT,
  SLOTS_PER_EPOCH,
  SLOTS_PER_HISTORICAL_ROOT,
  TIMELY_HEAD_FLAG_INDEX,
  TIMELY_TARGET_FLAG_INDEX,
  WEIGHT_DENOMINATOR,
} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {BitArray} from "@chainsafe/ssz";
import {describe, expect, it} from "vitest";
import {type CachedBeaconState, createCachedBeaconState} from "../src/cache/cachedBeaconState.ts";
import {getActiveUnslashedEffectiveBalances} from "../src/epoch/activeBalances.ts";
import {
  type Deltas,
  getHeadDeltas,
  getInclusionDelayDeltas,
  getSourceDeltas,
  getTargetDeltas,
} from "../src/epoch/attestationDeltas.ts";
import {
  beforeProcessEpoch,
  FLAG_ACTIVE_CURR,
  FLAG_CURR_TARGET,
  FLAG_ELIGIBLE,
  FLAG_PREV_HEAD,
  FLAG_PREV_SOURCE,
  FLAG_PREV_TARGET,
  FLAG_SLASHED,
  getJustificationBalances,
  PREV_FLAG_BY_INDEX,
} from "../src/epoch/epochTransitionCache.ts";
import {getFlagIndexDeltas, getInactivityPenaltyDeltas} from "../src/epoch/flagIndexDeltas.ts";
import {processEffectiveBalanceUpdates} from "../src/epoch/processEffectiveBalanceUpdates.ts";
import {processEpoch} from "../src/epoch/processEpoch.ts";
import {processEth1DataReset} from "../src/epoch/processEth1DataReset.ts";
import {processHistoricalRootsUpdate} from "../src/epoch/processHistoricalRootsUpdate.ts";
import {processHistoricalSummariesUpdate} from "../src/epoch/processHistoricalSummariesUpdate.ts";
import {processInactivityUpdates} from "../src/epoch/processInactivityUpdates.ts";
import {processJustificationAndFinalization} from "../src/epoch/processJustificationAndFinalization.ts";
import {processParticipationFlagUpdates} from "../src/epoch/processParticipationFlagUpdates.ts";
import {processParticipationRecordUpdates} from "../src/epoch/processParticipationRecordUpdates.ts";
import {processPendingConsolidations} from "../src/epoch/processPendingConsolidations.ts";
import {processPendingDeposits} from "../src/epoch/processPendingDeposits.ts";
import {processProposerLookahead} from "../src/epoch/processProposerLookahead.ts";
import {processRandaoMixesReset} from "../src/epoch/processRandaoMixesReset.ts";
import {processRegistryUpdates} from "../src/epoch/processRegistryUpdates.ts";
import {processRewardsAndPenalties} from "../src/epoch/processRewardsAndPenalties.ts";
import {processSlashings} from "../src/epoch/processSlashings.ts";
import {processSlashingsReset} from "../src/epoch/processSlashingsReset.ts";
import {processSyncCommitteeUpdates} from "../src/epoch/processSyncCommitteeUpdates.ts";
import type {
  BeaconStateAllForks,
  BeaconStatePhase0,
  BeaconStatePostAltair,
  BeaconStatePostElectra,
  Validator,
} from "../src/types.ts";
import {forkTypes} from "../src/util/forkTypes.ts";
import {integerSquareroot} from "../src/util/math.ts";
import {rng} from "./rng.ts";

function configAtFork(fork: number): ChainConfig {
  const out: Record<string, unknown> = {...mainnetChainConfig};
  ["ALTAIR", "BELLATRIX", "CAPELLA", "DENEB", "ELECTRA", "FULU"].forEach((k, i) => {
    out[`${k}_FORK_EPOCH`] = i + 1 <= fork ? 0 : Number.POSITIVE_INFINITY;
  });
  return out as unknown as ChainConfig;
}

const EPOCH = 10;
const GWEI = 1_000_000_000;

function bytesOf(length: number, seed: number): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({length}, () => Math.floor(r() * 256));
}

/**
 * A random state at the last slot of epoch EPOCH: some validators pending, exited, exiting, slashed (some at the
 * slashings penalty epoch), odd effective balances (not multiples of the increment), random participation,
 * inactivity scores and block roots. `leak` chooses the finalized epoch.
 */
function randomState(fork: number, n: number, seed: number, leak: boolean): CachedBeaconState {
  const r = rng(seed);
  const state = forkTypes(fork).BeaconState.defaultViewDU() as BeaconStateAllForks;
  state.slot = (EPOCH + 1) * SLOTS_PER_EPOCH - 1;
  const maxEb = fork >= ForkSeq.electra ? MAX_EFFECTIVE_BALANCE_ELECTRA : MAX_EFFECTIVE_BALANCE;
  const validators: Validator[] = [];
  const balances: number[] = [];
  for (let i = 0; i < n; i++) {
    const pubkey = new Uint8Array(48);
    pubkey[0] = i & 0xff;
    pubkey[1] = i >> 8;
    pubkey[47] = 0x5a;
    const withdrawalCredentials = bytesOf(32, seed * 1000 + i);
    withdrawalCredentials[0] = r() < 0.3 ? COMPOUNDING_WITHDRAWAL_PREFIX : r() < 0.5 ? 1 : 0;
    const x = r();
    let effectiveBalance: number;
    if (x < 0.6) effectiveBalance = MAX_EFFECTIVE_BALANCE;
    else if (x < 0.75) effectiveBalance = Math.floor(r() * 33) * EFFECTIVE_BALANCE_INCREMENT;
    else if (x < 0.85)
      effectiveBalance = Math.floor(r() * 2 * GWEI) + 1; // not a multiple of the increment
    else effectiveBalance = Math.min(maxEb, Math.floor(r() * 2048) * EFFECTIVE_BALANCE_INCREMENT);
    if (fork < ForkSeq.electra) effectiveBalance = Math.min(effectiveBalance, MAX_EFFECTIVE_BALANCE);
    const v: Validator = {
      pubkey,
      withdrawalCredentials,
      effectiveBalance,
      slashed: r() < 0.15,
      activationEligibilityEpoch: 0,
      activationEpoch: 0,
      exitEpoch: FAR_FUTURE_EPOCH,
      withdrawableEpoch: FAR_FUTURE_EPOCH,
    };
    const kind = r();
    if (kind < 0.1) {
      v.activationEpoch = FAR_FUTURE_EPOCH;
      v.activationEligibilityEpoch = r() < 0.5 ? FAR_FUTURE_EPOCH : Math.floor(r() * EPOCH);
    } else if (kind < 0.15) {
      v.activationEpoch = EPOCH; // active in the current epoch only
    } else if (kind < 0.25) {
      v.exitEpoch = Math.floor(r() * (EPOCH + 3));
      v.withdrawableEpoch = v.exitEpoch + Math.floor(r() * 4);
    }
    if (v.slashed) {
      v.exitEpoch = Math.min(v.exitEpoch, EPOCH + 2);
      v.withdrawableEpoch =
        r() < 0.5 ? EPOCH + Math.floor(EPOCHS_PER_SLASHINGS_VECTOR / 2) : v.exitEpoch + Math.floor(r() * 3);
    }
    validators.push(v);
    balances.push(Math.max(0, effectiveBalance + Math.floor((r() - 0.5) * 4 * GWEI)));
  }
  state.validators = ssz.phase0.Validators.toViewDU(validators);
  state.balances = ssz.phase0.Balances.toViewDU(balances);
  for (let i = 0; i < SLOTS_PER_HISTORICAL_ROOT; i++) state.blockRoots.set(i, bytesOf(32, seed * 7 + i));
  for (let i = 0; i < 8192; i++) state.slashings.set(i, r() < 0.01 ? Math.floor(r() * 64) * GWEI : 0);
  state.finalizedCheckpoint = ssz.phase0.Checkpoint.toViewDU({
    epoch: leak ? 2 : EPOCH - 2,
    root: bytesOf(32, seed + 1),
  });
  state.currentJustifiedCheckpoint = ssz.phase0.Checkpoint.toViewDU({epoch: EPOCH - 1, root: bytesOf(32, 2)});
  state.previousJustifiedCheckpoint = ssz.phase0.Checkpoint.toViewDU({epoch: EPOCH - 2, root: bytesOf(32, 3)});
  state.justificationBits = ssz.phase0.JustificationBits.toViewDU(BitArray.fromBoolArray([false, true, true, false]));

  if (fork >= ForkSeq.altair) {
    const s = state as BeaconStatePostAltair;
    const flags = () => Array.from({length: n}, () => Math.floor(r() * 8));
    s.previousEpochParticipation = ssz.altair.EpochParticipation.toViewDU(flags());
    s.currentEpochParticipation = ssz.altair.EpochParticipation.toViewDU(flags());
    s.inactivityScores = ssz.altair.InactivityScores.toViewDU(
      Array.from({length: n}, () => (r() < 0.5 ? 0 : Math.floor(r() * 200))),
    );
    const committee = Array.from({length: s.currentSyncCommittee.pubkeys.length}, (_, i) => validators[i % n].pubkey);
    s.currentSyncCommittee = ssz.altair.SyncCommittee.toViewDU({
      pubkeys: committee,
      aggregatePubkey: new Uint8Array(48),
    });
    s.nextSyncCommittee = ssz.altair.SyncCommittee.toViewDU({pubkeys: committee, aggregatePubkey: new Uint8Array(48)});
  }
  if (fork >= ForkSeq.electra) {
    const s = state as BeaconStatePostElectra;
    for (let i = 0; i < 6; i++) {
      const known = r() < 0.7;
      s.pendingDeposits.push(
        ssz.electra.PendingDeposit.toViewDU({
          pubkey: known ? validators[Math.floor(r() * n)].pubkey : bytesOf(48, seed + 100 + i),
          withdrawalCredentials: bytesOf(32, i),
          amount: Math.floor(r() * 40) * GWEI,
          signature: bytesOf(96, i),
          slot: r() < 0.8 ? 0 : (EPOCH - 3) * SLOTS_PER_EPOCH,
        }),
      );
    }
    for (let i = 0; i < 4; i++) {
      s.pendingConsolidations.push(
        ssz.electra.PendingConsolidation.toViewDU({
          sourceIndex: Math.floor(r() * n),
          targetIndex: Math.floor(r() * n),
        }),
      );
    }
    s.depositRequestsStartIndex = 0n;
  }
  state.commit();
  const cs = createCachedBeaconState(state, configAtFork(fork), fork);
  if (fork === ForkSeq.phase0) addPendingAttestations(cs, r);
  return cs;
}

/** phase0: random pending attestations over the committees of the previous and current epochs. */
function addPendingAttestations(cs: CachedBeaconState, r: () => number): void {
  const state = cs.state as BeaconStatePhase0;
  const n = state.validators.length;
  const add = (epoch: number, list: typeof state.previousEpochAttestations) => {
    const startSlot = epoch * SLOTS_PER_EPOCH;
    const targetRoot = state.blockRoots.get(startSlot % SLOTS_PER_HISTORICAL_ROOT);
    for (let slot = startSlot; slot < Math.min(startSlot + SLOTS_PER_EPOCH, state.slot); slot++) {
      const committeeCount = cs.epochCtx.getCommitteeCountPerSlot(epoch);
      for (let index = 0; index < committeeCount; index++) {
        const committee = cs.epochCtx.getBeaconCommittee(slot, index);
        const copies = 1 + Math.floor(r() * 2);
        for (let c = 0; c < copies; c++) {
          const bits = BitArray.fromBoolArray(Array.from(committee, () => r() < 0.7));
          list.push(
            ssz.phase0.PendingAttestation.toViewDU({
              aggregationBits: bits,
              data: {
                slot,
                index,
                beaconBlockRoot: r() < 0.7 ? state.blockRoots.get(slot % SLOTS_PER_HISTORICAL_ROOT) : bytesOf(32, slot),
                source: {epoch: EPOCH - 1, root: new Uint8Array(32)},
                target: {epoch, root: r() < 0.8 ? targetRoot : bytesOf(32, slot + 1)},
              },
              inclusionDelay: 1 + Math.floor(r() * 4),
              proposerIndex: Math.floor(r() * n),
            }),
          );
        }
      }
    }
  };
  add(EPOCH - 1, state.previousEpochAttestations);
  add(EPOCH, state.currentEpochAttestations);
  state.commit();
}

// ---- straight transcriptions of the spec, on bigint, as independent references ----

function values(cs: CachedBeaconState): Validator[] {
  cs.state.commit();
  return cs.state.validators.getAllReadonlyValues();
}
const isActive = (v: Validator, epoch: number) => v.activationEpoch <= epoch && epoch < v.exitEpoch;
const INC = BigInt(EFFECTIVE_BALANCE_INCREMENT);

function refTotalBalance(vs: Validator[], indices: Set<number>): bigint {
  let sum = 0n;
  for (const i of indices) sum += BigInt(vs[i].effectiveBalance);
  return sum > INC ? sum : INC;
}
function refActive(vs: Validator[], epoch: number): Set<number> {
  return new Set(vs.flatMap((v, i) => (isActive(v, epoch) ? [i] : [])));
}
function refEligible(vs: Validator[], previousEpoch: number): number[] {
  return vs.flatMap((v, i) =>
    isActive(v, previousEpoch) || (v.slashed && previousEpoch + 1 < v.withdrawableEpoch) ? [i] : [],
  );
}
function refInLeak(cs: CachedBeaconState): boolean {
  return EPOCH - 1 - cs.state.finalizedCheckpoint.epoch > MIN_EPOCHS_TO_INACTIVITY_PENALTY;
}
function refParticipating(cs: CachedBeaconState, flagIndex: number, epoch: number): Set<number> {
  const vs = values(cs);
  const s = cs.state as BeaconStatePostAltair;
  const part = (epoch === EPOCH ? s.currentEpochParticipation : s.previousEpochParticipation).getAll();
  return new Set([...refActive(vs, epoch)].filter((i) => (part[i] & (1 << flagIndex)) !== 0 && !vs[i].slashed));
}

function refFlagIndexDeltas(cs: CachedBeaconState, flagIndex: number): Deltas {
  const vs = values(cs);
  const n = vs.length;
  const rewards = new Array<bigint>(n).fill(0n);
  const penalties = new Array<bigint>(n).fill(0n);
  const participating = refParticipating(cs, flagIndex, EPOCH - 1);
  const weight = BigInt(PARTICIPATION_FLAG_WEIGHTS[flagIndex]);
  const participatingIncrements = refTotalBalance(vs, participating) / INC;
  const totalActive = refTotalBalance(vs, refActive(vs, EPOCH));
  const activeIncrements = totalActive / INC;
  const perIncrement = (INC * BigInt(BASE_REWARD_FACTOR)) / integerSquareroot(totalActive);
  for (const i of refEligible(vs, EPOCH - 1)) {
    const baseReward = (BigInt(vs[i].effectiveBalance) / INC) * perIncrement;
    if (participating.has(i)) {
      if (!refInLeak(cs)) {
        rewards[i] += (baseReward * weight * participatingIncrements) / (activeIncrements * BigInt(WEIGHT_DENOMINATOR));
      }
    } else if (flagIndex !== TIMELY_HEAD_FLAG_INDEX) {
      penalties[i] += (baseReward * weight) / BigInt(WEIGHT_DENOMINATOR);
    }
  }
  return {rewards: rewards.map(Number), penalties: penalties.map(Number)};
}

function refInactivityDeltasAltair(cs: CachedBeaconState): Deltas {
  const vs = values(cs);
  const n = vs.length;
  const penalties = new Array<bigint>(n).fill(0n);
  const target = refParticipating(cs, TIMELY_TARGET_FLAG_INDEX, EPOCH - 1);
  const scores = (cs.state as BeaconStatePostAltair).inactivityScores.getAll();
  const quotient =
    cs.fork >= ForkSeq.bellatrix ? INACTIVITY_PENALTY_QUOTIENT_BELLATRIX : INACTIVITY_PENALTY_QUOTIENT_ALTAIR;
  for (const i of refEligible(vs, EPOCH - 1)) {
    if (!target.has(i)) {
      penalties[i] +=
        (BigInt(vs[i].effectiveBalance) * BigInt(scores[i])) /
        (BigInt(cs.config.INACTIVITY_SCORE_BIAS) * BigInt(quotient));
    }
  }
  return {rewards: new Array<number>(n).fill(0), penalties: penalties.map(Number)};
}

/** phase0: matching source/target/head attesting sets of an epoch (unslashed) and the attestations themselves. */
function refPhase0Matching(cs: CachedBeaconState, epoch: number) {
  const state = cs.state as BeaconStatePhase0;
  const vs = values(cs);
  const list = (
    epoch === EPOCH ? state.currentEpochAttestations : state.previousEpochAttestations
  ).getAllReadonlyValues();
  const blockRootAt = (slot: number) => Buffer.from(state.blockRoots.get(slot % SLOTS_PER_HISTORICAL_ROOT));
  const targetRoot = blockRootAt(epoch * SLOTS_PER_EPOCH);
  const source = list;
  const target = source.filter((a) => targetRoot.equals(a.data.target.root));
  const head = target.filter((a) => blockRootAt(a.data.slot).equals(a.data.beaconBlockRoot));
  const attesting = (a: (typeof list)[number]) => {
    const committee = cs.epochCtx.getBeaconCommittee(a.data.slot, a.data.index);
    return Array.from(committee).filter((_, k) => a.aggregationBits.get(k));
  };
  const unslashed = (atts: typeof list) => new Set(atts.flatMap(attesting).filter((i) => !vs[i].slashed));
  return {source, attesting, sourceSet: unslashed(source), targetSet: unslashed(target), headSet: unslashed(head)};
}

function refPhase0BaseReward(vs: Validator[], i: number): bigint {
  const total = refTotalBalance(vs, refActive(vs, EPOCH));
  return (
    (BigInt(vs[i].effectiveBalance) * BigInt(BASE_REWARD_FACTOR)) /
    integerSquareroot(total) /
    BigInt(BASE_REWARDS_PER_EPOCH)
  );
}

function refComponentDeltas(cs: CachedBeaconState, attesting: Set<number>): Deltas {
  const vs = values(cs);
  const rewards = new Array<bigint>(vs.length).fill(0n);
  const penalties = new Array<bigint>(vs.length).fill(0n);
  const total = refTotalBalance(vs, refActive(vs, EPOCH));
  const attestingBalance = refTotalBalance(vs, attesting);
  for (const i of refEligible(vs, EPOCH - 1)) {
    const base = refPhase0BaseReward(vs, i);
    if (attesting.has(i)) {
      rewards[i] += refInLeak(cs) ? base : (base * (attestingBalance / INC)) / (total / INC);
    } else {
      penalties[i] += base;
    }
  }
  return {rewards: rewards.map(Number), penalties: penalties.map(Number)};
}

function refInclusionDelayDeltas(cs: CachedBeaconState): Deltas {
  const vs = values(cs);
  const rewards = new Array<bigint>(vs.length).fill(0n);
  const m = refPhase0Matching(cs, EPOCH - 1);
  for (const i of m.sourceSet) {
    const candidates = m.source.filter((a) => m.attesting(a).includes(i));
    // min() keeps the first of equal keys
    const best = candidates.reduce((b, a) => (a.inclusionDelay < b.inclusionDelay ? a : b));
    const base = refPhase0BaseReward(vs, i);
    const proposerReward = base / BigInt(PROPOSER_REWARD_QUOTIENT);
    rewards[best.proposerIndex] += proposerReward;
    rewards[i] += (base - proposerReward) / BigInt(best.inclusionDelay);
  }
  return {rewards: rewards.map(Number), penalties: new Array<number>(vs.length).fill(0)};
}

// ---- tests ----

const POST_ALTAIR = [ForkSeq.altair, ForkSeq.bellatrix, ForkSeq.electra, ForkSeq.fulu];

describe("EpochTransitionCache agrees with the spec's definitions", () => {
  for (const fork of POST_ALTAIR) {
    for (const leak of [false, true]) {
      it(`fork ${fork}, leak ${leak}: flags, totals and deltas`, () => {
        const cs = randomState(fork, 400, 11 + fork, leak);
        const cache = beforeProcessEpoch(cs);
        const vs = values(cs);
        const eligible = new Set(refEligible(vs, EPOCH - 1));
        const active = refActive(vs, EPOCH);
        const sets = [0, 1, 2].map((f) => refParticipating(cs, f, EPOCH - 1));
        const currTarget = refParticipating(cs, TIMELY_TARGET_FLAG_INDEX, EPOCH);
        for (let i = 0; i < vs.length; i++) {
          const f = cache.flags[i];
          expect((f & FLAG_ELIGIBLE) !== 0, `eligible ${i}`).toBe(eligible.has(i));
          expect((f & FLAG_ACTIVE_CURR) !== 0, `active ${i}`).toBe(active.has(i));
          expect((f & FLAG_SLASHED) !== 0).toBe(vs[i].slashed);
          for (let flagIndex = 0; flagIndex < 3; flagIndex++) {
            expect((f & PREV_FLAG_BY_INDEX[flagIndex]) !== 0, `flag ${flagIndex} of ${i}`).toBe(sets[flagIndex].has(i));
          }
          expect((f & FLAG_CURR_TARGET) !== 0).toBe(currTarget.has(i));
        }
        expect(cache.totalActiveBalance).toBe(refTotalBalance(vs, active));
        expect(cache.prevSourceBalance).toBe(refTotalBalance(vs, sets[0]));
        expect(cache.prevTargetBalance).toBe(refTotalBalance(vs, sets[1]));
        expect(cache.prevHeadBalance).toBe(refTotalBalance(vs, sets[2]));
        expect(cache.currTargetBalance).toBe(refTotalBalance(vs, currTarget));
        for (let flagIndex = 0; flagIndex < 3; flagIndex++) {
          expect(getFlagIndexDeltas(cs, flagIndex, cache)).toEqual(refFlagIndexDeltas(cs, flagIndex));
        }
        expect(getInactivityPenaltyDeltas(cs, cache)).toEqual(refInactivityDeltasAltair(cs));
      });
    }
  }

  for (const fork of POST_ALTAIR) {
    it(`fork ${fork}: getJustificationBalances (fork choice's pulled-up tip) weighs what the spec weighs`, () => {
      const cs = randomState(fork, 400, 23 + fork, false);
      // a validator slashed since the view was last synced: the balances must see it (the view re-syncs)
      cs.validatorFields.sync(cs.state.validators);
      const s = cs.state as BeaconStatePostAltair;
      const part = s.currentEpochParticipation.getAll();
      const victim = part.findIndex((p, i) => (p & (1 << TIMELY_TARGET_FLAG_INDEX)) !== 0 && !values(cs)[i].slashed);
      expect(victim).toBeGreaterThanOrEqual(0);
      const v = s.validators.get(victim);
      v.slashed = true;
      const vs = values(cs);
      const active = refActive(vs, EPOCH);
      const b = getJustificationBalances(cs);
      expect(b.totalActiveBalance).toBe(refTotalBalance(vs, active));
      expect(b.prevTargetBalance).toBe(refTotalBalance(vs, refParticipating(cs, TIMELY_TARGET_FLAG_INDEX, EPOCH - 1)));
      const currTarget = refParticipating(cs, TIMELY_TARGET_FLAG_INDEX, EPOCH);
      expect(currTarget.has(victim)).toBe(false);
      expect(b.currTargetBalance).toBe(refTotalBalance(vs, currTarget));
      // fork choice's justified balances: active at the current epoch and unslashed, else 0
      const weights = getActiveUnslashedEffectiveBalances(cs);
      expect(Array.from(weights)).toEqual(vs.map((v) => (isActive(v, EPOCH) && !v.slashed ? v.effectiveBalance : 0)));
      expect(weights[victim]).toBe(0);
      // the same as the full epoch transition cache
      const cache = beforeProcessEpoch(cs);
      expect([b.totalActiveBalance, b.prevTargetBalance, b.currTargetBalance]).toEqual([
        cache.totalActiveBalance,
        cache.prevTargetBalance,
        cache.currTargetBalance,
      ]);
    });
  }

  for (const leak of [false, true]) {
    it(`phase0, leak ${leak}: matching attesters, inclusion delays and deltas`, () => {
      const cs = randomState(ForkSeq.phase0, 300, 5, leak);
      const cache = beforeProcessEpoch(cs);
      const prev = refPhase0Matching(cs, EPOCH - 1);
      const curr = refPhase0Matching(cs, EPOCH);
      expect(prev.sourceSet.size).toBeGreaterThan(0);
      expect(prev.headSet.size).toBeLessThan(prev.targetSet.size);
      for (let i = 0; i < cache.validatorCount; i++) {
        const f = cache.flags[i];
        expect((f & FLAG_PREV_SOURCE) !== 0, `source ${i}`).toBe(prev.sourceSet.has(i));
        expect((f & FLAG_PREV_TARGET) !== 0, `target ${i}`).toBe(prev.targetSet.has(i));
        expect((f & FLAG_PREV_HEAD) !== 0, `head ${i}`).toBe(prev.headSet.has(i));
        expect((f & FLAG_CURR_TARGET) !== 0, `current target ${i}`).toBe(curr.targetSet.has(i));
      }
      expect(getSourceDeltas(cs, cache)).toEqual(refComponentDeltas(cs, prev.sourceSet));
      expect(getTargetDeltas(cs, cache)).toEqual(refComponentDeltas(cs, prev.targetSet));
      expect(getHeadDeltas(cs, cache)).toEqual(refComponentDeltas(cs, prev.headSet));
      expect(getInclusionDelayDeltas(cs, cache)).toEqual(refInclusionDelayDeltas(cs));

      // phase0 inactivity penalties
      const vs = values(cs);
      const delay = EPOCH - 1 - cs.state.finalizedCheckpoint.epoch;
      const expected = new Array<number>(vs.length).fill(0);
      if (refInLeak(cs)) {
        for (const i of refEligible(vs, EPOCH - 1)) {
          const base = refPhase0BaseReward(vs, i);
          let p = BigInt(BASE_REWARDS_PER_EPOCH) * base - base / BigInt(PROPOSER_REWARD_QUOTIENT);
          if (!prev.targetSet.has(i)) {
            p += (BigInt(vs[i].effectiveBalance) * BigInt(delay)) / BigInt(INACTIVITY_PENALTY_QUOTIENT);
          }
          expected[i] = Number(p);
        }
      }
      expect(getInactivityPenaltyDeltas(cs, cache).penalties).toEqual(expected);
    });
  }
});

/** Names of the top-level state fields whose roots differ. */
function differingFields(a: BeaconStateAllForks, b: BeaconStateAllForks): string[] {
  a.commit();
  b.commit();
  const av = a as unknown as Record<string, {hashTreeRoot?: () => Uint8Array}>;
  const bv = b as unknown as Record<string, {hashTreeRoot?: () => Uint8Array}>;
  return Object.keys(a.type.fields).filter((field) => {
    const x = av[field];
    const y = bv[field];
    if (typeof x === "object" && x !== null && typeof x.hashTreeRoot === "function") {
      return !Buffer.from(x.hashTreeRoot()).equals(Buffer.from((y as {hashTreeRoot: () => Uint8Array}).hashTreeRoot()));
    }
    return String(x) !== String(y);
  });
}

/** Every step of process_epoch of a fork, each building its own cache from the state it is given. */
function stepsOneByOne(cs: CachedBeaconState): void {
  const fork = cs.fork;
  processJustificationAndFinalization(cs);
  if (fork >= ForkSeq.altair) processInactivityUpdates(cs);
  processRewardsAndPenalties(cs);
  processRegistryUpdates(cs);
  processSlashings(cs);
  processEth1DataReset(cs);
  if (fork >= ForkSeq.electra) {
    processPendingDeposits(cs);
    processPendingConsolidations(cs);
  }
  processEffectiveBalanceUpdates(cs);
  processSlashingsReset(cs);
  processRandaoMixesReset(cs);
  if (fork >= ForkSeq.capella) processHistoricalSummariesUpdate(cs);
  else processHistoricalRootsUpdate(cs);
  if (fork === ForkSeq.phase0) {
    processParticipationRecordUpdates(cs);
  } else {
    processParticipationFlagUpdates(cs);
    processSyncCommitteeUpdates(cs);
  }
  if (fork >= ForkSeq.fulu) processProposerLookahead(cs);
}

describe("processEpoch with one shared cache", () => {
  for (const fork of [ForkSeq.phase0, ...POST_ALTAIR]) {
    for (const leak of [false, true]) {
      it(`fork ${fork}, leak ${leak}: equals the steps run one by one with fresh caches`, () => {
        const a = randomState(fork, 300, 23 + fork, leak);
        const b = a.clone();
        processEpoch(a);
        stepsOneByOne(b);
        expect(differingFields(a.state, b.state)).toEqual([]);
        // effective balance updates are mirrored into the epoch cache
        const vs = values(a);
        for (let i = 0; i < vs.length; i++) {
          expect(a.epochCtx.effectiveBalanceIncrements[i]).toBe(
            Math.floor(vs[i].effectiveBalance / EFFECTIVE_BALANCE_INCREMENT),
          );
        }
      });
    }
  }
});
