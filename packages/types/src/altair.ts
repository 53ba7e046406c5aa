import type {BeaconPreset} from "@ceibo/params";
import {
  CURRENT_SYNC_COMMITTEE_GINDEX,
  FINALIZED_ROOT_GINDEX,
  NEXT_SYNC_COMMITTEE_GINDEX,
  SYNC_COMMITTEE_SUBNET_COUNT,
} from "@ceibo/params";
import {BitVectorType, ContainerType, ListBasicType, ListCompositeType, VectorCompositeType} from "@chainsafe/ssz";
import type {Phase0Types} from "./phase0.ts";
import type {Primitives} from "./primitives.ts";

const floorlog2 = (x: number) => Math.floor(Math.log2(x));

/** altair containers (specs/altair/beacon-chain.md, validator.md, p2p-interface.md, light-client/sync-protocol.md). */
export function createAltairTypes(p: BeaconPreset, t: Primitives, phase0: Phase0Types) {
  const opts = (typeName: string) => ({typeName, jsonCase: "eth2" as const});

  const SyncSubnets = new BitVectorType(SYNC_COMMITTEE_SUBNET_COUNT);
  const Metadata = new ContainerType(
    {seqNumber: t.UintBn64, attnets: phase0.AttestationSubnets, syncnets: SyncSubnets},
    opts("Metadata"),
  );
  const SyncCommittee = new ContainerType(
    {pubkeys: new VectorCompositeType(t.BLSPubkey, p.SYNC_COMMITTEE_SIZE), aggregatePubkey: t.BLSPubkey},
    opts("SyncCommittee"),
  );
  const SyncCommitteeMessage = new ContainerType(
    {slot: t.Slot, beaconBlockRoot: t.Root, validatorIndex: t.ValidatorIndex, signature: t.BLSSignature},
    opts("SyncCommitteeMessage"),
  );
  const SyncCommitteeBits = new BitVectorType(p.SYNC_COMMITTEE_SIZE);
  const SyncSubcommitteeBits = new BitVectorType(p.SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT);
  const SyncCommitteeContribution = new ContainerType(
    {
      slot: t.Slot,
      beaconBlockRoot: t.Root,
      subcommitteeIndex: t.UintNum64,
      aggregationBits: SyncSubcommitteeBits,
      signature: t.BLSSignature,
    },
    opts("SyncCommitteeContribution"),
  );
  const ContributionAndProof = new ContainerType(
    {aggregatorIndex: t.ValidatorIndex, contribution: SyncCommitteeContribution, selectionProof: t.BLSSignature},
    opts("ContributionAndProof"),
  );
  const SignedContributionAndProof = new ContainerType(
    {message: ContributionAndProof, signature: t.BLSSignature},
    opts("SignedContributionAndProof"),
  );
  const SyncAggregatorSelectionData = new ContainerType(
    {slot: t.Slot, subcommitteeIndex: t.UintNum64},
    opts("SyncAggregatorSelectionData"),
  );
  const SyncAggregate = new ContainerType(
    {syncCommitteeBits: SyncCommitteeBits, syncCommitteeSignature: t.BLSSignature},
    opts("SyncAggregate"),
  );

  const beaconBlockBodyFields = {...phase0.beaconBlockBodyFields, syncAggregate: SyncAggregate};
  const BeaconBlockBody = new ContainerType(beaconBlockBodyFields, opts("BeaconBlockBody"));
  const BeaconBlock = new ContainerType({...phase0.beaconBlockFields, body: BeaconBlockBody}, opts("BeaconBlock"));
  const SignedBeaconBlock = new ContainerType(
    {message: BeaconBlock, signature: t.BLSSignature},
    opts("SignedBeaconBlock"),
  );

  const EpochParticipation = new ListBasicType(t.ParticipationFlags, p.VALIDATOR_REGISTRY_LIMIT);
  const InactivityScores = t.listUint64(p.VALIDATOR_REGISTRY_LIMIT);
  const beaconStateFields = {
    ...phase0.beaconStateHead,
    previousEpochParticipation: EpochParticipation,
    currentEpochParticipation: EpochParticipation,
    ...phase0.finalityFields,
    inactivityScores: InactivityScores,
    currentSyncCommittee: SyncCommittee,
    nextSyncCommittee: SyncCommittee,
  };
  const BeaconState = new ContainerType(beaconStateFields, opts("BeaconState"));

  // light-client/sync-protocol.md
  const FinalityBranch = new VectorCompositeType(t.Bytes32, floorlog2(FINALIZED_ROOT_GINDEX));
  const CurrentSyncCommitteeBranch = new VectorCompositeType(t.Bytes32, floorlog2(CURRENT_SYNC_COMMITTEE_GINDEX));
  const NextSyncCommitteeBranch = new VectorCompositeType(t.Bytes32, floorlog2(NEXT_SYNC_COMMITTEE_GINDEX));
  const LightClientHeader = new ContainerType({beacon: phase0.BeaconBlockHeader}, opts("LightClientHeader"));
  const lightClient = createLightClientTypes(t, SyncCommittee, SyncAggregate, LightClientHeader, {
    FinalityBranch,
    CurrentSyncCommitteeBranch,
    NextSyncCommitteeBranch,
  });

  return {
    SyncSubnets,
    Metadata,
    SyncCommittee,
    SyncCommitteeMessage,
    SyncCommitteeBits,
    SyncSubcommitteeBits,
    SyncCommitteeContribution,
    ContributionAndProof,
    SignedContributionAndProof,
    SyncAggregatorSelectionData,
    SyncAggregate,
    beaconBlockBodyFields,
    BeaconBlockBody,
    BeaconBlock,
    SignedBeaconBlock,
    EpochParticipation,
    InactivityScores,
    beaconStateFields,
    BeaconState,
    FinalityBranch,
    CurrentSyncCommitteeBranch,
    NextSyncCommitteeBranch,
    LightClientHeader,
    ...lightClient,
  };
}

