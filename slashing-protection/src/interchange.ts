/**
 * EIP-3076 slashing-protection interchange format, version 5: types and a validator that mirrors the
 * JSON schema (shared/vectors/slashing-protection-interchange-tests/schema.json) and is stricter where the
 * EIP is: hex lengths, decimal u64 strings, and every array item (the schema's tuple-style `items` only
 * constrains the first).
 * https://eips.ethereum.org/EIPS/eip-3076
 */
import {bytesOf, PUBKEY_LENGTH, ROOT_LENGTH, u64Of} from "./codec.ts";
import {SlashingProtectionError} from "./errors.ts";

export const INTERCHANGE_FORMAT_VERSION = "5";

export type InterchangeV5 = {
  metadata: {interchange_format_version: string; genesis_validators_root: string};
  data: {
    pubkey: string;
    signed_blocks: {slot: string; signing_root?: string}[];
    signed_attestations: {source_epoch: string; target_epoch: string; signing_root?: string}[];
  }[];
};

/** A validated document with its values decoded. Duplicate pubkeys stay as separate entries. */
export type ParsedInterchange = {
  genesisValidatorsRoot: Uint8Array;
  data: {
    pubkey: Uint8Array;
    blocks: {slot: bigint; signingRoot: Uint8Array | null}[];
    attestations: {source: bigint; target: bigint; signingRoot: Uint8Array | null}[];
  }[];
};

function invalid(path: string, message: string): never {
  throw new SlashingProtectionError("INVALID_INPUT", `interchange ${path}: ${message}`, {path});
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function field(obj: Record<string, unknown>, name: string, path: string, required: boolean): unknown {
  const value = obj[name];
  if (value === undefined && required) invalid(`${path}.${name}`, "is required");
  return value;
}

function str(value: unknown, path: string): string {
  if (typeof value !== "string") invalid(path, "must be a string");
  return value;
}

function hexField(value: unknown, length: number, path: string): Uint8Array {
  const s = str(value, path);
  if (!/^0x[0-9a-fA-F]*$/.test(s) || s.length !== 2 + 2 * length) {
    invalid(path, `must be 0x-prefixed hex of ${length} bytes`);
  }
  return bytesOf(s, length, path);
}

function u64Field(value: unknown, path: string): bigint {
  const s = str(value, path);
  if (!/^[0-9]+$/.test(s)) invalid(path, "must be a decimal integer string");
  try {
    return u64Of(s, path);
  } catch {
    invalid(path, "is out of u64 range");
  }
}

function optionalRoot(obj: Record<string, unknown>, path: string): Uint8Array | null {
  const value = obj["signing_root"];
  return value === undefined ? null : hexField(value, ROOT_LENGTH, `${path}.signing_root`);
}

function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) invalid(path, "must be an array");
  return value;
}

/** Parse (if a string) and validate an interchange document. Throws SlashingProtectionError on any fault. */
export function parseInterchange(json: string | unknown): ParsedInterchange {
  let doc: unknown = json;
  if (typeof json === "string") {
    try {
      doc = JSON.parse(json);
    } catch (e) {
      invalid("document", `is not valid JSON (${(e as Error).message})`);
    }
  }
  if (!isObject(doc)) invalid("document", "must be a JSON object");
  const metadata = field(doc, "metadata", "", true);
  if (!isObject(metadata)) invalid(".metadata", "must be an object");
  const version = str(
    field(metadata, "interchange_format_version", ".metadata", true),
    ".metadata.interchange_format_version",
  );
  if (version !== INTERCHANGE_FORMAT_VERSION) {
    throw new SlashingProtectionError(
      "UNSUPPORTED_VERSION",
      `interchange_format_version "${version}" is not supported (only "${INTERCHANGE_FORMAT_VERSION}")`,
      {version},
    );
  }
  const genesisValidatorsRoot = hexField(
    field(metadata, "genesis_validators_root", ".metadata", true),
    ROOT_LENGTH,
    ".metadata.genesis_validators_root",
  );
  const data = array(field(doc, "data", "", true), ".data").map((item, i) => {
    const path = `.data[${i}]`;
    if (!isObject(item)) invalid(path, "must be an object");
    const pubkey = hexField(field(item, "pubkey", path, true), PUBKEY_LENGTH, `${path}.pubkey`);
    const blocks = array(field(item, "signed_blocks", path, true), `${path}.signed_blocks`).map((b, j) => {
      const p = `${path}.signed_blocks[${j}]`;
      if (!isObject(b)) invalid(p, "must be an object");
      return {slot: u64Field(field(b, "slot", p, true), `${p}.slot`), signingRoot: optionalRoot(b, p)};
    });
    const attestations = array(field(item, "signed_attestations", path, true), `${path}.signed_attestations`).map(
      (a, j) => {
        const p = `${path}.signed_attestations[${j}]`;
        if (!isObject(a)) invalid(p, "must be an object");
        return {
          source: u64Field(field(a, "source_epoch", p, true), `${p}.source_epoch`),
          target: u64Field(field(a, "target_epoch", p, true), `${p}.target_epoch`),
          signingRoot: optionalRoot(a, p),
        };
      },
    );
    return {pubkey, blocks, attestations};
  });
  return {genesisValidatorsRoot, data};
}
