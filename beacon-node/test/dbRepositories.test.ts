import {randomBytes} from "node:crypto";
import {existsSync, mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {type ChainConfig, createDevChainConfig} from "@ceibo/config";
import {FORK_NAMES, type ForkName, ForkSeq, SLOTS_PER_EPOCH} from "@ceibo/params";
import {
  type BeaconStateAllForks,
  createInteropGenesisState,
  type SignedBeaconBlockAllForks,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import type {Type} from "@chainsafe/ssz";
import {ClassicLevel} from "classic-level";
import {afterAll, afterEach, beforeEach, describe, expect, it} from "vitest";
import {
  BeaconDb,
  type BlobSidecar,
  Bucket,
  chainDbPath,
  type DataColumnSidecar,
  DbError,
  readBlockSummary,
} from "../src/db/index.ts";

/** A chain with one fork per epoch: slot 32·k + … is in FORK_NAMES[k] (mainnet preset, as vitest runs). */
const rand = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

const stagedConfig = createDevChainConfig({
  preset: "mainnet",
  forkEpochs: {altair: 1, bellatrix: 2, capella: 3, deneb: 4, electra: 5, fulu: 6},
});
const slotIn = (fork: ForkName, offset = 3): number => ForkSeq[fork] * SLOTS_PER_EPOCH + offset;

/** A dev config whose genesis is at `fork` (forks up to it at epoch 0, the later ones never). */
function configAtGenesisFork(fork: number): ChainConfig {
  const out: Record<string, unknown> = {...createDevChainConfig({preset: "mainnet"})};
  ["ALTAIR", "BELLATRIX", "CAPELLA", "DENEB", "ELECTRA", "FULU"].forEach((k, i) => {
    out[`${k}_FORK_EPOCH`] = i + 1 <= fork ? 0 : Number.POSITIVE_INFINITY;
  });
  return out as unknown as ChainConfig;
}

const typeOf = (fork: ForkName, name: string): Type<unknown> =>
  (ssz[fork] as unknown as Record<string, Type<unknown>>)[name];

/** A block of `fork` at `slot` with random header fields, signature and graffiti (and blob commitments from deneb). */
function makeBlock(fork: ForkName, slot: number, parentRoot: Uint8Array = rand(32)): SignedBeaconBlockAllForks {
  const block = typeOf(fork, "SignedBeaconBlock").defaultValue() as SignedBeaconBlockAllForks;
  block.message.slot = slot;
  block.message.proposerIndex = 1 + Math.floor(Math.random() * 1000);
  block.message.parentRoot = parentRoot;
  block.message.stateRoot = rand(32);
  block.message.body.graffiti = rand(32);
  block.signature = rand(96);
  if (ForkSeq[fork] >= ForkSeq.deneb) {
    (block.message.body as {blobKzgCommitments: Uint8Array[]}).blobKzgCommitments = [rand(48), rand(48)];
  }
  return block;
}

function blockRoot(fork: ForkName, block: SignedBeaconBlockAllForks): Uint8Array {
  return typeOf(fork, "BeaconBlock").hashTreeRoot(block.message);
}

function headerAt(slot: number) {
  const header = {slot, proposerIndex: 7, parentRoot: rand(32), stateRoot: rand(32), bodyRoot: rand(32)};
  return {header, root: ssz.phase0.BeaconBlockHeader.hashTreeRoot(header)};
}

function makeBlobSidecar(header: ReturnType<typeof headerAt>["header"], index: number): BlobSidecar {
  const s = ssz.deneb.BlobSidecar.defaultValue();
  s.index = index;
  s.blob = rand(s.blob.length);
  s.kzgCommitment = rand(48);
  s.kzgProof = rand(48);
  s.signedBlockHeader = {message: header, signature: rand(96)};
  s.kzgCommitmentInclusionProof = s.kzgCommitmentInclusionProof.map(() => rand(32));
  return s;
}

function makeColumn(header: ReturnType<typeof headerAt>["header"], index: number): DataColumnSidecar {
  const s = ssz.fulu.DataColumnSidecar.defaultValue();
  s.index = index;
  const cellLength = (ssz.fulu as unknown as {Cell: {fixedSize: number}}).Cell.fixedSize;
  s.column = [rand(cellLength), rand(cellLength)];
  s.kzgCommitments = [rand(48), rand(48)];
  s.kzgProofs = [rand(48), rand(48)];
  s.signedBlockHeader = {message: header, signature: rand(96)};
  s.kzgCommitmentsInclusionProof = s.kzgCommitmentsInclusionProof.map(() => rand(32));
  return s;
}

async function expectDbError(p: Promise<unknown> | (() => unknown), code: string, message?: RegExp): Promise<void> {
  let error: unknown;
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    error = e;
  }
  expect(error, `expected a DbError ${code}`).toBeInstanceOf(DbError);
  expect((error as DbError).code).toBe(code);
  if (message !== undefined) expect((error as DbError).message).toMatch(message);
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "ceibo-db-"));
  dirs.push(d);
  return d;
}

