import type {BeaconPreset} from "@ceibo/params";
import {BYTES_PER_FIELD_ELEMENT} from "@ceibo/params";
import {
  BitListType,
  ByteVectorType,
  ContainerType,
  ListBasicType,
  ListCompositeType,
  VectorBasicType,
  VectorCompositeType,
} from "@chainsafe/ssz";
import type {AltairTypes} from "./altair.ts";
import type {DenebTypes} from "./deneb.ts";
import type {ElectraTypes} from "./electra.ts";
import type {Phase0Types} from "./phase0.ts";
import type {Primitives} from "./primitives.ts";

/** fulu containers (specs/fulu/beacon-chain.md, das-core.md, p2p-interface.md, partial-columns/p2p-interface.md). */
export function createFuluTypes(
  p: BeaconPreset,
  t: Primitives,
  phase0: Phase0Types,
  altair: AltairTypes,
  deneb: DenebTypes,
  electra: ElectraTypes,
) {
  const opts = (typeName: string) => ({typeName, jsonCase: "eth2" as const});

  // EIP-7917 deterministic proposer lookahead
  const ProposerLookahead = new VectorBasicType(t.ValidatorIndex, (p.MIN_SEED_LOOKAHEAD + 1) * p.SLOTS_PER_EPOCH);
  const beaconStateFields = {...electra.beaconStateFields, proposerLookahead: ProposerLookahead};
  const BeaconState = new ContainerType(beaconStateFields, opts("BeaconState"));

  // The block itself is unchanged from electra; fulu gets its own type names for fork-keyed lookups.
  const BeaconBlockBody = new ContainerType(electra.beaconBlockBodyFields, opts("BeaconBlockBody"));
  const BeaconBlock = new ContainerType({...phase0.beaconBlockFields, body: BeaconBlockBody}, opts("BeaconBlock"));
  const SignedBeaconBlock = new ContainerType(
    {message: BeaconBlock, signature: t.BLSSignature},
    opts("SignedBeaconBlock"),
  );

  // das-core.md: the extended data matrix
  const Cell = new ByteVectorType(BYTES_PER_FIELD_ELEMENT * p.FIELD_ELEMENTS_PER_CELL);
  const DataColumn = new ListCompositeType(Cell, p.MAX_BLOB_COMMITMENTS_PER_BLOCK);
  const KzgCommitmentsInclusionProof = new VectorCompositeType(t.Bytes32, p.KZG_COMMITMENTS_INCLUSION_PROOF_DEPTH);
  const DataColumnSidecar = new ContainerType(
    {
      index: t.ColumnIndex,
      column: DataColumn,
      kzgCommitments: deneb.BlobKzgCommitments,
      kzgProofs: deneb.KZGProofs,
      signedBlockHeader: phase0.SignedBeaconBlockHeader,
      kzgCommitmentsInclusionProof: KzgCommitmentsInclusionProof,
    },
    opts("DataColumnSidecar"),
  );
  const MatrixEntry = new ContainerType(
    {cell: Cell, kzgProof: t.KZGProof, columnIndex: t.ColumnIndex, rowIndex: t.RowIndex},
    opts("MatrixEntry"),
  );

  // p2p-interface.md
  const DataColumnIndices = new ListBasicType(t.ColumnIndex, p.NUMBER_OF_COLUMNS);
  const DataColumnsByRootIdentifier = new ContainerType(
    {blockRoot: t.Root, columns: DataColumnIndices},
    opts("DataColumnsByRootIdentifier"),
  );
  const DataColumnSidecarsByRangeRequest = new ContainerType(
    {startSlot: t.Slot, count: t.UintNum64, columns: DataColumnIndices},
    opts("DataColumnSidecarsByRangeRequest"),
  );
  const Metadata = new ContainerType(
    {
      seqNumber: t.UintBn64,
      attnets: phase0.AttestationSubnets,
      syncnets: altair.SyncSubnets,
      custodyGroupCount: t.UintNum64,
    },
    opts("Metadata"),
  );
  const Status = new ContainerType(
    {
      forkDigest: t.ForkDigest,
      finalizedRoot: t.Root,
      finalizedEpoch: t.Epoch,
      headRoot: t.Root,
      headSlot: t.Slot,
      earliestAvailableSlot: t.Slot,
    },
    opts("Status"),
  );

  // partial-columns/p2p-interface.md
  const CellsBitList = new BitListType(p.MAX_BLOB_COMMITMENTS_PER_BLOCK);
  const PartialDataColumnHeader = new ContainerType(
    {
      kzgCommitments: deneb.BlobKzgCommitments,
      signedBlockHeader: phase0.SignedBeaconBlockHeader,
      kzgCommitmentsInclusionProof: KzgCommitmentsInclusionProof,
    },
    opts("PartialDataColumnHeader"),
  );
  const PartialDataColumnSidecar = new ContainerType(
    {
      cellsPresentBitmap: CellsBitList,
      partialColumn: DataColumn,
      kzgProofs: deneb.KZGProofs,
      header: new ListCompositeType(PartialDataColumnHeader, 1),
    },
    opts("PartialDataColumnSidecar"),
  );
  const PartialDataColumnPartsMetadata = new ContainerType(
    {available: CellsBitList, requests: CellsBitList},
    opts("PartialDataColumnPartsMetadata"),
  );
  const PartialDataColumnGroupID = new ContainerType({beaconBlockRoot: t.Root}, opts("PartialDataColumnGroupID"));

  // Beacon API block contents: from fulu the proofs are cell proofs (CELLS_PER_EXT_BLOB per blob)
  const CellKZGProofs = new ListCompositeType(
    t.KZGProof,
    p.FIELD_ELEMENTS_PER_EXT_BLOB * p.MAX_BLOB_COMMITMENTS_PER_BLOCK,
  );
  const BlobsBundle = new ContainerType(
    {commitments: deneb.BlobKzgCommitments, proofs: CellKZGProofs, blobs: deneb.Blobs},
    opts("BlobsBundle"),
  );
  const BlockContents = new ContainerType(
    {block: BeaconBlock, kzgProofs: CellKZGProofs, blobs: deneb.Blobs},
    opts("BlockContents"),
  );
  const SignedBlockContents = new ContainerType(
    {signedBlock: SignedBeaconBlock, kzgProofs: CellKZGProofs, blobs: deneb.Blobs},
    opts("SignedBlockContents"),
  );

  return {
    ProposerLookahead,
    beaconStateFields,
    BeaconState,
    BeaconBlockBody,
    BeaconBlock,
    SignedBeaconBlock,
    Cell,
    DataColumn,
    KzgCommitmentsInclusionProof,
    DataColumnSidecar,
    MatrixEntry,
    DataColumnIndices,
    DataColumnsByRootIdentifier,
    DataColumnSidecarsByRangeRequest,
    Metadata,
    Status,
    CellsBitList,
    PartialDataColumnHeader,
    PartialDataColumnSidecar,
    PartialDataColumnPartsMetadata,
    PartialDataColumnGroupID,
    CellKZGProofs,
    BlobsBundle,
    BlockContents,
    SignedBlockContents,
  };
}

export type FuluTypes = ReturnType<typeof createFuluTypes>;
