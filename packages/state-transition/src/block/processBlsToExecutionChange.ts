import {BLS_WITHDRAWAL_PREFIX, ETH1_ADDRESS_WITHDRAWAL_PREFIX} from "@ceibo/params";
import {bytesEqual} from "@ceibo/utils";
import {digest} from "@chainsafe/as-sha256";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {BlsToExecutionChangeError} from "../errors.ts";
import {
  getBlsToExecutionChangeSignatureSet,
  type SignedBLSToExecutionChange,
} from "../signatureSets/blsToExecutionChange.ts";
import {verifySignatureSet} from "../signatureSets/signatureSet.ts";

/**
 * capella process_bls_to_execution_change
 * Spec: `process_bls_to_execution_change` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/capella/beacon-chain.md#new-process_bls_to_execution_change
 */
export function processBlsToExecutionChange(
  cs: CachedBeaconState,
  signedAddressChange: SignedBLSToExecutionChange,
  verifySignatures = true,
): void {
  const change = signedAddressChange.message;
  const state = cs.state;
  if (!(change.validatorIndex < state.validators.length)) {
    throw new BlsToExecutionChangeError(
      {code: "UNKNOWN_VALIDATOR", validatorIndex: change.validatorIndex},
      `BLS to execution change: unknown validator ${change.validatorIndex}`,
    );
  }
  const credentials = state.validators.getReadonly(change.validatorIndex).withdrawalCredentials;
  if (credentials[0] !== BLS_WITHDRAWAL_PREFIX) {
    throw new BlsToExecutionChangeError(
      {code: "NOT_BLS_CREDENTIALS", validatorIndex: change.validatorIndex},
      `BLS to execution change: withdrawal credentials of validator ${change.validatorIndex} are not BLS credentials`,
    );
  }
  if (!bytesEqual(credentials.subarray(1), digest(change.fromBlsPubkey).subarray(1))) {
    throw new BlsToExecutionChangeError(
      {code: "PUBKEY_MISMATCH", validatorIndex: change.validatorIndex},
      `BLS to execution change: from_bls_pubkey does not match the withdrawal credentials of validator ${change.validatorIndex}`,
    );
  }
  if (verifySignatures) {
    let valid: boolean;
    try {
      valid = verifySignatureSet(getBlsToExecutionChangeSignatureSet(cs, signedAddressChange));
    } catch {
      valid = false; // from_bls_pubkey is not a valid public key
    }
    if (!valid)
      throw new BlsToExecutionChangeError(
        {code: "INVALID_SIGNATURE", validatorIndex: change.validatorIndex},
        `BLS to execution change: invalid signature for validator ${change.validatorIndex}`,
      );
  }
  const newCredentials = new Uint8Array(32);
  newCredentials[0] = ETH1_ADDRESS_WITHDRAWAL_PREFIX;
  newCredentials.set(change.toExecutionAddress, 12);
  state.validators.get(change.validatorIndex).withdrawalCredentials = newCredentials;
}
