import {fromHex} from "@ceibo/utils";
import type {ChainConfig} from "../chainConfig.ts";
import {mainnetChainConfig} from "./mainnet.ts";

/** Sepolia testnet (eth-clients/sepolia metadata/config.yaml). Values not listed equal mainnet's. */
export const sepoliaChainConfig: ChainConfig = {
  ...mainnetChainConfig,
  CONFIG_NAME: "sepolia",
  TERMINAL_TOTAL_DIFFICULTY: 17000000000000000n,
  MIN_GENESIS_ACTIVE_VALIDATOR_COUNT: 1300,
  MIN_GENESIS_TIME: 1655647200,
  GENESIS_FORK_VERSION: fromHex("0x90000069"),
  GENESIS_DELAY: 86400,
  ALTAIR_FORK_VERSION: fromHex("0x90000070"),
  ALTAIR_FORK_EPOCH: 50,
  BELLATRIX_FORK_VERSION: fromHex("0x90000071"),
  BELLATRIX_FORK_EPOCH: 100,
  CAPELLA_FORK_VERSION: fromHex("0x90000072"),
  CAPELLA_FORK_EPOCH: 56832,
  DENEB_FORK_VERSION: fromHex("0x90000073"),
  DENEB_FORK_EPOCH: 132608,
  ELECTRA_FORK_VERSION: fromHex("0x90000074"),
  ELECTRA_FORK_EPOCH: 222464,
  FULU_FORK_VERSION: fromHex("0x90000075"),
  FULU_FORK_EPOCH: 272640,
  DEPOSIT_CHAIN_ID: 11155111,
  DEPOSIT_NETWORK_ID: 11155111,
  DEPOSIT_CONTRACT_ADDRESS: fromHex("0x7f02c3e3c98b133055b8b348b2ac625669ed295d"),
  BLOB_SCHEDULE: [
    {EPOCH: 274176, MAX_BLOBS_PER_BLOCK: 15},
    {EPOCH: 275712, MAX_BLOBS_PER_BLOCK: 21},
  ],
};
