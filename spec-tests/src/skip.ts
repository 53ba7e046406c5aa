import {readFileSync} from "node:fs";
import {parse} from "yaml";

/**
 * Skips live in ONE file (spec-tests/skip.yaml): a YAML list of `{pattern, reason}`.
 *
 * `pattern` is a case path `preset/fork/runner/handler/suite/case` relative to tests/. Each segment may use
 * `*` (any characters within the segment) and `?` (one character). A pattern with fewer than six segments is a
 * prefix: `*\/*\/operations` skips every operations case of every preset and fork. `reason` is mandatory.
 */
export interface SkipRule {
  pattern: string;
  reason: string;
  matches(casePath: string): boolean;
}

const MAX_SEGMENTS = 6;
const ALLOWED_KEYS = new Set(["pattern", "reason"]);

function globSegment(segment: string): RegExp {
  let re = "";
  for (const ch of segment) {
    if (ch === "*") re += "[^/]*";
    else if (ch === "?") re += "[^/]";
    else re += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** A matcher for a pattern (shared by skip rules and the CLI's --match). */
export function compilePattern(pattern: string): (casePath: string) => boolean {
  const trimmed = pattern.replace(/^\/+|\/+$/g, "");
  if (trimmed === "") throw Error("empty pattern");
  const segments = trimmed.split("/");
  if (segments.length > MAX_SEGMENTS) {
    throw Error(
      `pattern "${pattern}" has ${segments.length} segments; at most ${MAX_SEGMENTS} (preset/fork/runner/handler/suite/case)`,
    );
  }
  if (segments.some((s) => s === "")) throw Error(`pattern "${pattern}" has an empty segment`);
  const regexps = segments.map(globSegment);
  return (casePath: string) => {
    const parts = casePath.split("/");
    if (parts.length < regexps.length) return false;
    for (let i = 0; i < regexps.length; i++) {
      if (!regexps[i].test(parts[i])) return false;
    }
    return true;
  };
}

/** Validates and compiles the parsed skip file. Throws on any malformed entry (no silent skips). */
export function parseSkipRules(data: unknown, source = "skip file"): SkipRule[] {
  if (data === null || data === undefined) return [];
  if (!Array.isArray(data)) throw Error(`${source}: expected a YAML list of {pattern, reason} entries`);
  const rules: SkipRule[] = [];
  data.forEach((entry: unknown, i: number) => {
    const where = `${source}: entry ${i + 1}`;
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      throw Error(`${where}: expected a mapping with "pattern" and "reason"`);
    }
    const rec = entry as Record<string, unknown>;
    for (const key of Object.keys(rec)) {
      if (!ALLOWED_KEYS.has(key)) throw Error(`${where}: unknown key "${key}" (allowed: pattern, reason)`);
    }
    const {pattern, reason} = rec;
    if (typeof pattern !== "string" || pattern.trim() === "") throw Error(`${where}: missing "pattern"`);
    if (typeof reason !== "string" || reason.trim() === "") {
      throw Error(`${where} ("${pattern}"): missing "reason" — every skip must say why`);
    }
    let matches: (casePath: string) => boolean;
    try {
      matches = compilePattern(pattern);
    } catch (e) {
      throw Error(`${where}: ${(e as Error).message}`);
    }
    rules.push({pattern, reason: reason.trim(), matches});
  });
  return rules;
}

export function parseSkipFile(text: string, source = "skip file"): SkipRule[] {
  return parseSkipRules(parse(text), source);
}

export function loadSkipFile(path: string): SkipRule[] {
  return parseSkipFile(readFileSync(path, "utf8"), path);
}

/** The first rule matching the case path, if any. */
export function findSkip(rules: readonly SkipRule[], casePath: string): SkipRule | undefined {
  for (const rule of rules) {
    if (rule.matches(casePath)) return rule;
  }
  return undefined;
}
