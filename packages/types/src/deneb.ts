import type {BeaconPreset} from "@ceibo/params";
import {BYTES_PER_FIELD_ELEMENT} from "@ceibo/params";
import {ByteVectorType, ContainerType, ListCompositeType, VectorCompositeType} from "@chainsafe/ssz";
import {type AltairTypes, createLightClientTypes} from "./altair.ts";
import type {CapellaTypes} from "./capella.ts";
import type {Phase0Types} from "./phase0.ts";
import type {Primitives} from "./primitives.ts";

/** deneb containers (specs/deneb/beacon-chain.md, p2p-interface.md, validator.md; Beacon API block contents). */
export function createDenebTypes(
  p: BeaconPreset,
  t: Primitives,
  phase0: Phase0Types,
  altair: AltairTypes,
  capella: CapellaTypes,
) {
  const opts = (typeName: string) => ({typeName, jsonCase: "eth2" as const});

  const Blob = new ByteVectorType(BYTES_PER_FIELD_ELEMENT * p.FIELD_ELEMENTS_PER_BLOB);
  const Blobs = new ListCompositeType(Blob, p.MAX_BLOB_COMMITMENTS_PER_BLOCK);
  const BlobKzgCommitments = new ListCompositeType(t.KZGCommitment, p.MAX_BLOB_COMMITMENTS_PER_BLOCK);
  const KZGProofs = new ListCompositeType(t.KZGProof, p.MAX_BLOB_COMMITMENTS_PER_BLOCK);

  const executionPayloadFields = {
    ...capella.executionPayloadFields,
    blobGasUsed: t.UintNum64,
    excessBlobGas: t.UintNum64,
  };
  const executionPayloadHeaderFields = {
    ...capella.executionPayloadHeaderFields,
    blobGasUsed: t.UintNum64,
    excessBlobGas: t.UintNum64,
  };
  const ExecutionPayload = new ContainerType(executionPayloadFields, opts("ExecutionPayload"));
  const ExecutionPayloadHeader = new ContainerType(executionPayloadHeaderFields, opts("ExecutionPayloadHeader"));

  const beaconBlockBodyFields = {
    ...capella.beaconBlockBodyFields,
    executionPayload: ExecutionPayload,
    blobKzgCommitments: BlobKzgCommitments,
  };
  const BeaconBlockBody = new ContainerType(beaconBlockBodyFields, opts("BeaconBlockBody"));
  const BeaconBlock = new ContainerType({...phase0.beaconBlockFields, body: BeaconBlockBody}, opts("BeaconBlock"));
  const SignedBeaconBlock = new ContainerType(
    {message: BeaconBlock, signature: t.BLSSignature},
    opts("SignedBeaconBlock"),
  );
  const beaconStateFields = {...capella.beaconStateFields, latestExecutionPayloadHeader: ExecutionPayloadHeader};
  const BeaconState = new ContainerType(beaconStateFields, opts("BeaconState"));

  const blindedBeaconBlockBodyFields = {
    ...capella.blindedBeaconBlockBodyFields,
    executionPayloadHeader: ExecutionPayloadHeader,
    blobKzgCommitments: BlobKzgCommitments,
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

  // p2p-interface.md
  const KzgCommitmentInclusionProof = new VectorCompositeType(t.Bytes32, p.KZG_COMMITMENT_INCLUSION_PROOF_DEPTH);
  const BlobSidecar = new ContainerType(
    {
      index: t.BlobIndex,
      blob: Blob,
      kzgCommitment: t.KZGCommitment,
      kzgProof: t.KZGProof,
      signedBlockHeader: phase0.SignedBeaconBlockHeader,
      kzgCommitmentInclusionProof: KzgCommitmentInclusionProof,
    },
    opts("BlobSidecar"),
  );
  const BlobIdentifier = new ContainerType({blockRoot: t.Root, index: t.BlobIndex}, opts("BlobIdentifier"));
  const BlobSidecarsByRangeRequest = new ContainerType(
    {startSlot: t.Slot, count: t.UintNum64},
    opts("BlobSidecarsByRangeRequest"),
  );

  // Beacon API: a block with its blobs (produceBlockV3 / publishBlockV2 for deneb and electra)
  const BlobsBundle = new ContainerType(
    {commitments: BlobKzgCommitments, proofs: KZGProofs, blobs: Blobs},
    opts("BlobsBundle"),
  );
  const BlockContents = new ContainerType(
    {block: BeaconBlock, kzgProofs: KZGProofs, blobs: Blobs},
    opts("BlockContents"),
  );
  const SignedBlockContents = new ContainerType(
    {signedBlock: SignedBeaconBlock, kzgProofs: KZGProofs, blobs: Blobs},
    opts("SignedBlockContents"),
  );

  const LightClientHeader = new ContainerType(
    {beacon: phase0.BeaconBlockHeader, execution: ExecutionPayloadHeader, executionBranch: capella.ExecutionBranch},
    opts("LightClientHeader"),
  );
  const lightClient = createLightClientTypes(t, altair.SyncCommittee, altair.SyncAggregate, LightClientHeader, altair);

  return {
    Blob,
    Blobs,
    BlobKzgCommitments,
    KZGProofs,
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
    KzgCommitmentInclusionProof,
    BlobSidecar,
    BlobIdentifier,
    BlobSidecarsByRangeRequest,
    BlobsBundle,
    BlockContents,
    SignedBlockContents,
    LightClientHeader,
    ...lightClient,
  };
}

export type DenebTypes = ReturnType<typeof createDenebTypes>;
