/**
 * EIP-2335 keystores: parse + validate the JSON, decrypt (scrypt or pbkdf2 via @chainsafe/bls-keystore), and check
 * that the decrypted secret really belongs to the pubkey the keystore claims.
 *
 * Spec: https://eips.ethereum.org/EIPS/eip-2335 (version 4).
 */

import {readFile} from "node:fs/promises";
import {bytesEqual, fromHex, toHex} from "@ceibo/utils";
import {
  create,
  decrypt,
  defaultPbkdfModule,
  defaultScryptModule,
  type IKeystore,
  schemaValidationErrors,
} from "@chainsafe/bls-keystore";
import {SecretKey} from "@chainsafe/blst";
import {KeystoreError} from "./errors.ts";

export type {IKeystore};

/** A keystore that passed validation, with where it came from. */
export interface ParsedKeystore {
  /** File path (or another label) used in every error message. */
  path: string;
  keystore: IKeystore;
  /** The pubkey the keystore claims, 48 bytes (required by the schema). */
  pubkey: Uint8Array;
}

export interface DecryptedKey {
  path: string;
  pubkey: Uint8Array;
  secretKey: Uint8Array;
}

/** Upper bounds on KDF cost so a hostile keystore cannot make us allocate gigabytes or spin for hours. */
export const MAX_SCRYPT_MEMORY_BYTES = 2 ** 30; // 128 * n * r; mainnet keystores use 256 MiB
export const MAX_PBKDF2_ROUNDS = 2 ** 24;

function invalid(path: string, why: string): KeystoreError {
  return new KeystoreError("INVALID_KEYSTORE", `invalid keystore ${path}: ${why}`, path);
}

/** Hex label of a keystore's pubkey for messages. */
export function pubkeyLabel(ks: ParsedKeystore): string {
  return toHex(ks.pubkey);
}

/** Parse and validate keystore JSON text. Throws KeystoreError MALFORMED_JSON / INVALID_KEYSTORE / UNSUPPORTED_KDF_PARAMS. */
export function parseKeystore(json: string, path: string): ParsedKeystore {
  let obj: unknown;
  try {
    obj = JSON.parse(json);
  } catch (e) {
    throw new KeystoreError("MALFORMED_JSON", `malformed JSON in keystore ${path}: ${(e as Error).message}`, path);
  }
  return validateKeystoreObject(obj, path);
}

/** Validate an already-parsed object as an EIP-2335 version 4 keystore. */
export function validateKeystoreObject(obj: unknown, path: string): ParsedKeystore {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) throw invalid(path, "not a JSON object");
  const o = obj as Record<string, unknown>;
  if (o.version !== 4) throw invalid(path, `unsupported version ${JSON.stringify(o.version)} (expected 4)`);
  const errors = schemaValidationErrors(obj);
  if (errors) {
    const first = errors
      .slice(0, 3)
      .map((e) => `${e.instancePath || "/"} ${e.message}`)
      .join("; ");
    throw invalid(path, first);
  }
  const keystore = obj as IKeystore;

  if (!/^[0-9a-fA-F]{96}$/.test(keystore.pubkey)) throw invalid(path, "pubkey must be 48 bytes of hex");
  const pubkey = fromHex(keystore.pubkey, "keystore pubkey", {prefixOptional: true});

  const {kdf, cipher, checksum} = keystore.crypto;
  if (!/^[0-9a-fA-F]{32}$/.test(cipher.params.iv)) throw invalid(path, "cipher.params.iv must be 16 bytes of hex");
  if (!/^[0-9a-fA-F]{64}$/.test(cipher.message)) throw invalid(path, "cipher.message must be 32 bytes of hex");
  if (!/^[0-9a-fA-F]{64}$/.test(checksum.message)) throw invalid(path, "checksum.message must be 32 bytes of hex");
  if (!/^([0-9a-fA-F]{2})+$/.test(kdf.params.salt)) throw invalid(path, "kdf.params.salt must be non-empty hex");
  if (kdf.params.dklen !== 32) throw invalid(path, `kdf.params.dklen must be 32, got ${kdf.params.dklen}`);

  if (kdf.function === "scrypt") {
    const {n, r, p} = kdf.params;
    if (!Number.isSafeInteger(n) || n < 2 || (n & (n - 1)) !== 0)
      throw invalid(path, `scrypt n=${n} is not a power of 2`);
    if (!Number.isSafeInteger(r) || r < 1 || !Number.isSafeInteger(p) || p < 1)
      throw invalid(path, "scrypt r and p must be >= 1");
    if (128 * n * r > MAX_SCRYPT_MEMORY_BYTES || p > 16) {
      throw new KeystoreError(
        "UNSUPPORTED_KDF_PARAMS",
        `keystore ${path}: scrypt parameters n=${n} r=${r} p=${p} exceed the supported cost (${MAX_SCRYPT_MEMORY_BYTES} bytes, p <= 16)`,
        path,
      );
    }
  } else {
    const {c} = kdf.params;
    if (!Number.isSafeInteger(c) || c < 1) throw invalid(path, `pbkdf2 c=${c} must be a positive integer`);
    if (c > MAX_PBKDF2_ROUNDS) {
      throw new KeystoreError(
        "UNSUPPORTED_KDF_PARAMS",
        `keystore ${path}: pbkdf2 c=${c} exceeds the supported maximum ${MAX_PBKDF2_ROUNDS}`,
        path,
      );
    }
  }
  return {path, keystore, pubkey};
}

