/**
 * The validator client behind the Keymanager API (`@ceibo/keymanager/api`): keys are added to and removed from
 * the signing gate's `KeyStore`, slashing-protection history goes through the client's EIP-3076 store, and
 * voluntary exits are signed by the gate. What the API changes is kept under `<dataDir>/keymanager/`:
 *
 * - `keystores/<pubkey>.json` + `secrets/<pubkey>` (the keystore as imported, its password; files 0600),
 * - `remote-keys.json` (`[{pubkey, url}]`: keys held by a Web3Signer-API remote signer, signing through it),
 * - `validator-settings.json` (per-pubkey fee recipient, graffiti, gas limit),
 *
 * and read back at the next start by `loadKeymanagerState`.
 */

import {randomBytes} from "node:crypto";
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {type DecryptedKey, decryptKeystoresParallel, KeystoreError, parseKeystore} from "@ceibo/keymanager";
import {
  type DeleteStatus,
  type ImportStatus,
  KeymanagerApiError,
  type KeymanagerBackend,
  type LocalKeyInfo,
  type RemoteDeleteStatus,
  type RemoteKeyInfo,
  type SignedVoluntaryExitJson,
} from "@ceibo/keymanager/api";
import {SlashingProtectionError} from "@ceibo/slashing-protection";
import type {Logger} from "@ceibo/utils";
import {fromHex, toHex} from "@ceibo/utils";
import {PublicKey, SecretKey} from "@chainsafe/blst";
import {ValidatorClientError} from "./errors.ts";
import {type KeyStore, Web3SignerClient} from "./signer/index.ts";
import type {ValidatorClient, ValidatorSettings} from "./validatorClient.ts";

/** Gas limit served for validators without an override (what current clients default to). */
export const DEFAULT_GAS_LIMIT = 60_000_000n;
const ZERO_ADDRESS = `0x${"00".repeat(20)}`;

/** One Web3Signer client per signer URL, shared by every key it holds (so "unreachable" is reported once). */
export class RemoteSigners {
  private readonly clients = new Map<string, Web3SignerClient>();
  private readonly log?: Logger;
  constructor(opts: {log?: Logger} = {}) {
    this.log = opts.log;
  }
  get(url: string): Web3SignerClient {
    let c = this.clients.get(url);
    if (c === undefined) {
      c = new Web3SignerClient(url, {log: this.log});
      this.clients.set(url, c);
    }
    return c;
  }
}

export interface KeymanagerState {
  /** Decrypted keys imported through the API earlier (wipe `secretKey` after use). */
  local: (DecryptedKey & {derivationPath?: string})[];
  remote: {pubkey: string; url: string}[];
  settings: Record<string, {feeRecipient?: string; graffiti?: string; gasLimit?: string}>;
}

const dirs = (dataDir: string) => {
  const root = join(dataDir, "keymanager");
  return {
    root,
    keystores: join(root, "keystores"),
    secrets: join(root, "secrets"),
    remote: join(root, "remote-keys.json"),
    settings: join(root, "validator-settings.json"),
  };
};

/** Where the Keymanager API (and `ceibo validator import`) keep imported keys. */
export {dirs as keymanagerDirs};

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(tmp, text, {mode: 0o600});
  renameSync(tmp, path);
}

function readJson<T>(path: string, fallback: T): T {
  if (!existsSync(path)) return fallback;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch (e) {
    throw new ValidatorClientError("INVALID_SIGNING_REQUEST", `cannot read ${path}: ${(e as Error).message}`);
  }
}

