/**
 * Spec constants that are neither preset nor chain config (consensus-specs a08d8a6,
 * specs/<fork>/beacon-chain.md "Constants", validator.md, light-client/sync-protocol.md).
 * Values that exceed 2**53 are bigint; an epoch or slot that means "never" is Infinity in number form.
 */

// phase0 — misc
export const UINT64_MAX = 2n ** 64n - 1n;
export const UINT64_MAX_SQRT = 4294967295;
export const GENESIS_SLOT = 0;
export const GENESIS_EPOCH = 0;
/** Epoch(2**64 - 1). Represented as Infinity in number-typed epochs; serializes as 2**64-1. */
export const FAR_FUTURE_EPOCH = Number.POSITIVE_INFINITY;
export const BASE_REWARDS_PER_EPOCH = 4;
export const DEPOSIT_CONTRACT_TREE_DEPTH = 32;
export const JUSTIFICATION_BITS_LENGTH = 4;

// phase0 — withdrawal prefixes (capella/electra add the others)
export const BLS_WITHDRAWAL_PREFIX = 0x00;
export const ETH1_ADDRESS_WITHDRAWAL_PREFIX = 0x01;
export const COMPOUNDING_WITHDRAWAL_PREFIX = 0x02;

// Domain types (4 bytes each)
export const DOMAIN_BEACON_PROPOSER = Uint8Array.from([0, 0, 0, 0]);
export const DOMAIN_BEACON_ATTESTER = Uint8Array.from([1, 0, 0, 0]);
export const DOMAIN_RANDAO = Uint8Array.from([2, 0, 0, 0]);
export const DOMAIN_DEPOSIT = Uint8Array.from([3, 0, 0, 0]);
export const DOMAIN_VOLUNTARY_EXIT = Uint8Array.from([4, 0, 0, 0]);
export const DOMAIN_SELECTION_PROOF = Uint8Array.from([5, 0, 0, 0]);
export const DOMAIN_AGGREGATE_AND_PROOF = Uint8Array.from([6, 0, 0, 0]);
export const DOMAIN_SYNC_COMMITTEE = Uint8Array.from([7, 0, 0, 0]);
export const DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF = Uint8Array.from([8, 0, 0, 0]);
export const DOMAIN_CONTRIBUTION_AND_PROOF = Uint8Array.from([9, 0, 0, 0]);
export const DOMAIN_BLS_TO_EXECUTION_CHANGE = Uint8Array.from([10, 0, 0, 0]);
export const DOMAIN_APPLICATION_MASK = Uint8Array.from([0, 0, 0, 1]);
/** builder-specs: DOMAIN_APPLICATION_BUILDER = DOMAIN_APPLICATION_MASK | 0x00000000 */
export const DOMAIN_APPLICATION_BUILDER = Uint8Array.from([0, 0, 0, 1]);

// phase0 validator.md
export const TARGET_AGGREGATORS_PER_COMMITTEE = 16;

// altair — participation flags and incentivization weights
export const TIMELY_SOURCE_FLAG_INDEX = 0;
export const TIMELY_TARGET_FLAG_INDEX = 1;
export const TIMELY_HEAD_FLAG_INDEX = 2;
export const TIMELY_SOURCE_WEIGHT = 14;
export const TIMELY_TARGET_WEIGHT = 26;
export const TIMELY_HEAD_WEIGHT = 14;
export const SYNC_REWARD_WEIGHT = 2;
export const PROPOSER_WEIGHT = 8;
export const WEIGHT_DENOMINATOR = 64;
export const PARTICIPATION_FLAG_WEIGHTS = [TIMELY_SOURCE_WEIGHT, TIMELY_TARGET_WEIGHT, TIMELY_HEAD_WEIGHT] as const;

// altair validator.md
export const TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE = 16;
export const SYNC_COMMITTEE_SUBNET_COUNT = 4;

// altair light-client/sync-protocol.md — generalized indices
export const FINALIZED_ROOT_GINDEX = 105;
export const CURRENT_SYNC_COMMITTEE_GINDEX = 54;
export const NEXT_SYNC_COMMITTEE_GINDEX = 55;
// capella
export const EXECUTION_PAYLOAD_GINDEX = 25;
// electra
export const FINALIZED_ROOT_GINDEX_ELECTRA = 169;
export const CURRENT_SYNC_COMMITTEE_GINDEX_ELECTRA = 86;
export const NEXT_SYNC_COMMITTEE_GINDEX_ELECTRA = 87;

// deneb
export const VERSIONED_HASH_VERSION_KZG = 0x01;
export const BYTES_PER_FIELD_ELEMENT = 32;
export const BLOB_TX_TYPE = 0x03;

// electra
export const UNSET_DEPOSIT_REQUESTS_START_INDEX = 2n ** 64n - 1n;
export const FULL_EXIT_REQUEST_AMOUNT = 0;
export const DEPOSIT_REQUEST_TYPE = 0x00;
export const WITHDRAWAL_REQUEST_TYPE = 0x01;
export const CONSOLIDATION_REQUEST_TYPE = 0x02;

// fulu das-core.md
export const UINT256_MAX = 2n ** 256n - 1n;
