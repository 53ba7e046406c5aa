/**
 * Fast-restart key cache. After the first (slow) keystore decryption, every secret key is encrypted once with
 * AES-256-GCM under a key from ONE scrypt call, so a restart costs one scrypt + one AES pass instead of one scrypt
 * per keystore. The cache key comes either from all keystore passwords (bound to each keystore file's hash) or from
 * a separate cache password. The header (format, KDF parameters, keystore-set hash, key count) is authenticated as
 * GCM additional data; the cache is only used when the keystore-set hash still matches. See README.md for the
 * security trade-off.
 */

import {createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync} from "node:crypto";
import {readFile, rename, rm, writeFile} from "node:fs/promises";
import {bytesEqual, fromHex, toHex} from "@ceibo/utils";
import type {DecryptedKey} from "./keystore.ts";
import {secretToPubkey} from "./keystore.ts";

export const KEY_CACHE_VERSION = 1;
/** scrypt n for the cache key: 2^17 (128 MiB, ≈1.2 s here), half the per-keystore EIP-2335 default. */
export const DEFAULT_CACHE_SCRYPT_N = 2 ** 17;
const ENTRY_BYTES = 48 + 32;

export type CacheKeySource = "keystore-passwords" | "cache-password";

export interface KeyCacheHeader {
  version: number;
  keyFrom: CacheKeySource;
  kdf: {function: "scrypt"; n: number; r: number; p: number; salt: string};
  cipher: {function: "aes-256-gcm"; iv: string};
  keystoreSetHash: string;
  count: number;
}

interface KeyCacheFile extends KeyCacheHeader {
  tag: string;
  ciphertext: string;
}

/** One keystore of the set: its path and the exact file bytes. */
export interface KeystoreFileEntry {
  keystorePath: string;
  content: Uint8Array;
}

/**
 * Hash of the keystore set: sha256 over (path, sha256(file)) in the given order (the loader sorts by path). Any added,
 * removed, renamed or changed file changes it.
 */
export function keystoreSetHash(entries: KeystoreFileEntry[]): string {
  const h = createHash("sha256");
  for (const e of entries) {
    h.update(`${e.keystorePath}\0`);
    h.update(createHash("sha256").update(e.content).digest());
  }
  return toHex(h.digest());
}

/** Input keying material from all keystore passwords, each bound to its keystore file's hash. */
export function passwordsKeyMaterial(entries: KeystoreFileEntry[], passwords: string[]): Uint8Array {
  const h = createHash("sha256");
  h.update("ceibo-key-cache/keystore-passwords/v1");
  entries.forEach((e, i) => {
    const pw = Buffer.from(passwords[i].normalize("NFKD"), "utf8");
    h.update(createHash("sha256").update(e.content).digest());
    const len = Buffer.alloc(4);
    len.writeUInt32BE(pw.length);
    h.update(len);
    h.update(pw);
  });
  return new Uint8Array(h.digest());
}

export function cachePasswordKeyMaterial(password: string): Uint8Array {
  return new Uint8Array(Buffer.from(password.normalize("NFKD"), "utf8"));
}

function headerAad(h: KeyCacheHeader): Buffer {
  // Fixed field order: the AAD must be byte-identical at write and read time.
  const {version, keyFrom, kdf, cipher, keystoreSetHash, count} = h;
  return Buffer.from(
    JSON.stringify({
      version,
      keyFrom,
      kdf: {function: kdf.function, n: kdf.n, r: kdf.r, p: kdf.p, salt: kdf.salt},
      cipher: {function: cipher.function, iv: cipher.iv},
      keystoreSetHash,
      count,
    }),
  );
}

function deriveCacheKey(ikm: Uint8Array, kdf: KeyCacheHeader["kdf"]): Buffer {
  return scryptSync(ikm, fromHex(kdf.salt, "cache kdf salt", {prefixOptional: true}), 32, {
    N: kdf.n,
    r: kdf.r,
    p: kdf.p,
    maxmem: 256 * kdf.n * kdf.r,
  });
}

export interface WriteKeyCacheOptions {
  keys: DecryptedKey[];
  keystoreSetHash: string;
  keyMaterial: Uint8Array;
  keyFrom: CacheKeySource;
  scryptN?: number;
}

