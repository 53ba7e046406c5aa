import {fromHex} from "@ceibo/utils";
import type {ChainConfig} from "../chainConfig.ts";
import {
  DEPOSIT_CONTRACTS,
  type DepositContract,
  HOODI_BOOTNODES,
  MAINNET_BOOTNODES,
  SEPOLIA_BOOTNODES,
} from "./bootnodes.ts";
import {devChainConfig} from "./dev.ts";
import {hoodiChainConfig} from "./hoodi.ts";
import {mainnetChainConfig} from "./mainnet.ts";
import {sepoliaChainConfig} from "./sepolia.ts";

export type NetworkName = "mainnet" | "sepolia" | "hoodi" | "dev";

export interface NetworkInfo {
  chainConfig: ChainConfig;
  /** Known genesis of a public network (undefined for dev chains, which make their own genesis). */
  genesis?: {genesisTime: number; genesisValidatorsRoot: Uint8Array};
  /** Consensus-layer bootnodes (discv5 ENRs) of a public network (none for dev chains). */
  bootnodes?: readonly string[];
  /** The deposit contract of a public network. */
  depositContract?: DepositContract;
}

export const networks: Record<NetworkName, NetworkInfo> = {
  mainnet: {
    chainConfig: mainnetChainConfig,
    bootnodes: MAINNET_BOOTNODES,
    depositContract: DEPOSIT_CONTRACTS.mainnet,
    genesis: {
      genesisTime: 1606824023,
      genesisValidatorsRoot: fromHex("0x4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95"),
    },
  },
  sepolia: {
    chainConfig: sepoliaChainConfig,
    bootnodes: SEPOLIA_BOOTNODES,
    depositContract: DEPOSIT_CONTRACTS.sepolia,
    genesis: {
      genesisTime: 1655733600,
      genesisValidatorsRoot: fromHex("0xd8ea171f3c94aea21ebc42a1ed61052acf3f9209c00e4efbaaddac09ed9b8078"),
    },
  },
  hoodi: {
    chainConfig: hoodiChainConfig,
    bootnodes: HOODI_BOOTNODES,
    depositContract: DEPOSIT_CONTRACTS.hoodi,
    genesis: {
      genesisTime: 1742213400,
      genesisValidatorsRoot: fromHex("0x212f13fc4df078b6cb7db228f1c8307566dcecf900867401a92023d7ba99cb5f"),
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

/** The public networks `ceibo beacon --network` joins (mainnet preset, known genesis, bootnodes). */
export const PUBLIC_NETWORK_NAMES = ["mainnet", "hoodi", "sepolia"] as const;
export type PublicNetworkName = (typeof PUBLIC_NETWORK_NAMES)[number];

export function isPublicNetwork(name: string): name is PublicNetworkName {
  return (PUBLIC_NETWORK_NAMES as readonly string[]).includes(name);
}

export {createDevChainConfig, type DevChainOptions} from "./dev.ts";
export {minimalChainConfig} from "./minimal.ts";
export {
  DEPOSIT_CONTRACTS,
  type DepositContract,
  devChainConfig,
  HOODI_BOOTNODES,
  hoodiChainConfig,
  MAINNET_BOOTNODES,
  mainnetChainConfig,
  SEPOLIA_BOOTNODES,
  sepoliaChainConfig,
};
