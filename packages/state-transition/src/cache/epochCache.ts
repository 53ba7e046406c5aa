import type {ChainConfig} from "@ceibo/config";
import {
  BASE_REWARD_FACTOR,
  DOMAIN_BEACON_ATTESTER,
  DOMAIN_SYNC_COMMITTEE,
  EFFECTIVE_BALANCE_INCREMENT,
  FAR_FUTURE_EPOCH,
  ForkSeq,
  SLOTS_PER_EPOCH,
  SYNC_COMMITTEE_SIZE,
} from "@ceibo/params";
import {EpochCacheError} from "../errors.ts";
import type {BeaconStateAllForks, BeaconStateFulu, BeaconStatePostAltair} from "../types.ts";
import {computeActivationExitEpoch, computeEpochAtSlot, getCurrentEpoch, getPreviousEpoch} from "../util/epoch.ts";
import {integerSquareroot} from "../util/math.ts";
import {computeSyncCommitteeIndices, getSeed} from "../util/seed.ts";
import {computeProposerIndicesFast, computeSyncCommitteeIndicesFast} from "../util/shuffleNative.ts";
import {computeEpochShuffling, type EpochShuffling, LazyEpochShuffling} from "./epochShuffling.ts";
import type {PubkeyCache} from "./pubkeyCache.ts";
import {assertViewEpoch, type ValidatorFields} from "./validatorFields.ts";

/** What the epoch transition hands to the epoch-cache rotation (see EpochCache.rotate). */
export interface EpochRotationInput {
  /** Every validator's effective balance (Gwei) after process_effective_balance_updates (length >= registry). */
  effectiveBalances: Float64Array;
  /** Active indices (ascending) of the epoch after the one that starts. */
  nextActiveIndices: Uint32Array;
}

export interface EpochCacheData {
  config: ChainConfig;
  pubkeyCache: PubkeyCache;
  fork: number;
  epoch: number;
  previousShuffling: EpochShuffling;
  currentShuffling: EpochShuffling;
  nextShufflingLazy: LazyEpochShuffling;
  proposers: number[];
  effectiveBalanceIncrements: Uint16Array;
  validatorCount: number;
  totalActiveBalance: number;
  totalActiveBalanceIncrements: number;
  baseRewardPerIncrement: number;
  churnLimit: number;
  exitQueueEpoch: number;
  exitQueueChurn: number;
  currentSyncCommitteeIndices: number[];
  nextSyncCommitteeIndices: number[];
}

/**
 * Everything about the current epoch that the state transition would otherwise recompute per operation:
 * shufflings and committees (previous, current, next epoch), proposers, effective balances in increments,
 * total active balance, churn limits, the exit queue, and sync committee indices. Built with one pass over
 * the validator registry; valid for the whole epoch because effective balances and active sets only change at
 * epoch boundaries (new validators only append).
 */
export class EpochCache implements EpochCacheData {
  readonly config: ChainConfig;
  readonly pubkeyCache: PubkeyCache;
  fork: number;
  epoch: number;
  previousShuffling: EpochShuffling;
  currentShuffling: EpochShuffling;
  /**
   * The next epoch's shuffling: after an epoch rotation its inputs are known but it is computed on first use
   * (`nextShuffling`) or ahead of time (`precomputeNextShuffling()`, for idle time), off the epoch transition.
   */
  nextShufflingLazy: LazyEpochShuffling;
  /** Proposer of each slot of the current epoch. */
  proposers: number[];
  /**
   * effective_balance // EFFECTIVE_BALANCE_INCREMENT per validator; grows as validators are added. Shared with the
   * caches this one was cloned from or rotated from until one of them writes (`setEffectiveBalanceIncrement` copies it
   * first): writes happen only at deposits and in the epoch transition, and a copy per clone was 2 MB of garbage per
   * block at 1M validators — ArrayBuffer memory that only a major GC frees, so it started major GCs as blocks came in.
   * Read it freely; never write to it directly.
   */
  effectiveBalanceIncrements: Uint16Array;
  /** `effectiveBalanceIncrements` may be shared with another cache (copy before writing). */
  private incrementsShared = false;
  validatorCount: number;
  /**
   * get_total_active_balance in Gwei (>= EFFECTIVE_BALANCE_INCREMENT). A sum of multiples of the increment is
   * exact as a double far beyond 2**53 (1e9 = 2**9 * 1953125), so this is exact for any real registry.
   */
  totalActiveBalance: number;
  /** get_total_active_balance // EFFECTIVE_BALANCE_INCREMENT */
  totalActiveBalanceIncrements: number;
  /** altair get_base_reward_per_increment */
  baseRewardPerIncrement: number;
  /** phase0 get_validator_churn_limit (validators per epoch) */
  churnLimit: number;
  /** phase0–deneb initiate_validator_exit: the current exit queue epoch and how many exits it holds. */
  exitQueueEpoch: number;
  exitQueueChurn: number;
  currentSyncCommitteeIndices: number[];
  nextSyncCommitteeIndices: number[];

