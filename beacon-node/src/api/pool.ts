/**
 * Beacon API operation pool routes (beacon-APIs apis/beacon/pool/*.yaml).
 * - Attestations: electra SingleAttestation (phase0: single-bit Attestation) → chain.submitAttestation (target
 *   shuffling, committee membership, signature; then the attestation pool and the fork choice vote); failures are
 *   a 400 with one entry per failed item.
 * - Slashings, voluntary exits, BLS-to-execution changes: checked by running the state-transition operation
 *   (signatures off) on a copy of the head state (phase0/capella beacon-chain.md process_*) and their signatures
 *   on the BLS worker pool (poolVerify.ts), then kept in the API's pools (opPools.ts).
 * - Sync committee messages → chain.submitSyncCommitteeMessageAsync (signature through the BLS pool).
 */
import {
  ApiError,
  type Attestation,
  type AttesterSlashing,
  type BeaconApiBackend,
  type IndexedFailure,
  isPostElectra,
  type SingleAttestation,
} from "@ceibo/api";
import {toRootHex} from "@ceibo/fork-choice";
import {ForkSeq, MAX_COMMITTEES_PER_SLOT} from "@ceibo/params";
import {type AttestationData, computeEpochAtSlot} from "@ceibo/state-transition";
import {ChainError} from "../chain/index.ts";
import type {ApiContext} from "./context.ts";
import {
  validateAttesterSlashingOnHead,
  validateBlsToExecutionChangesOnHead,
  validateProposerSlashingOnHead,
  validateVoluntaryExitOnHead,
} from "./poolVerify.ts";

/** A phase0 Attestation with exactly one aggregation bit → the attester and its committee. */
function singleOf(ctx: ApiContext, att: Attestation): SingleAttestation {
  const bits = att.aggregationBits.getTrueBitIndexes();
  if (bits.length !== 1) throw new ChainError("INVALID_ATTESTATION", `expected 1 aggregation bit, got ${bits.length}`);
  const committee = committeeOf(ctx, att.data, att.data.index);
  const attesterIndex = committee[bits[0]];
  if (attesterIndex === undefined) throw new ChainError("INVALID_ATTESTATION", "aggregation bit outside the committee");
  return {committeeIndex: att.data.index, attesterIndex, data: att.data, signature: att.signature};
}

/** The committee of an attestation, from its target checkpoint's shuffling (as the chain checks it). */
export function committeeOf(ctx: ApiContext, data: AttestationData, committeeIndex: number): Uint32Array {
  const state = ctx.chain.forkChoice.getCheckpointState({epoch: data.target.epoch, root: toRootHex(data.target.root)});
  if (committeeIndex >= Math.min(MAX_COMMITTEES_PER_SLOT, state.epochCtx.getCommitteeCountPerSlot(data.target.epoch))) {
    throw new ChainError("INVALID_ATTESTATION", `committee index ${committeeIndex} out of range`);
  }
  return state.epochCtx.getBeaconCommittee(data.slot, committeeIndex);
}

export function poolHandlers(
  ctx: ApiContext,
): Pick<
  BeaconApiBackend,
  | "getPoolAttestationsV2"
  | "submitPoolAttestationsV2"
  | "getPoolAttesterSlashingsV2"
  | "submitPoolAttesterSlashingsV2"
  | "getPoolProposerSlashings"
  | "submitPoolProposerSlashings"
  | "submitPoolSyncCommitteeSignatures"
  | "getPoolVoluntaryExits"
  | "submitPoolVoluntaryExit"
  | "getPoolBLSToExecutionChanges"
  | "submitPoolBLSToExecutionChange"
