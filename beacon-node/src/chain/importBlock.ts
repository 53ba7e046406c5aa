/**
 * The block import pipeline. Each stage proves one thing, in this order:
 *   sanity (fork choice on_block checks that need no state) → signatures (every set of the block, one batch) →
 *   state transition (signatures off) → execution payload (engine newPayload: VALID / INVALID / SYNCING) →
 *   data availability → fork choice on_block (+ the block's attestations as votes) → persistence (one batch) →
 *   head / finality / engine forkchoiceUpdated → events.
 * Spec: phase0 fork-choice.md on_block, bellatrix/deneb/electra beacon-chain.md verify_and_notify_new_payload,
 * sync/optimistic.md (SYNCING/ACCEPTED → optimistic import), deneb/fulu fork-choice.md is_data_available.
 */
import {ForkChoiceError, type ForkChoiceErrorCode, type RootHex, toRootHex} from "@ceibo/fork-choice";
import {ForkSeq} from "@ceibo/params";
import {
  type AttestationAllForks,
  type AttestationElectra,
  type CachedBeaconState,
  checkStateRoot,
  computeEpochAtSlot,
  computeStartSlotAtEpoch,
  getBlockSignatureSets,
  getCommitteeIndices,
  kzgCommitmentToVersionedHash,
  processSlots,
  type SignedBeaconBlockAllForks,
  stateTransition,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import type {ExecutionPayload, ExecutionRequests} from "../execution/index.ts";
import type {BlockImportStage, ChainMetricsHook} from "../metrics/hooks.ts";
import {blockRootOf, fromRootHex} from "./blockRoot.ts";
import {BlockError, type BlockErrorCode} from "./errors.ts";
import type {IBeaconChain} from "./interface.ts";
import {forkChoiceSummaryOf} from "./snapshots.ts";
import {type GossipVerifiedBlock, isGossipVerifiedBlock} from "./verified.ts";

/** Resolves in a later event-loop turn (after the loop's timers and I/O): a long import gives way between steps. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface ImportBlockOpts {
  /**
   * deneb/fulu is_data_available as checked by the caller (blobs or column sidecars). Default: true for a block
   * without blob commitments, false otherwise. Our own producer passes true for the blobs it built.
   */
  dataAvailable?: boolean;
  /** Overrides fork choice's record_block_timeliness. */
  isTimely?: boolean;
  /**
   * Range sync verified every signature set of the block already, together with the other blocks of its segment
   * (sync/segmentSignatures.ts): the signature stage is skipped. Never set it for a block whose sets were not
   * verified through `chain.bls`.
   */
  signaturesVerified?: boolean;
  /**
   * The parent's post-state already advanced to the block's slot (a clone nobody else holds; range sync built it
   * for the segment's signatures), used instead of computing it again. Ignored unless it is at the block's slot
   * and its latest block header is the parent.
   */
  preState?: CachedBeaconState;
}

export interface ImportedBlock {
  root: RootHex;
  slot: number;
  executionStatus: "valid" | "syncing" | "preMerge";
  /** The post-state (shared with the state cache: clone before mutating). */
  postState: CachedBeaconState;
}

const SANITY_CODES: Partial<Record<ForkChoiceErrorCode, BlockErrorCode>> = {
  UNKNOWN_PARENT: "PARENT_UNKNOWN",
  FUTURE_SLOT: "FUTURE_SLOT",
  NOT_AFTER_FINALIZED_SLOT: "WOULD_REVERT_FINALIZED",
  NOT_FINALIZED_DESCENDANT: "NOT_FINALIZED_DESCENDANT",
  DATA_UNAVAILABLE: "DATA_UNAVAILABLE",
  EXECUTION_INVALID: "EXECUTION_INVALID",
  PARENT_EXECUTION_INVALID: "EXECUTION_INVALID",
};

type BodyWithPayload = {
  executionPayload: ExecutionPayload;
  blobKzgCommitments?: Uint8Array[];
  executionRequests?: ExecutionRequests;
};

/**
 * Imports a block: a plain signed block (req/resp sync, the Beacon API, the node's own) is checked in full; a
 * `GossipVerifiedBlock` keeps the root and proposer signature gossip validation verified (verified.ts).
 */
export async function importBlock(
  chain: IBeaconChain,
  input: SignedBeaconBlockAllForks | GossipVerifiedBlock,
  opts: ImportBlockOpts,
): Promise<ImportedBlock> {
  const metrics = chain.metrics;
  if (metrics === null) return importBlockStages(chain, input, opts, null);
  const t0 = performance.now();
  try {
    const imported = await importBlockStages(chain, input, opts, metrics);
    metrics.blockImported(true, (performance.now() - t0) / 1000);
    return imported;
  } catch (e) {
    metrics.blockImported(false, (performance.now() - t0) / 1000);
    throw e;
  }
}

