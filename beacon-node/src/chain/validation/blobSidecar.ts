/**
 * blob_sidecar_{subnet_id} gossip validation (deneb/p2p-interface.md validate_blob_sidecar_gossip; electra bounds
 * the index by MAX_BLOBS_PER_BLOCK_ELECTRA and uses BLOB_SIDECAR_SUBNET_COUNT_ELECTRA subnets). The topic is
 * deprecated in fulu. Rules, in the spec's order (IGNORE: drop; REJECT: drop and penalise):
 *   [REJECT] index < the fork's max blobs per block
 *   [REJECT] compute_subnet_for_blob_sidecar(index) == subnet_id
 *   [IGNORE] not from a future slot
 *   [IGNORE] slot > latest finalized slot
 *   [REJECT] proposer index is a valid validator index
 *   [REJECT] proposer signature of signed_block_header is valid
 *   [IGNORE] the block's parent has been seen
 *   [REJECT] the block's parent passes validation
 *   [REJECT] slot > parent's slot
 *   [REJECT] the finalized checkpoint is an ancestor of the block
 *   [REJECT] verify_blob_sidecar_inclusion_proof
 *   [REJECT] verify_blob_kzg_proof
 *   [IGNORE] first sidecar for (slot, proposer_index, index)
 *   [REJECT] proposed by the expected proposer (IGNORE when the shuffling cannot be computed)
 * and, before those, [REJECT] the sidecar's slot is in deneb or electra (not a spec rule: the type exists there only).
 */
import {ForkSeq} from "@ceibo/params";
import {computeEpochAtSlot, verifyBlobSidecarInclusionProof} from "@ceibo/state-transition";
import type {BlobSidecar} from "../../db/index.ts";
import type {DataAvailabilityTracker} from "../da/availability.ts";
import {computeSubnetForBlobSidecar, verifyBlobSidecarKzgProof} from "../da/blobSidecars.ts";
import {DaError} from "../da/errors.ts";
import {
  ignore,
  reject,
  type SidecarGossipChain,
  type SidecarHeaderCheckOpts,
  validateSidecarBlockHeader,
  validateSidecarProposer,
} from "../da/sidecarGossip.ts";

/**
 * Validates a BlobSidecar received on blob_sidecar_{subnet}. Throws GossipValidationError (network/types.ts) with
 * acceptance IGNORE or REJECT; returns normally for ACCEPT, after marking the sidecar in `da.seen` and handing it
 * to the tracker (verified). The header's proposer signature is verified through `chain.bls` (awaited: the Seen
 * rule is checked again after it); KZG and the inclusion proof run on this thread.
 * Spec: `validate_blob_sidecar_gossip` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/p2p-interface.md#modified-blob_sidecar_subnet_id
 */
export async function validateBlobSidecarGossip(
  chain: SidecarGossipChain,
  sidecar: BlobSidecar,
  subnet: number,
  da: DataAvailabilityTracker,
  opts: SidecarHeaderCheckOpts = {},
): Promise<void> {
  const header = sidecar.signedBlockHeader.message;
  const fork = chain.beaconConfig.getForkSeq(header.slot);
  if (fork < ForkSeq.deneb || fork >= ForkSeq.fulu) {
    reject("WRONG_FORK", `blob sidecars exist in deneb and electra only, not at slot ${header.slot}`);
  }

  const maxBlobs = chain.beaconConfig.getMaxBlobsPerBlock(computeEpochAtSlot(header.slot));
  if (sidecar.index >= maxBlobs) {
    reject("INDEX_OUT_OF_RANGE", `blob index ${sidecar.index} is not below ${maxBlobs}`);
  }
  const expectedSubnet = computeSubnetForBlobSidecar(chain.config, fork, sidecar.index);
  if (expectedSubnet !== subnet) {
    reject("WRONG_SUBNET", `blob sidecar ${sidecar.index} belongs on subnet ${expectedSubnet}, not ${subnet}`);
  }

  const parentRoot = await validateSidecarBlockHeader(chain, sidecar.signedBlockHeader, "blob sidecar", opts);

  if (!verifyBlobSidecarInclusionProof(sidecar, fork)) {
    reject("INVALID_INCLUSION_PROOF", "invalid blob sidecar inclusion proof");
  }
  if (!verifyBlobSidecarKzgProof(da.kzg, sidecar)) {
    reject("INVALID_KZG_PROOF", "invalid blob kzg proof");
  }
  if (da.seen.hasBlobSidecar(header.slot, header.proposerIndex, sidecar.index)) {
    ignore(
      "ALREADY_SEEN",
      `already seen a blob sidecar of proposer ${header.proposerIndex} for slot ${header.slot} index ${sidecar.index}`,
    );
  }
  validateSidecarProposer(chain, da.seen, sidecar.signedBlockHeader, parentRoot, "blob sidecar");

  try {
    da.addBlobSidecar(sidecar, {verified: true});
  } catch (e) {
    // cannot happen for a sidecar that passed the rules above (same header root: same body), kept as a REJECT
    if (e instanceof DaError) reject("INVALID_SIDECAR", e.message);
    throw e;
  }
  da.seen.addBlobSidecar(header.slot, header.proposerIndex, sidecar.index);
}
