import type {BeaconPreset} from "@ceibo/params";
import {DEPOSIT_CONTRACT_TREE_DEPTH, JUSTIFICATION_BITS_LENGTH} from "@ceibo/params";
import {
  BitListType,
  BitVectorType,
  ContainerType,
  ListBasicType,
  ListCompositeType,
  VectorBasicType,
  VectorCompositeType,
} from "@chainsafe/ssz";
import type {Primitives} from "./primitives.ts";
import {ValidatorNodeStructType} from "./validatorNodeStruct.ts";

/** phase0 containers (specs/phase0/beacon-chain.md, validator.md, p2p-interface.md). */
export function createPhase0Types(p: BeaconPreset, t: Primitives) {
  const opts = (typeName: string) => ({typeName, jsonCase: "eth2" as const});

  const AttestationSubnets = new BitVectorType(64); // ATTESTATION_SUBNET_COUNT (config, fixed at 64)
  const Fork = new ContainerType({previousVersion: t.Version, currentVersion: t.Version, epoch: t.Epoch}, opts("Fork"));
  const ForkData = new ContainerType({currentVersion: t.Version, genesisValidatorsRoot: t.Root}, opts("ForkData"));
  const ENRForkID = new ContainerType(
    {forkDigest: t.ForkDigest, nextForkVersion: t.Version, nextForkEpoch: t.Epoch},
    opts("ENRForkID"),
  );
  const Checkpoint = new ContainerType({epoch: t.Epoch, root: t.Root}, opts("Checkpoint"));
  const Validator = new ValidatorNodeStructType(
    {
      pubkey: t.BLSPubkey,
      withdrawalCredentials: t.Bytes32,
      effectiveBalance: t.Gwei,
      slashed: t.Boolean,
      activationEligibilityEpoch: t.Epoch,
      activationEpoch: t.Epoch,
      exitEpoch: t.Epoch,
      withdrawableEpoch: t.Epoch,
    },
    opts("Validator"),
  );
  const AttestationData = new ContainerType(
    {slot: t.Slot, index: t.CommitteeIndex, beaconBlockRoot: t.Root, source: Checkpoint, target: Checkpoint},
    opts("AttestationData"),
  );
  const CommitteeIndices = new ListBasicType(t.ValidatorIndex, p.MAX_VALIDATORS_PER_COMMITTEE);
  const CommitteeBits = new BitListType(p.MAX_VALIDATORS_PER_COMMITTEE);
  const IndexedAttestation = new ContainerType(
    {attestingIndices: CommitteeIndices, data: AttestationData, signature: t.BLSSignature},
    opts("IndexedAttestation"),
  );
  const PendingAttestation = new ContainerType(
    {aggregationBits: CommitteeBits, data: AttestationData, inclusionDelay: t.Slot, proposerIndex: t.ValidatorIndex},
    opts("PendingAttestation"),
  );
  const Eth1Data = new ContainerType(
    {depositRoot: t.Root, depositCount: t.UintNum64, blockHash: t.Hash32},
    opts("Eth1Data"),
  );
  const HistoricalBlockRoots = new VectorCompositeType(t.Root, p.SLOTS_PER_HISTORICAL_ROOT);
  const HistoricalStateRoots = new VectorCompositeType(t.Root, p.SLOTS_PER_HISTORICAL_ROOT);
  const HistoricalBatch = new ContainerType(
    {blockRoots: HistoricalBlockRoots, stateRoots: HistoricalStateRoots},
    opts("HistoricalBatch"),
  );
  const DepositMessage = new ContainerType(
    {pubkey: t.BLSPubkey, withdrawalCredentials: t.Bytes32, amount: t.Gwei},
    opts("DepositMessage"),
  );
  const DepositData = new ContainerType(
    {pubkey: t.BLSPubkey, withdrawalCredentials: t.Bytes32, amount: t.Gwei, signature: t.BLSSignature},
    opts("DepositData"),
  );
  const DepositDataRootList = new ListCompositeType(t.Root, 2 ** DEPOSIT_CONTRACT_TREE_DEPTH);
  const BeaconBlockHeader = new ContainerType(
    {slot: t.Slot, proposerIndex: t.ValidatorIndex, parentRoot: t.Root, stateRoot: t.Root, bodyRoot: t.Root},
    opts("BeaconBlockHeader"),
  );
  const SignedBeaconBlockHeader = new ContainerType(
    {message: BeaconBlockHeader, signature: t.BLSSignature},
    opts("SignedBeaconBlockHeader"),
  );
  const SigningData = new ContainerType({objectRoot: t.Root, domain: t.Domain}, opts("SigningData"));
  const ProposerSlashing = new ContainerType(
    {signedHeader1: SignedBeaconBlockHeader, signedHeader2: SignedBeaconBlockHeader},
    opts("ProposerSlashing"),
  );
  const AttesterSlashing = new ContainerType(
    {attestation1: IndexedAttestation, attestation2: IndexedAttestation},
    opts("AttesterSlashing"),
  );
  const Attestation = new ContainerType(
    {aggregationBits: CommitteeBits, data: AttestationData, signature: t.BLSSignature},
    opts("Attestation"),
  );
  const Deposit = new ContainerType(
    {proof: new VectorCompositeType(t.Bytes32, DEPOSIT_CONTRACT_TREE_DEPTH + 1), data: DepositData},
    opts("Deposit"),
  );
  const VoluntaryExit = new ContainerType({epoch: t.Epoch, validatorIndex: t.ValidatorIndex}, opts("VoluntaryExit"));
  const SignedVoluntaryExit = new ContainerType(
    {message: VoluntaryExit, signature: t.BLSSignature},
    opts("SignedVoluntaryExit"),
  );
  const Eth1Block = new ContainerType(
    {timestamp: t.UintNum64, depositRoot: t.Root, depositCount: t.UintNum64},
    opts("Eth1Block"),
  );

  const ProposerSlashings = new ListCompositeType(ProposerSlashing, p.MAX_PROPOSER_SLASHINGS);
  const AttesterSlashings = new ListCompositeType(AttesterSlashing, p.MAX_ATTESTER_SLASHINGS);
  const Attestations = new ListCompositeType(Attestation, p.MAX_ATTESTATIONS);
  const Deposits = new ListCompositeType(Deposit, p.MAX_DEPOSITS);
  const VoluntaryExits = new ListCompositeType(SignedVoluntaryExit, p.MAX_VOLUNTARY_EXITS);

  const beaconBlockBodyFields = {
    randaoReveal: t.BLSSignature,
    eth1Data: Eth1Data,
    graffiti: t.Bytes32,
    proposerSlashings: ProposerSlashings,
    attesterSlashings: AttesterSlashings,
    attestations: Attestations,
    deposits: Deposits,
    voluntaryExits: VoluntaryExits,
  };
  const BeaconBlockBody = new ContainerType(beaconBlockBodyFields, opts("BeaconBlockBody"));
  const beaconBlockFields = {
    slot: t.Slot,
    proposerIndex: t.ValidatorIndex,
    parentRoot: t.Root,
    stateRoot: t.Root,
  };
  const BeaconBlock = new ContainerType({...beaconBlockFields, body: BeaconBlockBody}, opts("BeaconBlock"));
  const SignedBeaconBlock = new ContainerType(
    {message: BeaconBlock, signature: t.BLSSignature},
    opts("SignedBeaconBlock"),
  );

  const Validators = new ListCompositeType(Validator, p.VALIDATOR_REGISTRY_LIMIT);
  const Balances = t.listUint64(p.VALIDATOR_REGISTRY_LIMIT);
  const RandaoMixes = new VectorCompositeType(t.Bytes32, p.EPOCHS_PER_HISTORICAL_VECTOR);
  const Slashings = new VectorBasicType(t.Gwei, p.EPOCHS_PER_SLASHINGS_VECTOR);
  const JustificationBits = new BitVectorType(JUSTIFICATION_BITS_LENGTH);
  const HistoricalRoots = new ListCompositeType(t.Root, p.HISTORICAL_ROOTS_LIMIT);
  const Eth1DataVotes = new ListCompositeType(Eth1Data, p.EPOCHS_PER_ETH1_VOTING_PERIOD * p.SLOTS_PER_EPOCH);
  const EpochAttestations = new ListCompositeType(PendingAttestation, p.MAX_ATTESTATIONS * p.SLOTS_PER_EPOCH);

  /** Fields common to every fork's BeaconState up to (excluding) the participation records. */
  const beaconStateHead = {
    genesisTime: t.UintNum64,
    genesisValidatorsRoot: t.Root,
    slot: t.Slot,
    fork: Fork,
    latestBlockHeader: BeaconBlockHeader,
    blockRoots: HistoricalBlockRoots,
    stateRoots: HistoricalStateRoots,
    historicalRoots: HistoricalRoots,
    eth1Data: Eth1Data,
    eth1DataVotes: Eth1DataVotes,
    eth1DepositIndex: t.UintNum64,
    validators: Validators,
    balances: Balances,
    randaoMixes: RandaoMixes,
    slashings: Slashings,
  };
  const finalityFields = {
    justificationBits: JustificationBits,
    previousJustifiedCheckpoint: Checkpoint,
    currentJustifiedCheckpoint: Checkpoint,
    finalizedCheckpoint: Checkpoint,
  };
  const BeaconState = new ContainerType(
    {
      ...beaconStateHead,
      previousEpochAttestations: EpochAttestations,
      currentEpochAttestations: EpochAttestations,
      ...finalityFields,
    },
    opts("BeaconState"),
  );

  const AggregateAndProof = new ContainerType(
    {aggregatorIndex: t.ValidatorIndex, aggregate: Attestation, selectionProof: t.BLSSignature},
    opts("AggregateAndProof"),
  );
  const SignedAggregateAndProof = new ContainerType(
    {message: AggregateAndProof, signature: t.BLSSignature},
    opts("SignedAggregateAndProof"),
  );

  // p2p-interface.md req/resp
  const Status = new ContainerType(
    {forkDigest: t.ForkDigest, finalizedRoot: t.Root, finalizedEpoch: t.Epoch, headRoot: t.Root, headSlot: t.Slot},
    opts("Status"),
  );
  const Goodbye = t.UintBn64;
  const Ping = t.UintBn64;
  const Metadata = new ContainerType({seqNumber: t.UintBn64, attnets: AttestationSubnets}, opts("Metadata"));
  const BeaconBlocksByRangeRequest = new ContainerType(
    {startSlot: t.Slot, count: t.UintNum64, step: t.UintNum64},
    opts("BeaconBlocksByRangeRequest"),
  );
  const BeaconBlocksByRootRequest = new ListCompositeType(t.Root, 1024); // MAX_REQUEST_BLOCKS

  return {
    AttestationSubnets,
    Fork,
    ForkData,
    ENRForkID,
    Checkpoint,
    Validator,
    AttestationData,
    CommitteeIndices,
    CommitteeBits,
    IndexedAttestation,
    PendingAttestation,
    Eth1Data,
    HistoricalBlockRoots,
    HistoricalStateRoots,
    HistoricalBatch,
    DepositMessage,
    DepositData,
    DepositDataRootList,
    BeaconBlockHeader,
    SignedBeaconBlockHeader,
    SigningData,
    ProposerSlashing,
    AttesterSlashing,
    Attestation,
    Deposit,
    VoluntaryExit,
    SignedVoluntaryExit,
    Eth1Block,
    ProposerSlashings,
    AttesterSlashings,
    Attestations,
    Deposits,
    VoluntaryExits,
    beaconBlockBodyFields,
    BeaconBlockBody,
    beaconBlockFields,
    BeaconBlock,
    SignedBeaconBlock,
    Validators,
    Balances,
    RandaoMixes,
    Slashings,
    JustificationBits,
    HistoricalRoots,
    Eth1DataVotes,
    EpochAttestations,
    beaconStateHead,
    finalityFields,
    BeaconState,
    AggregateAndProof,
    SignedAggregateAndProof,
    Status,
    Goodbye,
    Ping,
    Metadata,
    BeaconBlocksByRangeRequest,
    BeaconBlocksByRootRequest,
  };
}

export type Phase0Types = ReturnType<typeof createPhase0Types>;