async function importBlockStages(
  chain: IBeaconChain,
  input: SignedBeaconBlockAllForks | GossipVerifiedBlock,
  opts: ImportBlockOpts,
  metrics: ChainMetricsHook | null,
): Promise<ImportedBlock> {
  const gossipVerified = isGossipVerifiedBlock(input) ? input : null;
  const signedBlock = gossipVerified !== null ? gossipVerified.signedBlock : (input as SignedBeaconBlockAllForks);
  let tStage = performance.now();
  const stageDone = (stage: BlockImportStage): void => {
    if (metrics === null) return;
    const now = performance.now();
    metrics.blockImportStage(stage, (now - tStage) / 1000);
    tStage = now;
  };
  const block = signedBlock?.message;
  if (block === undefined || typeof block.slot !== "number" || block.body === undefined) {
    throw new BlockError("INVALID_BLOCK", "not a signed beacon block", {slot: -1, blockRoot: ""});
  }
  let rootBytes: Uint8Array;
  try {
    // a gossip-verified block's root was computed (and its proposer signature checked over it) by gossip validation
    rootBytes = gossipVerified !== null ? gossipVerified.blockRoot : blockRootOf(chain.beaconConfig, block);
  } catch (e) {
    throw new BlockError("INVALID_BLOCK", `cannot hash the block: ${(e as Error).message}`, {
      slot: block.slot,
      blockRoot: "",
      cause: e,
    });
  }
  const root = toRootHex(rootBytes);
  const ctx = {slot: block.slot, blockRoot: root};
  const fc = chain.forkChoice;

  // 1. sanity
  if (fc.hasBlock(root)) throw new BlockError("ALREADY_KNOWN", `block ${root} is already imported`, ctx);
  try {
    fc.checkBlock(block, root);
  } catch (e) {
    throw asBlockError(e, ctx);
  }

  // 2. signatures, on the parent state advanced to the block's slot, in one batch
  const parentRoot = toRootHex(block.parentRoot);
  tStage = performance.now();
  const preState = isPreStateOf(opts.preState, block.slot, block.parentRoot)
    ? opts.preState
    : preStateBase(chain, parentRoot, block.slot).clone();
  try {
    if (block.slot > preState.state.slot) processSlots(preState, block.slot);
  } catch (e) {
    throw new BlockError("INVALID_STATE_TRANSITION", `process_slots: ${(e as Error).message}`, {...ctx, cause: e});
  }
  stageDone("pre_state");
  // the pre-state, the signature sets, the transition and the state root each hold the event loop for ~20–50 ms on
  // 1M validators (several times that while a major GC's marking runs: V8 then marks inside whatever JS allocates);
  // between them gossip and timers get their turn
  await nextTurn();
  let sets: ReturnType<typeof getBlockSignatureSets>;
  try {
    // gossip verified the proposer signature: the batch leaves it out; range sync may have verified them all
    sets =
      opts.signaturesVerified === true
        ? []
        : getBlockSignatureSets(preState, signedBlock, {skipProposer: gossipVerified !== null});
  } catch (e) {
    // a set that cannot even be built (unknown validator, bad committee bits) makes the block invalid
    throw new BlockError("INVALID_STATE_TRANSITION", `signature sets: ${(e as Error).message}`, {...ctx, cause: e});
  }
  // through the chain's BLS verifier (the worker pool shared with gossip; a block is not batched with gossip); the
  // workers verify while this thread runs the state transition below
  const sigsValidPromise = sets.length === 0 ? Promise.resolve(true) : chain.bls.verifySignatureSets(sets);
  // settled below in every path (no unhandled rejection if the state transition throws first)
  sigsValidPromise.catch(() => {});
  await nextTurn();

  // 3. state transition, signatures unchecked: the block, then in a later event-loop turn the state root
  let postState: CachedBeaconState | null = null;
  let transitionError: unknown = null;
  try {
    postState = stateTransition(preState, signedBlock, {
      verifySignatures: false,
      executionPayloadValid: true,
      verifyStateRoot: false,
    });
    await nextTurn();
    checkStateRoot(postState, block.stateRoot);
  } catch (e) {
    transitionError = e;
  }
  stageDone("state_transition");
  // an invalid signature is the verdict even when the transition failed too (as when signatures went first)
  if (!(await sigsValidPromise)) {
    throw new BlockError("INVALID_SIGNATURE", "a signature of the block is invalid", ctx);
  }
  stageDone("signatures");
  if (transitionError !== null || postState === null) {
    const message = transitionError instanceof Error ? transitionError.message : String(transitionError);
    throw new BlockError("INVALID_STATE_TRANSITION", message, {...ctx, cause: transitionError});
  }

  // 4. execution payload
  const fork = chain.beaconConfig.getForkSeq(block.slot);
  const body = block.body as unknown as BodyWithPayload;
  let executionStatus: ImportedBlock["executionStatus"] = "preMerge";
  if (fork >= ForkSeq.bellatrix && body.executionPayload !== undefined) {
    executionStatus = await verifyPayload(chain, root, block.parentRoot, fork, body, ctx);
    stageDone("execution_payload");
  }

  // 5. data availability
  const commitments = fork >= ForkSeq.deneb ? (body.blobKzgCommitments ?? []) : [];
  if (commitments.length > 0) chain.da.addBlock(signedBlock, root);
  const dataAvailable = opts.dataAvailable ?? (commitments.length === 0 || chain.da.isDataAvailable(root));
  if (!dataAvailable) {
    throw new BlockError("DATA_UNAVAILABLE", `the data of ${commitments.length} blobs is not available`, ctx);
  }

  // 6. fork choice
  try {
    fc.onBlock(block, postState, {blockRoot: rootBytes, dataAvailable, executionStatus, isTimely: opts.isTimely});
  } catch (e) {
    throw asBlockError(e, ctx);
  }
  chain.blocks.set(root, signedBlock);
  for (const attestation of block.body.attestations as AttestationAllForks[]) {
    try {
      fc.onAttestation(attestation, true, {verifySignature: false});
    } catch (e) {
      chain.logger.debug("Block attestation not counted by fork choice", {error: (e as Error).message});
    }
    markIncluded(chain, postState, attestation);
  }
  for (const slashing of block.body.attesterSlashings) {
    try {
      fc.onAttesterSlashing(slashing, {verifySignature: false});
    } catch (e) {
      chain.logger.debug("Block attester slashing not applied by fork choice", {error: (e as Error).message});
    }
  }

  // 7. persistence: the block, and at the first block of an epoch the new epoch's checkpoint state
  stageDone("fork_choice");
  const batch = chain.db.batch().putBlock(rootBytes, signedBlock);
  // its fork-choice summary, so a restart adds it to fork choice without a state transition (snapshots.ts)
  const node = fc.getBlock(root);
  if (node !== undefined) batch.putForkChoiceNode(rootBytes, forkChoiceSummaryOf(node));
  // the block's blob sidecars / custody columns, atomically with the block
  if (commitments.length > 0) chain.da.putSidecarsInBatch(batch, root);
  const epoch = computeEpochAtSlot(block.slot);
  const parentSlot = fc.getBlock(parentRoot)?.slot ?? 0;
  // every stateSnapshotEpochs epochs: this block crosses a multiple of it since its parent (snapshots.ts)
  const every = chain.opts.stateSnapshotEpochs ?? 1;
  if (Math.floor(computeEpochAtSlot(parentSlot) / every) < Math.floor(epoch / every)) {
    const cpRoot = block.slot === computeStartSlotAtEpoch(epoch) ? root : parentRoot;
    batch.putCheckpointState({epoch, root: fromRootHex(cpRoot)}, fc.getCheckpointState({epoch, root: cpRoot}));
  }
  // a failed write (disk full) is kept and written again before newer blocks: fork choice already has the block
  await chain.blockWrites.write(batch, block.slot, root);
  stageDone("persist");

  // 8. head, finality, engine
  chain.updateHead();
  await chain.onFinalityMaybeChanged();
  await chain.notifyForkchoiceUpdate();

  chain.logger.debug("Imported block", {slot: block.slot, root, executionStatus});
  chain.emitter.emit("block", {slot: block.slot, block: root, executionOptimistic: executionStatus === "syncing"});
  // the epoch transition leaves the next epoch's shuffling out of its critical path: compute it after the import,
  // on a worker thread (a use before it is ready computes it synchronously)
  if (!postState.epochCtx.nextShufflingLazy.isComputed) void postState.epochCtx.precomputeNextShufflingInWorker();
  return {root, slot: block.slot, executionStatus, postState};
}

