import type {ChainConfig} from "@ceibo/config";
import {ForkSeq, GENESIS_EPOCH, GENESIS_SLOT, MIN_SEED_LOOKAHEAD, SLOTS_PER_EPOCH} from "@ceibo/params";
import {
  type AttestationAllForks,
  type AttestationData,
  type AttestationElectra,
  type BeaconBlockAllForks,
  type BeaconStatePostBellatrix,
  type CachedBeaconState,
  computeEpochAtSlot,
  computeStartSlotAtEpoch,
  forkTypes,
  getActiveUnslashedEffectiveBalances,
  getCommitteeIndices,
  getCurrentEpoch,
  getIndexedAttestation,
  type IndexedAttestation,
  isMergeTransitionComplete,
  isSlashableAttestationData,
  isValidIndexedAttestation,
  processSlots,
} from "@ceibo/state-transition";
import {ForkChoiceError} from "../errors.ts";
import type {CheckpointHex, ExecutionStatus, ProtoBlock, ProtoNode, RootHex} from "../protoArray/interface.ts";
import {ProtoArray, type ViableLeaf} from "../protoArray/protoArray.ts";
import {computeDeltas, Votes} from "../protoArray/votes.ts";
import {checkpointKey, type ForkChoiceStateCache, MemoryStateCache} from "./stateCache.ts";
import {checkpointOf, computePulledUpTip} from "./unrealized.ts";
import {toRootHex} from "./util.ts";

/** phase0 fork-choice.md BASIS_POINTS */
export const BASIS_POINTS = 10000;

export interface ForkChoiceOpts {
  /** Prune the block tree once this many blocks precede the finalized block (default 256; 0 = at every finalization). */
  pruneThreshold?: number;
  /**
   * The anchor checkpoint's epoch when it is not get_current_epoch(anchor_state): the anchor state is the post-state
   * of a block before the first slot of the finalized epoch (that slot had no block), so the checkpoint peers
   * agree on is (that later epoch, the block's root). Default get_current_epoch(anchor_state).
   */
  anchorEpoch?: number;
}

export interface ForkChoiceModules {
  /** block_states / checkpoint_states (default: everything in memory). */
  stateCache?: ForkChoiceStateCache;
}

export interface OnBlockOpts {
  /** hash_tree_root(block), if the caller has it. */
  blockRoot?: Uint8Array;
  /**
   * deneb/fulu is_data_available(...) as checked by the caller (blobs / column sidecars with their KZG proofs).
   * false rejects the block. Default true (also for blocks without blob commitments).
   */
  dataAvailable?: boolean;
  /**
   * The engine's verdict on the block's payload (ignored before the merge): "valid" (default: the state transition
   * was run with a valid payload), "syncing" for an optimistic import; "invalid" rejects the block.
   */
  executionStatus?: ExecutionStatus;
  /** Overrides record_block_timeliness (e.g. when the block arrived earlier than it is imported). */
  isTimely?: boolean;
}

export interface OnAttestationOpts {
  /** Verify the aggregate signature in is_valid_indexed_attestation (default true). */
  verifySignature?: boolean;
}

/** An attester slashing of any fork (electra's indexed attestations hold more indices, same fields). */
export interface AttesterSlashingLike {
  attestation1: IndexedAttestation;
  attestation2: IndexedAttestation;
}

/**
 * The fork choice store of consensus-specs a08d8a6 (phase0 fork-choice.md with the bellatrix/capella/deneb/fulu
 * changes) over a proto-array: on_tick, on_block (given the post-state its caller computed with state_transition),
 * on_attestation, on_attester_slashing, get_head, with unrealized justification (pulled-up tips) and proposer
 * boost. Block and checkpoint states live behind ForkChoiceStateCache.
 *
 * Every handler checks everything before it changes anything: a handler that throws leaves the store as it was.
 */
export class ForkChoice {
  readonly config: ChainConfig;
  readonly genesisTime: number;
  /** store.time, in seconds */
  time: number;
  justifiedCheckpoint: CheckpointHex;
  finalizedCheckpoint: CheckpointHex;
  unrealizedJustifiedCheckpoint: CheckpointHex;
  unrealizedFinalizedCheckpoint: CheckpointHex;
  /** store.proposer_boost_root; null stands for Root() */
  proposerBoostRoot: RootHex | null = null;
  readonly equivocatingIndices = new Set<number>();
  readonly protoArray: ProtoArray;
  readonly states: ForkChoiceStateCache;
  private readonly votes = new Votes();
  /** The balances the proto-array weights were computed with. */
  private appliedBalances: ArrayLike<number> = [];
  private balancesCache: {key: string; balances: Float64Array; totalActiveBalance: number} | null = null;

