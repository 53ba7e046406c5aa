/**
 * Sidecar inclusion proofs against the consensus-spec-tests merkle_proof vectors (minimal preset, deneb / electra
 * `blob_kzg_commitment_merkle_proof__*`: the branch of blob_kzg_commitments[i]; fulu
 * `blob_kzg_commitments_merkle_proof__*`: the branch of the whole list): our compute_merkle_proof equals the
 * vector's branch, verify_blob_sidecar_inclusion_proof / verify_data_column_sidecar_inclusion_proof accept sidecars
 * carrying it, and reject them when the commitment(s), the index, a branch node or the body root is changed.
 */

import {existsSync, readdirSync, readFileSync} from "node:fs";
import {join} from "node:path";
import {fromHex} from "@ceibo/utils";
import {describe, expect, it} from "vitest";

// The vectors' BeaconBlockBody objects are minimal-preset SSZ: load the consensus packages with CEIBO_PRESET=minimal
// (this file runs in its own worker process), then put the variable back.
const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {ACTIVE_PRESET_NAME, ForkSeq, KZG_COMMITMENT_INCLUSION_PROOF_DEPTH, KZG_COMMITMENTS_INCLUSION_PROOF_DEPTH} =
  await import("@ceibo/params");
const {ssz, sszTypesByName} = await import("@ceibo/types");
const da = await import("../src/chain/da/index.ts");
/** the sidecar checks (state-transition util/sidecars.ts) */
const st = await import("@ceibo/state-transition");
const {uncompressSync} = await import("snappy");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;
if (ACTIVE_PRESET_NAME !== "minimal") {
  throw Error(`@ceibo/params was already loaded with the ${ACTIVE_PRESET_NAME} preset in this worker`);
}

const VECTORS = new URL("../../../shared/spec-tests/tests/minimal", import.meta.url).pathname;

interface Vector {
  name: string;
  /** Decoded with uint64 as bigint: random bodies hold uint64 values above 2**53. */
  body: {blobKzgCommitments: Uint8Array[]} & Record<string, unknown>;
  /** The body's tree (bigint-typed BeaconBlockBody). */
  node: Parameters<typeof da.computeMerkleProofFromNode>[0];
  /** The body decoded by the node's number-typed BeaconBlockBody when that is lossless (computeBodyProofs' input). */
  numberBody: unknown | null;
  leaf: Uint8Array;
  leafIndex: bigint;
  branch: Uint8Array[];
}

function loadVectors(fork: "deneb" | "electra" | "fulu"): Vector[] {
  const dir = join(VECTORS, fork, "merkle_proof/single_merkle_proof/BeaconBlockBody");
  if (!existsSync(dir)) return [];
  return readdirSync(dir).map((name) => {
    const caseDir = join(dir, name);
    const bytes = uncompressSync(readFileSync(join(caseDir, "object.ssz_snappy"))) as Uint8Array;
    const type = sszTypesByName(fork, {uint64: "bigint"}).BeaconBlockBody as unknown as {
      deserialize(b: Uint8Array): Vector["body"];
      toView(v: unknown): {node: Vector["node"]};
    };
    const body = type.deserialize(bytes);
    const node = type.toView(body).node;
    const numberTyped = ssz[fork].BeaconBlockBody as unknown as {
      deserialize(b: Uint8Array): unknown;
      hashTreeRoot(v: unknown): Uint8Array;
    };
    const decoded = numberTyped.deserialize(bytes);
    const numberBody = Buffer.from(numberTyped.hashTreeRoot(decoded)).equals(node.root) ? decoded : null;
    const yaml = readFileSync(join(caseDir, "proof.yaml"), "utf8");
    const leaf = fromHex((yaml.match(/^leaf: '(0x[0-9a-f]+)'/m) as RegExpMatchArray)[1]);
    const leafIndex = BigInt((yaml.match(/^leaf_index: (\d+)/m) as RegExpMatchArray)[1]);
    const branch = [...yaml.matchAll(/^- '(0x[0-9a-f]{64})'/gm)].map((m) => fromHex(m[1]));
    return {name, body, node, numberBody, leaf, leafIndex, branch};
  });
}

function header(bodyRoot: Uint8Array) {
  return {
    message: {
      slot: 9,
      proposerIndex: 3,
      parentRoot: new Uint8Array(32).fill(1),
      stateRoot: new Uint8Array(32),
      bodyRoot,
    },
    signature: new Uint8Array(96),
  };
}

const flipped = (b: Uint8Array, at = 0): Uint8Array => {
  const c = Uint8Array.from(b);
  c[at] ^= 1;
  return c;
};