> {
  const chain = ctx.chain;
  const headFork = () => chain.forkNameAtSlot(chain.head.slot);
  return {
    async getPoolAttestationsV2({slot, committeeIndex}) {
      const version = slot !== undefined ? chain.forkNameAtSlot(slot) : headFork();
      const data = ctx.attestations.list(isPostElectra(version), slot, committeeIndex) as Attestation[];
      return {data, version};
    },
    async submitPoolAttestationsV2({version, attestations}) {
      const failures: IndexedFailure[] = [];
      const electra = isPostElectra(version);
      // signatures through the chain's BLS worker pool, the submitted attestations sharing its batches
      await Promise.all(
        attestations.map(async (item, index) => {
          try {
            const single = electra ? (item as SingleAttestation) : singleOf(ctx, item as Attestation);
            if (chain.forkNameAtSlot(single.data.slot) !== version) {
              throw new ChainError("INVALID_ATTESTATION", `slot ${single.data.slot} is not in the ${version} fork`);
            }
            await chain.submitAttestationAsync(single);
            const committee = committeeOf(ctx, single.data, single.committeeIndex);
            const position = committee.indexOf(single.attesterIndex);
            ctx.attestations.add(single.data, single.committeeIndex, committee.length, position, single.signature);
            ctx.liveness.seen(single.data.target.epoch, single.attesterIndex);
            if (electra) ctx.emit({type: "single_attestation", message: single});
            else ctx.emit({type: "attestation", message: item as Attestation});
            ctx.network?.publishAttestation(item, single.committeeIndex);
          } catch (e) {
            if (e instanceof ChainError || e instanceof ApiError) failures.push({index, message: e.message});
            else throw e;
          }
        }),
      );
      failures.sort((a, b) => a.index - b.index);
      if (failures.length > 0) {
        throw ApiError.indexed(`${failures.length} of ${attestations.length} attestations failed validation`, failures);
      }
    },
    async getPoolAttesterSlashingsV2() {
      return {data: [...ctx.opPools.attesterSlashings.values()], version: headFork()};
    },
    async submitPoolAttesterSlashingsV2({attesterSlashing}) {
      await validateAttesterSlashingOnHead(ctx, attesterSlashing as never);
      const a = new Set(attesterSlashing.attestation1.attestingIndices);
      const key = attesterSlashing.attestation2.attestingIndices
        .filter((i) => a.has(i))
        .sort((x, y) => x - y)
        .join(",");
      ctx.opPools.attesterSlashings.set(key, attesterSlashing as AttesterSlashing);
      // kept for blocks, and fork choice's on_attester_slashing
      chain.onAttesterSlashing(
        attesterSlashing,
        key
          .split(",")
          .filter((k) => k !== "")
          .map(Number),
      );
      ctx.emit({type: "attester_slashing", message: attesterSlashing as never});
      ctx.network?.publishAttesterSlashing(attesterSlashing);
    },
    async getPoolProposerSlashings() {
      return {data: [...ctx.opPools.proposerSlashings.values()]};
    },
    async submitPoolProposerSlashings({proposerSlashing}) {
      await validateProposerSlashingOnHead(ctx, proposerSlashing);
      ctx.opPools.proposerSlashings.set(proposerSlashing.signedHeader1.message.proposerIndex, proposerSlashing);
      chain.addProposerSlashing(proposerSlashing);
      ctx.emit({type: "proposer_slashing", message: proposerSlashing});
      ctx.network?.publishProposerSlashing(proposerSlashing);
    },
    async submitPoolSyncCommitteeSignatures({signatures}) {
      const failures: IndexedFailure[] = [];
      // all verified together (batchable calls on the BLS worker pool), each accepted or refused on its own
      await Promise.all(
        signatures.map(async (msg, index) => {
          try {
            await chain.submitSyncCommitteeMessageAsync(msg);
            ctx.syncMessages.add(msg.slot, msg.beaconBlockRoot, msg.validatorIndex, msg.signature);
            ctx.liveness.seen(computeEpochAtSlot(msg.slot), msg.validatorIndex);
            ctx.network?.publishSyncCommitteeMessage(msg);
          } catch (e) {
            if (e instanceof ChainError) failures.push({index, message: e.message});
            else throw e;
          }
        }),
      );
      failures.sort((a, b) => a.index - b.index);
      if (failures.length > 0) {
        throw ApiError.indexed(
          `${failures.length} of ${signatures.length} sync committee messages failed validation`,
          failures,
        );
      }
    },
    async getPoolVoluntaryExits() {
      return {data: [...ctx.opPools.voluntaryExits.values()]};
    },
    async submitPoolVoluntaryExit({signedVoluntaryExit}) {
      await validateVoluntaryExitOnHead(ctx, signedVoluntaryExit);
      ctx.opPools.voluntaryExits.set(signedVoluntaryExit.message.validatorIndex, signedVoluntaryExit);
      chain.addVoluntaryExit(signedVoluntaryExit);
      ctx.emit({type: "voluntary_exit", message: signedVoluntaryExit});
      ctx.network?.publishVoluntaryExit(signedVoluntaryExit);
    },
    async getPoolBLSToExecutionChanges() {
      return {data: [...ctx.opPools.blsToExecutionChanges.values()]};
    },
    async submitPoolBLSToExecutionChange({changes}) {
      if (chain.getHeadState().fork < ForkSeq.capella) throw ApiError.badRequest("BLS changes exist from capella");
      const failures: IndexedFailure[] = [];
      // signatures of all the changes verified together on the BLS worker pool; then kept in submission order
      const reasons = await validateBlsToExecutionChangesOnHead(ctx, changes);
      changes.forEach((change, index) => {
        const reason = reasons[index];
        if (reason !== null) {
          failures.push({index, message: reason});
          return;
        }
        ctx.opPools.blsToExecutionChanges.set(change.message.validatorIndex, change);
        chain.addBlsToExecutionChange(change);
        ctx.emit({type: "bls_to_execution_change", message: change});
        ctx.network?.publishBlsToExecutionChange(change);
      });
      if (failures.length > 0) {
        throw ApiError.indexed(`${failures.length} of ${changes.length} BLS changes failed validation`, failures);
      }
    },
  };
}