  private constructor(
    config: ChainConfig,
    anchor: ProtoBlock,
    anchorState: CachedBeaconState,
    time: number,
    opts: ForkChoiceOpts,
    modules: ForkChoiceModules,
  ) {
    this.config = config;
    this.genesisTime = anchorState.state.genesisTime;
    this.time = time;
    const stateEpoch = getCurrentEpoch(anchorState.state);
    const cp: CheckpointHex = {epoch: opts.anchorEpoch ?? stateEpoch, root: anchor.blockRoot};
    this.justifiedCheckpoint = cp;
    this.finalizedCheckpoint = cp;
    this.unrealizedJustifiedCheckpoint = cp;
    this.unrealizedFinalizedCheckpoint = cp;
    this.protoArray = ProtoArray.initialize(anchor, opts.pruneThreshold);
    this.states = modules.stateCache ?? new MemoryStateCache();
    this.states.setBlockState(anchor.blockRoot, anchorState);
    // a later anchor epoch's checkpoint state is the anchor state advanced to its first slot (getCheckpointState)
    if (cp.epoch === stateEpoch) this.states.setCheckpointState(cp, anchorState);
  }

  /**
   * phase0 get_forkchoice_store: a trusted anchor (genesis, or a finalized checkpoint state and its block) from
   * which fork choice never rolls back.
   */
  static fromAnchor(
    anchorState: CachedBeaconState,
    anchorBlock: BeaconBlockAllForks,
    opts: ForkChoiceOpts = {},
    modules: ForkChoiceModules = {},
  ): ForkChoice {
    const stateRoot = anchorState.state.hashTreeRoot();
    if (!Buffer.from(anchorBlock.stateRoot).equals(Buffer.from(stateRoot))) {
      throw new ForkChoiceError(
        "INVALID_ANCHOR",
        `anchor block state_root ${toRootHex(anchorBlock.stateRoot)} is not the anchor state's root ${toRootHex(stateRoot)}`,
      );
    }
    if (anchorBlock.slot !== anchorState.state.slot) {
      throw new ForkChoiceError(
        "INVALID_ANCHOR",
        `anchor block slot ${anchorBlock.slot} != anchor state slot ${anchorState.state.slot}`,
      );
    }
    const blockRoot = toRootHex(blockType(anchorState.fork).hashTreeRoot(anchorBlock));
    const stateEpoch = getCurrentEpoch(anchorState.state);
    const epoch = opts.anchorEpoch ?? stateEpoch;
    if (epoch < stateEpoch) {
      throw new ForkChoiceError(
        "INVALID_ANCHOR",
        `anchor epoch ${epoch} is before the anchor state's epoch ${stateEpoch}`,
      );
    }
    const cp: CheckpointHex = {epoch, root: blockRoot};
    const executionBlockHash = executionBlockHashOf(anchorState, undefined);
    // the anchor's voting source in its own epoch is its state's justification (get_voting_source reads
    // block_states); unrealized_justifications starts as {anchor_root: justified_checkpoint}
    const stateJustified = checkpointOf(anchorState.state.currentJustifiedCheckpoint);
    const stateFinalized = checkpointOf(anchorState.state.finalizedCheckpoint);
    const anchor: ProtoBlock = {
      slot: anchorBlock.slot,
      blockRoot,
      parentRoot: toRootHex(anchorBlock.parentRoot),
      stateRoot: toRootHex(anchorBlock.stateRoot),
      proposerIndex: anchorBlock.proposerIndex,
      justifiedEpoch: stateJustified.epoch,
      justifiedRoot: stateJustified.root,
      finalizedEpoch: stateFinalized.epoch,
      finalizedRoot: stateFinalized.root,
      unrealizedJustifiedEpoch: cp.epoch,
      unrealizedJustifiedRoot: cp.root,
      unrealizedFinalizedEpoch: cp.epoch,
      unrealizedFinalizedRoot: cp.root,
      executionStatus: executionBlockHash === null ? "preMerge" : "valid",
      executionBlockHash,
      timely: false,
    };
    const time =
      anchorState.state.genesisTime + Math.floor((anchorState.config.SLOT_DURATION_MS * anchorState.state.slot) / 1000);
    return new ForkChoice(anchorState.config, anchor, anchorState, time, opts, modules);
  }

