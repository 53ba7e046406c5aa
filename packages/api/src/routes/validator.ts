import type {ForkName} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import type {Type, ValueOf} from "@chainsafe/ssz";
import {
  addressJson,
  arrayJson,
  boolJson,
  type JsonType,
  objectJson,
  pubkeyJson,
  signatureJson,
  sszJson,
  uint64Json,
} from "../utils/json.ts";
import {bytesParam, flagParam, forkParam, rootParam, uint64BigParam, uintParam} from "../utils/params.ts";
import {dataResponse, emptyResponse, forkData, jsonData, meta, sszData} from "../utils/responses.ts";
import {body, headerParam, jsonBody, optQueryParam, pathParam, queryParam, route} from "../utils/route.ts";
import {apiList} from "./beaconPool.ts";
import {MAX_VALIDATOR_IDS, VALIDATOR_IDS_BODY_LIMIT} from "./beaconState.ts";
import {
  type Attestation,
  forkBody,
  forkFromSlotAt,
  isPostDeneb,
  isPostElectra,
  type ProducedBlock,
  type SignedAggregateAndProof,
  sszBody,
  typesAt,
} from "./types.ts";

export type SignedValidatorRegistration = ValueOf<typeof ssz.bellatrix.SignedValidatorRegistrationV1>;

/** Validator namespace: apis/validator/*.yaml. */

const attesterDutyJson = objectJson({
  pubkey: pubkeyJson,
  validatorIndex: uint64Json,
  committeeIndex: uint64Json,
  committeeLength: uint64Json,
  committeesAtSlot: uint64Json,
  validatorCommitteeIndex: uint64Json,
  slot: uint64Json,
});
export type AttesterDuty = JsonType<typeof attesterDutyJson>;

const proposerDutyJson = objectJson({pubkey: pubkeyJson, validatorIndex: uint64Json, slot: uint64Json});
export type ProposerDuty = JsonType<typeof proposerDutyJson>;

const syncDutyJson = objectJson({
  pubkey: pubkeyJson,
  validatorIndex: uint64Json,
  validatorSyncCommitteeIndices: arrayJson(uint64Json, {minItems: 1}),
});
export type SyncDuty = JsonType<typeof syncDutyJson>;

const beaconCommitteeSubscriptionJson = objectJson({
  validatorIndex: uint64Json,
  committeeIndex: uint64Json,
  committeesAtSlot: uint64Json,
  slot: uint64Json,
  isAggregator: boolJson,
});
export type BeaconCommitteeSubscription = JsonType<typeof beaconCommitteeSubscriptionJson>;

const syncCommitteeSubscriptionJson = objectJson({
  validatorIndex: uint64Json,
  syncCommitteeIndices: arrayJson(uint64Json),
  untilEpoch: uint64Json,
});
export type SyncCommitteeSubscription = JsonType<typeof syncCommitteeSubscriptionJson>;

const beaconCommitteeSelectionJson = objectJson({
  validatorIndex: uint64Json,
  slot: uint64Json,
  selectionProof: signatureJson,
});
export type BeaconCommitteeSelection = JsonType<typeof beaconCommitteeSelectionJson>;

const syncCommitteeSelectionJson = objectJson({
  validatorIndex: uint64Json,
  slot: uint64Json,
  subcommitteeIndex: uint64Json,
  selectionProof: signatureJson,
});
export type SyncCommitteeSelection = JsonType<typeof syncCommitteeSelectionJson>;

const proposerPreparationJson = objectJson({validatorIndex: uint64Json, feeRecipient: addressJson});
export type ProposerPreparation = JsonType<typeof proposerPreparationJson>;

const livenessJson = objectJson({index: uint64Json, isLive: boolJson});
export type ValidatorLiveness = JsonType<typeof livenessJson>;

const indicesBody = jsonBody(arrayJson(uint64Json, {minItems: 1}));
const livenessBody = jsonBody(arrayJson(uint64Json, {minItems: 1, maxItems: MAX_VALIDATOR_IDS}));
const epoch = pathParam("epoch", uintParam);
const dutiesMeta = {dependentRoot: meta.dependentRoot, executionOptimistic: meta.executionOptimistic};
const phase0OrElectra = (fork: ForkName) => (isPostElectra(fork) ? ssz.electra : ssz.phase0);

