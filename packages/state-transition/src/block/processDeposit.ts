import {DEPOSIT_CONTRACT_TREE_DEPTH} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import type {ValueOf} from "@chainsafe/ssz";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {DepositError} from "../errors.ts";
import {applyDeposit} from "../mutators/deposit.ts";
import {isValidMerkleBranch} from "../util/merkle.ts";

export type Deposit = ValueOf<typeof ssz.phase0.Deposit>;

/**
 * phase0 / electra process_deposit (removed in fulu). The deposit's signature is always checked by apply_deposit
 * (an invalid one skips the deposit, it does not invalidate the block), whatever the block's signature policy.
 * Spec: `process_deposit` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#modified-process_deposit (phase0; modified in electra)
 */
export function processDeposit(cs: CachedBeaconState, deposit: Deposit): void {
  const state = cs.state;
  const valid = isValidMerkleBranch(
    ssz.phase0.DepositData.hashTreeRoot(deposit.data),
    deposit.proof,
    DEPOSIT_CONTRACT_TREE_DEPTH + 1, // + 1 for the List length mix-in
    state.eth1DepositIndex,
    state.eth1Data.depositRoot,
  );
  if (!valid)
    throw new DepositError(
      {code: "INVALID_MERKLE_BRANCH", depositIndex: state.eth1DepositIndex},
      `deposit ${state.eth1DepositIndex}: invalid Merkle branch`,
    );
  state.eth1DepositIndex += 1;
  const {pubkey, withdrawalCredentials, amount, signature} = deposit.data;
  applyDeposit(cs, pubkey, withdrawalCredentials, amount, signature);
}
