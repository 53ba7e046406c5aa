import type {BeaconPreset} from "@ceibo/params";
import {EXECUTION_PAYLOAD_GINDEX} from "@ceibo/params";
import {ContainerType, ListCompositeType, VectorCompositeType} from "@chainsafe/ssz";
import {type AltairTypes, createLightClientTypes} from "./altair.ts";
import type {BellatrixTypes} from "./bellatrix.ts";
import type {Phase0Types} from "./phase0.ts";
import type {Primitives} from "./primitives.ts";

/** capella containers (specs/capella/beacon-chain.md, light-client/sync-protocol.md). */
export function createCapellaTypes(
  p: BeaconPreset,
  t: Primitives,
  phase0: Phase0Types,
  altair: AltairTypes,
  bellatrix: BellatrixTypes,
) {
  const opts = (typeName: string) => ({typeName, jsonCase: "eth2" as const});

  const Withdrawal = new ContainerType(
    {index: t.WithdrawalIndex, validatorIndex: t.ValidatorIndex, address: t.ExecutionAddress, amount: t.Gwei},
    opts("Withdrawal"),
  );
  const Withdrawals = new ListCompositeType(Withdrawal, p.MAX_WITHDRAWALS_PER_PAYLOAD);
  const BLSToExecutionChange = new ContainerType(
    {validatorIndex: t.ValidatorIndex, fromBlsPubkey: t.BLSPubkey, toExecutionAddress: t.ExecutionAddress},
    opts("BLSToExecutionChange"),
  );
  const SignedBLSToExecutionChange = new ContainerType(
    {message: BLSToExecutionChange, signature: t.BLSSignature},
    opts("SignedBLSToExecutionChange"),
  );
  const BLSToExecutionChanges = new ListCompositeType(SignedBLSToExecutionChange, p.MAX_BLS_TO_EXECUTION_CHANGES);
  const HistoricalSummary = new ContainerType(
    {blockSummaryRoot: t.Root, stateSummaryRoot: t.Root},
    opts("HistoricalSummary"),
  );
  const HistoricalSummaries = new ListCompositeType(HistoricalSummary, p.HISTORICAL_ROOTS_LIMIT);

  const executionPayloadFields = {...bellatrix.executionPayloadFields, withdrawals: Withdrawals};
  const executionPayloadHeaderFields = {...bellatrix.executionPayloadHeaderFields, withdrawalsRoot: t.Root};
  const ExecutionPayload = new ContainerType(executionPayloadFields, opts("ExecutionPayload"));
  const ExecutionPayloadHeader = new ContainerType(executionPayloadHeaderFields, opts("ExecutionPayloadHeader"));

  const beaconBlockBodyFields = {
    ...bellatrix.beaconBlockBodyFields,
    executionPayload: ExecutionPayload,
    blsToExecutionChanges: BLSToExecutionChanges,
  };
  const BeaconBlockBody = new ContainerType(beaconBlockBodyFields, opts("BeaconBlockBody"));
  const BeaconBlock = new ContainerType({...phase0.beaconBlockFields, body: BeaconBlockBody}, opts("BeaconBlock"));
  const SignedBeaconBlock = new ContainerType(
    {message: BeaconBlock, signature: t.BLSSignature},
    opts("SignedBeaconBlock"),
  );
  const beaconStateFields = {
    ...bellatrix.beaconStateFields,
    latestExecutionPayloadHeader: ExecutionPayloadHeader,
    nextWithdrawalIndex: t.WithdrawalIndex,
    nextWithdrawalValidatorIndex: t.ValidatorIndex,
    historicalSummaries: HistoricalSummaries,
  };
  const BeaconState = new ContainerType(beaconStateFields, opts("BeaconState"));

  const blindedBeaconBlockBodyFields = {
    ...bellatrix.blindedBeaconBlockBodyFields,
    executionPayloadHeader: ExecutionPayloadHeader,
    blsToExecutionChanges: BLSToExecutionChanges,
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

  const ExecutionBranch = new VectorCompositeType(t.Bytes32, Math.floor(Math.log2(EXECUTION_PAYLOAD_GINDEX)));
  const LightClientHeader = new ContainerType(
    {beacon: phase0.BeaconBlockHeader, execution: ExecutionPayloadHeader, executionBranch: ExecutionBranch},
    opts("LightClientHeader"),
  );
  const lightClient = createLightClientTypes(t, altair.SyncCommittee, altair.SyncAggregate, LightClientHeader, altair);

  return {
    Withdrawal,
    Withdrawals,
    BLSToExecutionChange,
    SignedBLSToExecutionChange,
    BLSToExecutionChanges,
    HistoricalSummary,
    HistoricalSummaries,
    executionPayloadFields,
    executionPayloadHeaderFields,
    ExecutionPayload,
    ExecutionPayloadHeader,
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
    ExecutionBranch,
    LightClientHeader,
    ...lightClient,
  };
}

export type CapellaTypes = ReturnType<typeof createCapellaTypes>;
