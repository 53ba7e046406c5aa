/** Error codes of the keystore subsystem; every error carries one so callers can branch without parsing messages. */
export type KeystoreErrorCode =
  | "MALFORMED_JSON"
  | "INVALID_KEYSTORE"
  | "UNSUPPORTED_KDF_PARAMS"
  | "WRONG_PASSWORD"
  | "PUBKEY_MISMATCH"
  | "INVALID_SECRET"
  | "KEY_LOCKED"
  | "CACHE_INVALID"
  | "INVALID_PATH"
  | "INVALID_MNEMONIC"
  | "IO";

/** A keystore error. Messages name the keystore file and its public key, never a password or a secret. */
export class KeystoreError extends Error {
  readonly code: KeystoreErrorCode;
  readonly path?: string;

  constructor(code: KeystoreErrorCode, message: string, path?: string) {
    super(message);
    this.name = "KeystoreError";
    this.code = code;
    this.path = path;
  }
}
