/**
 * PeerDAS data column sidecars (fulu): building a block's NUMBER_OF_COLUMNS sidecars from its blobs
 * (fulu/validator.md get_data_column_sidecars, get_data_column_sidecars_from_block,
 * get_data_column_sidecars_from_column_sidecar; das-core.md compute_matrix) and reconstruction from half of the
 * columns (das-core.md recover_matrix). Their verification (verify_data_column_sidecar,
 * verify_data_column_sidecar_kzg_proofs, verify_data_column_sidecar_inclusion_proof) is state-transition's
 * (util/sidecars.ts).
 */
import type {BeaconConfig} from "@ceibo/config";
import {CELLS_PER_EXT_BLOB, ForkSeq, NUMBER_OF_COLUMNS} from "@ceibo/params";
import type {Kzg, SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import type {DataColumnSidecar} from "../../db/index.ts";
import {
  blobKzgCommitmentsOf,
  computeBodyProofs,
  computeSignedBlockHeader,
  type SignedBeaconBlockHeader,
} from "./merkle.ts";

export type {DataColumnSidecar};

/** The cells and cell proofs of one extended blob (a row of the matrix): the spec's Tuple[Cells, Proofs]. */
export interface CellsAndKzgProofs {
  cells: Uint8Array[];
  proofs: Uint8Array[];
}

/** das-core.md compute_matrix, as rows: compute_cells_and_kzg_proofs of every blob (~0.6-0.9 s a blob). */
export function computeCellsAndKzgProofs(kzg: Kzg, blobs: Uint8Array[]): CellsAndKzgProofs[] {
  return blobs.map((blob) => {
    const [cells, proofs] = kzg.computeCellsAndKzgProofs(blob);
    return {cells, proofs};
  });
}

/**
 * fulu/validator.md: the rows from the engine's blobs bundle (getPayloadV5 / getBlobsV2): compute_cells of each blob
 * with the CELLS_PER_EXT_BLOB cell proofs the engine returned for it (flattened, blob after blob).
 */
export function cellsAndKzgProofsFromBlobs(
  kzg: Kzg,
  blobs: Uint8Array[],
  cellProofs: Uint8Array[],
): CellsAndKzgProofs[] {
  if (cellProofs.length !== blobs.length * CELLS_PER_EXT_BLOB) {
    throw Error(
      `expected ${blobs.length * CELLS_PER_EXT_BLOB} cell proofs for ${blobs.length} blobs, got ${cellProofs.length}`,
    );
  }
  return blobs.map((blob, i) => ({
    cells: kzg.computeCells(blob),
    proofs: cellProofs.slice(i * CELLS_PER_EXT_BLOB, (i + 1) * CELLS_PER_EXT_BLOB),
  }));
}

/** fulu/validator.md get_data_column_sidecars. */
export function getDataColumnSidecars(
  signedBlockHeader: SignedBeaconBlockHeader,
  kzgCommitments: Uint8Array[],
  kzgCommitmentsInclusionProof: Uint8Array[],
  cellsAndKzgProofs: CellsAndKzgProofs[],
): DataColumnSidecar[] {
  if (cellsAndKzgProofs.length !== kzgCommitments.length) {
    throw Error(`${kzgCommitments.length} commitments but ${cellsAndKzgProofs.length} rows of cells`);
  }
  for (const row of cellsAndKzgProofs) {
    if (row.cells.length !== NUMBER_OF_COLUMNS || row.proofs.length !== NUMBER_OF_COLUMNS) {
      throw Error(`a row must have ${NUMBER_OF_COLUMNS} cells and proofs`);
    }
  }
  const sidecars: DataColumnSidecar[] = [];
  for (let columnIndex = 0; columnIndex < NUMBER_OF_COLUMNS; columnIndex++) {
    sidecars.push({
      index: columnIndex,
      column: cellsAndKzgProofs.map((row) => row.cells[columnIndex]),
      kzgCommitments,
      kzgProofs: cellsAndKzgProofs.map((row) => row.proofs[columnIndex]),
      signedBlockHeader,
      kzgCommitmentsInclusionProof,
    });
  }
  return sidecars;
}

/**
 * fulu/validator.md get_data_column_sidecars_from_block: the header and the merkle proof of `blob_kzg_commitments`
 * come from the block. A block without blobs has no sidecars.
 */
export function getDataColumnSidecarsFromBlock(
  config: BeaconConfig,
  signedBlock: SignedBeaconBlockAllForks,
  cellsAndKzgProofs: CellsAndKzgProofs[],
): DataColumnSidecar[] {
  const block = signedBlock.message;
  const fork = config.getForkSeq(block.slot);
  if (fork < ForkSeq.fulu) {
    throw Error(`data column sidecars exist from fulu on, slot ${block.slot} is ${config.getForkName(block.slot)}`);
  }
  const commitments = blobKzgCommitmentsOf(fork, block);
  if (commitments.length === 0) return [];
  const {bodyRoot, proofs} = computeBodyProofs(fork, block.body, [["blobKzgCommitments"]]);
  return getDataColumnSidecars(
    computeSignedBlockHeader(fork, signedBlock, bodyRoot),
    commitments,
    proofs[0],
    cellsAndKzgProofs,
  );
}

/** fulu/validator.md get_data_column_sidecars_from_column_sidecar (distributed blob publishing). */
export function getDataColumnSidecarsFromColumnSidecar(
  sidecar: DataColumnSidecar,
  cellsAndKzgProofs: CellsAndKzgProofs[],
): DataColumnSidecar[] {
  if (cellsAndKzgProofs.length !== sidecar.kzgCommitments.length) {
    throw Error(`${sidecar.kzgCommitments.length} commitments but ${cellsAndKzgProofs.length} rows of cells`);
  }
  return getDataColumnSidecars(
    sidecar.signedBlockHeader,
    sidecar.kzgCommitments,
    sidecar.kzgCommitmentsInclusionProof,
    cellsAndKzgProofs,
  );
}

/**
 * das-core.md recover_matrix, as rows: every blob's cells and proofs from the columns at hand (at least
 * NUMBER_OF_COLUMNS / 2 distinct columns of ONE block, each already verified). recover_cells_and_kzg_proofs per
 * blob (~0.6 s a blob); with every column present the rows are read off without recovery.
 */
export function recoverCellsAndKzgProofs(kzg: Kzg, sidecars: DataColumnSidecar[]): CellsAndKzgProofs[] {
  const byIndex = new Map<number, DataColumnSidecar>();
  for (const s of sidecars) byIndex.set(s.index, s);
  const columns = [...byIndex.values()].sort((a, b) => a.index - b.index);
  if (columns.length * 2 < NUMBER_OF_COLUMNS) {
    throw Error(`reconstruction needs ${NUMBER_OF_COLUMNS / 2} columns, have ${columns.length}`);
  }
  const blobCount = columns[0].kzgCommitments.length;
  for (const c of columns) {
    if (c.column.length !== blobCount || c.kzgProofs.length !== blobCount) {
      throw Error(`column ${c.index} has ${c.column.length} cells, expected ${blobCount}`);
    }
  }
  const rows: CellsAndKzgProofs[] = [];
  for (let blobIndex = 0; blobIndex < blobCount; blobIndex++) {
    if (columns.length === NUMBER_OF_COLUMNS) {
      rows.push({cells: columns.map((c) => c.column[blobIndex]), proofs: columns.map((c) => c.kzgProofs[blobIndex])});
      continue;
    }
    const [cells, proofs] = kzg.recoverCellsAndKzgProofs(
      columns.map((c) => c.index),
      columns.map((c) => c.column[blobIndex]),
    );
    rows.push({cells, proofs});
  }
  return rows;
}

/**
 * das-core.md "Reconstruction and cross-seeding": all NUMBER_OF_COLUMNS sidecars of a block from at least half of
 * them (verified, same block), with the header, commitments and inclusion proof of the given ones.
 */
export function reconstructDataColumnSidecars(kzg: Kzg, sidecars: DataColumnSidecar[]): DataColumnSidecar[] {
  if (sidecars.length === 0) throw Error("no columns to reconstruct from");
  return getDataColumnSidecarsFromColumnSidecar(sidecars[0], recoverCellsAndKzgProofs(kzg, sidecars));
}

/**
 * The blobs of a block from its first NUMBER_OF_COLUMNS / 2 columns: the extension is systematic, so the first half
 * of an extended blob's cells is the blob itself. Null when one of those columns is missing.
 */
export function blobsFromDataColumnSidecars(sidecars: DataColumnSidecar[]): Uint8Array[] | null {
  const half = NUMBER_OF_COLUMNS / 2;
  const byIndex = new Map<number, DataColumnSidecar>();
  for (const s of sidecars) if (s.index < half) byIndex.set(s.index, s);
  if (byIndex.size < half) return null;
  const blobCount = (byIndex.get(0) as DataColumnSidecar).column.length;
  const blobs: Uint8Array[] = [];
  for (let row = 0; row < blobCount; row++) {
    const blob = new Uint8Array(half * (byIndex.get(0) as DataColumnSidecar).column[row].length);
    for (let col = 0; col < half; col++) {
      const cell = (byIndex.get(col) as DataColumnSidecar).column[row];
      blob.set(cell, col * cell.length);
    }
    blobs.push(blob);
  }
  return blobs;
}