/** Reads (and decrypts) what earlier Keymanager API calls stored under `<dataDir>/keymanager/`. */
export async function loadKeymanagerState(dataDir: string): Promise<KeymanagerState> {
  const d = dirs(dataDir);
  const local: KeymanagerState["local"] = [];
  if (existsSync(d.keystores)) {
    const files = readdirSync(d.keystores)
      .filter((f) => /^0x[0-9a-f]{96}\.json$/.test(f))
      .sort();
    const jobs = files.map((f) => ({
      keystorePath: join(d.keystores, f),
      password: readFileSync(join(d.secrets, f.slice(0, -5)), "utf8"),
    }));
    const keys = await decryptKeystoresParallel(jobs);
    for (const [i, k] of keys.entries()) {
      const path = parseKeystore(readFileSync(jobs[i].keystorePath, "utf8"), jobs[i].keystorePath).keystore.path;
      local.push({...k, ...(path ? {derivationPath: path} : {})});
    }
  }
  return {
    local,
    remote: readJson<KeymanagerState["remote"]>(d.remote, []),
    settings: readJson<KeymanagerState["settings"]>(d.settings, {}),
  };
}

/** Adds the persisted keys to `keys` (before the client starts); returns derivation paths by pubkey. */
export function addKeymanagerKeys(
  keys: KeyStore,
  state: KeymanagerState,
  signers: RemoteSigners = new RemoteSigners(),
): Map<string, string> {
  const paths = new Map<string, string>();
  for (const k of state.local) {
    const id = toHex(k.pubkey);
    if (keys.has(id)) continue;
    keys.add({type: "local", pubkey: k.pubkey, secretKey: SecretKey.fromBytes(k.secretKey)});
    k.secretKey.fill(0);
    if (k.derivationPath) paths.set(id, k.derivationPath);
  }
  for (const r of state.remote) {
    if (!keys.has(r.pubkey)) keys.add({type: "remote", pubkey: fromHex(r.pubkey), signer: signers.get(r.url)});
  }
  return paths;
}

export interface KeymanagerBackendOptions {
  dataDir: string;
  /** Keys that cannot be deleted through the API (loaded from --keystores or --interop-indexes). */
  readonlyPubkeys?: Iterable<string>;
  /** Derivation paths of keys loaded at start (from addKeymanagerKeys). */
  derivationPaths?: Map<string, string>;
  settings?: KeymanagerState["settings"];
  log?: Logger;
  /** Clients of remote signers (shared with the keys loaded at start). */
  remoteSigners?: RemoteSigners;
  /** The URL used for remote keys imported without one (`ceibo validator --remote-signer`). */
  defaultRemoteSignerUrl?: string;
}

