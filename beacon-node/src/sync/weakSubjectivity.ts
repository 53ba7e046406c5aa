/**
 * Weak subjectivity (consensus-specs a08d8a6): phase0/weak-subjectivity.md `compute_weak_subjectivity_period`
 * (validator-count churn and balance top-ups), its electra replacement (balance churn, EIP-7251) and
 * `is_within_weak_subjectivity_period`; phase0/p2p-interface.md `compute_min_epochs_for_block_requests`.
 * Integer arithmetic is done in BigInt as the spec's Uint64, so large registries cannot lose precision.
 */
import type {ChainConfig} from "@ceibo/config";
import {
  EFFECTIVE_BALANCE_INCREMENT,
  ForkSeq,
  MAX_DEPOSITS,
  MAX_EFFECTIVE_BALANCE,
  SLOTS_PER_EPOCH,
  SLOTS_PER_HISTORICAL_ROOT,
} from "@ceibo/params";
import {type BeaconStateAllForks, computeEpochAtSlot, computeStartSlotAtEpoch} from "@ceibo/state-transition";
import {bytesEqual, toHex} from "@ceibo/utils";

/** phase0 weak-subjectivity.md constants / configuration. */
export const ETH_TO_GWEI = 10n ** 9n;
export const SAFETY_DECAY = 10n;

/** The preset and config values the weak subjectivity period depends on (Gwei amounts). */
export interface WeakSubjectivityParams {
  MIN_VALIDATOR_WITHDRAWABILITY_DELAY: number;
  MAX_EFFECTIVE_BALANCE: number;
  MAX_DEPOSITS: number;
  SLOTS_PER_EPOCH: number;
  MIN_PER_EPOCH_CHURN_LIMIT: number;
  CHURN_LIMIT_QUOTIENT: number;
  MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA: number;
  EFFECTIVE_BALANCE_INCREMENT: number;
}

/** The parameters of `config` with the active preset. */
export function weakSubjectivityParams(config: ChainConfig): WeakSubjectivityParams {
  return {
    MIN_VALIDATOR_WITHDRAWABILITY_DELAY: config.MIN_VALIDATOR_WITHDRAWABILITY_DELAY,
    MAX_EFFECTIVE_BALANCE,
    MAX_DEPOSITS,
    SLOTS_PER_EPOCH,
    MIN_PER_EPOCH_CHURN_LIMIT: config.MIN_PER_EPOCH_CHURN_LIMIT,
    CHURN_LIMIT_QUOTIENT: config.CHURN_LIMIT_QUOTIENT,
    MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA: config.MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA,
    EFFECTIVE_BALANCE_INCREMENT,
  };
}

const big = (n: number | bigint): bigint => BigInt(n);
const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/**
 * phase0 compute_weak_subjectivity_period from its inputs: N active validators at the state's current epoch and
 * their total active balance (Gwei, get_total_active_balance).
 */
export function computeWeakSubjectivityPeriodPhase0(
  p: WeakSubjectivityParams,
  activeValidatorCount: number,
  totalActiveBalance: bigint,
): number {
  let wsPeriod = big(p.MIN_VALIDATOR_WITHDRAWABILITY_DELAY);
  const N = big(activeValidatorCount);
  if (N === 0n) return Number(wsPeriod);
  const t = totalActiveBalance / N / ETH_TO_GWEI;
  const T = big(p.MAX_EFFECTIVE_BALANCE) / ETH_TO_GWEI;
  // get_validator_churn_limit
  const delta = maxBig(big(p.MIN_PER_EPOCH_CHURN_LIMIT), N / big(p.CHURN_LIMIT_QUOTIENT));
  const Delta = big(p.MAX_DEPOSITS) * big(p.SLOTS_PER_EPOCH);
  const D = SAFETY_DECAY;
  if (t * (200n + 12n * D) > T * (200n + 3n * D)) {
    const epochsForValidatorSetChurn =
      (N * (t * (200n + 12n * D) - T * (200n + 3n * D))) / (600n * delta * (2n * t + T));
    const epochsForBalanceTopUps = (N * (200n + 3n * D)) / (600n * Delta);
    wsPeriod += maxBig(epochsForValidatorSetChurn, epochsForBalanceTopUps);
  } else {
    wsPeriod += (3n * N * D * t) / (200n * Delta * (T - t));
  }
  return Number(wsPeriod);
}

