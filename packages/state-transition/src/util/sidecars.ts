/**
 * The sidecar checks of the p2p spec, written once: every caller (gossip validation, data availability, req/resp
 * responses, range sync and backfill, fork choice's is_data_available) uses these. The KZG verification takes the
 * one `Kzg` interface (util/kzg.ts); the inclusion proofs are checked against the fork's BeaconBlockBody type.
 */
import type {ChainConfig} from "@ceibo/config";
import {
  KZG_COMMITMENT_INCLUSION_PROOF_DEPTH,
  KZG_COMMITMENTS_INCLUSION_PROOF_DEPTH,
  MAX_BLOB_COMMITMENTS_PER_BLOCK,
  NUMBER_OF_COLUMNS,
} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {getBlobParameters} from "../block/processExecutionPayload.ts";
import {getSubtreeIndex} from "../lightClient/syncProtocol.ts";
import {computeEpochAtSlot} from "./epoch.ts";
import {forkTypes} from "./forkTypes.ts";
import {type Kzg, kzgVerifies} from "./kzg.ts";
import {isValidMerkleBranch} from "./merkle.ts";

/** The fields of a DataColumnSidecar (fulu) that verify_data_column_sidecar and its KZG check read. */
export interface DataColumnSidecarLike {
  index: number;
  column: Uint8Array[];
  kzgCommitments: Uint8Array[];
  kzgProofs: Uint8Array[];
  signedBlockHeader: {message: {slot: number}};
}

/** The fields of a DataColumnSidecar (fulu) that verify_data_column_sidecar_inclusion_proof reads. */
export interface DataColumnSidecarInclusionLike {
  kzgCommitments: Uint8Array[];
  kzgCommitmentsInclusionProof: Uint8Array[];
  signedBlockHeader: {message: {bodyRoot: Uint8Array}};
}

/** The fields of a BlobSidecar (deneb, electra) that verify_blob_sidecar_inclusion_proof reads. */
export interface BlobSidecarInclusionLike {
  index: number;
  kzgCommitment: Uint8Array;
  kzgCommitmentInclusionProof: Uint8Array[];
  signedBlockHeader: {message: {bodyRoot: Uint8Array}};
}

/** floorlog2(generalized_index): the depth of the node (ssz/merkle-proofs.md), exact on bigint. */
export function gindexDepth(gindex: bigint): number {
  return gindex.toString(2).length - 1;
}

/** ssz/merkle-proofs.md get_generalized_index(BeaconBlockBody, ...path) for a fork's body type. */
export function getBodyGeneralizedIndex(fork: number, path: (string | number)[]): bigint {
  const type = forkTypes(fork).BeaconBlockBody as unknown as {getPathInfo(p: (string | number)[]): {gindex: bigint}};
  return type.getPathInfo(path).gindex;
}

/**
 * fulu verify_data_column_sidecar: index below NUMBER_OF_COLUMNS, at least one and at most
 * get_blob_parameters(epoch).max_blobs_per_block commitments, as many cells and proofs as commitments.
 * Spec: `verify_data_column_sidecar` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/fulu/p2p-interface.md#new-verify_data_column_sidecar
 */
export function verifyDataColumnSidecar(config: ChainConfig, sidecar: DataColumnSidecarLike): boolean {
  // uint64 index: a decoded sidecar's is a whole number; the integer check guards values built in code
  if (!Number.isSafeInteger(sidecar.index) || sidecar.index < 0 || sidecar.index >= NUMBER_OF_COLUMNS) return false;
  if (sidecar.kzgCommitments.length === 0) return false;
  const epoch = computeEpochAtSlot(sidecar.signedBlockHeader.message.slot);
  if (sidecar.kzgCommitments.length > getBlobParameters(config, epoch).maxBlobsPerBlock) return false;
  if (sidecar.column.length !== sidecar.kzgCommitments.length) return false;
  if (sidecar.column.length !== sidecar.kzgProofs.length) return false;
  return true;
}

/**
 * fulu verify_data_column_sidecar_kzg_proofs: every cell of the column against its commitment and proof, one
 * verify_cell_kzg_proof_batch. Unequal list lengths are a negative verdict (verify_data_column_sidecar rejects them
 * first; the library would throw).
 * Spec: `verify_data_column_sidecar_kzg_proofs` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/fulu/p2p-interface.md#new-verify_data_column_sidecar_kzg_proofs
 */