  // ---------------------------------------------------------------- time

  /** get_current_slot */
  get currentSlot(): number {
    return GENESIS_SLOT + Math.floor(((this.time - this.genesisTime) * 1000) / this.config.SLOT_DURATION_MS);
  }

  /** get_current_store_epoch */
  get currentEpoch(): number {
    return computeEpochAtSlot(this.currentSlot);
  }

  /** Milliseconds into the current slot (record_block_timeliness, is_proposing_on_time). */
  get timeIntoSlotMs(): number {
    return ((this.time - this.genesisTime) * 1000) % this.config.SLOT_DURATION_MS;
  }

  /**
   * get_slot_component_duration_ms
   * Spec: `get_slot_component_duration_ms` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/fork-choice.md#get_slot_component_duration_ms
   */
  getSlotComponentDurationMs(basisPoints: number): number {
    return Math.floor((basisPoints * this.config.SLOT_DURATION_MS) / BASIS_POINTS);
  }

  /** phase0 on_tick: every slot boundary up to `time` is processed by on_tick_per_slot. `time` is in seconds. */
  onTick(time: number): void {
    if (!Number.isSafeInteger(time) || time < this.genesisTime) {
      throw new ForkChoiceError(
        "INVALID_TIME",
        `time ${time} is not an integer at or after genesis ${this.genesisTime}`,
      );
    }
    const tickSlot = Math.floor(((time - this.genesisTime) * 1000) / this.config.SLOT_DURATION_MS);
    while (this.currentSlot < tickSlot) {
      // the first whole second of the next slot: rounded up, since a SLOT_DURATION_MS that is not whole seconds
      // (1500) would otherwise give a time still inside the current slot, and this loop would never end
      const previousTime = this.genesisTime + Math.ceil(((this.currentSlot + 1) * this.config.SLOT_DURATION_MS) / 1000);
      this.onTickPerSlot(previousTime);
    }
    this.onTickPerSlot(time);
  }

  /** phase0 on_tick_per_slot */
  private onTickPerSlot(time: number): void {
    const previousSlot = this.currentSlot;
    this.time = time;
    const currentSlot = this.currentSlot;
    if (currentSlot > previousSlot) {
      this.proposerBoostRoot = null;
      // a new epoch: pull up justification and finalization from the previous epoch
      if (currentSlot % SLOTS_PER_EPOCH === 0) {
        this.updateCheckpoints(this.unrealizedJustifiedCheckpoint, this.unrealizedFinalizedCheckpoint);
      }
    }
  }

  // ---------------------------------------------------------------- blocks

  hasBlock(root: RootHex): boolean {
    return this.protoArray.hasBlock(root);
  }

  getBlock(root: RootHex): ProtoNode | undefined {
    return this.protoArray.getNode(root);
  }

  /** phase0 get_ancestor (the anchor stands in for anything before it) */
  getAncestor(root: RootHex, slot: number): ProtoNode {
    return this.protoArray.getAncestor(root, slot);
  }

  /** phase0 get_checkpoint_block */
  getCheckpointBlock(root: RootHex, epoch: number): RootHex {
    return this.protoArray.getAncestor(root, computeStartSlotAtEpoch(epoch)).blockRoot;
  }

  /** phase0 get_shuffling_dependent_root */
  getShufflingDependentRoot(root: RootHex, epoch: number): RootHex {
    const dependentSlot =
      epoch <= MIN_SEED_LOOKAHEAD ? GENESIS_SLOT : computeStartSlotAtEpoch(epoch - MIN_SEED_LOOKAHEAD) - 1;
    return this.protoArray.getAncestor(root, dependentSlot).blockRoot;
  }

