/**
 * The gossip validation verdicts (p2p-interface.md [IGNORE] / [REJECT]) and their codes, typed per topic: a
 * validator raises only its topic's codes (`GossipRaise<BlockGossipErrorCode>`), so a misspelt code does not
 * compile. The codes' string values are what metrics, logs and tests see.
 */

/** Codes of the checks attestations and aggregates share (attestation.ts, common.ts). */
export type AttestationDataGossipErrorCode =
  | "FUTURE_SLOT"
  | "NOT_WITHIN_PROPAGATION_RANGE"
  | "NOT_CURRENT_OR_PREVIOUS_EPOCH"
  | "BAD_TARGET_EPOCH"
  | "UNKNOWN_BEACON_BLOCK_ROOT"
  | "INVALID_BEACON_BLOCK"
  | "INVALID_TARGET_ROOT"
  | "NOT_FINALIZED_DESCENDANT"
  | "SHUFFLING_UNAVAILABLE"
  | "COMMITTEE_INDEX_OUT_OF_RANGE"
  | "NON_ZERO_DATA_INDEX"
  | "WRONG_NUMBER_OF_AGGREGATION_BITS";

/** beacon_block (block.ts). */
export type BlockGossipErrorCode =
  | "ALREADY_KNOWN"
  | "FUTURE_SLOT"
  | "INCORRECT_FORK"
  | "INCORRECT_PROPOSER"
  | "INCORRECT_TIMESTAMP"
  | "INVALID_PROPOSER_SIGNATURE"
  | "NOT_FINALIZED_DESCENDANT"
  | "NOT_LATER_THAN_FINALIZED"
  | "NOT_LATER_THAN_PARENT"
  | "PARENT_INVALID"
  | "PARENT_PAYLOAD_INVALID"
  | "PARENT_UNKNOWN"
  | "PROPOSER_INDEX_OUT_OF_RANGE"
  | "REPEAT_PROPOSAL"
  | "SHUFFLING_UNAVAILABLE"
  | "TOO_MANY_KZG_COMMITMENTS";

/** beacon_attestation_{subnet_id} (attestation.ts). */
export type AttestationGossipErrorCode =
  | AttestationDataGossipErrorCode
  | "ATTESTATION_ALREADY_KNOWN"
  | "ATTESTER_NOT_IN_COMMITTEE"
  | "INVALID_SIGNATURE"
  | "INVALID_SUBNET_ID"
  | "NOT_EXACTLY_ONE_AGGREGATION_BIT";

/** beacon_aggregate_and_proof (aggregateAndProof.ts). */
export type AggregateAndProofGossipErrorCode =
  | AttestationDataGossipErrorCode
  | "AGGREGATE_ALREADY_KNOWN"
  | "AGGREGATOR_ALREADY_KNOWN"
  | "AGGREGATOR_NOT_IN_COMMITTEE"
  | "EMPTY_AGGREGATION_BITS"
  | "INVALID_AGGREGATOR"
  | "INVALID_AGGREGATOR_SIGNATURE"
  | "INVALID_SELECTION_PROOF"
  | "INVALID_SIGNATURE"
  | "NOT_EXACTLY_ONE_COMMITTEE_BIT";

/** voluntary_exit (voluntaryExit.ts). */
export type VoluntaryExitGossipErrorCode =
  | "EXIT_ALREADY_INITIATED"
  | "EXIT_ALREADY_KNOWN"
  | "FUTURE_EXIT_EPOCH"
  | "INVALID_SIGNATURE"
  | "SHORT_ACTIVE_PERIOD"
  | "VALIDATOR_INDEX_OUT_OF_RANGE"
  | "VALIDATOR_NOT_ACTIVE";

/** proposer_slashing (proposerSlashing.ts). */
export type ProposerSlashingGossipErrorCode =
  | "HEADERS_EQUAL"
  | "INVALID_SIGNATURE"
  | "NOT_SLASHABLE"
  | "PROPOSERS_DIFFER"
  | "SLASHING_ALREADY_KNOWN"
  | "SLOTS_DIFFER"
  | "VALIDATOR_INDEX_OUT_OF_RANGE";

/** attester_slashing (attesterSlashing.ts). */
export type AttesterSlashingGossipErrorCode =
  | "INVALID_INDEXED_ATTESTATION"
  | "INVALID_SIGNATURE"
  | "NOT_SLASHABLE_DATA"
  | "NO_SLASHABLE_VALIDATOR"
  | "SLASHING_ALREADY_KNOWN"
  | "VALIDATOR_INDEX_OUT_OF_RANGE";

