import type {BeaconApiClient} from "@ceibo/api";
import {
  BeaconConfig,
  CHAIN_CONFIG_KEYS,
  type ChainConfig,
  type ChainConfigKey,
  mainnetChainConfig,
  minimalChainConfig,
  parseConfigValue,
  toHex,
} from "@ceibo/config";
import {ACTIVE_PRESET_NAME, FORK_NAMES, SLOTS_PER_EPOCH} from "@ceibo/params";
import {ValidatorClientError} from "./errors.ts";

export interface ChainInfo {
  config: BeaconConfig;
  genesisTime: number;
  genesisValidatorsRoot: Uint8Array;
}

const FORK_VERSION_KEYS = [
  ["GENESIS_FORK_VERSION", undefined],
  ["ALTAIR_FORK_VERSION", "ALTAIR_FORK_EPOCH"],
  ["BELLATRIX_FORK_VERSION", "BELLATRIX_FORK_EPOCH"],
  ["CAPELLA_FORK_VERSION", "CAPELLA_FORK_EPOCH"],
  ["DENEB_FORK_VERSION", "DENEB_FORK_EPOCH"],
  ["ELECTRA_FORK_VERSION", "ELECTRA_FORK_EPOCH"],
  ["FULU_FORK_VERSION", "FULU_FORK_EPOCH"],
] as const;

/**
 * The chain config as the beacon node reports it (`/eth/v1/config/spec`), with the fork versions and epochs
 * taken from `/eth/v1/config/fork_schedule` (authoritative for signing domains). Keys the node leaves out take
 * the values of its PRESET_BASE's reference config. The node's preset must be this process's preset.
 */
export function chainConfigFromSpec(
  spec: Record<string, string>,
  forkSchedule: {previousVersion: Uint8Array; currentVersion: Uint8Array; epoch: number}[],
): ChainConfig {
  const presetBase = spec.PRESET_BASE ?? ACTIVE_PRESET_NAME;
  if (presetBase !== ACTIVE_PRESET_NAME) {
    throw new ValidatorClientError(
      "CHAIN_MISMATCH",
      `the beacon node runs the ${presetBase} preset, this validator client ${ACTIVE_PRESET_NAME} (set CEIBO_PRESET=${presetBase})`,
    );
  }
  if (spec.SLOTS_PER_EPOCH !== undefined && Number(spec.SLOTS_PER_EPOCH) !== SLOTS_PER_EPOCH) {
    throw new ValidatorClientError(
      "CHAIN_MISMATCH",
      `the beacon node has SLOTS_PER_EPOCH=${spec.SLOTS_PER_EPOCH}, this validator client ${SLOTS_PER_EPOCH}`,
    );
  }
  const out: Record<string, unknown> = {...(presetBase === "minimal" ? minimalChainConfig : mainnetChainConfig)};
  for (const key of CHAIN_CONFIG_KEYS) {
    const raw = spec[key];
    if (raw === undefined) continue;
    try {
      out[key] = parseConfigValue(key as ChainConfigKey, key === "BLOB_SCHEDULE" ? JSON.parse(raw) : raw);
    } catch (e) {
      throw new ValidatorClientError("CHAIN_MISMATCH", `beacon node spec value ${key}: ${(e as Error).message}`);
    }
  }
  const sorted = [...forkSchedule].sort((a, b) => a.epoch - b.epoch);
  if (sorted.length > 0) {
    // fork_schedule lists each fork in order; a fork this client does not know (after fulu) is ignored
    for (let i = 0; i < FORK_VERSION_KEYS.length; i++) {
      const [versionKey, epochKey] = FORK_VERSION_KEYS[i];
      const entry = sorted[i];
      if (entry === undefined) {
        if (epochKey !== undefined) out[epochKey] = Number.POSITIVE_INFINITY;
        continue;
      }
      out[versionKey] = entry.currentVersion;
      if (epochKey !== undefined) out[epochKey] = entry.epoch;
      else if (entry.epoch !== 0) {
        throw new ValidatorClientError("CHAIN_MISMATCH", `fork_schedule's first fork starts at epoch ${entry.epoch}`);
      }
      if (i > 0 && toHex(entry.previousVersion) !== toHex(sorted[i - 1].currentVersion)) {
        throw new ValidatorClientError(
          "CHAIN_MISMATCH",
          `fork_schedule entry ${i} (${FORK_NAMES[i]}) has previous_version ${toHex(entry.previousVersion)}, expected ${toHex(sorted[i - 1].currentVersion)}`,
        );
      }
    }
  }
  return out as unknown as ChainConfig;
}

/** Genesis, spec and fork schedule from the beacon node: everything the signing domains and the clock need. */
export async function fetchChainInfo(api: BeaconApiClient): Promise<ChainInfo> {
  const [genesis, spec, schedule] = await Promise.all([api.getGenesis(), api.getSpec(), api.getForkSchedule()]);
  const chain = chainConfigFromSpec(spec.data, schedule.data);
  if (toHex(chain.GENESIS_FORK_VERSION) !== toHex(genesis.data.genesisForkVersion)) {
    throw new ValidatorClientError(
      "CHAIN_MISMATCH",
      `genesis fork version ${toHex(genesis.data.genesisForkVersion)} differs from the fork schedule's ${toHex(chain.GENESIS_FORK_VERSION)}`,
    );
  }
  return {
    config: new BeaconConfig(chain, genesis.data.genesisValidatorsRoot),
    genesisTime: genesis.data.genesisTime,
    genesisValidatorsRoot: genesis.data.genesisValidatorsRoot,
  };
}