  /**
   * The checks of on_block that need no state transition: parent known, not from the future, after the finalized
   * slot and descending from the finalized block. A block already known passes (on_block returns early for it).
   */
  checkBlock(block: BeaconBlockAllForks, blockRoot?: RootHex): void {
    if (blockRoot !== undefined && this.protoArray.hasBlock(blockRoot)) return;
    const parentRoot = toRootHex(block.parentRoot);
    if (!this.protoArray.hasBlock(parentRoot)) {
      throw new ForkChoiceError("UNKNOWN_PARENT", `parent ${parentRoot} of the block at slot ${block.slot} is unknown`);
    }
    if (this.currentSlot < block.slot) {
      throw new ForkChoiceError(
        "FUTURE_SLOT",
        `block slot ${block.slot} is after the current slot ${this.currentSlot}`,
      );
    }
    const finalizedSlot = computeStartSlotAtEpoch(this.finalizedCheckpoint.epoch);
    if (block.slot <= finalizedSlot) {
      throw new ForkChoiceError(
        "NOT_AFTER_FINALIZED_SLOT",
        `block slot ${block.slot} is not after the finalized slot ${finalizedSlot}`,
      );
    }
    const finalizedCheckpointBlock = this.getCheckpointBlock(parentRoot, this.finalizedCheckpoint.epoch);
    if (finalizedCheckpointBlock !== this.finalizedCheckpoint.root) {
      throw new ForkChoiceError(
        "NOT_FINALIZED_DESCENDANT",
        `the block at slot ${block.slot} does not descend from the finalized block ${this.finalizedCheckpoint.root}`,
      );
    }
  }

  /**
   * phase0 on_block (bellatrix … fulu): `postState` is the result of state_transition(parent state, block) that the
   * caller ran (with its signature and payload checks); data availability and the execution verdict come in
   * `opts`. Adds the block, records its timeliness, sets proposer boost, updates the realized and unrealized
   * checkpoints (compute_pulled_up_tip). Returns the block's node (the existing one for a known block).
   */
  onBlock(block: BeaconBlockAllForks, postState: CachedBeaconState, opts: OnBlockOpts = {}): ProtoNode {
    const blockRoot = toRootHex(opts.blockRoot ?? blockType(postState.fork).hashTreeRoot(block));
    const known = this.protoArray.getNode(blockRoot);
    if (known !== undefined) return known;

    this.checkBlock(block, blockRoot);
    if (opts.dataAvailable === false) {
      throw new ForkChoiceError("DATA_UNAVAILABLE", `blob data of block ${blockRoot} is not available`);
    }
    if (postState.state.slot !== block.slot) {
      throw new ForkChoiceError(
        "POST_STATE_MISMATCH",
        `post-state slot ${postState.state.slot} != block slot ${block.slot}`,
      );
    }
    const stateRoot = toRootHex(postState.state.hashTreeRoot());
    if (stateRoot !== toRootHex(block.stateRoot)) {
      throw new ForkChoiceError("POST_STATE_MISMATCH", `post-state root ${stateRoot} is not the block's state_root`);
    }
    const parentRoot = toRootHex(block.parentRoot);
    const parent = this.protoArray.getNode(parentRoot) as ProtoNode;
    if (parent.executionStatus === "invalid") {
      throw new ForkChoiceError("PARENT_EXECUTION_INVALID", `parent ${parentRoot} has an invalid execution payload`);
    }
    const executionBlockHash = executionBlockHashOf(postState, block);
    const executionStatus: ExecutionStatus =
      executionBlockHash === null ? "preMerge" : (opts.executionStatus ?? "valid");
    if (executionStatus === "invalid") {
      throw new ForkChoiceError("EXECUTION_INVALID", `block ${blockRoot} has an invalid execution payload`);
    }
    if (executionStatus === "preMerge" && executionBlockHash !== null) {
      throw new ForkChoiceError("EXECUTION_INVALID", `block ${blockRoot} has a payload: its status cannot be preMerge`);
    }

    // everything that can fail is computed before the store changes
    const pulledUp = computePulledUpTip(postState);
    const currentEpoch = this.currentEpoch;
    // record_block_timeliness
    const timely =
      opts.isTimely ??
      (this.currentSlot === block.slot &&
        this.timeIntoSlotMs < this.getSlotComponentDurationMs(this.config.ATTESTATION_DUE_BPS));
    // update_proposer_boost_root reads get_head(store) from before the block; only needed if boost may be set
    const boostCandidate = timely && this.proposerBoostRoot === null;
    const headBefore = boostCandidate ? this.getHead().blockRoot : null;

    const justified = checkpointOf(postState.state.currentJustifiedCheckpoint);
    const finalized = checkpointOf(postState.state.finalizedCheckpoint);
    this.protoArray.onBlock({
      slot: block.slot,
      blockRoot,
      parentRoot,
      stateRoot,
      proposerIndex: block.proposerIndex,
      justifiedEpoch: justified.epoch,
      justifiedRoot: justified.root,
      finalizedEpoch: finalized.epoch,
      finalizedRoot: finalized.root,
      unrealizedJustifiedEpoch: pulledUp.justified.epoch,
      unrealizedJustifiedRoot: pulledUp.justified.root,
      unrealizedFinalizedEpoch: pulledUp.finalized.epoch,
      unrealizedFinalizedRoot: pulledUp.finalized.root,
      executionStatus,
      executionBlockHash,
      timely,
    });
    this.states.setBlockState(blockRoot, postState);
    if (executionStatus === "valid") this.protoArray.setExecutionValid(blockRoot);

    if (headBefore !== null) {
      const epoch = currentEpoch;
      if (this.getShufflingDependentRoot(headBefore, epoch) === this.getShufflingDependentRoot(blockRoot, epoch)) {
        this.proposerBoostRoot = blockRoot;
      }
    }

    this.updateCheckpoints(justified, finalized);
    // compute_pulled_up_tip
    this.updateUnrealizedCheckpoints(pulledUp.justified, pulledUp.finalized);
    if (computeEpochAtSlot(block.slot) < currentEpoch) this.updateCheckpoints(pulledUp.justified, pulledUp.finalized);

    return this.protoArray.getNode(blockRoot) as ProtoNode;
  }

