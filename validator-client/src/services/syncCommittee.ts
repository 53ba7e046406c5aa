import type {BeaconApiClient, SyncDuty} from "@ceibo/api";
import {
  EPOCHS_PER_SYNC_COMMITTEE_PERIOD,
  ForkSeq,
  SLOTS_PER_EPOCH,
  SYNC_COMMITTEE_SIZE,
  SYNC_COMMITTEE_SUBNET_COUNT,
} from "@ceibo/params";
import {isSyncCommitteeAggregator} from "@ceibo/state-transition";
import type {ssz} from "@ceibo/types";
import type {Logger} from "@ceibo/utils";
import type {ValueOf} from "@chainsafe/ssz";
import type {Signer} from "../signer/index.ts";
import type {IndexTracker} from "./indices.ts";

const SUBCOMMITTEE_SIZE = SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT;

const periodOf = (epoch: number): number => Math.floor(epoch / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);

/**
 * altair validator.md "Sync committees": duties per sync-committee period (current and next, with subnet
 * subscriptions), a SyncCommitteeMessage over the head block root at SYNC_MESSAGE_DUE_BPS, and at
 * CONTRIBUTION_DUE_BPS a SignedContributionAndProof for each subcommittee where the selection proof makes the
 * validator an aggregator.
 */
export class SyncCommitteeService {
  private readonly duties = new Map<number, SyncDuty[]>();
  private readonly api: BeaconApiClient;
  private readonly signer: Signer;
  private readonly indices: IndexTracker;
  private readonly log: Logger;
  /** --distributed: selection proofs are partial; the combined ones come from sync_committee_selections. */
  private readonly distributed: boolean;

  constructor(deps: {api: BeaconApiClient; signer: Signer; indices: IndexTracker; log: Logger; distributed?: boolean}) {
    this.api = deps.api;
    this.signer = deps.signer;
    this.indices = deps.indices;
    this.log = deps.log;
    this.distributed = deps.distributed ?? false;
  }