  private constructor(init: EpochCacheData) {
    this.config = init.config;
    this.pubkeyCache = init.pubkeyCache;
    this.fork = init.fork;
    this.epoch = init.epoch;
    this.previousShuffling = init.previousShuffling;
    this.currentShuffling = init.currentShuffling;
    this.nextShufflingLazy = init.nextShufflingLazy;
    this.proposers = init.proposers;
    this.effectiveBalanceIncrements = init.effectiveBalanceIncrements;
    this.validatorCount = init.validatorCount;
    this.totalActiveBalance = init.totalActiveBalance;
    this.totalActiveBalanceIncrements = init.totalActiveBalanceIncrements;
    this.baseRewardPerIncrement = init.baseRewardPerIncrement;
    this.churnLimit = init.churnLimit;
    this.exitQueueEpoch = init.exitQueueEpoch;
    this.exitQueueChurn = init.exitQueueChurn;
    this.currentSyncCommitteeIndices = init.currentSyncCommitteeIndices;
    this.nextSyncCommitteeIndices = init.nextSyncCommitteeIndices;
  }

  /**
   * Builds the cache for `state` (any slot within an epoch). `previous` lets an epoch rotation reuse shufflings
   * that were already computed (the old next epoch becomes the current one).
   */
  static createFromState(
    state: BeaconStateAllForks,
    fork: number,
    config: ChainConfig,
    pubkeyCache: PubkeyCache,
    previous?: EpochCache,
  ): EpochCache {
    const currentEpoch = getCurrentEpoch(state);
    const previousEpoch = getPreviousEpoch(state);
    const nextEpoch = currentEpoch + 1;
    state.commit(); // bulk reads need a committed tree
    const validators = state.validators.getAllReadonlyValues();
    const n = validators.length;
    const effectiveBalanceIncrements = new Uint16Array(Math.max(n, 1024));
    const effectiveBalances = new Float64Array(n);
    const prevActive: number[] = [];
    const currActive: number[] = [];
    const nextActive: number[] = [];
    let totalActive = 0;
    let exitQueueEpoch = computeActivationExitEpoch(currentEpoch);
    let exitQueueChurn = 0;
    const cacheHasAll = pubkeyCache.size >= n;
    for (let i = 0; i < n; i++) {
      const v = validators[i];
      if (!cacheHasAll) pubkeyCache.set(i, v.pubkey);
      effectiveBalances[i] = v.effectiveBalance;
      effectiveBalanceIncrements[i] = Math.floor(v.effectiveBalance / EFFECTIVE_BALANCE_INCREMENT);
      if (v.activationEpoch <= previousEpoch && previousEpoch < v.exitEpoch) prevActive.push(i);
      if (v.activationEpoch <= currentEpoch && currentEpoch < v.exitEpoch) {
        currActive.push(i);
        totalActive += v.effectiveBalance;
      }
      if (v.activationEpoch <= nextEpoch && nextEpoch < v.exitEpoch) nextActive.push(i);
      if (v.exitEpoch !== FAR_FUTURE_EPOCH) {
        if (v.exitEpoch > exitQueueEpoch) {
          exitQueueEpoch = v.exitEpoch;
          exitQueueChurn = 1;
        } else if (v.exitEpoch === exitQueueEpoch) {
          exitQueueChurn++;
        }
      }
    }

    const reuse = (epoch: number): EpochShuffling | undefined => {
      if (previous === undefined) return undefined;
      if (previous.nextShufflingLazy.epoch === epoch) return previous.nextShufflingLazy.get();
      for (const s of [previous.currentShuffling, previous.previousShuffling]) {
        if (s.epoch === epoch) return s;
      }
      return undefined;
    };
    const currentShuffling =
      reuse(currentEpoch) ?? computeEpochShuffling(state, Uint32Array.from(currActive), currentEpoch);
    const previousShuffling =
      previousEpoch === currentEpoch
        ? currentShuffling
        : (reuse(previousEpoch) ?? computeEpochShuffling(state, Uint32Array.from(prevActive), previousEpoch));
    const nextShuffling = computeEpochShuffling(state, Uint32Array.from(nextActive), nextEpoch);

    // With no active validator the spec's get_beacon_proposer_index fails when called; the cache stays buildable
    // (some states are only processed by operations that need no proposer) and getBeaconProposer throws instead.
    const proposers =
      fork >= ForkSeq.fulu
        ? Array.from((state as BeaconStateFulu).proposerLookahead.getAll().slice(0, SLOTS_PER_EPOCH))
        : currActive.length === 0
          ? []
          : computeProposerIndicesFast(fork, state, currentEpoch, currentShuffling.activeIndices, effectiveBalances);

    const totalActiveBalance = Math.max(EFFECTIVE_BALANCE_INCREMENT, totalActive);
    const totalActiveBalanceIncrements = Math.floor(totalActiveBalance / EFFECTIVE_BALANCE_INCREMENT);
    const {currentSyncCommitteeIndices, nextSyncCommitteeIndices} = syncCommitteeIndices(fork, state, pubkeyCache);

    return new EpochCache({
      config,
      pubkeyCache,
      fork,
      epoch: currentEpoch,
      previousShuffling,
      currentShuffling,
      nextShufflingLazy: LazyEpochShuffling.computed(nextShuffling),
      proposers,
      effectiveBalanceIncrements,
      validatorCount: n,
      totalActiveBalance,
      totalActiveBalanceIncrements,
      baseRewardPerIncrement: computeBaseRewardPerIncrement(totalActiveBalanceIncrements),
      churnLimit: Math.max(
        config.MIN_PER_EPOCH_CHURN_LIMIT,
        Math.floor(currActive.length / config.CHURN_LIMIT_QUOTIENT),
      ),
      exitQueueEpoch,
      exitQueueChurn,
      currentSyncCommitteeIndices,
      nextSyncCommitteeIndices,
    });
  }

