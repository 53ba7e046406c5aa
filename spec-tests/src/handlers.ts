/** The handler names each runner knows (consensus-spec-tests layout at a08d8a6). Read by the registry and the runners. */
export const BLS_HANDLERS = [
  "sign",
  "verify",
  "aggregate",
  "fast_aggregate_verify",
  "aggregate_verify",
  "eth_aggregate_pubkeys",
  "eth_fast_aggregate_verify",
  "batch_verify",
] as const;

export const SSZ_GENERIC_HANDLERS = [
  "basic_vector",
  "bitlist",
  "bitvector",
  "boolean",
  "containers",
  "uints",
  "basic_progressive_list",
  "progressive_bitlist",
  "progressive_containers",
  "compatible_unions",
] as const;

export const KZG_HANDLERS = [
  // deneb (EIP-4844)
  "blob_to_kzg_commitment",
  "compute_kzg_proof",
  "verify_kzg_proof",
  "compute_blob_kzg_proof",
  "verify_blob_kzg_proof",
  "verify_blob_kzg_proof_batch",
  // fulu (EIP-7594)
  "compute_cells",
  "compute_cells_and_kzg_proofs",
  "verify_cell_kzg_proof_batch",
  "recover_cells_and_kzg_proofs",
  "compute_verify_cell_kzg_proof_batch_challenge",
] as const;

/** tests/formats/operations handlers up to fulu (spec-tests/src/runners/operations.ts implements each). */
export const OPERATIONS_HANDLERS = [
  "attestation",
  "attester_slashing",
  "block_header",
  "deposit",
  "proposer_slashing",
  "voluntary_exit",
  "sync_aggregate",
  "execution_payload",
  "withdrawals",
  "bls_to_execution_change",
  "deposit_request",
  "withdrawal_request",
  "consolidation_request",
] as const;

export const EPOCH_PROCESSING_HANDLERS = [
  "justification_and_finalization",
  "inactivity_updates",
  "rewards_and_penalties",
  "registry_updates",
  "slashings",
  "eth1_data_reset",
  "pending_deposits",
  "pending_consolidations",
  "effective_balance_updates",
  "slashings_reset",
  "randao_mixes_reset",
  "historical_roots_update",
  "historical_summaries_update",
  "participation_record_updates",
  "participation_flag_updates",
  "sync_committee_updates",
  "proposer_lookahead",
] as const;

/** fork_choice handlers at a08d8a6, phase0 … fulu (spec-tests/src/runners/forkChoice.ts runs each). */
export const FORK_CHOICE_HANDLERS = [
  "get_head",
  "on_block",
  "ex_ante",
  "reorg",
  "withholding",
  "get_proposer_head",
  "on_merge_block",
  "deposit_with_reorg",
] as const;
