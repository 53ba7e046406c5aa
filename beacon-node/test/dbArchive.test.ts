import {randomBytes} from "node:crypto";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {type ChainConfig, createDevChainConfig} from "@ceibo/config";
import {type ForkName, ForkSeq, SLOTS_PER_EPOCH} from "@ceibo/params";
import {
  type BeaconStateAllForks,
  createInteropGenesisState,
  type SignedBeaconBlockAllForks,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {toHexUnprefixed} from "@ceibo/utils";
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from "vitest";
import {BeaconDb, type BlobSidecar, type DataColumnSidecar, DbError} from "../src/db/index.ts";

const rand = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const ZERO = new Uint8Array(32);

/** An electra chain from genesis that forks to fulu at epoch 2 (slot 64): blob sidecars before, columns after. */
const config: ChainConfig = createDevChainConfig({
  preset: "mainnet",
  forkEpochs: {altair: 0, bellatrix: 0, capella: 0, deneb: 0, electra: 0, fulu: 2},
});
const forkAt = (slot: number): ForkName => (slot >= 2 * SLOTS_PER_EPOCH ? "fulu" : "electra");
const GENESIS_TIME = 1_700_000_000;

type Block = SignedBeaconBlockAllForks;
const blockType = (fork: ForkName) => ssz[fork].BeaconBlock as unknown as {hashTreeRoot(v: unknown): Uint8Array};
const bodyRoot = (fork: ForkName, block: Block): Uint8Array =>
  (ssz[fork].BeaconBlockBody as unknown as {hashTreeRoot(v: unknown): Uint8Array}).hashTreeRoot(block.message.body);

function headerOf(block: Block, stateRoot = block.message.stateRoot) {
  const m = block.message;
  return {
    slot: m.slot,
    proposerIndex: m.proposerIndex,
    parentRoot: m.parentRoot,
    stateRoot,
    bodyRoot: bodyRoot(forkAt(m.slot), block),
  };
}

let registry: {validators: unknown; balances: unknown; genesisValidatorsRoot: Uint8Array};
beforeAll(() => {
  const phase0: Record<string, unknown> = {...createDevChainConfig({preset: "mainnet"})};
  for (const k of ["ALTAIR", "BELLATRIX", "CAPELLA", "DENEB", "ELECTRA", "FULU"]) {
    phase0[`${k}_FORK_EPOCH`] = Number.POSITIVE_INFINITY;
  }
  const g = createInteropGenesisState(phase0 as unknown as ChainConfig, {
    validatorCount: 16,
    genesisTime: GENESIS_TIME,
  });
  registry = {
    validators: g.state.validators.toValue(),
    balances: g.state.balances.toValue(),
    genesisValidatorsRoot: g.state.genesisValidatorsRoot,
  };
});

/**
 * A state at `slot` whose latest block header is `block`'s: the block's post state (state_root left zero, as
 * process_block leaves it) when slot = block slot, else the state advanced past it (state_root filled in).
 */
function stateFor(slot: number, block: Block): {fork: number; state: BeaconStateAllForks} {
  const fork = forkAt(slot);
  const state = (ssz[fork].BeaconState as unknown as {defaultViewDU(): BeaconStateAllForks}).defaultViewDU();
  state.slot = slot;
  state.genesisTime = GENESIS_TIME;
  state.genesisValidatorsRoot = registry.genesisValidatorsRoot;
  state.validators = ssz.phase0.Validators.toViewDU(registry.validators as never);
  state.balances = ssz.phase0.Balances.toViewDU(registry.balances as never);
  state.latestBlockHeader = ssz.phase0.BeaconBlockHeader.toViewDU(
    headerOf(block, slot === block.message.slot ? ZERO : block.message.stateRoot),
  );
  state.randaoMixes.set(1, rand(32));
  state.commit();
  return {fork: ForkSeq[fork], state};
}

function makeBlock(slot: number, parentRoot: Uint8Array): {root: Uint8Array; block: Block} {
  const fork = forkAt(slot);
  const block = (ssz[fork].SignedBeaconBlock as unknown as {defaultValue(): Block}).defaultValue();
  block.message.slot = slot;
  block.message.proposerIndex = slot % 16;
  block.message.parentRoot = parentRoot;
  block.message.stateRoot = rand(32);
  block.message.body.graffiti = rand(32);
  block.signature = rand(96);
  return {root: blockType(fork).hashTreeRoot(block.message), block};
}

/** The genesis block of a genesis state (its state root filled in) and that state. */
function genesis(): {root: Uint8Array; block: Block; state: {fork: number; state: BeaconStateAllForks}} {
  const block = (ssz.electra.SignedBeaconBlock as unknown as {defaultValue(): Block}).defaultValue();
  const state = stateFor(0, block);
  block.message.stateRoot = state.state.hashTreeRoot();
  return {root: blockType("electra").hashTreeRoot(block.message), block, state};
}

function blobSidecar(block: Block, index: number): BlobSidecar {
  const s = ssz.deneb.BlobSidecar.defaultValue();
  s.index = index;
  s.kzgCommitment = rand(48);
  s.signedBlockHeader = {message: headerOf(block), signature: block.signature};
  return s;
}

function column(block: Block, index: number): DataColumnSidecar {
  const s = ssz.fulu.DataColumnSidecar.defaultValue();
  s.index = index;
  s.kzgCommitments = [rand(48)];
  s.signedBlockHeader = {message: headerOf(block), signature: block.signature};
  return s;
}

async function rejects(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  let error: unknown;
  try {
    await p;
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(DbError);
  expect((error as DbError).code).toBe(code);
  if (message) expect((error as DbError).message).toMatch(message);
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

interface Chain {
  genesisRoot: Uint8Array;
  /** slot → block of the canonical chain. */
  canonical: Map<number, {root: Uint8Array; block: Block}>;
  roots: Record<string, Uint8Array>;
  blocks: Record<string, Block>;
}

describe("writeAnchor / archiveFinalized / loadAnchor", () => {
  let dataDir: string;
  let db: BeaconDb;

  async function open(frequency?: number): Promise<BeaconDb> {
    return BeaconDb.open(dataDir, {network: "dev", chainConfig: config, archiveStateEpochFrequency: frequency});
  }

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "ceibo-dbarchive-"));
    dirs.push(dataDir);
    db = await open();
  });
  afterEach(async () => {
    await db.close();
  });

  async function put(b: {root: Uint8Array; block: Block}): Promise<void> {
    await db.hotBlocks.put(b.root, b.block);
  }

  /**
   * Genesis anchor plus hot blocks:
   *   canonical: every slot 1…100 except 32, 64 (so epoch 1's and 2's checkpoint roots are the blocks at 31, 63)
   *   fork A:    11', 12' on canonical 10          (before finality → pruned)
   *   fork B:    71', 72' on canonical 70          (descends from the finalized block → kept)
   *   fork C:    41', 66', 67' on canonical 40     (after the finalized slot but off its chain → pruned)
   */
  async function buildChain(): Promise<Chain> {
    const g = genesis();
    await db.writeAnchor({state: g.state, block: g.block});
    const canonical = new Map<number, {root: Uint8Array; block: Block}>();
    let parent = g.root;
    for (let slot = 1; slot <= 100; slot++) {
      if (slot === 32 || slot === 64) continue;
      const b = makeBlock(slot, parent);
      await put(b);
      canonical.set(slot, b);
      parent = b.root;
    }
    const roots: Record<string, Uint8Array> = {};
    const blocks: Record<string, Block> = {};
    const branch = async (name: string, slots: number[], from: number): Promise<void> => {
      let p = (canonical.get(from) as {root: Uint8Array}).root;
      for (const slot of slots) {
        const b = makeBlock(slot, p);
        await put(b);
        roots[`${name}${slot}`] = b.root;
        blocks[`${name}${slot}`] = b.block;
        p = b.root;
      }
    };
    await branch("A", [11, 12], 10);
    await branch("B", [71, 72], 70);
    await branch("C", [41, 66, 67], 40);
    return {genesisRoot: g.root, canonical, roots, blocks};
  }

  it("writes and reloads a genesis anchor, with chain metadata from the state", async () => {
    expect(await db.loadAnchor()).toBeNull();
    const g = genesis();
    await db.writeAnchor({state: g.state, block: g.block});
    await db.close();
    db = await open();

    const resumed = await db.loadAnchor();
    expect(resumed).not.toBeNull();
    expect(resumed?.anchor.checkpoint).toEqual({epoch: 0, root: g.root});
    expect(resumed?.anchor.stateSlot).toBe(0);
    expect(resumed?.anchor.blockSlot).toBe(0);
    expect(toHexUnprefixed(resumed?.state.state.hashTreeRoot() ?? ZERO)).toBe(
      toHexUnprefixed(g.state.state.hashTreeRoot()),
    );
    expect(resumed?.state.fork).toBe("electra");
    expect(toHexUnprefixed(blockType("electra").hashTreeRoot(resumed?.block.block.message))).toBe(
      toHexUnprefixed(g.root),
    );
    expect(resumed?.hotBlocks).toEqual([]);
    expect(await db.metadata.getAll()).toEqual({
      genesisTime: GENESIS_TIME,
      genesisValidatorsRoot: registry.genesisValidatorsRoot,
      chainConfigName: "dev",
    });
    await rejects(db.writeAnchor({state: g.state, block: g.block}), "INVALID_ARGUMENT", /already has an anchor/);
  });

  it("refuses an anchor block that is not the state's latest block header", async () => {
    const g = genesis();
    const other = makeBlock(0, ZERO);
    await rejects(db.writeAnchor({state: g.state, block: other.block}), "ANCHOR_MISMATCH", /latest block header/);
    expect(await db.anchor.get()).toBeNull();
    expect(await db.stateArchive.slots()).toEqual([]);
  });

  it("archives the finalized chain, prunes what can never be canonical, and resumes from the new anchor", async () => {
    const chain = await buildChain();
    const c = (slot: number) => chain.canonical.get(slot) as {root: Uint8Array; block: Block};
    // sidecars: on canonical 11 and fork A 11' (electra blobs), canonical 65 and fork C 66' (fulu columns)
    await db.blobSidecars.put(c(11).root, [blobSidecar(c(11).block, 0)]);
    await db.blobSidecars.put(chain.roots.A11, [blobSidecar(chain.blocks.A11, 0)]);
    await db.dataColumnSidecars.put(c(65).root, [column(c(65).block, 7)]);
    await db.dataColumnSidecars.put(chain.roots.C66, [column(chain.blocks.C66, 7), column(chain.blocks.C66, 9)]);
    // checkpoint states: epoch 1 (block 31), epoch 2 (block 63), epoch 3 on the canonical block 96 and on fork C
    const cp1 = {epoch: 1, root: c(31).root};
    const cp2 = {epoch: 2, root: c(63).root};
    const cp3 = {epoch: 3, root: c(96).root};
    const cp3c = {epoch: 3, root: chain.roots.C67};
    await db.checkpointStates.put(cp1, stateFor(32, c(31).block));
    const finalizedState = stateFor(64, c(63).block);
    await db.checkpointStates.put(cp2, finalizedState);
    await db.checkpointStates.put(cp3, stateFor(96, c(96).block));
    await db.checkpointStates.put(cp3c, stateFor(96, chain.blocks.C67));

    const canonicalBlocks = [...chain.canonical.entries()]
      .filter(([slot]) => slot <= 63)
      .map(([slot, b]) => ({slot, root: b.root}));
    const result = await db.archiveFinalized(cp2, canonicalBlocks);

    expect(result.archived).toBe(true);
    expect(result.archivedBlocks).toBe(62); // slots 1…63 without 32
    expect(result.prunedBlocks).toBe(5); // A11 A12 C41 C66 C67
    expect(result.prunedCheckpointStates).toBe(3); // epoch 1, epoch 2 (now archived), epoch 3 on fork C
    expect(result.anchor).toEqual({
      checkpoint: cp2,
      stateRoot: finalizedState.state.hashTreeRoot(),
      stateSlot: 64,
      blockSlot: 63,
    });

    // blocks: canonical ≤ 63 archived by slot and root, gone from hot; forks A and C gone; the rest hot
    for (const [slot, b] of chain.canonical) {
      if (slot <= 63) {
        expect(
          toHexUnprefixed(blockType(forkAt(slot)).hashTreeRoot((await db.blockArchive.getBySlot(slot))?.block.message)),
        ).toBe(toHexUnprefixed(b.root));
        expect(await db.blockArchive.getSlotByRoot(b.root)).toBe(slot);
        expect(await db.hotBlocks.has(b.root)).toBe(false);
      } else {
        expect(await db.hotBlocks.has(b.root)).toBe(true);
      }
    }
    for (const name of ["A11", "A12", "C41", "C66", "C67"]) {
      expect(await db.getBlock(chain.roots[name])).toBeNull();
    }
    expect(await db.hotBlocks.has(chain.roots.B71)).toBe(true);
    expect(await db.blockArchive.getBySlot(32)).toBeNull();
    expect(await db.blockArchive.lastSlot()).toBe(63);

    // sidecars follow their blocks
    expect((await db.blobSidecars.get(c(11).root))?.sidecars).toHaveLength(1);
    expect(await db.blobSidecars.get(chain.roots.A11)).toBeNull();
    expect(await db.dataColumnSidecars.getIndices(c(65).root)).toEqual([7]);
    expect(await db.dataColumnSidecars.getIndices(chain.roots.C66)).toEqual([]);

    // states
    expect((await db.checkpointStates.checkpoints()).map((cp) => [cp.epoch, toHexUnprefixed(cp.root)])).toEqual([
      [3, toHexUnprefixed(cp3.root)],
    ]);
    expect(await db.stateArchive.slots()).toEqual([0, 64]);
    expect(
      toHexUnprefixed((await db.stateArchive.getByRoot(result.anchor.stateRoot))?.state.hashTreeRoot() ?? ZERO),
    ).toBe(toHexUnprefixed(finalizedState.state.hashTreeRoot()));

    // restart: the node resumes from the finalized checkpoint with the hot blocks that descend from it
    await db.close();
    db = await open();
    const resumed = await db.loadAnchor();
    expect(resumed?.anchor).toEqual(result.anchor);
    expect(resumed?.state.fork).toBe("fulu");
    expect(toHexUnprefixed(resumed?.block.block.message.stateRoot ?? ZERO)).toBe(
      toHexUnprefixed(c(63).block.message.stateRoot),
    );
    const expectedHot = [
      ...[...chain.canonical.entries()].filter(([s]) => s > 63),
      [71, {root: chain.roots.B71}],
      [72, {root: chain.roots.B72}],
    ] as [number, {root: Uint8Array}][];
    expectedHot.sort((a, b) => a[0] - b[0] || Buffer.compare(a[1].root, b[1].root));
    expect(resumed?.hotBlocks.map((b) => [b.block.message.slot, toHexUnprefixed(b.root)])).toEqual(
      expectedHot.map(([s, b]) => [s, toHexUnprefixed(b.root)]),
    );
    expect(resumed?.orphanedHotBlocks).toBe(0);
    // parents come before children
    const seen = new Set([toHexUnprefixed(c(63).root)]);
    for (const b of resumed?.hotBlocks ?? []) {
      expect(seen.has(toHexUnprefixed(b.block.message.parentRoot))).toBe(true);
      seen.add(toHexUnprefixed(b.root));
    }

    // the same checkpoint again is a no-op; an older one is refused
    expect((await db.archiveFinalized(cp2)).archived).toBe(false);
    await rejects(db.archiveFinalized(cp1), "INVALID_ARGUMENT", /not after the stored anchor/);
  });

  it("refuses inconsistent archive requests and writes nothing", async () => {
    const chain = await buildChain();
    const c = (slot: number) => chain.canonical.get(slot) as {root: Uint8Array; block: Block};
    const cp2 = {epoch: 2, root: c(63).root};
    const before = (await db.hotBlocks.all()).length;
    const anchorBefore = await db.anchor.get();

    // a fork block passed as canonical
    await db.checkpointStates.put(cp2, stateFor(64, c(63).block));
    await rejects(
      db.archiveFinalized(cp2, [{slot: 11, root: chain.roots.A11}]),
      "INVALID_ARGUMENT",
      /not an ancestor of the finalized block/,
    );
    // no state stored or given
    await rejects(db.archiveFinalized({epoch: 2, root: c(62).root}), "MISSING_STATE");
    // a state given that belongs to another block
    await rejects(db.archiveFinalized(cp2, undefined, {state: stateFor(64, c(62).block)}), "ANCHOR_MISMATCH");
    // an unknown block
    await rejects(db.archiveFinalized({epoch: 2, root: rand(32)}), "MISSING_BLOCK");
    // a block after the checkpoint's epoch start
    await rejects(db.archiveFinalized({epoch: 2, root: c(65).root}), "INVALID_ARGUMENT", /after the start of epoch 2/);

    expect((await db.hotBlocks.all()).length).toBe(before);
    expect(await db.anchor.get()).toEqual(anchorBefore);
    expect(await db.stateArchive.slots()).toEqual([0]);
  });

  it("keeps the first finalized state of every N-epoch window and drops the others", async () => {
    await db.close();
    db = await open(2); // windows of 2 epochs = 64 slots
    const g = genesis();
    await db.writeAnchor({state: g.state, block: g.block});
    let parent = g.root;
    const bySlot = new Map<number, {root: Uint8Array; block: Block}>();
    for (let slot = 1; slot < 6 * SLOTS_PER_EPOCH; slot++) {
      if (slot % SLOTS_PER_EPOCH === 0) continue; // the checkpoint states are then advanced states
      const b = makeBlock(slot, parent);
      await put(b);
      bySlot.set(slot, b);
      parent = b.root;
    }
    const kept: number[][] = [];
    for (let epoch = 1; epoch <= 5; epoch++) {
      const b = bySlot.get(epoch * SLOTS_PER_EPOCH - 1) as {root: Uint8Array; block: Block};
      const result = await db.archiveFinalized({epoch, root: b.root}, undefined, {
        state: stateFor(epoch * SLOTS_PER_EPOCH, b.block),
      });
      expect(result.anchor.stateSlot).toBe(epoch * SLOTS_PER_EPOCH);
      kept.push(await db.stateArchive.slots());
    }
    // 0 is genesis; 64 and 128 open windows [64,128) and [128,192); 32 and 96 are dropped when their successor
    // is finalized; 160 is the current anchor's state
    expect(kept).toEqual([
      [0, 32],
      [0, 64],
      [0, 64, 96],
      [0, 64, 128],
      [0, 64, 128, 160],
    ]);
    // every archived block is reachable by slot
    expect(await db.blockArchive.lastSlot()).toBe(5 * SLOTS_PER_EPOCH - 1);
    expect((await db.blockArchive.rangeSerialized(0, 1000)).length).toBe(1 + 5 * (SLOTS_PER_EPOCH - 1));
  });

  it("loadAnchor skips hot blocks that do not descend from the anchor", async () => {
    const g = genesis();
    await db.writeAnchor({state: g.state, block: g.block});
    const child = makeBlock(1, g.root);
    const orphan = makeBlock(2, rand(32));
    await put(child);
    await put(orphan);
    const resumed = await db.loadAnchor();
    expect(resumed?.hotBlocks.map((b) => toHexUnprefixed(b.root))).toEqual([toHexUnprefixed(child.root)]);
    expect(resumed?.orphanedHotBlocks).toBe(1);
  });
});
