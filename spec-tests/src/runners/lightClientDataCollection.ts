import {readFileSync} from "node:fs";
import {join} from "node:path";
import {BeaconConfig, chainConfigFromYaml} from "@ceibo/config";
import {
  EPOCHS_PER_SYNC_COMMITTEE_PERIOD,
  type ForkName,
  ForkSeq,
  MIN_SYNC_COMMITTEE_PARTICIPANTS,
  SLOTS_PER_EPOCH,
} from "@ceibo/params";
import {
  type BeaconStatePostAltair,
  blockToLightClientHeader,
  type CachedBeaconState,
  computeEpochAtSlot,
  computeMerkleProof,
  computeStartSlotAtEpoch,
  computeSyncCommitteePeriodAtSlot,
  createLightClientOptimisticUpdate,
  currentSyncCommitteeGindexAtSlot,
  type ForkedLightClientData,
  finalizedRootGindexAtSlot,
  isBetterUpdate,
  type LightClientForkSchedule,
  lightClientForkSchedule,
  lightClientTypes,
  nextSyncCommitteeGindexAtSlot,
  processSlots,
  type SignedBeaconBlockAllForks,
  stateTransition,
  upgradeLcHeader,
  upgradeLcUpdateToGloas,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {fromHex, toHex} from "@ceibo/utils";
import {assertBytesEqual} from "../util/hex.ts";
import {caseFork, loadCachedState} from "../util/state.ts";
import type {TestCase} from "../util/testCase.ts";
import {toNumber} from "../util/yaml.ts";

/**
 * light_client/data_collection (tests/formats/light_client/data_collection.md at a08d8a6): a simplified chain from
 * initial_state whose head is set by `new_head` steps, collecting light-client data as the reference full node of
 * the generator (tests/core/pyspec/.../helpers/light_client_data_collection.py) does: the best update per
 * non-finalized period along the head's chain, the latest finality/optimistic update and bootstraps for
 * finalized epoch-boundary blocks. Objects are built with create_light_client_* / block_to_light_client_header and
 * compared byte for byte with the vectors' files.
 */

interface BlockId {
  slot: number;
  root: string;
}

interface CachedLightClientData {
  currentSyncCommitteeBranch: Uint8Array[];
  nextSyncCommitteeBranch: Uint8Array[];
  finalizedSlot: number;
  finalityBranch: Uint8Array[];
  currentPeriodBestUpdate: ForkedLightClientData | null;
  latestSignatureSlot: number;
}

interface StoredBlock {
  block: SignedBeaconBlockAllForks;
  fork: ForkName;
}

const bidKey = (bid: BlockId): string => `${bid.slot}:${bid.root}`;
const startSlotAtPeriod = (period: number): number =>
  computeStartSlotAtEpoch(period * EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
const nextEpochBoundarySlot = (slot: number): number =>
  computeStartSlotAtEpoch(computeEpochAtSlot(slot + SLOTS_PER_EPOCH - 1));

class DataCollectionTest {
  readonly cfg: LightClientForkSchedule;
  readonly fork: ForkName;
  blocks = new Map<string, StoredBlock>();
  finalizedBlockRoots = new Map<number, string>();
  states = new Map<string, CachedBeaconState>();
  finalizedCheckpointStates = new Map<string, CachedBeaconState>();
  latestFinalizedEpoch: number;
  latestFinalizedBid: BlockId;
  historicalTailSlot: number;
  // light-client data store
  cacheData = new Map<string, CachedLightClientData>();
  latest: ForkedLightClientData | null = null;
  tailSlot: number;
  headers = new Map<string, ForkedLightClientData>();
  currentBranches = new Map<number, Uint8Array[]>();
  syncCommittees = new Map<number, unknown>();
  bestUpdates = new Map<number, ForkedLightClientData>();

  constructor(cfg: LightClientForkSchedule, fork: ForkName, state: CachedBeaconState) {
    this.cfg = cfg;
    this.fork = fork;
    const s = state.state as BeaconStatePostAltair;
    this.latestFinalizedEpoch = s.finalizedCheckpoint.epoch;
    this.latestFinalizedBid = {
      slot: computeStartSlotAtEpoch(s.finalizedCheckpoint.epoch),
      root: toHex(s.finalizedCheckpoint.root),
    };
    this.historicalTailSlot = s.slot;
    this.tailSlot = Math.max(s.slot, computeStartSlotAtEpoch(cfg.ALTAIR_FORK_EPOCH));
    // create_signed_genesis_block: an empty body and the state's root
    const blockType = ssz[fork].SignedBeaconBlock as unknown as {defaultValue(): SignedBeaconBlockAllForks};
    const genesis = blockType.defaultValue();
    genesis.message.slot = s.slot;
    genesis.message.stateRoot = s.hashTreeRoot();
    const bid = stateToBlockId(state);
    this.blocks.set(bid.root, {block: genesis, fork});
    this.finalizedBlockRoots.set(bid.slot, bid.root);
    this.states.set(toHex(s.hashTreeRoot()), state);
    this.finalizedCheckpointStates.set(toHex(s.hashTreeRoot()), state);
    this.cacheLcData(state, bid, null, 0);
    this.createLcBootstrap(bid);
  }

  blockId(stored: StoredBlock): BlockId {
    return {slot: stored.block.message.slot, root: toHex(blockRoot(stored))};
  }

  getAncestorOfBlockId(bid: BlockId, slot: number): BlockId | null {
    let block = this.blocks.get(bid.root);
    while (block !== undefined) {
      if (block.block.message.slot <= slot) return this.blockId(block);
      block = this.blocks.get(toHex(block.block.message.parentRoot));
    }
    return null;
  }

  blockIdAtFinalizedSlot(slot: number): BlockId | null {
    while (slot >= this.historicalTailSlot) {
      const root = this.finalizedBlockRoots.get(slot);
      if (root !== undefined) return {slot, root};
      slot -= 1;
    }
    return null;
  }

  getCurrentSyncCommitteeForFinalizedPeriod(period: number): unknown {
    const lowSlot = Math.max(this.historicalTailSlot, computeStartSlotAtEpoch(this.cfg.ALTAIR_FORK_EPOCH));
    if (period < computeSyncCommitteePeriodAtSlot(lowSlot)) return null;
    const syncCommitteeSlot = Math.max(startSlotAtPeriod(period), lowSlot);
    const bid = this.blockIdAtFinalizedSlot(syncCommitteeSlot);
    if (bid === null) return null;
    const block = this.blocks.get(bid.root) as StoredBlock;
    let state = this.finalizedCheckpointStates.get(toHex(block.block.message.stateRoot)) as CachedBeaconState;
    if (syncCommitteeSlot > state.state.slot) {
      state = state.clone();
      processSlots(state, syncCommitteeSlot);
    }
    return (state.state as BeaconStatePostAltair).currentSyncCommittee.toValue();
  }

  headerForBlockId(bid: BlockId): ForkedLightClientData {
    const stored = this.blocks.get(bid.root) as StoredBlock;
    return blockToLightClientHeader(this.cfg, stored.block, stored.fork);
  }

  getLightClientData(bid: BlockId): CachedLightClientData {
    const data = this.cacheData.get(bidKey(bid));
    if (data === undefined) throw Error("Trying to get light client data that was not cached");
    return data;
  }

  cacheLcData(
    cs: CachedBeaconState,
    bid: BlockId,
    currentPeriodBestUpdate: ForkedLightClientData | null,
    latestSignatureSlot: number,
  ): void {
    const state = cs.state as BeaconStatePostAltair;
    state.hashTreeRoot();
    const data: CachedLightClientData = {
      currentSyncCommitteeBranch: computeMerkleProof(
        state.node,
        currentSyncCommitteeGindexAtSlot(this.cfg, state.slot),
      ),
      nextSyncCommitteeBranch: computeMerkleProof(state.node, nextSyncCommitteeGindexAtSlot(this.cfg, state.slot)),
      finalizedSlot: computeStartSlotAtEpoch(state.finalizedCheckpoint.epoch),
      finalityBranch: computeMerkleProof(state.node, finalizedRootGindexAtSlot(this.cfg, state.slot)),
      currentPeriodBestUpdate,
      latestSignatureSlot,
    };
    if (this.cacheData.has(bidKey(bid))) throw Error("Redundant `_cache_lc_data` call");
    this.cacheData.set(bidKey(bid), data);
  }

  createLcFinalityUpdateFromLcData(
    attestedBid: BlockId,
    signatureSlot: number,
    syncAggregate: unknown,
  ): ForkedLightClientData {
    const attestedHeader = this.headerForBlockId(attestedBid);
    const attestedData = this.getLightClientData(attestedBid);
    const types = lightClientTypes(attestedHeader.fork);
    const empty = types.LightClientFinalityUpdate.defaultValue();
    let finalizedHeader: unknown = empty.finalizedHeader;
    let finalityBranch: Uint8Array[] = empty.finalityBranch;
    const finalizedBid = this.blockIdAtFinalizedSlot(attestedData.finalizedSlot);
    if (finalizedBid !== null) {
      if (finalizedBid.slot !== attestedData.finalizedSlot) {
        // Empty slots at end of epoch, update cache for latest block slot
        attestedData.finalizedSlot = finalizedBid.slot;
      }
      if (finalizedBid.slot !== 0) {
        finalizedHeader = upgradeLcHeader(this.headerForBlockId(finalizedBid), attestedHeader.fork).data;
      }
      finalityBranch = attestedData.finalityBranch;
    }
    return {
      fork: attestedHeader.fork,
      data: {attestedHeader: attestedHeader.data, finalizedHeader, finalityBranch, syncAggregate, signatureSlot},
    };
  }

  createLcUpdateFromLcData(
    attestedBid: BlockId,
    signatureSlot: number,
    syncAggregate: unknown,
    nextSyncCommittee: unknown,
  ): ForkedLightClientData {
    const finality = this.createLcFinalityUpdateFromLcData(attestedBid, signatureSlot, syncAggregate);
    const attestedData = this.getLightClientData(attestedBid);
    return {
      fork: finality.fork,
      data: {
        attestedHeader: finality.data.attestedHeader,
        nextSyncCommittee,
        nextSyncCommitteeBranch: attestedData.nextSyncCommitteeBranch,
        finalizedHeader: finality.data.finalizedHeader,
        finalityBranch: finality.data.finalityBranch,
        syncAggregate: finality.data.syncAggregate,
        signatureSlot: finality.data.signatureSlot,
      },
    };
  }

  createLcUpdate(cs: CachedBeaconState, stored: StoredBlock, parentBid: BlockId): void {
    const attestedBid = parentBid;
    const attestedSlot = attestedBid.slot;
    const bid = this.blockId(stored);
    if (attestedSlot < this.tailSlot) {
      this.cacheLcData(cs, bid, null, 0);
      return;
    }
    // If sync committee period changed, reset `best`
    const attestedPeriod = computeSyncCommitteePeriodAtSlot(attestedSlot);
    const signatureSlot = stored.block.message.slot;
    const signaturePeriod = computeSyncCommitteePeriodAtSlot(signatureSlot);
    const attestedData = this.getLightClientData(attestedBid);
    let best = attestedPeriod !== signaturePeriod ? null : attestedData.currentPeriodBestUpdate;

    // If sync committee does not have sufficient participants, do not bump latest
    // biome-ignore lint/suspicious/noExplicitAny: an altair+ block body
    const syncAggregate = (stored.block.message.body as any).syncAggregate;
    const numActiveParticipants = syncAggregate.syncCommitteeBits.getTrueBitIndexes().length;
    const latestSignatureSlot =
      numActiveParticipants < MIN_SYNC_COMMITTEE_PARTICIPANTS ? attestedData.latestSignatureSlot : signatureSlot;

    // To update `best`, sync committee must have sufficient participants, and
    // `signature_slot` must be in `attested_slot`'s sync committee period
    if (numActiveParticipants < MIN_SYNC_COMMITTEE_PARTICIPANTS || attestedPeriod !== signaturePeriod) {
      this.cacheLcData(cs, bid, best, latestSignatureSlot);
      return;
    }

    // Check if light client data improved
    const update = this.createLcUpdateFromLcData(
      attestedBid,
      signatureSlot,
      syncAggregate,
      (cs.state as BeaconStatePostAltair).nextSyncCommittee.toValue(),
    );
    const isBetter =
      best === null ||
      isBetterUpdate(
        upgradeLcUpdateToGloas(this.cfg, update.fork, update.data),
        upgradeLcUpdateToGloas(this.cfg, best.fork, best.data),
      );
    if (isBetter) best = update;
    this.cacheLcData(cs, bid, best, latestSignatureSlot);
  }

  createLcBootstrap(bid: BlockId): void {
    const period = computeSyncCommitteePeriodAtSlot(bid.slot);
    if (!this.syncCommittees.has(period)) {
      this.syncCommittees.set(period, this.getCurrentSyncCommitteeForFinalizedPeriod(period));
    }
    this.headers.set(bid.root, this.headerForBlockId(bid));
    this.currentBranches.set(bid.slot, this.getLightClientData(bid).currentSyncCommitteeBranch);
  }

  processNewBlockForLightClient(cs: CachedBeaconState, stored: StoredBlock, parentBid: BlockId): void {
    if (stored.block.message.slot < this.tailSlot) return;
    if (ForkSeq[stored.fork] < ForkSeq.altair) throw Error("`tail_slot` cannot be before Altair");
    this.createLcUpdate(cs, stored, parentBid);
  }

  processHeadChangeForLightClient(headBid: BlockId, oldFinalizedBid: BlockId): void {
    if (headBid.slot < this.tailSlot) return;
    // Commit best light client data for non-finalized periods
    const headPeriod = computeSyncCommitteePeriodAtSlot(headBid.slot);
    const lowSlot = Math.max(this.tailSlot, oldFinalizedBid.slot);
    const lowPeriod = computeSyncCommitteePeriodAtSlot(lowSlot);
    let bid: BlockId | null = headBid;
    for (let period = headPeriod; period >= lowPeriod; period--) {
      const periodEndSlot = startSlotAtPeriod(period + 1) - 1;
      bid = this.getAncestorOfBlockId(bid as BlockId, periodEndSlot);
      if (bid === null || bid.slot < lowSlot) break;
      const best = this.getLightClientData(bid).currentPeriodBestUpdate;
      if (
        best === null ||
        best.data.syncAggregate.syncCommitteeBits.getTrueBitIndexes().length < MIN_SYNC_COMMITTEE_PARTICIPANTS
      ) {
        this.bestUpdates.delete(period);
      } else {
        this.bestUpdates.set(period, best);
      }
    }

    // Update latest light client data
    const headData = this.getLightClientData(headBid);
    const signatureSlot = headData.latestSignatureSlot;
    if (signatureSlot <= lowSlot) {
      this.latest = null;
      return;
    }
    const signatureBid = this.getAncestorOfBlockId(headBid, signatureSlot);
    if (signatureBid === null || signatureBid.slot <= lowSlot) {
      this.latest = null;
      return;
    }
    const attestedBid = this.getAncestorOfBlockId(signatureBid, signatureBid.slot - 1);
    if (attestedBid === null || attestedBid.slot < lowSlot) {
      this.latest = null;
      return;
    }
    const signatureBlock = this.blocks.get(signatureBid.root) as StoredBlock;
    // biome-ignore lint/suspicious/noExplicitAny: an altair+ block body
    const syncAggregate = (signatureBlock.block.message.body as any).syncAggregate;
    this.latest = this.createLcFinalityUpdateFromLcData(attestedBid, signatureSlot, syncAggregate);
  }

  processFinalizationForLightClient(finalizedBid: BlockId, oldFinalizedBid: BlockId): void {
    const finalizedSlot = finalizedBid.slot;
    if (finalizedSlot < this.tailSlot) return;
    // Cache `LightClientBootstrap` for newly finalized epoch boundary blocks
    const firstNewSlot = oldFinalizedBid.slot + 1;
    const lowSlot = Math.max(firstNewSlot, this.tailSlot);
    let boundarySlot = finalizedSlot;
    while (boundarySlot >= lowSlot) {
      const bid = this.blockIdAtFinalizedSlot(boundarySlot);
      if (bid === null) break;
      if (bid.slot >= lowSlot) this.createLcBootstrap(bid);
      boundarySlot = nextEpochBoundarySlot(bid.slot);
      if (boundarySlot < SLOTS_PER_EPOCH) break;
      boundarySlot -= SLOTS_PER_EPOCH;
    }
    // Prune light client data that is no longer referable by future updates
    for (const key of [...this.cacheData.keys()]) {
      if (Number(key.split(":")[0]) < finalizedBid.slot) this.cacheData.delete(key);
    }
  }

  getLightClientBootstrap(root: string): ForkedLightClientData | null {
    const header = this.headers.get(root);
    if (header === undefined) return null;
    const slot = header.data.beacon.slot;
    return {
      fork: header.fork,
      data: {
        header: header.data,
        currentSyncCommittee: this.syncCommittees.get(computeSyncCommitteePeriodAtSlot(slot)),
        currentSyncCommitteeBranch: this.currentBranches.get(slot),
      },
    };
  }

  addNewBlock(stored: StoredBlock): void {
    const parent = this.blocks.get(toHex(stored.block.message.parentRoot));
    if (parent === undefined) throw Error(`unknown parent of block at slot ${stored.block.message.slot}`);
    const parentState = this.states.get(toHex(parent.block.message.stateRoot));
    if (parentState === undefined) throw Error("parent state pruned");
    const parentBid = stateToBlockId(parentState);
    const state = stateTransition(parentState, stored.block, {verifySignatures: false});
    const bid = this.blockId(stored);
    this.blocks.set(bid.root, stored);
    this.states.set(toHex(stored.block.message.stateRoot), state);
    this.processNewBlockForLightClient(state, stored, parentBid);
  }

  selectNewHead(headBid: BlockId): void {
    const oldFinalizedBid = this.latestFinalizedBid;
    this.processHeadChangeForLightClient(headBid, oldFinalizedBid);
    // Process finalization
    let block = this.blocks.get(headBid.root) as StoredBlock;
    const state = (this.states.get(toHex(block.block.message.stateRoot)) as CachedBeaconState)
      .state as BeaconStatePostAltair;
    if (state.finalizedCheckpoint.epoch !== 0) {
      block = this.blocks.get(toHex(state.finalizedCheckpoint.root)) as StoredBlock;
      let bid = this.blockId(block);
      const newFinalizedBid = bid;
      if (newFinalizedBid.slot > oldFinalizedBid.slot) {
        let oldFinalizedEpoch: number | null = null;
        const newFinalizedEpoch = state.finalizedCheckpoint.epoch;
        while (bid.slot > this.latestFinalizedBid.slot) {
          this.finalizedBlockRoots.set(bid.slot, bid.root);
          const finalizedEpoch = computeEpochAtSlot(bid.slot + SLOTS_PER_EPOCH - 1);
          if (finalizedEpoch !== oldFinalizedEpoch) {
            const stateRoot = toHex(block.block.message.stateRoot);
            this.finalizedCheckpointStates.set(stateRoot, this.states.get(stateRoot) as CachedBeaconState);
            oldFinalizedEpoch = finalizedEpoch;
          }
          block = this.blocks.get(toHex(block.block.message.parentRoot)) as StoredBlock;
          bid = this.blockId(block);
        }
        this.latestFinalizedEpoch = newFinalizedEpoch;
        this.latestFinalizedBid = newFinalizedBid;
        this.processFinalizationForLightClient(newFinalizedBid, oldFinalizedBid);
        for (const [root, b] of [...this.blocks]) {
          if (b.block.message.slot < newFinalizedBid.slot) this.blocks.delete(root);
        }
        for (const [root, s] of [...this.states]) if (s.state.slot < newFinalizedBid.slot) this.states.delete(root);
      }
    }
  }
}

function blockRoot(stored: StoredBlock): Uint8Array {
  return (ssz[stored.fork].BeaconBlock as unknown as {hashTreeRoot(v: unknown): Uint8Array}).hashTreeRoot(
    stored.block.message,
  );
}

function stateToBlockId(cs: CachedBeaconState): BlockId {
  const header = ssz.phase0.BeaconBlockHeader.clone(cs.state.latestBlockHeader.toValue());
  header.stateRoot = cs.state.hashTreeRoot();
  return {slot: header.slot, root: toHex(ssz.phase0.BeaconBlockHeader.hashTreeRoot(header))};
}

export function runLightClientDataCollection(tc: TestCase): void {
  const fork = caseFork(tc);
  // the case's own config: multi-fork cases schedule later forks (and fulu digests use its BLOB_SCHEDULE)
  const {config: chain} = chainConfigFromYaml(
    `CONFIG_NAME: spec-test\n${readFileSync(join(tc.dir, "config.yaml"), "utf8")}`,
  );
  const initial = loadCachedState(tc, "initial_state", fork, chain);
  const config = new BeaconConfig(chain, initial.state.genesisValidatorsRoot);
  const cfg = lightClientForkSchedule(config);
  const test = new DataCollectionTest(cfg, fork, initial);
  const forkOfDigest = new Map(config.allForkDigests().map((d) => [d.digest, d.fork]));

  const digestOf = (slot: number): string => toHex(config.computeForkDigest(computeEpochAtSlot(slot)));
  const checkObject = (
    what: string,
    expected: Record<string, unknown> | undefined,
    actual: ForkedLightClientData | null,
    slot: number,
    type: "LightClientBootstrap" | "LightClientUpdate" | "LightClientFinalityUpdate" | "LightClientOptimisticUpdate",
  ): void => {
    if (expected === undefined || expected === null) {
      if (actual !== null) throw Error(`${what}: collected data where the vector has none`);
      return;
    }
    if (actual === null) throw Error(`${what}: no data collected, vector has ${String(expected.data)}`);
    const digest = digestOf(slot);
    if (digest !== String(expected.fork_digest))
      throw Error(`${what}: fork digest ${digest}, expected ${expected.fork_digest}`);
    const t = lightClientTypes(actual.fork)[type] as unknown as {serialize(v: unknown): Uint8Array};
    assertBytesEqual(t.serialize(actual.data), tc.readSsz(String(expected.data).trim()), what);
  };

  const steps = tc.readYaml("steps") as Record<string, Record<string, unknown>>[];
  steps.forEach((step, i) => {
    if ("new_block" in step) {
      const s = step.new_block;
      const blockFork = forkOfDigest.get(String(s.fork_digest));
      if (blockFork === undefined) throw Error(`step ${i}: unknown fork digest ${s.fork_digest}`);
      const block = (
        ssz[blockFork].SignedBeaconBlock as unknown as {deserialize(b: Uint8Array): SignedBeaconBlockAllForks}
      ).deserialize(tc.readSsz(String(s.data).trim()));
      test.addNewBlock({block, fork: blockFork});
      if (digestOf(block.message.slot) !== String(s.fork_digest)) throw Error(`step ${i}: block fork digest`);
    } else if ("new_head" in step) {
      const s = step.new_head;
      const root = String(s.head_block_root);
      const stored = test.blocks.get(root);
      if (stored === undefined) throw Error(`step ${i}: unknown head ${root}`);
      test.selectNewHead(test.blockId(stored));
      const checks = s.checks as Record<string, unknown>;
      const where = `step ${i}`;
      const fin = checks.latest_finalized_checkpoint as Record<string, unknown>;
      const finEpoch = toNumber(fin.epoch, "epoch");
      if (test.latestFinalizedEpoch !== finEpoch) {
        throw Error(`${where}: latest finalized epoch ${test.latestFinalizedEpoch}, expected ${finEpoch}`);
      }
      // the generator reports the root of the latest finalized block id (zero at genesis)
      assertBytesEqual(fromHex(test.latestFinalizedBid.root), fromHex(fin.root), `${where} latest finalized root`);
      const bootstraps = checks.bootstraps as Record<string, unknown>[];
      const ourRoots = [...test.finalizedCheckpointStates.values()].map((cs) => stateToBlockId(cs).root);
      if (ourRoots.length !== bootstraps.length || ourRoots.some((r, j) => r !== String(bootstraps[j].block_root))) {
        throw Error(
          `${where}: finalized checkpoint blocks ${ourRoots.join(",")}, expected ${bootstraps.map((b) => b.block_root).join(",")}`,
        );
      }
      for (const b of bootstraps) {
        const actual = test.getLightClientBootstrap(String(b.block_root));
        checkObject(
          `${where} bootstrap ${b.block_root}`,
          b.bootstrap as Record<string, unknown>,
          actual,
          actual?.data.header.beacon.slot ?? 0,
          "LightClientBootstrap",
        );
      }
      const bestUpdates = checks.best_updates as Record<string, unknown>[];
      const lowPeriod = computeSyncCommitteePeriodAtSlot(test.tailSlot);
      const headPeriod = computeSyncCommitteePeriodAtSlot(stored.block.message.slot);
      if (bestUpdates.length !== headPeriod - lowPeriod + 1) throw Error(`${where}: best_updates covers other periods`);
      for (const b of bestUpdates) {
        const period = toNumber(b.period, "period");
        const actual = test.bestUpdates.get(period) ?? null;
        checkObject(
          `${where} best update ${period}`,
          b.update as Record<string, unknown>,
          actual,
          actual?.data.attestedHeader.beacon.slot ?? 0,
          "LightClientUpdate",
        );
      }
      const latest = test.latest;
      const slot = latest?.data.attestedHeader.beacon.slot ?? 0;
      checkObject(
        `${where} latest finality update`,
        checks.latest_finality_update as Record<string, unknown>,
        latest,
        slot,
        "LightClientFinalityUpdate",
      );
      checkObject(
        `${where} latest optimistic update`,
        checks.latest_optimistic_update as Record<string, unknown>,
        latest === null ? null : createLightClientOptimisticUpdate(latest),
        slot,
        "LightClientOptimisticUpdate",
      );
    } else {
      throw Error(`step ${i}: unknown step ${Object.keys(step).join(",")}`);
    }
  });
}
