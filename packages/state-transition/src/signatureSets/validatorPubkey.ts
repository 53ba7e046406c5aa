import type {PublicKey} from "@chainsafe/blst";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {StateHelperError} from "../errors.ts";
import type {KeyPoint} from "./signatureSet.ts";

/**
 * The pubkey cache is shared by every state of a chain and may know validators this state does not have yet, so
 * an index is checked against this state's registry (the spec's list access fails on an unknown index).
 */
function checkValidatorIndex(cs: CachedBeaconState, index: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= cs.state.validators.length) {
    throw new StateHelperError(
      {code: "VALIDATOR_INDEX_OUT_OF_RANGE", index, validatorCount: cs.state.validators.length},
      `validator index ${index} out of range (${cs.state.validators.length} validators)`,
    );
  }
}

/** `state.validators[index].pubkey` as a deserialized key. */
export function validatorPublicKey(cs: CachedBeaconState, index: number): PublicKey {
  checkValidatorIndex(cs, index);
  return cs.epochCtx.pubkeyCache.getPublicKey(index);
}

/**
 * `state.validators[index].pubkey` as its checked point (PubkeyCache.getKeyPoint): what a signature set carries to
 * the BLS pool without a blst object.
 */
export function validatorKeyPoint(cs: CachedBeaconState, index: number): KeyPoint {
  checkValidatorIndex(cs, index);
  return cs.epochCtx.pubkeyCache.getKeyPoint(index);
}

/**
 * The aggregate of `state.validators[i].pubkey` over `indices` (at least one), from the cache's stored points
 * (PubkeyCache.aggregatePublicKeys: no `PublicKey` object per key).
 */
export function validatorsAggregatePublicKey(cs: CachedBeaconState, indices: number[]): PublicKey {
  for (const index of indices) checkValidatorIndex(cs, index);
  return cs.epochCtx.pubkeyCache.aggregatePublicKeys(indices);
}
