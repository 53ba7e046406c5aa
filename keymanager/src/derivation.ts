/**
 * EIP-2333 BLS12-381 key derivation (HKDF_mod_r, Lamport-based child derivation), EIP-2334 paths, and BIP-39
 * mnemonic → seed. Hashing uses node:crypto (sha256, hkdf, pbkdf2-sha512); the BIP-39 word lists come from
 * @scure/bip39.
 *
 * Specs: https://eips.ethereum.org/EIPS/eip-2333, https://eips.ethereum.org/EIPS/eip-2334,
 * https://github.com/bitcoin/bips/blob/master/bip-0039.mediawiki
 */
import {createHash, hkdfSync, pbkdf2Sync} from "node:crypto";
import {wordlist as englishWordlist} from "@scure/bip39/wordlists/english.js";
import {KeystoreError} from "./errors.ts";

/** BLS12-381 subgroup order. */
export const BLS_CURVE_ORDER = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", ikm, salt, info, length));
}

export function i2osp(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n) throw new Error(`integer does not fit in ${length} bytes`);
  return out;
}

export function os2ip(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** HKDF_mod_r(IKM, key_info): a nonzero scalar mod r (EIP-2333, same as the BLS signature draft's KeyGen). */
export function hkdfModR(ikm: Uint8Array, keyInfo: Uint8Array = new Uint8Array(0)): bigint {
  const L = 48;
  let salt: Uint8Array = new TextEncoder().encode("BLS-SIG-KEYGEN-SALT-");
  const ikmZero = new Uint8Array(ikm.length + 1);
  ikmZero.set(ikm);
  const info = new Uint8Array(keyInfo.length + 2);
  info.set(keyInfo);
  info.set(i2osp(BigInt(L), 2), keyInfo.length);
  let sk = 0n;
  while (sk === 0n) {
    salt = sha256(salt);
    sk = os2ip(hkdf(ikmZero, salt, info, L)) % BLS_CURVE_ORDER;
  }
  return sk;
}

/** IKM_to_lamport_SK: 255 chunks of 32 bytes. */
export function ikmToLamportSK(ikm: Uint8Array, salt: Uint8Array): Uint8Array[] {
  const okm = hkdf(ikm, salt, new Uint8Array(0), 32 * 255);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < 255; i++) chunks.push(okm.subarray(i * 32, (i + 1) * 32));
  return chunks;
}

function checkIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** 32)
    throw new RangeError(`child index ${index} is not a uint32`);
}

/** The two Lamport secret-key halves of parent_SK_to_lamport_PK (exposed for the intermediate-value vectors). */
export function parentSKToLamportSKs(
  parentSK: bigint,
  index: number,
): {lamport0: Uint8Array[]; lamport1: Uint8Array[]} {
  checkIndex(index);
  const salt = i2osp(BigInt(index), 4);
  const ikm = i2osp(parentSK, 32);
  const notIkm = ikm.map((b) => b ^ 0xff);
  return {lamport0: ikmToLamportSK(ikm, salt), lamport1: ikmToLamportSK(notIkm, salt)};
}

/** parent_SK_to_lamport_PK: the compressed Lamport public key (32 bytes). */
export function parentSKToLamportPK(parentSK: bigint, index: number): Uint8Array {
  const {lamport0, lamport1} = parentSKToLamportSKs(parentSK, index);
  const lamportPK = new Uint8Array(32 * 510);
  let off = 0;
  for (const chunk of [...lamport0, ...lamport1]) {
    lamportPK.set(sha256(chunk), off);
    off += 32;
  }
  return sha256(lamportPK);
}

/** derive_child_SK(parent_SK, index). */
export function deriveChildSK(parentSK: bigint, index: number): bigint {
  return hkdfModR(parentSKToLamportPK(parentSK, index));
}

/** derive_master_SK(seed); the seed must be at least 32 bytes. */
export function deriveMasterSK(seed: Uint8Array): bigint {
  if (seed.length < 32) throw new RangeError(`seed must be at least 32 bytes, got ${seed.length}`);
  return hkdfModR(seed);
}

/** Parse an EIP-2334 path "m/12381/3600/0/0/0" into its indices. Throws INVALID_PATH. */
export function parsePath(path: string): number[] {
  const parts = path.split("/");
  if (parts[0] !== "m") throw new KeystoreError("INVALID_PATH", `key path ${JSON.stringify(path)} must start with "m"`);
  const indices: number[] = [];
  for (const p of parts.slice(1)) {
    if (!/^\d+$/.test(p))
      throw new KeystoreError(
        "INVALID_PATH",
        `key path ${JSON.stringify(path)}: ${JSON.stringify(p)} is not a non-negative integer`,
      );
    const n = Number(p);
    if (n >= 2 ** 32)
      throw new KeystoreError("INVALID_PATH", `key path ${JSON.stringify(path)}: index ${p} is not below 2^32`);
    indices.push(n);
  }
  if (indices.length === 0)
    throw new KeystoreError("INVALID_PATH", `key path ${JSON.stringify(path)} has no levels below "m"`);
  return indices;
}

