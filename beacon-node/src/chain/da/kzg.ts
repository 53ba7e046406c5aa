/**
 * The KZG functions data availability uses (c-kzg 4.1.0, EIP-4844 blobs and EIP-7594 cells), loaded through the
 * execution module's lazy loader (execution/kzg.ts: native module + trusted setup, ~3-5 s, once per process).
 *
 * Specs: deneb/polynomial-commitments.md (blob_to_kzg_commitment, compute_blob_kzg_proof, verify_blob_kzg_proof,
 * verify_blob_kzg_proof_batch), fulu/polynomial-commitments-sampling.md (compute_cells, compute_cells_and_kzg_proofs,
 * verify_cell_kzg_proof_batch, recover_cells_and_kzg_proofs).
 */
import {KZG_FUNCTIONS, type Kzg} from "@ceibo/state-transition";
import {loadKzg} from "../../execution/kzg.ts";

/**
 * c-kzg with a trusted setup loaded (the first caller's setup file wins for the whole process; default: the
 * mainnet setup bundled with c-kzg, which is the consensus-specs trusted_setup_4096.json).
 */
export function getKzg(trustedSetupFile?: string): Kzg {
  const lib = loadKzg(trustedSetupFile) as unknown as Partial<Kzg>;
  for (const name of KZG_FUNCTIONS) {
    if (typeof lib[name] !== "function") throw Error(`the KZG library has no ${name}()`);
  }
  return lib as Kzg;
}
