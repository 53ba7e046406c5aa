/** bls_to_execution_change (capella p2p-interface.md validate_bls_to_execution_change_gossip), on the head state. */

import {createHash} from "node:crypto";
import {BLS_WITHDRAWAL_PREFIX} from "@ceibo/params";
import {
  computeEpochAtSlot,
  getBlsToExecutionChangeSignatureSet,
  type SignedBLSToExecutionChange,
} from "@ceibo/state-transition";
import {bytesEqual} from "@ceibo/utils";
import {currentTimeMs, type GossipValidationContext, verifySetsOrReject} from "./common.ts";
import {
  type BlsToExecutionChangeGossipErrorCode,
  type GossipRaise,
  ignore as ignoreAny,
  reject as rejectAny,
} from "./errors.ts";

const ignore: GossipRaise<BlsToExecutionChangeGossipErrorCode> = ignoreAny;
const reject: GossipRaise<BlsToExecutionChangeGossipErrorCode> = rejectAny;

/**
 * capella validate_bls_to_execution_change_gossip; marks the validator seen when the change passes.
 * Spec: `validate_bls_to_execution_change_gossip` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/capella/p2p-interface.md#new-bls_to_execution_change
 */
export async function validateBlsToExecutionChangeGossip(
  ctx: GossipValidationContext,
  signedChange: SignedBLSToExecutionChange,
): Promise<void> {
  const change = signedChange.message;
  const index = change.validatorIndex;
  const chain = ctx.chain;

  // [IGNORE] The current epoch (by the wall clock) is at or after the Capella fork epoch
  const sinceGenesisMs = currentTimeMs(ctx) - chain.genesisTime * 1000;
  const currentEpoch =
    sinceGenesisMs < 0 ? 0 : computeEpochAtSlot(Math.floor(sinceGenesisMs / chain.config.SLOT_DURATION_MS));
  if (currentEpoch < chain.config.CAPELLA_FORK_EPOCH) ignore("PRE_CAPELLA", "the current epoch is before capella");

  // [IGNORE] The first valid BLS to execution change received for the validator (again after the signature check)
  const checkSeen = (): void => {
    if (ctx.seen.blsToExecutionChangeIndices.has(index)) {
      ignore("CHANGE_ALREADY_KNOWN", `already seen a BLS to execution change of validator ${index}`);
    }
  };
  checkSeen();
  const state = chain.getHeadState();
  // [REJECT] The validator index is valid
  if (index >= state.state.validators.length) reject("VALIDATOR_INDEX_OUT_OF_RANGE", `${index} is not a validator`);
  const credentials = state.state.validators.getReadonly(index).withdrawalCredentials;
  // [REJECT] The validator has BLS withdrawal credentials
  if (credentials[0] !== BLS_WITHDRAWAL_PREFIX) {
    reject("NOT_BLS_CREDENTIALS", `validator ${index} does not have BLS withdrawal credentials`);
  }
  // [REJECT] from_bls_pubkey matches the withdrawal credentials
  const pubkeyHash = createHash("sha256").update(change.fromBlsPubkey).digest();
  if (!bytesEqual(credentials.subarray(1), pubkeyHash.subarray(1))) {
    reject("WRONG_WITHDRAWAL_PUBKEY", `from_bls_pubkey does not match the credentials of validator ${index}`);
  }
  // [REJECT] The signature is valid (from_bls_pubkey, fork-agnostic domain)
  await verifySetsOrReject(ctx, [
    {
      code: "INVALID_SIGNATURE",
      message: `invalid BLS to execution change signature of validator ${index}`,
      build: () => getBlsToExecutionChangeSignatureSet(state, signedChange),
    },
  ]);
  // Seen again: other messages were validated during the await (its "first valid" rule)
  checkSeen();

  ctx.seen.blsToExecutionChangeIndices.add(index);
}
