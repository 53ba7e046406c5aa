import type {AttesterDuty, BeaconApiClient, ProposerDuty} from "@ceibo/api";
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import {isAggregator} from "@ceibo/state-transition";
import type {Logger} from "@ceibo/utils";
import {toHex} from "@ceibo/utils";
import type {Signer} from "../signer/index.ts";
import type {IndexTracker} from "./indices.ts";

export interface AttesterDutyWithProof extends AttesterDuty {
  selectionProof: Uint8Array;
  isAggregator: boolean;
}

/**
 * Attester and proposer duties for the current and next epoch. Attester duties carry each slot's selection
 * proof and aggregator flag (computed when fetched) and are re-fetched when the dependent root changes (head
 * events) — phase0 validator.md "Lookahead".
 */
export class DutiesService {
  private readonly attester = new Map<number, {dependentRoot: string; duties: AttesterDutyWithProof[]}>();
  private readonly proposer = new Map<number, {dependentRoot: string; duties: ProposerDuty[]}>();
  private readonly api: BeaconApiClient;
  private readonly signer: Signer;
  private readonly indices: IndexTracker;
  private readonly log: Logger;
  /** --distributed: selection proofs are partial; the combined ones come from beacon_committee_selections. */
  private readonly distributed: boolean;

  constructor(deps: {api: BeaconApiClient; signer: Signer; indices: IndexTracker; log: Logger; distributed?: boolean}) {
    this.api = deps.api;
    this.signer = deps.signer;
    this.indices = deps.indices;
    this.log = deps.log;
    this.distributed = deps.distributed ?? false;
  }

  async pollAttester(epoch: number): Promise<void> {
    const indices = this.indices.indices();
    if (indices.length === 0) return;
    const res = await this.api.getAttesterDuties({epoch, indices});
    let proofError: unknown;
    // selection proofs signed concurrently (a remote signer makes each a round trip)
    const duties: AttesterDutyWithProof[] = await Promise.all(
      res.data
        .filter((d) => this.indices.get(d.pubkey) !== undefined) // not ours: ignore what the node added
        .map(async (d) => {
          try {
            const selectionProof = await this.signer.signSelectionProof(d.pubkey, d.slot);
            return {...d, selectionProof, isAggregator: isAggregator(d.committeeLength, selectionProof)};
          } catch (e) {
            // e.g. a remote signer that is down: keep the duty (attesting needs no selection proof), do not
            // aggregate, and fail the poll below so that it is retried (and the proofs made) at the next slot
            proofError ??= e;
            return {...d, selectionProof: new Uint8Array(96), isAggregator: false};
          }
        }),
    );
    if (this.distributed && duties.length > 0 && proofError === undefined) {
      await this.combineSelectionProofs(epoch, duties);
    }
    const dependentRoot = toHex(res.dependentRoot);
    const prev = this.attester.get(epoch);
    if (prev !== undefined && prev.dependentRoot !== dependentRoot) {
      this.log.info("Attester duties re-organised", {epoch, dependentRoot});
    }
    this.attester.set(epoch, {dependentRoot, duties});
    if (duties.length > 0) {
      await this.api.prepareBeaconCommitteeSubnet({
        subscriptions: duties.map((d) => ({
          validatorIndex: d.validatorIndex,
          committeeIndex: d.committeeIndex,
          committeesAtSlot: d.committeesAtSlot,
          slot: d.slot,
          isAggregator: d.isAggregator,
        })),
      });
    }
    if (proofError !== undefined) {
      throw Error(
        `no selection proofs for epoch ${epoch} (not aggregating until they are made): ${(proofError as Error).message}`,
      );
    }
  }

  /**
   * Distributed validator (beacon-APIs beacon_committee_selections, called for the current and next epoch's
   * duties): the partial selection proofs signed here are exchanged for the cluster's combined proofs, which
   * decide is_aggregator and go into the AggregateAndProofs. Without an answer no duty aggregates (a partial proof
   * says nothing about the cluster's selection).
   */
  private async combineSelectionProofs(epoch: number, duties: AttesterDutyWithProof[]): Promise<void> {
    const key = (validatorIndex: number, slot: number): string => `${validatorIndex}:${slot}`;
    let combined: Map<string, Uint8Array>;
    try {
      const res = await this.api.submitBeaconCommitteeSelections({
        selections: duties.map((d) => ({
          validatorIndex: d.validatorIndex,
          slot: d.slot,
          selectionProof: d.selectionProof,
        })),
      });
      combined = new Map(res.data.map((s) => [key(s.validatorIndex, s.slot), s.selectionProof]));
    } catch (e) {
      this.log.warn("No combined selection proofs: not aggregating these duties", {epoch, error: e});
      combined = new Map();
    }
    let missing = 0;
    for (const d of duties) {
      const proof = combined.get(key(d.validatorIndex, d.slot));
      if (proof === undefined) {
        missing++;
        d.isAggregator = false;
        continue;
      }
      d.selectionProof = proof;
      d.isAggregator = isAggregator(d.committeeLength, proof);
    }
    this.log.debug("Combined selection proofs", {epoch, duties: duties.length, missing});
  }