/** electra compute_weak_subjectivity_period from the total active balance (Gwei). */
export function computeWeakSubjectivityPeriodElectra(p: WeakSubjectivityParams, totalActiveBalance: bigint): number {
  const t = totalActiveBalance;
  // get_balance_churn_limit
  const churn = maxBig(big(p.MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA), t / big(p.CHURN_LIMIT_QUOTIENT));
  const delta = churn - (churn % big(p.EFFECTIVE_BALANCE_INCREMENT));
  const epochsForValidatorSetChurn = (SAFETY_DECAY * t) / (2n * delta * 100n);
  return Number(big(p.MIN_VALIDATOR_WITHDRAWABILITY_DELAY) + epochsForValidatorSetChurn);
}

/** Active validator count and get_total_active_balance at get_current_epoch(state), from the registry. */
export function activeBalanceOf(state: BeaconStateAllForks): {
  activeValidatorCount: number;
  totalActiveBalance: bigint;
} {
  const epoch = computeEpochAtSlot(state.slot);
  let count = 0;
  let total = 0n;
  for (const v of state.validators.getAllReadonlyValues()) {
    if (v.activationEpoch <= epoch && epoch < v.exitEpoch) {
      count++;
      total += big(v.effectiveBalance);
    }
  }
  return {activeValidatorCount: count, totalActiveBalance: maxBig(big(EFFECTIVE_BALANCE_INCREMENT), total)};
}

/** compute_weak_subjectivity_period(state) for a state of `fork` (electra's formula from electra on). */
export function computeWeakSubjectivityPeriod(config: ChainConfig, fork: number, state: BeaconStateAllForks): number {
  const p = weakSubjectivityParams(config);
  const {activeValidatorCount, totalActiveBalance} = activeBalanceOf(state);
  return fork >= ForkSeq.electra
    ? computeWeakSubjectivityPeriodElectra(p, totalActiveBalance)
    : computeWeakSubjectivityPeriodPhase0(p, activeValidatorCount, totalActiveBalance);
}

/**
 * is_within_weak_subjectivity_period: current_epoch <= ws_state_epoch + ws_period. (The spec's assertions that
 * the state matches a given checkpoint are `checkWeakSubjectivityCheckpoint`.)
 */
export function isWithinWeakSubjectivityPeriod(currentEpoch: number, wsStateEpoch: number, wsPeriod: number): boolean {
  return currentEpoch <= wsStateEpoch + wsPeriod;
}

/**
 * The assertions of is_within_weak_subjectivity_period against a weak subjectivity checkpoint (`block_root:epoch`):
 * compute_epoch_at_slot(ws_state.slot) == ws_checkpoint.epoch and get_block_root(ws_state, epoch) == root (the
 * state's latest block when its slot is the epoch's first). Returns why it fails, or null.
 */
export function checkWeakSubjectivityCheckpoint(
  state: BeaconStateAllForks,
  latestBlockRoot: Uint8Array,
  checkpoint: {epoch: number; root: Uint8Array},
): string | null {
  const stateEpoch = computeEpochAtSlot(state.slot);
  if (stateEpoch !== checkpoint.epoch) {
    return `the state is at epoch ${stateEpoch}, the weak subjectivity checkpoint names epoch ${checkpoint.epoch}`;
  }
  const start = computeStartSlotAtEpoch(checkpoint.epoch);
  let root: Uint8Array;
  if (start === state.slot) root = latestBlockRoot;
  else if (start < state.slot && state.slot <= start + SLOTS_PER_HISTORICAL_ROOT) {
    root = state.blockRoots.get(start % SLOTS_PER_HISTORICAL_ROOT);
  } else return `the state at slot ${state.slot} cannot show the block root of epoch ${checkpoint.epoch}`;
  if (!bytesEqual(root, checkpoint.root)) {
    return `the state's block root at epoch ${checkpoint.epoch} is ${toHex(root)}, the weak subjectivity checkpoint names ${toHex(checkpoint.root)}`;
  }
  return null;
}

/** phase0 p2p-interface.md compute_min_epochs_for_block_requests: the epochs of blocks a node must serve (and backfill). */
export function computeMinEpochsForBlockRequests(config: ChainConfig): number {
  return config.MIN_VALIDATOR_WITHDRAWABILITY_DELAY + Math.floor(config.CHURN_LIMIT_QUOTIENT / 2);
}