  /**
   * The epoch cache of the epoch that starts now, from the one of the epoch that just ended (`previous`) and
   * what the epoch transition already knows, WITHOUT scanning the registry: the previous and current shufflings
   * are the old current and next ones; the next epoch's active indices were collected by the transition's one
   * registry pass (registry updates only set activation/exit epochs at compute_activation_exit_epoch(epoch) or
   * later, so they cannot change them) and its shuffling is left to compute lazily; effective balances are the
   * ones process_effective_balance_updates wrote (into `previous`, which this cache takes over); the phase0–deneb
   * exit queue carries over (initiate_validator_exit keeps it equal to the registry's; a floor below the new
   * epoch's is raised on the next exit, as a rescan would). Returns null when `previous` does not fit (not the
   * epoch just before, a pubkey missing), so the caller rebuilds with createFromState.
   */
  static rotate(
    state: BeaconStateAllForks,
    fork: number,
    previous: EpochCache,
    rotation: EpochRotationInput,
  ): EpochCache | null {
    const currentEpoch = getCurrentEpoch(state);
    const n = state.validators.length;
    const {effectiveBalances, nextActiveIndices} = rotation;
    if (
      previous.fork !== fork ||
      previous.epoch + 1 !== currentEpoch ||
      previous.currentShuffling.epoch !== currentEpoch - 1 ||
      previous.nextShufflingLazy.epoch !== currentEpoch ||
      previous.pubkeyCache.size < n ||
      previous.effectiveBalanceIncrements.length < n ||
      effectiveBalances.length < n
    ) {
      return null;
    }
    const previousShuffling = previous.currentShuffling;
    const currentShuffling = previous.nextShufflingLazy.get();
    const nextEpoch = currentEpoch + 1;
    const nextShufflingLazy = LazyEpochShuffling.pending(
      nextActiveIndices,
      getSeed(state, nextEpoch, DOMAIN_BEACON_ATTESTER),
      nextEpoch,
    );

    const currActive = currentShuffling.activeIndices;
    const totalActive = sumAt(effectiveBalances, currActive);
    const proposers =
      fork >= ForkSeq.fulu
        ? Array.from((state as BeaconStateFulu).proposerLookahead.getAll().slice(0, SLOTS_PER_EPOCH))
        : currActive.length === 0
          ? []
          : computeProposerIndicesFast(fork, state, currentEpoch, currActive, effectiveBalances);
    const totalActiveBalance = Math.max(EFFECTIVE_BALANCE_INCREMENT, totalActive);
    const totalActiveBalanceIncrements = Math.floor(totalActiveBalance / EFFECTIVE_BALANCE_INCREMENT);
    const config = previous.config;
    const {currentSyncCommitteeIndices, nextSyncCommitteeIndices} = syncCommitteeIndices(
      fork,
      state,
      previous.pubkeyCache,
    );
    const rotated = new EpochCache({
      config,
      pubkeyCache: previous.pubkeyCache,
      fork,
      epoch: currentEpoch,
      previousShuffling,
      currentShuffling,
      nextShufflingLazy,
      proposers,
      effectiveBalanceIncrements: previous.effectiveBalanceIncrements,
      validatorCount: n,
      totalActiveBalance,
      totalActiveBalanceIncrements,
      baseRewardPerIncrement: computeBaseRewardPerIncrement(totalActiveBalanceIncrements),
      churnLimit: Math.max(
        config.MIN_PER_EPOCH_CHURN_LIMIT,
        Math.floor(currActive.length / config.CHURN_LIMIT_QUOTIENT),
      ),
      exitQueueEpoch: previous.exitQueueEpoch,
      exitQueueChurn: previous.exitQueueChurn,
      currentSyncCommitteeIndices,
      nextSyncCommitteeIndices,
    });
    // the increments are the previous cache's array (updated by process_effective_balance_updates): shared from now on
    previous.incrementsShared = true;
    rotated.incrementsShared = true;
    return rotated;
  }

