import type {PublicKey} from "@chainsafe/blst";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {StateHelperError} from "../errors.ts";

/**
 * `state.validators[index].pubkey` as a deserialized key. The pubkey cache is shared by every state of a chain
 * and may know validators this state does not have yet, so the index is checked against this state's registry
 * (the spec's list access fails on an unknown index).
 */
export function validatorPublicKey(cs: CachedBeaconState, index: number): PublicKey {
  if (!Number.isSafeInteger(index) || index < 0 || index >= cs.state.validators.length) {
    throw new StateHelperError(
      {code: "VALIDATOR_INDEX_OUT_OF_RANGE", index, validatorCount: cs.state.validators.length},
      `validator index ${index} out of range (${cs.state.validators.length} validators)`,
    );
  }
  return cs.epochCtx.pubkeyCache.getPublicKey(index);
}
