import type {Attestation, BeaconApiClient, SignedAggregateAndProof, SingleAttestation} from "@ceibo/api";
import {ForkSeq} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import type {Logger} from "@ceibo/utils";
import {toHex} from "@ceibo/utils";
import {BitArray} from "@chainsafe/ssz";
import type {AggregateAndProof, AttestationData, Signer} from "../signer/index.ts";
import type {AttesterDutyWithProof} from "./duties.ts";

interface Deps {
  api: BeaconApiClient;
  signer: Signer;
  log: Logger;
}

/**
 * phase0/electra validator.md "Attesting" for the duties of one slot (called at ATTESTATION_DUE_BPS): one
 * attestation_data per committee, each signed through the gate (slashing protected). From electra a
 * SingleAttestation (data.index = 0, committee_index and attester_index set); before, an unaggregated phase0
 * Attestation with the validator's bit set. Returns the data attested per committee (for aggregation).
 */
export async function attest(
  deps: Deps,
  slot: number,
  duties: AttesterDutyWithProof[],
): Promise<Map<number, AttestationData>> {
  const {api, signer, log} = deps;
  const dataByCommittee = new Map<number, AttestationData>();
  if (duties.length === 0) return dataByCommittee;
  const postElectra = signer.config.getForkSeq(slot) >= ForkSeq.electra;
  const committees = [...new Set(duties.map((d) => d.committeeIndex))];
  if (postElectra) {
    // from electra attestation_data does not depend on the committee (data.index = 0): one request serves all
    const {data} = await api.produceAttestationData({slot, committeeIndex: 0});
    if (data.index !== 0) throw Error(`beacon node returned attestation data with index ${data.index} after electra`);
    for (const c of committees) dataByCommittee.set(c, data);
  } else {
    await Promise.all(
      committees.map(async (committeeIndex) => {
        const res = await api.produceAttestationData({slot, committeeIndex});
        if (res.data.index !== committeeIndex) {
          throw Error(`beacon node returned attestation data for committee ${res.data.index}, asked ${committeeIndex}`);
        }
        dataByCommittee.set(committeeIndex, res.data);
      }),
    );
  }
  for (const data of dataByCommittee.values()) {
    if (data.slot !== slot) throw Error(`beacon node returned attestation data for slot ${data.slot}, asked ${slot}`);
  }
  // signed concurrently (each through the slashing-protected gate): with a remote signer each is a round trip
  const results = await Promise.all(
    duties.map(async (duty): Promise<SingleAttestation | Attestation | undefined> => {
      const data = dataByCommittee.get(duty.committeeIndex) as AttestationData;
      try {
        const signature = await signer.signAttestation(duty.pubkey, data);
        if (postElectra)
          return {committeeIndex: duty.committeeIndex, attesterIndex: duty.validatorIndex, data, signature};
        const aggregationBits = BitArray.fromSingleBit(duty.committeeLength, duty.validatorCommitteeIndex);
        return {aggregationBits, data, signature} as Attestation;
      } catch (e) {
        log.error("Not attesting", {slot, index: duty.validatorIndex, error: e});
        return undefined;
      }
    }),
  );
  const signed = results.filter((a): a is SingleAttestation | Attestation => a !== undefined);
  if (signed.length === 0) return dataByCommittee;
  const version = signer.config.getForkName(slot);
  await api.submitPoolAttestationsV2({version, attestations: signed});
  log.info("Attested", {
    slot,
    count: signed.length,
    head: toHex(signed[0].data.beaconBlockRoot),
    source: signed[0].data.source.epoch,
    target: signed[0].data.target.epoch,
  });
  return dataByCommittee;
}

/**
 * phase0/electra validator.md "Attestation aggregation" (called at AGGREGATE_DUE_BPS): for each duty whose
 * selection proof makes it an aggregator, fetch the node's best aggregate for the attested data, wrap it in an
 * AggregateAndProof, sign and publish.
 */
export async function aggregate(
  deps: Deps,
  slot: number,
  duties: AttesterDutyWithProof[],
  dataByCommittee: Map<number, AttestationData>,
): Promise<void> {
  const {api, signer, log} = deps;
  const aggregators = duties.filter((d) => d.isAggregator && dataByCommittee.has(d.committeeIndex));
  if (aggregators.length === 0) return;
  const postElectra = signer.config.getForkSeq(slot) >= ForkSeq.electra;
  const out: SignedAggregateAndProof[] = [];
  for (const duty of aggregators) {
    const data = dataByCommittee.get(duty.committeeIndex) as AttestationData;
    try {
      const res = await api.getAggregatedAttestationV2({
        attestationDataRoot: ssz.phase0.AttestationData.hashTreeRoot(data),
        slot,
        committeeIndex: duty.committeeIndex,
      });
      const message = {
        aggregatorIndex: duty.validatorIndex,
        aggregate: res.data,
        selectionProof: duty.selectionProof,
      } as AggregateAndProof;
      if (postElectra !== "committeeBits" in res.data) throw Error("aggregate of the wrong fork");
      const signature = await signer.signAggregateAndProof(duty.pubkey, message);
      out.push({message, signature} as SignedAggregateAndProof);
    } catch (e) {
      log.warn("Not aggregating", {slot, index: duty.validatorIndex, committee: duty.committeeIndex, error: e});
    }
  }
  if (out.length === 0) return;
  await api.publishAggregateAndProofsV2({version: signer.config.getForkName(slot), signedAggregateAndProofs: out});
  log.info("Aggregated", {
    slot,
    count: out.length,
    bits: out.map((a) => a.message.aggregate.aggregationBits.getTrueBitIndexes().length).join(","),
  });
}
