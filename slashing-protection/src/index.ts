export {SLASHABLE_CODES, SlashingProtectionError, type SlashingProtectionErrorCode} from "./errors.ts";
export {
  INTERCHANGE_FORMAT_VERSION,
  type InterchangeV5,
  type ParsedInterchange,
  parseInterchange,
} from "./interchange.ts";
export {
  type ExportOptions,
  type ImportOptions,
  type ImportResult,
  type PruneResult,
  type SignStatus,
  SlashingProtection,
  type SlashingProtectionOptions,
} from "./store.ts";
