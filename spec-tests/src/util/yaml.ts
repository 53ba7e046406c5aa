import {readFileSync} from "node:fs";
import {parse} from "yaml";

/**
 * Parses spec-test YAML. Integers come back as bigint (values such as uint64 fields of random SSZ cases exceed
 * 2**53), so callers convert explicitly: `bigintsToStrings` for SSZ `fromJson`, `toNumber` for small counts.
 */
export function parseYaml(text: string): unknown {
  return parse(text, {intAsBigInt: true, uniqueKeys: true});
}

export function readYamlFile(path: string): unknown {
  return parseYaml(readFileSync(path, "utf8"));
}

/** Recursively replaces every bigint by its decimal string (what SSZ `fromJson` accepts for uints). */
export function bigintsToStrings(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString(10);
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = bigintsToStrings(value[i]);
    return out;
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = bigintsToStrings(v);
    return out;
  }
  return value;
}

/** A YAML integer (bigint or number) as a safe JS number; throws on anything else. */
export function toNumber(value: unknown, what = "value"): number {
  if (typeof value === "bigint") {
    if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw Error(`${what} ${value} is not a safe integer`);
    return Number(value);
  }
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  throw Error(`${what} is not an integer: ${JSON.stringify(String(value))}`);
}

/** A required field of a YAML mapping. */
export function field(obj: unknown, key: string, what = "yaml"): unknown {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) throw Error(`${what}: expected a mapping`);
  if (!Object.hasOwn(obj, key)) throw Error(`${what}: missing key "${key}"`);
  return (obj as Record<string, unknown>)[key];
}
