import type {BeaconPreset} from "@ceibo/params";
import {ByteListType, ByteVectorType, ContainerType, ListCompositeType} from "@chainsafe/ssz";
import type {AltairTypes} from "./altair.ts";
import type {Phase0Types} from "./phase0.ts";
import type {Primitives} from "./primitives.ts";

/** bellatrix containers (specs/bellatrix/beacon-chain.md, fork-choice.md; builder-specs for blinded/builder types). */
export function createBellatrixTypes(p: BeaconPreset, t: Primitives, phase0: Phase0Types, altair: AltairTypes) {
  const opts = (typeName: string) => ({typeName, jsonCase: "eth2" as const});

  const Transaction = new ByteListType(p.MAX_BYTES_PER_TRANSACTION);
  const Transactions = new ListCompositeType(Transaction, p.MAX_TRANSACTIONS_PER_PAYLOAD);
  const executionPayloadCommonFields = {
    parentHash: t.Hash32,
    feeRecipient: t.ExecutionAddress,
    stateRoot: t.Bytes32,
    receiptsRoot: t.Bytes32,
    logsBloom: new ByteVectorType(p.BYTES_PER_LOGS_BLOOM),
    prevRandao: t.Bytes32,
    blockNumber: t.UintNum64,
    gasLimit: t.UintNum64,
    gasUsed: t.UintNum64,
    timestamp: t.UintNum64,
    extraData: new ByteListType(p.MAX_EXTRA_DATA_BYTES),
    baseFeePerGas: t.UintBn256,
    blockHash: t.Hash32,
  };
  const executionPayloadFields = {...executionPayloadCommonFields, transactions: Transactions};
  const executionPayloadHeaderFields = {...executionPayloadCommonFields, transactionsRoot: t.Root};
  const ExecutionPayload = new ContainerType(executionPayloadFields, opts("ExecutionPayload"));
  const ExecutionPayloadHeader = new ContainerType(executionPayloadHeaderFields, opts("ExecutionPayloadHeader"));
  const PowBlock = new ContainerType(
    {blockHash: t.Hash32, parentHash: t.Hash32, totalDifficulty: t.UintBn256},
    opts("PowBlock"),
  );

  const beaconBlockBodyFields = {...altair.beaconBlockBodyFields, executionPayload: ExecutionPayload};
  const BeaconBlockBody = new ContainerType(beaconBlockBodyFields, opts("BeaconBlockBody"));
  const BeaconBlock = new ContainerType({...phase0.beaconBlockFields, body: BeaconBlockBody}, opts("BeaconBlock"));
  const SignedBeaconBlock = new ContainerType(
    {message: BeaconBlock, signature: t.BLSSignature},
    opts("SignedBeaconBlock"),
  );
  const beaconStateFields = {...altair.beaconStateFields, latestExecutionPayloadHeader: ExecutionPayloadHeader};
  const BeaconState = new ContainerType(beaconStateFields, opts("BeaconState"));

  // Blinded blocks (builder-specs): the body carries the payload header instead of the payload.
  const {executionPayload: _payload, ...bodyWithoutPayload} = beaconBlockBodyFields;
  const blindedBeaconBlockBodyFields = {...bodyWithoutPayload, executionPayloadHeader: ExecutionPayloadHeader};
  const BlindedBeaconBlockBody = new ContainerType(blindedBeaconBlockBodyFields, opts("BlindedBeaconBlockBody"));
  const BlindedBeaconBlock = new ContainerType(
    {...phase0.beaconBlockFields, body: BlindedBeaconBlockBody},
    opts("BlindedBeaconBlock"),
  );
  const SignedBlindedBeaconBlock = new ContainerType(
    {message: BlindedBeaconBlock, signature: t.BLSSignature},
    opts("SignedBlindedBeaconBlock"),
  );

  // builder-specs: validator registration
  const ValidatorRegistrationV1 = new ContainerType(
    {feeRecipient: t.ExecutionAddress, gasLimit: t.UintNum64, timestamp: t.UintNum64, pubkey: t.BLSPubkey},
    opts("ValidatorRegistrationV1"),
  );
  const SignedValidatorRegistrationV1 = new ContainerType(
    {message: ValidatorRegistrationV1, signature: t.BLSSignature},
    opts("SignedValidatorRegistrationV1"),
  );

  return {
    Transaction,
    Transactions,
    executionPayloadCommonFields,
    executionPayloadFields,
    executionPayloadHeaderFields,
    ExecutionPayload,
    ExecutionPayloadHeader,
    PowBlock,
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
    ValidatorRegistrationV1,
    SignedValidatorRegistrationV1,
  };
}

export type BellatrixTypes = ReturnType<typeof createBellatrixTypes>;
