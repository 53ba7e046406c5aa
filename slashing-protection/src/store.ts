/**
 * The EIP-3076 slashing-protection store: a "complete" store (every signed block and attestation is kept
 * with its signing root) on LevelDB (classic-level). The signing gate calls checkAndInsertBlock /
 * checkAndInsertAttestation, which check and record in one atomic LevelDB batch while holding a per-pubkey
 * in-process lock. See README.md for the rules and the key layout.
 * https://eips.ethereum.org/EIPS/eip-3076
 */
import {toHex} from "@ceibo/utils";
import {ClassicLevel} from "classic-level";
import {
  bytesOf,
  chainKey,
  keyWithU64s,
  PREFIX,
  PUBKEY_LENGTH,
  prefixEnd,
  ROOT_LENGTH,
  readU64,
  rootOrNull,
  sameRoot,
  u64Of,
  VALIDATOR_PREFIX_LENGTH,
  validatorKey,
} from "./codec.ts";
import {SlashingProtectionError} from "./errors.ts";
import {INTERCHANGE_FORMAT_VERSION, type InterchangeV5, parseInterchange} from "./interchange.ts";
import {KeyedMutex} from "./mutex.ts";

export type Bytes = Uint8Array | string;
/** A slot or epoch: a safe integer, a bigint or a decimal string (as the Beacon API sends them). */
export type UInt = number | bigint | string;

export type SlashingProtectionOptions = {
  /** Directory of the LevelDB database (created if missing). */
  path: string;
  /** The chain the signing gate signs for; checkAndInsert* record under it. */
  genesisValidatorsRoot: Bytes;
  /** fsync every write before reporting success (default true). Only turn off in tests. */
  sync?: boolean;
};

/** "new": checked and recorded. "repeat": the identical message (same signing root) was already recorded. */
export type SignStatus = "new" | "repeat";

export type ImportResult = {validators: number; blocks: number; attestations: number};

export type ImportOptions = {
  /**
   * Store a summary instead of every imported record: per validator, the imported records and the stored ones
   * at or below the highest imported slot / target are replaced by one block (the highest slot) and one
   * attestation (highest source, highest target), exactly as prune() does. Stricter than a full import; use it
   * for very large histories.
   */
  minify?: boolean;
};

export type ExportOptions = {
  /** Export only a summary per validator (highest slot block, highest source/target attestation). */
  minimal?: boolean;
};

export type PruneResult = {blocksRemoved: number; attestationsRemoved: number};

type AttRecord = {source: bigint; target: bigint; signingRoot: Uint8Array | null};
type BlockRecord = {slot: bigint; signingRoot: Uint8Array | null};
type BatchOp = {type: "put"; key: Uint8Array; value: Uint8Array} | {type: "del"; key: Uint8Array};

const STORE_VERSION = 1;
const META_VERSION_KEY = new Uint8Array([PREFIX.meta, 0x76]);
const EMPTY = new Uint8Array(0);
const CHAIN_LOCK = "\0chains";

export class SlashingProtection {
  private readonly db: ClassicLevel<Uint8Array, Uint8Array>;
  private readonly sync: boolean;
  private readonly mutex = new KeyedMutex();
  private readonly chainIds = new Map<string, number>();
  private readonly gvr: Uint8Array;
  private closed = false;
  private readonly pending = new Set<Promise<unknown>>();

  private constructor(db: ClassicLevel<Uint8Array, Uint8Array>, gvr: Uint8Array, sync: boolean) {
    this.db = db;
    this.gvr = gvr;
    this.sync = sync;
  }