  /**
   * Fetches duties for the period of `epoch` (the clock's) and the next one (when their fork has sync
   * committees). A node whose head is still in the previous period (the first slots of a period, a late block)
   * may not answer for the next period yet: that request is retried at the next epoch, quietly; only the current
   * period's failure is an error.
   */
  async poll(epoch: number): Promise<void> {
    const indices = this.indices.indices();
    if (indices.length === 0) return;
    for (const period of [periodOf(epoch), periodOf(epoch) + 1]) {
      if (this.duties.has(period)) continue;
      const first = Math.max(epoch, period * EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
      if (this.signer.config.getForkInfoAtEpoch(first).seq < ForkSeq.altair) continue;
      let res: Awaited<ReturnType<BeaconApiClient["getSyncCommitteeDuties"]>>;
      try {
        res = await this.api.getSyncCommitteeDuties({epoch: first, indices});
      } catch (e) {
        if (period === periodOf(epoch)) throw e;
        this.log.debug("Next sync committee period's duties not available yet; asking again next epoch", {
          period,
          epoch: first,
          error: e,
        });
        continue;
      }
      const ours = res.data.filter((d) => this.indices.get(d.pubkey) !== undefined);
      this.duties.set(period, ours);
      if (ours.length > 0) {
        this.log.info("Sync committee duties", {period, validators: ours.length});
        await this.api.prepareSyncCommitteeSubnets({
          subscriptions: ours.map((d) => ({
            validatorIndex: d.validatorIndex,
            syncCommitteeIndices: d.validatorSyncCommitteeIndices,
            untilEpoch: (period + 1) * EPOCHS_PER_SYNC_COMMITTEE_PERIOD,
          })),
        });
      }
    }
    for (const p of [...this.duties.keys()]) if (p < periodOf(epoch)) this.duties.delete(p);
  }

  /**
   * Who signs at `slot`: the committee of `slot + 1`'s period (altair validator.md "Prepare sync committee
   * message": the member assigned to `slot + 1` signs the head of `slot`, which that block's sync aggregate
   * carries). So at a period's last slot the next period's committee signs.
   */
  dutiesAt(slot: number): SyncDuty[] {
    return this.duties.get(periodOf(Math.floor((slot + 1) / SLOTS_PER_EPOCH))) ?? [];
  }

  /** Signs and submits one SyncCommitteeMessage per duty over the node's head root; returns that root. */
  async produceMessages(slot: number, duties: SyncDuty[]): Promise<Uint8Array | undefined> {
    if (duties.length === 0) return undefined;
    const {data} = await this.api.getBlockRoot({blockId: "head"});
    const beaconBlockRoot = data.root;
    // signed concurrently: with a remote signer each signature is a round trip
    const messages: ValueOf<typeof ssz.altair.SyncCommitteeMessage>[] = await Promise.all(
      duties.map(async (d) => ({
        slot,
        beaconBlockRoot,
        validatorIndex: d.validatorIndex,
        signature: await this.signer.signSyncCommitteeMessage(d.pubkey, slot, beaconBlockRoot),
      })),
    );
    await this.api.submitPoolSyncCommitteeSignatures({signatures: messages});
    this.log.info("Sync committee messages", {slot, count: messages.length});
    return beaconBlockRoot;
  }

  /**
   * For each (duty, subcommittee) whose selection proof selects an aggregator: the node's contribution for the
   * subcommittee (fetched once per subcommittee) → ContributionAndProof → sign → publish all at once.
   */
  async produceContributions(slot: number, duties: SyncDuty[], beaconBlockRoot: Uint8Array): Promise<void> {
    const jobs: {duty: SyncDuty; subcommitteeIndex: number}[] = [];
    for (const duty of duties) {
      const subcommittees = new Set(duty.validatorSyncCommitteeIndices.map((i) => Math.floor(i / SUBCOMMITTEE_SIZE)));
      for (const subcommitteeIndex of subcommittees) jobs.push({duty, subcommitteeIndex});
    }
    // selection proofs signed concurrently (a remote signer makes each a round trip)
    const signatures = await Promise.all(
      jobs.map(({duty, subcommitteeIndex}) => this.signer.signSyncSelectionProof(duty.pubkey, slot, subcommitteeIndex)),
    );
    const proofs = jobs.map((j, i) => ({...j, selectionProof: signatures[i]}));
    const combined = this.distributed ? await this.combineSelectionProofs(slot, proofs) : proofs;
    const selected = combined.filter((p) => isSyncCommitteeAggregator(p.selectionProof));
    if (selected.length === 0) return;
    const contributions = new Map<number, Promise<ValueOf<typeof ssz.altair.SyncCommitteeContribution> | undefined>>();
    for (const {subcommitteeIndex} of selected) {
      if (contributions.has(subcommitteeIndex)) continue;
      contributions.set(
        subcommitteeIndex,
        this.api
          .produceSyncCommitteeContribution({slot, subcommitteeIndex, beaconBlockRoot})
          .then((r) => r.data)
          .catch((e) => {
            this.log.warn("No sync committee contribution", {slot, subcommitteeIndex, error: e});
            return undefined;
          }),
      );
    }
    const signed = await Promise.all(
      selected.map(async ({duty, subcommitteeIndex, selectionProof}) => {
        const contribution = await contributions.get(subcommitteeIndex);
        if (contribution === undefined) return undefined;
        const message = {aggregatorIndex: duty.validatorIndex, contribution, selectionProof};
        return {message, signature: await this.signer.signContributionAndProof(duty.pubkey, message)};
      }),
    );
    const out = signed.filter((x): x is ValueOf<typeof ssz.altair.SignedContributionAndProof> => x !== undefined);
    if (out.length === 0) return;
    await this.api.publishContributionAndProofs({contributionAndProofs: out});
    this.log.info("Sync committee contributions", {slot, count: out.length});
  }

  /**
   * Distributed validator (beacon-APIs sync_committee_selections): the partial sync selection proofs of this slot
   * exchanged for the cluster's combined proofs. Items the answer leaves out (or all, when the call fails) do not
   * aggregate.
   */
  private async combineSelectionProofs<
    T extends {duty: SyncDuty; subcommitteeIndex: number; selectionProof: Uint8Array},
  >(slot: number, proofs: T[]): Promise<T[]> {
    if (proofs.length === 0) return [];
    const key = (validatorIndex: number, subcommitteeIndex: number): string => `${validatorIndex}:${subcommitteeIndex}`;
    try {
      const res = await this.api.submitSyncCommitteeSelections({
        selections: proofs.map((p) => ({
          validatorIndex: p.duty.validatorIndex,
          slot,
          subcommitteeIndex: p.subcommitteeIndex,
          selectionProof: p.selectionProof,
        })),
      });
      const combined = new Map(
        res.data
          .filter((s) => s.slot === slot)
          .map((s) => [key(s.validatorIndex, s.subcommitteeIndex), s.selectionProof]),
      );
      const out: T[] = [];
      for (const p of proofs) {
        const proof = combined.get(key(p.duty.validatorIndex, p.subcommitteeIndex));
        if (proof !== undefined) out.push({...p, selectionProof: proof});
      }
      return out;
    } catch (e) {
      this.log.warn("No combined sync selection proofs: not aggregating this slot", {slot, error: e});
      return [];
    }
  }
}
