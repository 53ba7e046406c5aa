/**
 * Load a validator's signing keys: lock every keystore, then take the keys from the encrypted fast-restart cache
 * when it is still valid for this keystore set, else decrypt the keystores in parallel and (re)write the cache.
 */

import {readFile} from "node:fs/promises";
import {resolve} from "node:path";
import {bytesEqual, toHex} from "@ceibo/utils";
import {
  type CacheKeySource,
  cachePasswordKeyMaterial,
  DEFAULT_CACHE_SCRYPT_N,
  type KeystoreFileEntry,
  keystoreSetHash,
  passwordsKeyMaterial,
  readKeyCache,
  writeKeyCache,
} from "./cache.ts";
import {KeystoreError} from "./errors.ts";
import type {DecryptedKey} from "./keystore.ts";
import {acquireKeystoreLocks, type KeyLock} from "./lockfile.ts";
import {type DecryptJob, type DecryptProgress, decryptKeystoresParallel} from "./pool.ts";

export interface KeyCacheOptions {
  /** Cache file path, e.g. <datadir>/validator-key-cache.json. */
  path: string;
  /** Key the cache with this password instead of with the keystore passwords. */
  password?: string;
  /** scrypt n for the cache key (default 2^17). */
  scryptN?: number;
  /** Recompute each cached key's pubkey on load (default true). */
  verifyKeys?: boolean;
}

export interface LoadKeysOptions {
  keystores: DecryptJob[];
  cache?: KeyCacheOptions;
  /** Take `<keystore>.lock` for every keystore (default true). */
  lock?: boolean;
  workers?: number;
  onProgress?: (p: DecryptProgress) => void;
  signal?: AbortSignal;
}

export interface LoadedKeys {
  /** Keys in the order of `keystores`. */
  keys: DecryptedKey[];
  source: "cache" | "keystores";
  /** Why the cache was not used (absent, stale, …), when a cache was configured and missed. */
  cacheMissReason?: string;
  locks: KeyLock[];
  /** Release every lock and wipe the secret keys held in `keys`. */
  close(): void;
}

/** Read a password file: the whole file less a trailing newline (EIP-2335 also strips control characters). */
export async function readPasswordFile(path: string): Promise<string> {
  try {
    // "-" or /dev/stdin: read the process's stdin to its end (a parent hands a password over a pipe or socket,
    // which /dev/stdin cannot reopen when it is a socket)
    if (path === "-" || path === "/dev/stdin") return (await readStdin()).replace(/\r?\n$/, "");
    return (await readFile(path, "utf8")).replace(/\r?\n$/, "");
  } catch (e) {
    throw new KeystoreError("IO", `cannot read password file ${path}: ${(e as Error).message}`, path);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

export async function loadKeys(opts: LoadKeysOptions): Promise<LoadedKeys> {
  const jobs = opts.keystores.map((j) => ({keystorePath: resolve(j.keystorePath), password: j.password}));
  const seen = new Set<string>();
  for (const j of jobs) {
    if (seen.has(j.keystorePath))
      throw new KeystoreError("INVALID_KEYSTORE", `keystore ${j.keystorePath} is listed twice`, j.keystorePath);
    seen.add(j.keystorePath);
  }
  const locks = opts.lock === false ? [] : acquireKeystoreLocks(jobs.map((j) => j.keystorePath));
  const release = (): void => {
    for (const l of locks) l.release();
  };
  try {
    let cacheMissReason: string | undefined;
    // The cache covers the set sorted by path, so listing the same keystores in another order still hits.
    const sorted = jobs.map((_, i) => i).sort((a, b) => (jobs[a].keystorePath < jobs[b].keystorePath ? -1 : 1));
    let entries: KeystoreFileEntry[] = [];
    let setHash = "";
    let keyMaterial: Uint8Array | null = null;
    let keyFrom: CacheKeySource = "keystore-passwords";
    if (opts.cache) {
      entries = await Promise.all(
        sorted.map(async (i) => {
          const j = jobs[i];
          try {
            return {keystorePath: j.keystorePath, content: await readFile(j.keystorePath)};
          } catch (e) {
            throw new KeystoreError(
              "IO",
              `cannot read keystore ${j.keystorePath}: ${(e as Error).message}`,
              j.keystorePath,
            );
          }
        }),
      );
      setHash = keystoreSetHash(entries);
      keyFrom = opts.cache.password !== undefined ? "cache-password" : "keystore-passwords";
      keyMaterial =
        opts.cache.password !== undefined
          ? cachePasswordKeyMaterial(opts.cache.password)
          : passwordsKeyMaterial(
              entries,
              sorted.map((i) => jobs[i].password),
            );
      const res = await readKeyCache(opts.cache.path, {
        keystoreSetHash: setHash,
        keyMaterial,
        keyFrom,
        verifyKeys: opts.cache.verifyKeys,
      });
      if (res.status === "hit") {
        if (res.keys.length === jobs.length) {
          const keys: DecryptedKey[] = new Array(jobs.length);
          res.keys.forEach((k, s) => {
            keys[sorted[s]] = {path: jobs[sorted[s]].keystorePath, ...k};
          });
          opts.onProgress?.({done: jobs.length, total: jobs.length, elapsedMs: 0, etaMs: 0});
          return done(keys, "cache", undefined, locks, release);
        }
        cacheMissReason = "cache key count does not match the keystore set";
      } else {
        cacheMissReason = res.reason;
      }
    }

    const keys = await decryptKeystoresParallel(jobs, {
      workers: opts.workers,
      onProgress: opts.onProgress,
      signal: opts.signal,
    });
    const dup = findDuplicatePubkey(keys);
    if (dup) {
      for (const k of keys) k.secretKey.fill(0);
      throw new KeystoreError(
        "INVALID_KEYSTORE",
        `pubkey ${toHex(dup[0].pubkey)} appears in both ${dup[0].path} and ${dup[1].path}`,
        dup[1].path,
      );
    }
    if (opts.cache && keyMaterial) {
      await writeKeyCache(opts.cache.path, {
        keys: sorted.map((i) => keys[i]),
        keystoreSetHash: setHash,
        keyMaterial,
        keyFrom,
        scryptN: opts.cache.scryptN ?? DEFAULT_CACHE_SCRYPT_N,
      });
    }
    return done(keys, "keystores", cacheMissReason, locks, release);
  } catch (e) {
    release();
    throw e;
  }
}

function findDuplicatePubkey(keys: DecryptedKey[]): [DecryptedKey, DecryptedKey] | null {
  const byHex = new Map<string, DecryptedKey>();
  for (const k of keys) {
    const hex = Buffer.from(k.pubkey).toString("hex");
    const prev = byHex.get(hex);
    if (prev && bytesEqual(prev.pubkey, k.pubkey)) return [prev, k];
    byHex.set(hex, k);
  }
  return null;
}

function done(
  keys: DecryptedKey[],
  source: LoadedKeys["source"],
  cacheMissReason: string | undefined,
  locks: KeyLock[],
  release: () => void,
): LoadedKeys {
  return {
    keys,
    source,
    cacheMissReason,
    locks,
    close() {
      for (const k of keys) k.secretKey.fill(0);
      release();
    },
  };
}