/** The light-client containers; each fork rebuilds them around its own header and branch depths. */
export function createLightClientTypes<
  // biome-ignore lint/suspicious/noExplicitAny: any SSZ container type of a light-client header
  Header extends ContainerType<any>,
>(
  t: Primitives,
  // biome-ignore lint/suspicious/noExplicitAny: fork-specific SSZ container types
  SyncCommittee: ContainerType<any>,
  // biome-ignore lint/suspicious/noExplicitAny: fork-specific SSZ container types
  SyncAggregate: ContainerType<any>,
  LightClientHeader: Header,
  branches: {
    FinalityBranch: VectorCompositeType<typeof t.Bytes32>;
    CurrentSyncCommitteeBranch: VectorCompositeType<typeof t.Bytes32>;
    NextSyncCommitteeBranch: VectorCompositeType<typeof t.Bytes32>;
  },
) {
  const opts = (typeName: string) => ({typeName, jsonCase: "eth2" as const});
  const LightClientBootstrap = new ContainerType(
    {
      header: LightClientHeader,
      currentSyncCommittee: SyncCommittee,
      currentSyncCommitteeBranch: branches.CurrentSyncCommitteeBranch,
    },
    opts("LightClientBootstrap"),
  );
  const LightClientUpdate = new ContainerType(
    {
      attestedHeader: LightClientHeader,
      nextSyncCommittee: SyncCommittee,
      nextSyncCommitteeBranch: branches.NextSyncCommitteeBranch,
      finalizedHeader: LightClientHeader,
      finalityBranch: branches.FinalityBranch,
      syncAggregate: SyncAggregate,
      signatureSlot: t.Slot,
    },
    opts("LightClientUpdate"),
  );
  const LightClientFinalityUpdate = new ContainerType(
    {
      attestedHeader: LightClientHeader,
      finalizedHeader: LightClientHeader,
      finalityBranch: branches.FinalityBranch,
      syncAggregate: SyncAggregate,
      signatureSlot: t.Slot,
    },
    opts("LightClientFinalityUpdate"),
  );
  const LightClientOptimisticUpdate = new ContainerType(
    {attestedHeader: LightClientHeader, syncAggregate: SyncAggregate, signatureSlot: t.Slot},
    opts("LightClientOptimisticUpdate"),
  );
  const LightClientUpdatesByRange = new ContainerType(
    {startPeriod: t.UintNum64, count: t.UintNum64},
    opts("LightClientUpdatesByRange"),
  );
  return {
    LightClientBootstrap,
    LightClientUpdate,
    LightClientFinalityUpdate,
    LightClientOptimisticUpdate,
    LightClientUpdatesByRange,
    LightClientUpdateList: new ListCompositeType(LightClientUpdate, 128), // MAX_REQUEST_LIGHT_CLIENT_UPDATES
  };
}

export type AltairTypes = ReturnType<typeof createAltairTypes>;