  /** Open (or create) the store. Fails if another process holds the database (LevelDB LOCK file). */
  static async open(opts: SlashingProtectionOptions): Promise<SlashingProtection> {
    const gvr = bytesOf(opts.genesisValidatorsRoot, ROOT_LENGTH, "genesisValidatorsRoot");
    const db = new ClassicLevel<Uint8Array, Uint8Array>(opts.path, {keyEncoding: "view", valueEncoding: "view"});
    await db.open();
    const version = await db.get(META_VERSION_KEY);
    if (version === undefined) {
      await db.put(META_VERSION_KEY, new Uint8Array([STORE_VERSION]), {sync: true});
    } else if (version[0] !== STORE_VERSION) {
      await db.close();
      throw new SlashingProtectionError("INVALID_INPUT", `unknown slashing-protection store version ${version[0]}`, {
        path: opts.path,
      });
    }
    return new SlashingProtection(db, gvr, opts.sync ?? true);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Let calls already past the open check finish their batch before LevelDB closes.
    await Promise.allSettled(this.pending);
    await this.db.close();
  }

  get genesisValidatorsRoot(): string {
    return toHex(this.gvr);
  }

  /**
   * Check that signing a block proposal at `slot` with `signingRoot` is safe, and record it.
   * Throws SlashingProtectionError (DOUBLE_BLOCK, BELOW_LOWER_BOUND) when it is not.
   */
  async checkAndInsertBlock(pubkey: Bytes, slot: UInt, signingRoot: Bytes): Promise<SignStatus> {
    const pk = bytesOf(pubkey, PUBKEY_LENGTH, "pubkey");
    const s = u64Of(slot, "slot");
    const root = bytesOf(signingRoot, ROOT_LENGTH, "signingRoot");
    this.assertOpen();
    return this.exclusive([toHex(pk)], async () => {
      const chain = await this.chainId(this.gvr, true);
      const key = keyWithU64s(PREFIX.block, chain, pk, s);
      const existing = await this.db.get(key);
      const details = {pubkey: toHex(pk), slot: s.toString(), signingRoot: toHex(root)};
      if (existing !== undefined) {
        if (sameRoot(rootOrNull(existing), root)) return "repeat";
        throw new SlashingProtectionError("DOUBLE_BLOCK", `a different block was already signed at slot ${s}`, {
          ...details,
          existingSigningRoot: rootOrNull(existing) && toHex(existing),
        });
      }
      const prefix = validatorKey(PREFIX.block, chain, pk);
      const [minKey] = await this.db.keys({gte: prefix, lt: prefixEnd(prefix), limit: 1}).all();
      if (minKey !== undefined) {
        const minSlot = readU64(minKey, VALIDATOR_PREFIX_LENGTH);
        if (s < minSlot) {
          throw new SlashingProtectionError(
            "BELOW_LOWER_BOUND",
            `slot ${s} is below the lowest signed slot ${minSlot}`,
            {
              ...details,
              bound: "slot",
              minSlot: minSlot.toString(),
            },
          );
        }
      }
      await this.write([
        {type: "put", key, value: root},
        {type: "put", key: validatorKey(PREFIX.pubkey, chain, pk), value: EMPTY},
      ]);
      return "new";
    });
  }

