import type {PresetName} from "@ceibo/params";

/** A blob-parameters-only fork entry (EIP-7892), from the config's BLOB_SCHEDULE. */
export interface BlobScheduleEntry {
  EPOCH: number;
  MAX_BLOBS_PER_BLOCK: number;
}

/**
 * Runtime chain configuration (consensus-specs configs/<network>.yaml), phase0 → fulu.
 * Epochs that mean "never" (2**64-1) are Infinity. Byte strings are Uint8Array.
 */
export interface ChainConfig {
  PRESET_BASE: PresetName;
  CONFIG_NAME: string;

  // Transition
  TERMINAL_TOTAL_DIFFICULTY: bigint;
  TERMINAL_BLOCK_HASH: Uint8Array;
  TERMINAL_BLOCK_HASH_ACTIVATION_EPOCH: number;

  // Genesis
  MIN_GENESIS_ACTIVE_VALIDATOR_COUNT: number;
  MIN_GENESIS_TIME: number;
  GENESIS_FORK_VERSION: Uint8Array;
  GENESIS_DELAY: number;

  // Forking
  ALTAIR_FORK_VERSION: Uint8Array;
  ALTAIR_FORK_EPOCH: number;
  BELLATRIX_FORK_VERSION: Uint8Array;
  BELLATRIX_FORK_EPOCH: number;
  CAPELLA_FORK_VERSION: Uint8Array;
  CAPELLA_FORK_EPOCH: number;
  DENEB_FORK_VERSION: Uint8Array;
  DENEB_FORK_EPOCH: number;
  ELECTRA_FORK_VERSION: Uint8Array;
  ELECTRA_FORK_EPOCH: number;
  FULU_FORK_VERSION: Uint8Array;
  FULU_FORK_EPOCH: number;

  // Time parameters
  SLOT_DURATION_MS: number;
  SECONDS_PER_ETH1_BLOCK: number;
  MIN_VALIDATOR_WITHDRAWABILITY_DELAY: number;
  SHARD_COMMITTEE_PERIOD: number;
  ETH1_FOLLOW_DISTANCE: number;
  PROPOSER_REORG_CUTOFF_BPS: number;
  ATTESTATION_DUE_BPS: number;
  AGGREGATE_DUE_BPS: number;
  SYNC_MESSAGE_DUE_BPS: number;
  CONTRIBUTION_DUE_BPS: number;

  // Validator cycle
  INACTIVITY_SCORE_BIAS: number;
  INACTIVITY_SCORE_RECOVERY_RATE: number;
  EJECTION_BALANCE: number;
  MIN_PER_EPOCH_CHURN_LIMIT: number;
  CHURN_LIMIT_QUOTIENT: number;
  MAX_PER_EPOCH_ACTIVATION_CHURN_LIMIT: number;
  MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA: number;
  MAX_PER_EPOCH_ACTIVATION_EXIT_CHURN_LIMIT: number;

  // Fork choice
  PROPOSER_SCORE_BOOST: number;
  REORG_HEAD_WEIGHT_THRESHOLD: number;
  REORG_PARENT_WEIGHT_THRESHOLD: number;
  REORG_MAX_EPOCHS_SINCE_FINALIZATION: number;

  // Deposit contract
  DEPOSIT_CHAIN_ID: number;
  DEPOSIT_NETWORK_ID: number;
  DEPOSIT_CONTRACT_ADDRESS: Uint8Array;

  // Networking
  MAX_PAYLOAD_SIZE: number;
  MAX_REQUEST_BLOCKS: number;
  EPOCHS_PER_SUBNET_SUBSCRIPTION: number;
  ATTESTATION_PROPAGATION_SLOT_RANGE: number;
  MAXIMUM_GOSSIP_CLOCK_DISPARITY: number;
  MESSAGE_DOMAIN_INVALID_SNAPPY: Uint8Array;
  MESSAGE_DOMAIN_VALID_SNAPPY: Uint8Array;
  SUBNETS_PER_NODE: number;
  ATTESTATION_SUBNET_COUNT: number;
  ATTESTATION_SUBNET_EXTRA_BITS: number;
  // deneb
  MAX_REQUEST_BLOCKS_DENEB: number;
  MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS: number;
  BLOB_SIDECAR_SUBNET_COUNT: number;
  MAX_BLOBS_PER_BLOCK: number;
  // electra
  BLOB_SIDECAR_SUBNET_COUNT_ELECTRA: number;
  MAX_BLOBS_PER_BLOCK_ELECTRA: number;
  // fulu
  NUMBER_OF_CUSTODY_GROUPS: number;
  DATA_COLUMN_SIDECAR_SUBNET_COUNT: number;
  SAMPLES_PER_SLOT: number;
  CUSTODY_REQUIREMENT: number;
  VALIDATOR_CUSTODY_REQUIREMENT: number;
  BALANCE_PER_ADDITIONAL_CUSTODY_GROUP: number;
  MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS: number;

  // Blob scheduling (EIP-7892)
  BLOB_SCHEDULE: BlobScheduleEntry[];
}

export type ChainConfigKey = keyof ChainConfig;

/** How each key is represented; drives YAML/JSON parsing and serialization. */
export type ConfigValueKind = "number" | "bigint" | "bytes" | "string" | "blobSchedule";

const bytesKeys = new Set<ChainConfigKey>([
  "TERMINAL_BLOCK_HASH",
  "GENESIS_FORK_VERSION",
  "ALTAIR_FORK_VERSION",
  "BELLATRIX_FORK_VERSION",
  "CAPELLA_FORK_VERSION",
  "DENEB_FORK_VERSION",
  "ELECTRA_FORK_VERSION",
  "FULU_FORK_VERSION",
  "DEPOSIT_CONTRACT_ADDRESS",
  "MESSAGE_DOMAIN_INVALID_SNAPPY",
  "MESSAGE_DOMAIN_VALID_SNAPPY",
]);

export function configValueKind(key: ChainConfigKey): ConfigValueKind {
  if (key === "PRESET_BASE" || key === "CONFIG_NAME") return "string";
  if (key === "TERMINAL_TOTAL_DIFFICULTY") return "bigint";
  if (key === "BLOB_SCHEDULE") return "blobSchedule";
  if (bytesKeys.has(key)) return "bytes";
  return "number";
}
