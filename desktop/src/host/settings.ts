/** The app's settings: one JSON file in the data dir (`<dataDir>/desktop-settings.json`), validated on read and write. */
import {existsSync, mkdirSync, readFileSync, renameSync, writeFileSync} from "node:fs";
import {dirname, join} from "node:path";
import {type Language, NETWORK_NAMES, type Settings, type Theme} from "../shared/contract.ts";
import {badRequest} from "./errors.ts";
import {asObject, oneOf, onlyKeys, urlOrNull} from "./validate.ts";

export const SETTINGS_FILE = "desktop-settings.json";
const LANGUAGES: readonly Language[] = ["en", "es"];
const THEMES: readonly Theme[] = ["system", "light", "dark"];

export const DEFAULT_SETTINGS: Settings = {
  network: "dev",
  language: "en",
  theme: "system",
  onboarded: false,
  beaconUrl: null,
  executionUrl: null,
  checkpointSyncUrl: null,
  keystoresDir: null,
  depositDataFile: null,
};

const KEYS = Object.keys(DEFAULT_SETTINGS);

/** Checks a (partial) settings object; throws one error naming the bad field. */
export function validateSettingsPatch(input: unknown): Partial<Settings> {
  const o = asObject(input, "settings");
  onlyKeys(o, KEYS, "settings");
  const out: Partial<Settings> = {};
  if ("network" in o) out.network = oneOf(o, "network", NETWORK_NAMES);
  if ("language" in o) out.language = oneOf(o, "language", LANGUAGES);
  if ("theme" in o) out.theme = oneOf(o, "theme", THEMES);
  if ("onboarded" in o) {
    if (typeof o.onboarded !== "boolean") throw badRequest(`"onboarded" must be true or false`);
    out.onboarded = o.onboarded;
  }
  for (const k of ["beaconUrl", "executionUrl", "checkpointSyncUrl"] as const) {
    if (k in o) out[k] = urlOrNull(o, k);
  }
  for (const k of ["keystoresDir", "depositDataFile"] as const) {
    if (k in o) {
      const v = o[k];
      if (v !== null && (typeof v !== "string" || v.length === 0 || v.length > 4096)) {
        throw badRequest(`"${k}" must be a path or null`);
      }
      out[k] = v as string | null;
    }
  }
  return out;
}

export class SettingsStore {
  readonly file: string;
  private current: Settings;

  constructor(dataDir: string) {
    this.file = join(dataDir, SETTINGS_FILE);
    this.current = {...DEFAULT_SETTINGS};
    if (existsSync(this.file)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(this.file, "utf8"));
      } catch (e) {
        throw new Error(`settings file ${this.file} is not valid JSON: ${(e as Error).message}`);
      }
      try {
        this.current = {...DEFAULT_SETTINGS, ...validateSettingsPatch(parsed)};
      } catch (e) {
        throw new Error(`settings file ${this.file}: ${(e as Error).message}`);
      }
    }
  }

  get(): Settings {
    return {...this.current};
  }

  /** Validates, merges and writes atomically (temp file + rename, mode 0600). */
  set(patch: unknown): Settings {
    const next = {...this.current, ...validateSettingsPatch(patch)};
    mkdirSync(dirname(this.file), {recursive: true});
    const tmp = `${this.file}.tmp-${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`, {mode: 0o600});
    renameSync(tmp, this.file);
    this.current = next;
    return this.get();
  }
}