  /**
   * Check that signing an attestation (source, target, signingRoot) is safe, and record it. Throws
   * SlashingProtectionError (SOURCE_EXCEEDS_TARGET, DOUBLE_VOTE, SURROUNDING_VOTE, SURROUNDED_VOTE,
   * BELOW_LOWER_BOUND) when it is not.
   */
  async checkAndInsertAttestation(
    pubkey: Bytes,
    sourceEpoch: UInt,
    targetEpoch: UInt,
    signingRoot: Bytes,
  ): Promise<SignStatus> {
    const pk = bytesOf(pubkey, PUBKEY_LENGTH, "pubkey");
    const source = u64Of(sourceEpoch, "sourceEpoch");
    const target = u64Of(targetEpoch, "targetEpoch");
    const root = bytesOf(signingRoot, ROOT_LENGTH, "signingRoot");
    this.assertOpen();
    const details = {
      pubkey: toHex(pk),
      sourceEpoch: source.toString(),
      targetEpoch: target.toString(),
      signingRoot: toHex(root),
    };
    if (source > target) {
      throw new SlashingProtectionError("SOURCE_EXCEEDS_TARGET", `source ${source} > target ${target}`, details);
    }
    return this.exclusive([toHex(pk)], async () => {
      const chain = await this.chainId(this.gvr, true);
      const byTarget = validatorKey(PREFIX.attByTarget, chain, pk);
      const bySource = validatorKey(PREFIX.attBySource, chain, pk);
      const conflict = (code: "DOUBLE_VOTE" | "SURROUNDING_VOTE" | "SURROUNDED_VOTE", what: string, e: AttRecord) =>
        new SlashingProtectionError(code, `${what} (${e.source}, ${e.target})`, {
          ...details,
          existing: {
            sourceEpoch: e.source.toString(),
            targetEpoch: e.target.toString(),
            signingRoot: e.signingRoot && toHex(e.signingRoot),
          },
        });

      // Same target: an exact repeat is safe, anything else is a double vote.
      const targetPrefix = keyWithU64s(PREFIX.attByTarget, chain, pk, target);
      const sameTarget = await this.attestationsByTarget(targetPrefix, prefixEnd(targetPrefix));
      if (sameTarget.some((e) => e.source === source && sameRoot(e.signingRoot, root))) return "repeat";
      if (sameTarget.length > 0) throw conflict("DOUBLE_VOTE", "already voted for this target with", sameTarget[0]);

      // New surrounds existing: e.source > source and e.target < target. Walk records with a higher source
      // (normally none: the newest attestation has the highest source).
      if (source < U64_MAX) {
        const from = keyWithU64s(PREFIX.attBySource, chain, pk, source + 1n, 0n);
        for await (const key of this.db.keys({gte: from, lt: prefixEnd(bySource)})) {
          const e = {source: readU64(key, VALIDATOR_PREFIX_LENGTH), target: readU64(key, VALIDATOR_PREFIX_LENGTH + 8)};
          if (e.target < target) {
            const value = await this.db.get(keyWithU64s(PREFIX.attByTarget, chain, pk, e.target, e.source));
            throw conflict("SURROUNDING_VOTE", "would surround", {...e, signingRoot: rootOrNull(value)});
          }
        }
      }
      // New surrounded by existing: e.source < source and e.target > target. Walk records with a higher target.
      if (target < U64_MAX) {
        const from = keyWithU64s(PREFIX.attByTarget, chain, pk, target + 1n);
        for (const e of await this.attestationsByTarget(from, prefixEnd(byTarget))) {
          if (e.source < source) throw conflict("SURROUNDED_VOTE", "would be surrounded by", e);
        }
      }
      // Low watermarks: source >= min source, target > min target.
      const [minT] = await this.db.keys({gte: byTarget, lt: prefixEnd(byTarget), limit: 1}).all();
      const [minS] = await this.db.keys({gte: bySource, lt: prefixEnd(bySource), limit: 1}).all();
      if (minS !== undefined && source < readU64(minS, VALIDATOR_PREFIX_LENGTH)) {
        const minSource = readU64(minS, VALIDATOR_PREFIX_LENGTH);
        throw new SlashingProtectionError("BELOW_LOWER_BOUND", `source ${source} < lowest signed source ${minSource}`, {
          ...details,
          bound: "source",
          minSourceEpoch: minSource.toString(),
        });
      }
      if (minT !== undefined && target <= readU64(minT, VALIDATOR_PREFIX_LENGTH)) {
        const minTarget = readU64(minT, VALIDATOR_PREFIX_LENGTH);
        throw new SlashingProtectionError(
          "BELOW_LOWER_BOUND",
          `target ${target} <= lowest signed target ${minTarget}`,
          {
            ...details,
            bound: "target",
            minTargetEpoch: minTarget.toString(),
          },
        );
      }
      await this.write([
        ...attestationPuts(chain, pk, {source, target, signingRoot: root}),
        {type: "put", key: validatorKey(PREFIX.pubkey, chain, pk), value: EMPTY},
      ]);
      return "new";
    });
  }