describe("BeaconDb repositories", () => {
  let dataDir: string;
  let db: BeaconDb;

  beforeEach(async () => {
    dataDir = tempDir();
    db = await BeaconDb.open(dataDir, {network: "dev", chainConfig: stagedConfig});
  });
  afterEach(async () => {
    await db.close();
  });

  it("lives in <dataDir>/<network>/chain-db", () => {
    expect(db.location).toBe(chainDbPath(dataDir, "dev"));
    expect(existsSync(join(dataDir, "dev", "chain-db", "CURRENT"))).toBe(true);
  });

  it.each(FORK_NAMES)("hot blocks round-trip (%s), decoded with the fork of their slot", async (fork) => {
    const block = makeBlock(fork, slotIn(fork));
    const root = blockRoot(fork, block);
    await db.hotBlocks.put(root, block);

    const got = await db.hotBlocks.get(root);
    expect(got?.fork).toBe(fork);
    expect(typeOf(fork, "SignedBeaconBlock").equals(got?.block, block)).toBe(true);
    const serialized = await db.hotBlocks.getSerialized(root);
    expect(serialized?.fork).toBe(fork);
    expect(Buffer.from(serialized?.ssz ?? []).equals(typeOf(fork, "SignedBeaconBlock").serialize(block))).toBe(true);
    expect(await db.hotBlocks.has(root)).toBe(true);
    expect((await db.getBlock(root))?.fork).toBe(fork);

    await db.hotBlocks.delete(root);
    expect(await db.hotBlocks.get(root)).toBeNull();
  });

  it("stores serialized blocks as given and reads their header fields without decoding", async () => {
    const fork = "electra";
    const parent = rand(32);
    const block = makeBlock(fork, slotIn(fork, 17), parent);
    const bytes = typeOf(fork, "SignedBeaconBlock").serialize(block);
    const root = blockRoot(fork, block);
    await db.hotBlocks.putSerialized(root, bytes);
    const all = await db.hotBlocks.all();
    expect(all).toHaveLength(1);
    expect(all[0].slot).toBe(slotIn(fork, 17));
    expect(all[0].proposerIndex).toBe(block.message.proposerIndex);
    expect(Buffer.from(all[0].parentRoot).equals(parent)).toBe(true);
    expect(all[0].fork).toBe(fork);
    expect(typeOf(fork, "SignedBeaconBlock").equals((await db.hotBlocks.get(root))?.block, block)).toBe(true);
    // not a SignedBeaconBlock
    await expectDbError(() => db.hotBlocks.putSerialized(root, rand(40)), "INVALID_ARGUMENT");
  });

  it("reads header fields of a real mainnet-layout block of every fork", () => {
    for (const fork of FORK_NAMES) {
      const block = makeBlock(fork, 123456789);
      const summary = readBlockSummary(typeOf(fork, "SignedBeaconBlock").serialize(block));
      expect(summary.slot).toBe(123456789);
      expect(Buffer.from(summary.parentRoot).equals(block.message.parentRoot)).toBe(true);
    }
  });

  it("refuses a block that is not of the fork its slot is in", async () => {
    const block = makeBlock("phase0", slotIn("capella"));
    await expectDbError(db.hotBlocks.put(rand(32), block), "INVALID_ARGUMENT", /capella/);
    await expectDbError(db.hotBlocks.put(rand(31), makeBlock("phase0", 1)), "INVALID_ARGUMENT", /32 bytes/);
  });

  it.each(FORK_NAMES)("archived blocks round-trip by slot and by root (%s)", async (fork) => {
    const block = makeBlock(fork, slotIn(fork, 9));
    const root = blockRoot(fork, block);
    await db.blockArchive.put(root, block);
    const bySlot = await db.blockArchive.getBySlot(slotIn(fork, 9));
    const byRoot = await db.blockArchive.getByRoot(root);
    expect(bySlot?.fork).toBe(fork);
    expect(typeOf(fork, "SignedBeaconBlock").equals(bySlot?.block, block)).toBe(true);
    expect(typeOf(fork, "SignedBeaconBlock").equals(byRoot?.block, block)).toBe(true);
    expect(await db.blockArchive.getSlotByRoot(root)).toBe(slotIn(fork, 9));
    expect(await db.blockArchive.getBySlot(slotIn(fork, 10))).toBeNull();
    expect(await db.blockArchive.getByRoot(rand(32))).toBeNull();
  });

  it("ranges over archived blocks in slot order across forks", async () => {
    const slots: number[] = [];
    for (const fork of FORK_NAMES) {
      for (const offset of [0, 5, 31]) {
        const block = makeBlock(fork, slotIn(fork, offset));
        await db.blockArchive.put(blockRoot(fork, block), block);
        slots.push(slotIn(fork, offset));
      }
    }
    const range = await db.blockArchive.rangeSerialized(slotIn("bellatrix", 5), slotIn("electra", 5));
    expect(range.map((b) => b.slot)).toEqual(
      slots.filter((s) => s >= slotIn("bellatrix", 5) && s < slotIn("electra", 5)),
    );
    expect(range.map((b) => b.fork)).toEqual([
      "bellatrix",
      "bellatrix",
      "capella",
      "capella",
      "capella",
      "deneb",
      "deneb",
      "deneb",
      "electra",
    ]);
    for (const b of range) expect(readBlockSummary(b.ssz).slot).toBe(b.slot);
    expect(await db.blockArchive.lastSlot()).toBe(slotIn("fulu", 31));
  });

  it.each(["deneb", "electra"] as const)("blob sidecars round-trip by block root (%s)", async (fork) => {
    const {header, root} = headerAt(slotIn(fork));
    const sidecars = [makeBlobSidecar(header, 2), makeBlobSidecar(header, 0), makeBlobSidecar(header, 1)];
    await db.blobSidecars.put(root, sidecars);
    const got = await db.blobSidecars.get(root);
    expect(got?.fork).toBe(fork);
    expect(got?.sidecars.map((s) => s.index)).toEqual([0, 1, 2]);
    for (const s of got?.sidecars ?? []) {
      expect(ssz.deneb.BlobSidecar.equals(s, sidecars.find((x) => x.index === s.index) as BlobSidecar)).toBe(true);
    }
    await db.blobSidecars.delete(root);
    expect(await db.blobSidecars.get(root)).toBeNull();
  });

  it("refuses blob sidecars outside deneb/electra, of another block, duplicated or empty", async () => {
    const capella = headerAt(slotIn("capella"));
    await expectDbError(
      db.blobSidecars.put(capella.root, [makeBlobSidecar(capella.header, 0)]),
      "INVALID_ARGUMENT",
      /deneb and electra/,
    );
    const fulu = headerAt(slotIn("fulu"));
    await expectDbError(db.blobSidecars.put(fulu.root, [makeBlobSidecar(fulu.header, 0)]), "INVALID_ARGUMENT", /fulu/);
    const a = headerAt(slotIn("deneb"));
    const b = headerAt(slotIn("deneb"));
    await expectDbError(
      db.blobSidecars.put(b.root, [makeBlobSidecar(a.header, 0)]),
      "INVALID_ARGUMENT",
      /not the block root/,
    );
    await expectDbError(
      db.blobSidecars.put(a.root, [makeBlobSidecar(a.header, 0), makeBlobSidecar(b.header, 1)]),
      "INVALID_ARGUMENT",
      /different blocks/,
    );
    await expectDbError(
      db.blobSidecars.put(a.root, [makeBlobSidecar(a.header, 1), makeBlobSidecar(a.header, 1)]),
      "INVALID_ARGUMENT",
      /twice/,
    );
    await expectDbError(db.blobSidecars.put(a.root, []), "INVALID_ARGUMENT", /no sidecars/);
  });

  it("data column sidecars round-trip by block root and column index (fulu)", async () => {
    const {header, root} = headerAt(slotIn("fulu"));
    const other = headerAt(slotIn("fulu", 4));
    const columns = [makeColumn(header, 100), makeColumn(header, 3), makeColumn(header, 64)];
    await db.dataColumnSidecars.put(root, columns);
    await db.dataColumnSidecars.put(other.root, [makeColumn(other.header, 5)]);

    expect(await db.dataColumnSidecars.getIndices(root)).toEqual([3, 64, 100]);
    const one = await db.dataColumnSidecars.get(root, 64);
    expect(one?.fork).toBe("fulu");
    expect(ssz.fulu.DataColumnSidecar.equals(one?.sidecar as DataColumnSidecar, columns[2])).toBe(true);
    expect(await db.dataColumnSidecars.get(root, 5)).toBeNull();
    const all = await db.dataColumnSidecars.getAll(root);
    expect(all.map((c) => c.sidecar.index)).toEqual([3, 64, 100]);

    await db.dataColumnSidecars.delete(root);
    expect(await db.dataColumnSidecars.getIndices(root)).toEqual([]);
    expect(await db.dataColumnSidecars.getIndices(other.root)).toEqual([5]);
  });

  it("refuses data columns before fulu and column indices out of range", async () => {
    const electra = headerAt(slotIn("electra"));
    await expectDbError(
      db.dataColumnSidecars.put(electra.root, [makeColumn(electra.header, 0)]),
      "INVALID_ARGUMENT",
      /from fulu on/,
    );
    const fulu = headerAt(slotIn("fulu"));
    await expectDbError(
      db.dataColumnSidecars.put(fulu.root, [makeColumn(fulu.header, 128)]),
      "INVALID_ARGUMENT",
      /below 128/,
    );
  });

  describe("states of every fork (16 interop validators)", () => {
    // One interop genesis (phase0: the upgrades at mainnet preset take seconds each), its registry carried into
    // each fork's default state, placed in that fork's epoch of the staged chain.
    let genesis: ReturnType<typeof createInteropGenesisState> | undefined;
    const states = new Map<ForkName, {fork: number; state: BeaconStateAllForks}>();
    const stateOf = (fork: ForkName) => {
      genesis ??= createInteropGenesisState(configAtGenesisFork(ForkSeq.phase0), {
        validatorCount: 16,
        genesisTime: 1_700_000_000,
      });
      let cs = states.get(fork);
      if (cs === undefined) {
        const g = genesis.state;
        const state = (
          typeOf(fork, "BeaconState") as unknown as {defaultViewDU(): BeaconStateAllForks}
        ).defaultViewDU();
        state.genesisTime = g.genesisTime;
        state.genesisValidatorsRoot = g.genesisValidatorsRoot;
        state.slot = slotIn(fork, 0);
        state.validators = ssz.phase0.Validators.toViewDU(g.validators.toValue());
        state.balances = ssz.phase0.Balances.toViewDU(g.balances.toValue());
        state.randaoMixes.set(0, rand(32));
        state.commit();
        cs = {fork: ForkSeq[fork], state};
        states.set(fork, cs);
      }
      return cs;
    };

    it.each(FORK_NAMES)("checkpoint states round-trip (%s)", async (fork) => {
      const cs = stateOf(fork);
      const cp = {epoch: ForkSeq[fork], root: rand(32)};
      await db.checkpointStates.put(cp, cs);
      const got = await db.checkpointStates.get(cp);
      expect(got?.fork).toBe(fork);
      expect(got?.forkSeq).toBe(ForkSeq[fork]);
      expect(Buffer.from(got?.stateRoot ?? []).equals(cs.state.hashTreeRoot())).toBe(true);
      expect(Buffer.from(got?.state.hashTreeRoot() ?? []).equals(cs.state.hashTreeRoot())).toBe(true);
      expect(got?.state.validators.length).toBe(16);
      expect(await db.checkpointStates.checkpoints()).toEqual([{epoch: cp.epoch, root: cp.root}]);
      await db.checkpointStates.delete(cp);
      expect(await db.checkpointStates.get(cp)).toBeNull();
    });

    it.each(FORK_NAMES)("archived states round-trip by slot and state root (%s)", async (fork) => {
      const cs = stateOf(fork);
      await db.stateArchive.put(cs);
      const root = cs.state.hashTreeRoot();
      const bySlot = await db.stateArchive.getBySlot(slotIn(fork, 0));
      const byRoot = await db.stateArchive.getByRoot(root);
      expect(bySlot?.fork).toBe(fork);
      expect(Buffer.from(bySlot?.state.hashTreeRoot() ?? []).equals(root)).toBe(true);
      expect(Buffer.from(byRoot?.state.serialize() ?? []).equals(cs.state.serialize())).toBe(true);
      expect(await db.stateArchive.slots()).toEqual([slotIn(fork, 0)]);
    });

    it("refuses a state whose fork is not the fork of its slot", async () => {
      const cs = stateOf("altair");
      await expectDbError(db.stateArchive.put({fork: ForkSeq.capella, state: cs.state}), "INVALID_ARGUMENT", /altair/);
      await expectDbError(db.stateArchive.put({fork: 9, state: cs.state}), "INVALID_ARGUMENT", /unknown fork 9/);
    });
  });

  it("anchor round-trip", async () => {
    expect(await db.anchor.get()).toBeNull();
    const anchor = {checkpoint: {epoch: 12, root: rand(32)}, stateRoot: rand(32), stateSlot: 384, blockSlot: 380};
    await db.anchor.put(anchor);
    expect(await db.anchor.get()).toEqual(anchor);
    await expectDbError(() => db.anchor.put({...anchor, blockSlot: 385}), "INVALID_ARGUMENT", /after its state slot/);
  });

  it("metadata round-trip with typed values", async () => {
    expect(await db.metadata.getAll()).toEqual({});
    const gvr = rand(32);
    await db.metadata.put("genesisTime", 1606824023);
    await db.metadata.put("genesisValidatorsRoot", gvr);
    await db.metadata.put("chainConfigName", "mainnet");
    expect(await db.metadata.get("genesisTime")).toBe(1606824023);
    expect(Buffer.from((await db.metadata.get("genesisValidatorsRoot")) ?? []).equals(gvr)).toBe(true);
    expect(await db.metadata.getAll()).toEqual({
      genesisTime: 1606824023,
      genesisValidatorsRoot: gvr,
      chainConfigName: "mainnet",
    });
    await expectDbError(() => db.metadata.put("genesisTime", -1), "INVALID_ARGUMENT");
    await expectDbError(
      () => db.metadata.put("unknown" as "genesisTime", 1),
      "INVALID_ARGUMENT",
      /unknown metadata key/,
    );
  });

  it("a batch lands all of its writes together; a batch with a failed op writes nothing", async () => {
    const fork = "deneb";
    const block = makeBlock(fork, slotIn(fork));
    const root = blockRoot(fork, block);
    const {header, root: sidecarRoot} = headerAt(slotIn(fork));
    const anchor = {
      checkpoint: {epoch: 4, root},
      stateRoot: rand(32),
      stateSlot: slotIn(fork),
      blockSlot: slotIn(fork),
    };

    const bad = db.batch().putBlock(root, block).putAnchor(anchor);
    expect(() => bad.putBlobSidecars(sidecarRoot, [])).toThrow(DbError);
    await expectDbError(bad.write(), "INVALID_ARGUMENT", /batch not written/);
    expect(await db.hotBlocks.get(root)).toBeNull();
    expect(await db.anchor.get()).toBeNull();

    const good = db
      .batch()
      .putBlock(root, block)
      .putBlobSidecars(sidecarRoot, [makeBlobSidecar(header, 0)])
      .putAnchor(anchor);
    good.putMetadata("genesisTime", 5);
    expect(good.length).toBe(4);
    await good.write();
    expect(await db.hotBlocks.has(root)).toBe(true);
    expect((await db.blobSidecars.get(sidecarRoot))?.sidecars).toHaveLength(1);
    expect(await db.anchor.get()).toEqual(anchor);
    expect(await db.metadata.get("genesisTime")).toBe(5);
    await expectDbError(good.write(), "INVALID_ARGUMENT", /already written/);
  });

  it("closes gracefully: pending writes finish, later calls fail with CLOSED, data persists", async () => {
    const fork = "capella";
    const blocks = Array.from({length: 50}, (_, i) => makeBlock(fork, slotIn(fork, i % SLOTS_PER_EPOCH)));
    const writes = blocks.map((b) => db.hotBlocks.put(blockRoot(fork, b), b));
    await db.close();
    await Promise.all(writes);
    await db.close(); // idempotent
    await expectDbError(db.hotBlocks.get(rand(32)), "CLOSED", /is closed/);
    await expectDbError(db.batch().putBlock(rand(32), blocks[0]).write(), "CLOSED");

    db = await BeaconDb.open(dataDir, {network: "dev", chainConfig: stagedConfig});
    expect(await db.hotBlocks.all()).toHaveLength(50);
  });

  it("reports a corrupt stored value as CORRUPT_VALUE, not a crash", async () => {
    const root = rand(32);
    await db.close();
    const raw = new ClassicLevel<Uint8Array, Uint8Array>(chainDbPath(dataDir, "dev"), {
      keyEncoding: "view",
      valueEncoding: "view",
    });
    await raw.put(Uint8Array.of(Bucket.hotBlock, ...root), Uint8Array.of(42, 1, 2, 3));
    await raw.put(Uint8Array.of(Bucket.archivedBlock, 0, 0, 0, 0, 0, 0, 0, 7), Uint8Array.of(ForkSeq.altair, 1, 2, 3));
    await raw.close();
    db = await BeaconDb.open(dataDir, {network: "dev", chainConfig: stagedConfig});
    await expectDbError(db.hotBlocks.get(root), "CORRUPT_VALUE", /unknown fork byte 42/);
    await expectDbError(db.blockArchive.getBySlot(7), "CORRUPT_VALUE", /cannot decode altair SignedBeaconBlock/);
    await expectDbError(db.hotBlocks.all(), "CORRUPT_VALUE");
  });
});
