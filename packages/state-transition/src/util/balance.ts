import type {BeaconStateAllForks} from "../types.ts";

/**
 * phase0 increase_balance
 * Spec: `increase_balance` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#increase_balance
 */
export function increaseBalance(state: BeaconStateAllForks, index: number, delta: number): void {
  state.balances.set(index, state.balances.get(index) + delta);
}

/**
 * phase0 decrease_balance (saturating at 0)
 * Spec: `decrease_balance` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#decrease_balance
 */
export function decreaseBalance(state: BeaconStateAllForks, index: number, delta: number): void {
  const balance = state.balances.get(index);
  state.balances.set(index, delta > balance ? 0 : balance - delta);
}