export const validatorRoutes = {
  getAttesterDuties: route({
    method: "POST",
    url: "/eth/v1/validator/duties/attester/{epoch}",
    args: {epoch, indices: body(indicesBody)},
    resp: dataResponse(jsonData(arrayJson(attesterDutyJson)), dutiesMeta),
  }),
  getProposerDuties: route({
    method: "GET",
    url: "/eth/v1/validator/duties/proposer/{epoch}",
    args: {epoch},
    resp: dataResponse(jsonData(arrayJson(proposerDutyJson)), dutiesMeta),
  }),
  getSyncCommitteeDuties: route({
    method: "POST",
    url: "/eth/v1/validator/duties/sync/{epoch}",
    args: {epoch, indices: body(indicesBody)},
    resp: dataResponse(jsonData(arrayJson(syncDutyJson)), {executionOptimistic: meta.executionOptimistic}),
  }),
  /**
   * The data is block contents from deneb (block, KZG proofs, blobs), a block before; a blinded block when
   * `executionPayloadBlinded`.
   */
  produceBlockV3: route({
    method: "GET",
    url: "/eth/v3/validator/blocks/{slot}",
    args: {
      slot: pathParam("slot", uintParam),
      randaoReveal: queryParam("randao_reveal", bytesParam(96)),
      graffiti: optQueryParam("graffiti", bytesParam(32)),
      skipRandaoVerification: optQueryParam("skip_randao_verification", flagParam),
      builderBoostFactor: optQueryParam("builder_boost_factor", uint64BigParam),
    },
    resp: dataResponse(
      forkData<ProducedBlock, {version: ForkName; executionPayloadBlinded: boolean}>((m) =>
        m.executionPayloadBlinded
          ? typesAt(m.version).BlindedBeaconBlock
          : isPostDeneb(m.version)
            ? typesAt(m.version).BlockContents
            : typesAt(m.version).BeaconBlock,
      ),
      {
        version: meta.version,
        executionPayloadBlinded: meta.executionPayloadBlinded,
        executionPayloadValue: meta.executionPayloadValue,
        consensusBlockValue: meta.consensusBlockValue,
      },
    ),
  }),
  produceAttestationData: route({
    method: "GET",
    url: "/eth/v1/validator/attestation_data",
    args: {slot: queryParam("slot", uintParam), committeeIndex: queryParam("committee_index", uintParam)},
    resp: dataResponse(sszData(ssz.phase0.AttestationData)),
  }),
  getAggregatedAttestationV2: route({
    method: "GET",
    url: "/eth/v2/validator/aggregate_attestation",
    args: {
      attestationDataRoot: queryParam("attestation_data_root", rootParam),
      slot: queryParam("slot", uintParam),
      committeeIndex: queryParam("committee_index", uintParam),
    },
    resp: dataResponse(
      forkData<Attestation>((m) => phase0OrElectra(m.version).Attestation),
      {version: meta.version},
    ),
  }),
  publishAggregateAndProofsV2: route({
    method: "POST",
    url: "/eth/v2/validator/aggregate_and_proofs",
    args: {
      version: headerParam(
        "Eth-Consensus-Version",
        forkParam,
        forkFromSlotAt([0, "message", "aggregate", "data", "slot"]),
      ),
      signedAggregateAndProofs: body(
        forkBody<SignedAggregateAndProof[]>((f) => apiList(phase0OrElectra(f).SignedAggregateAndProof)),
      ),
    },
    resp: emptyResponse,
  }),
  prepareBeaconCommitteeSubnet: route({
    method: "POST",
    url: "/eth/v1/validator/beacon_committee_subscriptions",
    args: {subscriptions: body(jsonBody(arrayJson(beaconCommitteeSubscriptionJson)))},
    resp: emptyResponse,
  }),
  prepareSyncCommitteeSubnets: route({
    method: "POST",
    url: "/eth/v1/validator/sync_committee_subscriptions",
    args: {subscriptions: body(jsonBody(arrayJson(syncCommitteeSubscriptionJson)))},
    resp: emptyResponse,
  }),
  submitBeaconCommitteeSelections: route({
    method: "POST",
    url: "/eth/v1/validator/beacon_committee_selections",
    args: {selections: body(jsonBody(arrayJson(beaconCommitteeSelectionJson)))},
    resp: dataResponse(jsonData(arrayJson(beaconCommitteeSelectionJson))),
  }),
  submitSyncCommitteeSelections: route({
    method: "POST",
    url: "/eth/v1/validator/sync_committee_selections",
    args: {selections: body(jsonBody(arrayJson(syncCommitteeSelectionJson)))},
    resp: dataResponse(jsonData(arrayJson(syncCommitteeSelectionJson))),
  }),
  produceSyncCommitteeContribution: route({
    method: "GET",
    url: "/eth/v1/validator/sync_committee_contribution",
    args: {
      slot: queryParam("slot", uintParam),
      subcommitteeIndex: queryParam("subcommittee_index", uintParam),
      beaconBlockRoot: queryParam("beacon_block_root", rootParam),
    },
    resp: dataResponse(jsonData(sszJson(ssz.altair.SyncCommitteeContribution))),
  }),
  publishContributionAndProofs: route({
    method: "POST",
    url: "/eth/v1/validator/contribution_and_proofs",
    args: {contributionAndProofs: body(jsonBody(arrayJson(sszJson(ssz.altair.SignedContributionAndProof))))},
    resp: emptyResponse,
  }),
  prepareBeaconProposer: route({
    method: "POST",
    url: "/eth/v1/validator/prepare_beacon_proposer",
    args: {preparations: body(jsonBody(arrayJson(proposerPreparationJson)))},
    resp: emptyResponse,
  }),
  /** builder-specs SignedValidatorRegistrationV1 list, JSON or SSZ. */
  registerValidator: route({
    method: "POST",
    url: "/eth/v1/validator/register_validator",
    args: {
      registrations: body(
        sszBody(apiList(ssz.bellatrix.SignedValidatorRegistrationV1) as Type<SignedValidatorRegistration[]>),
      ),
    },
    resp: emptyResponse,
  }),
  getLiveness: route({
    method: "POST",
    bodyLimit: VALIDATOR_IDS_BODY_LIMIT,
    url: "/eth/v1/validator/liveness/{epoch}",
    args: {epoch, indices: body(livenessBody)},
    resp: dataResponse(jsonData(arrayJson(livenessJson))),
  }),
};
