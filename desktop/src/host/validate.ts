/** Small runtime checks for values arriving from the renderer: one clear error naming the field. */
import {badRequest} from "./errors.ts";

export function asObject(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw badRequest(`${what} must be a JSON object`);
  return v as Record<string, unknown>;
}

export function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw badRequest(`${what}: unknown field "${k}"`);
  }
}

export function str(o: Record<string, unknown>, key: string, maxLen = 1024): string {
  const v = o[key];
  if (typeof v !== "string") throw badRequest(`"${key}" must be a string`);
  if (v.length > maxLen) throw badRequest(`"${key}" is longer than ${maxLen} characters`);
  return v;
}

export function int(o: Record<string, unknown>, key: string, min: number, max: number): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) {
    throw badRequest(`"${key}" must be an integer from ${min} to ${max}`);
  }
  return v;
}

export function oneOf<T extends string>(o: Record<string, unknown>, key: string, values: readonly T[]): T {
  const v = o[key];
  if (typeof v !== "string" || !(values as readonly string[]).includes(v)) {
    throw badRequest(`"${key}" must be one of ${values.join(", ")}`);
  }
  return v as T;
}

export function empty(v: unknown, what: string): Record<string, never> {
  const o = asObject(v ?? {}, what);
  onlyKeys(o, [], what);
  return {};
}

/** http(s) URL or null. */
export function urlOrNull(o: Record<string, unknown>, key: string): string | null {
  const v = o[key];
  if (v === null) return null;
  if (typeof v !== "string" || v.length > 2048) throw badRequest(`"${key}" must be a URL or null`);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw badRequest(`"${key}" is not a valid URL: ${JSON.stringify(v.slice(0, 100))}`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw badRequest(`"${key}" must be an http(s) URL`);
  return v;
}