  /**
   * on_block for a block whose post-state was computed before (a restart): `summary` holds what onBlock read from
   * that post-state (the node it created). Runs the same checks that need no state and the same checkpoint updates
   * (update_checkpoints, update_unrealized_checkpoints, compute_pulled_up_tip); no state is cached for the block
   * (it is regenerated on demand). The block is not timely (record_block_timeliness: it is not the current slot's).
   */
  onBlockSummary(
    block: BeaconBlockAllForks,
    summary: Omit<ProtoBlock, "executionStatus" | "timely">,
    executionStatus: ExecutionStatus,
  ): ProtoNode {
    const known = this.protoArray.getNode(summary.blockRoot);
    if (known !== undefined) return known;
    this.checkBlock(block, summary.blockRoot);
    if (summary.slot !== block.slot || summary.parentRoot !== toRootHex(block.parentRoot)) {
      throw new ForkChoiceError("POST_STATE_MISMATCH", `the summary of block ${summary.blockRoot} is not that block's`);
    }
    const status: ExecutionStatus = summary.executionBlockHash === null ? "preMerge" : executionStatus;
    this.protoArray.onBlock({...summary, executionStatus: status, timely: false});
    if (status === "valid") this.protoArray.setExecutionValid(summary.blockRoot);
    const justified = {epoch: summary.justifiedEpoch, root: summary.justifiedRoot};
    const finalized = {epoch: summary.finalizedEpoch, root: summary.finalizedRoot};
    const pulledJustified = {epoch: summary.unrealizedJustifiedEpoch, root: summary.unrealizedJustifiedRoot};
    const pulledFinalized = {epoch: summary.unrealizedFinalizedEpoch, root: summary.unrealizedFinalizedRoot};
    this.updateCheckpoints(justified, finalized);
    this.updateUnrealizedCheckpoints(pulledJustified, pulledFinalized);
    if (computeEpochAtSlot(block.slot) < this.currentEpoch) this.updateCheckpoints(pulledJustified, pulledFinalized);
    return this.protoArray.getNode(summary.blockRoot) as ProtoNode;
  }

  /** phase0 update_checkpoints (then prunes the tree if finality moved far enough) */
  private updateCheckpoints(justified: CheckpointHex, finalized: CheckpointHex): void {
    if (justified.epoch > this.justifiedCheckpoint.epoch) this.justifiedCheckpoint = justified;
    if (finalized.epoch > this.finalizedCheckpoint.epoch) {
      this.finalizedCheckpoint = finalized;
      this.prune();
    }
  }

  /** phase0 update_unrealized_checkpoints */
  private updateUnrealizedCheckpoints(justified: CheckpointHex, finalized: CheckpointHex): void {
    if (justified.epoch > this.unrealizedJustifiedCheckpoint.epoch) this.unrealizedJustifiedCheckpoint = justified;
    if (finalized.epoch > this.unrealizedFinalizedCheckpoint.epoch) this.unrealizedFinalizedCheckpoint = finalized;
  }

  private prune(): void {
    const finalized = this.finalizedCheckpoint;
    if (!this.protoArray.hasBlock(finalized.root)) return;
    const result = this.protoArray.maybePrune(finalized.root);
    if (result === null) return;
    this.votes.remap(result.indexMap);
    this.states.onPruned(
      result.removed.map((n) => n.blockRoot),
      finalized,
    );
  }

