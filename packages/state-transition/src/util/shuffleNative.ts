import {createRequire} from "node:module";
import {
  DOMAIN_BEACON_PROPOSER,
  EFFECTIVE_BALANCE_INCREMENT,
  ForkSeq,
  MAX_EFFECTIVE_BALANCE,
  MAX_EFFECTIVE_BALANCE_ELECTRA,
  SHUFFLE_ROUND_COUNT,
  SLOTS_PER_EPOCH,
} from "@ceibo/params";
import {digest} from "@chainsafe/as-sha256";
import type {BeaconStateAllForks} from "../types.ts";
import {computeStartSlotAtEpoch} from "./epoch.ts";
import {uint64ToBytes} from "./math.ts";
import {computeProposerIndices, computeSyncCommitteeIndices, getSeed} from "./seed.ts";
import {unshuffleList as unshuffleListJs} from "./shuffle.ts";

type NativeUnshuffle = (list: Uint32Array, seed: Uint8Array, rounds: number) => Uint32Array;

/** The native swap-or-not shuffle (@chainsafe/swap-or-not-shuffle), if its binary loads on this platform. */
function loadNative(): NativeUnshuffle | null {
  try {
    const require = createRequire(import.meta.url);
    return (require("@chainsafe/swap-or-not-shuffle") as {unshuffleList: NativeUnshuffle}).unshuffleList;
  } catch {
    return null;
  }
}

const native = loadNative();

/**
 * Committee order for a whole active set (`out[i] = list[compute_shuffled_index(i, n, seed)]`): the native
 * implementation (~2.5x faster at 1M validators) where available, else ceibo's own `unshuffleList`.
 * Both are checked against the spec's shuffling vectors.
 */
export function unshuffleListFast(list: Uint32Array, seed: Uint8Array): Uint32Array {
  if (native !== null && list.length > 1) return native(list, seed, SHUFFLE_ROUND_COUNT);
  return unshuffleListJs(list, seed);
}

export const nativeShuffleAvailable = native !== null;

type NativeProposerIndex = (
  seed: Uint8Array,
  activeIndices: Uint32Array,
  effectiveBalanceIncrements: Uint16Array,
  randByteCount: number,
  maxEffectiveBalance: number,
  effectiveBalanceIncrement: number,
  rounds: number,
) => number;

function loadNativeProposerIndex(): NativeProposerIndex | null {
  try {
    const require = createRequire(import.meta.url);
    const fn = (require("@chainsafe/swap-or-not-shuffle") as {computeProposerIndex?: NativeProposerIndex})
      .computeProposerIndex;
    return typeof fn === "function" ? fn : null;
  } catch {
    return null;
  }
}

const nativeProposerIndex = loadNativeProposerIndex();
export const nativeProposerIndexAvailable = nativeProposerIndex !== null;
const MAX_INCREMENTS_U16 = 0xffff;

/**
 * phase0 / electra compute_proposer_index for every slot of `epoch` (as computeProposerIndices), with the native
 * balance-weighted sampling of @chainsafe/swap-or-not-shuffle when it loads and every effective balance is a whole
 * number of increments that fits 16 bits (always on a real chain; the native code compares increments, which is
 * exact only then). Falls back to ceibo's own sampling otherwise; both give the spec's result. Not named
 * computeProposerIndices: that is the spec function itself, which this chooses a faster path to (allow-listed in
 * spec-tests/test/specLinks.test.ts).
 * Spec: `compute_proposer_indices` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/fulu/beacon-chain.md#new-compute_proposer_indices
 */
