import {SHUFFLE_ROUND_COUNT} from "@ceibo/params";
import {digest} from "@chainsafe/as-sha256";
import {ShufflingError} from "../errors.ts";

/**
 * Swap-or-not shuffle (consensus-specs phase0 `compute_shuffled_index`).
 *
 * Every round `r` of the shuffle is an involution on positions: with
 * `pivot = uint64_le(sha256(seed ‖ r)[0:8]) % n`, index `i` is paired with `flip = (pivot - i) mod n`
 * and the pair is swapped iff bit `max(i, flip) % 256` of `sha256(seed ‖ r ‖ uint32_le(max(i, flip) / 256))`
 * is set. `computeShuffledIndex` applies rounds `0..R-1` to one index.
 */

const SEED_LENGTH = 32;

function assertSeed(seed: Uint8Array): void {
  if (seed.length !== SEED_LENGTH) {
    throw new ShufflingError(
      {code: "INVALID_SEED_LENGTH", length: seed.length},
      `shuffle seed must be ${SEED_LENGTH} bytes, got ${seed.length}`,
    );
  }
}

function assertCount(indexCount: number): void {
  if (!Number.isSafeInteger(indexCount) || indexCount < 0 || indexCount > 0xffffffff) {
    throw new ShufflingError({code: "INVALID_INDEX_COUNT", indexCount}, `invalid index count ${indexCount}`);
  }
}

/** `uint64_le(sha256(seed ‖ uint8(round))[0:8]) % indexCount` */
function computePivot(pivotInput: Uint8Array, round: number, indexCount: number): number {
  pivotInput[SEED_LENGTH] = round;
  const h = digest(pivotInput);
  const lo = BigInt(h[0] | (h[1] << 8) | (h[2] << 16) | ((h[3] << 24) >>> 0)) & 0xffffffffn;
  const hi = BigInt(h[4] | (h[5] << 8) | (h[6] << 16) | ((h[7] << 24) >>> 0)) & 0xffffffffn;
  return Number(((hi << 32n) | lo) % BigInt(indexCount));
}

/** Writes `uint8(round) ‖ uint32_le(block)` after the seed and hashes it. */
function computeSource(sourceInput: Uint8Array, round: number, block: number): Uint8Array {
  sourceInput[SEED_LENGTH] = round;
  sourceInput[SEED_LENGTH + 1] = block & 0xff;
  sourceInput[SEED_LENGTH + 2] = (block >>> 8) & 0xff;
  sourceInput[SEED_LENGTH + 3] = (block >>> 16) & 0xff;
  sourceInput[SEED_LENGTH + 4] = (block >>> 24) & 0xff;
  return digest(sourceInput);
}

/**
 * Per-seed memo for `computeShuffledIndex`: callers compute many indices with one seed (a whole committee), and
 * the hashes depend only on (seed, round[, block]) and the pivot on (seed, count, round). Holds one seed.
 */
const MAX_CACHED_SOURCES = 1 << 14;
const memo = {
  seed: new Uint8Array(SEED_LENGTH),
  valid: false,
  pivotCount: -1,
  pivots: [] as number[],
  sources: new Map<number, Uint8Array>(),
};

function sameSeed(seed: Uint8Array): boolean {
  if (!memo.valid) return false;
  for (let i = 0; i < SEED_LENGTH; i++) if (memo.seed[i] !== seed[i]) return false;
  return true;
}

function memoFor(seed: Uint8Array, indexCount: number): typeof memo {
  if (!sameSeed(seed)) {
    memo.seed.set(seed);
    memo.valid = true;
    memo.pivotCount = -1;
    memo.sources.clear();
  }
  if (memo.pivotCount !== indexCount) {
    const pivotInput = new Uint8Array(SEED_LENGTH + 1);
    pivotInput.set(seed);
    memo.pivots = [];
    for (let round = 0; round < SHUFFLE_ROUND_COUNT; round++) {
      memo.pivots.push(computePivot(pivotInput, round, indexCount));
    }
    memo.pivotCount = indexCount;
  }
  if (memo.sources.size > MAX_CACHED_SOURCES) memo.sources.clear();
  return memo;
}

function memoSource(round: number, block: number): Uint8Array {
  // block < 2**24 (index_count <= 2**32), so the key is exact
  const key = round * 0x1000000 + block;
  let source = memo.sources.get(key);
  if (source === undefined) {
    const input = new Uint8Array(SEED_LENGTH + 5);
    input.set(memo.seed);
    source = computeSource(input, round, block);
    memo.sources.set(key, source);
  }
  return source;
}