  /**
   * Import an EIP-3076 interchange (v5) document (a JSON string or the parsed object) for the chain
   * `genesisValidatorsRoot`. All or nothing: one LevelDB batch. Every record is kept (slashable data inside
   * the document or against the store is accepted: keeping all of it only makes the checks stricter); two
   * records for the same slot, or the same (source, target), with different or missing roots are stored with
   * an unknown root, so neither can be re-signed.
   */
  async importInterchange(
    json: string | unknown,
    genesisValidatorsRoot: Bytes,
    opts: ImportOptions = {},
  ): Promise<ImportResult> {
    const gvr = bytesOf(genesisValidatorsRoot, ROOT_LENGTH, "genesisValidatorsRoot");
    const doc = parseInterchange(json);
    if (!sameRoot(doc.genesisValidatorsRoot, gvr)) {
      throw new SlashingProtectionError(
        "GENESIS_VALIDATORS_ROOT_MISMATCH",
        `interchange is for genesis_validators_root ${toHex(doc.genesisValidatorsRoot)}, expected ${toHex(gvr)}`,
        {expected: toHex(gvr), actual: toHex(doc.genesisValidatorsRoot)},
      );
    }
    this.assertOpen();
    // Merge duplicate pubkeys and duplicate records inside the document first.
    const byPubkey = new Map<
      string,
      {pubkey: Uint8Array; blocks: Map<bigint, BlockRecord>; atts: Map<string, AttRecord>}
    >();
    for (const entry of doc.data) {
      const hex = toHex(entry.pubkey);
      let v = byPubkey.get(hex);
      if (!v) {
        v = {pubkey: entry.pubkey, blocks: new Map(), atts: new Map()};
        byPubkey.set(hex, v);
      }
      for (const b of entry.blocks) {
        const prev = v.blocks.get(b.slot);
        v.blocks.set(b.slot, {slot: b.slot, signingRoot: mergeRoot(prev?.signingRoot, b.signingRoot)});
      }
      for (const a of entry.attestations) {
        const id = `${a.source}/${a.target}`;
        const prev = v.atts.get(id);
        v.atts.set(id, {...a, signingRoot: mergeRoot(prev?.signingRoot, a.signingRoot)});
      }
    }
    return this.exclusive(byPubkey.keys(), async () => {
      const chain = await this.chainId(gvr, true);
      const ops: BatchOp[] = [];
      const result: ImportResult = {validators: byPubkey.size, blocks: 0, attestations: 0};
      for (const v of byPubkey.values()) {
        const blocks = [...v.blocks.values()];
        if (blocks.length > 0) {
          // Existing records the import can merge with (or, minifying, everything up to its highest slot).
          const lo = opts.minify ? 0n : min(blocks.map((b) => b.slot));
          const existing = await this.blocksOf(chain, v.pubkey, lo, max(blocks.map((b) => b.slot)));
          ops.push(...mergeBlockOps(chain, v.pubkey, existing, blocks, opts.minify ?? false));
        }
        const atts = [...v.atts.values()];
        if (atts.length > 0) {
          const lo = opts.minify ? 0n : min(atts.map((a) => a.target));
          const existing = await this.attestationsOf(chain, v.pubkey, lo, max(atts.map((a) => a.target)));
          ops.push(...mergeAttestationOps(chain, v.pubkey, existing, atts, opts.minify ?? false));
        }
        ops.push({type: "put", key: validatorKey(PREFIX.pubkey, chain, v.pubkey), value: EMPTY});
        result.blocks += blocks.length;
        result.attestations += atts.length;
      }
      await this.write(ops);
      return result;
    });
  }