export function verifyDataColumnSidecarKzgProofs(
  kzg: Pick<Kzg, "verifyCellKzgProofBatch">,
  sidecar: DataColumnSidecarLike,
): boolean {
  return verifyDataColumnSidecarsKzgProofsBatch(kzg, [sidecar]);
}

/**
 * verify_data_column_sidecar_kzg_proofs of many sidecars as ONE verify_cell_kzg_proof_batch over all their cells:
 * true iff every sidecar's proofs verify (a req/resp response, a block's columns). True for none.
 */
export function verifyDataColumnSidecarsKzgProofsBatch(
  kzg: Pick<Kzg, "verifyCellKzgProofBatch">,
  sidecars: DataColumnSidecarLike[],
): boolean {
  const commitments: Uint8Array[] = [];
  const cellIndices: number[] = [];
  const cells: Uint8Array[] = [];
  const proofs: Uint8Array[] = [];
  for (const s of sidecars) {
    if (s.column.length !== s.kzgCommitments.length || s.column.length !== s.kzgProofs.length) return false;
    for (let i = 0; i < s.column.length; i++) {
      commitments.push(s.kzgCommitments[i]);
      cellIndices.push(s.index);
      cells.push(s.column[i]);
      proofs.push(s.kzgProofs[i]);
    }
  }
  if (cells.length === 0) return true;
  return kzgVerifies(() => kzg.verifyCellKzgProofBatch(commitments, cellIndices, cells, proofs));
}

const columnCommitmentsSubtreeIndex = new Map<number, number>();

/**
 * fulu verify_data_column_sidecar_inclusion_proof: hash_tree_root(kzg_commitments) is the body's
 * `blob_kzg_commitments` field under the header's body root. `fork` is the fork of the sidecar's slot (its
 * BeaconBlockBody type).
 * Spec: `verify_data_column_sidecar_inclusion_proof` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/fulu/p2p-interface.md#new-verify_data_column_sidecar_inclusion_proof
 */
export function verifyDataColumnSidecarInclusionProof(sidecar: DataColumnSidecarInclusionLike, fork: number): boolean {
  let index = columnCommitmentsSubtreeIndex.get(fork);
  if (index === undefined) {
    index = getSubtreeIndex(Number(getBodyGeneralizedIndex(fork, ["blobKzgCommitments"])));
    columnCommitmentsSubtreeIndex.set(fork, index);
  }
  return isValidMerkleBranch(
    ssz.deneb.BlobKzgCommitments.hashTreeRoot(sidecar.kzgCommitments),
    sidecar.kzgCommitmentsInclusionProof,
    KZG_COMMITMENTS_INCLUSION_PROOF_DEPTH,
    index,
    sidecar.signedBlockHeader.message.bodyRoot,
  );
}

const blobCommitmentSubtreeIndex = new Map<string, number>();

/**
 * deneb verify_blob_sidecar_inclusion_proof: `kzg_commitment` is `blob_kzg_commitments[index]` of the body whose
 * root the signed header carries. `fork` is the fork of the sidecar's slot (its BeaconBlockBody type). An index at
 * or above MAX_BLOB_COMMITMENTS_PER_BLOCK has no place in the body: false.
 * Spec: `verify_blob_sidecar_inclusion_proof` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/deneb/p2p-interface.md#new-verify_blob_sidecar_inclusion_proof
 */
export function verifyBlobSidecarInclusionProof(sidecar: BlobSidecarInclusionLike, fork: number): boolean {
  const i = sidecar.index;
  if (!Number.isSafeInteger(i) || i < 0 || i >= MAX_BLOB_COMMITMENTS_PER_BLOCK) return false;
  const key = `${fork}/${i}`;
  let index = blobCommitmentSubtreeIndex.get(key);
  if (index === undefined) {
    index = getSubtreeIndex(Number(getBodyGeneralizedIndex(fork, ["blobKzgCommitments", i])));
    blobCommitmentSubtreeIndex.set(key, index);
  }
  return isValidMerkleBranch(
    ssz.deneb.KZGCommitment.hashTreeRoot(sidecar.kzgCommitment),
    sidecar.kzgCommitmentInclusionProof,
    KZG_COMMITMENT_INCLUSION_PROOF_DEPTH,
    index,
    sidecar.signedBlockHeader.message.bodyRoot,
  );
}