  // ---------------------------------------------------------------- execution status (optimistic sync)

  /** The engine found `root`'s payload VALID: it and its optimistically imported ancestors become valid. */
  onExecutionValid(root: RootHex): void {
    this.protoArray.setExecutionValid(root);
  }

  /**
   * The engine found a payload INVALID with `latestValidHash` (see ProtoArray.invalidateExecution): `root` is the
   * newest block of ours on the invalid chain (for a rejected new block: its parent). Returns the invalidated roots.
   */
  onExecutionInvalid(root: RootHex, latestValidHash: RootHex | null): RootHex[] {
    return this.protoArray.invalidateExecution(root, latestValidHash);
  }

  // ---------------------------------------------------------------- attestations and slashings

  /** phase0 validate_on_attestation (the attestation's data; the indexed attestation is checked by the caller) */
  validateOnAttestation(data: AttestationData, isFromBlock: boolean): void {
    const target = data.target;
    if (!isFromBlock) {
      // validate_target_epoch_against_current_time
      const currentEpoch = this.currentEpoch;
      const previousEpoch = currentEpoch > GENESIS_EPOCH ? currentEpoch - 1 : GENESIS_EPOCH;
      if (target.epoch !== currentEpoch && target.epoch !== previousEpoch) {
        throw new ForkChoiceError(
          "BAD_TARGET_EPOCH",
          `target epoch ${target.epoch} is neither the current (${currentEpoch}) nor the previous epoch`,
        );
      }
    }
    if (target.epoch !== computeEpochAtSlot(data.slot)) {
      throw new ForkChoiceError(
        "TARGET_EPOCH_SLOT_MISMATCH",
        `target epoch ${target.epoch} is not the epoch of slot ${data.slot}`,
      );
    }
    const targetRoot = toRootHex(target.root);
    if (!this.protoArray.hasBlock(targetRoot)) {
      throw new ForkChoiceError("UNKNOWN_TARGET_ROOT", `target root ${targetRoot} is unknown`);
    }
    const blockRoot = toRootHex(data.beaconBlockRoot);
    const block = this.protoArray.getNode(blockRoot);
    if (block === undefined)
      throw new ForkChoiceError("UNKNOWN_HEAD_BLOCK", `beacon block root ${blockRoot} is unknown`);
    if (block.slot > data.slot) {
      throw new ForkChoiceError("ATTESTS_TO_FUTURE_BLOCK", `block at slot ${block.slot} attested at slot ${data.slot}`);
    }
    if (targetRoot !== this.getCheckpointBlock(blockRoot, target.epoch)) {
      throw new ForkChoiceError(
        "INCONSISTENT_TARGET",
        `target ${targetRoot} is not the checkpoint block of the LMD vote`,
      );
    }
    if (this.currentSlot < data.slot + 1) {
      throw new ForkChoiceError("FUTURE_ATTESTATION", `attestation slot ${data.slot} is not before the current slot`);
    }
  }

  /**
   * phase0 on_attestation: validates the data, gets the target checkpoint state (store_target_checkpoint_state),
   * builds and checks the indexed attestation on it, and records the LMD votes.
   */
  onAttestation(attestation: AttestationAllForks, isFromBlock = false, opts: OnAttestationOpts = {}): void {
    this.validateOnAttestation(attestation.data, isFromBlock);
    const target = checkpointOf(attestation.data.target);
    const targetState = this.getCheckpointState(target);
    let indexed: IndexedAttestation;
    try {
      checkAggregationBitsLength(targetState, attestation);
      indexed = getIndexedAttestation(targetState, attestation);
    } catch (e) {
      throw new ForkChoiceError(
        "INVALID_INDEXED_ATTESTATION",
        `cannot compute the attesting indices: ${(e as Error).message}`,
      );
    }
    if (!isValidIndexedAttestation(targetState, indexed, opts.verifySignature ?? true)) {
      throw new ForkChoiceError(
        "INVALID_INDEXED_ATTESTATION",
        "the indexed attestation is not valid on the target state",
      );
    }
    this.updateLatestMessages(indexed.attestingIndices, attestation.data);
  }