/** Read and validate a keystore file. */
export async function readKeystoreFile(path: string): Promise<ParsedKeystore> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new KeystoreError("IO", `cannot read keystore ${path}: ${(e as Error).message}`, path);
  }
  return parseKeystore(text, path);
}

/** Public key (48-byte compressed G1) of a 32-byte secret key; throws INVALID_SECRET for a zero or out-of-range scalar. */
export function secretToPubkey(secretKey: Uint8Array, path = "secret key"): Uint8Array {
  try {
    return SecretKey.fromBytes(secretKey).toPublicKey().toBytes();
  } catch {
    throw new KeystoreError("INVALID_SECRET", `keystore ${path} holds an invalid BLS secret key`, path);
  }
}

/**
 * Passwords go to the library as strings: its Uint8Array path filters the bytes 0x80–0x9F as if they were C1
 * control characters, which corrupts UTF-8 multi-byte sequences (the EIP's own 🔑 test password fails). Bytes are
 * therefore decoded as strict UTF-8 first; EIP-2335 defines passwords as Unicode strings anyway.
 */
function passwordString(password: string | Uint8Array, path: string): string {
  if (typeof password === "string") return password;
  try {
    return new TextDecoder("utf-8", {fatal: true}).decode(password);
  } catch {
    throw new KeystoreError("WRONG_PASSWORD", `password for keystore ${path} is not valid UTF-8`, path);
  }
}

/**
 * Decrypt a validated keystore. Throws WRONG_PASSWORD (checksum mismatch) or PUBKEY_MISMATCH (the secret does not
 * produce the pubkey the keystore claims: such a keystore is refused rather than signing under an unexpected key).
 * Runs the KDF synchronously on the calling thread (scrypt n=2^18 ≈ 2.5 s): use the worker pool for many keys.
 */
export async function decryptKeystore(ks: ParsedKeystore, password: string | Uint8Array): Promise<DecryptedKey> {
  let secretKey: Uint8Array;
  try {
    secretKey = await decrypt(ks.keystore, passwordString(password, ks.path));
  } catch (e) {
    if ((e as Error).message === "Invalid password") {
      throw new KeystoreError(
        "WRONG_PASSWORD",
        `wrong password for keystore ${ks.path} (pubkey ${pubkeyLabel(ks)})`,
        ks.path,
      );
    }
    throw new KeystoreError("INVALID_KEYSTORE", `cannot decrypt keystore ${ks.path}: ${(e as Error).message}`, ks.path);
  }
  if (secretKey.length !== 32)
    throw new KeystoreError(
      "INVALID_SECRET",
      `keystore ${ks.path} holds a ${secretKey.length}-byte secret (expected 32)`,
      ks.path,
    );
  const derived = secretToPubkey(secretKey, ks.path);
  if (!bytesEqual(derived, ks.pubkey)) {
    secretKey.fill(0);
    throw new KeystoreError(
      "PUBKEY_MISMATCH",
      `refusing keystore ${ks.path}: its pubkey ${toHex(ks.pubkey)} does not match the decrypted secret key's pubkey ${toHex(derived)}`,
      ks.path,
    );
  }
  return {path: ks.path, pubkey: derived, secretKey};
}

export interface EncryptOptions {
  kdf?: "scrypt" | "pbkdf2";
  /** Override the KDF cost: scrypt n or pbkdf2 c (defaults are the EIP's 2^18). Lower values are for tests only. */
  cost?: number;
  path?: string;
  description?: string;
}

/** Encrypt a secret key into an EIP-2335 keystore (random salt, iv, uuid). */
export async function encryptKeystore(
  secretKey: Uint8Array,
  password: string,
  opts: EncryptOptions = {},
): Promise<IKeystore> {
  const pubkey = secretToPubkey(secretKey);
  const kdfMod = opts.kdf === "pbkdf2" ? defaultPbkdfModule() : defaultScryptModule();
  if (opts.cost !== undefined) {
    if (kdfMod.function === "pbkdf2") kdfMod.params.c = opts.cost;
    else kdfMod.params.n = opts.cost;
  }
  return create(password, secretKey, pubkey, opts.path ?? "", opts.description ?? "", kdfMod);
}
