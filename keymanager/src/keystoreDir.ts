/**
 * Reading a folder of keystores as the deposit tools leave it (staking-deposit-cli / ethstaker-deposit-cli, `ceibo
 * keys`): every `*.json` is either an EIP-2335 keystore or launchpad deposit data (`deposit_data-<time>.json`, a
 * JSON array of deposits), which is recognised and skipped. Passwords: one for every keystore, or one file per
 * keystore in a password directory, named after the pubkey (`<pubkey>.txt` or `<pubkey>`, with or without 0x, as
 * Lighthouse / Teku / Nimbus accept) or after the keystore (`keystore-….txt`).
 */

import {existsSync, readdirSync, readFileSync, statSync} from "node:fs";
import {basename, join, resolve} from "node:path";
import {toHex} from "@ceibo/utils";
import {KeystoreError} from "./errors.ts";
import {type ParsedKeystore, parseKeystore} from "./keystore.ts";

export interface KeystoreFile {
  /** Absolute path of the keystore file. */
  path: string;
  /** The file's text, exactly as read. */
  text: string;
  parsed: ParsedKeystore;
}

export interface ScannedKeystoreDir {
  /** Keystores sorted by file name. */
  keystores: KeystoreFile[];
  /** Files that are not keystores and were skipped on purpose, with the reason (e.g. deposit data). */
  skipped: {path: string; reason: string}[];
}

/** True for launchpad deposit data: a JSON array whose entries carry `deposit_data_root` (or an empty array). */
export function isDepositData(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.every((d) => typeof d === "object" && d !== null && "pubkey" in d && "deposit_data_root" in d)
  );
}

/**
 * Lists and parses the keystores of `dir` (non-recursive). Deposit data files are skipped (listed in `skipped`);
 * any other `*.json` that is not a valid EIP-2335 keystore is an error naming the file, as is a folder without
 * keystores or two keystores of one pubkey. Files that do not end in `.json` are ignored.
 */
export function scanKeystoreDir(dir: string): ScannedKeystoreDir {
  const root = resolve(dir);
  if (!statSync(root, {throwIfNoEntry: false})?.isDirectory()) {
    throw new KeystoreError("IO", `${root} is not a directory`, root);
  }
  const keystores: KeystoreFile[] = [];
  const skipped: ScannedKeystoreDir["skipped"] = [];
  const byPubkey = new Map<string, string>();
  for (const name of readdirSync(root).sort()) {
    if (!name.endsWith(".json")) continue;
    const path = join(root, name);
    if (!statSync(path).isFile()) continue;
    const text = readFileSync(path, "utf8");
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new KeystoreError("MALFORMED_JSON", `malformed JSON in keystore ${path}: ${(e as Error).message}`, path);
    }
    if (isDepositData(value) || (/^deposit_data-.*\.json$/.test(name) && Array.isArray(value))) {
      skipped.push({path, reason: "deposit data (for the launchpad), not a keystore"});
      continue;
    }
    const parsed = parseKeystore(text, path);
    const id = toHex(parsed.pubkey).toLowerCase();
    const other = byPubkey.get(id);
    if (other !== undefined) {
      throw new KeystoreError("INVALID_KEYSTORE", `keystores ${other} and ${path} hold the same pubkey ${id}`, path);
    }
    byPubkey.set(id, path);
    keystores.push({path, text, parsed});
  }
  if (keystores.length === 0) {
    throw new KeystoreError("IO", `no EIP-2335 keystores (*.json) in ${root}`, root);
  }
  return {keystores, skipped};
}

function readPassword(path: string): string {
  try {
    return readFileSync(path, "utf8").replace(/\r?\n$/, "");
  } catch (e) {
    throw new KeystoreError("IO", `cannot read password file ${path}: ${(e as Error).message}`, path);
  }
}

/**
 * The password file for `keystore` in `passwordDir`: `<pubkey>.txt`, `0x<pubkey>.txt`, `<pubkey>`, `0x<pubkey>` or
 * `<keystore file name without .json>.txt`. Throws naming the keystore and the names tried when none exists.
 */
export function passwordFromDir(passwordDir: string, keystore: KeystoreFile): string {
  const hexKey = toHex(keystore.parsed.pubkey).toLowerCase().replace(/^0x/, "");
  const names = [
    `${hexKey}.txt`,
    `0x${hexKey}.txt`,
    hexKey,
    `0x${hexKey}`,
    `${basename(keystore.path).replace(/\.json$/, "")}.txt`,
  ];
  for (const n of names) {
    const p = join(passwordDir, n);
    if (existsSync(p)) return readPassword(p);
  }
  throw new KeystoreError(
    "IO",
    `no password for keystore ${keystore.path} (pubkey 0x${hexKey}) in ${passwordDir}: expected 0x${hexKey}.txt ` +
      `(or ${hexKey}.txt, or ${names[4]})`,
    keystore.path,
  );
}

/**
 * One password for all (`password`, already read — e.g. with readPasswordFile, which also takes "-" for stdin — or
 * `passwordFile`) or a password file per keystore (`passwordDir`); exactly one of them.
 */
export function keystorePasswords(
  keystores: KeystoreFile[],
  opts: {password?: string; passwordFile?: string; passwordDir?: string},
): string[] {
  const given = [opts.password, opts.passwordFile, opts.passwordDir].filter((x) => x !== undefined).length;
  if (given !== 1) {
    throw new KeystoreError("IO", "give either a password file (one for all) or a password directory (one per key)");
  }
  if (opts.password !== undefined || opts.passwordFile !== undefined) {
    const pw = opts.password ?? readPassword(opts.passwordFile as string);
    return keystores.map(() => pw);
  }
  const dir = resolve(opts.passwordDir as string);
  if (!statSync(dir, {throwIfNoEntry: false})?.isDirectory()) {
    throw new KeystoreError("IO", `password directory ${dir} is not a directory`, dir);
  }
  return keystores.map((k) => passwordFromDir(dir, k));
}