for (const fork of ["deneb", "electra"] as const) {
  const vectors = loadVectors(fork);
  describe.skipIf(vectors.length === 0)(`${fork} blob sidecar inclusion proof (spec merkle_proof vectors)`, () => {
    const seq = ForkSeq[fork];

    it("get_generalized_index(BeaconBlockBody, 'blob_kzg_commitments', i) has depth KZG_COMMITMENT_INCLUSION_PROOF_DEPTH", () => {
      const g0 = da.getBodyGeneralizedIndex(seq, ["blobKzgCommitments", 0]);
      expect(g0).toBe(221184n); // (27 * 2) << 12: field 11 of 16, list data subtree, 4096 commitments
      expect(da.gindexDepth(g0)).toBe(KZG_COMMITMENT_INCLUSION_PROOF_DEPTH);
      // computeBodyProofs (the node's number-typed bodies) is checked on the vectors that fit those types
      expect(vectors.filter((v) => v.numberBody !== null).length).toBeGreaterThan(0);
    });

    for (const v of vectors) {
      it(v.name, () => {
        const g0 = da.getBodyGeneralizedIndex(seq, ["blobKzgCommitments", 0]);
        const index = Number(v.leafIndex - g0);
        expect(index).toBeGreaterThanOrEqual(0);
        expect(index).toBeLessThan(v.body.blobKzgCommitments.length);
        expect(da.getBodyGeneralizedIndex(seq, ["blobKzgCommitments", index])).toBe(v.leafIndex);
        const commitment = v.body.blobKzgCommitments[index];
        expect(ssz.deneb.KZGCommitment.hashTreeRoot(commitment)).toEqual(v.leaf);

        const bodyRoot = v.node.root;
        expect(da.computeMerkleProofFromNode(v.node, v.leafIndex)).toEqual(v.branch);
        if (v.numberBody !== null) {
          const own = da.computeBodyProofs(seq, v.numberBody, [["blobKzgCommitments", index]]);
          expect(own.bodyRoot).toEqual(bodyRoot);
          expect(own.proofs[0]).toEqual(v.branch);
        }

        const sidecar = {
          index,
          blob: new Uint8Array(131072),
          kzgCommitment: commitment,
          kzgProof: new Uint8Array(48),
          signedBlockHeader: header(bodyRoot),
          kzgCommitmentInclusionProof: v.branch,
        };
        expect(st.verifyBlobSidecarInclusionProof(sidecar, seq)).toBe(true);
        expect(st.verifyBlobSidecarInclusionProof({...sidecar, kzgCommitment: flipped(commitment, 47)}, seq)).toBe(
          false,
        );
        expect(st.verifyBlobSidecarInclusionProof({...sidecar, index: index + 1}, seq)).toBe(false);
        expect(st.verifyBlobSidecarInclusionProof({...sidecar, index: 1 << 20}, seq)).toBe(false);
        const badBranch = [...v.branch];
        badBranch[5] = flipped(badBranch[5]);
        expect(st.verifyBlobSidecarInclusionProof({...sidecar, kzgCommitmentInclusionProof: badBranch}, seq)).toBe(
          false,
        );
        expect(
          st.verifyBlobSidecarInclusionProof({...sidecar, signedBlockHeader: header(flipped(bodyRoot))}, seq),
        ).toBe(false);
        expect(
          st.verifyBlobSidecarInclusionProof({...sidecar, kzgCommitmentInclusionProof: v.branch.slice(1)}, seq),
        ).toBe(false);
      });
    }
  });
}

const fuluVectors = loadVectors("fulu");
describe.skipIf(fuluVectors.length === 0)(
  "fulu data column sidecar inclusion proof (spec merkle_proof vectors)",
  () => {
    it("get_generalized_index(BeaconBlockBody, 'blob_kzg_commitments') is 27, depth KZG_COMMITMENTS_INCLUSION_PROOF_DEPTH", () => {
      const g = da.getBodyGeneralizedIndex(ForkSeq.fulu, ["blobKzgCommitments"]);
      expect(g).toBe(27n);
      expect(da.gindexDepth(g)).toBe(KZG_COMMITMENTS_INCLUSION_PROOF_DEPTH);
      expect(fuluVectors.filter((v) => v.numberBody !== null).length).toBeGreaterThan(0);
    });

    for (const v of fuluVectors) {
      it(v.name, () => {
        expect(v.leafIndex).toBe(27n);
        const commitments = v.body.blobKzgCommitments;
        expect(ssz.deneb.BlobKzgCommitments.hashTreeRoot(commitments)).toEqual(v.leaf);
        const bodyRoot = v.node.root;
        expect(da.computeMerkleProofFromNode(v.node, v.leafIndex)).toEqual(v.branch);
        if (v.numberBody !== null) {
          const own = da.computeBodyProofs(ForkSeq.fulu, v.numberBody, [["blobKzgCommitments"]]);
          expect(own.bodyRoot).toEqual(bodyRoot);
          expect(own.proofs[0]).toEqual(v.branch);
        }

        const sidecar = {
          index: 0,
          column: [],
          kzgCommitments: commitments,
          kzgProofs: [],
          signedBlockHeader: header(bodyRoot),
          kzgCommitmentsInclusionProof: v.branch,
        };
        expect(st.verifyDataColumnSidecarInclusionProof(sidecar, ForkSeq.fulu)).toBe(true);
        const extra = [...commitments, new Uint8Array(48).fill(0xc0)];
        expect(st.verifyDataColumnSidecarInclusionProof({...sidecar, kzgCommitments: extra}, ForkSeq.fulu)).toBe(false);
        if (commitments.length > 0) {
          const changed = [flipped(commitments[0], 10), ...commitments.slice(1)];
          expect(st.verifyDataColumnSidecarInclusionProof({...sidecar, kzgCommitments: changed}, ForkSeq.fulu)).toBe(
            false,
          );
          expect(
            st.verifyDataColumnSidecarInclusionProof({...sidecar, kzgCommitments: commitments.slice(1)}, ForkSeq.fulu),
          ).toBe(false);
        }
        const badBranch = [...v.branch];
        badBranch[3] = flipped(badBranch[3], 31);
        expect(
          st.verifyDataColumnSidecarInclusionProof({...sidecar, kzgCommitmentsInclusionProof: badBranch}, ForkSeq.fulu),
        ).toBe(false);
        expect(
          st.verifyDataColumnSidecarInclusionProof(
            {...sidecar, signedBlockHeader: header(flipped(bodyRoot))},
            ForkSeq.fulu,
          ),
        ).toBe(false);
      });
    }
  },
);
