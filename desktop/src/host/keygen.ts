/**
 * Key generation in the host process through `@ceibo/keymanager`. A mnemonic lives only in this object's
 * memory (never written, logged, put on a command line or in an environment), keyed by a random session id;
 * it is dropped once keys are generated, on `forget`, or after `SESSION_TTL_MS`.
 * Note: JS strings cannot be zeroed; dropping the only reference is the best this runtime offers.
 */
import {randomBytes, randomInt} from "node:crypto";
import {readFileSync} from "node:fs";
import {
  checkDepositData,
  depositNetworkByName,
  generateMnemonic,
  generateValidatorKeys,
  mnemonicToEntropy,
  parseDepositAmountEth,
  parseExecutionAddress,
} from "@ceibo/keymanager";
import type {NetworkName, Req, Res, WithdrawalKind} from "../shared/contract.ts";
import {badRequest} from "./errors.ts";
import {asObject, int, oneOf, onlyKeys, str} from "./validate.ts";

export const SESSION_TTL_MS = 30 * 60_000;

interface Session {
  mnemonic: string;
  /** Indices the user must re-enter; null for an imported mnemonic (nothing to confirm). */
  confirmIndices: [number, number, number] | null;
  confirmed: boolean;
  expiresAt: number;
}

export interface KeygenOptions {
  kdf?: "scrypt" | "pbkdf2";
  onProgress?: (done: number, total: number) => void;
}

export class KeySessions {
  private readonly sessions = new Map<string, Session>();
  private readonly opts: KeygenOptions;

  constructor(opts: KeygenOptions = {}) {
    this.opts = opts;
  }

  newMnemonic(): Res<"keys.newMnemonic"> {
    const mnemonic = generateMnemonic();
    const picked = new Set<number>();
    while (picked.size < 3) picked.add(randomInt(24));
    const confirmIndices = [...picked].sort((a, b) => a - b) as [number, number, number];
    const sessionId = this.put({mnemonic, confirmIndices, confirmed: false});
    return {sessionId, words: mnemonic.split(" "), confirmIndices};
  }

  confirm(input: unknown): Res<"keys.confirmMnemonic"> {
    const o = asObject(input, "keys.confirmMnemonic");
    onlyKeys(o, ["sessionId", "words"], "keys.confirmMnemonic");
    const s = this.session(str(o, "sessionId", 64));
    const words = o.words;
    if (!Array.isArray(words) || words.length !== 3 || words.some((w) => typeof w !== "string" || w.length > 32)) {
      throw badRequest(`"words" must be the 3 words asked for`);
    }
    if (s.confirmIndices === null) return {confirmed: true};
    const all = s.mnemonic.split(" ");
    const ok = s.confirmIndices.every((i, k) => all[i] === (words[k] as string).trim().toLowerCase());
    if (ok) s.confirmed = true;
    return {confirmed: ok};
  }

  importMnemonic(input: unknown): Res<"keys.importMnemonic"> {
    const o = asObject(input, "keys.importMnemonic");
    onlyKeys(o, ["mnemonic"], "keys.importMnemonic");
    const mnemonic = str(o, "mnemonic", 1000).trim().toLowerCase().split(/\s+/).join(" ");
    const n = mnemonic.split(" ").length;
    if (![12, 15, 18, 21, 24].includes(n))
      throw badRequest(`the mnemonic has ${n} words; expected 12, 15, 18, 21 or 24`);
    try {
      mnemonicToEntropy(mnemonic);
    } catch {
      // The library's message may quote a word: never echo the mnemonic back.
      throw badRequest("the mnemonic is not valid (a word is not in the BIP-39 English list or the checksum fails)");
    }
    return {sessionId: this.put({mnemonic, confirmIndices: null, confirmed: true})};
  }

  forget(input: unknown): Res<"keys.forget"> {
    const o = asObject(input, "keys.forget");
    onlyKeys(o, ["sessionId"], "keys.forget");
    return {forgotten: this.sessions.delete(str(o, "sessionId", 64))};
  }

  /** Writes keystores + deposit_data into `outDir`, checks the file with the launchpad checks, wipes the session. */
  async generate(
    input: unknown,
    network: NetworkName,
    outDir: string,
  ): Promise<Res<"keys.generate"> & {passwordForChild: string}> {
    const req = parseGenerate(input);
    const s = this.session(req.sessionId);
    if (!s.confirmed) throw badRequest("confirm the mnemonic (re-enter the 3 words) before generating keys");
    let address: Uint8Array;
    try {
      address = parseExecutionAddress(req.withdrawalAddress);
    } catch (e) {
      throw badRequest(`withdrawal address: ${(e as Error).message}`);
    }
    let amountGwei: number;
    try {
      amountGwei = parseDepositAmountEth(req.amountEth, req.withdrawalKind);
    } catch (e) {
      throw badRequest(`amount: ${(e as Error).message}`);
    }
    const net = depositNetworkByName(network);
    const out = await generateValidatorKeys({
      mnemonic: s.mnemonic,
      startIndex: req.startIndex ?? 0,
      count: req.count,
      password: req.password,
      kdf: this.opts.kdf,
      withdrawal: {kind: req.withdrawalKind, address},
      amountGwei,
      network: net,
      outDir,
      onProgress: (p) => this.opts.onProgress?.(p.done, p.total),
    });
    this.sessions.delete(req.sessionId);
    const problems = checkDepositData(readFileSync(out.depositDataFile, "utf8"), out.depositDataFile, net).problems;
    return {
      keystoresDir: outDir,
      depositDataFile: out.depositDataFile,
      pubkeys: out.pubkeys,
      problems,
      passwordForChild: req.password,
    };
  }

  private put(s: Omit<Session, "expiresAt">): string {
    this.sweep();
    const id = randomBytes(16).toString("hex");
    this.sessions.set(id, {...s, expiresAt: Date.now() + SESSION_TTL_MS});
    return id;
  }

  private session(id: string): Session {
    this.sweep();
    const s = this.sessions.get(id);
    if (s === undefined) throw badRequest("unknown or expired key session: start again from the mnemonic step");
    return s;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) if (s.expiresAt < now) this.sessions.delete(id);
  }
}

const KINDS: readonly WithdrawalKind[] = ["eth1", "compounding"];

export function parseGenerate(input: unknown): Req<"keys.generate"> {
  const o = asObject(input, "keys.generate");
  onlyKeys(
    o,
    ["sessionId", "withdrawalKind", "withdrawalAddress", "count", "amountEth", "password", "startIndex"],
    "keys.generate",
  );
  const password = str(o, "password", 1024);
  if ([...password].length < 8) throw badRequest("the keystore password needs at least 8 characters");
  return {
    sessionId: str(o, "sessionId", 64),
    withdrawalKind: oneOf(o, "withdrawalKind", KINDS),
    withdrawalAddress: str(o, "withdrawalAddress", 64),
    count: int(o, "count", 1, 1000),
    amountEth: str(o, "amountEth", 32),
    password,
    ...(o.startIndex !== undefined ? {startIndex: int(o, "startIndex", 0, 2 ** 32 - 1)} : {}),
  };
}