  /**
   * on_attestation for an attestation whose indexed form the caller has already validated (e.g. by gossip
   * validation against the target state): the data checks and update_latest_messages.
   */
  onIndexedAttestation(indexed: {attestingIndices: number[]; data: AttestationData}, isFromBlock = false): void {
    this.validateOnAttestation(indexed.data, isFromBlock);
    this.updateLatestMessages(indexed.attestingIndices, indexed.data);
  }

  /** phase0 update_latest_messages (equivocating validators are skipped) */
  private updateLatestMessages(attestingIndices: ArrayLike<number>, data: AttestationData): void {
    const nodeIndex = this.protoArray.getIndex(toRootHex(data.beaconBlockRoot)) as number;
    const epoch = data.target.epoch;
    for (let i = 0; i < attestingIndices.length; i++) {
      const v = attestingIndices[i];
      if (this.equivocatingIndices.has(v)) continue;
      this.votes.update(v, nodeIndex, epoch);
    }
  }

  /** The latest message of a validator (store.latest_messages[i]), null if none. */
  getLatestMessage(validatorIndex: number): {epoch: number; root: RootHex | null} | null {
    const m = this.votes.get(validatorIndex);
    if (m === null) return null;
    return {epoch: m.epoch, root: m.nodeIndex === -1 ? null : this.protoArray.nodes[m.nodeIndex].blockRoot};
  }

  /**
   * phase0 on_attester_slashing: both attestations must be slashable and valid on the justified block's state;
   * the validators in both become equivocating and their votes stop counting.
   */
  onAttesterSlashing(attesterSlashing: AttesterSlashingLike, opts: OnAttestationOpts = {}): void {
    const {attestation1, attestation2} = attesterSlashing;
    if (!isSlashableAttestationData(attestation1.data, attestation2.data)) {
      throw new ForkChoiceError("NOT_SLASHABLE", "the two attestations are neither a double nor a surround vote");
    }
    const state = this.states.getBlockState(this.justifiedCheckpoint.root);
    if (state === undefined) {
      throw new ForkChoiceError("MISSING_STATE", `no state for the justified block ${this.justifiedCheckpoint.root}`);
    }
    const verify = opts.verifySignature ?? true;
    if (
      !isValidIndexedAttestation(state, attestation1, verify) ||
      !isValidIndexedAttestation(state, attestation2, verify)
    ) {
      throw new ForkChoiceError("INVALID_ATTESTER_SLASHING", "an attestation of the slashing is not valid");
    }
    const second = new Set(attestation2.attestingIndices);
    this.addEquivocatingIndices(attestation1.attestingIndices.filter((i) => second.has(i)));
  }

  /** Validators proven to equivocate (by an already validated slashing): their votes stop counting. */
  addEquivocatingIndices(indices: Iterable<number>): void {
    for (const i of indices) this.equivocatingIndices.add(i);
  }

  // ---------------------------------------------------------------- states

  /**
   * store.checkpoint_states[checkpoint] (store_target_checkpoint_state): the checkpoint block's post-state advanced
   * with process_slots to the epoch's first slot, computed once and kept in the state cache.
   */
  getCheckpointState(checkpoint: CheckpointHex): CachedBeaconState {
    const cached = this.states.getCheckpointState(checkpoint);
    if (cached !== undefined) return cached;
    const base = this.states.getBlockState(checkpoint.root);
    if (base === undefined) throw new ForkChoiceError("MISSING_STATE", `no state for block ${checkpoint.root}`);
    const cs = base.clone();
    const startSlot = computeStartSlotAtEpoch(checkpoint.epoch);
    if (cs.state.slot < startSlot) processSlots(cs, startSlot);
    this.states.setCheckpointState(checkpoint, cs);
    return cs;
  }

  /**
   * The effective balances get_attestation_score counts (active and unslashed validators of the justified
   * checkpoint state; 0 for the others) and that state's total active balance.
   */
  getJustifiedBalances(): {balances: Float64Array; totalActiveBalance: number} {
    const key = checkpointKey(this.justifiedCheckpoint);
    if (this.balancesCache?.key === key) return this.balancesCache;
    const cs = this.getCheckpointState(this.justifiedCheckpoint);
    const balances = getActiveUnslashedEffectiveBalances(cs);
    this.balancesCache = {key, balances, totalActiveBalance: cs.epochCtx.getTotalActiveBalance()};
    return this.balancesCache;
  }

  /** phase0 compute_proposer_score on the justified checkpoint state (get_proposer_score) */
  getProposerScore(): number {
    return this.calculateCommitteeFraction(this.config.PROPOSER_SCORE_BOOST);
  }

