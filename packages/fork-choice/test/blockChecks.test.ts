import {createDevChainConfig} from "@ceibo/config";
import {NUMBER_OF_COLUMNS, SLOTS_PER_EPOCH} from "@ceibo/params";
import type {DataColumnSidecarLike} from "@ceibo/state-transition";
import {describe, expect, it} from "vitest";
import {isDataAvailableDeneb, isDataAvailableFulu, type KzgVerifier} from "../src/dataAvailability.ts";
import {ForkChoiceError} from "../src/errors.ts";
import {isValidTerminalPowBlock, type PowBlock, validateMergeBlock} from "../src/mergeBlock.ts";

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

/** A KZG stand-in that records its calls and answers `verdict` (or throws, like c-kzg on a malformed point). */
function fakeKzg(verdict: boolean | "throw"): KzgVerifier & {calls: number} {
  const k = {
    calls: 0,
    verifyBlobKzgProofBatch: () => {
      k.calls++;
      if (verdict === "throw") throw Error("invalid G1 point");
      return verdict;
    },
    verifyCellKzgProofBatch: (_c: Uint8Array[], cellIndices: number[]) => {
      k.calls++;
      if (verdict === "throw") throw Error("invalid G1 point");
      expect(new Set(cellIndices).size).toBe(1); // the column index is every cell's index
      return verdict;
    },
  };
  return k;
}

describe("deneb is_data_available", () => {
  const commitments = [bytes(48, 1), bytes(48, 2)];
  const blobs = [bytes(8, 1), bytes(8, 2)];
  const proofs = [bytes(48, 3), bytes(48, 4)];

  it("needs as many blobs and proofs as commitments, then the batch verification", () => {
    expect(isDataAvailableDeneb(fakeKzg(true), commitments, blobs, proofs)).toBe(true);
    expect(isDataAvailableDeneb(fakeKzg(false), commitments, blobs, proofs)).toBe(false);
    const k = fakeKzg(true);
    expect(isDataAvailableDeneb(k, commitments, blobs.slice(1), proofs)).toBe(false);
    expect(isDataAvailableDeneb(k, commitments, blobs, [...proofs, bytes(48, 5)])).toBe(false);
    expect(k.calls).toBe(0);
    expect(isDataAvailableDeneb(k, [], [], [])).toBe(true);
  });

  it("a malformed commitment or proof (the library throws) is unavailable data", () => {
    expect(isDataAvailableDeneb(fakeKzg("throw"), commitments, blobs, proofs)).toBe(false);
  });
});

// verify_data_column_sidecar itself: packages/state-transition/test/sidecars.test.ts
describe("fulu is_data_available", () => {
  const config = createDevChainConfig();
  const sidecar = (over: Partial<DataColumnSidecarLike> = {}): DataColumnSidecarLike => ({
    index: 3,
    column: [bytes(4, 1), bytes(4, 2)],
    kzgCommitments: [bytes(48, 1), bytes(48, 2)],
    kzgProofs: [bytes(48, 3), bytes(48, 4)],
    signedBlockHeader: {message: {slot: 5}},
    ...over,
  });

  it("is_data_available needs every sidecar well formed and verified", () => {
    expect(isDataAvailableFulu(config, fakeKzg(true), [sidecar(), sidecar({index: 4})])).toBe(true);
    expect(isDataAvailableFulu(config, fakeKzg(false), [sidecar()])).toBe(false);
    const k = fakeKzg(true);
    expect(isDataAvailableFulu(config, k, [sidecar({index: NUMBER_OF_COLUMNS})])).toBe(false);
    expect(k.calls).toBe(0);
    expect(isDataAvailableFulu(config, fakeKzg("throw"), [sidecar()])).toBe(false);
  });
});

describe("bellatrix validate_merge_block", () => {
  const config = {...createDevChainConfig(), TERMINAL_TOTAL_DIFFICULTY: 100n};
  const pow = (hash: number, parent: number, td: bigint): PowBlock => ({
    blockHash: bytes(32, hash),
    parentHash: bytes(32, parent),
    totalDifficulty: td,
  });
  const lookup = (blocks: PowBlock[]) => (h: Uint8Array) =>
    blocks.find((b) => Buffer.from(b.blockHash).equals(Buffer.from(h))) ?? null;
  const mergeBlock = (parentHash: Uint8Array, slot = 10) => ({slot, body: {executionPayload: {parentHash}}});
  const codeOf = (fn: () => void): string | undefined => {
    try {
      fn();
    } catch (e) {
      if (e instanceof ForkChoiceError) return e.code;
      throw e;
    }
    return undefined;
  };

  it("is_valid_terminal_pow_block: the block reaches TTD and its parent does not", () => {
    expect(isValidTerminalPowBlock(config, pow(2, 1, 100n), pow(1, 0, 99n))).toBe(true);
    expect(isValidTerminalPowBlock(config, pow(2, 1, 99n), pow(1, 0, 98n))).toBe(false);
    expect(isValidTerminalPowBlock(config, pow(2, 1, 101n), pow(1, 0, 100n))).toBe(false);
  });

  it("needs the terminal block and its parent from get_pow_block", () => {
    const chain = [pow(2, 1, 100n), pow(1, 0, 99n)];
    expect(codeOf(() => validateMergeBlock(config, mergeBlock(bytes(32, 2)), lookup(chain)))).toBe(undefined);
    expect(codeOf(() => validateMergeBlock(config, mergeBlock(bytes(32, 9)), lookup(chain)))).toBe(
      "INVALID_MERGE_BLOCK",
    );
    expect(codeOf(() => validateMergeBlock(config, mergeBlock(bytes(32, 2)), lookup(chain.slice(0, 1))))).toBe(
      "INVALID_MERGE_BLOCK",
    );
    expect(codeOf(() => validateMergeBlock(config, mergeBlock(bytes(32, 1)), lookup(chain)))).toBe(
      "INVALID_MERGE_BLOCK",
    );
  });

  it("TERMINAL_BLOCK_HASH overrides the difficulty check once its activation epoch is reached", () => {
    const override = {...config, TERMINAL_BLOCK_HASH: bytes(32, 7), TERMINAL_BLOCK_HASH_ACTIVATION_EPOCH: 2};
    const none = () => null;
    const atEpoch2 = 2 * SLOTS_PER_EPOCH;
    expect(codeOf(() => validateMergeBlock(override, mergeBlock(bytes(32, 7), atEpoch2), none))).toBe(undefined);
    expect(codeOf(() => validateMergeBlock(override, mergeBlock(bytes(32, 7), atEpoch2 - 1), none))).toBe(
      "INVALID_MERGE_BLOCK",
    );
    expect(codeOf(() => validateMergeBlock(override, mergeBlock(bytes(32, 8), atEpoch2), none))).toBe(
      "INVALID_MERGE_BLOCK",
    );
  });
});
