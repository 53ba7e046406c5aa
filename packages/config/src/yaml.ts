import {parse} from "yaml";
import {type BlobScheduleEntry, type ChainConfig, type ChainConfigKey, configValueKind} from "./chainConfig.ts";

const UINT64_MAX_STR = "18446744073709551615";

/** Expected byte lengths of the byte-string config values. */
const BYTE_LENGTHS: Partial<Record<ChainConfigKey, number>> = {
  TERMINAL_BLOCK_HASH: 32,
  DEPOSIT_CONTRACT_ADDRESS: 20,
};

export class ChainConfigError extends Error {}

function parseUintNumber(key: string, raw: string): number {
  const s = raw.trim();
  if (!/^\d+$/.test(s)) throw new ChainConfigError(`${key}: expected an unsigned integer, got "${raw}"`);
  if (s === UINT64_MAX_STR) return Number.POSITIVE_INFINITY;
  const n = Number(s);
  if (!Number.isSafeInteger(n))
    throw new ChainConfigError(`${key}: ${s} is too large (max ${Number.MAX_SAFE_INTEGER})`);
  return n;
}

function parseHexBytes(key: string, raw: string, length?: number): Uint8Array {
  const s = raw.trim();
  if (!/^0x([0-9a-fA-F]{2})*$/.test(s))
    throw new ChainConfigError(`${key}: expected 0x-prefixed hex bytes, got "${raw}"`);
  const bytes = Uint8Array.from(Buffer.from(s.slice(2), "hex"));
  const expected = length ?? (key.endsWith("_VERSION") || key.startsWith("MESSAGE_DOMAIN") ? 4 : undefined);
  if (expected !== undefined && bytes.length !== expected) {
    throw new ChainConfigError(`${key}: expected ${expected} bytes, got ${bytes.length}`);
  }
  return bytes;
}

function parseBlobSchedule(raw: unknown): BlobScheduleEntry[] {
  if (raw === "" || raw === "[]" || raw === null || raw === undefined) return [];
  if (!Array.isArray(raw)) throw new ChainConfigError("BLOB_SCHEDULE: expected a list of {EPOCH, MAX_BLOBS_PER_BLOCK}");
  const entries = raw.map((entry, i) => {
    if (typeof entry !== "object" || entry === null) throw new ChainConfigError(`BLOB_SCHEDULE[${i}]: expected a map`);
    const e = entry as Record<string, string>;
    if (e.EPOCH === undefined || e.MAX_BLOBS_PER_BLOCK === undefined) {
      throw new ChainConfigError(`BLOB_SCHEDULE[${i}]: needs EPOCH and MAX_BLOBS_PER_BLOCK`);
    }
    return {
      EPOCH: parseUintNumber(`BLOB_SCHEDULE[${i}].EPOCH`, e.EPOCH),
      MAX_BLOBS_PER_BLOCK: parseUintNumber(`BLOB_SCHEDULE[${i}].MAX_BLOBS_PER_BLOCK`, e.MAX_BLOBS_PER_BLOCK),
    };
  });
  const epochs = new Set(entries.map((e) => e.EPOCH));
  if (epochs.size !== entries.length) throw new ChainConfigError("BLOB_SCHEDULE: two entries share an EPOCH");
  return entries;
}

export function parseConfigValue<K extends ChainConfigKey>(key: K, raw: unknown): ChainConfig[K] {
  const kind = configValueKind(key);
  if (kind === "blobSchedule") return parseBlobSchedule(raw) as ChainConfig[K];
  if (typeof raw !== "string") throw new ChainConfigError(`${key}: expected a scalar value`);
  switch (kind) {
    case "string":
      return raw as ChainConfig[K];
    case "bigint":
      if (!/^\d+$/.test(raw.trim())) throw new ChainConfigError(`${key}: expected an unsigned integer, got "${raw}"`);
      return BigInt(raw.trim()) as ChainConfig[K];
    case "bytes":
      return parseHexBytes(key, raw, BYTE_LENGTHS[key]) as ChainConfig[K];
    default:
      return parseUintNumber(key, raw) as ChainConfig[K];
  }
}

export interface ParsedChainConfig {
  /** Values for the keys this client knows. */
  values: Partial<ChainConfig>;
  /** Keys in the file this client does not use (e.g. forks after fulu); kept for the record, not an error. */
  unknown: Record<string, unknown>;
}

/**
 * Parses a consensus-specs style config.yaml. Every scalar is read as a string first (YAML would otherwise turn
 * 0x00000000 into the integer 0), then converted by key.
 */
export function parseChainConfigYaml(text: string, knownKeys: readonly ChainConfigKey[]): ParsedChainConfig {
  const doc = parse(text, {schema: "failsafe"}) as Record<string, unknown> | null;
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new ChainConfigError("config file is not a YAML map of KEY: value");
  }
  const known = new Set<string>(knownKeys);
  const values: Partial<ChainConfig> = {};
  const unknown: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(doc)) {
    if (known.has(key)) {
      (values as Record<string, unknown>)[key] = parseConfigValue(key as ChainConfigKey, raw);
    } else {
      unknown[key] = raw;
    }
  }
  return {values, unknown};
}
