import {
  DOMAIN_BEACON_PROPOSER,
  EFFECTIVE_BALANCE_INCREMENT,
  EPOCHS_PER_HISTORICAL_VECTOR,
  ForkSeq,
  MAX_EFFECTIVE_BALANCE,
  MAX_EFFECTIVE_BALANCE_ELECTRA,
  MIN_SEED_LOOKAHEAD,
  SLOTS_PER_EPOCH,
} from "@ceibo/params";
import {digest} from "@chainsafe/as-sha256";
import {StateHelperError} from "../errors.ts";
import type {BeaconStateAllForks} from "../types.ts";
import {computeStartSlotAtEpoch} from "./epoch.ts";
import {uint64ToBytes} from "./math.ts";
import {computeShuffledIndex} from "./shuffle.ts";

/**
 * phase0 get_randao_mix
 * Spec: `get_randao_mix` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#get_randao_mix
 */
export function getRandaoMix(state: BeaconStateAllForks, epoch: number): Uint8Array {
  return state.randaoMixes.get(epoch % EPOCHS_PER_HISTORICAL_VECTOR);
}

/**
 * phase0 get_seed
 * Spec: `get_seed` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#get_seed
 */
export function getSeed(state: BeaconStateAllForks, epoch: number, domainType: Uint8Array): Uint8Array {
  const mix = getRandaoMix(state, epoch + EPOCHS_PER_HISTORICAL_VECTOR - MIN_SEED_LOOKAHEAD - 1);
  const input = new Uint8Array(4 + 8 + 32);
  input.set(domainType, 0);
  input.set(uint64ToBytes(epoch), 4);
  input.set(mix, 12);
  return digest(input);
}

/**
 * The balance-weighted sampling shared by phase0/electra compute_proposer_index and
 * get_next_sync_committee_indices: walks the shuffled `indices` and yields each candidate that passes the
 * effective-balance test (electra: 16-bit random values against MAX_EFFECTIVE_BALANCE_ELECTRA).
 * `effectiveBalances[i]` is validator i's effective balance in Gwei. The test is done in increments when the
 * balance is a multiple of EFFECTIVE_BALANCE_INCREMENT (always, on a real chain: exact and fast) and on bigints
 * otherwise, so it equals the spec's integer comparison for any value.
 */
export function* sampleByEffectiveBalance(
  fork: number,
  effectiveBalances: ArrayLike<number>,
  indices: ArrayLike<number>,
  seed: Uint8Array,
): Generator<number, never> {
  const total = indices.length;
  if (total === 0) throw new StateHelperError({code: "NO_ACTIVE_VALIDATORS"}, "no active validators to sample from");
  const electra = fork >= ForkSeq.electra;
  const maxRandom = electra ? 2 ** 16 - 1 : 2 ** 8 - 1;
  const maxEffectiveBalance = electra ? MAX_EFFECTIVE_BALANCE_ELECTRA : MAX_EFFECTIVE_BALANCE;
  const maxIncrements = maxEffectiveBalance / EFFECTIVE_BALANCE_INCREMENT;
  const hashInput = new Uint8Array(40);
  hashInput.set(seed, 0);
  let randomBytes: Uint8Array = new Uint8Array(0);
  let randomBlock = -1;
  for (let i = 0; ; i++) {
    const candidate = indices[computeShuffledIndex(i % total, total, seed)];
    const block = electra ? Math.floor(i / 16) : Math.floor(i / 32);
    if (block !== randomBlock) {
      hashInput.set(uint64ToBytes(block), 32);
      randomBytes = digest(hashInput);
      randomBlock = block;
    }
    const randomValue = electra
      ? randomBytes[(i % 16) * 2] | (randomBytes[(i % 16) * 2 + 1] << 8)
      : randomBytes[i % 32];
    const effectiveBalance = effectiveBalances[candidate];
    const accept =
      effectiveBalance % EFFECTIVE_BALANCE_INCREMENT === 0
        ? (effectiveBalance / EFFECTIVE_BALANCE_INCREMENT) * maxRandom >= maxIncrements * randomValue
        : BigInt(effectiveBalance) * BigInt(maxRandom) >= BigInt(maxEffectiveBalance) * BigInt(randomValue);
    if (accept) yield candidate;
  }
}

/**
 * phase0 / electra compute_proposer_index
 * Spec: `compute_proposer_index` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#modified-compute_proposer_index (phase0; modified in electra)
 */
export function computeProposerIndex(
  fork: number,
  effectiveBalances: ArrayLike<number>,
  indices: ArrayLike<number>,
  seed: Uint8Array,
): number {
  return sampleByEffectiveBalance(fork, effectiveBalances, indices, seed).next().value;
}

/** altair / electra get_next_sync_committee_indices, for the active indices and seed of `current epoch + 1` */
export function computeSyncCommitteeIndices(
  fork: number,
  effectiveBalances: ArrayLike<number>,
  activeIndices: ArrayLike<number>,
  seed: Uint8Array,
  size: number,
): number[] {
  const out: number[] = [];
  for (const index of sampleByEffectiveBalance(fork, effectiveBalances, activeIndices, seed)) {
    out.push(index);
    if (out.length === size) break;
  }
  return out;
}

/**
 * The proposer of every slot of `epoch` (phase0 get_beacon_proposer_index per slot; fulu compute_proposer_indices).
 * Spec: `compute_proposer_indices` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/fulu/beacon-chain.md#new-compute_proposer_indices
 */
export function computeProposerIndices(
  fork: number,
  state: BeaconStateAllForks,
  epoch: number,
  activeIndices: ArrayLike<number>,
  effectiveBalances: ArrayLike<number>,
): number[] {
  const epochSeed = getSeed(state, epoch, DOMAIN_BEACON_PROPOSER);
  const startSlot = computeStartSlotAtEpoch(epoch);
  const proposers: number[] = [];
  const input = new Uint8Array(40);
  input.set(epochSeed, 0);
  for (let i = 0; i < SLOTS_PER_EPOCH; i++) {
    input.set(uint64ToBytes(startSlot + i), 32);
    proposers.push(computeProposerIndex(fork, effectiveBalances, activeIndices, digest(input)));
  }
  return proposers;
}
