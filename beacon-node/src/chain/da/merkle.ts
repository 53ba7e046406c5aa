/**
 * Merkle helpers for sidecar inclusion proofs: the spec's compute_merkle_proof over @chainsafe/ssz trees, and
 * compute_signed_block_header.
 */
import {ForkSeq} from "@ceibo/params";
import {forkTypes, getBodyGeneralizedIndex, gindexDepth, type SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import type {ssz} from "@ceibo/types";
import type {ValueOf} from "@chainsafe/ssz";

export type SignedBeaconBlockHeader = ValueOf<typeof ssz.phase0.SignedBeaconBlockHeader>;

/** The tree node shape of @chainsafe/persistent-merkle-tree (what an ssz view's `node` is). */
interface TreeNode {
  readonly root: Uint8Array;
  readonly left: TreeNode;
  readonly right: TreeNode;
  isLeaf(): boolean;
}

interface BodyType {
  getPathInfo(path: (string | number)[]): {gindex: bigint};
  toView(value: unknown): {node: TreeNode};
  hashTreeRoot(value: unknown): Uint8Array;
}

/** The BeaconBlockBody SSZ type of a fork (deneb or later for the blob fields). */
export function beaconBlockBodyType(fork: number): BodyType {
  return forkTypes(fork).BeaconBlockBody as unknown as BodyType;
}

// get_generalized_index of a body path and floorlog2 live in state-transition (util/sidecars.ts), with the checks
export {getBodyGeneralizedIndex, gindexDepth};

/**
 * compute_merkle_proof(object, gindex): the sibling hashes from the leaf up to the root, as is_valid_merkle_branch
 * takes them. Walks the object's tree from the root following the gindex bits.
 */
export function computeMerkleProofFromNode(root: TreeNode, gindex: bigint): Uint8Array[] {
  const depth = gindexDepth(gindex);
  const siblings: Uint8Array[] = [];
  let node = root;
  for (let bit = depth - 1; bit >= 0; bit--) {
    if (node.isLeaf()) throw Error(`gindex ${gindex} goes below a leaf of the tree`);
    if ((gindex >> BigInt(bit)) & 1n) {
      siblings.push(node.left.root);
      node = node.right;
    } else {
      siblings.push(node.right.root);
      node = node.left;
    }
  }
  return siblings.reverse();
}

/**
 * A block body's root and the merkle proofs of some of its paths (one tree for all: the body is hashed once).
 * `paths` as get_generalized_index takes them, e.g. ["blobKzgCommitments", 3] or ["blobKzgCommitments"].
 */
export function computeBodyProofs(
  fork: number,
  body: unknown,
  paths: (string | number)[][],
): {bodyRoot: Uint8Array; proofs: Uint8Array[][]} {
  const type = beaconBlockBodyType(fork);
  const node = type.toView(body).node;
  return {
    bodyRoot: node.root,
    proofs: paths.map((path) => computeMerkleProofFromNode(node, type.getPathInfo(path).gindex)),
  };
}

/** compute_signed_block_header (deneb/validator.md), with the body root given when it is already known. */
export function computeSignedBlockHeader(
  fork: number,
  signedBlock: SignedBeaconBlockAllForks,
  bodyRoot?: Uint8Array,
): SignedBeaconBlockHeader {
  const block = signedBlock.message;
  return {
    message: {
      slot: block.slot,
      proposerIndex: block.proposerIndex,
      parentRoot: block.parentRoot,
      stateRoot: block.stateRoot,
      bodyRoot: bodyRoot ?? beaconBlockBodyType(fork).hashTreeRoot(block.body),
    },
    signature: signedBlock.signature,
  };
}

/** Blob commitments of a block of a fork from deneb on (empty before deneb). */
export function blobKzgCommitmentsOf(fork: number, block: SignedBeaconBlockAllForks["message"]): Uint8Array[] {
  if (fork < ForkSeq.deneb) return [];
  return (block.body as unknown as {blobKzgCommitments?: Uint8Array[]}).blobKzgCommitments ?? [];
}
