/**
 * The one KZG interface (EIP-4844 blobs, EIP-7594 cells) every package codes against; c-kzg 4.1.0's module
 * satisfies it. The loader (native module + trusted setup) is beacon-node's execution/kzg.ts; fork choice's data
 * availability checks take the verifying subset (`Pick<Kzg, …>`).
 *
 * Spec functions: deneb/polynomial-commitments.md (blob_to_kzg_commitment, compute_blob_kzg_proof,
 * verify_blob_kzg_proof, verify_blob_kzg_proof_batch) and fulu/polynomial-commitments-sampling.md (compute_cells,
 * compute_cells_and_kzg_proofs, verify_cell_kzg_proof_batch, recover_cells_and_kzg_proofs) at consensus-specs
 * a08d8a6. Malformed input (a point that does not decompress, a non-canonical field element, unequal list lengths)
 * throws; a verification that throws is a negative verdict.
 */
export interface Kzg {
  blobToKzgCommitment(blob: Uint8Array): Uint8Array;
  computeBlobKzgProof(blob: Uint8Array, commitment: Uint8Array): Uint8Array;
  verifyBlobKzgProof(blob: Uint8Array, commitment: Uint8Array, proof: Uint8Array): boolean;
  verifyBlobKzgProofBatch(blobs: Uint8Array[], commitments: Uint8Array[], proofs: Uint8Array[]): boolean;
  /** The CELLS_PER_EXT_BLOB cells of the extended blob (no proofs: ~5 ms a blob). */
  computeCells(blob: Uint8Array): Uint8Array[];
  /** Cells and their KZG proofs (~0.6-0.9 s a blob). */
  computeCellsAndKzgProofs(blob: Uint8Array): [Uint8Array[], Uint8Array[]];
  verifyCellKzgProofBatch(
    commitments: Uint8Array[],
    cellIndices: number[],
    cells: Uint8Array[],
    proofs: Uint8Array[],
  ): boolean;
  /** All cells and proofs of an extended blob from at least half of its cells (~0.6 s a blob). */
  recoverCellsAndKzgProofs(cellIndices: number[], cells: Uint8Array[]): [Uint8Array[], Uint8Array[]];
}

/** The functions of `Kzg`, to check a loaded library against. */
export const KZG_FUNCTIONS: readonly (keyof Kzg)[] = [
  "blobToKzgCommitment",
  "computeBlobKzgProof",
  "verifyBlobKzgProof",
  "verifyBlobKzgProofBatch",
  "computeCells",
  "computeCellsAndKzgProofs",
  "verifyCellKzgProofBatch",
  "recoverCellsAndKzgProofs",
];

/**
 * A KZG verification's verdict. The library throws on malformed input (a commitment or proof that is not a valid
 * compressed G1 point, a non-canonical field element, mismatched list lengths); the spec's verification fails on
 * the same input, so a throw is a negative verdict.
 */
export function kzgVerifies(verify: () => boolean): boolean {
  try {
    return verify();
  } catch (e) {
    if (e instanceof Error) return false;
    throw e;
  }
}
