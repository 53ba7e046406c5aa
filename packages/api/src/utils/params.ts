import {FORK_NAMES, type ForkName, isForkName} from "@ceibo/params";
import {DecodeError} from "./errors.ts";

/** A path, query or header value ⇄ its string form. `parse` throws a DecodeError naming the parameter. */
export interface ParamCodec<T> {
  parse(raw: string, name: string): T;
  write(value: T): string;
}

export type ParamType<C> = C extends ParamCodec<infer T> ? T : never;

/** A 0x-prefixed lowercase hex string (roots, pubkeys) as the API's identifiers use them. */
export type HexString = `0x${string}`;

/** "head" | "genesis" | "finalized" | "justified" | a slot | a state root (0x + 64 hex, lowercased). */
export type StateId = "head" | "genesis" | "finalized" | "justified" | number | HexString;
/** "head" | "genesis" | "finalized" | a slot | a block root (0x + 64 hex, lowercased). */
export type BlockId = "head" | "genesis" | "finalized" | number | HexString;
/** A validator index or a validator's pubkey (0x + 96 hex, lowercased). */
export type ValidatorId = number | HexString;

const DECIMAL = /^(0|[1-9][0-9]*)$/;
const ROOT_HEX = /^0x[0-9a-fA-F]{64}$/;
const PUBKEY_HEX = /^0x[0-9a-fA-F]{96}$/;

function parseUint(raw: string, name: string): number {
  if (!DECIMAL.test(raw)) throw new DecodeError(name, `invalid unsigned integer "${clip(raw)}"`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new DecodeError(name, `${clip(raw)} is out of range`);
  return n;
}

export const uintParam: ParamCodec<number> = {parse: parseUint, write: (v) => String(v)};

/** A full uint64 (values past 2**53 matter, e.g. builder_boost_factor = 2**64-1). */
export const uint64BigParam: ParamCodec<bigint> = {
  parse(raw, name) {
    if (!DECIMAL.test(raw)) throw new DecodeError(name, `invalid unsigned integer "${clip(raw)}"`);
    const v = BigInt(raw);
    if (v >= 1n << 64n) throw new DecodeError(name, `${clip(raw)} exceeds uint64`);
    return v;
  },
  write: (v) => v.toString(10),
};

export function intRangeParam(min: number, max: number): ParamCodec<number> {
  return {
    parse(raw, name) {
      if (!/^-?[0-9]+$/.test(raw)) throw new DecodeError(name, `invalid integer "${clip(raw)}"`);
      const n = Number(raw);
      if (n < min || n > max) throw new DecodeError(name, `${n} is not within [${min}, ${max}]`);
      return n;
    },
    write: (v) => String(v),
  };
}

export function bytesParam(length: number): ParamCodec<Uint8Array> {
  const re = new RegExp(`^0x[0-9a-fA-F]{${2 * length}}$`);
  return {
    parse(raw, name) {
      if (!re.test(raw)) throw new DecodeError(name, `expected 0x-prefixed hex of ${length} bytes, got "${clip(raw)}"`);
      return Uint8Array.from(Buffer.from(raw.slice(2), "hex"));
    },
    write: (v) => `0x${Buffer.from(v).toString("hex")}`,
  };
}

export const rootParam = bytesParam(32);

export const stringParam: ParamCodec<string> = {parse: (raw) => raw, write: (v) => v};

export function enumParam<const V extends string>(values: readonly V[]): ParamCodec<V> {
  const set = new Set<string>(values);
  return {
    parse(raw, name) {
      if (!set.has(raw))
        throw new DecodeError(name, `invalid value "${clip(raw)}", expected one of ${values.join(", ")}`);
      return raw as V;
    },
    write: (v) => v,
  };
}

/** The Eth-Consensus-Version header. */
export const forkParam: ParamCodec<ForkName> = {
  parse(raw, name) {
    const v = raw.toLowerCase();
    if (!isForkName(v))
      throw new DecodeError(name, `unknown fork "${clip(raw)}", expected one of ${FORK_NAMES.join(", ")}`);
    return v;
  },
  write: (v) => v,
};

/** A flag that is present with an empty value (`?skip_randao_verification`). */
export const flagParam: ParamCodec<true> = {
  parse(raw, name) {
    if (raw !== "") throw new DecodeError(name, `must have an empty value, got "${clip(raw)}"`);
    return true;
  },
  write: () => "",
};

function idParam<T extends string | number>(named: readonly string[], what: string): ParamCodec<T> {
  return {
    parse(raw, name) {
      if (named.includes(raw)) return raw as T;
      if (DECIMAL.test(raw)) return parseUint(raw, name) as T;
      if (ROOT_HEX.test(raw)) return raw.toLowerCase() as T;
      throw new DecodeError(name, `invalid ${what} "${clip(raw)}": expected ${named.join(", ")}, a slot or a 0x root`);
    },
    write: (v) => String(v),
  };
}

export const stateIdParam: ParamCodec<StateId> = idParam(["head", "genesis", "finalized", "justified"], "state ID");
export const blockIdParam: ParamCodec<BlockId> = idParam(["head", "genesis", "finalized"], "block ID");

export const validatorIdParam: ParamCodec<ValidatorId> = {
  parse(raw, name) {
    if (DECIMAL.test(raw)) return parseUint(raw, name);
    if (PUBKEY_HEX.test(raw)) return raw.toLowerCase() as HexString;
    throw new DecodeError(name, `invalid validator ID "${clip(raw)}": expected an index or a 0x pubkey of 48 bytes`);
  },
  write: (v) => String(v),
};

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

export const boolParam: ParamCodec<boolean> = {
  parse(raw, name) {
    if (raw === "true") return true;
    if (raw === "false") return false;
    throw new DecodeError(name, `expected true or false, got "${clip(raw)}"`);
  },
  write: (v) => (v ? "true" : "false"),
};

/** A uint256 (Wei) as a decimal string. */
export const uint256Param: ParamCodec<bigint> = {
  parse(raw, name) {
    if (!DECIMAL.test(raw)) throw new DecodeError(name, `invalid unsigned integer "${clip(raw)}"`);
    const v = BigInt(raw);
    if (v >= 1n << 256n) throw new DecodeError(name, `${clip(raw)} exceeds uint256`);
    return v;
  },
  write: (v) => v.toString(10),
};
