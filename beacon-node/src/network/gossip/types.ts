/**
 * The gossip topic table (phase0 … fulu p2p-interface.md "Global topics", "Attestation subnets", "Sync committee
 * subnets", "Blob subnets", "Data column subnets", altair light-client "Global topics"): each topic type → the
 * value its messages decode to (the union over forks where the SSZ type changes), and the handler table typed by
 * it. A topic type added to `GossipTypeMap` without an SSZ type (topics.ts) or a handler (index.ts) does not
 * compile (test/network-gossip-exhaustive.test.ts).
 */
import type {ForkName} from "@ceibo/params";
import type {
  AttestationPhase0,
  SignedBeaconBlockAllForks,
  SignedBLSToExecutionChange,
  ProposerSlashing as SszProposerSlashing,
  SignedVoluntaryExit as SszSignedVoluntaryExit,
} from "@ceibo/state-transition";
import type {ssz} from "@ceibo/types";
import type {Type, ValueOf} from "@chainsafe/ssz";
import type {PeerIdStr} from "../types.ts";

/** The light-client finality update fields gossip validation reads (any light-client fork's value has them). */
export interface LightClientFinalityUpdateValue {
  attestedHeader: {beacon: {slot: number}};
  finalizedHeader: {beacon: {slot: number}};
  syncAggregate: {syncCommitteeBits: {getTrueBitIndexes(): number[]}};
  signatureSlot: number;
}

/** The light-client optimistic update fields gossip validation reads. */
export interface LightClientOptimisticUpdateValue {
  attestedHeader: {beacon: {slot: number}};
  syncAggregate: {syncCommitteeBits: {getTrueBitIndexes(): number[]}};
  signatureSlot: number;
}

/** Topic type → decoded message (gossipSszType in topics.ts gives the SSZ type of each at a fork). */
export interface GossipTypeMap {
  /** phase0 … fulu SignedBeaconBlock (the topic's fork). */
  beacon_block: SignedBeaconBlockAllForks;
  /** phase0 SignedAggregateAndProof; electra+ the electra one (committee_bits). */
  beacon_aggregate_and_proof:
    | ValueOf<typeof ssz.phase0.SignedAggregateAndProof>
    | ValueOf<typeof ssz.electra.SignedAggregateAndProof>;
  /** phase0 Attestation (one bit); electra+ SingleAttestation. */
  beacon_attestation: AttestationPhase0 | ValueOf<typeof ssz.electra.SingleAttestation>;
  voluntary_exit: SszSignedVoluntaryExit;
  proposer_slashing: SszProposerSlashing;
  /** phase0 AttesterSlashing; electra+ the electra one (longer index lists). */
  attester_slashing: ValueOf<typeof ssz.phase0.AttesterSlashing> | ValueOf<typeof ssz.electra.AttesterSlashing>;
  sync_committee_contribution_and_proof: ValueOf<typeof ssz.altair.SignedContributionAndProof>;
  sync_committee: ValueOf<typeof ssz.altair.SyncCommitteeMessage>;
  bls_to_execution_change: SignedBLSToExecutionChange;
  blob_sidecar: ValueOf<typeof ssz.deneb.BlobSidecar>;
  data_column_sidecar: ValueOf<typeof ssz.fulu.DataColumnSidecar>;
  /** The light-client form of the topic's fork (altair … electra; electra's in fulu). */
  light_client_finality_update: LightClientFinalityUpdateValue;
  light_client_optimistic_update: LightClientOptimisticUpdateValue;
}

/** A topic type (`beacon_block`, `beacon_attestation` for `beacon_attestation_{subnet_id}`, …). */
export type GossipTypeName = keyof GossipTypeMap;

/** What a handler knows besides the message: its topic (fork, digest, subnet) and the peer that forwarded it. */
export interface GossipHandlerMeta {
  topic: {type: GossipTypeName; fork: ForkName; forkDigest: string; subnet?: number};
  peer: PeerIdStr;
}

/** What to do with a message once ACCEPTed (reported to gossipsub first, then run). */
export type GossipOnAccept = () => Promise<void> | void;

/**
 * Validates one topic's message (throws GossipValidationError to IGNORE / REJECT) and returns what to do with it
 * once ACCEPTed.
 */
export type GossipHandlerFn<T extends GossipTypeName> = (
  msg: GossipTypeMap[T],
  meta: GossipHandlerMeta,
) => Promise<GossipOnAccept>;

/** One handler per topic type: a topic without a handler is a compile error. */
export type GossipHandlers = {[T in GossipTypeName]: GossipHandlerFn<T>};

/** The SSZ type of each topic's messages at a fork, typed by the map. */
export type GossipSszTypes = {[T in GossipTypeName]: (fork: ForkName) => Type<GossipTypeMap[T]>};
