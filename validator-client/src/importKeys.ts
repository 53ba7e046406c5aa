/**
 * `ceibo validator import`: keystores (+ an EIP-3076 interchange) into a validator data directory, where the
 * Keymanager API keeps the keys it imports (`<dataDir>/keymanager/keystores/<pubkey>.json` + `secrets/<pubkey>`),
 * so the validator client loads them at every start (`loadKeymanagerState`).
 *
 * All or nothing: every keystore is decrypted and the interchange validated and matched against the data
 * directory's chain BEFORE anything is written. Then the files are staged next to their final names, the history
 * goes into the slashing-protection database in one batch (before any key can sign), and the staged files are
 * renamed into place. A failure before that point leaves the data directory as it was.
 */

import {randomBytes} from "node:crypto";
import {existsSync, mkdirSync, renameSync, rmSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {type DecryptProgress, decryptKeystoresParallel, type KeystoreFile} from "@ceibo/keymanager";
import {
  type InterchangeV5,
  type ParsedInterchange,
  parseInterchange,
  type SlashingProtection,
  SlashingProtectionError,
} from "@ceibo/slashing-protection";
import {toHex} from "@ceibo/utils";
import {DataDirError, hasSlashingProtection, openDataDirStore, resolveDataDirChain} from "./dataDirChain.ts";
import {keymanagerDirs} from "./keymanagerBackend.ts";

export interface ImportKeysOptions {
  dataDir: string;
  keystores: KeystoreFile[];
  /** Password of each keystore, same order. */
  passwords: string[];
  /** An EIP-3076 interchange document to import with the keys. */
  interchange?: {path: string; text: string};
  /** The chain the operator named (--network / --beacon-node / --genesis-validators-root), if any. */
  genesisValidatorsRoot?: Uint8Array | string;
  onProgress?: (p: DecryptProgress) => void;
}

export interface InterchangeImportSummary {
  validators: number;
  /** Records in the document. */
  blocks: number;
  attestations: number;
  /** Records the database did not have before (the rest were already there, or merged with what was). */
  newBlocks: number;
  newAttestations: number;
}

export interface ImportKeysReport {
  imported: string[];
  /** Pubkeys already in the data directory: left as they are. */
  alreadyPresent: string[];
  interchange?: InterchangeImportSummary & {genesisValidatorsRoot: string};
}

function countRecords(doc: InterchangeV5): {blocks: number; attestations: number} {
  let blocks = 0;
  let attestations = 0;
  for (const d of doc.data) {
    blocks += d.signed_blocks.length;
    attestations += d.signed_attestations.length;
  }
  return {blocks, attestations};
}

/**
 * Imports an interchange into an open store for the chain `gvr`, reporting how many records were new. Throws a
 * one-line error naming `label` when the document belongs to another chain.
 */
export async function importInterchangeCounted(
  store: SlashingProtection,
  parsed: ParsedInterchange,
  text: string,
  gvr: string,
  label: string,
): Promise<InterchangeImportSummary> {
  const docGvr = toHex(parsed.genesisValidatorsRoot);
  if (docGvr !== gvr) {
    throw new DataDirError(
      `${label} is for genesis_validators_root ${docGvr}, but this data directory is for ${gvr} (another network): nothing imported`,
    );
  }
  const pubkeys = [...new Set(parsed.data.map((d) => toHex(d.pubkey)))];
  const before = countRecords(await store.exportInterchange(gvr, pubkeys));
  const result = await store.importInterchange(text, gvr);
  const after = countRecords(await store.exportInterchange(gvr, pubkeys));
  return {
    validators: result.validators,
    blocks: result.blocks,
    attestations: result.attestations,
    newBlocks: after.blocks - before.blocks,
    newAttestations: after.attestations - before.attestations,
  };
}

/** Parses an interchange document, naming the file in the error. */
export function parseInterchangeFile(path: string, text: string): ParsedInterchange {
  try {
    return parseInterchange(text);
  } catch (e) {
    if (e instanceof SlashingProtectionError) throw new DataDirError(`interchange ${path}: ${e.message}`);
    throw e;
  }
}

export async function importKeysIntoDataDir(opts: ImportKeysOptions): Promise<ImportKeysReport> {
  const d = keymanagerDirs(opts.dataDir);
  if (opts.passwords.length !== opts.keystores.length) throw Error("one password per keystore");

  // 1. everything that can fail, before writing anything
  const parsedInterchange =
    opts.interchange === undefined ? undefined : parseInterchangeFile(opts.interchange.path, opts.interchange.text);
  const fresh: {k: KeystoreFile; password: string; id: string}[] = [];
  const alreadyPresent: string[] = [];
  for (const [i, k] of opts.keystores.entries()) {
    const id = toHex(k.parsed.pubkey).toLowerCase();
    if (existsSync(join(d.keystores, `${id}.json`))) alreadyPresent.push(id);
    else fresh.push({k, password: opts.passwords[i], id});
  }
  const decrypted = await decryptKeystoresParallel(
    fresh.map((f) => ({keystorePath: f.k.path, password: f.password})),
    {onProgress: opts.onProgress},
  );
  for (const key of decrypted) key.secretKey.fill(0); // only the check was needed: the keystore is copied as it is

  let store: SlashingProtection | null = null;
  let gvr: string | undefined;
  try {
    if (parsedInterchange !== undefined && opts.interchange !== undefined) {
      const docGvr = toHex(parsedInterchange.genesisValidatorsRoot);
      if (!hasSlashingProtection(opts.dataDir)) {
        // nothing to open yet: decide the chain without creating the database
        gvr = resolveDataDirChain(opts.dataDir, [], opts.genesisValidatorsRoot);
      } else {
        store = await openDataDirStore(opts.dataDir);
        gvr = resolveDataDirChain(opts.dataDir, await store.genesisValidatorsRoots(), opts.genesisValidatorsRoot);
      }
      if (docGvr !== gvr) {
        throw new DataDirError(
          `interchange ${opts.interchange.path} is for genesis_validators_root ${docGvr}, but this data directory is ` +
            `for ${gvr} (another network): nothing imported`,
        );
      }
    }

    // 2. stage the files next to their final names
    const created: string[] = [];
    const firstCreated = mkdirSync(opts.dataDir, {recursive: true});
    if (firstCreated !== undefined) created.push(firstCreated);
    for (const dir of [d.root, d.keystores, d.secrets]) {
      if (!existsSync(dir)) {
        mkdirSync(dir, {mode: 0o700});
        if (firstCreated === undefined) created.push(dir);
      }
    }
    const tag = randomBytes(4).toString("hex");
    const staged: {from: string; to: string}[] = [];
    const undoStaging = () => {
      for (const s of staged) rmSync(s.from, {force: true});
      // only directories this import created (they hold nothing but its staged files)
      for (const dir of created.reverse()) rmSync(dir, {recursive: true, force: true});
    };
    try {
      for (const f of fresh) {
        const ks = {from: join(d.keystores, `${f.id}.json.${tag}.importing`), to: join(d.keystores, `${f.id}.json`)};
        const pw = {from: join(d.secrets, `${f.id}.${tag}.importing`), to: join(d.secrets, f.id)};
        writeFileSync(ks.from, f.k.text, {mode: 0o600});
        staged.push(ks);
        writeFileSync(pw.from, f.password, {mode: 0o600});
        staged.push(pw);
      }
    } catch (e) {
      undoStaging();
      throw e;
    }

    // 3. the history first (one batch), so no imported key can sign before its slashing protection is in place
    let interchange: ImportKeysReport["interchange"];
    if (parsedInterchange !== undefined && opts.interchange !== undefined && gvr !== undefined) {
      try {
        store ??= await openDataDirStore(opts.dataDir);
        const summary = await importInterchangeCounted(
          store,
          parsedInterchange,
          opts.interchange.text,
          gvr,
          `interchange ${opts.interchange.path}`,
        );
        interchange = {...summary, genesisValidatorsRoot: gvr};
      } catch (e) {
        undoStaging();
        throw e;
      }
    }

    // 4. into place (a rename within one directory)
    const done: {from: string; to: string}[] = [];
    try {
      for (const s of staged) {
        renameSync(s.from, s.to);
        done.push(s);
      }
    } catch (e) {
      for (const s of done) renameSync(s.to, s.from);
      undoStaging();
      throw e;
    }
    return {imported: fresh.map((f) => f.id), alreadyPresent, ...(interchange ? {interchange} : {})};
  } finally {
    await store?.close();
  }
}