  async pollProposer(epoch: number): Promise<void> {
    const res = await this.api.getProposerDuties({epoch});
    const ours = res.data.filter((d) => this.indices.get(d.pubkey) !== undefined);
    this.proposer.set(epoch, {dependentRoot: toHex(res.dependentRoot), duties: ours});
    for (const d of ours) this.log.debug("Proposer duty", {slot: d.slot, index: d.validatorIndex});
  }

  /**
   * Current and next epoch attester duties; current and next epoch proposer duties (the next epoch's ahead, so
   * its first slot's proposal need not wait for a duties request; from fulu they are final — the state's
   * proposer_lookahead —, before it they are re-fetched at the epoch start and when a head event changes their
   * dependent root). A node that cannot tell the next epoch's proposers yet is asked again next epoch.
   */
  async poll(epoch: number): Promise<void> {
    const ahead = this.pollProposer(epoch + 1).catch((e) =>
      this.log.debug("Next epoch's proposer duties not fetched yet", {epoch: epoch + 1, error: e}),
    );
    await Promise.all([this.pollAttester(epoch), this.pollAttester(epoch + 1), this.pollProposer(epoch), ahead]);
    for (const e of [...this.attester.keys()]) if (e < epoch - 1) this.attester.delete(e);
    for (const e of [...this.proposer.keys()]) if (e < epoch - 1) this.proposer.delete(e);
  }

  /**
   * A head event: `previousDutyDependentRoot` is the dependent root of the current epoch's attester duties,
   * `currentDutyDependentRoot` that of the next epoch's (and of the current epoch's proposer duties).
   */
  async onHead(epoch: number, previousDutyDependentRoot: string, currentDutyDependentRoot: string): Promise<void> {
    const cur = this.attester.get(epoch);
    const next = this.attester.get(epoch + 1);
    const jobs: Promise<void>[] = [];
    if (cur !== undefined && cur.dependentRoot !== previousDutyDependentRoot) jobs.push(this.pollAttester(epoch));
    if (next !== undefined && next.dependentRoot !== currentDutyDependentRoot) {
      jobs.push(this.pollAttester(epoch + 1));
      // the next epoch's proposer duties fetched ahead depend on the same block from fulu on (the state's
      // proposer_lookahead): without this, the first slots of the next epoch were proposed with the old
      // duties and the node refused the RANDAO reveal of the wrong proposer (found by `npm run soak`)
      if (this.proposer.has(epoch + 1)) {
        jobs.push(
          this.pollProposer(epoch + 1).catch((e) =>
            this.log.debug("Next epoch's proposer duties not fetched yet", {epoch: epoch + 1, error: e}),
          ),
        );
      }
    }
    const prop = this.proposer.get(epoch);
    if (
      prop !== undefined &&
      prop.dependentRoot !== currentDutyDependentRoot &&
      prop.dependentRoot !== previousDutyDependentRoot
    ) {
      jobs.push(this.pollProposer(epoch));
    }
    await Promise.all(jobs);
  }

  attesterDutiesAt(slot: number): AttesterDutyWithProof[] {
    return (this.attester.get(Math.floor(slot / SLOTS_PER_EPOCH))?.duties ?? []).filter((d) => d.slot === slot);
  }

  proposerDutiesAt(slot: number): ProposerDuty[] {
    return (this.proposer.get(Math.floor(slot / SLOTS_PER_EPOCH))?.duties ?? []).filter((d) => d.slot === slot);
  }

  hasAttesterDuties(epoch: number): boolean {
    return this.attester.has(epoch);
  }

  hasProposerDuties(epoch: number): boolean {
    return this.proposer.has(epoch);
  }
}
