import {ForkSeq} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import type {ValueOf} from "@chainsafe/ssz";
import {getAttestingIndices} from "../block/attestingIndices.ts";
import {getAttestationParticipationFlagIndices} from "../block/processAttestation.ts";
import {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {getNextSyncCommittee} from "../epoch/processSyncCommitteeUpdates.ts";
import type {AttestationPhase0, BeaconStateAltair, BeaconStatePhase0} from "../types.ts";
import {copyUnchangedFields, setUpgradedFork} from "./upgradeCommon.ts";

type PendingAttestation = ValueOf<typeof ssz.phase0.PendingAttestation>;

/**
 * altair upgrade_to_altair
 * Spec: `upgrade_to_altair` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/fork.md#upgrading-the-state
 */
export function upgradeToAltair(cs: CachedBeaconState): BeaconStateAltair {
  const pre = cs.state as BeaconStatePhase0;
  const post = ssz.altair.BeaconState.defaultViewDU();
  copyUnchangedFields(ssz.phase0.BeaconState, pre, ssz.altair.BeaconState, post);
  setUpgradedFork(cs.config, pre, post, ForkSeq.altair);
  const validatorCount = pre.validators.length;
  post.previousEpochParticipation = ssz.altair.EpochParticipation.toViewDU(new Array<number>(validatorCount).fill(0));
  post.currentEpochParticipation = ssz.altair.EpochParticipation.toViewDU(new Array<number>(validatorCount).fill(0));
  post.inactivityScores = ssz.altair.InactivityScores.toViewDU(new Array<number>(validatorCount).fill(0));

  // The post state at the same slot: same validators and shufflings, so the pre state's epoch cache serves it
  const postCs = new CachedBeaconState<BeaconStateAltair>(post, cs.config, cs.epochCtx, ForkSeq.altair);
  // Fill in previous epoch participation from the pre state's pending attestations
  translateParticipation(postCs, pre.previousEpochAttestations.getAllReadonlyValues());

  // Fill in sync committees
  // Note: A duplicate committee is assigned for the current and next committee at the fork boundary
  const syncCommittee = getNextSyncCommittee(postCs);
  post.currentSyncCommittee = ssz.altair.SyncCommittee.toViewDU(syncCommittee);
  post.nextSyncCommittee = ssz.altair.SyncCommittee.toViewDU(syncCommittee);
  return post;
}

/**
 * altair translate_participation. `cs` wraps the altair post state with an epoch cache of its epoch (committees).
 * The flags are accumulated in a byte array and written to previous_epoch_participation once.
 * Spec: `translate_participation` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/fork.md#upgrading-the-state
 */
export function translateParticipation(
  cs: CachedBeaconState<BeaconStateAltair>,
  pendingAttestations: PendingAttestation[],
): void {
  if (pendingAttestations.length === 0) return;
  const epochParticipation = Uint8Array.from(cs.state.previousEpochParticipation.getAll());
  for (const attestation of pendingAttestations) {
    const data = attestation.data;
    // Translate attestation inclusion info to flag indices
    const flagIndices = getAttestationParticipationFlagIndices(cs, data, attestation.inclusionDelay);
    let flags = 0;
    for (const flagIndex of flagIndices) flags |= 1 << flagIndex;
    // Apply flags to all attesting validators (get_attesting_indices reads only data and aggregation_bits)
    for (const index of getAttestingIndices(cs, attestation as unknown as AttestationPhase0)) {
      epochParticipation[index] |= flags;
    }
  }
  cs.state.previousEpochParticipation = ssz.altair.EpochParticipation.toViewDU(Array.from(epochParticipation));
}
