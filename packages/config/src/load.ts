import {presetFor} from "@ceibo/params";
import type {ChainConfig, ChainConfigKey} from "./chainConfig.ts";
import {mainnetChainConfig} from "./networks/mainnet.ts";
import {minimalChainConfig} from "./networks/minimal.ts";
import {ChainConfigError, parseChainConfigYaml} from "./yaml.ts";

/** Every key of the chain config this client reads. */
export const CHAIN_CONFIG_KEYS = Object.keys(mainnetChainConfig) as ChainConfigKey[];

/**
 * A chain config from a config.yaml (e.g. a testnet's metadata/config.yaml). Keys the file leaves out take the
 * values of its PRESET_BASE's reference config (mainnet or minimal); keys this client does not know are returned
 * in `unknown` (forks after fulu) rather than rejected.
 */
export function chainConfigFromYaml(text: string): {
  config: ChainConfig;
  unknown: Record<string, unknown>;
  defaulted: ChainConfigKey[];
} {
  const {values, unknown} = parseChainConfigYaml(text, CHAIN_CONFIG_KEYS);
  const presetBase = values.PRESET_BASE ?? "mainnet";
  presetFor(presetBase); // throws a clear error on an unknown preset
  if (values.CONFIG_NAME === undefined) throw new ChainConfigError("config is missing CONFIG_NAME");
  const base = presetBase === "minimal" ? minimalChainConfig : mainnetChainConfig;
  // configs written before SLOT_DURATION_MS existed (e.g. Lodestar 1.5.1's) give SECONDS_PER_SLOT instead
  const legacySeconds = (values as Record<string, unknown>).SECONDS_PER_SLOT ?? unknown.SECONDS_PER_SLOT;
  if (!("SLOT_DURATION_MS" in values) && legacySeconds !== undefined) {
    const seconds = Number(legacySeconds);
    if (!Number.isSafeInteger(seconds) || seconds <= 0) {
      throw new ChainConfigError(`SECONDS_PER_SLOT must be a positive integer, got ${String(legacySeconds)}`);
    }
    (values as Record<string, unknown>).SLOT_DURATION_MS = seconds * 1000;
  }
  const defaulted = CHAIN_CONFIG_KEYS.filter((k) => !(k in values));
  return {config: {...base, ...values} as ChainConfig, unknown, defaulted};
}
