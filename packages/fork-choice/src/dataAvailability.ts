import type {ChainConfig} from "@ceibo/config";
import {
  type DataColumnSidecarLike,
  type Kzg,
  kzgVerifies,
  verifyDataColumnSidecar,
  verifyDataColumnSidecarKzgProofs,
} from "@ceibo/state-transition";

/** The KZG verifications data availability needs (of state-transition's one `Kzg` interface). */
export type KzgVerifier = Pick<Kzg, "verifyBlobKzgProofBatch" | "verifyCellKzgProofBatch">;

// verify_data_column_sidecar and verify_data_column_sidecar_kzg_proofs are state-transition's (util/sidecars.ts)

/**
 * deneb is_data_available: the blobs and proofs retrieved for the block (retrieve_blobs_and_proofs) must match its
 * blob_kzg_commitments (kzg.verify_blob_kzg_proof_batch, which rejects unequal list lengths).
 * Spec: `is_data_available` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/deneb/fork-choice.md#new-is_data_available
 */
export function isDataAvailableDeneb(
  kzg: KzgVerifier,
  blobKzgCommitments: Uint8Array[],
  blobs: Uint8Array[],
  proofs: Uint8Array[],
): boolean {
  if (blobs.length !== blobKzgCommitments.length || proofs.length !== blobKzgCommitments.length) return false;
  if (blobs.length === 0) return true;
  return kzgVerifies(() => kzg.verifyBlobKzgProofBatch(blobs, blobKzgCommitments, proofs));
}

/**
 * fulu is_data_available over the column sidecars retrieved for the block (retrieve_column_sidecars): each must
 * be well formed and its cells must verify. Failing to retrieve the sidecars is the caller's "not available".
 * Spec: `is_data_available` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/fulu/fork-choice.md#modified-is_data_available
 */
export function isDataAvailableFulu(
  config: ChainConfig,
  kzg: KzgVerifier,
  columnSidecars: DataColumnSidecarLike[],
): boolean {
  return columnSidecars.every((s) => verifyDataColumnSidecar(config, s) && verifyDataColumnSidecarKzgProofs(kzg, s));
}
