import {existsSync} from "node:fs";
import {CELLS_PER_EXT_BLOB} from "@ceibo/params";
import {kzgCommitmentToVersionedHash} from "@ceibo/state-transition";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {ExecutionEngineHttp, type GetPayloadResult, loadKzg, type PayloadAttributes} from "../src/execution/index.ts";
import {blobVersionedHashesOfTransactions, MockEngineServer} from "../src/execution/mock/index.ts";

// The KZG setup of the consensus specs (shared spec-test assets); c-kzg's bundled copy when absent.
const SHARED_SETUP = new URL(
  "../../../shared/spec-tests/presets/mainnet/trusted_setups/trusted_setup_4096.json",
  import.meta.url,
).pathname;
const trustedSetupFile = existsSync(SHARED_SETUP) ? SHARED_SETUP : undefined;
const secret = new Uint8Array(32).fill(3);
const ZERO = new Uint8Array(32);

function attributes(timestamp: number): PayloadAttributes {
  return {
    timestamp,
    prevRandao: new Uint8Array(32).fill(1),
    suggestedFeeRecipient: new Uint8Array(20).fill(2),
    withdrawals: [],
    parentBeaconBlockRoot: new Uint8Array(32).fill(timestamp & 0xff),
  };
}

const noRequests = {deposits: [], withdrawals: [], consolidations: []};

describe("mock engine blobs with real KZG proofs (deneb → electra)", () => {
  let server: MockEngineServer;
  let engine: ExecutionEngineHttp;
  beforeAll(async () => {
    server = new MockEngineServer({
      jwtSecret: secret,
      forkTimes: {capella: 0, deneb: 0, electra: 100},
      blobsPerBlock: 2,
      trustedSetupFile,
    });
    engine = new ExecutionEngineHttp({url: await server.start(), jwtSecret: secret});
  });
  afterAll(() => server.close());

  async function build(fork: "deneb" | "electra", timestamp: number): Promise<GetPayloadResult> {
    const head = server.engine.head.hash;
    const fcu = await engine.notifyForkchoiceUpdated(
      fork,
      {headBlockHash: head, safeBlockHash: ZERO, finalizedBlockHash: ZERO},
      attributes(timestamp),
    );
    return engine.getPayload(fork, fcu.payloadId as string);
  }

  it("getPayloadV3 / V4 bundles verify, and the payload's blob transactions carry their versioned hashes", async () => {
    const kzg = loadKzg(trustedSetupFile);
    for (const [fork, timestamp] of [
      ["deneb", 12],
      ["electra", 112],
    ] as const) {
      const res = await build(fork, timestamp);
      const bundle = res.blobsBundle;
      if (bundle === undefined) throw Error("no blobs bundle");
      expect(bundle.blobs).toHaveLength(2);
      expect(bundle.proofs).toHaveLength(2);
      expect(kzg.verifyBlobKzgProofBatch(bundle.blobs, bundle.commitments, bundle.proofs)).toBe(true);
      // a proof for the other blob does not verify
      expect(kzg.verifyBlobKzgProofBatch(bundle.blobs, bundle.commitments, [bundle.proofs[1], bundle.proofs[0]])).toBe(
        false,
      );

      const p = res.executionPayload as typeof res.executionPayload & {blobGasUsed: number};
      const hashes = bundle.commitments.map(kzgCommitmentToVersionedHash);
      expect(blobVersionedHashesOfTransactions(p.transactions)).toEqual(hashes);
      expect(p.blobGasUsed).toBe(2 * 131072);

      const extras = {
        versionedHashes: hashes,
        parentBeaconBlockRoot: attributes(timestamp).parentBeaconBlockRoot,
        executionRequests: noRequests,
      };
      expect(
        (await engine.notifyNewPayload(fork, p, {...extras, versionedHashes: [hashes[1], hashes[0]]})).status,
      ).toBe("INVALID");
      expect((await engine.notifyNewPayload(fork, p, {...extras, versionedHashes: [hashes[0]]})).status).toBe(
        "INVALID",
      );
      expect(await engine.notifyNewPayload(fork, p, extras)).toEqual({
        status: "VALID",
        latestValidHash: p.blockHash,
        validationError: null,
      });
      await engine.notifyForkchoiceUpdated(fork, {
        headBlockHash: p.blockHash,
        safeBlockHash: ZERO,
        finalizedBlockHash: ZERO,
      });
    }
  });

  it("engine_getBlobsV1 serves pooled blobs with their proofs and null for unknown hashes", async () => {
    const kzg = loadKzg(trustedSetupFile);
    const [b0, b1] = server.engine.blobPool.blobs;
    const res = await engine.getBlobs("electra", [b0.versionedHash, new Uint8Array(32).fill(1), b1.versionedHash]);
    if (res.version !== 1) throw Error("expected getBlobsV1");
    expect(res.blobs[1]).toBeNull();
    const got = [res.blobs[0], res.blobs[2]];
    expect(got.map((b) => b?.blob)).toEqual([b0.blob, b1.blob]);
    expect(
      kzg.verifyBlobKzgProofBatch(
        got.map((b) => b?.blob as Uint8Array),
        [b0.commitment, b1.commitment],
        got.map((b) => b?.proof as Uint8Array),
      ),
    ).toBe(true);
  });
});