/** sync_committee_{subnet_id} and sync_committee_contribution_and_proof (syncCommittee.ts). */
export type SyncCommitteeGossipErrorCode =
  | "AGGREGATOR_ALREADY_KNOWN"
  | "AGGREGATOR_INDEX_OUT_OF_RANGE"
  | "AGGREGATOR_NOT_IN_SUBCOMMITTEE"
  | "CONTRIBUTION_ALREADY_KNOWN"
  | "EMPTY_AGGREGATION_BITS"
  | "INVALID_AGGREGATOR"
  | "INVALID_AGGREGATOR_SIGNATURE"
  | "INVALID_SELECTION_PROOF"
  | "INVALID_SIGNATURE"
  | "INVALID_SUBCOMMITTEE_INDEX"
  | "INVALID_SUBNET_ID"
  | "NOT_CURRENT_SLOT"
  | "SYNC_COMMITTEE_UNAVAILABLE"
  | "SYNC_MESSAGE_ALREADY_KNOWN"
  | "VALIDATOR_INDEX_OUT_OF_RANGE";

/** bls_to_execution_change (blsToExecutionChange.ts). */
export type BlsToExecutionChangeGossipErrorCode =
  | "CHANGE_ALREADY_KNOWN"
  | "INVALID_SIGNATURE"
  | "NOT_BLS_CREDENTIALS"
  | "PRE_CAPELLA"
  | "VALIDATOR_INDEX_OUT_OF_RANGE"
  | "WRONG_WITHDRAWAL_PUBKEY";

/** blob_sidecar_{subnet_id} and data_column_sidecar_{subnet_id} (blobSidecar.ts, dataColumnSidecar.ts, chain/da). */
export type SidecarGossipErrorCode =
  | "ALREADY_SEEN"
  | "INDEX_OUT_OF_RANGE"
  | "WRONG_FORK"
  | "WRONG_SUBNET"
  | "INVALID_SIDECAR"
  | "FUTURE_SLOT"
  | "WOULD_REVERT_FINALIZED"
  | "PROPOSER_INDEX_OUT_OF_RANGE"
  | "INVALID_PROPOSER_SIGNATURE"
  | "PARENT_UNKNOWN"
  | "PARENT_INVALID"
  | "NOT_LATER_THAN_PARENT"
  | "NOT_FINALIZED_DESCENDANT"
  | "INVALID_INCLUSION_PROOF"
  | "INVALID_KZG_PROOF"
  | "INCORRECT_PROPOSER"
  | "PROPOSER_UNKNOWN";

/** light_client_finality_update and light_client_optimistic_update (lightClient.ts). */
export type LightClientGossipErrorCode = "NOT_MATCHING_LOCAL" | "NOT_NEWER" | "TOO_EARLY" | "WRONG_FORK_DIGEST";

/** Verdicts the gossip handler itself gives (network/gossip/index.ts): before, around or instead of validation. */
export type GossipHandlerErrorCode =
  | "INVALID_PAYLOAD"
  | "INVALID_SSZ"
  | "INTERNAL_ERROR"
  | "RETRY_EXPIRED"
  | "QUEUE_FULL"
  | "NO_DATA_AVAILABILITY";

/** Every gossip error code. */
export type GossipErrorCode =
  | BlockGossipErrorCode
  | AttestationGossipErrorCode
  | AggregateAndProofGossipErrorCode
  | VoluntaryExitGossipErrorCode
  | ProposerSlashingGossipErrorCode
  | AttesterSlashingGossipErrorCode
  | SyncCommitteeGossipErrorCode
  | BlsToExecutionChangeGossipErrorCode
  | SidecarGossipErrorCode
  | LightClientGossipErrorCode
  | GossipHandlerErrorCode;

/** Thrown by gossip validators: IGNORE (drop, no penalty) or REJECT (drop, penalise the sender). */
export class GossipValidationError<C extends GossipErrorCode = GossipErrorCode> extends Error {
  readonly acceptance: "IGNORE" | "REJECT";
  readonly code: C;

  constructor(acceptance: "IGNORE" | "REJECT", code: C, message: string) {
    super(`${acceptance} ${code}: ${message}`);
    this.name = "GossipValidationError";
    this.acceptance = acceptance;
    this.code = code;
  }
}

/** Raises an IGNORE (drop, no penalty). */
export function ignore(code: GossipErrorCode, message: string): never {
  throw new GossipValidationError("IGNORE", code, message);
}

/** Raises a REJECT (drop and penalise the sender). */
export function reject(code: GossipErrorCode, message: string): never {
  throw new GossipValidationError("REJECT", code, message);
}

/**
 * `ignore` / `reject` narrowed to the codes of one topic: `const reject: GossipRaise<BlockGossipErrorCode> =
 * rejectAny;` (an explicitly typed const, so the compiler knows the call does not return).
 */
export type GossipRaise<C extends GossipErrorCode> = (code: C, message: string) => never;
