/**
 * PeerDAS data column sidecars (fulu) on a REAL block: an in-process dev chain (minimal preset, 64 interop
 * validators, fulu at genesis) produces and signs the block of slot 1 over a mock engine whose getPayloadV5 bundle
 * carries 2 blobs with their CELLS_PER_EXT_BLOB cell proofs each. Checks get_data_column_sidecars_from_block (the
 * engine's cell proofs give the same sidecars as compute_cells_and_kzg_proofs), verify_data_column_sidecar,
 * inclusion and KZG proofs (flipped cell / proof fail), reconstruction from exactly half of the columns, every rule of
 * data_column_sidecar_{subnet_id} gossip validation, the expected proposer across epochs, and the availability
 * tracker (custody columns; a supernode reconstructing), import and persistence of the custody columns.
 */
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import type {DaChain, ProducedSignedBlock} from "./da-helpers.ts";

// Block and sidecar types of the minimal preset: load the consensus packages with CEIBO_PRESET=minimal (this file
// runs in its own worker process), then put the variable back.
const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {ACTIVE_PRESET_NAME, ForkSeq, NUMBER_OF_COLUMNS, SLOTS_PER_EPOCH} = await import("@ceibo/params");
const {ssz} = await import("@ceibo/types");
const {processSlots} = await import("@ceibo/state-transition");
const da = await import("../src/chain/da/index.ts");
/** the sidecar checks (state-transition util/sidecars.ts) */
const st = await import("@ceibo/state-transition");
const {blockRootOf, fromRootHex} = await import("../src/chain/index.ts");
const {GossipValidationError} = await import("../src/network/types.ts");
const {validateDataColumnSidecarGossip} = await import("../src/chain/validation/dataColumnSidecar.ts");
const {startDaChain, signHeader, trustedSetupFile} = await import("./da-helpers.ts");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;
if (ACTIVE_PRESET_NAME !== "minimal") {
  throw Error(`@ceibo/params was already loaded with the ${ACTIVE_PRESET_NAME} preset in this worker`);
}

type DataColumnSidecar = import("../src/chain/da/index.ts").DataColumnSidecar;

const BLOBS = 2;
const timings: Record<string, number> = {};
const flip = (b: Uint8Array, at = 0): Uint8Array => {
  const c = Uint8Array.from(b);
  c[at] ^= 1;
  return c;
};
const sameSidecar = (a: DataColumnSidecar, b: DataColumnSidecar): boolean => ssz.fulu.DataColumnSidecar.equals(a, b);

