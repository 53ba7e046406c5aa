/**
 * What was verified, said in the type (issue 16): objects that only gossip validation (chain/validation/) makes,
 * so the chain can skip the checks they record instead of doing them again.
 * - `GossipVerifiedBlock`: phase0 … fulu p2p-interface.md beacon_block passed — the block root is computed and the
 *   proposer signature verified (with the domain of the block's epoch). Block import (importBlock.ts) takes its root
 *   and leaves the proposer set out of its signature batch.
 * - `VerifiedAttestation`: beacon_attestation_{subnet_id} passed — committee membership on the target checkpoint's
 *   shuffling and the attester's signature verified. The chain (`onGossipAttestation`) adds it to the pool and
 *   counts the vote without checking the signature again.
 * The brand fields exist only in the type: a plain object literal elsewhere does not type-check as one of these.
 */
import type {RootHex} from "@ceibo/fork-choice";
import type {AttestationData, SignedBeaconBlockAllForks} from "@ceibo/state-transition";

declare const gossipVerifiedBlock: unique symbol;
declare const verifiedAttestation: unique symbol;

export interface GossipVerifiedBlock {
  readonly signedBlock: SignedBeaconBlockAllForks;
  /** hash_tree_root(block) */
  readonly blockRoot: Uint8Array;
  readonly blockRootHex: RootHex;
  readonly [gossipVerifiedBlock]: true;
}

export interface VerifiedAttestation {
  readonly data: AttestationData;
  readonly signature: Uint8Array;
  readonly committeeIndex: number;
  readonly attesterIndex: number;
  /** The attester's position in its committee, and the committee's size. */
  readonly committeePosition: number;
  readonly committeeSize: number;
  readonly [verifiedAttestation]: true;
}

/** Whether an import input is a gossip-verified block (not a plain signed block). */
export function isGossipVerifiedBlock(
  input: SignedBeaconBlockAllForks | GossipVerifiedBlock,
): input is GossipVerifiedBlock {
  return "signedBlock" in input && "blockRootHex" in input;
}
