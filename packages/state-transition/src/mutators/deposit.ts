import {computeDomain, computeSigningRoot} from "@ceibo/config";
import {
  DOMAIN_DEPOSIT,
  EFFECTIVE_BALANCE_INCREMENT,
  FAR_FUTURE_EPOCH,
  ForkSeq,
  GENESIS_SLOT,
  MAX_EFFECTIVE_BALANCE,
} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {bytesEqual} from "@ceibo/utils";
import {PublicKey} from "@chainsafe/blst";
import type {ValueOf} from "@chainsafe/ssz";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {verifySignatureSet} from "../signatureSets/signatureSet.ts";
import type {BeaconStatePostAltair, BeaconStatePostElectra, Validator} from "../types.ts";
import {increaseBalance} from "../util/balance.ts";
import {getMaxEffectiveBalance} from "../util/validator.ts";

export type PendingDepositValue = ValueOf<typeof ssz.electra.PendingDeposit>;

const ZERO_ROOT = new Uint8Array(32);

/**
 * The index of the validator with `pubkey` in this state's registry, or undefined (the spec's
 * `validator_pubkeys.index(pubkey)`), from the pubkey cache: no scan of the registry. The cache is shared by
 * every state of a chain, so the hit is confirmed against this state's registry.
 */
export function findValidatorIndex(cs: CachedBeaconState, pubkey: Uint8Array): number | undefined {
  const index = cs.epochCtx.pubkeyCache.getIndex(pubkey);
  if (index === undefined || index >= cs.state.validators.length) return undefined;
  if (!bytesEqual(cs.state.validators.getReadonly(index).pubkey, pubkey)) return undefined;
  return index;
}

/**
 * phase0 / electra get_validator_from_deposit
 * Spec: `get_validator_from_deposit` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#modified-get_validator_from_deposit (phase0; modified in electra)
 */
export function getValidatorFromDeposit(
  fork: number,
  pubkey: Uint8Array,
  withdrawalCredentials: Uint8Array,
  amount: number,
): Validator {
  const maxEffectiveBalance =
    fork >= ForkSeq.electra ? getMaxEffectiveBalance(withdrawalCredentials) : MAX_EFFECTIVE_BALANCE;
  return {
    pubkey,
    withdrawalCredentials,
    effectiveBalance: Math.min(amount - (amount % EFFECTIVE_BALANCE_INCREMENT), maxEffectiveBalance),
    slashed: false,
    activationEligibilityEpoch: FAR_FUTURE_EPOCH,
    activationEpoch: FAR_FUTURE_EPOCH,
    exitEpoch: FAR_FUTURE_EPOCH,
    withdrawableEpoch: FAR_FUTURE_EPOCH,
  };
}

/**
 * phase0 / altair / electra add_validator_to_registry: appends the validator and its balance (altair+: zero
 * participation flags and inactivity score) and registers it in the epoch cache (pubkey index, effective balance).
 * Spec: `add_validator_to_registry` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#modified-add_validator_to_registry (phase0; modified in altair, electra)
 */
export function addValidatorToRegistry(
  cs: CachedBeaconState,
  pubkey: Uint8Array,
  withdrawalCredentials: Uint8Array,
  amount: number,
): void {
  const {state, fork} = cs;
  const index = state.validators.length;
  const validator = getValidatorFromDeposit(fork, pubkey, withdrawalCredentials, amount);
  state.validators.push(ssz.phase0.Validator.toViewDU(validator));
  state.balances.push(amount);
  if (fork >= ForkSeq.altair) {
    const s = state as BeaconStatePostAltair;
    s.previousEpochParticipation.push(0);
    s.currentEpochParticipation.push(0);
    s.inactivityScores.push(0);
  }
  cs.epochCtx.addValidator(index, pubkey, validator.effectiveBalance);
}

/**
 * electra is_valid_deposit_signature (also phase0 apply_deposit's proof-of-possession check): bls.Verify over the
 * DepositMessage with the fork-agnostic deposit domain (genesis fork version, zero root). A pubkey or signature
 * that does not decode to a valid point is an invalid signature, not an error.
 * Spec: `is_valid_deposit_signature` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#new-is_valid_deposit_signature
 */
export function isValidDepositSignature(
  cs: Pick<CachedBeaconState, "config">,
  pubkey: Uint8Array,
  withdrawalCredentials: Uint8Array,
  amount: number,
  signature: Uint8Array,
): boolean {
  let publicKey: PublicKey;
  try {
    // KeyValidate: on the curve, in the subgroup, not the point at infinity
    publicKey = PublicKey.fromBytes(pubkey, true);
  } catch {
    return false;
  }
  const domain = computeDomain(DOMAIN_DEPOSIT, cs.config.GENESIS_FORK_VERSION, ZERO_ROOT);
  const signingRoot = computeSigningRoot(ssz.phase0.DepositMessage, {pubkey, withdrawalCredentials, amount}, domain);
  try {
    return verifySignatureSet({type: "single", pubkey: publicKey, signingRoot, signature});
  } catch {
    return false;
  }
}

/**
 * phase0 / electra apply_deposit. phase0–deneb: a new pubkey with a valid proof of possession becomes a validator
 * with the deposited balance, a known pubkey gets its balance increased. electra (and fulu, which keeps it): a new
 * pubkey is registered with a zero balance and the amount is queued as a PendingDeposit (slot GENESIS_SLOT).
 * Spec: `apply_deposit` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#modified-apply_deposit (phase0; modified in electra)
 */
export function applyDeposit(
  cs: CachedBeaconState,
  pubkey: Uint8Array,
  withdrawalCredentials: Uint8Array,
  amount: number,
  signature: Uint8Array,
): void {
  const index = findValidatorIndex(cs, pubkey);
  if (cs.fork >= ForkSeq.electra) {
    if (index === undefined) {
      if (!isValidDepositSignature(cs, pubkey, withdrawalCredentials, amount, signature)) return;
      addValidatorToRegistry(cs, pubkey, withdrawalCredentials, 0);
    }
    const state = cs.state as BeaconStatePostElectra;
    state.pendingDeposits.push(
      ssz.electra.PendingDeposit.toViewDU({pubkey, withdrawalCredentials, amount, signature, slot: GENESIS_SLOT}),
    );
    return;
  }
  if (index === undefined) {
    if (isValidDepositSignature(cs, pubkey, withdrawalCredentials, amount, signature)) {
      addValidatorToRegistry(cs, pubkey, withdrawalCredentials, amount);
    }
  } else {
    increaseBalance(cs.state, index, amount);
  }
}

/**
 * electra apply_pending_deposit
 * Spec: `apply_pending_deposit` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/beacon-chain.md#new-apply_pending_deposit
 */
export function applyPendingDeposit(cs: CachedBeaconState, deposit: PendingDepositValue): void {
  const index = findValidatorIndex(cs, deposit.pubkey);
  if (index === undefined) {
    if (isValidDepositSignature(cs, deposit.pubkey, deposit.withdrawalCredentials, deposit.amount, deposit.signature)) {
      addValidatorToRegistry(cs, deposit.pubkey, deposit.withdrawalCredentials, deposit.amount);
    }
  } else {
    increaseBalance(cs.state, index, deposit.amount);
  }
}
