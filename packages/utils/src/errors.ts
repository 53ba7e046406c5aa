import {toHex} from "./bytes.ts";

/**
 * The base of ceibo's typed errors. The error's `type` is an object whose `code` names what went wrong and whose
 * other fields carry the values that explain it, so callers branch on `code` with the fields typed:
 *
 * ```ts
 * type BlockErrorType = {code: "PARENT_UNKNOWN"; parentRoot: string} | {code: "WOULD_REVERT"; slot: number};
 * class BlockError extends CeiboError<BlockErrorType> {}
 * throw new BlockError({code: "PARENT_UNKNOWN", parentRoot});
 * if (e instanceof BlockError && e.type.code === "PARENT_UNKNOWN") use(e.type.parentRoot);
 * ```
 *
 * `message` is the given message, or `CODE` followed by the fields (`PARENT_UNKNOWN parentRoot=0xab…`).
 */
export class CeiboError<T extends {code: string}> extends Error {
  readonly type: T;

  constructor(type: T, message?: string, options?: ErrorOptions) {
    super(message ?? messageOf(type), options);
    this.type = type;
    this.name = new.target.name;
  }

  /** The error's code (`this.type.code`). */
  get code(): T["code"] {
    return this.type.code;
  }

  /** The fields as plain loggable values (bytes as hex, bigints as decimal strings), `code` first. */
  getMetadata(): Record<string, string | number | boolean | null> {
    const out: Record<string, string | number | boolean | null> = {};
    for (const [k, v] of Object.entries(this.type)) out[k] = loggable(v);
    return out;
  }
}

function messageOf(type: {code: string}): string {
  const fields = Object.entries(type)
    .filter(([k]) => k !== "code")
    .map(([k, v]) => `${k}=${loggable(v)}`);
  return fields.length === 0 ? type.code : `${type.code} ${fields.join(" ")}`;
}

function loggable(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Uint8Array) return toHex(v);
  if (v instanceof Error) return v.message;
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));
  } catch {
    return String(v);
  }
}
