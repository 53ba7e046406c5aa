import type {ForkName} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {ListCompositeType, type Type} from "@chainsafe/ssz";
import {arrayJson, sszJson} from "../utils/json.ts";
import {forkParam, uintParam} from "../utils/params.ts";
import {dataResponse, emptyResponse, forkData, jsonData, jsonOnly, meta} from "../utils/responses.ts";
import {body, headerParam, jsonBody, optQueryParam, route} from "../utils/route.ts";
import {
  type Attestation,
  type AttesterSlashing,
  forkBody,
  forkFromSlotAt,
  isPostElectra,
  type SingleAttestation,
} from "./types.ts";

/** Beacon namespace, operation pool routes: apis/beacon/pool/*.yaml. */

/** Limit of the API's own lists (pool contents, submissions): large, the bound is the server's body limit. */
export const API_LIST_LIMIT = 2 ** 24;

const lists = new Map<Type<unknown>, Type<unknown>>();
/** `List[T, API_LIST_LIMIT]`, one instance per element type. */
export function apiList(type: Type<unknown>): Type<unknown> {
  let list = lists.get(type);
  if (list === undefined) {
    list = new ListCompositeType(type as ConstructorParameters<typeof ListCompositeType>[0], API_LIST_LIMIT);
    lists.set(type, list);
  }
  return list;
}

const versionOnly = {version: meta.version};
const versionHeader = (fromBody: ReturnType<typeof forkFromSlotAt>) =>
  headerParam("Eth-Consensus-Version", forkParam, fromBody);
const phase0OrElectra = (fork: ForkName) => (isPostElectra(fork) ? ssz.electra : ssz.phase0);

export const beaconPoolRoutes = {
  getPoolAttestationsV2: route({
    method: "GET",
    url: "/eth/v2/beacon/pool/attestations",
    args: {slot: optQueryParam("slot", uintParam), committeeIndex: optQueryParam("committee_index", uintParam)},
    resp: dataResponse(
      jsonOnly(forkData<Attestation[]>((m) => apiList(phase0OrElectra(m.version).Attestation))),
      versionOnly,
    ),
  }),
  /** From electra: SingleAttestation objects; before: (unaggregated) phase0 Attestations. */
  submitPoolAttestationsV2: route({
    method: "POST",
    url: "/eth/v2/beacon/pool/attestations",
    args: {
      version: versionHeader(forkFromSlotAt([0, "data", "slot"])),
      attestations: body(
        forkBody<(SingleAttestation | Attestation)[]>((f) =>
          apiList(isPostElectra(f) ? ssz.electra.SingleAttestation : ssz.phase0.Attestation),
        ),
      ),
    },
    resp: emptyResponse,
  }),
  getPoolAttesterSlashingsV2: route({
    method: "GET",
    url: "/eth/v2/beacon/pool/attester_slashings",
    args: {},
    resp: dataResponse(
      jsonOnly(forkData<AttesterSlashing[]>((m) => apiList(phase0OrElectra(m.version).AttesterSlashing))),
      versionOnly,
    ),
  }),
  submitPoolAttesterSlashingsV2: route({
    method: "POST",
    url: "/eth/v2/beacon/pool/attester_slashings",
    args: {
      version: versionHeader(forkFromSlotAt(["attestation_1", "data", "slot"])),
      attesterSlashing: body(jsonOnlyBody(forkBody<AttesterSlashing>((f) => phase0OrElectra(f).AttesterSlashing))),
    },
    resp: emptyResponse,
  }),
  getPoolProposerSlashings: route({
    method: "GET",
    url: "/eth/v1/beacon/pool/proposer_slashings",
    args: {},
    resp: dataResponse(jsonData(arrayJson(sszJson(ssz.phase0.ProposerSlashing)))),
  }),
  submitPoolProposerSlashings: route({
    method: "POST",
    url: "/eth/v1/beacon/pool/proposer_slashings",
    args: {proposerSlashing: body(jsonBody(sszJson(ssz.phase0.ProposerSlashing)))},
    resp: emptyResponse,
  }),
  submitPoolSyncCommitteeSignatures: route({
    method: "POST",
    url: "/eth/v1/beacon/pool/sync_committees",
    args: {signatures: body(jsonBody(arrayJson(sszJson(ssz.altair.SyncCommitteeMessage))))},
    resp: emptyResponse,
  }),
  getPoolVoluntaryExits: route({
    method: "GET",
    url: "/eth/v1/beacon/pool/voluntary_exits",
    args: {},
    resp: dataResponse(jsonData(arrayJson(sszJson(ssz.phase0.SignedVoluntaryExit)))),
  }),
  submitPoolVoluntaryExit: route({
    method: "POST",
    url: "/eth/v1/beacon/pool/voluntary_exits",
    args: {signedVoluntaryExit: body(jsonBody(sszJson(ssz.phase0.SignedVoluntaryExit)))},
    resp: emptyResponse,
  }),
  getPoolBLSToExecutionChanges: route({
    method: "GET",
    url: "/eth/v1/beacon/pool/bls_to_execution_changes",
    args: {},
    resp: dataResponse(jsonData(arrayJson(sszJson(ssz.capella.SignedBLSToExecutionChange)))),
  }),
  submitPoolBLSToExecutionChange: route({
    method: "POST",
    url: "/eth/v1/beacon/pool/bls_to_execution_changes",
    args: {changes: body(jsonBody(arrayJson(sszJson(ssz.capella.SignedBLSToExecutionChange))))},
    resp: emptyResponse,
  }),
};

function jsonOnlyBody<T>(codec: ReturnType<typeof forkBody<T>>): ReturnType<typeof forkBody<T>> {
  return {toJson: codec.toJson, fromJson: codec.fromJson};
}
