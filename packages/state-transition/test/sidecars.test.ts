/**
 * The sidecar checks (util/sidecars.ts), written once for gossip, data availability, req/resp, sync and fork choice.
 * Inclusion proofs against real block bodies and KZG against c-kzg are tested in beacon-node/test/da-*.test.ts; here
 * the structural rules of verify_data_column_sidecar (fulu/p2p-interface.md at a08d8a6) and the cases where the
 * copies this replaced answered differently.
 */
import {createDevChainConfig} from "@ceibo/config";
import {ForkSeq, MAX_BLOB_COMMITMENTS_PER_BLOCK, NUMBER_OF_COLUMNS, SLOTS_PER_EPOCH} from "@ceibo/params";
import {describe, expect, it} from "vitest";
import {
  type DataColumnSidecarLike,
  getBodyGeneralizedIndex,
  getSubtreeIndex,
  verifyBlobSidecarInclusionProof,
  verifyDataColumnSidecar,
  verifyDataColumnSidecarKzgProofs,
  verifyDataColumnSidecarsKzgProofsBatch,
} from "../src/index.ts";

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

/** A KZG stand-in (the KZG library is not what these tests are about): counts calls, answers `verdict`. */
function fakeKzg(verdict: boolean | "throw") {
  const k = {
    calls: 0,
    cellIndices: [] as number[][],
    verifyCellKzgProofBatch: (_c: Uint8Array[], cellIndices: number[]) => {
      k.calls++;
      k.cellIndices.push(cellIndices);
      if (verdict === "throw") throw Error("invalid G1 point");
      return verdict;
    },
  };
  return k;
}

const sidecar = (over: Partial<DataColumnSidecarLike> = {}): DataColumnSidecarLike => ({
  index: 3,
  column: [bytes(4, 1), bytes(4, 2)],
  kzgCommitments: [bytes(48, 1), bytes(48, 2)],
  kzgProofs: [bytes(48, 3), bytes(48, 4)],
  signedBlockHeader: {message: {slot: 5}},
  ...over,
});

describe("fulu verify_data_column_sidecar", () => {
  const config = createDevChainConfig();

  it("accepts a well-formed sidecar and rejects each broken rule", () => {
    expect(verifyDataColumnSidecar(config, sidecar())).toBe(true);
    expect(verifyDataColumnSidecar(config, sidecar({index: NUMBER_OF_COLUMNS - 1}))).toBe(true);
    expect(verifyDataColumnSidecar(config, sidecar({index: NUMBER_OF_COLUMNS}))).toBe(false);
    expect(verifyDataColumnSidecar(config, sidecar({kzgCommitments: [], column: [], kzgProofs: []}))).toBe(false);
    expect(verifyDataColumnSidecar(config, sidecar({column: [bytes(4, 1)]}))).toBe(false);
    expect(verifyDataColumnSidecar(config, sidecar({kzgProofs: [bytes(48, 3)]}))).toBe(false);
    const max = config.MAX_BLOBS_PER_BLOCK_ELECTRA; // no BLOB_SCHEDULE entry: electra's limit
    const many = Array.from({length: max + 1}, (_, i) => bytes(48, i));
    expect(verifyDataColumnSidecar(config, sidecar({kzgCommitments: many, column: many, kzgProofs: many}))).toBe(false);
    const limit = many.slice(0, max);
    expect(verifyDataColumnSidecar(config, sidecar({kzgCommitments: limit, column: limit, kzgProofs: limit}))).toBe(
      true,
    );
    // a blob schedule entry in force at the sidecar's epoch sets the limit
    const scheduled = {...config, BLOB_SCHEDULE: [{EPOCH: 1, MAX_BLOBS_PER_BLOCK: 1}]};
    expect(verifyDataColumnSidecar(scheduled, sidecar())).toBe(true);
    expect(verifyDataColumnSidecar(scheduled, sidecar({signedBlockHeader: {message: {slot: SLOTS_PER_EPOCH}}}))).toBe(
      false,
    );
  });

  it("an index that is no uint64 below NUMBER_OF_COLUMNS is rejected (the fork-choice copy let -1 and 1.5 pass)", () => {
    expect(verifyDataColumnSidecar(config, sidecar({index: -1}))).toBe(false);
    expect(verifyDataColumnSidecar(config, sidecar({index: 1.5}))).toBe(false);
    expect(verifyDataColumnSidecar(config, sidecar({index: Number.NaN}))).toBe(false);
  });
});

