/**
 * The typed errors of the state transition (block operations, genesis, slots and fork upgrades, light-client data,
 * helpers). Each is a `CeiboError` whose `type.code` says what was invalid and whose fields carry the values that
 * made it so; the message stays the human sentence. Catch by class and branch on `e.type.code`:
 * `if (e instanceof AttestationError && e.type.code === "INCLUDED_TOO_LATE") e.type.stateSlot`.
 */
import {CeiboError} from "@ceibo/utils";

export type AttestationErrorType =
  | {code: "TARGET_EPOCH_NOT_PREVIOUS_OR_CURRENT"; targetEpoch: number; currentEpoch: number}
  | {code: "TARGET_EPOCH_SLOT_MISMATCH"; targetEpoch: number; slot: number}
  | {code: "INCLUDED_TOO_EARLY"; attestationSlot: number; stateSlot: number}
  | {code: "INCLUDED_TOO_LATE"; attestationSlot: number; stateSlot: number}
  | {code: "COMMITTEE_INDEX_OUT_OF_RANGE"; committeeIndex: number; committeeCount: number}
  | {code: "AGGREGATION_BITS_LENGTH_MISMATCH"; bitsLength: number; committeesSize: number}
  | {code: "AGGREGATION_BITS_TOO_SHORT"; bitsLength: number}
  | {code: "DATA_INDEX_NOT_ZERO"; index: number}
  | {code: "NO_ATTESTER_IN_COMMITTEE"; committeeIndex: number}
  | {code: "WRONG_SOURCE"; targetEpoch: number}
  | {code: "NO_ATTESTERS"}
  | {code: "INVALID_INDEXED_ATTESTATION"};
/** process_attestation rejected the attestation. */
export class AttestationError extends CeiboError<AttestationErrorType> {}

export type AttesterSlashingErrorType =
  | {code: "NOT_SLASHABLE_DATA"}
  | {code: "INVALID_INDEXED_ATTESTATION"; attestation: 1 | 2}
  | {code: "NO_VALIDATOR_SLASHED"};
/** process_attester_slashing rejected the slashing. */
export class AttesterSlashingError extends CeiboError<AttesterSlashingErrorType> {}

export type ProposerSlashingErrorType =
  | {code: "SLOTS_DIFFER"; slot1: number; slot2: number}
  | {code: "PROPOSERS_DIFFER"; proposerIndex1: number; proposerIndex2: number}
  | {code: "HEADERS_EQUAL"}
  | {code: "UNKNOWN_VALIDATOR"; proposerIndex: number}
  | {code: "NOT_SLASHABLE"; proposerIndex: number}
  | {code: "INVALID_SIGNATURE"; proposerIndex: number};
/** process_proposer_slashing rejected the slashing. */
export class ProposerSlashingError extends CeiboError<ProposerSlashingErrorType> {}

export type VoluntaryExitErrorType =
  | {code: "UNKNOWN_VALIDATOR"; validatorIndex: number}
  | {code: "NOT_ACTIVE"; validatorIndex: number}
  | {code: "ALREADY_EXITING"; validatorIndex: number}
  | {code: "EPOCH_IN_FUTURE"; exitEpoch: number; currentEpoch: number}
  | {code: "NOT_ACTIVE_LONG_ENOUGH"; validatorIndex: number}
  | {code: "PENDING_PARTIAL_WITHDRAWALS"; validatorIndex: number}
  | {code: "INVALID_SIGNATURE"; validatorIndex: number};
/** process_voluntary_exit rejected the exit. */
export class VoluntaryExitError extends CeiboError<VoluntaryExitErrorType> {}

export type BlsToExecutionChangeErrorType =
  | {code: "UNKNOWN_VALIDATOR"; validatorIndex: number}
  | {code: "NOT_BLS_CREDENTIALS"; validatorIndex: number}
  | {code: "PUBKEY_MISMATCH"; validatorIndex: number}
  | {code: "INVALID_SIGNATURE"; validatorIndex: number};
/** process_bls_to_execution_change rejected the change. */
export class BlsToExecutionChangeError extends CeiboError<BlsToExecutionChangeErrorType> {}

export type DepositErrorType = {code: "INVALID_MERKLE_BRANCH"; depositIndex: number};
/** process_deposit rejected the deposit. */
export class DepositError extends CeiboError<DepositErrorType> {}

export type ExecutionPayloadErrorType =
  | {code: "PARENT_HASH_MISMATCH"}
  | {code: "PREV_RANDAO_MISMATCH"}
  | {code: "TIMESTAMP_MISMATCH"; timestamp: number; expected: number}
  | {code: "TOO_MANY_BLOB_COMMITMENTS"; count: number; limit: number}
  | {code: "INVALID_BY_EXECUTION_ENGINE"};
/** process_execution_payload rejected the payload. */
export class ExecutionPayloadError extends CeiboError<ExecutionPayloadErrorType> {}

export type WithdrawalsErrorType =
  | {code: "TOO_MANY_PRIOR_WITHDRAWALS"; count: number; limit: number}
  | {code: "NO_ROOM_FOR_SWEEP"; count: number; limit: number}
  | {code: "COUNT_MISMATCH"; count: number; expected: number}
  | {code: "WITHDRAWAL_MISMATCH"; index: number};
/** process_withdrawals rejected the payload's withdrawals. */
export class WithdrawalsError extends CeiboError<WithdrawalsErrorType> {}

