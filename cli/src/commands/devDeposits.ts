/**
 * Dev chains from deposit data (`ceibo dev --deposit-data FILE --keystores DIR`, `ceibo beacon --dev.deposit-data`):
 * the deposit file is checked as the launchpad would (against the dev network's genesis fork version), and the
 * keystores of its validators are picked out of a staking-deposit-cli-style folder.
 */
import {createHash} from "node:crypto";
import {copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync} from "node:fs";
import {basename, join, resolve} from "node:path";
import {
  checkDepositData,
  decryptKeystore,
  depositNetworkByName,
  readKeystoreFile,
  readPasswordFile,
} from "@ceibo/keymanager";
import {UsageError} from "../command.ts";
import {createPrompter} from "../prompt.ts";

export interface DevDeposit {
  pubkey: Uint8Array;
  withdrawalCredentials: Uint8Array;
  amount: number;
  signature: Uint8Array;
}

/** The deposits of a dev-network deposit_data file; every problem of the file is one line of the error. */
export function readDevDeposits(file: string): DevDeposit[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read the deposit data ${file}: ${(e as Error).message}`);
  }
  const check = checkDepositData(text, file, depositNetworkByName("dev"));
  if (check.problems.length > 0) {
    const more = check.problems.length > 10 ? `\n… and ${check.problems.length - 10} more` : "";
    throw new UsageError(
      `${check.problems.slice(0, 10).join("\n")}${more}\n(dev chains take deposits made with \`ceibo keys new --network dev\`)`,
    );
  }
  return check.deposits;
}

/** SHA-256 of the file, to recognise the same deposit data on a restart. */
export function fileSha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/**
 * The keystore files in `dir` for the given pubkeys (0x-less lowercase hex): every *.json holding an object with
 * `crypto` and `pubkey` (deposit_data files and other JSON are skipped). Throws when a deposit has no keystore.
 */
export function keystoresForDeposits(dir: string, pubkeys: string[]): {files: string[]; extra: number} {
  const abs = resolve(dir);
  if (!statSync(abs, {throwIfNoEntry: false})?.isDirectory())
    throw new UsageError(`--keystores: ${abs} is not a directory`);
  const byPubkey = new Map<string, string>();
  let extra = 0;
  for (const name of readdirSync(abs).sort()) {
    if (!name.endsWith(".json")) continue;
    let obj: unknown;
    try {
      obj = JSON.parse(readFileSync(join(abs, name), "utf8"));
    } catch {
      continue;
    }
    if (typeof obj !== "object" || obj === null || Array.isArray(obj)) continue;
    const o = obj as {crypto?: unknown; pubkey?: unknown};
    if (o.crypto === undefined || typeof o.pubkey !== "string") continue;
    const pk = o.pubkey.replace(/^0x/, "").toLowerCase();
    if (pubkeys.includes(pk)) byPubkey.set(pk, join(abs, name));
    else extra++;
  }
  const missing = pubkeys.filter((p) => !byPubkey.has(p));
  if (missing.length > 0) {
    throw new UsageError(
      `--keystores ${abs} has no keystore for ${missing.length} of the ${pubkeys.length} deposits (e.g. pubkey 0x${missing[0]}); give the folder \`ceibo keys new\` wrote`,
    );
  }
  return {files: pubkeys.map((p) => byPubkey.get(p) as string), extra};
}

/** Copy the keystores into a directory of their own (emptied first) for the validator client's --keystores. */
export function copyKeystores(files: string[], destDir: string): void {
  rmSync(destDir, {recursive: true, force: true});
  mkdirSync(destDir, {recursive: true});
  for (const f of files) copyFileSync(f, join(destDir, basename(f)));
}

/** What `ceibo dev --deposit-data FILE --keystores DIR` runs with. */
export interface DepositChainOptions {
  /** Absolute path of the deposit data file. */
  file: string;
  sha256: string;
  count: number;
  /** The keystore of each deposit, in deposit order. */
  keystoreFiles: string[];
  /** --keystore-password-file, resolved; otherwise the prompted `password`. */
  passwordFile?: string;
  password?: string;
}

/**
 * The --deposit-data / --keystores / --keystore-password-file options of `ceibo dev` (null: the interop keys):
 * the deposits checked, a keystore found for each, and the password tried on the first keystore, so that a wrong
 * one is reported before anything starts.
 */
export async function depositOptions(
  values: {"deposit-data"?: string; keystores?: string; "keystore-password-file"?: string},
  validators: number | undefined,
  /** Whether a validator client will run (false: no keystores or password are needed). */
  needKeys = true,
): Promise<DepositChainOptions | null> {
  const depositFile = values["deposit-data"];
  const dir = values.keystores;
  if (depositFile === undefined && dir === undefined) {
    if (values["keystore-password-file"] !== undefined) {
      throw new UsageError("--keystore-password-file goes with --deposit-data and --keystores");
    }
    return null;
  }
  if (depositFile === undefined) throw new UsageError("--keystores DIR goes with --deposit-data FILE");
  if (validators !== undefined) {
    throw new UsageError("--validators is for the interop keys; with --deposit-data the validators are its deposits");
  }
  const file = resolve(depositFile);
  const deposits = readDevDeposits(file);
  if (!needKeys) return {file, sha256: fileSha256(file), count: deposits.length, keystoreFiles: []};
  if (dir === undefined) throw new UsageError("--deposit-data needs --keystores DIR (the validators' keystores)");
  const pubkeys = deposits.map((d) => Buffer.from(d.pubkey).toString("hex"));
  const {files} = keystoresForDeposits(dir, pubkeys);
  let password: string;
  let passwordFile: string | undefined;
  if (values["keystore-password-file"] !== undefined) {
    passwordFile = resolve(values["keystore-password-file"]);
    password = await readPasswordFile(passwordFile);
  } else {
    const prompter = createPrompter();
    try {
      password = await prompter.ask("Keystore password:", {hidden: true});
    } finally {
      prompter.close();
    }
  }
  try {
    const key = await decryptKeystore(await readKeystoreFile(files[0]), password);
    key.secretKey.fill(0);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return {file, sha256: fileSha256(file), count: deposits.length, keystoreFiles: files, passwordFile, password};
}
