/**
 * Blob sidecars (electra) on a REAL block: an in-process dev chain (minimal preset, 64 interop validators) produces
 * and signs the block of slot 1 over a mock engine whose payload carries 2 blobs with real KZG commitments and
 * proofs. Checks get_blob_sidecars (header, inclusion proofs; a tampered commitment fails), KZG verification (a
 * flipped blob byte or swapped proofs fail), every rule of blob_sidecar_{subnet_id} gossip validation, the
 * availability tracker (resolves when the last blob arrives, import with dataAvailable, persisted to the db),
 * engine_getBlobsV1 retrieval and our own block's sidecars.
 */
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import type {DaChain, ProducedSignedBlock} from "./da-helpers.ts";

// Block and sidecar types of the minimal preset: load the consensus packages with CEIBO_PRESET=minimal (this file
// runs in its own worker process), then put the variable back.
const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {ACTIVE_PRESET_NAME, ForkSeq} = await import("@ceibo/params");
const {ssz} = await import("@ceibo/types");
const da = await import("../src/chain/da/index.ts");
/** the sidecar checks (state-transition util/sidecars.ts) */
const st = await import("@ceibo/state-transition");
const {blockRootOf, fromRootHex} = await import("../src/chain/index.ts");
const {GossipValidationError} = await import("../src/network/types.ts");
const {validateBlobSidecarGossip} = await import("../src/chain/validation/blobSidecar.ts");
const {startDaChain, signHeader, trustedSetupFile} = await import("./da-helpers.ts");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;
if (ACTIVE_PRESET_NAME !== "minimal") {
  throw Error(`@ceibo/params was already loaded with the ${ACTIVE_PRESET_NAME} preset in this worker`);
}

type BlobSidecar = import("../src/chain/da/index.ts").BlobSidecar;

const timings: Record<string, number> = {};
const flip = (b: Uint8Array, at = 0): Uint8Array => {
  const c = Uint8Array.from(b);
  c[at] ^= 1;
  return c;
};

