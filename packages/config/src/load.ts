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
  const defaulted = CHAIN_CONFIG_KEYS.filter((k) => !(k in values));
  return {config: {...base, ...values} as ChainConfig, unknown, defaulted};
}
