import {FORK_NAMES} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import type {ValueOf} from "@chainsafe/ssz";
import {DecodeError} from "../utils/errors.ts";
import {
  addressJson,
  arrayJson,
  boolJson,
  enumJson,
  type JsonCodec,
  type JsonType,
  objectJson,
  rootJson,
  sszJson,
  uint64Json,
} from "../utils/json.ts";
import {enumParam} from "../utils/params.ts";
import {reqQueryList, type SseCodec, sseRoute} from "../utils/route.ts";
import {sszFromJson} from "../utils/sszJson.ts";
import {type Attestation, forkVersionedJson} from "./types.ts";

/** Events namespace: apis/eventstream/index.yaml (server-sent events). */

/** phase0-shaped before electra; the electra shape has `committee_bits`. */
const attestationEventJson: JsonCodec<Attestation> = {
  toJson: (v) =>
    "committeeBits" in v
      ? ssz.electra.Attestation.toJson(v)
      : ssz.phase0.Attestation.toJson(v as ValueOf<typeof ssz.phase0.Attestation>),
  fromJson(j, path) {
    const electra = typeof j === "object" && j !== null && "committee_bits" in j;
    return sszFromJson(electra ? ssz.electra.Attestation : ssz.phase0.Attestation, j, path) as Attestation;
  },
};

const payloadAttributesJson = objectJson(
  {timestamp: uint64Json, prevRandao: rootJson, suggestedFeeRecipient: addressJson},
  {withdrawals: arrayJson(sszJson(ssz.capella.Withdrawal)), parentBeaconBlockRoot: rootJson},
);

export const eventCodecs = {
  head: objectJson({
    slot: uint64Json,
    block: rootJson,
    state: rootJson,
    epochTransition: boolJson,
    previousDutyDependentRoot: rootJson,
    currentDutyDependentRoot: rootJson,
    executionOptimistic: boolJson,
  }),
  block: objectJson({slot: uint64Json, block: rootJson, executionOptimistic: boolJson}),
  block_gossip: objectJson({slot: uint64Json, block: rootJson}),
  attestation: attestationEventJson,
  single_attestation: sszJson(ssz.electra.SingleAttestation),
  voluntary_exit: sszJson(ssz.phase0.SignedVoluntaryExit),
  bls_to_execution_change: sszJson(ssz.capella.SignedBLSToExecutionChange),
  proposer_slashing: sszJson(ssz.phase0.ProposerSlashing),
  // The electra type: same JSON shape as phase0's, with the larger attesting_indices limit.
  attester_slashing: sszJson(ssz.electra.AttesterSlashing),
  finalized_checkpoint: objectJson({
    block: rootJson,
    state: rootJson,
    epoch: uint64Json,
    executionOptimistic: boolJson,
  }),
  chain_reorg: objectJson({
    slot: uint64Json,
    depth: uint64Json,
    oldHeadBlock: rootJson,
    newHeadBlock: rootJson,
    oldHeadState: rootJson,
    newHeadState: rootJson,
    epoch: uint64Json,
    executionOptimistic: boolJson,
  }),
  contribution_and_proof: sszJson(ssz.altair.SignedContributionAndProof),
  light_client_finality_update:
    forkVersionedJson<ValueOf<typeof ssz.altair.LightClientFinalityUpdate>>("LightClientFinalityUpdate"),
  light_client_optimistic_update:
    forkVersionedJson<ValueOf<typeof ssz.altair.LightClientOptimisticUpdate>>("LightClientOptimisticUpdate"),
  payload_attributes: objectJson({
    version: enumJson(FORK_NAMES),
    data: objectJson({
      proposerIndex: uint64Json,
      proposalSlot: uint64Json,
      parentBlockNumber: uint64Json,
      parentBlockRoot: rootJson,
      parentBlockHash: rootJson,
      payloadAttributes: payloadAttributesJson,
    }),
  }),
  blob_sidecar: objectJson({
    blockRoot: rootJson,
    index: uint64Json,
    slot: uint64Json,
    kzgCommitment: sszJson(ssz.deneb.KZGCommitment),
    versionedHash: rootJson,
  }),
  data_column_sidecar: objectJson({
    blockRoot: rootJson,
    index: uint64Json,
    slot: uint64Json,
    kzgCommitments: arrayJson(sszJson(ssz.deneb.KZGCommitment)),
  }),
};

export type EventType = keyof typeof eventCodecs;
export const EVENT_TYPES = Object.keys(eventCodecs) as EventType[];
export type EventMessage<K extends EventType> = JsonType<(typeof eventCodecs)[K]>;
/** One event: `{type: "head", message: {slot, block, ...}}`. */
export type BeaconEvent = {[K in EventType]: {type: K; message: EventMessage<K>}}[EventType];

export const beaconEventCodec: SseCodec<BeaconEvent> = {
  encode(e) {
    const codec = eventCodecs[e.type] as JsonCodec<unknown>;
    return {event: e.type, data: JSON.stringify(codec.toJson(e.message))};
  },
  decode(event, data) {
    if (!Object.hasOwn(eventCodecs, event)) throw new DecodeError("event", `unknown event type "${event}"`);
    const codec = eventCodecs[event as EventType] as JsonCodec<unknown>;
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch (e) {
      throw new DecodeError("data", `invalid JSON: ${(e as Error).message}`);
    }
    return {type: event, message: codec.fromJson(json, "data")} as BeaconEvent;
  },
};

export const eventRoutes = {
  eventstream: sseRoute({
    method: "GET",
    url: "/eth/v1/events",
    args: {topics: reqQueryList("topics", enumParam(EVENT_TYPES))},
    sse: beaconEventCodec,
  }),
};