  /**
   * Export the history of `pubkeys` (default: every validator with history) on the chain
   * `genesisValidatorsRoot` as an interchange v5 document. Complete by default (every record, so a
   * re-import gives exactly the same protection); `minimal` exports one block (highest slot) and one
   * attestation (highest source, highest target) per validator, which re-imports as protection at least as strict.
   */
  async exportInterchange(
    genesisValidatorsRoot: Bytes,
    pubkeys?: Bytes[],
    opts: ExportOptions = {},
  ): Promise<InterchangeV5> {
    const gvr = bytesOf(genesisValidatorsRoot, ROOT_LENGTH, "genesisValidatorsRoot");
    const wanted = pubkeys?.map((p) => bytesOf(p, PUBKEY_LENGTH, "pubkey"));
    this.assertOpen();
    const doc: InterchangeV5 = {
      metadata: {interchange_format_version: INTERCHANGE_FORMAT_VERSION, genesis_validators_root: toHex(gvr)},
      data: [],
    };
    const chain = await this.chainId(gvr, false);
    if (chain === null) return doc;
    const keys = wanted ?? (await this.listPubkeysOf(chain));
    return this.exclusive(
      keys.map((k) => toHex(k)),
      async () => {
        for (const pk of keys) {
          let blocks = await this.blocksOf(chain, pk);
          let atts = await this.attestationsOf(chain, pk);
          if (blocks.length === 0 && atts.length === 0) continue;
          if (opts.minimal) {
            blocks = blocks.length ? [blocks[blocks.length - 1]] : [];
            atts = atts.length ? [summarizeAttestations(atts)] : [];
          }
          doc.data.push({
            pubkey: toHex(pk),
            signed_blocks: blocks.map((b) => ({
              slot: b.slot.toString(),
              ...(b.signingRoot ? {signing_root: toHex(b.signingRoot)} : {}),
            })),
            signed_attestations: atts.map((a) => ({
              source_epoch: a.source.toString(),
              target_epoch: a.target.toString(),
              ...(a.signingRoot ? {signing_root: toHex(a.signingRoot)} : {}),
            })),
          });
        }
        return doc;
      },
    );
  }

  /**
   * The genesis_validators_roots of every chain this store holds history for (a chain is recorded with its first
   * signed or imported record), in the order they were first seen. Lets a tool find out which network a data
   * directory belongs to.
   */
  async genesisValidatorsRoots(): Promise<string[]> {
    this.assertOpen();
    const found: {id: number; gvr: string}[] = [];
    for await (const [key, value] of this.db.iterator({
      gte: Uint8Array.of(PREFIX.chain),
      lt: Uint8Array.of(PREFIX.chain + 1),
    })) {
      if (key.length !== 1 + ROOT_LENGTH || value.length !== 4) continue;
      found.push({id: new DataView(value.buffer, value.byteOffset).getUint32(0), gvr: toHex(key.subarray(1))});
    }
    return found.sort((a, b) => a.id - b.id).map((c) => c.gvr);
  }

  /** Validators with any history on the chain (default: the store's chain). */
  async listPubkeys(genesisValidatorsRoot: Bytes = this.gvr): Promise<string[]> {
    const chain = await this.chainId(bytesOf(genesisValidatorsRoot, ROOT_LENGTH, "genesisValidatorsRoot"), false);
    return chain === null ? [] : (await this.listPubkeysOf(chain)).map((k) => toHex(k));
  }

