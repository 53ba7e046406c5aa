/**
 * The option layer every `ceibo` command parses its arguments with.
 *
 * A command describes its options in a table of the SAME shape as node:util `parseArgs`'s `options`
 * (`{"data-dir": {type: "string"}, supernode: {type: "boolean", default: false}}`), optionally with
 * `deprecated` (old spellings still accepted, each with one warning line) and `help`. On top of parseArgs it
 * gives every command:
 * - `--config FILE.yaml`: a YAML file setting any option by its name (`data-dir: /var/lib/ceibo`,
 *   `rest.port: 5052`, or nested `rest: {port: 5052}`); an unknown key is an error naming it and the file; the
 *   command line wins over the file;
 * - `--print-config`: prints the options in effect (file + command line + defaults) as YAML and exits;
 * - `--no-NAME` for boolean options (to turn off one the config file turns on);
 * - `-h, --help`.
 *
 * Option names are kebab-case; dots are namespaces (`--rest.port`, `--dev.genesis-time`).
 */
import {readFileSync} from "node:fs";
import {createRequire} from "node:module";
import {parseArgs} from "node:util";
import {UsageError} from "./command.ts";

/** yaml, loaded on first use (only --config and --print-config need it; keeps every start light). */
function yaml(): typeof import("yaml") {
  return createRequire(import.meta.url)("yaml") as typeof import("yaml");
}

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  default?: string | boolean | string[] | boolean[];
  /** Old spellings (without `--`), still accepted with a deprecation warning. */
  deprecated?: readonly string[];
  /** One line for generated help (the shared log options use it). */
  help?: string;
}

export type OptionTable = Record<string, OptionSpec>;

type ValueOf<S extends OptionSpec> = S["type"] extends "boolean" ? boolean : string;

/** The parsed values, typed like parseArgs's: options without a default may be undefined. */
export type OptionValues<T extends OptionTable> = {
  -readonly [K in keyof T]:
    | (T[K] extends {multiple: true} ? ValueOf<T[K]>[] : ValueOf<T[K]>)
    | (T[K] extends {
        default: unknown;
      }
        ? never
        : undefined);
};

/** Options every command gets from this layer (names reserved: a command table must not define them). */
export const COMMON_OPTIONS = {
  config: {type: "string", help: "--config FILE.yaml        set options from a YAML file: keys are the option names"},
  "print-config": {
    type: "boolean",
    help: "--print-config            print the options in effect (file, command line, defaults) as YAML and exit",
  },
  help: {type: "boolean", short: "h", help: "-h, --help                this help"},
} as const satisfies OptionTable;

/** The --help lines of the options every command has. */
export const COMMON_HELP = `${optionHelp(COMMON_OPTIONS)}
  (in the file without "--", e.g. "data-dir: /var/lib/ceibo" or "rest: {port: 5052}"; the command line wins;
  a boolean option the file turns on is turned off with --no-NAME. Old camelCase spellings such as --dataDir
  still work and print a deprecation warning.)`;

export interface ParsedOptions<T extends OptionTable> {
  values: OptionValues<T>;
  /** The --config file, if one was given. */
  configFile?: string;
  /** Where each set option came from. */
  sources: Record<string, "command line" | "config file" | "default">;
  help: boolean;
  printConfig: boolean;
}

export interface ParseContext {
  /** The command's name, for messages (`beacon`). */
  command: string;
  /** Where deprecation warnings go (default: stderr). */
  warn?: (line: string) => void;
}

/**
 * Parses `argv` against `table` (plus --config, --print-config, --help). Throws UsageError for unknown
 * options, bad values, unknown config-file keys and an option given under both its name and an old spelling.
 */