describe("blob sidecars of a produced electra block (2 blobs)", () => {
  let dc: DaChain;
  let produced: ProducedSignedBlock;
  let sidecars: BlobSidecar[];
  let root: string;
  const kzg = da.getKzg(trustedSetupFile);

  beforeAll(async () => {
    dc = await startDaChain("electra", 2);
    produced = await dc.produce(1);
    root = `0x${Buffer.from(blockRootOf(dc.chain.beaconConfig, produced.signed.message)).toString("hex")}`;
  }, 60_000);
  afterAll(async () => {
    await dc?.close();
    console.info("da-blobs timings (ms):", timings);
  });

  const newDa = () => new da.DataAvailabilityTracker({config: dc.chain.beaconConfig, kzg});
  const newDaWith = (opts: Partial<import("../src/chain/da/index.ts").DataAvailabilityTrackerOpts>) =>
    new da.DataAvailabilityTracker({config: dc.chain.beaconConfig, kzg, ...opts});
  const subnetOf = (index: number) => da.computeSubnetForBlobSidecar(dc.chain.config, ForkSeq.electra, index);
  async function outcome(run: () => unknown): Promise<string> {
    try {
      await run();
      return "ACCEPT";
    } catch (e) {
      if (e instanceof GossipValidationError) return `${e.acceptance} ${e.code}`;
      throw e;
    }
  }
  /** The sidecar with a changed header, re-signed by `signer` (default: the header's proposer). */
  function withHeader(s: BlobSidecar, change: Partial<BlobSidecar["signedBlockHeader"]["message"]>, signer?: number) {
    const header = {...s.signedBlockHeader.message, ...change};
    return {...s, signedBlockHeader: signHeader(dc.chain, header, signer)};
  }

  it("get_blob_sidecars: the block's header and commitments, valid inclusion proofs; a tampered commitment fails", () => {
    const {signed, blobsBundle} = produced;
    const body = signed.message.body as unknown as {blobKzgCommitments: Uint8Array[]};
    expect(body.blobKzgCommitments).toHaveLength(2);
    const t0 = performance.now();
    sidecars = da.getBlobSidecars(dc.chain.beaconConfig, signed, blobsBundle.blobs, blobsBundle.proofs);
    timings.getBlobSidecarsPerBlock = Math.round(performance.now() - t0);
    expect(sidecars.map((s) => s.index)).toEqual([0, 1]);
    for (const s of sidecars) {
      expect(`0x${Buffer.from(da.sidecarBlockRoot(s)).toString("hex")}`).toBe(root);
      expect(s.kzgCommitment).toEqual(body.blobKzgCommitments[s.index]);
      expect(s.signedBlockHeader.signature).toEqual(signed.signature);
      expect(st.verifyBlobSidecarInclusionProof(s, ForkSeq.electra)).toBe(true);
    }
    // the commitment of another blob, a changed commitment, another index: not in the body at that place
    const [s0, s1] = sidecars;
    expect(st.verifyBlobSidecarInclusionProof({...s0, kzgCommitment: s1.kzgCommitment}, ForkSeq.electra)).toBe(false);
    expect(
      st.verifyBlobSidecarInclusionProof({...s0, kzgCommitment: flip(s0.kzgCommitment, 20)}, ForkSeq.electra),
    ).toBe(false);
    expect(st.verifyBlobSidecarInclusionProof({...s0, index: 1}, ForkSeq.electra)).toBe(false);
    // a block whose body commits to a tampered commitment has another body root: the real sidecar does not prove it
    const tampered = structuredClone(signed);
    (tampered.message.body as unknown as {blobKzgCommitments: Uint8Array[]}).blobKzgCommitments[0] = flip(
      s0.kzgCommitment,
      20,
    );
    const [t] = da.getBlobSidecars(dc.chain.beaconConfig, tampered, blobsBundle.blobs, blobsBundle.proofs);
    expect(st.verifyBlobSidecarInclusionProof(t, ForkSeq.electra)).toBe(true);
    expect(t.signedBlockHeader.message.bodyRoot).not.toEqual(s0.signedBlockHeader.message.bodyRoot);
    expect(st.verifyBlobSidecarInclusionProof({...s0, signedBlockHeader: t.signedBlockHeader}, ForkSeq.electra)).toBe(
      false,
    );
    // wrong blob / proof counts are refused
    expect(() =>
      da.getBlobSidecars(dc.chain.beaconConfig, signed, blobsBundle.blobs.slice(1), blobsBundle.proofs),
    ).toThrow(/2 blob commitments/);
  });

  it("KZG: the sidecars verify (one and batch); a flipped blob byte or swapped proofs fail", () => {
    let t0 = performance.now();
    expect(da.verifyBlobSidecarsKzgProofBatch(kzg, sidecars)).toBe(true);
    timings.verifyBlobKzgProofBatch2Blobs = Math.round(performance.now() - t0);
    t0 = performance.now();
    expect(da.verifyBlobSidecarKzgProof(kzg, sidecars[0])).toBe(true);
    timings.verifyBlobKzgProof1Blob = Math.round(performance.now() - t0);
    const [s0, s1] = sidecars;
    expect(da.verifyBlobSidecarKzgProof(kzg, {...s0, blob: flip(s0.blob, 1000)})).toBe(false);
    expect(
      da.verifyBlobSidecarsKzgProofBatch(kzg, [
        {...s0, kzgProof: s1.kzgProof},
        {...s1, kzgProof: s0.kzgProof},
      ]),
    ).toBe(false);
    // not a canonical field element / not a G1 point: a negative verdict, not a throw
    const bad = Uint8Array.from(s0.blob);
    bad.fill(0xff, 0, 32);
    expect(da.verifyBlobSidecarKzgProof(kzg, {...s0, blob: bad})).toBe(false);
    expect(da.verifyBlobSidecarKzgProof(kzg, {...s0, kzgProof: new Uint8Array(48).fill(1)})).toBe(false);
    expect(da.verifyBlobSidecarsKzgProofBatch(kzg, [])).toBe(true);
  });

  it("gossip: valid sidecars are ACCEPTed once; every IGNORE / REJECT rule", async () => {
    dc.setSlot(1);
    const chain = dc.chain;
    const [s0, s1] = sidecars;
    const tracker = newDa();
    expect(await outcome(() => validateBlobSidecarGossip(chain, s0, subnetOf(0), tracker))).toBe("ACCEPT");
    expect(tracker.getBlobSidecars(root)).toHaveLength(1);
    expect(await outcome(() => validateBlobSidecarGossip(chain, s0, subnetOf(0), tracker))).toBe("IGNORE ALREADY_SEEN");

    const check = (s: BlobSidecar, subnet: number, opts = {}) =>
      outcome(() => validateBlobSidecarGossip(chain, s, subnet, newDa(), opts));
    // index bound (MAX_BLOBS_PER_BLOCK_ELECTRA = 9) and subnet
    expect(await check({...s1, index: 9}, 0)).toBe("REJECT INDEX_OUT_OF_RANGE");
    expect(await check(s1, subnetOf(0))).toBe("REJECT WRONG_SUBNET");
    expect(subnetOf(8)).toBe(8); // 9 subnets from electra
    // future slot, with MAXIMUM_GOSSIP_CLOCK_DISPARITY (500 ms) allowed
    dc.setSlot(0, 5000);
    expect(await check(s1, subnetOf(1))).toBe("IGNORE FUTURE_SLOT");
    dc.setSlot(0, 5600);
    expect(await check(s1, subnetOf(1))).toBe("ACCEPT");
    dc.setSlot(1);
    // not after the finalized slot (finalized epoch 0 → slot 0)
    expect(await check(withHeader(s1, {slot: 0}), subnetOf(1))).toBe("IGNORE WOULD_REVERT_FINALIZED");
    expect(await check(withHeader(s1, {proposerIndex: 64}, 0), subnetOf(1))).toBe("REJECT PROPOSER_INDEX_OUT_OF_RANGE");
    const other = (produced.proposerIndex + 1) % 64;
    expect(await check(withHeader(s1, {}, other), subnetOf(1))).toBe("REJECT INVALID_PROPOSER_SIGNATURE");
    const unknownParent = withHeader(s1, {parentRoot: new Uint8Array(32).fill(9)});
    expect(await check(unknownParent, subnetOf(1))).toBe("IGNORE PARENT_UNKNOWN");
    expect(await check(unknownParent, subnetOf(1), {isInvalidBlock: () => true})).toBe("REJECT PARENT_INVALID");
    // the header is signed, but the commitment is not the body's / the proof is another blob's
    expect(await check({...s1, kzgCommitment: s0.kzgCommitment}, subnetOf(1))).toBe("REJECT INVALID_INCLUSION_PROOF");
    expect(await check({...s1, kzgProof: s0.kzgProof}, subnetOf(1))).toBe("REJECT INVALID_KZG_PROOF");
    expect(await check({...s1, blob: flip(s1.blob, 77)}, subnetOf(1))).toBe("REJECT INVALID_KZG_PROOF");
    // signed by another validator that claims the slot
    expect(await check(withHeader(s1, {proposerIndex: other}, other), subnetOf(1))).toBe("REJECT INCORRECT_PROPOSER");
    // an invalid sidecar does not take the tuple: the valid one is still ACCEPTed
    expect(
      await outcome(() => validateBlobSidecarGossip(chain, {...s1, kzgProof: s0.kzgProof}, subnetOf(1), tracker)),
    ).toBe("REJECT INVALID_KZG_PROOF");
    expect(await outcome(() => validateBlobSidecarGossip(chain, s1, subnetOf(1), tracker))).toBe("ACCEPT");
  });

  it("tracker: available when the last blob arrives; import with dataAvailable; sidecars persisted to the db", async () => {
    dc.setSlot(1);
    const chain = dc.chain;
    const tracker = newDa();
    expect(tracker.addBlock(produced.signed)).toBe(root);
    expect(tracker.isDataAvailable(root)).toBe(false);
    expect(tracker.getMissing(root)).toEqual({blobIndices: [0, 1]});
    let resolved = false;
    const wait = tracker.waitForAvailability(root, 10_000).then((ok) => {
      resolved = true;
      return ok;
    });
    await validateBlobSidecarGossip(chain, sidecars[1], subnetOf(1), tracker);
    await new Promise((r) => setTimeout(r, 10));
    expect(resolved).toBe(false);
    expect(tracker.getMissing(root)).toEqual({blobIndices: [0]});
    // req/resp path: verified by the tracker (a bad one is refused)
    expect(() => tracker.addBlobSidecars([{...sidecars[0], kzgProof: sidecars[1].kzgProof}])).toThrow(
      /INVALID_SIDECAR/,
    );
    expect(tracker.isDataAvailable(root)).toBe(false);
    expect(tracker.addBlobSidecars([sidecars[0], sidecars[1]])).toBe(1);
    expect(await wait).toBe(true);
    expect(tracker.isDataAvailable(produced.signed)).toBe(true);
    // an unknown block times out
    expect(await tracker.waitForAvailability(`0x${"ab".repeat(32)}`, 30)).toBe(false);

    const imported = await chain.importBlock(produced.signed, {dataAvailable: tracker.isDataAvailable(root)});
    expect(imported.root).toBe(root);
    await tracker.persist(chain.db, root);
    const stored = await chain.db.blobSidecars.get(fromRootHex(root));
    expect(stored?.fork).toBe("electra");
    expect(stored?.sidecars).toHaveLength(2);
    for (let i = 0; i < 2; i++)
      expect(ssz.deneb.BlobSidecar.equals(stored?.sidecars[i] as never, sidecars[i])).toBe(true);

    tracker.prune(1 + 100);
    expect(tracker.size).toBe(0);
  });

  it("gossip: a sidecar not after its (imported) parent's slot is REJECTed", async () => {
    // block 1 is imported now: a header for slot 1 on top of it
    const s = withHeader(sidecars[0], {parentRoot: fromRootHex(root)});
    expect(await outcome(() => validateBlobSidecarGossip(dc.chain, s, subnetOf(0), newDa()))).toBe(
      "REJECT NOT_LATER_THAN_PARENT",
    );
  });

  it("engine_getBlobsV1 retrieval and our own block: the same sidecars, marked seen", async () => {
    const tracker = newDa();
    const engine = dc.chain.engine;
    if (engine === null) throw Error("no engine");
    const got = await tracker.retrieveFromEngine(engine, produced.signed);
    expect(got?.blobSidecars).toHaveLength(2);
    for (let i = 0; i < 2; i++) {
      expect(ssz.deneb.BlobSidecar.equals(got?.blobSidecars?.[i] as BlobSidecar, sidecars[i])).toBe(true);
    }
    expect(tracker.isDataAvailable(root)).toBe(true);
    const h = produced.signed.message;
    expect(tracker.seen.hasBlobSidecar(h.slot, h.proposerIndex, 1)).toBe(true);
    expect(await tracker.retrieveFromEngine(engine, produced.signed)).toBeNull();

    const own = newDa();
    const {blobs, proofs} = produced.blobsBundle;
    const built = own.addBlockWithBlobs(produced.signed, blobs, proofs);
    expect(built.blobSidecars?.map((s) => s.index)).toEqual([0, 1]);
    expect(own.isDataAvailable(root)).toBe(true);
    expect(own.getSidecarsForImport(root).blobSidecars).toHaveLength(2);
    expect(() => newDa().addBlockWithBlobs(produced.signed, blobs, [proofs[1], proofs[0]])).toThrow(/INVALID_BLOBS/);
    expect(() => newDa().addBlockWithBlobs(produced.signed, blobs.slice(1), proofs.slice(1))).toThrow(/INVALID_BLOBS/);
    expect(() => newDa().addDataColumnSidecars([] as never)).not.toThrow();
  });

  it("gossip adapter: a gossip block's data from the engine (published), else from gossip sidecars within the wait", async () => {
    dc.setSlot(1);
    const chain = dc.chain;
    const blockRoot = fromRootHex(root);
    const published: unknown[] = [];
    const withEngine = da.createGossipDataAvailability({
      chain,
      tracker: newDa(),
      engine: chain.engine,
      publish: (s) => published.push(...(s.blobSidecars ?? [])),
    });
    expect(await withEngine.isDataAvailable(produced.signed, blockRoot)).toBe(true);
    expect(published).toHaveLength(2);

    const requested: unknown[] = [];
    const tracker = newDa();
    const hooks = da.createGossipDataAvailability({
      chain,
      tracker,
      requestMissing: (_b, r, missing) => requested.push([r, missing]),
      waitMs: () => 5000,
    });
    const available = hooks.isDataAvailable(produced.signed, blockRoot);
    expect(requested).toEqual([[root, {blobIndices: [0, 1]}]]);
    await hooks.onGossipBlobSidecar(sidecars[0], subnetOf(0), "peer");
    await expect(hooks.onGossipBlobSidecar(sidecars[1], subnetOf(0), "peer")).rejects.toMatchObject({
      acceptance: "REJECT",
      code: "WRONG_SUBNET",
    });
    await hooks.onGossipBlobSidecar(sidecars[1], subnetOf(1), "peer");
    expect(await available).toBe(true);
    // shared Seen sets: what the tracker marks, the gossip handler's cache sees (and the other way round)
    const shared = new Map<string, boolean>();
    const keys = {
      has: (slot: number, key: string) => shared.has(`${slot}/${key}`),
      add: (slot: number, key: string) => void shared.set(`${slot}/${key}`, true),
    };
    const sharing = newDaWith({seenTuples: {blobSidecarTuples: keys, dataColumnSidecarTuples: keys}});
    await validateBlobSidecarGossip(chain, sidecars[0], subnetOf(0), sharing);
    expect(shared.has(`1/${produced.proposerIndex}:0`)).toBe(true);
    shared.set(`1/${produced.proposerIndex}:1`, true);
    expect(await outcome(() => validateBlobSidecarGossip(chain, sidecars[1], subnetOf(1), sharing))).toBe(
      "IGNORE ALREADY_SEEN",
    );
  });
});