/** EIP-2334 validator key paths. */
export function signingKeyPath(validatorIndex: number): string {
  checkIndex(validatorIndex);
  return `m/12381/3600/${validatorIndex}/0/0`;
}

export function withdrawalKeyPath(validatorIndex: number): string {
  checkIndex(validatorIndex);
  return `m/12381/3600/${validatorIndex}/0`;
}

/** Walk a path from a seed: derive_master_SK then derive_child_SK per level. Returns the 32-byte big-endian secret. */
export function deriveKeyFromSeed(seed: Uint8Array, path: string): Uint8Array {
  let sk = deriveMasterSK(seed);
  for (const index of parsePath(path)) sk = deriveChildSK(sk, index);
  return i2osp(sk, 32);
}

// ---------------------------------------------------------------- BIP-39

function normalizeWords(mnemonic: string): string[] {
  return mnemonic.normalize("NFKD").trim().split(/\s+/u);
}

/** Entropy (16..32 bytes, multiple of 4) → mnemonic over a 2048-word list (English by default). */
export function entropyToMnemonic(entropy: Uint8Array, wordlist: readonly string[] = englishWordlist): string {
  if (entropy.length < 16 || entropy.length > 32 || entropy.length % 4 !== 0) {
    throw new RangeError(`BIP-39 entropy must be 16..32 bytes in steps of 4, got ${entropy.length}`);
  }
  const checksumBits = entropy.length / 4;
  const bits = os2ip(entropy);
  const checksum = BigInt(sha256(entropy)[0] >> (8 - checksumBits));
  const all = (bits << BigInt(checksumBits)) | checksum;
  const wordCount = ((entropy.length * 8 + checksumBits) / 11) | 0;
  const words: string[] = [];
  for (let i = wordCount - 1; i >= 0; i--) words.push(wordlist[Number((all >> BigInt(i * 11)) & 0x7ffn)]);
  const sep = wordlist[0] === "あいこくしん" ? "\u3000" : " ";
  return words.join(sep);
}

/** Mnemonic → entropy, verifying every word is in the list and the checksum matches. Throws INVALID_MNEMONIC. */
export function mnemonicToEntropy(mnemonic: string, wordlist: readonly string[] = englishWordlist): Uint8Array {
  const words = normalizeWords(mnemonic);
  if (![12, 15, 18, 21, 24].includes(words.length)) {
    throw new KeystoreError("INVALID_MNEMONIC", `mnemonic has ${words.length} words (expected 12, 15, 18, 21 or 24)`);
  }
  const index = new Map(wordlist.map((w, i) => [w.normalize("NFKD"), i]));
  let all = 0n;
  for (const [pos, w] of words.entries()) {
    const i = index.get(w);
    if (i === undefined)
      throw new KeystoreError("INVALID_MNEMONIC", `mnemonic word #${pos + 1} is not in the word list`);
    all = (all << 11n) | BigInt(i);
  }
  const checksumBits = words.length / 3;
  const entropyBytes = (words.length * 11 - checksumBits) / 8;
  const entropy = i2osp(all >> BigInt(checksumBits), entropyBytes);
  const expected = BigInt(sha256(entropy)[0] >> (8 - checksumBits));
  if ((all & ((1n << BigInt(checksumBits)) - 1n)) !== expected) {
    throw new KeystoreError("INVALID_MNEMONIC", "mnemonic checksum does not match (a word is wrong or out of order)");
  }
  return entropy;
}

/** BIP-39 seed: PBKDF2-HMAC-SHA512(NFKD(mnemonic), "mnemonic" + NFKD(passphrase), 2048, 64). Validates the mnemonic first when a word list is given. */
export function mnemonicToSeed(
  mnemonic: string,
  passphrase = "",
  wordlist: readonly string[] | null = englishWordlist,
): Uint8Array {
  if (wordlist) mnemonicToEntropy(mnemonic, wordlist);
  const m = normalizeWords(mnemonic).join(" ");
  return new Uint8Array(
    pbkdf2Sync(
      Buffer.from(m, "utf8"),
      Buffer.from(`mnemonic${passphrase}`.normalize("NFKD"), "utf8"),
      2048,
      64,
      "sha512",
    ),
  );
}

/** Signing key of validator i from a mnemonic (m/12381/3600/i/0/0). */
export function deriveSigningKeyFromMnemonic(mnemonic: string, validatorIndex: number, passphrase = ""): Uint8Array {
  return deriveKeyFromSeed(mnemonicToSeed(mnemonic, passphrase), signingKeyPath(validatorIndex));
}
