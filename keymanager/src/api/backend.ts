/**
 * What the Keymanager API server needs from the process that holds the validator keys (the validator client
 * implements it: validator-client/src/keymanagerBackend.ts). Pubkeys are 0x-prefixed lower-case hex (48 bytes),
 * addresses 0x-hex (20 bytes); the server has already validated the shape of every argument.
 */

export type ImportStatus = {status: "imported" | "duplicate" | "error"; message?: string};
export type DeleteStatus = {status: "deleted" | "not_active" | "not_found" | "error"; message?: string};
export type RemoteDeleteStatus = {status: "deleted" | "not_found" | "error"; message?: string};

export interface LocalKeyInfo {
  validatingPubkey: string;
  derivationPath?: string;
  /** Cannot be deleted through the API (e.g. loaded from --keystores or interop keys). */
  readonly: boolean;
}

export interface RemoteKeyInfo {
  pubkey: string;
  url: string;
  readonly: boolean;
}

export interface SignedVoluntaryExitJson {
  message: {epoch: string; validator_index: string};
  signature: string;
}

export interface KeymanagerBackend {
  listKeystores(): LocalKeyInfo[] | Promise<LocalKeyInfo[]>;
  /**
   * EIP-2335 keystores as JSON text with their passwords (same length, already checked) and an optional EIP-3076
   * interchange (JSON text), imported before any key can sign. A malformed interchange or one for another chain
   * throws KeymanagerApiError(400) and nothing is imported.
   */
  importKeystores(keystores: string[], passwords: string[], slashingProtection?: string): Promise<ImportStatus[]>;
  /**
   * Stops signing with the keys first (synchronously, before anything else), then deletes them and returns
   * their slashing-protection history (interchange v5 JSON text) for the `deleted` and `not_active` ones.
   */
  deleteKeystores(pubkeys: string[]): Promise<{statuses: DeleteStatus[]; slashingProtection: string}>;

  listRemoteKeys(): RemoteKeyInfo[] | Promise<RemoteKeyInfo[]>;
  importRemoteKeys(keys: {pubkey: string; url?: string}[]): Promise<ImportStatus[]>;
  deleteRemoteKeys(pubkeys: string[]): Promise<RemoteDeleteStatus[]>;

  /** Throws KeymanagerApiError(404) for a key this client does not hold. */
  getFeeRecipient(pubkey: string): string | Promise<string>;
  setFeeRecipient(pubkey: string, address: string): void | Promise<void>;
  deleteFeeRecipient(pubkey: string): void | Promise<void>;

  /** Decimal string. */
  getGasLimit(pubkey: string): string | Promise<string>;
  setGasLimit(pubkey: string, gasLimit: bigint): void | Promise<void>;
  deleteGasLimit(pubkey: string): void | Promise<void>;

  getGraffiti(pubkey: string): string | Promise<string>;
  setGraffiti(pubkey: string, graffiti: string): void | Promise<void>;
  deleteGraffiti(pubkey: string): void | Promise<void>;

  /** Signs through the validator client's signing gate; `epoch` defaults to the current epoch. */
  signVoluntaryExit(pubkey: string, epoch?: number): Promise<SignedVoluntaryExitJson>;
}

export type KeymanagerApiErrorCode =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "READ_ONLY"
  | "NOT_IMPLEMENTED"
  | "INTERNAL";

const STATUS: Record<KeymanagerApiErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  READ_ONLY: 403,
  NOT_IMPLEMENTED: 501,
  INTERNAL: 500,
};

/** An error the server answers with its HTTP status and `{message}`. */
export class KeymanagerApiError extends Error {
  readonly code: KeymanagerApiErrorCode;
  readonly status: number;

  constructor(code: KeymanagerApiErrorCode, message: string) {
    super(message);
    this.name = "KeymanagerApiError";
    this.code = code;
    this.status = STATUS[code];
  }
}