describe("mock engine blobs with cell proofs (fulu, getPayloadV5 / getBlobsV2)", () => {
  let server: MockEngineServer;
  let engine: ExecutionEngineHttp;
  beforeAll(async () => {
    server = new MockEngineServer({
      jwtSecret: secret,
      forkTimes: {capella: 0, deneb: 0, electra: 0, fulu: 0},
      blobsPerBlock: 1,
      trustedSetupFile,
    });
    engine = new ExecutionEngineHttp({url: await server.start(), jwtSecret: secret});
  });
  afterAll(() => server.close());

  it("getPayloadV5 returns CELLS_PER_EXT_BLOB cell proofs per blob that verify against the blob's cells", async () => {
    const kzg = loadKzg(trustedSetupFile);
    const head = server.engine.head.hash;
    const fcu = await engine.notifyForkchoiceUpdated(
      "fulu",
      {headBlockHash: head, safeBlockHash: ZERO, finalizedBlockHash: ZERO},
      attributes(12),
    );
    const res = await engine.getPayload("fulu", fcu.payloadId as string);
    const bundle = res.blobsBundle;
    if (bundle === undefined) throw Error("no blobs bundle");
    expect(bundle.blobs).toHaveLength(1);
    expect(bundle.proofs).toHaveLength(CELLS_PER_EXT_BLOB);
    const [cells] = kzg.computeCellsAndKzgProofs(bundle.blobs[0]);
    const indices = cells.map((_, i) => i);
    const commitments = cells.map(() => bundle.commitments[0]);
    expect(kzg.verifyCellKzgProofBatch(commitments, indices, cells, bundle.proofs)).toBe(true);
    expect(kzg.verifyCellKzgProofBatch(commitments, indices, cells, [...bundle.proofs].reverse())).toBe(false);

    const hashes = bundle.commitments.map(kzgCommitmentToVersionedHash);
    const status = await engine.notifyNewPayload("fulu", res.executionPayload, {
      versionedHashes: hashes,
      parentBeaconBlockRoot: attributes(12).parentBeaconBlockRoot,
      executionRequests: noRequests,
    });
    expect(status.status).toBe("VALID");

    const blobs = await engine.getBlobs("fulu", hashes);
    expect(blobs).toEqual({version: 2, blobs: [{blob: bundle.blobs[0], proofs: bundle.proofs}]});
    // all-or-nothing: one unknown hash → null
    expect(await engine.getBlobs("fulu", [hashes[0], new Uint8Array(32).fill(9)])).toEqual({version: 2, blobs: null});
    // getBlobsV1 is not served once Osaka is active (osaka.md)
    await expect(engine.getBlobs("electra", hashes)).rejects.toMatchObject({code: "RPC_ERROR", rpcCode: -38005});
  });
});