  /** The next epoch's shuffling (computed now if it was left to compute lazily). */
  get nextShuffling(): EpochShuffling {
    return this.nextShufflingLazy.get();
  }

  /** Computes the next epoch's shuffling now if it is still pending (call it in idle time); true if it was. */
  precomputeNextShuffling(): boolean {
    if (this.nextShufflingLazy.isComputed) return false;
    this.nextShufflingLazy.get();
    return true;
  }

  /**
   * Computes the next epoch's shuffling on a worker thread if it is still pending (call it after importing a
   * block that crossed an epoch); a use before it is done computes it synchronously. True if this call did it.
   */
  precomputeNextShufflingInWorker(): Promise<boolean> {
    return this.nextShufflingLazy.computeInWorker();
  }

  /** A copy for a new state branch: arrays mutated within an epoch are copied, shufflings are shared. */
  clone(): EpochCache {
    const copy = new EpochCache(this);
    this.incrementsShared = true;
    copy.incrementsShared = true;
    return copy;
  }

  /** Sets validator `index`'s entry of `effectiveBalanceIncrements` (growing it), copying a shared array first. */
  setEffectiveBalanceIncrement(index: number, effectiveBalance: number): void {
    if (index >= this.effectiveBalanceIncrements.length) {
      this.effectiveBalanceIncrements = growIncrements(this.effectiveBalanceIncrements, index + 1);
      this.incrementsShared = false;
    } else if (this.incrementsShared) {
      this.effectiveBalanceIncrements = this.effectiveBalanceIncrements.slice();
      this.incrementsShared = false;
    }
    this.effectiveBalanceIncrements[index] = Math.floor(effectiveBalance / EFFECTIVE_BALANCE_INCREMENT);
  }

