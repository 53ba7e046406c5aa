export * from "./beaconConfig.ts";
export * from "./chainConfig.ts";
export {CHAIN_CONFIG_KEYS, chainConfigFromYaml} from "./load.ts";
export {formatLogLine, LOG_FORMATS, type LogFormat, type LogRecord, logTimestamp} from "./logLine.ts";
export * from "./networks/index.ts";
export * from "./signing.ts";
export {ChainConfigError, type ParsedChainConfig, parseChainConfigYaml, parseConfigValue} from "./yaml.ts";