  /**
   * Bound the history kept for the store's chain: per validator, blocks below `slot` and attestations with
   * target below `targetEpoch` are replaced by one summary record (highest pruned slot; highest pruned
   * source and target, without a signing root unless one real record has both). Protection stays at least
   * as strict: nothing at or below the summary can be signed again, and nothing can surround it.
   */
  async prune(opts: {slot?: UInt; targetEpoch?: UInt}): Promise<PruneResult> {
    const slotCut = opts.slot === undefined ? null : u64Of(opts.slot, "slot");
    const targetCut = opts.targetEpoch === undefined ? null : u64Of(opts.targetEpoch, "targetEpoch");
    this.assertOpen();
    const chain = await this.chainId(this.gvr, false);
    const result: PruneResult = {blocksRemoved: 0, attestationsRemoved: 0};
    if (chain === null) return result;
    for (const pk of await this.listPubkeysOf(chain)) {
      await this.exclusive([toHex(pk)], async () => {
        const ops: BatchOp[] = [];
        if (slotCut !== null && slotCut > 0n) {
          const old = await this.blocksOf(chain, pk, 0n, slotCut - 1n);
          ops.push(...mergeBlockOps(chain, pk, old, [], true));
          result.blocksRemoved += Math.max(0, old.length - 1);
        }
        if (targetCut !== null && targetCut > 0n) {
          const old = await this.attestationsOf(chain, pk, 0n, targetCut - 1n);
          ops.push(...mergeAttestationOps(chain, pk, old, [], true));
          result.attestationsRemoved += Math.max(0, old.length - 1);
        }
        if (ops.length) await this.write(ops);
      });
    }
    return result;
  }

  /** Verify the two attestation indexes mirror each other and every value is well formed. Returns problems found. */
  async checkConsistency(): Promise<string[]> {
    this.assertOpen();
    const problems: string[] = [];
    const byTarget = new Set<string>();
    for await (const [key, value] of this.db.iterator({
      gte: Uint8Array.of(PREFIX.attByTarget),
      lt: Uint8Array.of(PREFIX.attByTarget + 1),
    })) {
      if (key.length !== VALIDATOR_PREFIX_LENGTH + 16) problems.push(`bad attestation key ${toHex(key)}`);
      if (value.length !== 0 && value.length !== ROOT_LENGTH) problems.push(`bad attestation value at ${toHex(key)}`);
      const mirror = Uint8Array.from(key);
      mirror[0] = PREFIX.attBySource;
      mirror.set(key.subarray(VALIDATOR_PREFIX_LENGTH + 8, VALIDATOR_PREFIX_LENGTH + 16), VALIDATOR_PREFIX_LENGTH);
      mirror.set(key.subarray(VALIDATOR_PREFIX_LENGTH, VALIDATOR_PREFIX_LENGTH + 8), VALIDATOR_PREFIX_LENGTH + 8);
      byTarget.add(toHex(mirror));
    }
    let mirrored = 0;
    for await (const key of this.db.keys({
      gte: Uint8Array.of(PREFIX.attBySource),
      lt: Uint8Array.of(PREFIX.attBySource + 1),
    })) {
      if (byTarget.has(toHex(key))) mirrored++;
      else problems.push(`attestation source index entry without a target index entry: ${toHex(key)}`);
    }
    if (mirrored !== byTarget.size)
      problems.push(`${byTarget.size - mirrored} attestation(s) missing from the source index`);
    for await (const [key, value] of this.db.iterator({
      gte: Uint8Array.of(PREFIX.block),
      lt: Uint8Array.of(PREFIX.block + 1),
    })) {
      if (key.length !== VALIDATOR_PREFIX_LENGTH + 8) problems.push(`bad block key ${toHex(key)}`);
      if (value.length !== 0 && value.length !== ROOT_LENGTH) problems.push(`bad block value at ${toHex(key)}`);
    }
    return problems;
  }

  // --- internals ---

  private assertOpen(): void {
    if (this.closed) throw new SlashingProtectionError("CLOSED", "the slashing-protection store is closed");
  }

  /** Run fn holding the locks of `keys`, and let close() wait for it. */
  private exclusive<T>(keys: Iterable<string>, fn: () => Promise<T>): Promise<T> {
    const p = this.mutex.runExclusive(keys, fn);
    this.pending.add(p);
    const done = () => this.pending.delete(p);
    p.then(done, done);
    return p;
  }

  private async write(ops: BatchOp[]): Promise<void> {
    await this.db.batch(ops, {sync: this.sync});
  }