describe(`data column sidecars of a produced fulu block (${BLOBS} blobs)`, () => {
  let dc: DaChain;
  let produced: ProducedSignedBlock;
  let sidecars: DataColumnSidecar[];
  let root: string;
  const kzg = da.getKzg(trustedSetupFile);

  beforeAll(async () => {
    dc = await startDaChain("fulu", BLOBS);
    produced = await dc.produce(1);
    root = `0x${Buffer.from(blockRootOf(dc.chain.beaconConfig, produced.signed.message)).toString("hex")}`;
  }, 60_000);
  afterAll(async () => {
    await dc?.close();
    console.info("da-columns timings (ms):", timings);
  });

  const newDa = (opts: Partial<import("../src/chain/da/index.ts").DataAvailabilityTrackerOpts> = {}) =>
    new da.DataAvailabilityTracker({config: dc.chain.beaconConfig, kzg, reconstruct: false, ...opts});
  async function outcome(run: () => unknown): Promise<string> {
    try {
      await run();
      return "ACCEPT";
    } catch (e) {
      if (e instanceof GossipValidationError) return `${e.acceptance} ${e.code}`;
      throw e;
    }
  }
  function withHeader(
    s: DataColumnSidecar,
    change: Partial<DataColumnSidecar["signedBlockHeader"]["message"]>,
    signer?: number,
  ): DataColumnSidecar {
    const header = {...s.signedBlockHeader.message, ...change};
    return {...s, signedBlockHeader: signHeader(dc.chain, header, signer)};
  }

  it("get_data_column_sidecars_from_block: the engine's cell proofs give compute_cells_and_kzg_proofs' sidecars", () => {
    const {signed, blobsBundle} = produced;
    const body = signed.message.body as unknown as {blobKzgCommitments: Uint8Array[]};
    expect(body.blobKzgCommitments).toHaveLength(BLOBS);
    expect(blobsBundle.proofs).toHaveLength(BLOBS * 128);
    let t0 = performance.now();
    const rows = da.cellsAndKzgProofsFromBlobs(kzg, blobsBundle.blobs, blobsBundle.proofs);
    timings.computeCellsPerBlob = Math.round((performance.now() - t0) / BLOBS);
    t0 = performance.now();
    const computed = da.computeCellsAndKzgProofs(kzg, blobsBundle.blobs);
    timings.computeCellsAndKzgProofsPerBlob = Math.round((performance.now() - t0) / BLOBS);
    // (c-kzg returns Buffers, the engine's JSON Uint8Arrays: compare bytes)
    const hexOf = (rs: {cells: Uint8Array[]; proofs: Uint8Array[]}[]) =>
      rs.map((r) => [...r.cells, ...r.proofs].map((b) => Buffer.from(b).toString("hex")));
    expect(hexOf(rows)).toEqual(hexOf(computed));
    t0 = performance.now();
    sidecars = da.getDataColumnSidecarsFromBlock(dc.chain.beaconConfig, signed, rows);
    timings.getDataColumnSidecarsFromBlock = Math.round(performance.now() - t0);
    expect(sidecars).toHaveLength(NUMBER_OF_COLUMNS);
    sidecars.forEach((s, i) => {
      expect(s.index).toBe(i);
      expect(s.column).toStrictEqual(rows.map((r) => r.cells[i]));
      expect(s.kzgProofs).toStrictEqual(rows.map((r) => r.proofs[i]));
      expect(s.kzgCommitments).toStrictEqual(body.blobKzgCommitments);
    });
    expect(`0x${Buffer.from(da.sidecarBlockRoot(sidecars[0])).toString("hex")}`).toBe(root);
    // get_data_column_sidecars_from_column_sidecar rebuilds the same set from any one sidecar
    const again = da.getDataColumnSidecarsFromColumnSidecar(sidecars[77], rows);
    expect(again.every((s, i) => sameSidecar(s, sidecars[i]))).toBe(true);
  });

  it("verify_data_column_sidecar and the inclusion proof; tampered commitments fail", () => {
    const config = dc.chain.config;
    for (const s of sidecars) {
      expect(st.verifyDataColumnSidecar(config, s)).toBe(true);
      expect(st.verifyDataColumnSidecarInclusionProof(s, ForkSeq.fulu)).toBe(true);
    }
    const s = sidecars[5];
    expect(st.verifyDataColumnSidecar(config, {...s, index: NUMBER_OF_COLUMNS})).toBe(false);
    expect(st.verifyDataColumnSidecar(config, {...s, kzgCommitments: [], column: [], kzgProofs: []})).toBe(false);
    expect(st.verifyDataColumnSidecar(config, {...s, column: s.column.slice(1)})).toBe(false);
    expect(st.verifyDataColumnSidecar(config, {...s, kzgProofs: s.kzgProofs.slice(1)})).toBe(false);
    const max = dc.chain.beaconConfig.getMaxBlobsPerBlock(0);
    const many = Array.from({length: max + 1}, () => s.kzgCommitments[0]);
    const cells = Array.from({length: max + 1}, () => s.column[0]);
    expect(st.verifyDataColumnSidecar(config, {...s, kzgCommitments: many, column: cells, kzgProofs: cells})).toBe(
      false,
    );

    const tampered = [flip(s.kzgCommitments[0], 30), s.kzgCommitments[1]];
    expect(st.verifyDataColumnSidecarInclusionProof({...s, kzgCommitments: tampered}, ForkSeq.fulu)).toBe(false);
    expect(
      st.verifyDataColumnSidecarInclusionProof({...s, kzgCommitments: s.kzgCommitments.slice(1)}, ForkSeq.fulu),
    ).toBe(false);
    const proof = [...s.kzgCommitmentsInclusionProof];
    proof[2] = flip(proof[2]);
    expect(st.verifyDataColumnSidecarInclusionProof({...s, kzgCommitmentsInclusionProof: proof}, ForkSeq.fulu)).toBe(
      false,
    );
  });

  it("KZG: every column verifies (one and one batch); a flipped cell or proof fails", () => {
    let t0 = performance.now();
    expect(st.verifyDataColumnSidecarsKzgProofsBatch(kzg, sidecars)).toBe(true);
    timings.verifyAll128ColumnsOneBatch = Math.round(performance.now() - t0);
    t0 = performance.now();
    expect(st.verifyDataColumnSidecarKzgProofs(kzg, sidecars[9])).toBe(true);
    timings.verifyOneColumn = Math.round(performance.now() - t0);
    const s = sidecars[9];
    const badCell = {...s, column: [flip(s.column[0], 100), s.column[1]]};
    expect(st.verifyDataColumnSidecarKzgProofs(kzg, badCell)).toBe(false);
    expect(st.verifyDataColumnSidecarKzgProofs(kzg, {...s, kzgProofs: [s.kzgProofs[1], s.kzgProofs[0]]})).toBe(false);
    expect(st.verifyDataColumnSidecarKzgProofs(kzg, {...s, index: 10})).toBe(false);
    expect(st.verifyDataColumnSidecarsKzgProofsBatch(kzg, [sidecars[0], badCell, sidecars[2]])).toBe(false);
    // a cell that is not canonical field elements: a negative verdict, not a throw
    const nonCanonical = Uint8Array.from(s.column[1]);
    nonCanonical.fill(0xff, 0, 32);
    expect(st.verifyDataColumnSidecarKzgProofs(kzg, {...s, column: [s.column[0], nonCanonical]})).toBe(false);
  });

  it("reconstruction from exactly half of the columns gives back every cell and proof; fewer is refused", () => {
    const half = sidecars.filter((s) => s.index % 2 === 1);
    expect(half).toHaveLength(NUMBER_OF_COLUMNS / 2);
    const t0 = performance.now();
    const all = da.reconstructDataColumnSidecars(kzg, half);
    timings.reconstructFromHalfPerBlob = Math.round((performance.now() - t0) / BLOBS);
    expect(all).toHaveLength(NUMBER_OF_COLUMNS);
    expect(all.every((s, i) => sameSidecar(s, sidecars[i]))).toBe(true);
    expect(() => da.reconstructDataColumnSidecars(kzg, half.slice(1))).toThrow(/needs 64 columns/);
    // the extension is systematic: the first half of the columns holds the blobs
    expect(da.blobsFromDataColumnSidecars(all)).toEqual(produced.blobsBundle.blobs);
    expect(da.blobsFromDataColumnSidecars(half)).toBeNull();
  });

  it("expected proposer: same epoch, next epoch (fulu proposer_lookahead) and later (process_slots) agree with process_slots", () => {
    const chain = dc.chain;
    const seen = new da.SeenSidecars();
    const genesisRoot = chain.head.blockRoot;
    for (const slot of [3, SLOTS_PER_EPOCH + 2, 2 * SLOTS_PER_EPOCH + 5]) {
      const state = chain.getBlockState(genesisRoot).clone();
      processSlots(state, slot);
      expect(seen.expectedProposer(chain, genesisRoot, slot)).toBe(state.epochCtx.getBeaconProposer(slot));
    }
  });

  it("gossip: a valid column is ACCEPTed once; every IGNORE / REJECT rule", async () => {
    dc.setSlot(1);
    const chain = dc.chain;
    const s = sidecars[21];
    const tracker = newDa();
    expect(await outcome(() => validateDataColumnSidecarGossip(chain, s, 21, tracker))).toBe("ACCEPT");
    expect(tracker.getDataColumnSidecars(root)).toHaveLength(1);
    // the seen tuple comes first: even a malformed copy of it is IGNOREd
    expect(await outcome(() => validateDataColumnSidecarGossip(chain, {...s, column: []}, 21, tracker))).toBe(
      "IGNORE ALREADY_SEEN",
    );

    const check = (x: DataColumnSidecar, subnet: number, opts = {}) =>
      outcome(() => validateDataColumnSidecarGossip(chain, x, subnet, newDa(), opts));
    const t = sidecars[40];
    expect(await check({...t, kzgProofs: t.kzgProofs.slice(1)}, 40)).toBe("REJECT INVALID_SIDECAR");
    expect(await check({...t, index: NUMBER_OF_COLUMNS}, 0)).toBe("REJECT INVALID_SIDECAR");
    expect(await check(t, 41)).toBe("REJECT WRONG_SUBNET");
    dc.setSlot(0, 5000);
    expect(await check(t, 40)).toBe("IGNORE FUTURE_SLOT");
    dc.setSlot(0, 5600);
    expect(await check(t, 40)).toBe("ACCEPT");
    dc.setSlot(1);
    expect(await check(withHeader(t, {slot: 0}), 40)).toBe("IGNORE WOULD_REVERT_FINALIZED");
    expect(await check(withHeader(t, {proposerIndex: 99}, 0), 40)).toBe("REJECT PROPOSER_INDEX_OUT_OF_RANGE");
    const other = (produced.proposerIndex + 1) % 64;
    expect(await check(withHeader(t, {}, other), 40)).toBe("REJECT INVALID_PROPOSER_SIGNATURE");
    const unknownParent = withHeader(t, {parentRoot: new Uint8Array(32).fill(3)});
    expect(await check(unknownParent, 40)).toBe("IGNORE PARENT_UNKNOWN");
    expect(await check(unknownParent, 40, {isInvalidBlock: () => true})).toBe("REJECT PARENT_INVALID");
    expect(await check({...t, kzgCommitments: [t.kzgCommitments[1], t.kzgCommitments[0]]}, 40)).toBe(
      "REJECT INVALID_INCLUSION_PROOF",
    );
    expect(await check({...t, column: [flip(t.column[0], 5), t.column[1]]}, 40)).toBe("REJECT INVALID_KZG_PROOF");
    expect(await check(withHeader(t, {proposerIndex: other}, other), 40)).toBe("REJECT INCORRECT_PROPOSER");
  });

  it("tracker: available when the last sampling column arrives; import; the custody columns are persisted", async () => {
    dc.setSlot(1);
    const chain = dc.chain;
    const custody = {samplingColumns: [3, 17, 64, 100], custodyColumns: [3, 17]};
    const tracker = newDa({custody});
    tracker.addBlock(produced.signed);
    expect(tracker.isDataAvailable(root)).toBe(false);
    expect(tracker.getMissing(root)).toEqual({columns: [3, 17, 64, 100]});
    let resolved = false;
    const wait = tracker.waitForAvailability(root, 10_000).then((ok) => {
      resolved = true;
      return ok;
    });
    for (const c of [3, 17, 5, 64]) {
      await validateDataColumnSidecarGossip(chain, sidecars[c], c, tracker);
      await new Promise((r) => setTimeout(r, 5));
      expect(resolved).toBe(false);
    }
    expect(tracker.getMissing(root)).toEqual({columns: [100]});
    // req/resp path: the tracker verifies (a bad column is refused)
    expect(() =>
      tracker.addDataColumnSidecars([
        {...sidecars[100], column: [flip(sidecars[100].column[0]), sidecars[100].column[1]]},
      ]),
    ).toThrow(/INVALID_SIDECAR/);
    expect(tracker.addDataColumnSidecars([sidecars[100]])).toBe(1);
    expect(await wait).toBe(true);

    const imported = await chain.importBlock(produced.signed, {dataAvailable: tracker.isDataAvailable(root)});
    expect(imported.root).toBe(root);
    await tracker.persist(chain.db, root);
    expect(await chain.db.dataColumnSidecars.getIndices(fromRootHex(root))).toEqual([3, 17]);
    const stored = await chain.db.dataColumnSidecars.get(fromRootHex(root), 17);
    expect(stored?.fork).toBe("fulu");
    expect(sameSidecar(stored?.sidecar as DataColumnSidecar, sidecars[17])).toBe(true);
  });

  it("gossip: a sidecar not after its (imported) parent's slot is REJECTed", async () => {
    const s = withHeader(sidecars[8], {parentRoot: fromRootHex(root)});
    expect(await outcome(() => validateDataColumnSidecarGossip(dc.chain, s, 8, newDa()))).toBe(
      "REJECT NOT_LATER_THAN_PARENT",
    );
  });

  it("tracker: a supernode given exactly half of the columns reconstructs the rest and reports them", async () => {
    const recovered: number[] = [];
    const tracker = newDa({
      reconstruct: true,
      onReconstructedColumns: (r, cols) => {
        expect(r).toBe(root);
        recovered.push(...cols.map((c) => c.index));
      },
    });
    tracker.addBlock(produced.signed);
    const wait = tracker.waitForAvailability(root, 20_000);
    const t0 = performance.now();
    expect(tracker.addDataColumnSidecars(sidecars.filter((s) => s.index % 2 === 0))).toBe(64);
    timings.trackerVerify64ColumnsOneBatch = Math.round(performance.now() - t0);
    expect(tracker.isDataAvailable(root)).toBe(false);
    expect(await wait).toBe(true);
    expect(recovered.sort((a, b) => a - b)).toEqual(sidecars.filter((s) => s.index % 2 === 1).map((s) => s.index));
    const all = tracker.getDataColumnSidecars(root);
    expect(all.every((s, i) => sameSidecar(s, sidecars[i]))).toBe(true);
    expect(tracker.getSidecarsForImport(root).dataColumnSidecars).toHaveLength(NUMBER_OF_COLUMNS);
  });

  it("our own block and engine_getBlobsV2: all columns, marked seen; wrong cell proofs are refused", async () => {
    const {blobs, proofs} = produced.blobsBundle;
    const own = newDa();
    const t0 = performance.now();
    const built = own.addBlockWithBlobs(produced.signed, blobs, proofs);
    timings.ownBlockColumnsVerifiedPerBlob = Math.round((performance.now() - t0) / BLOBS);
    expect(built.dataColumnSidecars?.every((s, i) => sameSidecar(s, sidecars[i]))).toBe(true);
    expect(own.isDataAvailable(root)).toBe(true);
    const swapped = [...proofs];
    [swapped[0], swapped[1]] = [swapped[1], swapped[0]];
    expect(() => newDa().addBlockWithBlobs(produced.signed, blobs, swapped)).toThrow(/INVALID_BLOBS/);
    expect(() => newDa().addBlockWithBlobs(produced.signed, blobs, proofs.slice(1))).toThrow(/INVALID_BLOBS/);

    const engine = dc.chain.engine;
    if (engine === null) throw Error("no engine");
    const tracker = newDa({custody: {samplingColumns: [1, 2], custodyColumns: [1]}});
    tracker.addDataColumnSidecar(sidecars[1]);
    const got = await tracker.retrieveFromEngine(engine, produced.signed);
    expect(got?.dataColumnSidecars).toHaveLength(NUMBER_OF_COLUMNS - 1);
    expect(tracker.isDataAvailable(root)).toBe(true);
    const h = produced.signed.message;
    expect(tracker.seen.hasDataColumnSidecar(h.slot, h.proposerIndex, 2)).toBe(true);
    expect(tracker.seen.hasDataColumnSidecar(h.slot, h.proposerIndex, 1)).toBe(false);
  });
});
