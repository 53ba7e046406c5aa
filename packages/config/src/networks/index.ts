import type {ChainConfig} from "../chainConfig.ts";
import {hex} from "../hex.ts";
import {devChainConfig} from "./dev.ts";
import {hoodiChainConfig} from "./hoodi.ts";
import {mainnetChainConfig} from "./mainnet.ts";
import {sepoliaChainConfig} from "./sepolia.ts";

export type NetworkName = "mainnet" | "sepolia" | "hoodi" | "dev";

export interface NetworkInfo {
  chainConfig: ChainConfig;
  /** Known genesis of a public network (undefined for dev chains, which make their own genesis). */
  genesis?: {genesisTime: number; genesisValidatorsRoot: Uint8Array};
}

export const networks: Record<NetworkName, NetworkInfo> = {
  mainnet: {
    chainConfig: mainnetChainConfig,
    genesis: {
      genesisTime: 1606824023,
      genesisValidatorsRoot: hex("0x4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95"),
    },
  },
  sepolia: {
    chainConfig: sepoliaChainConfig,
    genesis: {
      genesisTime: 1655733600,
      genesisValidatorsRoot: hex("0xd8ea171f3c94aea21ebc42a1ed61052acf3f9209c00e4efbaaddac09ed9b8078"),
    },
  },
  hoodi: {
    chainConfig: hoodiChainConfig,
    genesis: {
      genesisTime: 1742213400,
      genesisValidatorsRoot: hex("0x212f13fc4df078b6cb7db228f1c8307566dcecf900867401a92023d7ba99cb5f"),
    },
  },
  dev: {chainConfig: devChainConfig},
};

export const NETWORK_NAMES = Object.keys(networks) as NetworkName[];

export function getNetwork(name: string): NetworkInfo {
  const info = networks[name as NetworkName];
  if (info === undefined) throw Error(`Unknown network "${name}": expected one of ${NETWORK_NAMES.join(", ")}`);
  return info;
}

export {createDevChainConfig, type DevChainOptions} from "./dev.ts";
export {minimalChainConfig} from "./minimal.ts";
export {devChainConfig, hoodiChainConfig, mainnetChainConfig, sepoliaChainConfig};
