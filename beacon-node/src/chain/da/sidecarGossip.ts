/**
 * What the blob_sidecar_{subnet_id} and data_column_sidecar_{subnet_id} gossip rules share (deneb, electra and fulu
 * p2p-interface.md validate_blob_sidecar_gossip / validate_data_column_sidecar_gossip): the `Seen` tuples
 * (blob_sidecar_tuples, data_column_sidecar_tuples), the checks of the sidecar's signed block header against the
 * store, and the expected-proposer check. The validators themselves are in chain/validation/.
 */
import type {BeaconConfig, ChainConfig} from "@ceibo/config";
import {type ForkChoice, type RootHex, toRootHex} from "@ceibo/fork-choice";
import {DOMAIN_BEACON_PROPOSER, ForkSeq, SLOTS_PER_EPOCH} from "@ceibo/params";
import {
  type BeaconStateFulu,
  type CachedBeaconState,
  computeEpochAtSlot,
  computeStartSlotAtEpoch,
  processSlots,
  type SignatureSet,
  validatorKeyPoint,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import type {BlsVerifier} from "../bls/pool.ts";
import type {Clock} from "../clock.ts";
import {
  type GossipRaise,
  ignore as ignoreAny,
  reject as rejectAny,
  type SidecarGossipErrorCode,
} from "../validation/errors.ts";
import type {SignedBeaconBlockHeader} from "./merkle.ts";

/** The parts of the chain the sidecar gossip rules read. */
export interface SidecarGossipChain {
  readonly beaconConfig: BeaconConfig;
  readonly config: ChainConfig;
  readonly clock: Clock;
  readonly forkChoice: ForkChoice;
  /** The chain's BLS verifier: the header's proposer signature is verified there (a batchable call). */
  readonly bls: BlsVerifier;
  getHeadState(): CachedBeaconState;
  getBlockState(root: RootHex): CachedBeaconState;
}

const MAX_PROPOSER_CACHE = 32;

/**
 * A set of keys grouped by slot: what the `Seen` tuples are stored in. chain/seenCaches.ts KeysBySlot (the gossip
 * handler's GossipSeenCaches.blobSidecarTuples / dataColumnSidecarTuples) fits, so both share one state.
 */
export interface SlotKeySet {
  has(slot: number, key: string): boolean;
  add(slot: number, key: string): void;
}

class SlotKeys implements SlotKeySet {
  private readonly bySlot = new Map<number, Set<string>>();

  has(slot: number, key: string): boolean {
    return this.bySlot.get(slot)?.has(key) ?? false;
  }

  add(slot: number, key: string): void {
    let set = this.bySlot.get(slot);
    if (set === undefined) {
      set = new Set();
      this.bySlot.set(slot, set);
    }
    set.add(key);
  }

  /** Drops the slots at or before `slot`. */
  pruneUpTo(slot: number): void {
    for (const s of this.bySlot.keys()) if (s <= slot) this.bySlot.delete(s);
  }
}

/** The key of a (proposer_index, index) pair within a slot, as GossipSeenCaches writes it. */
const tupleKey = (proposerIndex: number, index: number): string => `${proposerIndex}:${index}`;

/**
 * The gossip `Seen` state of sidecars: (slot, proposer_index, index) tuples of sidecars that passed validation (in
 * the given shared sets, or sets of its own), and the proposers of (parent, epoch) pairs computed for the
 * expected-proposer rule (process_slots across an epoch boundary is costly, and every sidecar of a block asks the
 * same question).
 */
export class SeenSidecars {
  private readonly blobTuples: SlotKeySet;
  private readonly columnTuples: SlotKeySet;
  private readonly proposers = new Map<string, number[]>();

  constructor(shared?: {blobSidecarTuples: SlotKeySet; dataColumnSidecarTuples: SlotKeySet}) {
    this.blobTuples = shared?.blobSidecarTuples ?? new SlotKeys();
    this.columnTuples = shared?.dataColumnSidecarTuples ?? new SlotKeys();
  }

  /** deneb Seen.blob_sidecar_tuples */
  hasBlobSidecar(slot: number, proposerIndex: number, index: number): boolean {
    return this.blobTuples.has(slot, tupleKey(proposerIndex, index));
  }

  addBlobSidecar(slot: number, proposerIndex: number, index: number): void {
    this.blobTuples.add(slot, tupleKey(proposerIndex, index));
  }

  /** fulu Seen.data_column_sidecar_tuples */
  hasDataColumnSidecar(slot: number, proposerIndex: number, index: number): boolean {
    return this.columnTuples.has(slot, tupleKey(proposerIndex, index));
  }

  addDataColumnSidecar(slot: number, proposerIndex: number, index: number): void {
    this.columnTuples.add(slot, tupleKey(proposerIndex, index));
  }

  /**
   * Drops own tuples of slots at or before `finalizedSlot` (sidecars of those slots are IGNOREd by the
   * finalized-slot rule anyway; shared sets are pruned by their owner) and cached proposers of epochs before the
   * finalized slot's epoch.
   */
  prune(finalizedSlot: number): void {
    for (const set of [this.blobTuples, this.columnTuples]) {
      if (set instanceof SlotKeys) set.pruneUpTo(finalizedSlot);
    }
    const finalizedEpoch = computeEpochAtSlot(finalizedSlot);
    for (const key of this.proposers.keys()) {
      if (Number(key.split("/")[1]) < finalizedEpoch) this.proposers.delete(key);
    }
  }

  /**
   * get_beacon_proposer_index of the parent state processed to `slot` (the expected proposer of a block at `slot`
   * on `parentRoot`). Same epoch: the parent state's cache; fulu next epoch: its proposer_lookahead; otherwise the
   * parent state is processed to the epoch (cached per parent and epoch).
   */
  expectedProposer(chain: SidecarGossipChain, parentRoot: string, slot: number): number {
    const epoch = computeEpochAtSlot(slot);
    const parent = chain.getBlockState(parentRoot);
    const parentEpoch = parent.epochCtx.epoch;
    if (epoch === parentEpoch) return parent.epochCtx.getBeaconProposer(slot);
    if (parent.fork >= ForkSeq.fulu && epoch === parentEpoch + 1) {
      const lookahead = (parent.state as BeaconStateFulu).proposerLookahead;
      return lookahead.get(SLOTS_PER_EPOCH + (slot % SLOTS_PER_EPOCH));
    }
    const key = `${parentRoot}/${epoch}`;
    let proposers = this.proposers.get(key);
    if (proposers === undefined) {
      const state: CachedBeaconState = parent.clone();
      processSlots(state, computeStartSlotAtEpoch(epoch));
      const start = computeStartSlotAtEpoch(epoch);
      proposers = Array.from({length: SLOTS_PER_EPOCH}, (_, i) => state.epochCtx.getBeaconProposer(start + i));
      if (this.proposers.size >= MAX_PROPOSER_CACHE) {
        this.proposers.delete(this.proposers.keys().next().value as string);
      }
      this.proposers.set(key, proposers);
    }
    return proposers[slot % SLOTS_PER_EPOCH];
  }
}

/** Error codes of the sidecar gossip rules (chain/validation/errors.ts). */
export type {SidecarGossipErrorCode} from "../validation/errors.ts";

export const ignore: GossipRaise<SidecarGossipErrorCode> = ignoreAny;
export const reject: GossipRaise<SidecarGossipErrorCode> = rejectAny;

export interface SidecarHeaderCheckOpts {
  /** Current time in ms (default the chain's clock). */
  nowMs?: number;
  /**
   * Blocks that were seen and failed validation (for "[REJECT] the sidecar's block's parent passes validation");
   * fork choice holds only imported blocks, so without this a failed parent is "not seen" (IGNORE).
   */
  isInvalidBlock?: (root: string) => boolean;
}

/**
 * The header rules, in the spec's order (each function's subject is `what`, e.g. "blob sidecar"):
 *   [IGNORE] not from a future slot (MAXIMUM_GOSSIP_CLOCK_DISPARITY allowed)
 *   [IGNORE] from a slot greater than the latest finalized slot
 *   [REJECT] proposer index is a valid validator index (head state)
 *   [REJECT] proposer signature of signed_block_header is valid
 *   [IGNORE] the block's parent has been seen
 *   [REJECT] the block's parent passes validation
 *   [REJECT] from a higher slot than the parent
 *   [REJECT] the finalized checkpoint is an ancestor of the block
 * Returns the parent root (hex) for the expected-proposer rule.
 */
export async function validateSidecarBlockHeader(
  chain: SidecarGossipChain,
  signedBlockHeader: SignedBeaconBlockHeader,
  what: string,
  opts: SidecarHeaderCheckOpts = {},
): Promise<string> {
  const header = signedBlockHeader.message;
  const nowMs = opts.nowMs ?? chain.clock.now;
  if (nowMs + chain.config.MAXIMUM_GOSSIP_CLOCK_DISPARITY < chain.clock.slotStartMs(header.slot)) {
    ignore("FUTURE_SLOT", `${what} is from a future slot ${header.slot}`);
  }
  const fc = chain.forkChoice;
  const finalized = fc.finalizedCheckpoint;
  const finalizedSlot = computeStartSlotAtEpoch(finalized.epoch);
  if (header.slot <= finalizedSlot) {
    ignore("WOULD_REVERT_FINALIZED", `${what} slot ${header.slot} is not after the finalized slot ${finalizedSlot}`);
  }

  const headState = chain.getHeadState();
  if (header.proposerIndex >= headState.state.validators.length) {
    reject("PROPOSER_INDEX_OUT_OF_RANGE", `${what} proposer index ${header.proposerIndex} is out of range`);
  }
  const epoch = computeEpochAtSlot(header.slot);
  // get_domain(state, DOMAIN_BEACON_PROPOSER, epoch) with the fork of the header's epoch (the head state may not
  // have crossed a fork boundary the block did; the block was signed with its own epoch's fork version)
  const domain = chain.beaconConfig.getDomain(epoch, DOMAIN_BEACON_PROPOSER, epoch);
  const signingRoot = ssz.phase0.SigningData.hashTreeRoot({
    objectRoot: ssz.phase0.BeaconBlockHeader.hashTreeRoot(header),
    domain,
  });
  let set: SignatureSet | null = null;
  try {
    set = {
      type: "single",
      pubkey: validatorKeyPoint(headState, header.proposerIndex),
      signingRoot,
      signature: signedBlockHeader.signature,
    };
  } catch {
    set = null;
  }
  // off the main thread (chain.bls), batched with other gossip; the sidecars of one block carry the same set, which
  // the pool combines with its copies before the pairing
  const validSignature = set !== null && (await chain.bls.verifySignatureSets([set], {batchable: true}));
  if (!validSignature) reject("INVALID_PROPOSER_SIGNATURE", `invalid proposer signature on ${what} block header`);

  const parentRoot = toRootHex(header.parentRoot);
  const parent = fc.getBlock(parentRoot);
  if (parent === undefined) {
    if (opts.isInvalidBlock?.(parentRoot)) reject("PARENT_INVALID", `${what}'s parent ${parentRoot} failed validation`);
    ignore("PARENT_UNKNOWN", `${what}'s parent ${parentRoot} has not been seen`);
  }
  if (parent.executionStatus === "invalid") {
    reject("PARENT_INVALID", `${what}'s parent ${parentRoot} failed validation (execution payload invalid)`);
  }
  if (header.slot <= parent.slot) {
    reject("NOT_LATER_THAN_PARENT", `${what} slot ${header.slot} is not after its parent's slot ${parent.slot}`);
  }
  let checkpointBlock: string;
  try {
    checkpointBlock = fc.getCheckpointBlock(parentRoot, finalized.epoch);
  } catch {
    checkpointBlock = "";
  }
  if (checkpointBlock !== finalized.root) {
    reject("NOT_FINALIZED_DESCENDANT", `the finalized checkpoint is not an ancestor of the ${what}'s block`);
  }
  return parentRoot;
}

/**
 * [REJECT] The sidecar is proposed by the expected proposer_index (if shuffling is not available, IGNORE instead).
 */
export function validateSidecarProposer(
  chain: SidecarGossipChain,
  seen: SeenSidecars,
  signedBlockHeader: SignedBeaconBlockHeader,
  parentRoot: string,
  what: string,
): void {
  const header = signedBlockHeader.message;
  let expected: number;
  try {
    expected = seen.expectedProposer(chain, parentRoot, header.slot);
  } catch (e) {
    ignore("PROPOSER_UNKNOWN", `cannot compute the proposer of slot ${header.slot}: ${(e as Error).message}`);
  }
  if (header.proposerIndex !== expected) {
    reject(
      "INCORRECT_PROPOSER",
      `${what} proposer_index ${header.proposerIndex} is not the expected proposer ${expected} of slot ${header.slot}`,
    );
  }
}
