export * from "./chainConfig.ts";
export * from "./beaconConfig.ts";
export * from "./signing.ts";
export * from "./networks/index.ts";
export {hex, toHex} from "./hex.ts";
export {ChainConfigError, parseChainConfigYaml, parseConfigValue, type ParsedChainConfig} from "./yaml.ts";
export {chainConfigFromYaml, CHAIN_CONFIG_KEYS} from "./load.ts";