export function computeProposerIndicesFast(
  fork: number,
  state: BeaconStateAllForks,
  epoch: number,
  activeIndices: Uint32Array,
  effectiveBalances: Float64Array,
  knownIncrements: Uint16Array | null = null,
): number[] {
  if (nativeProposerIndex === null || activeIndices.length === 0) {
    return computeProposerIndices(fork, state, epoch, activeIndices, effectiveBalances);
  }
  // `knownIncrements`: effectiveBalances[i] / EFFECTIVE_BALANCE_INCREMENT, all whole, computed by the caller
  // (process_effective_balance_updates) in a loop it runs anyway
  let increments = knownIncrements;
  if (increments === null || increments.length < effectiveBalances.length) {
    increments = new Uint16Array(effectiveBalances.length);
    for (let i = 0; i < effectiveBalances.length; i++) {
      const inc = effectiveBalances[i] / EFFECTIVE_BALANCE_INCREMENT;
      if (!Number.isInteger(inc) || inc > MAX_INCREMENTS_U16) {
        return computeProposerIndices(fork, state, epoch, activeIndices, effectiveBalances);
      }
      increments[i] = inc;
    }
  }
  const electra = fork >= ForkSeq.electra;
  const epochSeed = getSeed(state, epoch, DOMAIN_BEACON_PROPOSER);
  const startSlot = computeStartSlotAtEpoch(epoch);
  const input = new Uint8Array(40);
  input.set(epochSeed, 0);
  const proposers: number[] = [];
  for (let i = 0; i < SLOTS_PER_EPOCH; i++) {
    input.set(uint64ToBytes(startSlot + i), 32);
    proposers.push(
      nativeProposerIndex(
        digest(input),
        activeIndices,
        increments,
        electra ? 2 : 1,
        electra ? MAX_EFFECTIVE_BALANCE_ELECTRA : MAX_EFFECTIVE_BALANCE,
        EFFECTIVE_BALANCE_INCREMENT,
        SHUFFLE_ROUND_COUNT,
      ),
    );
  }
  return proposers;
}

type NativeSyncCommitteeIndices = (
  seed: Uint8Array,
  activeIndices: Uint32Array,
  effectiveBalanceIncrements: Uint16Array,
  randByteCount: number,
  syncCommitteeSize: number,
  maxEffectiveBalance: number,
  effectiveBalanceIncrement: number,
  rounds: number,
) => Uint32Array;

function loadNativeSyncCommitteeIndices(): NativeSyncCommitteeIndices | null {
  try {
    const require = createRequire(import.meta.url);
    const fn = (require("@chainsafe/swap-or-not-shuffle") as {computeSyncCommitteeIndices?: NativeSyncCommitteeIndices})
      .computeSyncCommitteeIndices;
    return typeof fn === "function" ? fn : null;
  } catch {
    return null;
  }
}

const nativeSyncCommitteeIndices = loadNativeSyncCommitteeIndices();
export const nativeSyncCommitteeIndicesAvailable = nativeSyncCommitteeIndices !== null;

/**
 * altair / electra compute_sync_committee_indices (as computeSyncCommitteeIndices: `size` members sampled by
 * effective balance from `activeIndices` with `seed`), with the native sampling of @chainsafe/swap-or-not-shuffle
 * under the same conditions as computeProposerIndicesFast (whole increments that fit 16 bits), else ceibo's own.
 * At a sync-committee period boundary the sampling tries ~64 candidates per member (32-ETH validators against
 * the 2048-ETH electra maximum), 90 hashing rounds each: seconds in JS, a tenth of that natively. The sampling
 * loop of get_next_sync_committee_indices (altair; modified in electra), which computeSyncCommitteeIndices in
 * util/seed.ts implements and the spec tests check.
 */
export function computeSyncCommitteeIndicesFast(
  fork: number,
  effectiveBalances: Float64Array,
  activeIndices: Uint32Array,
  seed: Uint8Array,
  size: number,
): number[] {
  if (nativeSyncCommitteeIndices === null || activeIndices.length === 0) {
    return computeSyncCommitteeIndices(fork, effectiveBalances, activeIndices, seed, size);
  }
  const increments = new Uint16Array(effectiveBalances.length);
  for (let i = 0; i < effectiveBalances.length; i++) {
    const inc = effectiveBalances[i] / EFFECTIVE_BALANCE_INCREMENT;
    increments[i] = inc;
    if (increments[i] !== inc) return computeSyncCommitteeIndices(fork, effectiveBalances, activeIndices, seed, size);
  }
  const electra = fork >= ForkSeq.electra;
  return Array.from(
    nativeSyncCommitteeIndices(
      seed,
      activeIndices,
      increments,
      electra ? 2 : 1,
      size,
      electra ? MAX_EFFECTIVE_BALANCE_ELECTRA : MAX_EFFECTIVE_BALANCE,
      EFFECTIVE_BALANCE_INCREMENT,
      SHUFFLE_ROUND_COUNT,
    ),
  );
}