/**
 * The spec's `compute_shuffled_index(index, index_count, seed)`: the position that `index` is moved to.
 * Committees are `indices[computeShuffledIndex(i, n, seed)]` for `i` in the committee's range.
 * For whole lists use `unshuffleList`: ~n/256 hashes per round instead of up to 2 per index and round.
 * Spec: `compute_shuffled_index` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#compute_shuffled_index
 */
export function computeShuffledIndex(index: number, indexCount: number, seed: Uint8Array): number {
  assertSeed(seed);
  assertCount(indexCount);
  if (!Number.isSafeInteger(index) || index < 0 || index >= indexCount) {
    throw new ShufflingError(
      {code: "INDEX_OUT_OF_RANGE", index, indexCount},
      `index ${index} out of range for index count ${indexCount}`,
    );
  }
  const {pivots} = memoFor(seed, indexCount);
  for (let round = 0; round < SHUFFLE_ROUND_COUNT; round++) {
    const pivot = pivots[round];
    const flip = (pivot + indexCount - index) % indexCount;
    const position = Math.max(index, flip);
    const source = memoSource(round, Math.floor(position / 256));
    const byte = source[(position % 256) >>> 3];
    const bit = (byte >> (position % 8)) & 1;
    if (bit === 1) index = flip;
  }
  return index;
}

/**
 * Applies one swap-or-not round to the whole list in place. Pairs are `(i, pivot - i)` inside `[0, pivot]`
 * and `(i, pivot + n - i)` inside `[pivot + 1, n - 1]`; for each pair the decision bit is taken at the
 * higher position `j`, so walking `j` downwards needs one hash per 256 positions.
 */
function applyRound(list: Uint32Array, round: number, pivot: number, sourceInput: Uint8Array): void {
  const n = list.length;
  swapMirrored(list, round, 0, pivot, sourceInput);
  swapMirrored(list, round, pivot + 1, n - 1, sourceInput);
}

/** Swaps `list[lo + k]` with `list[hi - k]` (for `lo + k < hi - k`) when the bit of position `hi - k` is set. */
function swapMirrored(list: Uint32Array, round: number, lo: number, hi: number, sourceInput: Uint8Array): void {
  if (lo >= hi) return;
  let i = lo;
  let j = hi;
  let source = computeSource(sourceInput, round, j >>> 8);
  while (i < j) {
    if ((source[(j & 0xff) >>> 3] >> (j & 7)) & 1) {
      const tmp = list[i];
      list[i] = list[j];
      list[j] = tmp;
    }
    i++;
    j--;
    // crossed into the previous 256-position block: one new hash
    if ((j & 0xff) === 0xff && i < j) source = computeSource(sourceInput, round, j >>> 8);
  }
}

function shuffleInPlace(list: Uint32Array, seed: Uint8Array, forwards: boolean): void {
  assertSeed(seed);
  const n = list.length;
  assertCount(n);
  if (n <= 1) return;
  const pivotInput = new Uint8Array(SEED_LENGTH + 1);
  pivotInput.set(seed);
  const sourceInput = new Uint8Array(SEED_LENGTH + 5);
  sourceInput.set(seed);
  for (let k = 0; k < SHUFFLE_ROUND_COUNT; k++) {
    const round = forwards ? k : SHUFFLE_ROUND_COUNT - 1 - k;
    applyRound(list, round, computePivot(pivotInput, round, n), sourceInput);
  }
}

/**
 * Committee order: returns `out` with `out[i] = input[computeShuffledIndex(i, n, seed)]` (rounds applied
 * from last to first). This is what `compute_committee` needs for the whole active validator list.
 * Does not modify `input`.
 */
export function unshuffleList(input: Uint32Array, seed: Uint8Array): Uint32Array {
  const out = input.slice();
  shuffleInPlace(out, seed, false);
  return out;
}

/**
 * Inverse of `unshuffleList`: returns `out` with `out[computeShuffledIndex(i, n, seed)] = input[i]`
 * (rounds applied first to last). Does not modify `input`.
 */
export function shuffleList(input: Uint32Array, seed: Uint8Array): Uint32Array {
  const out = input.slice();
  shuffleInPlace(out, seed, true);
  return out;
}

/** In-place variants of `unshuffleList` / `shuffleList` (avoid the copy on large lists). */
export function unshuffleListInPlace(list: Uint32Array, seed: Uint8Array): void {
  shuffleInPlace(list, seed, false);
}
export function shuffleListInPlace(list: Uint32Array, seed: Uint8Array): void {
  shuffleInPlace(list, seed, true);
}