/** Write the cache atomically (temp file + rename), mode 0600. */
export async function writeKeyCache(cachePath: string, opts: WriteKeyCacheOptions): Promise<void> {
  const header: KeyCacheHeader = {
    version: KEY_CACHE_VERSION,
    keyFrom: opts.keyFrom,
    kdf: {
      function: "scrypt",
      n: opts.scryptN ?? DEFAULT_CACHE_SCRYPT_N,
      r: 8,
      p: 1,
      salt: toHex(randomBytes(32)).slice(2),
    },
    cipher: {function: "aes-256-gcm", iv: toHex(randomBytes(12)).slice(2)},
    keystoreSetHash: opts.keystoreSetHash,
    count: opts.keys.length,
  };
  const plain = Buffer.alloc(opts.keys.length * ENTRY_BYTES);
  opts.keys.forEach((k, i) => {
    plain.set(k.pubkey, i * ENTRY_BYTES);
    plain.set(k.secretKey, i * ENTRY_BYTES + 48);
  });
  const key = deriveCacheKey(opts.keyMaterial, header.kdf);
  const c = createCipheriv("aes-256-gcm", key, fromHex(header.cipher.iv, "cache cipher iv", {prefixOptional: true}));
  c.setAAD(headerAad(header));
  const ciphertext = Buffer.concat([c.update(plain), c.final()]);
  plain.fill(0);
  key.fill(0);
  const file: KeyCacheFile = {
    ...header,
    tag: c.getAuthTag().toString("hex"),
    ciphertext: ciphertext.toString("base64"),
  };
  const tmp = `${cachePath}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(file), {mode: 0o600});
  await rename(tmp, cachePath);
}

export type ReadKeyCacheResult =
  | {status: "hit"; keys: {pubkey: Uint8Array; secretKey: Uint8Array}[]}
  | {status: "miss"; reason: string};

export interface ReadKeyCacheOptions {
  keystoreSetHash: string;
  keyMaterial: Uint8Array;
  keyFrom: CacheKeySource;
  /** Recompute every pubkey from its secret (≈0.1 ms per key). Default true. */
  verifyKeys?: boolean;
}

/**
 * Read the cache. Never throws for a bad cache: an absent, stale (keystore set changed), corrupt, tampered or
 * wrongly-keyed cache is a "miss" with a reason, and the caller falls back to the keystores.
 */
export async function readKeyCache(cachePath: string, opts: ReadKeyCacheOptions): Promise<ReadKeyCacheResult> {
  let text: string;
  try {
    text = await readFile(cachePath, "utf8");
  } catch (e) {
    return {
      status: "miss",
      reason:
        (e as NodeJS.ErrnoException).code === "ENOENT" ? "no cache file" : `cannot read cache: ${(e as Error).message}`,
    };
  }
  let f: KeyCacheFile;
  try {
    f = JSON.parse(text) as KeyCacheFile;
  } catch {
    return {status: "miss", reason: "cache file is not valid JSON"};
  }
  if (f?.version !== KEY_CACHE_VERSION)
    return {status: "miss", reason: `unsupported cache version ${JSON.stringify(f?.version)}`};
  if (f.keystoreSetHash !== opts.keystoreSetHash)
    return {status: "miss", reason: "keystore set changed since the cache was written"};
  if (f.keyFrom !== opts.keyFrom)
    return {status: "miss", reason: `cache was keyed from ${f.keyFrom}, not ${opts.keyFrom}`};
  const {kdf} = f;
  if (
    kdf?.function !== "scrypt" ||
    !Number.isSafeInteger(kdf.n) ||
    kdf.n < 2 ** 10 ||
    kdf.n > 2 ** 20 ||
    kdf.r !== 8 ||
    kdf.p !== 1
  ) {
    return {status: "miss", reason: "unsupported cache KDF parameters"};
  }
  let plain: Buffer;
  const key = deriveCacheKey(opts.keyMaterial, kdf);
  try {
    const d = createDecipheriv("aes-256-gcm", key, fromHex(f.cipher.iv, "cache cipher iv", {prefixOptional: true}));
    d.setAAD(headerAad(f));
    d.setAuthTag(Buffer.from(f.tag, "hex"));
    plain = Buffer.concat([d.update(Buffer.from(f.ciphertext, "base64")), d.final()]);
  } catch {
    return {status: "miss", reason: "cache does not decrypt (wrong password or the file was modified)"};
  } finally {
    key.fill(0);
  }
  if (plain.length !== f.count * ENTRY_BYTES)
    return {status: "miss", reason: "cache length does not match its key count"};
  const keys: {pubkey: Uint8Array; secretKey: Uint8Array}[] = [];
  for (let i = 0; i < f.count; i++) {
    const pubkey = new Uint8Array(plain.subarray(i * ENTRY_BYTES, i * ENTRY_BYTES + 48));
    const secretKey = new Uint8Array(plain.subarray(i * ENTRY_BYTES + 48, (i + 1) * ENTRY_BYTES));
    if (opts.verifyKeys !== false) {
      let ok = false;
      try {
        ok = bytesEqual(secretToPubkey(secretKey), pubkey);
      } catch {
        ok = false;
      }
      if (!ok) {
        plain.fill(0);
        for (const k of keys) k.secretKey.fill(0);
        return {status: "miss", reason: `cached key #${i} does not match its pubkey`};
      }
    }
    keys.push({pubkey, secretKey});
  }
  plain.fill(0);
  return {status: "hit", keys};
}

export async function deleteKeyCache(cachePath: string): Promise<void> {
  await rm(cachePath, {force: true});
}
