/**
 * Blob sidecars (deneb, electra): building them for a block (deneb/validator.md get_blob_sidecars), KZG verification
 * (deneb/polynomial-commitments.md verify_blob_kzg_proof and verify_blob_kzg_proof_batch) and the subnet of a sidecar
 * (compute_subnet_for_blob_sidecar, electra-modified). verify_blob_sidecar_inclusion_proof is state-transition's
 * (util/sidecars.ts).
 */
import type {BeaconConfig, ChainConfig} from "@ceibo/config";
import {ForkSeq} from "@ceibo/params";
import {type Kzg, kzgVerifies, type SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import type {BlobSidecar} from "../../db/index.ts";
import {blobKzgCommitmentsOf, computeBodyProofs, computeSignedBlockHeader} from "./merkle.ts";

export type {BlobSidecar};

/** deneb compute_subnet_for_blob_sidecar; electra (EIP-7691) uses BLOB_SIDECAR_SUBNET_COUNT_ELECTRA. */
export function computeSubnetForBlobSidecar(config: ChainConfig, fork: number, blobIndex: number): number {
  const count = fork >= ForkSeq.electra ? config.BLOB_SIDECAR_SUBNET_COUNT_ELECTRA : config.BLOB_SIDECAR_SUBNET_COUNT;
  return blobIndex % count;
}

/** The number of blob_sidecar_{subnet_id} subnets of a fork (0 outside deneb/electra: the topic is gone in fulu). */
export function blobSidecarSubnetCount(config: ChainConfig, fork: number): number {
  if (fork < ForkSeq.deneb || fork >= ForkSeq.fulu) return 0;
  return fork >= ForkSeq.electra ? config.BLOB_SIDECAR_SUBNET_COUNT_ELECTRA : config.BLOB_SIDECAR_SUBNET_COUNT;
}

/**
 * deneb/validator.md get_blob_sidecars: one sidecar per blob with the block's signed header and the merkle proof of
 * `blob_kzg_commitments[index]` in the body. `blobKzgProofs` are the blob proofs the engine returned (getPayloadV3/V4
 * blobs bundle) or that the validator client sent with the block.
 */
export function getBlobSidecars(
  config: BeaconConfig,
  signedBlock: SignedBeaconBlockAllForks,
  blobs: Uint8Array[],
  blobKzgProofs: Uint8Array[],
): BlobSidecar[] {
  const commitments = blobKzgCommitmentsOf(config.getForkSeq(signedBlock.message.slot), signedBlock.message);
  if (blobs.length !== commitments.length || blobKzgProofs.length !== commitments.length) {
    throw Error(
      `the block has ${commitments.length} blob commitments, got ${blobs.length} blobs and ${blobKzgProofs.length} proofs`,
    );
  }
  return getBlobSidecarsForIndices(
    config,
    signedBlock,
    blobs.map((blob, index) => ({index, blob, kzgProof: blobKzgProofs[index]})),
  );
}

/**
 * get_blob_sidecars for some of the block's blobs only (e.g. those engine_getBlobsV1 returned): each item names the
 * index of its commitment in the block.
 */
export function getBlobSidecarsForIndices(
  config: BeaconConfig,
  signedBlock: SignedBeaconBlockAllForks,
  items: {index: number; blob: Uint8Array; kzgProof: Uint8Array}[],
): BlobSidecar[] {
  const block = signedBlock.message;
  const fork = config.getForkSeq(block.slot);
  if (fork < ForkSeq.deneb || fork >= ForkSeq.fulu) {
    throw Error(
      `blob sidecars exist in deneb and electra only, slot ${block.slot} is ${config.getForkName(block.slot)}`,
    );
  }
  const commitments = blobKzgCommitmentsOf(fork, block);
  for (const {index} of items) {
    if (!Number.isSafeInteger(index) || index < 0 || index >= commitments.length) {
      throw Error(`blob index ${index} is not below the block's ${commitments.length} commitments`);
    }
  }
  const {bodyRoot, proofs} = computeBodyProofs(
    fork,
    block.body,
    items.map(({index}) => ["blobKzgCommitments", index]),
  );
  const signedBlockHeader = computeSignedBlockHeader(fork, signedBlock, bodyRoot);
  return items.map(({index, blob, kzgProof}, i) => ({
    index,
    blob,
    kzgCommitment: commitments[index],
    kzgProof,
    signedBlockHeader,
    kzgCommitmentInclusionProof: proofs[i],
  }));
}

/** verify_blob_kzg_proof of one sidecar (gossip). */
export function verifyBlobSidecarKzgProof(kzg: Kzg, sidecar: BlobSidecar): boolean {
  return kzgVerifies(() => kzg.verifyBlobKzgProof(sidecar.blob, sidecar.kzgCommitment, sidecar.kzgProof));
}

/** verify_blob_kzg_proof_batch over sidecars (req/resp responses, a block's whole set): true for none. */
export function verifyBlobSidecarsKzgProofBatch(kzg: Kzg, sidecars: BlobSidecar[]): boolean {
  if (sidecars.length === 0) return true;
  return kzgVerifies(() =>
    kzg.verifyBlobKzgProofBatch(
      sidecars.map((s) => s.blob),
      sidecars.map((s) => s.kzgCommitment),
      sidecars.map((s) => s.kzgProof),
    ),
  );
}

/** hash_tree_root of the sidecar's block header: the root of the block it belongs to. */
export function sidecarBlockRoot(sidecar: {signedBlockHeader: SignedBeaconBlockHeaderLike}): Uint8Array {
  return ssz.phase0.BeaconBlockHeader.hashTreeRoot(sidecar.signedBlockHeader.message);
}

type SignedBeaconBlockHeaderLike = {message: Parameters<typeof ssz.phase0.BeaconBlockHeader.hashTreeRoot>[0]};