/**
 * The state to advance to the block's slot: the parent's post-state or, for the first block of an epoch, the
 * parent's checkpoint state of that epoch (the parent state through the epoch transition, which gossip validation
 * computed for the proposer check and the node may have prepared in the previous slot), so that the epoch
 * transition is not run a second time on the import path.
 */
function preStateBase(chain: IBeaconChain, parentRoot: RootHex, slot: number): CachedBeaconState {
  const parentSlot = chain.forkChoice.getBlock(parentRoot)?.slot;
  const epoch = computeEpochAtSlot(slot);
  if (parentSlot !== undefined && computeEpochAtSlot(parentSlot) < epoch) {
    try {
      return chain.forkChoice.getCheckpointState({epoch, root: parentRoot});
    } catch {
      // not in fork choice's state cache (e.g. to be regenerated): from the parent's state below
    }
  }
  return chain.getBlockState(parentRoot);
}

async function verifyPayload(
  chain: IBeaconChain,
  root: RootHex,
  parentRoot: Uint8Array,
  fork: number,
  body: BodyWithPayload,
  ctx: {slot: number; blockRoot: string},
): Promise<"valid" | "syncing"> {
  if (chain.engine === null) return "syncing";
  const extras =
    fork >= ForkSeq.deneb
      ? {
          versionedHashes: (body.blobKzgCommitments ?? []).map(kzgCommitmentToVersionedHash),
          parentBeaconBlockRoot: parentRoot,
          executionRequests: fork >= ForkSeq.electra ? body.executionRequests : undefined,
        }
      : {};
  let status: Awaited<ReturnType<NonNullable<IBeaconChain["engine"]>["notifyNewPayload"]>>;
  try {
    status = await chain.engine.notifyNewPayload(chain.forkNameAtSlot(ctx.slot), body.executionPayload, extras);
  } catch (e) {
    // not a verdict (optimistic.md "Execution Engine Errors"): the block is not imported; the node reports the
    // engine offline until a call succeeds again
    chain.elStatus = "ERROR";
    throw new BlockError("EXECUTION_ENGINE_ERROR", `newPayload failed: ${(e as Error).message}`, {...ctx, cause: e});
  }
  switch (status.status) {
    case "VALID":
      return "valid";
    case "SYNCING":
    case "ACCEPTED":
      return "syncing";
    case "INVALID": {
      // the engine may also have found the parent chain invalid back to latestValidHash
      const lvh = status.latestValidHash;
      if (lvh !== null && chain.forkChoice.hasBlock(toRootHex(parentRoot))) {
        const parentHash = chain.executionHashOf(toRootHex(parentRoot));
        if (toRootHex(parentHash) !== toRootHex(lvh)) {
          chain.forkChoice.onExecutionInvalid(toRootHex(parentRoot), toRootHex(lvh));
          chain.updateHead();
        }
      }
      throw new BlockError("EXECUTION_INVALID", `payload INVALID: ${status.validationError ?? "no reason given"}`, ctx);
    }
    case "INVALID_BLOCK_HASH":
      throw new BlockError("EXECUTION_INVALID", `payload block hash is invalid (${root})`, ctx);
  }
}