export function parseOptions<T extends OptionTable>(argv: string[], table: T, ctx: ParseContext): ParsedOptions<T> {
  const warn = ctx.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  for (const name of Object.keys(COMMON_OPTIONS)) {
    if (name in table) throw new Error(`option table of ${ctx.command} redefines --${name}`);
  }
  // old spelling → canonical name
  const aliasOf = new Map<string, string>();
  for (const [name, spec] of Object.entries(table)) {
    for (const old of spec.deprecated ?? []) {
      if (old in table || aliasOf.has(old)) throw new Error(`option table of ${ctx.command}: --${old} defined twice`);
      aliasOf.set(old, name);
    }
  }
  // parseArgs sees every spelling, without defaults (so "not given" stays visible)
  const parseArgsOptions: Record<string, {type: "string" | "boolean"; short?: string; multiple?: boolean}> = {};
  const entries: [string, OptionSpec][] = [...Object.entries(table), ...Object.entries(COMMON_OPTIONS as OptionTable)];
  for (const [name, spec] of entries) {
    parseArgsOptions[name] = {type: spec.type, short: spec.short, multiple: spec.multiple === true};
    if (spec.short === undefined) delete parseArgsOptions[name].short;
  }
  for (const [old, name] of aliasOf)
    parseArgsOptions[old] = {type: table[name].type, multiple: table[name].multiple === true};

  let parsed: Record<string, unknown>;
  try {
    parsed = parseArgs({
      args: argv,
      options: parseArgsOptions,
      strict: true,
      allowPositionals: false,
      allowNegative: true,
    }).values as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`${cleanParseArgsMessage((e as Error).message)} (see ceibo ${ctx.command} --help)`);
  }

  const values: Record<string, unknown> = {};
  const sources: Record<string, "command line" | "config file" | "default"> = {};
  const warned = new Set<string>();
  const setFrom = (source: "command line" | "config file", given: string, value: unknown, where: string): void => {
    const name = aliasOf.get(given) ?? given;
    if (aliasOf.has(given) && !warned.has(given)) {
      warned.add(given);
      warn(
        where === ""
          ? `ceibo ${ctx.command}: --${given} is deprecated; use --${name}`
          : `ceibo ${ctx.command}: ${where}: "${given}" is deprecated; use "${name}"`,
      );
    }
    if (name in values && sources[name] === source) {
      throw new UsageError(`--${name} is given twice${where ? ` in ${where}` : ""} (--${given} is the same option)`);
    }
    values[name] = value;
    sources[name] = source;
  };

  for (const [given, value] of Object.entries(parsed)) {
    if (given in COMMON_OPTIONS) continue;
    setFrom("command line", given, value, "");
  }

  const configFile = parsed.config as string | undefined;
  if (configFile !== undefined) {
    for (const [key, raw] of Object.entries(readConfigFile(configFile))) {
      const name = aliasOf.get(key) ?? key;
      if (key in COMMON_OPTIONS) throw new UsageError(`${configFile}: "${key}" cannot be set in a config file`);
      const spec = table[name];
      if (spec === undefined) {
        throw new UsageError(
          `${configFile}: unknown option "${key}" for ceibo ${ctx.command} (the keys are the option names of ceibo ${ctx.command} --help, without --)`,
        );
      }
      const value = yamlValue(configFile, key, raw, spec);
      if (sources[name] === "command line") continue; // the command line wins
      setFrom("config file", key, value, configFile);
    }
  }

  for (const [name, spec] of Object.entries(table)) {
    if (!(name in values) && spec.default !== undefined) {
      values[name] = spec.default;
      sources[name] = "default";
    }
  }
  return {
    values: values as OptionValues<T>,
    configFile,
    sources,
    help: parsed.help === true,
    printConfig: parsed["print-config"] === true,
  };
}

/**
 * parseOptions for a command's run(): prints `help` for --help and the effective options for --print-config
 * (returning null: the command then exits 0), otherwise returns the values.
 */
export function parseCommandOptions<T extends OptionTable>(
  argv: string[],
  table: T,
  ctx: ParseContext & {help: string},
): OptionValues<T> | null {
  const parsed = parseOptions(argv, table, ctx);
  if (parsed.help) {
    console.log(ctx.help);
    return null;
  }
  if (parsed.printConfig) {
    console.log(formatConfig(parsed.values as Record<string, unknown>).trimEnd());
    return null;
  }
  return parsed.values;
}

/** The values as a YAML config file (keys sorted as given, unset options left out). */
export function formatConfig(values: Record<string, unknown>): string {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined) out[k] = v;
  return yaml().stringify(out);
}

/** The help lines of options that carry a `help` field (for the shared blocks of --help texts). */
export function optionHelp(table: OptionTable): string {
  return Object.values(table)
    .filter((s) => s.help !== undefined)
    .map((s) => `  ${s.help}`)
    .join("\n");
}

/** Every spelling a table accepts, canonical first: for tests and docs. */
export function optionNames(table: OptionTable): {name: string; deprecated: readonly string[]}[] {
  return Object.entries(table).map(([name, spec]) => ({name, deprecated: spec.deprecated ?? []}));
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read --config ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = yaml().parse(text);
  } catch (e) {
    throw new UsageError(`${file} is not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new UsageError(`${file}: expected a mapping of option names to values (e.g. "data-dir: /var/lib/ceibo")`);
  }
  const flat: Record<string, unknown> = {};
  flatten(file, doc as Record<string, unknown>, "", flat);
  return flat;
}

/** `rest: {port: 1}` → `rest.port: 1`. */
function flatten(file: string, obj: Record<string, unknown>, prefix: string, out: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix + k;
    if (v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date)) {
      flatten(file, v as Record<string, unknown>, `${key}.`, out);
    } else {
      if (key in out) throw new UsageError(`${file}: "${key}" is set twice`);
      out[key] = v;
    }
  }
}

function yamlValue(file: string, key: string, raw: unknown, spec: OptionSpec): unknown {
  const one = (v: unknown): string | boolean => {
    if (spec.type === "boolean") {
      if (v === true || v === "true") return true;
      if (v === false || v === "false") return false;
      throw new UsageError(`${file}: "${key}" must be true or false, got ${JSON.stringify(v)}`);
    }
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
    throw new UsageError(
      `${file}: "${key}" must be a string, number or boolean, got ${JSON.stringify(v) ?? "nothing"}`,
    );
  };
  if (raw === null || raw === undefined) throw new UsageError(`${file}: "${key}" has no value`);
  if (Array.isArray(raw)) {
    if (spec.multiple) return raw.map(one);
    if (spec.type === "boolean") throw new UsageError(`${file}: "${key}" must be true or false, not a list`);
    // a list option written as a YAML list: bootnodes: [enr:…, enr:…]
    return raw.map((v) => String(one(v))).join(",");
  }
  return spec.multiple ? [one(raw)] : one(raw);
}

function cleanParseArgsMessage(message: string): string {
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option ${unknown[1]}`;
  const missing = /^Option '(?:-\w, )?(--[^ ']+) <value>' argument missing/.exec(message);
  if (missing) return `${missing[1]} needs a value`;
  return message.split(". ")[0];
}
