import type {ChainConfig} from "@ceibo/config";
import {NUMBER_OF_COLUMNS} from "@ceibo/params";
import {computeEpochAtSlot, getBlobParameters, type Kzg} from "@ceibo/state-transition";

/** The KZG verifications data availability needs (of state-transition's one `Kzg` interface). */
export type KzgVerifier = Pick<Kzg, "verifyBlobKzgProofBatch" | "verifyCellKzgProofBatch">;

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

/** The fields of a DataColumnSidecar that availability checks read. */
export interface DataColumnSidecarLike {
  index: number;
  column: Uint8Array[];
  kzgCommitments: Uint8Array[];
  kzgProofs: Uint8Array[];
  signedBlockHeader: {message: {slot: number}};
}

/**
 * fulu verify_data_column_sidecar (p2p-interface.md): index range, blob count limits, matching list lengths
 * Spec: `verify_data_column_sidecar` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/fulu/p2p-interface.md#new-verify_data_column_sidecar
 */
export function verifyDataColumnSidecar(config: ChainConfig, sidecar: DataColumnSidecarLike): boolean {
  if (sidecar.index >= NUMBER_OF_COLUMNS) return false;
  if (sidecar.kzgCommitments.length === 0) return false;
  const epoch = computeEpochAtSlot(sidecar.signedBlockHeader.message.slot);
  if (sidecar.kzgCommitments.length > getBlobParameters(config, epoch).maxBlobsPerBlock) return false;
  if (sidecar.column.length !== sidecar.kzgCommitments.length) return false;
  if (sidecar.column.length !== sidecar.kzgProofs.length) return false;
  return true;
}

/**
 * fulu verify_data_column_sidecar_kzg_proofs: every cell of the column against its commitment and proof
 * Spec: `verify_data_column_sidecar_kzg_proofs` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/fulu/p2p-interface.md#new-verify_data_column_sidecar_kzg_proofs
 */
export function verifyDataColumnSidecarKzgProofs(kzg: KzgVerifier, sidecar: DataColumnSidecarLike): boolean {
  const cellIndices = new Array<number>(sidecar.column.length).fill(sidecar.index);
  return kzgVerifies(() =>
    kzg.verifyCellKzgProofBatch(sidecar.kzgCommitments, cellIndices, sidecar.column, sidecar.kzgProofs),
  );
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

/**
 * A KZG verification's verdict. The library throws on malformed input (a commitment or proof that is not a valid
 * compressed G1 point, a blob with a non-canonical field element); the spec's verification fails on the same
 * input, so a throw is a negative verdict.
 */
function kzgVerifies(verify: () => boolean): boolean {
  try {
    return verify();
  } catch (e) {
    if (e instanceof Error) return false;
    throw e;
  }
}
