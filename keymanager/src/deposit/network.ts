/**
 * The network a deposit is signed for: mainnet, hoodi, sepolia, dev (ceibo's own dev chains), or any
 * consensus-specs config.yaml (its CONFIG_NAME and GENESIS_FORK_VERSION).
 */
import {chainConfigFromYaml, getNetwork, NETWORK_NAMES} from "@ceibo/config";
import type {DepositNetwork} from "./depositData.ts";

/** The deposit networks known by name. */
export const DEPOSIT_NETWORK_NAMES: readonly string[] = NETWORK_NAMES;

/** A named network's deposit settings; throws one line listing the known names. */
export function depositNetworkByName(name: string): DepositNetwork {
  if (!NETWORK_NAMES.includes(name as (typeof NETWORK_NAMES)[number])) {
    throw new Error(`unknown network "${name}": expected one of ${NETWORK_NAMES.join(", ")} (or --config-file FILE)`);
  }
  const config = getNetwork(name).chainConfig;
  return {name, genesisForkVersion: Uint8Array.from(config.GENESIS_FORK_VERSION)};
}

/** The deposit settings of a consensus-specs config.yaml (text), named by its CONFIG_NAME. */
export function depositNetworkFromConfigYaml(text: string, file: string): DepositNetwork {
  try {
    const {config} = chainConfigFromYaml(text);
    if (config.GENESIS_FORK_VERSION.length !== 4) throw new Error("GENESIS_FORK_VERSION must be 4 bytes");
    return {name: config.CONFIG_NAME, genesisForkVersion: Uint8Array.from(config.GENESIS_FORK_VERSION)};
  } catch (e) {
    throw new Error(`config file ${file}: ${(e as Error).message}`);
  }
}