  /** get_total_active_balance, in Gwei */
  getTotalActiveBalance(): number {
    return this.totalActiveBalance;
  }

  getShufflingAtEpoch(epoch: number): EpochShuffling {
    if (epoch === this.currentShuffling.epoch) return this.currentShuffling;
    if (epoch === this.previousShuffling.epoch) return this.previousShuffling;
    if (epoch === this.nextShufflingLazy.epoch) return this.nextShufflingLazy.get();
    throw new EpochCacheError(
      {code: "SHUFFLING_NOT_CACHED", epoch, currentEpoch: this.epoch},
      `no shuffling cached for epoch ${epoch} (current epoch ${this.epoch})`,
    );
  }

  /** phase0 get_committee_count_per_slot */
  getCommitteeCountPerSlot(epoch: number): number {
    return this.getShufflingAtEpoch(epoch).committeesPerSlot;
  }

  /** phase0 get_beacon_committee */
  getBeaconCommittee(slot: number, index: number): Uint32Array {
    const shuffling = this.getShufflingAtEpoch(computeEpochAtSlot(slot));
    if (index >= shuffling.committeesPerSlot) {
      throw new EpochCacheError(
        {code: "COMMITTEE_INDEX_OUT_OF_RANGE", committeeIndex: index, committeesPerSlot: shuffling.committeesPerSlot},
        `committee index ${index} out of range (${shuffling.committeesPerSlot} committees per slot)`,
      );
    }
    return shuffling.committees[slot % SLOTS_PER_EPOCH][index];
  }

  /** phase0 get_beacon_proposer_index for a slot of the current epoch */
  getBeaconProposer(slot: number): number {
    if (computeEpochAtSlot(slot) !== this.epoch) {
      throw new EpochCacheError(
        {code: "PROPOSER_NOT_CACHED", slot, currentEpoch: this.epoch},
        `proposer of slot ${slot} is not cached (current epoch ${this.epoch})`,
      );
    }
    if (this.proposers.length === 0) {
      throw new EpochCacheError({code: "NO_PROPOSER", slot}, `no active validators: slot ${slot} has no proposer`);
    }
    return this.proposers[slot % SLOTS_PER_EPOCH];
  }

  /** Registers a validator appended to the registry (deposits): pubkey maps and effective balance. */
  addValidator(index: number, pubkey: Uint8Array, effectiveBalance: number): void {
    this.pubkeyCache.set(index, pubkey);
    this.setEffectiveBalanceIncrement(index, effectiveBalance);
    if (index >= this.validatorCount) this.validatorCount = index + 1;
  }
}

/**
 * A copy of `increments` with room for at least `length` validators: 1% (at least 1,024) more, not double (a
 * 1M-validator registry grows by a few deposits an epoch; doubling would hold 2 MB of zeros per state).
 */
export function growIncrements(increments: Uint16Array, length: number): Uint16Array {
  const grown = new Uint16Array(Math.max(length + 1024, Math.ceil(length * 1.01)));
  grown.set(increments);
  return grown;
}

/** altair get_base_reward_per_increment, exact for any total (the square root is taken on a bigint). */
export function computeBaseRewardPerIncrement(totalActiveBalanceIncrements: number): number {
  const totalActiveBalance = BigInt(totalActiveBalanceIncrements) * BigInt(EFFECTIVE_BALANCE_INCREMENT);
  return Number(
    (BigInt(EFFECTIVE_BALANCE_INCREMENT) * BigInt(BASE_REWARD_FACTOR)) / integerSquareroot(totalActiveBalance),
  );
}

