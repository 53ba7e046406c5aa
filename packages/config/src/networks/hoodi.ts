import {fromHex} from "@ceibo/utils";
import type {ChainConfig} from "../chainConfig.ts";
import {mainnetChainConfig} from "./mainnet.ts";

/** Hoodi testnet (eth-clients/hoodi metadata/config.yaml). Values not listed equal mainnet's. */
export const hoodiChainConfig: ChainConfig = {
  ...mainnetChainConfig,
  CONFIG_NAME: "hoodi",
  TERMINAL_TOTAL_DIFFICULTY: 0n,
  MIN_GENESIS_ACTIVE_VALIDATOR_COUNT: 16384,
  MIN_GENESIS_TIME: 1742212800,
  GENESIS_FORK_VERSION: fromHex("0x10000910"),
  GENESIS_DELAY: 600,
  ALTAIR_FORK_VERSION: fromHex("0x20000910"),
  ALTAIR_FORK_EPOCH: 0,
  BELLATRIX_FORK_VERSION: fromHex("0x30000910"),
  BELLATRIX_FORK_EPOCH: 0,
  CAPELLA_FORK_VERSION: fromHex("0x40000910"),
  CAPELLA_FORK_EPOCH: 0,
  DENEB_FORK_VERSION: fromHex("0x50000910"),
  DENEB_FORK_EPOCH: 0,
  ELECTRA_FORK_VERSION: fromHex("0x60000910"),
  ELECTRA_FORK_EPOCH: 2048,
  FULU_FORK_VERSION: fromHex("0x70000910"),
  FULU_FORK_EPOCH: 50688,
  SECONDS_PER_ETH1_BLOCK: 12,
  DEPOSIT_CHAIN_ID: 560048,
  DEPOSIT_NETWORK_ID: 560048,
  DEPOSIT_CONTRACT_ADDRESS: fromHex("0x00000000219ab540356cbb839cbe05303d7705fa"),
  BLOB_SCHEDULE: [
    {EPOCH: 52480, MAX_BLOBS_PER_BLOCK: 15},
    {EPOCH: 54016, MAX_BLOBS_PER_BLOCK: 21},
  ],
};