  /**
   * phase0 calculate_committee_fraction on the justified checkpoint state
   * Spec: `calculate_committee_fraction` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/fork-choice.md#calculate_committee_fraction
   */
  calculateCommitteeFraction(committeePercent: number): number {
    const total = BigInt(this.getJustifiedBalances().totalActiveBalance);
    return Number(((total / BigInt(SLOTS_PER_EPOCH)) * BigInt(committeePercent)) / 100n);
  }

  // ---------------------------------------------------------------- head

  /** phase0 get_head: applies the vote changes since the last call and returns the head block's node. */
  getHead(): ProtoNode {
    const {balances} = this.getJustifiedBalances();
    const deltas = computeDeltas(
      this.protoArray.length,
      this.votes,
      this.appliedBalances,
      balances,
      this.equivocatingIndices,
    );
    this.protoArray.applyScoreChanges(deltas);
    this.appliedBalances = balances;
    const boostRoot = this.proposerBoostRoot;
    const headRoot = this.protoArray.findHead({
      justifiedRoot: this.justifiedCheckpoint.root,
      justifiedEpoch: this.justifiedCheckpoint.epoch,
      finalizedRoot: this.finalizedCheckpoint.root,
      finalizedEpoch: this.finalizedCheckpoint.epoch,
      currentEpoch: this.currentEpoch,
      proposerBoost: boostRoot === null ? null : {root: boostRoot, score: this.getProposerScore()},
    });
    return this.protoArray.getNode(headRoot) as ProtoNode;
  }

  /**
   * get_weight of every leaf of the filtered block tree (the spec tests' viable_for_head_roots_and_weights), as of
   * a fresh get_head.
   */
  getViableLeaves(): ViableLeaf[] {
    this.getHead();
    const leaves = this.protoArray.viableLeaves();
    if (leaves.length > 0) return leaves;
    // an empty filtered tree: the walk from the justified root stops at the root itself
    const root = this.justifiedCheckpoint.root;
    return [{root, weight: this.getWeight(root)}];
  }

  /** get_weight(root) as of the last get_head (votes, plus the proposer score if root is an ancestor of the boost). */
  getWeight(root: RootHex): number {
    const node = this.protoArray.getNode(root);
    if (node === undefined) throw new ForkChoiceError("UNKNOWN_BLOCK", `block ${root} is unknown`);
    const boost = this.proposerBoostRoot;
    if (boost !== null && this.protoArray.isDescendant(root, boost)) return node.weight + this.getProposerScore();
    return node.weight;
  }
}

/**
 * get_attesting_indices reads aggregation_bits[i] for every member of the attestation's committee(s) (before
 * electra: data.index's committee; from electra: each committee of committee_bits, one after the other), which
 * fails for a shorter bit list. Longer lists are accepted there (process_attestation checks the exact length).
 */
function checkAggregationBitsLength(cs: CachedBeaconState, attestation: AttestationAllForks): void {
  const {slot, index} = attestation.data;
  let covered = 0;
  if (cs.fork < ForkSeq.electra) {
    covered = cs.epochCtx.getBeaconCommittee(slot, index).length;
  } else {
    for (const i of getCommitteeIndices((attestation as AttestationElectra).committeeBits)) {
      covered += cs.epochCtx.getBeaconCommittee(slot, i).length;
    }
  }
  if (attestation.aggregationBits.bitLen < covered) {
    throw Error(`${attestation.aggregationBits.bitLen} aggregation bits for ${covered} committee members`);
  }
}

interface BlockCodec {
  hashTreeRoot(block: BeaconBlockAllForks): Uint8Array;
}

function blockType(fork: number): BlockCodec {
  return forkTypes(fork).BeaconBlock as unknown as BlockCodec;
}

/**
 * The execution block hash of a block (or, without one, of the state's latest payload header) once the merge is
 * complete in `state`; null before.
 */
function executionBlockHashOf(state: CachedBeaconState, block: BeaconBlockAllForks | undefined): RootHex | null {
  if (state.fork < ForkSeq.bellatrix || !isMergeTransitionComplete(state)) return null;
  if (block === undefined)
    return toRootHex((state.state as BeaconStatePostBellatrix).latestExecutionPayloadHeader.blockHash);
  const body = block.body as {executionPayload?: {blockHash: Uint8Array}};
  if (body.executionPayload === undefined) return null;
  return toRootHex(body.executionPayload.blockHash);
}