describe("fulu verify_data_column_sidecar_kzg_proofs", () => {
  it("one verify_cell_kzg_proof_batch with the column index for every cell; its verdict is the answer", () => {
    const yes = fakeKzg(true);
    expect(verifyDataColumnSidecarKzgProofs(yes, sidecar())).toBe(true);
    expect(yes.calls).toBe(1);
    expect(yes.cellIndices[0]).toEqual([3, 3]);
    expect(verifyDataColumnSidecarKzgProofs(fakeKzg(false), sidecar())).toBe(false);
    // the library throws on a malformed point: a negative verdict
    expect(verifyDataColumnSidecarKzgProofs(fakeKzg("throw"), sidecar())).toBe(false);
  });

  it("unequal list lengths are false without asking the library (the fork-choice copy passed them on to it)", () => {
    const k = fakeKzg(true);
    expect(verifyDataColumnSidecarKzgProofs(k, sidecar({kzgProofs: [bytes(48, 3)]}))).toBe(false);
    expect(verifyDataColumnSidecarKzgProofs(k, sidecar({column: [bytes(4, 1)]}))).toBe(false);
    expect(k.calls).toBe(0);
  });

  it("the batch of many sidecars is one library call over all their cells, false if any is malformed", () => {
    const k = fakeKzg(true);
    expect(verifyDataColumnSidecarsKzgProofsBatch(k, [sidecar(), sidecar({index: 7})])).toBe(true);
    expect(k.calls).toBe(1);
    expect(k.cellIndices[0]).toEqual([3, 3, 7, 7]);
    expect(verifyDataColumnSidecarsKzgProofsBatch(k, [sidecar(), sidecar({kzgProofs: []})])).toBe(false);
    expect(k.calls).toBe(1);
    expect(verifyDataColumnSidecarsKzgProofsBatch(k, [])).toBe(true);
    expect(k.calls).toBe(1);
  });
});

describe("get_subtree_index and verify_blob_sidecar_inclusion_proof bounds", () => {
  it("get_subtree_index is the position within the node's depth", () => {
    // gindex 27 = 0b11011: depth 4, position 11 (blob_kzg_commitments in a deneb…fulu body)
    expect(getSubtreeIndex(27)).toBe(11);
    expect(getSubtreeIndex(1)).toBe(0);
    expect(getSubtreeIndex(2 ** 17 + 5)).toBe(5);
    expect(getSubtreeIndex(2 ** 18 - 1)).toBe(2 ** 17 - 1);
    // the gindex of blob_kzg_commitments in a fulu body (ssz/merkle-proofs.md): field 11 of 16
    expect(getBodyGeneralizedIndex(ForkSeq.fulu, ["blobKzgCommitments"])).toBe(27n);
  });

  it("an index outside blob_kzg_commitments' limit is false, not an exception", () => {
    const header = {message: {bodyRoot: bytes(32, 0)}};
    const s = (index: number) => ({
      index,
      kzgCommitment: bytes(48, 1),
      kzgCommitmentInclusionProof: Array.from({length: 17}, () => bytes(32, 0)),
      signedBlockHeader: header,
    });
    for (const index of [MAX_BLOB_COMMITMENTS_PER_BLOCK, -1, 0.5, 2 ** 53]) {
      expect(verifyBlobSidecarInclusionProof(s(index), ForkSeq.deneb)).toBe(false);
    }
  });
});