export class ValidatorClientKeymanagerBackend implements KeymanagerBackend {
  private readonly vc: ValidatorClient;
  private readonly d: ReturnType<typeof dirs>;
  private readonly readonly: Set<string>;
  private readonly paths: Map<string, string>;
  private readonly log?: Logger;
  private readonly signers: RemoteSigners;
  private readonly defaultUrl?: string;
  /** Imports and deletions run one at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(vc: ValidatorClient, opts: KeymanagerBackendOptions) {
    this.vc = vc;
    this.d = dirs(opts.dataDir);
    this.readonly = new Set([...(opts.readonlyPubkeys ?? [])].map((p) => p.toLowerCase()));
    this.paths = opts.derivationPaths ?? new Map();
    this.log = opts.log;
    this.signers = opts.remoteSigners ?? new RemoteSigners({log: opts.log});
    this.defaultUrl = opts.defaultRemoteSignerUrl;
    for (const [pubkey, s] of Object.entries(opts.settings ?? {})) {
      vc.perValidator.set(pubkey.toLowerCase(), {
        ...(s.feeRecipient ? {feeRecipient: fromHex(s.feeRecipient)} : {}),
        ...(s.graffiti !== undefined ? {graffiti: s.graffiti} : {}),
        ...(s.gasLimit ? {gasLimit: BigInt(s.gasLimit)} : {}),
      });
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  listKeystores(): LocalKeyInfo[] {
    const keys = this.vc.keys;
    return keys
      .pubkeysHex()
      .filter((id) => keys.get(id).type === "local")
      .map((id) => ({
        validatingPubkey: id,
        ...(this.paths.has(id) ? {derivationPath: this.paths.get(id)} : {}),
        readonly: this.readonly.has(id),
      }));
  }

  importKeystores(keystores: string[], passwords: string[], slashingProtection?: string): Promise<ImportStatus[]> {
    return this.serial(async () => {
      // the history first: no imported key can sign before its slashing protection is in the store
      if (slashingProtection !== undefined) {
        try {
          await this.vc.slashingProtection.importInterchange(slashingProtection, this.vc.chain.genesisValidatorsRoot);
        } catch (e) {
          if (e instanceof SlashingProtectionError) {
            throw new KeymanagerApiError(
              "BAD_REQUEST",
              `slashing_protection not imported (no keys imported): ${e.message}`,
            );
          }
          throw e;
        }
      }
      mkdirSync(this.d.keystores, {recursive: true, mode: 0o700});
      mkdirSync(this.d.secrets, {recursive: true, mode: 0o700});
      const out: ImportStatus[] = [];
      for (let i = 0; i < keystores.length; i++) {
        try {
          out.push(await this.importOne(keystores[i], passwords[i], i));
        } catch (e) {
          const message = e instanceof KeystoreError ? e.message : `keystores[${i}]: ${(e as Error).message}`;
          out.push({status: "error", message});
        }
      }
      return out;
    });
  }

  private async importOne(text: string, password: string, i: number): Promise<ImportStatus> {
    const parsed = parseKeystore(text, `keystores[${i}]`);
    const id = toHex(parsed.pubkey);
    if (this.vc.keys.has(id)) return {status: "duplicate"};
    const staging = join(this.d.keystores, `${id}.json.importing`);
    const final = join(this.d.keystores, `${id}.json`);
    const secretPath = join(this.d.secrets, id);
    writeFileSync(staging, text, {mode: 0o600});
    let key: DecryptedKey;
    try {
      [key] = await decryptKeystoresParallel([{keystorePath: staging, password}], {workers: 1});
    } catch (e) {
      rmSync(staging, {force: true});
      if (e instanceof KeystoreError) throw new KeystoreError(e.code, e.message.replaceAll(staging, `keystores[${i}]`));
      throw e;
    }
    try {
      writeAtomic(secretPath, password);
      renameSync(staging, final);
      if (this.vc.keys.has(id)) return {status: "duplicate"};
      this.vc.keys.add({type: "local", pubkey: key.pubkey, secretKey: SecretKey.fromBytes(key.secretKey)});
    } finally {
      key.secretKey.fill(0);
    }
    if (parsed.keystore.path) this.paths.set(id, parsed.keystore.path);
    this.vc.indices.addPubkey(key.pubkey);
    this.log?.info("Keymanager API imported a keystore", {pubkey: id});
    return {status: "imported"};
  }

  deleteKeystores(pubkeys: string[]): Promise<{statuses: DeleteStatus[]; slashingProtection: string}> {
    // Step 1, synchronously and before anything else: the signing gate stops signing with every deleted key.
    const statuses: (DeleteStatus | undefined)[] = pubkeys.map((id) => {
      if (!this.vc.keys.has(id) || this.vc.keys.get(id).type !== "local") return undefined;
      if (this.readonly.has(id)) {
        return {
          status: "error",
          message: `${id} was loaded at startup (--keystores / interop keys) and is read-only: it was NOT removed and still signs`,
        };
      }
      this.vc.keys.remove(id);
      this.vc.indices.removePubkey(id);
      return {status: "deleted"};
    });
    // Step 2: delete the files and export the history (the export waits for any in-flight check-and-insert of
    // these keys; one that lands after it cannot become a signature, the key being gone from the gate).
    return this.serial(async () => {
      const gvr = this.vc.chain.genesisValidatorsRoot;
      const withHistory = new Set(await this.vc.slashingProtection.listPubkeys(gvr));
      const result: DeleteStatus[] = pubkeys.map((id, i) => {
        const s = statuses[i];
        if (s?.status === "deleted") {
          rmSync(join(this.d.keystores, `${id}.json`), {force: true});
          rmSync(join(this.d.secrets, id), {force: true});
          this.paths.delete(id);
          this.log?.info("Keymanager API deleted a key", {pubkey: id});
          return s;
        }
        if (s !== undefined) return s;
        return withHistory.has(id) ? {status: "not_active"} : {status: "not_found"};
      });
      const exported = [
        ...new Set(pubkeys.filter((_, i) => result[i].status === "deleted" || result[i].status === "not_active")),
      ];
      const doc =
        exported.length > 0
          ? await this.vc.slashingProtection.exportInterchange(gvr, exported)
          : await this.vc.slashingProtection.exportInterchange(gvr, []);
      return {statuses: result, slashingProtection: JSON.stringify(doc)};
    });
  }

  listRemoteKeys(): RemoteKeyInfo[] {
    const keys = this.vc.keys;
    const out: RemoteKeyInfo[] = [];
    for (const id of keys.pubkeysHex()) {
      const k = keys.get(id);
      if (k.type === "remote") out.push({pubkey: id, url: k.signer.url, readonly: this.readonly.has(id)});
    }
    return out;
  }

  importRemoteKeys(list: {pubkey: string; url?: string}[]): Promise<ImportStatus[]> {
    return this.serial(async () => {
      const out: ImportStatus[] = [];
      for (const k of list) {
        if (this.vc.keys.has(k.pubkey)) {
          out.push({status: "duplicate"});
          continue;
        }
        const urlText = k.url ?? this.defaultUrl;
        if (urlText === undefined) {
          out.push({status: "error", message: "url is required: no default remote signer is configured"});
          continue;
        }
        let url: URL;
        try {
          url = new URL(urlText);
        } catch {
          out.push({status: "error", message: `url "${urlText}" is not a URL`});
          continue;
        }
        if (url.protocol !== "http:" && url.protocol !== "https:") {
          out.push({status: "error", message: `url "${urlText}" is not http(s)`});
          continue;
        }
        let pubkey: Uint8Array;
        try {
          pubkey = remotePubkey(k.pubkey);
        } catch (e) {
          out.push({status: "error", message: (e as Error).message});
          continue;
        }
        this.vc.keys.add({type: "remote", pubkey, signer: this.signers.get(urlText)});
        this.vc.indices.addPubkey(pubkey);
        this.log?.info("Keymanager API imported a remote key", {pubkey: k.pubkey.toLowerCase(), url: urlText});
        out.push({status: "imported"});
      }
      this.saveRemote();
      return out;
    });
  }

  deleteRemoteKeys(pubkeys: string[]): Promise<RemoteDeleteStatus[]> {
    const out: RemoteDeleteStatus[] = pubkeys.map((id) => {
      if (!this.vc.keys.has(id) || this.vc.keys.get(id).type !== "remote") return {status: "not_found"};
      if (this.readonly.has(id)) return {status: "error", message: `${id} is read-only`};
      this.vc.keys.remove(id);
      this.vc.indices.removePubkey(id);
      return {status: "deleted"};
    });
    return this.serial(async () => {
      this.saveRemote();
      return out;
    });
  }

  private saveRemote(): void {
    mkdirSync(this.d.root, {recursive: true, mode: 0o700});
    writeAtomic(
      this.d.remote,
      `${JSON.stringify(
        this.listRemoteKeys().map(({pubkey, url}) => ({pubkey, url})),
        null,
        2,
      )}\n`,
    );
  }

  private known(pubkey: string): void {
    if (!this.vc.keys.has(pubkey))
      throw new KeymanagerApiError("NOT_FOUND", `validator ${pubkey} is not managed by this client`);
  }

  private update(pubkey: string, fn: (s: ValidatorSettings) => void): void {
    this.known(pubkey);
    const s = {...(this.vc.perValidator.get(pubkey) ?? {})};
    fn(s);
    if (Object.values(s).every((v) => v === undefined)) this.vc.perValidator.delete(pubkey);
    else this.vc.perValidator.set(pubkey, s);
    const out: KeymanagerState["settings"] = {};
    for (const [id, v] of this.vc.perValidator) {
      out[id] = {
        ...(v.feeRecipient ? {feeRecipient: toHex(v.feeRecipient)} : {}),
        ...(v.graffiti !== undefined ? {graffiti: v.graffiti} : {}),
        ...(v.gasLimit !== undefined ? {gasLimit: v.gasLimit.toString()} : {}),
      };
    }
    mkdirSync(this.d.root, {recursive: true, mode: 0o700});
    writeAtomic(this.d.settings, `${JSON.stringify(out, null, 2)}\n`);
  }

  getFeeRecipient(pubkey: string): string {
    this.known(pubkey);
    const fr = this.vc.feeRecipientOf(pubkey);
    return fr ? toHex(fr) : ZERO_ADDRESS;
  }
  setFeeRecipient(pubkey: string, address: string): void {
    this.update(pubkey, (s) => {
      s.feeRecipient = fromHex(address);
    });
  }
  deleteFeeRecipient(pubkey: string): void {
    this.update(pubkey, (s) => {
      delete s.feeRecipient;
    });
  }

  getGasLimit(pubkey: string): string {
    this.known(pubkey);
    // the override, else the client's --gas-limit (default DEFAULT_GAS_LIMIT): what the registrations carry
    return this.vc.gasLimitOf(pubkey).toString();
  }
  setGasLimit(pubkey: string, gasLimit: bigint): void {
    this.update(pubkey, (s) => {
      s.gasLimit = gasLimit;
    });
  }
  deleteGasLimit(pubkey: string): void {
    this.update(pubkey, (s) => {
      delete s.gasLimit;
    });
  }

  getGraffiti(pubkey: string): string {
    this.known(pubkey);
    return this.vc.graffitiOf(pubkey) ?? "";
  }
  setGraffiti(pubkey: string, graffiti: string): void {
    this.update(pubkey, (s) => {
      s.graffiti = graffiti;
    });
  }
  deleteGraffiti(pubkey: string): void {
    this.update(pubkey, (s) => {
      delete s.graffiti;
    });
  }

  async signVoluntaryExit(pubkey: string, epoch?: number): Promise<SignedVoluntaryExitJson> {
    this.known(pubkey);
    let v = this.vc.indices.get(pubkey);
    if (v === undefined) {
      await this.vc.indices.update();
      v = this.vc.indices.get(pubkey);
    }
    if (v === undefined) {
      throw new KeymanagerApiError(
        "NOT_FOUND",
        `validator ${pubkey} has no index on the beacon chain (not deposited yet?)`,
      );
    }
    const exit = {epoch: epoch ?? Math.max(0, this.vc.clock.currentEpoch), validatorIndex: v.index};
    let signature: Uint8Array;
    try {
      signature = await this.vc.signer.signVoluntaryExit(fromHex(pubkey), exit);
    } catch (e) {
      if (
        e instanceof ValidatorClientError &&
        (e.code === "REMOTE_SIGNER_UNAVAILABLE" || e.code === "REMOTE_SIGNER_REFUSED")
      ) {
        throw new KeymanagerApiError("INTERNAL", e.message);
      }
      if (e instanceof ValidatorClientError && e.code === "UNKNOWN_PUBKEY") {
        throw new KeymanagerApiError("NOT_FOUND", e.message);
      }
      throw e;
    }
    return {
      message: {epoch: String(exit.epoch), validator_index: String(exit.validatorIndex)},
      signature: toHex(signature),
    };
  }
}

/** A remote key's pubkey must be a valid compressed G1 point (we never hold its secret). */
function remotePubkey(id: string): Uint8Array {
  const bytes = fromHex(id);
  try {
    PublicKey.fromBytes(bytes, true);
  } catch {
    throw new Error(`${id} is not a valid BLS public key`);
  }
  return bytes;
}
