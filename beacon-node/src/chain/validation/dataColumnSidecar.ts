/**
 * data_column_sidecar_{subnet_id} gossip validation (fulu/p2p-interface.md validate_data_column_sidecar_gossip).
 * Rules, in the spec's order (IGNORE: drop; REJECT: drop and penalise):
 *   [IGNORE] first sidecar for (slot, proposer_index, index)
 *   [REJECT] verify_data_column_sidecar
 *   [REJECT] compute_subnet_for_data_column_sidecar(index) == subnet_id
 *   [IGNORE] not from a future slot
 *   [IGNORE] slot > latest finalized slot
 *   [REJECT] proposer index is a valid validator index
 *   [REJECT] proposer signature of signed_block_header is valid
 *   [IGNORE] the block's parent has been seen
 *   [REJECT] the block's parent passes validation
 *   [REJECT] slot > parent's slot
 *   [REJECT] the finalized checkpoint is an ancestor of the block
 *   [REJECT] verify_data_column_sidecar_inclusion_proof
 *   [REJECT] verify_data_column_sidecar_kzg_proofs
 *   [REJECT] proposed by the expected proposer (IGNORE when the shuffling cannot be computed)
 * and, before those, [REJECT] the sidecar's slot is in fulu or later (not a spec rule: the type exists there only).
 */
import {ForkSeq} from "@ceibo/params";
import {
  verifyDataColumnSidecar,
  verifyDataColumnSidecarInclusionProof,
  verifyDataColumnSidecarKzgProofs,
} from "@ceibo/state-transition";
import type {DataColumnSidecar} from "../../db/index.ts";
import type {DataAvailabilityTracker} from "../da/availability.ts";
import {computeSubnetForDataColumnSidecar} from "../da/custody.ts";
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
 * Validates a DataColumnSidecar received on data_column_sidecar_{subnet}. Throws GossipValidationError
 * (network/types.ts) with acceptance IGNORE or REJECT; returns normally for ACCEPT, after marking the sidecar in
 * `da.seen` and handing it to the tracker (verified). The header's proposer signature is verified through
 * `chain.bls` (awaited: the Seen rule is checked again after it); KZG and the inclusion proof run on this thread.
 * Spec: `validate_data_column_sidecar_gossip` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/fulu/p2p-interface.md#new-data_column_sidecar_subnet_id
 */
export async function validateDataColumnSidecarGossip(
  chain: SidecarGossipChain,
  sidecar: DataColumnSidecar,
  subnet: number,
  da: DataAvailabilityTracker,
  opts: SidecarHeaderCheckOpts = {},
): Promise<void> {
  const header = sidecar.signedBlockHeader.message;
  const fork = chain.beaconConfig.getForkSeq(header.slot);
  if (fork < ForkSeq.fulu) {
    reject("WRONG_FORK", `data column sidecars exist from fulu on, not at slot ${header.slot}`);
  }

  if (da.seen.hasDataColumnSidecar(header.slot, header.proposerIndex, sidecar.index)) {
    ignore(
      "ALREADY_SEEN",
      `already seen a column sidecar of proposer ${header.proposerIndex} for slot ${header.slot} index ${sidecar.index}`,
    );
  }
  if (!verifyDataColumnSidecar(chain.config, sidecar)) {
    reject("INVALID_SIDECAR", `data column sidecar ${sidecar.index} is malformed`);
  }
  const expectedSubnet = computeSubnetForDataColumnSidecar(chain.config, sidecar.index);
  if (expectedSubnet !== subnet) {
    reject("WRONG_SUBNET", `data column sidecar ${sidecar.index} belongs on subnet ${expectedSubnet}, not ${subnet}`);
  }

  const parentRoot = await validateSidecarBlockHeader(chain, sidecar.signedBlockHeader, "sidecar", opts);

  if (!verifyDataColumnSidecarInclusionProof(sidecar, fork)) {
    reject("INVALID_INCLUSION_PROOF", "invalid sidecar inclusion proof");
  }
  if (!verifyDataColumnSidecarKzgProofs(da.kzg, sidecar)) {
    reject("INVALID_KZG_PROOF", "invalid sidecar kzg proofs");
  }
  validateSidecarProposer(chain, da.seen, sidecar.signedBlockHeader, parentRoot, "sidecar");
  // again after the signature await: a copy validated meanwhile was the first
  if (da.seen.hasDataColumnSidecar(header.slot, header.proposerIndex, sidecar.index)) {
    ignore("ALREADY_SEEN", `already seen a column sidecar of proposer ${header.proposerIndex} for slot ${header.slot}`);
  }

  try {
    da.addDataColumnSidecar(sidecar, {verified: true});
  } catch (e) {
    // cannot happen for a sidecar that passed the rules above (same header root: same body), kept as a REJECT
    if (e instanceof DaError) reject("INVALID_SIDECAR", e.message);
    throw e;
  }
  da.seen.addDataColumnSidecar(header.slot, header.proposerIndex, sidecar.index);
}
