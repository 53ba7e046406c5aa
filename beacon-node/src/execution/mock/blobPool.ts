/**
 * The mock engine's blob pool: deterministic blobs with REAL KZG commitments, blob proofs (deneb, electra) and cell
 * proofs (fulu, EIP-7594), computed once with c-kzg. Built payloads carry blob transactions for these blobs, and
 * engine_getBlobsV1/V2 serve them.
 */
import {createHash} from "node:crypto";
import {BYTES_PER_FIELD_ELEMENT, FIELD_ELEMENTS_PER_BLOB} from "@ceibo/params";
import {kzgCommitmentToVersionedHash} from "@ceibo/state-transition";
import {loadKzg} from "../kzg.ts";

export interface PooledBlob {
  blob: Uint8Array;
  commitment: Uint8Array;
  versionedHash: Uint8Array;
  /** deneb/electra: the blob's KZG proof. */
  proof?: Uint8Array;
  /** fulu: CELLS_PER_EXT_BLOB cell proofs. */
  cellProofs?: Uint8Array[];
}

/** A valid blob: every 32-byte field element big-endian with a zero top byte, so it is below the BLS modulus. */
export function deterministicBlob(seed: number): Uint8Array {
  const blob = new Uint8Array(BYTES_PER_FIELD_ELEMENT * FIELD_ELEMENTS_PER_BLOB);
  for (let i = 0; i < FIELD_ELEMENTS_PER_BLOB; i++) {
    const h = createHash("sha256").update(`ceibo-mock-blob/${seed}/${i}`).digest();
    h[0] = 0;
    blob.set(h, i * BYTES_PER_FIELD_ELEMENT);
  }
  return blob;
}

export class BlobPool {
  readonly blobs: PooledBlob[] = [];
  private readonly byHash = new Map<string, PooledBlob>();
  private readonly trustedSetupFile: string | undefined;

  constructor(trustedSetupFile?: string) {
    this.trustedSetupFile = trustedSetupFile;
  }

  /**
   * Makes `count` blobs available with the proofs asked for (blob proofs and/or cell proofs). Synchronous and
   * CPU-heavy: the trusted setup takes ~5 s once, cell proofs ~1 s per blob.
   */
  prepare(count: number, proofs: {blobProofs: boolean; cellProofs: boolean}): void {
    if (count === 0) return;
    const kzg = loadKzg(this.trustedSetupFile);
    for (let i = 0; i < count; i++) {
      let entry = this.blobs[i];
      if (entry === undefined) {
        const blob = deterministicBlob(i);
        const commitment = kzg.blobToKzgCommitment(blob);
        entry = {blob, commitment, versionedHash: kzgCommitmentToVersionedHash(commitment)};
        this.blobs.push(entry);
        this.byHash.set(Buffer.from(entry.versionedHash).toString("hex"), entry);
      }
      if (proofs.blobProofs && entry.proof === undefined) {
        entry.proof = kzg.computeBlobKzgProof(entry.blob, entry.commitment);
      }
      if (proofs.cellProofs && entry.cellProofs === undefined) {
        entry.cellProofs = kzg.computeCellsAndKzgProofs(entry.blob)[1];
      }
    }
  }

  get(versionedHash: Uint8Array): PooledBlob | undefined {
    return this.byHash.get(Buffer.from(versionedHash).toString("hex"));
  }
}
