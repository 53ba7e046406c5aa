import type {BeaconPreset} from "@ceibo/params";
import {
  CURRENT_SYNC_COMMITTEE_GINDEX_ELECTRA,
  FINALIZED_ROOT_GINDEX_ELECTRA,
  NEXT_SYNC_COMMITTEE_GINDEX_ELECTRA,
} from "@ceibo/params";
import {
  BitListType,
  BitVectorType,
  ContainerType,
  ListBasicType,
  ListCompositeType,
  VectorCompositeType,
} from "@chainsafe/ssz";
import {type AltairTypes, createLightClientTypes} from "./altair.ts";
import type {DenebTypes} from "./deneb.ts";
import type {Phase0Types} from "./phase0.ts";
import type {Primitives} from "./primitives.ts";

const floorlog2 = (x: number) => Math.floor(Math.log2(x));

/** electra containers (specs/electra/beacon-chain.md, validator.md, light-client/sync-protocol.md). */
export function createElectraTypes(
  p: BeaconPreset,
  t: Primitives,
  phase0: Phase0Types,
  altair: AltairTypes,
  deneb: DenebTypes,
) {
  const opts = (typeName: string) => ({typeName, jsonCase: "eth2" as const});

  // EIP-7549: one attestation may span every committee of a slot
  const AggregationBits = new BitListType(p.MAX_VALIDATORS_PER_COMMITTEE * p.MAX_COMMITTEES_PER_SLOT);
  const CommitteeBits = new BitVectorType(p.MAX_COMMITTEES_PER_SLOT);
  const AttestingIndices = new ListBasicType(
    t.ValidatorIndex,
    p.MAX_VALIDATORS_PER_COMMITTEE * p.MAX_COMMITTEES_PER_SLOT,
  );
  const Attestation = new ContainerType(
    {
      aggregationBits: AggregationBits,
      data: phase0.AttestationData,
      signature: t.BLSSignature,
      committeeBits: CommitteeBits,
    },
    opts("Attestation"),
  );
  const IndexedAttestation = new ContainerType(
    {attestingIndices: AttestingIndices, data: phase0.AttestationData, signature: t.BLSSignature},
    opts("IndexedAttestation"),
  );
  const AttesterSlashing = new ContainerType(
    {attestation1: IndexedAttestation, attestation2: IndexedAttestation},
    opts("AttesterSlashing"),
  );
  const SingleAttestation = new ContainerType(
    {
      committeeIndex: t.CommitteeIndex,
      attesterIndex: t.ValidatorIndex,
      data: phase0.AttestationData,
      signature: t.BLSSignature,
    },
    opts("SingleAttestation"),
  );
  const AggregateAndProof = new ContainerType(
    {aggregatorIndex: t.ValidatorIndex, aggregate: Attestation, selectionProof: t.BLSSignature},
    opts("AggregateAndProof"),
  );
  const SignedAggregateAndProof = new ContainerType(
    {message: AggregateAndProof, signature: t.BLSSignature},
    opts("SignedAggregateAndProof"),
  );

  // EIP-7251 / EIP-6110 / EIP-7002 queues and execution-layer requests
  const PendingDeposit = new ContainerType(
    {pubkey: t.BLSPubkey, withdrawalCredentials: t.Bytes32, amount: t.Gwei, signature: t.BLSSignature, slot: t.Slot},
    opts("PendingDeposit"),
  );
  const PendingPartialWithdrawal = new ContainerType(
    {validatorIndex: t.ValidatorIndex, amount: t.Gwei, withdrawableEpoch: t.Epoch},
    opts("PendingPartialWithdrawal"),
  );
  const PendingConsolidation = new ContainerType(
    {sourceIndex: t.ValidatorIndex, targetIndex: t.ValidatorIndex},
    opts("PendingConsolidation"),
  );
  const DepositRequest = new ContainerType(
    {
      pubkey: t.BLSPubkey,
      withdrawalCredentials: t.Bytes32,
      amount: t.Gwei,
      signature: t.BLSSignature,
      // the deposit contract's counter; compared with deposit_requests_start_index (bigint, UNSET = 2**64-1)
      index: t.UintBn64,
    },
    opts("DepositRequest"),
  );
  const WithdrawalRequest = new ContainerType(
    {sourceAddress: t.ExecutionAddress, validatorPubkey: t.BLSPubkey, amount: t.Gwei},
    opts("WithdrawalRequest"),
  );
  const ConsolidationRequest = new ContainerType(
    {sourceAddress: t.ExecutionAddress, sourcePubkey: t.BLSPubkey, targetPubkey: t.BLSPubkey},
    opts("ConsolidationRequest"),
  );
  const DepositRequests = new ListCompositeType(DepositRequest, p.MAX_DEPOSIT_REQUESTS_PER_PAYLOAD);
  const WithdrawalRequests = new ListCompositeType(WithdrawalRequest, p.MAX_WITHDRAWAL_REQUESTS_PER_PAYLOAD);
  const ConsolidationRequests = new ListCompositeType(ConsolidationRequest, p.MAX_CONSOLIDATION_REQUESTS_PER_PAYLOAD);
  const ExecutionRequests = new ContainerType(
    {deposits: DepositRequests, withdrawals: WithdrawalRequests, consolidations: ConsolidationRequests},
    opts("ExecutionRequests"),
  );
  const PendingDeposits = new ListCompositeType(PendingDeposit, p.PENDING_DEPOSITS_LIMIT);
  const PendingPartialWithdrawals = new ListCompositeType(
    PendingPartialWithdrawal,
    p.PENDING_PARTIAL_WITHDRAWALS_LIMIT,
  );
  const PendingConsolidations = new ListCompositeType(PendingConsolidation, p.PENDING_CONSOLIDATIONS_LIMIT);

  const AttesterSlashings = new ListCompositeType(AttesterSlashing, p.MAX_ATTESTER_SLASHINGS_ELECTRA);
  const Attestations = new ListCompositeType(Attestation, p.MAX_ATTESTATIONS_ELECTRA);
  const beaconBlockBodyFields = {
    ...deneb.beaconBlockBodyFields,
    attesterSlashings: AttesterSlashings,
    attestations: Attestations,
    executionRequests: ExecutionRequests,
  };
  const BeaconBlockBody = new ContainerType(beaconBlockBodyFields, opts("BeaconBlockBody"));
  const BeaconBlock = new ContainerType({...phase0.beaconBlockFields, body: BeaconBlockBody}, opts("BeaconBlock"));
  const SignedBeaconBlock = new ContainerType(
    {message: BeaconBlock, signature: t.BLSSignature},
    opts("SignedBeaconBlock"),
  );
  const beaconStateFields = {
    ...deneb.beaconStateFields,
    depositRequestsStartIndex: t.UintBn64,
    depositBalanceToConsume: t.Gwei,
    exitBalanceToConsume: t.Gwei,
    earliestExitEpoch: t.Epoch,
    consolidationBalanceToConsume: t.Gwei,
    earliestConsolidationEpoch: t.Epoch,
    pendingDeposits: PendingDeposits,
    pendingPartialWithdrawals: PendingPartialWithdrawals,
    pendingConsolidations: PendingConsolidations,
  };
  const BeaconState = new ContainerType(beaconStateFields, opts("BeaconState"));

  const blindedBeaconBlockBodyFields = {
    ...deneb.blindedBeaconBlockBodyFields,
    attesterSlashings: AttesterSlashings,
    attestations: Attestations,
    executionRequests: ExecutionRequests,
  };
  const BlindedBeaconBlockBody = new ContainerType(blindedBeaconBlockBodyFields, opts("BlindedBeaconBlockBody"));
  const BlindedBeaconBlock = new ContainerType(
    {...phase0.beaconBlockFields, body: BlindedBeaconBlockBody},
    opts("BlindedBeaconBlock"),
  );
  const SignedBlindedBeaconBlock = new ContainerType(
    {message: BlindedBeaconBlock, signature: t.BLSSignature},
    opts("SignedBlindedBeaconBlock"),
  );
  const BlockContents = new ContainerType(
    {block: BeaconBlock, kzgProofs: deneb.KZGProofs, blobs: deneb.Blobs},
    opts("BlockContents"),
  );
  const SignedBlockContents = new ContainerType(
    {signedBlock: SignedBeaconBlock, kzgProofs: deneb.KZGProofs, blobs: deneb.Blobs},
    opts("SignedBlockContents"),
  );

  const FinalityBranch = new VectorCompositeType(t.Bytes32, floorlog2(FINALIZED_ROOT_GINDEX_ELECTRA));
  const CurrentSyncCommitteeBranch = new VectorCompositeType(
    t.Bytes32,
    floorlog2(CURRENT_SYNC_COMMITTEE_GINDEX_ELECTRA),
  );
  const NextSyncCommitteeBranch = new VectorCompositeType(t.Bytes32, floorlog2(NEXT_SYNC_COMMITTEE_GINDEX_ELECTRA));
  const lightClient = createLightClientTypes(t, altair.SyncCommittee, altair.SyncAggregate, deneb.LightClientHeader, {
    FinalityBranch,
    CurrentSyncCommitteeBranch,
    NextSyncCommitteeBranch,
  });

  return {
    AggregationBits,
    CommitteeBits,
    AttestingIndices,
    Attestation,
    IndexedAttestation,
    AttesterSlashing,
    SingleAttestation,
    AggregateAndProof,
    SignedAggregateAndProof,
    PendingDeposit,
    PendingPartialWithdrawal,
    PendingConsolidation,
    DepositRequest,
    WithdrawalRequest,
    ConsolidationRequest,
    DepositRequests,
    WithdrawalRequests,
    ConsolidationRequests,
    ExecutionRequests,
    PendingDeposits,
    PendingPartialWithdrawals,
    PendingConsolidations,
    AttesterSlashings,
    Attestations,
    beaconBlockBodyFields,
    BeaconBlockBody,
    BeaconBlock,
    SignedBeaconBlock,
    beaconStateFields,
    BeaconState,
    blindedBeaconBlockBodyFields,
    BlindedBeaconBlockBody,
    BlindedBeaconBlock,
    SignedBlindedBeaconBlock,
    BlockContents,
    SignedBlockContents,
    FinalityBranch,
    CurrentSyncCommitteeBranch,
    NextSyncCommitteeBranch,
    LightClientHeader: deneb.LightClientHeader,
    ...lightClient,
  };
}

export type ElectraTypes = ReturnType<typeof createElectraTypes>;