export type BlockBodyErrorType =
  | {code: "DEPOSIT_COUNT_MISMATCH"; count: number; expected: number}
  | {code: "SYNC_AGGREGATE_INVALID_SIGNATURE"};
/** process_operations / process_sync_aggregate rejected the block body. */
export class BlockBodyError extends CeiboError<BlockBodyErrorType> {}

export type GenesisErrorType =
  | {code: "INVALID_INTEROP_KEY_INDEX"; index: number}
  | {code: "INVALID_WITHDRAWAL_ADDRESS"; length: number}
  | {code: "FORK_NOT_AT_GENESIS"; fork: number; genesisFork?: number}
  | {code: "INVALID_VALIDATOR_COUNT"; validatorCount: number}
  | {code: "NO_DEPOSITS"}
  | {code: "GENESIS_TIME_TOO_EARLY"; genesisTime: number; genesisDelay: number}
  | {code: "NO_ACTIVE_VALIDATOR"; depositCount: number};
/** A genesis state could not be built from the given input. */
export class GenesisError extends CeiboError<GenesisErrorType> {}

export type SlotErrorType =
  | {code: "SLOT_NOT_AFTER_STATE"; slot: number; stateSlot: number}
  | {code: "NO_NEXT_FORK"; fork: number}
  | {code: "UNKNOWN_FORK"; fork: number | string};
/** process_slots or a fork upgrade was asked for something impossible. */
export class SlotError extends CeiboError<SlotErrorType> {}

export type LightClientErrorType =
  | {code: "NO_GLOAS_DATA"}
  | {code: "NO_DATA_BEFORE_ALTAIR"; fork: string}
  | {code: "CANNOT_UPGRADE"; from: string; to: string}
  | {code: "CANNOT_CREATE"; what: string}
  | {code: "BRANCH_TOO_DEEP"; branchLength: number; gindex: number}
  | {code: "INVALID_DATA"; what: string};
/** Light-client data could not be built, or does not pass the sync protocol's checks. */
export class LightClientError extends CeiboError<LightClientErrorType> {}

export type StateHelperErrorType =
  | {code: "EPOCH_OVERFLOW"; what: string; epoch: number}
  | {code: "VALIDATOR_INDEX_OUT_OF_RANGE"; index: number; validatorCount: number}
  | {code: "NO_ACTIVE_VALIDATORS"}
  | {code: "NEGATIVE_SQUARE_ROOT"};
/** A state helper (mutators, signature sets, util) was given input it cannot handle. */
export class StateHelperError extends CeiboError<StateHelperErrorType> {}

export type BlockHeaderErrorType =
  | {code: "SLOT_MISMATCH"; blockSlot: number; stateSlot: number}
  | {code: "SLOT_NOT_AFTER_LATEST_HEADER"; blockSlot: number; latestHeaderSlot: number}
  | {code: "WRONG_PROPOSER"; proposerIndex: number; expected: number}
  | {code: "PARENT_ROOT_MISMATCH"}
  | {code: "PROPOSER_SLASHED"; proposerIndex: number};
/** process_block_header rejected the block. */
export class BlockHeaderError extends CeiboError<BlockHeaderErrorType> {}

export type RandaoErrorType = {code: "INVALID_REVEAL"; epoch: number};
/** process_randao rejected the block's RANDAO reveal. */
export class RandaoError extends CeiboError<RandaoErrorType> {}

export type EpochProcessingErrorType =
  | {code: "INCLUSION_DELAY_ZERO"; validatorIndex: number}
  | {code: "PROPOSER_INDEX_OUT_OF_RANGE"; proposerIndex: number; validatorCount: number}
  | {code: "SLOT_OUT_OF_RANGE"; slot: number; stateSlot: number}
  | {code: "FINALITY_DELAY_UNDERFLOW"; previousEpoch: number; finalizedEpoch: number}
  | {code: "UNKNOWN_PARTICIPATION_FLAG"; flagIndex: number}
  | {code: "PENDING_CONSOLIDATION_INDEX_OUT_OF_RANGE"; position: number; validatorIndex: number};
/** An epoch-processing step met a state it cannot process (the spec's assertion or uint64 underflow). */
export class EpochProcessingError extends CeiboError<EpochProcessingErrorType> {}

export type EpochCacheErrorType =
  | {code: "UNKNOWN_FORK"; fork: number}
  | {code: "SHUFFLING_NOT_CACHED"; epoch: number; currentEpoch: number}
  | {code: "SHUFFLING_WITHOUT_INPUTS"}
  | {code: "COMMITTEE_INDEX_OUT_OF_RANGE"; committeeIndex: number; committeesPerSlot: number}
  | {code: "PROPOSER_NOT_CACHED"; slot: number; currentEpoch: number}
  | {code: "NO_PROPOSER"; slot: number}
  | {code: "SYNC_COMMITTEE_MEMBER_UNKNOWN"};
/** The epoch cache was asked for something it does not hold (an epoch out of its range, an unknown fork…). */
export class EpochCacheError extends CeiboError<EpochCacheErrorType> {}

export type ShufflingErrorType =
  | {code: "INVALID_SEED_LENGTH"; length: number}
  | {code: "INVALID_INDEX_COUNT"; indexCount: number}
  | {code: "INDEX_OUT_OF_RANGE"; index: number; indexCount: number};
/** compute_shuffled_index / the whole-list shuffle was given an invalid seed, count or index. */
export class ShufflingError extends CeiboError<ShufflingErrorType> {}
