/**
 * Validator keys from a BIP-39 mnemonic, as staking-deposit-cli makes them: for each index i the signing key
 * m/12381/3600/i/0/0 (EIP-2334) in an EIP-2335 keystore `keystore-m_12381_3600_<i>_0_0-<unix time>.json`, and one
 * launchpad `deposit_data-<unix time>.json` for all of them. Everything is written into a temporary directory
 * inside the output directory first and moved into place at the end: a failure leaves nothing half-written.
 */
import {randomBytes} from "node:crypto";
import {existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync} from "node:fs";
import {join, resolve} from "node:path";
import {SecretKey} from "@chainsafe/blst";
import {
  type DepositDataEntry,
  type DepositNetwork,
  depositDataEntry,
  signDeposit,
  type WithdrawalKind,
  withdrawalCredentials,
} from "../deposit/depositData.ts";
import {
  deriveKeyFromSeed,
  entropyToMnemonic,
  mnemonicToSeed,
  signingKeyPath,
  withdrawalKeyPath,
} from "../derivation.ts";
import type {DecryptProgress} from "../pool.ts";
import {encryptKeystoresParallel} from "./encryptPool.ts";

/** A new 24-word English BIP-39 mnemonic (256 bits of entropy from the OS CSPRNG). */
export function generateMnemonic(): string {
  const entropy = randomBytes(32);
  const mnemonic = entropyToMnemonic(entropy);
  entropy.fill(0);
  return mnemonic;
}

export type WithdrawalSpec = {kind: "bls"} | {kind: "eth1" | "compounding"; address: Uint8Array};

export interface GenerateKeysOptions {
  mnemonic: string;
  /** BIP-39 passphrase (default none, as staking-deposit-cli). */
  mnemonicPassphrase?: string;
  startIndex: number;
  count: number;
  /** Keystore password (staking-deposit-cli requires at least 8 characters; the CLI checks that). */
  password: string;
  kdf?: "scrypt" | "pbkdf2";
  /** KDF cost override (tests only). */
  kdfCost?: number;
  withdrawal: WithdrawalSpec;
  amountGwei: number;
  network: DepositNetwork;
  outDir: string;
  /** Unix seconds in the file names (default now). */
  nowSec?: number;
  workers?: number;
  onProgress?: (p: DecryptProgress) => void;
}

export interface GeneratedKeys {
  keystoreFiles: string[];
  depositDataFile: string;
  /** 0x-prefixed signing pubkeys, in index order. */
  pubkeys: string[];
  deposits: DepositDataEntry[];
}

/** File name of the keystore of validator index i (staking-deposit-cli's naming). */
export function keystoreFileName(index: number, nowSec: number): string {
  return `keystore-${signingKeyPath(index).replaceAll("/", "_")}-${nowSec}.json`;
}

export function depositDataFileName(nowSec: number): string {
  return `deposit_data-${nowSec}.json`;
}

/** Derive, sign, encrypt and write the keystores and deposit data. */
export async function generateValidatorKeys(opts: GenerateKeysOptions): Promise<GeneratedKeys> {
  const {startIndex, count} = opts;
  if (!Number.isSafeInteger(startIndex) || startIndex < 0 || startIndex >= 2 ** 32) {
    throw new Error(`start index ${startIndex} is not a uint32`);
  }
  if (!Number.isSafeInteger(count) || count < 1 || startIndex + count > 2 ** 32) {
    throw new Error(`count ${count} must be at least 1 and keep every index below 2^32`);
  }
  const nowSec = opts.nowSec ?? Math.floor(Date.now() / 1000);
  const outDir = resolve(opts.outDir);
  const names = Array.from({length: count}, (_, k) => keystoreFileName(startIndex + k, nowSec));
  const depositName = depositDataFileName(nowSec);
  for (const n of [...names, depositName]) {
    if (existsSync(join(outDir, n))) throw new Error(`${join(outDir, n)} already exists: refusing to overwrite it`);
  }

  const seed = mnemonicToSeed(opts.mnemonic, opts.mnemonicPassphrase ?? "");
  const secrets: Uint8Array[] = [];
  const deposits: DepositDataEntry[] = [];
  const pubkeys: string[] = [];
  try {
    for (let k = 0; k < count; k++) {
      const index = startIndex + k;
      const signing = deriveKeyFromSeed(seed, signingKeyPath(index));
      secrets.push(signing);
      let credentials: Uint8Array;
      if (opts.withdrawal.kind === "bls") {
        const w = deriveKeyFromSeed(seed, withdrawalKeyPath(index));
        const withdrawalPubkey = SecretKey.fromBytes(w).toPublicKey().toBytes(true);
        w.fill(0);
        credentials = withdrawalCredentials("bls", {withdrawalPubkey});
      } else {
        credentials = withdrawalCredentials(opts.withdrawal.kind as WithdrawalKind, {address: opts.withdrawal.address});
      }
      const signed = signDeposit(signing, credentials, opts.amountGwei, opts.network);
      deposits.push(depositDataEntry(signed, opts.network));
      pubkeys.push(`0x${deposits[k].pubkey}`);
    }
    seed.fill(0);

    const keystores = await encryptKeystoresParallel(
      secrets.map((secretKey, k) => ({secretKey, password: opts.password, path: signingKeyPath(startIndex + k)})),
      {kdf: opts.kdf, cost: opts.kdfCost, workers: opts.workers, onProgress: opts.onProgress},
    );

    const createdOutDir = !existsSync(outDir);
    mkdirSync(outDir, {recursive: true});
    const tmp = mkdtempSync(join(outDir, ".ceibo-keys-"));
    const moved: string[] = [];
    try {
      for (const [k, text] of keystores.entries()) writeFileSync(join(tmp, names[k]), `${text}\n`, {mode: 0o440});
      writeFileSync(join(tmp, depositName), JSON.stringify(deposits), {mode: 0o440});
      for (const n of [...names, depositName]) {
        if (existsSync(join(outDir, n)))
          throw new Error(`${join(outDir, n)} appeared meanwhile: refusing to overwrite it`);
        renameSync(join(tmp, n), join(outDir, n));
        moved.push(join(outDir, n));
      }
    } catch (e) {
      for (const m of moved) rmSync(m, {force: true});
      rmSync(tmp, {recursive: true, force: true});
      if (createdOutDir) rmSync(outDir, {recursive: true, force: true});
      throw e;
    }
    rmSync(tmp, {recursive: true, force: true});
    return {
      keystoreFiles: names.map((n) => join(outDir, n)),
      depositDataFile: join(outDir, depositName),
      pubkeys,
      deposits,
    };
  } finally {
    seed.fill(0);
    for (const s of secrets) s.fill(0);
  }
}
