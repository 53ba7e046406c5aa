import {ForkSeq} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {AttestationAllForks, SignedBeaconBlockAllForks} from "../types.ts";
import {type AttesterSlashingLike, getAttesterSlashingSignatureSets} from "./attesterSlashing.ts";
import {getBlsToExecutionChangeSignatureSets, type SignedBLSToExecutionChange} from "./blsToExecutionChange.ts";
import {getAttestationsSignatureSets} from "./indexedAttestation.ts";
import {getBlockProposerSignatureSet} from "./proposer.ts";
import {getProposerSlashingSignatureSets} from "./proposerSlashing.ts";
import {getRandaoSignatureSet} from "./randao.ts";
import type {SignatureSet} from "./signatureSet.ts";
import {getSyncAggregateSignatureSet, type SyncAggregate} from "./syncAggregate.ts";
import {getVoluntaryExitSignatureSet} from "./voluntaryExit.ts";

export interface BlockSignatureSetsOpts {
  /** Leave out the proposer's block signature (e.g. already checked on gossip). */
  skipProposer?: boolean;
}

/**
 * Every signature set of a block that makes the block invalid when wrong: proposer (unless skipped), RANDAO,
 * proposer and attester slashings, attestations, voluntary exits, sync aggregate (altair+), BLS-to-execution
 * changes (capella+). Deposit signatures are not included: an invalid one does not invalidate the block.
 * `cs` must be at the block's slot (after process_slots), before the block is processed.
 */
export function getBlockSignatureSets(
  cs: CachedBeaconState,
  signedBlock: SignedBeaconBlockAllForks,
  opts: BlockSignatureSetsOpts = {},
): SignatureSet[] {
  const body = signedBlock.message.body;
  const sets: SignatureSet[] = [];
  if (!opts.skipProposer) sets.push(getBlockProposerSignatureSet(cs, signedBlock));
  sets.push(getRandaoSignatureSet(cs, body.randaoReveal));
  for (const proposerSlashing of body.proposerSlashings) {
    sets.push(...getProposerSlashingSignatureSets(cs, proposerSlashing));
  }
  for (const attesterSlashing of body.attesterSlashings as AttesterSlashingLike[]) {
    sets.push(...getAttesterSlashingSignatureSets(cs, attesterSlashing));
  }
  sets.push(...getAttestationsSignatureSets(cs, body.attestations as AttestationAllForks[]));
  for (const exit of body.voluntaryExits) sets.push(getVoluntaryExitSignatureSet(cs, exit));
  if (cs.fork >= ForkSeq.altair) {
    const set = getSyncAggregateSignatureSet(cs, (body as {syncAggregate: SyncAggregate}).syncAggregate);
    if (set !== null) sets.push(set);
  }
  if (cs.fork >= ForkSeq.capella) {
    const changes = (body as {blsToExecutionChanges: SignedBLSToExecutionChange[]}).blsToExecutionChanges;
    sets.push(...getBlsToExecutionChangeSignatureSets(cs, changes));
  }
  return sets;
}
