import {COMPOUNDING_WITHDRAWAL_PREFIX, GENESIS_SLOT, MIN_ACTIVATION_BALANCE} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {BeaconStatePostElectra} from "../types.ts";

/** bls.G2_POINT_AT_INFINITY: the signature placeholder of a pending deposit made from excess balance */
const G2_POINT_AT_INFINITY = Uint8Array.from([0xc0, ...new Uint8Array(95)]);

/**
 * electra switch_to_compounding_validator
 * Spec: `switch_to_compounding_validator` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#new-switch_to_compounding_validator
 */
export function switchToCompoundingValidator(cs: CachedBeaconState, index: number): void {
  const validator = cs.state.validators.get(index);
  const credentials = validator.withdrawalCredentials.slice();
  credentials[0] = COMPOUNDING_WITHDRAWAL_PREFIX;
  validator.withdrawalCredentials = credentials;
  queueExcessActiveBalance(cs, index);
}

/**
 * electra queue_excess_active_balance
 * Spec: `queue_excess_active_balance` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#new-queue_excess_active_balance
 */
export function queueExcessActiveBalance(cs: CachedBeaconState, index: number): void {
  const state = cs.state as BeaconStatePostElectra;
  const balance = state.balances.get(index);
  if (balance > MIN_ACTIVATION_BALANCE) {
    const excessBalance = balance - MIN_ACTIVATION_BALANCE;
    state.balances.set(index, MIN_ACTIVATION_BALANCE);
    const validator = state.validators.getReadonly(index);
    // G2_POINT_AT_INFINITY as signature placeholder and GENESIS_SLOT to distinguish from a deposit request
    state.pendingDeposits.push(
      ssz.electra.PendingDeposit.toViewDU({
        pubkey: validator.pubkey,
        withdrawalCredentials: validator.withdrawalCredentials,
        amount: excessBalance,
        signature: G2_POINT_AT_INFINITY,
        slot: GENESIS_SLOT,
      }),
    );
  }
}