  /** The small integer that stands for a genesis_validators_root in keys; allocated on first write. */
  private async chainId(gvr: Uint8Array, create: true): Promise<number>;
  private async chainId(gvr: Uint8Array, create: false): Promise<number | null>;
  private async chainId(gvr: Uint8Array, create: boolean): Promise<number | null> {
    const hex = toHex(gvr);
    const cached = this.chainIds.get(hex);
    if (cached !== undefined) return cached;
    const read = async () => {
      const value = await this.db.get(chainKey(gvr));
      return value === undefined ? null : new DataView(value.buffer, value.byteOffset).getUint32(0);
    };
    let id = await read();
    if (id === null && create) {
      id = await this.mutex.runExclusive([CHAIN_LOCK], async () => {
        const again = await read();
        if (again !== null) return again;
        let next = 0;
        for await (const value of this.db.values({
          gte: Uint8Array.of(PREFIX.chain),
          lt: Uint8Array.of(PREFIX.chain + 1),
        })) {
          next = Math.max(next, new DataView(value.buffer, value.byteOffset).getUint32(0) + 1);
        }
        const value = new Uint8Array(4);
        new DataView(value.buffer).setUint32(0, next);
        await this.db.put(chainKey(gvr), value, {sync: true});
        return next;
      });
    }
    if (id !== null) this.chainIds.set(hex, id);
    return id;
  }

  private async listPubkeysOf(chain: number): Promise<Uint8Array[]> {
    const prefix = new Uint8Array(5);
    prefix[0] = PREFIX.pubkey;
    new DataView(prefix.buffer).setUint32(1, chain);
    const keys = await this.db.keys({gte: prefix, lt: prefixEnd(prefix)}).all();
    return keys.map((k) => k.slice(5, 5 + PUBKEY_LENGTH));
  }

  /** Blocks of a validator with slot in [from, to] (default: all), ascending. */
  private async blocksOf(chain: number, pk: Uint8Array, from = 0n, to = U64_MAX): Promise<BlockRecord[]> {
    const entries = await this.db
      .iterator({
        gte: keyWithU64s(PREFIX.block, chain, pk, from),
        lte: keyWithU64s(PREFIX.block, chain, pk, to),
      })
      .all();
    return entries.map(([k, v]) => ({slot: readU64(k, VALIDATOR_PREFIX_LENGTH), signingRoot: rootOrNull(v)}));
  }

  /** Attestations of a validator with target in [from, to] (default: all), by target then source. */
  private attestationsOf(chain: number, pk: Uint8Array, from = 0n, to = U64_MAX): Promise<AttRecord[]> {
    return this.attestationsByTarget(
      keyWithU64s(PREFIX.attByTarget, chain, pk, from),
      prefixEnd(keyWithU64s(PREFIX.attByTarget, chain, pk, to)),
    );
  }

  private async attestationsByTarget(gte: Uint8Array, lt: Uint8Array): Promise<AttRecord[]> {
    const entries = await this.db.iterator({gte, lt}).all();
    return entries.map(([k, v]) => ({
      target: readU64(k, VALIDATOR_PREFIX_LENGTH),
      source: readU64(k, VALIDATOR_PREFIX_LENGTH + 8),
      signingRoot: rootOrNull(v),
    }));
  }
}

const U64_MAX = (1n << 64n) - 1n;

function attestationPuts(chain: number, pk: Uint8Array, a: AttRecord): BatchOp[] {
  return [
    {type: "put", key: keyWithU64s(PREFIX.attByTarget, chain, pk, a.target, a.source), value: a.signingRoot ?? EMPTY},
    {type: "put", key: keyWithU64s(PREFIX.attBySource, chain, pk, a.source, a.target), value: EMPTY},
  ];
}

