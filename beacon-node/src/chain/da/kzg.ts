/**
 * The KZG functions data availability uses (c-kzg 4.1.0, EIP-4844 blobs and EIP-7594 cells), loaded through the
 * execution module's lazy loader (execution/kzg.ts: native module + trusted setup, ~3-5 s, once per process).
 *
 * Specs: deneb/polynomial-commitments.md (blob_to_kzg_commitment, compute_blob_kzg_proof, verify_blob_kzg_proof,
 * verify_blob_kzg_proof_batch), fulu/polynomial-commitments-sampling.md (compute_cells, compute_cells_and_kzg_proofs,
 * verify_cell_kzg_proof_batch, recover_cells_and_kzg_proofs).
 */
import {loadKzg} from "../../execution/kzg.ts";

/** c-kzg's API as data availability calls it (the library module itself satisfies it). */
export interface DaKzg {
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

const REQUIRED: (keyof DaKzg)[] = [
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
 * c-kzg with a trusted setup loaded (the first caller's setup file wins for the whole process; default: the
 * mainnet setup bundled with c-kzg, which is the consensus-specs trusted_setup_4096.json).
 */
export function getKzg(trustedSetupFile?: string): DaKzg {
  const lib = loadKzg(trustedSetupFile) as unknown as Partial<DaKzg>;
  for (const name of REQUIRED) {
    if (typeof lib[name] !== "function") throw Error(`the KZG library has no ${name}()`);
  }
  return lib as DaKzg;
}

/**
 * A KZG verification's verdict. c-kzg throws on malformed input (a commitment or proof that is not a valid
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
