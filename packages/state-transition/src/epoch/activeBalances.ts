import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {assertViewEpoch, VF_SLASHED} from "../cache/validatorFields.ts";
import {getCurrentEpoch} from "../util/epoch.ts";

/**
 * The effective balance of every validator active at the state's current epoch and not slashed, 0 for the others
 * (fork choice's get_attestation_score weights on the justified checkpoint state), from the typed-array view:
 * no validator object is built (reading a 1M registry as values cost seconds per justified checkpoint).
 */
export function getActiveUnslashedEffectiveBalances(cs: CachedBeaconState): Float64Array {
  const view = cs.validatorFields;
  view.sync(cs.state.validators);
  const epoch = getCurrentEpoch(cs.state);
  assertViewEpoch(epoch);
  const n = view.length;
  const balances = new Float64Array(n);
  const {activationEpoch, exitEpoch, bits} = view;
  const effectiveBalance = view.readEffectiveBalances();
  for (let i = 0; i < n; i++) {
    const activation = activationEpoch[i];
    const exit = exitEpoch[i];
    const b = bits[i];
    const eb = effectiveBalance[i];
    if ((b & VF_SLASHED) === 0 && activation <= epoch && epoch < exit) balances[i] = eb;
  }
  return balances;
}