function attestationDels(chain: number, pk: Uint8Array, a: AttRecord): BatchOp[] {
  return [
    {type: "del", key: keyWithU64s(PREFIX.attByTarget, chain, pk, a.target, a.source)},
    {type: "del", key: keyWithU64s(PREFIX.attBySource, chain, pk, a.source, a.target)},
  ];
}

/**
 * Batch ops that merge `imported` blocks into `existing` ones (the stored blocks in the range concerned).
 * Same slot: the root is kept only if both agree. With `summarize`, everything (existing and imported) is
 * replaced by its highest-slot block, which as the lowest remaining slot bounds all later proposals.
 */
function mergeBlockOps(
  chain: number,
  pk: Uint8Array,
  existing: BlockRecord[],
  imported: BlockRecord[],
  summarize: boolean,
): BatchOp[] {
  const merged = new Map(existing.map((b) => [b.slot, b]));
  for (const b of imported) {
    const prev = merged.get(b.slot);
    merged.set(b.slot, {slot: b.slot, signingRoot: prev ? mergeRoot(prev.signingRoot, b.signingRoot) : b.signingRoot});
  }
  const put = (b: BlockRecord): BatchOp => ({
    type: "put",
    key: keyWithU64s(PREFIX.block, chain, pk, b.slot),
    value: b.signingRoot ?? EMPTY,
  });
  if (!summarize) return imported.map((b) => put(merged.get(b.slot)!));
  if (merged.size === 0) return [];
  const keep = merged.get(max([...merged.keys()]))!;
  return [
    ...existing
      .filter((b) => b.slot !== keep.slot)
      .map((b): BatchOp => ({type: "del", key: keyWithU64s(PREFIX.block, chain, pk, b.slot)})),
    put(keep),
  ];
}

/**
 * Batch ops that merge `imported` attestations into `existing` ones. Same (source, target): the root is kept
 * only if both agree. With `summarize`, everything is replaced by one record (highest source, highest target;
 * its root only if that exact record exists): nothing at or below its target can be signed again and anything
 * that would surround a replaced record surrounds it.
 */
function mergeAttestationOps(
  chain: number,
  pk: Uint8Array,
  existing: AttRecord[],
  imported: AttRecord[],
  summarize: boolean,
): BatchOp[] {
  const id = (a: AttRecord) => `${a.target}/${a.source}`;
  const merged = new Map(existing.map((a) => [id(a), a]));
  for (const a of imported) {
    const prev = merged.get(id(a));
    merged.set(id(a), {...a, signingRoot: prev ? mergeRoot(prev.signingRoot, a.signingRoot) : a.signingRoot});
  }
  if (!summarize) return imported.flatMap((a) => attestationPuts(chain, pk, merged.get(id(a))!));
  if (merged.size === 0) return [];
  const keep = summarizeAttestations([...merged.values()]);
  return [
    ...existing.filter((a) => id(a) !== id(keep)).flatMap((a) => attestationDels(chain, pk, a)),
    ...attestationPuts(chain, pk, keep),
  ];
}

function min(values: bigint[]): bigint {
  return values.reduce((a, b) => (b < a ? b : a));
}

function max(values: bigint[]): bigint {
  return values.reduce((a, b) => (b > a ? b : a));
}

/** Two records of the same message: keep the root only if both agree on it (absent = unknown). */
function mergeRoot(prev: Uint8Array | null | undefined, next: Uint8Array | null): Uint8Array | null {
  if (prev === undefined) return next;
  return sameRoot(prev, next) ? next : null;
}

/** One attestation that is at least as strict as all of `atts`: highest source, highest target. */
function summarizeAttestations(atts: AttRecord[]): AttRecord {
  let source = 0n;
  let target = 0n;
  for (const a of atts) {
    if (a.source > source) source = a.source;
    if (a.target > target) target = a.target;
  }
  const real = atts.filter((a) => a.source === source && a.target === target);
  return {source, target, signingRoot: real.length === 1 ? real[0].signingRoot : null};
}
