import {toHex} from "@ceibo/utils";
import {SecretKey} from "@chainsafe/blst";
import {ValidatorClientError} from "../errors.ts";

/** What a signature is for: the Web3Signer API's request `type` (the remote signer needs it to apply its own rules). */
export type SigningKind =
  | "BLOCK_V2"
  | "ATTESTATION"
  | "RANDAO_REVEAL"
  | "AGGREGATION_SLOT"
  | "AGGREGATE_AND_PROOF_V2"
  | "SYNC_COMMITTEE_MESSAGE"
  | "SYNC_COMMITTEE_SELECTION_PROOF"
  | "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF"
  | "VOLUNTARY_EXIT"
  | "VALIDATOR_REGISTRATION";

/** Web3Signer's `fork_info`: the fork the domain was computed with, and the chain. */
export interface ForkInfoJson {
  fork: {previous_version: string; current_version: string; epoch: string};
  genesis_validators_root: string;
}

export interface SigningRequest {
  kind: SigningKind;
  signingRoot: Uint8Array;
  /** The fork of the signing epoch (absent for VALIDATOR_REGISTRATION, which has no fork). */
  forkInfo?: ForkInfoJson;
  /** The type-specific fields of Web3Signer's request body, e.g. `{attestation: {...}}`. */
  body: Record<string, unknown>;
}

/**
 * A remote signer (`Web3SignerClient`: Web3Signer eth2 API, `POST /api/v1/eth2/sign/{pubkey}`) behind the same
 * gate: the gate has checked and recorded slashing protection before `sign` is called.
 */
export interface RemoteSigner {
  readonly url: string;
  sign(pubkey: Uint8Array, request: SigningRequest): Promise<Uint8Array>;
}

/** One validator key: a local blst secret key, or a key held by a remote signer. */
export type ValidatorKey =
  | {type: "local"; pubkey: Uint8Array; secretKey: SecretKey}
  | {type: "remote"; pubkey: Uint8Array; signer: RemoteSigner};

/** The keys this client validates with, by 0x-hex pubkey. */
export class KeyStore {
  private readonly keys = new Map<string, ValidatorKey>();

  static fromSecretKeys(secretKeys: SecretKey[]): KeyStore {
    const store = new KeyStore();
    for (const sk of secretKeys) store.add({type: "local", pubkey: sk.toPublicKey().toBytes(true), secretKey: sk});
    return store;
  }

  /** From decrypted keystores (`@ceibo/keymanager` `loadKeys`): secret key bytes with their pubkeys. */
  static fromSecretKeyBytes(keys: {pubkey: Uint8Array; secretKey: Uint8Array}[]): KeyStore {
    const store = new KeyStore();
    for (const k of keys) {
      const sk = SecretKey.fromBytes(k.secretKey);
      const pubkey = sk.toPublicKey().toBytes(true);
      if (toHex(pubkey) !== toHex(k.pubkey)) {
        throw new ValidatorClientError(
          "INVALID_SIGNING_REQUEST",
          `secret key does not match pubkey ${toHex(k.pubkey)}`,
        );
      }
      store.add({type: "local", pubkey, secretKey: sk});
    }
    return store;
  }

  add(key: ValidatorKey): void {
    const id = toHex(key.pubkey);
    if (this.keys.has(id)) throw new ValidatorClientError("INVALID_SIGNING_REQUEST", `duplicate validator key ${id}`);
    this.keys.set(id, key);
  }

  /**
   * Removes a key: from the moment this returns, the signing gate refuses every new signature with it
   * (`UNKNOWN_PUBKEY`), including requests already past their slashing-protection check. Returns the removed key.
   */
  remove(pubkey: Uint8Array | string): ValidatorKey | undefined {
    const id = typeof pubkey === "string" ? pubkey.toLowerCase() : toHex(pubkey);
    const key = this.keys.get(id);
    this.keys.delete(id);
    return key;
  }

  get(pubkey: Uint8Array | string): ValidatorKey {
    const id = typeof pubkey === "string" ? pubkey.toLowerCase() : toHex(pubkey);
    const key = this.keys.get(id);
    if (key === undefined) throw new ValidatorClientError("UNKNOWN_PUBKEY", `no key for validator ${id}`, {pubkey: id});
    return key;
  }

  has(pubkey: Uint8Array | string): boolean {
    return this.keys.has(typeof pubkey === "string" ? pubkey.toLowerCase() : toHex(pubkey));
  }

  pubkeys(): Uint8Array[] {
    return [...this.keys.values()].map((k) => k.pubkey);
  }

  pubkeysHex(): string[] {
    return [...this.keys.keys()];
  }

  get size(): number {
    return this.keys.size;
  }
}