/** The validator indices of the current and next sync committees (altair+; empty before). */
function syncCommitteeIndices(
  fork: number,
  state: BeaconStateAllForks,
  pubkeyCache: PubkeyCache,
): {currentSyncCommitteeIndices: number[]; nextSyncCommitteeIndices: number[]} {
  if (fork < ForkSeq.altair) return {currentSyncCommitteeIndices: [], nextSyncCommitteeIndices: []};
  const s = state as BeaconStatePostAltair;
  return {
    currentSyncCommitteeIndices: syncCommitteeIndicesFromPubkeys(
      pubkeyCache,
      s.currentSyncCommittee.pubkeys.getAllReadonly(),
    ),
    nextSyncCommitteeIndices: syncCommitteeIndicesFromPubkeys(
      pubkeyCache,
      s.nextSyncCommittee.pubkeys.getAllReadonly(),
    ),
  };
}

function syncCommitteeIndicesFromPubkeys(pubkeyCache: PubkeyCache, pubkeys: Uint8Array[]): number[] {
  return pubkeys.map((pk) => {
    const index = pubkeyCache.getIndex(pk);
    if (index === undefined) {
      throw new EpochCacheError(
        {code: "SYNC_COMMITTEE_MEMBER_UNKNOWN"},
        "sync committee member is not in the validator registry",
      );
    }
    return index;
  });
}

/**
 * altair/electra get_next_sync_committee_indices, read from the state as it is now (effective balances included).
 * Spec: `get_next_sync_committee_indices` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#modified-get_next_sync_committee_indices (altair; modified in electra)
 */
export function getNextSyncCommitteeIndices(
  fork: number,
  state: BeaconStateAllForks,
  validatorFields?: ValidatorFields,
): number[] {
  const epoch = getCurrentEpoch(state) + 1;
  state.commit();
  if (validatorFields !== undefined) {
    // from the typed-array view brought up to date (re-reads only the validators changed since its last sync),
    // not from a million validator objects decoded from the tree
    assertViewEpoch(epoch);
    validatorFields.sync(state.validators);
    const n = validatorFields.length;
    const activeIndices = activeIndicesAt(validatorFields.activationEpoch, validatorFields.exitEpoch, n, epoch);
    const seed = getSeed(state, epoch, DOMAIN_SYNC_COMMITTEE);
    return computeSyncCommitteeIndicesFast(
      fork,
      validatorFields.readEffectiveBalances(),
      activeIndices,
      seed,
      SYNC_COMMITTEE_SIZE,
    );
  }
  const active: number[] = [];
  const validators = state.validators.getAllReadonlyValues();
  const effectiveBalances = new Float64Array(validators.length);
  for (let i = 0; i < validators.length; i++) {
    const v = validators[i];
    effectiveBalances[i] = v.effectiveBalance;
    if (v.activationEpoch <= epoch && epoch < v.exitEpoch) active.push(i);
  }
  const seed = getSeed(state, epoch, DOMAIN_SYNC_COMMITTEE);
  return computeSyncCommitteeIndices(fork, effectiveBalances, active, seed, SYNC_COMMITTEE_SIZE);
}

/** Every validator's effective balance in Gwei, read from the state (one pass), for balance-weighted sampling. */
export function getEffectiveBalances(state: BeaconStateAllForks): Float64Array {
  state.commit();
  const validators = state.validators.getAllReadonlyValues();
  const out = new Float64Array(validators.length);
  for (let i = 0; i < validators.length; i++) out[i] = validators[i].effectiveBalance;
  return out;
}

/**
 * The sum of `values` at `indices`: a function of its own (the million-entry loop of the rotation is compiled
 * on its own, small, instead of with the whole of `rotate`).
 */
function sumAt(values: Float64Array, indices: Uint32Array): number {
  let sum = 0;
  for (let k = 0; k < indices.length; k++) sum += values[indices[k]];
  return sum;
}

/** The indices i < n with activationEpoch[i] <= epoch < exitEpoch[i] (is_active_validator), ascending. */
function activeIndicesAt(activationEpoch: Uint32Array, exitEpoch: Uint32Array, n: number, epoch: number): Uint32Array {
  const out = new Uint32Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    out[count] = i;
    if (activationEpoch[i] <= epoch && epoch < exitEpoch[i]) count++;
  }
  return out.subarray(0, count);
}
