/**
 * `ceibo validator bls-change`: SignedBLSToExecutionChange messages from a mnemonic's withdrawal keys
 * (EIP-2334 m/12381/3600/i/0), as staking-deposit-cli's `generate-bls-to-execution-change` makes them.
 *
 * Spec: consensus-specs a08d8a6 capella/beacon-chain.md "New process_bls_to_execution_change": the credentials must
 * be BLS_WITHDRAWAL_PREFIX ‖ hash(from_bls_pubkey)[1:], and the signature uses
 * compute_domain(DOMAIN_BLS_TO_EXECUTION_CHANGE, genesis_validators_root=state.genesis_validators_root), i.e. the
 * GENESIS_FORK_VERSION of the network whatever the current fork.
 */

import {computeDomain, computeSigningRoot} from "@ceibo/config";
import {deriveKeyFromSeed, mnemonicToSeed, withdrawalKeyPath} from "@ceibo/keymanager";
import {BLS_WITHDRAWAL_PREFIX, DOMAIN_BLS_TO_EXECUTION_CHANGE} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {toHex} from "@ceibo/utils";
import {digest} from "@chainsafe/as-sha256";
import {SecretKey} from "@chainsafe/blst";

export interface BlsToExecutionChange {
  validatorIndex: number;
  fromBlsPubkey: Uint8Array;
  toExecutionAddress: Uint8Array;
}

export interface SignedBlsToExecutionChange {
  message: BlsToExecutionChange;
  signature: Uint8Array;
  /** The mnemonic key index (m/12381/3600/<keyIndex>/0) the withdrawal key came from. */
  keyIndex: number;
}

/** BLS_WITHDRAWAL_PREFIX ‖ hash(pubkey)[1:] — phase0 deposit withdrawal credentials of a BLS withdrawal key. */
export function blsWithdrawalCredentials(pubkey: Uint8Array): Uint8Array {
  const out = digest(pubkey).slice();
  out[0] = BLS_WITHDRAWAL_PREFIX;
  return out;
}

export function blsToExecutionChangeSigningRoot(
  change: BlsToExecutionChange,
  genesisForkVersion: Uint8Array,
  genesisValidatorsRoot: Uint8Array,
): Uint8Array {
  const domain = computeDomain(DOMAIN_BLS_TO_EXECUTION_CHANGE, genesisForkVersion, genesisValidatorsRoot);
  return computeSigningRoot(ssz.capella.BLSToExecutionChange, change, domain);
}

export interface BuildBlsChangesOptions {
  mnemonic: string;
  /** BIP-39 passphrase (default none). */
  passphrase?: string;
  /** Mnemonic key index of the first validator; validator n of the list uses keyIndex startIndex + n. */
  startIndex: number;
  /** Beacon-chain validator indices, in key order. */
  validatorIndices: number[];
  toExecutionAddress: Uint8Array;
  genesisForkVersion: Uint8Array;
  genesisValidatorsRoot: Uint8Array;
}

/** One signed change per validator index, each signed by the withdrawal key m/12381/3600/(startIndex+n)/0. */
export function buildBlsToExecutionChanges(opts: BuildBlsChangesOptions): SignedBlsToExecutionChange[] {
  if (opts.toExecutionAddress.length !== 20) throw Error("the execution address must be 20 bytes");
  const seed = mnemonicToSeed(opts.mnemonic, opts.passphrase ?? "");
  try {
    return opts.validatorIndices.map((validatorIndex, n) => {
      const keyIndex = opts.startIndex + n;
      const skBytes = deriveKeyFromSeed(seed, withdrawalKeyPath(keyIndex));
      const sk = SecretKey.fromBytes(skBytes);
      skBytes.fill(0);
      const message = {
        validatorIndex,
        fromBlsPubkey: sk.toPublicKey().toBytes(true),
        toExecutionAddress: opts.toExecutionAddress,
      };
      const root = blsToExecutionChangeSigningRoot(message, opts.genesisForkVersion, opts.genesisValidatorsRoot);
      return {message, signature: sk.sign(root).toBytes(true), keyIndex};
    });
  } finally {
    seed.fill(0);
  }
}

/** The JSON staking-deposit-cli writes (bls_to_execution_change-<time>.json) and the Beacon API takes (less metadata). */
export function blsChangeToJson(
  c: SignedBlsToExecutionChange,
  metadata?: {networkName: string; genesisValidatorsRoot: Uint8Array},
): Record<string, unknown> {
  return {
    message: {
      validator_index: String(c.message.validatorIndex),
      from_bls_pubkey: toHex(c.message.fromBlsPubkey),
      to_execution_address: toHex(c.message.toExecutionAddress),
    },
    signature: toHex(c.signature),
    ...(metadata
      ? {
          metadata: {
            network_name: metadata.networkName,
            genesis_validators_root: toHex(metadata.genesisValidatorsRoot),
            deposit_cli_version: "ceibo",
          },
        }
      : {}),
  };
}