/** Tells the attestation pool which attesters a block carried, per committee. */
function markIncluded(chain: IBeaconChain, postState: CachedBeaconState, attestation: AttestationAllForks): void {
  try {
    const {data} = attestation;
    const bits = attestation.aggregationBits.toBoolArray();
    if (postState.fork >= ForkSeq.electra) {
      let offset = 0;
      for (const index of getCommitteeIndices((attestation as AttestationElectra).committeeBits)) {
        const size = postState.epochCtx.getBeaconCommittee(data.slot, index).length;
        chain.attestationPool.markIncluded(data, index, bits.slice(offset, offset + size));
        offset += size;
      }
    } else {
      chain.attestationPool.markIncluded(data, data.index, bits);
    }
  } catch (e) {
    chain.logger.debug("Cannot mark attestation included", {error: (e as Error).message});
  }
}

/** Whether `state` is a pre-state for a block at `slot` with parent `parentRoot` (ImportBlockOpts.preState). */
function isPreStateOf(
  state: CachedBeaconState | undefined,
  slot: number,
  parentRoot: Uint8Array,
): state is CachedBeaconState {
  if (state === undefined || state.state.slot !== slot) return false;
  const header = state.state.latestBlockHeader.toValue();
  return toRootHex(ssz.phase0.BeaconBlockHeader.hashTreeRoot(header)) === toRootHex(parentRoot);
}

function asBlockError(e: unknown, ctx: {slot: number; blockRoot: string}): BlockError {
  if (e instanceof ForkChoiceError) {
    const code = SANITY_CODES[e.code] ?? "FORK_CHOICE_REJECTED";
    return new BlockError(code, e.message, {...ctx, cause: e});
  }
  return new BlockError("FORK_CHOICE_REJECTED", (e as Error).message, {...ctx, cause: e});
}
