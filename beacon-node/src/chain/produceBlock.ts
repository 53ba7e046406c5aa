/**
 * Block production on the current head (phase0..fulu validator.md "Block proposal"): payload attributes for the
 * engine (bellatrix/capella/deneb validator.md prepare_execution_payload: timestamp, prev_randao, fee recipient,
 * get_expected_withdrawals, parent beacon block root) → get_payload → the body (attestations from the pool as
 * electra compute_on_chain_aggregate, the sync aggregate of the previous slot's messages, blob commitments, execution requests) → the state
 * root by processing the block on a copy of the head state (compute_new_state_root).
 */
import {toRootHex} from "@ceibo/fork-choice";
import {FORK_NAMES, ForkSeq} from "@ceibo/params";
import {
  type BeaconBlockAllForks,
  type CachedBeaconState,
  computeTimeAtSlot,
  getCurrentEpoch,
  getExpectedWithdrawals,
  getRandaoMix,
  isMergeTransitionComplete,
  processBlock,
  processSlots,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {ExecutionEngineError} from "../execution/errors.ts";
import type {BlobsBundle, ExecutionPayload, ExecutionRequests, PayloadAttributes} from "../execution/index.ts";
import {ChainError} from "./errors.ts";
import type {IBeaconChain} from "./interface.ts";

export interface ProduceBlockOpts {
  slot: number;
  /** The proposer's RANDAO reveal (signature of the epoch). */
  randaoReveal: Uint8Array;
  /** 32 bytes (default zero). */
  graffiti?: Uint8Array;
  /** Overrides the chain's suggested fee recipient. */
  feeRecipient?: Uint8Array;
  /**
   * A blinded block (builder-specs): the body commits to this builder bid's header (and its blob commitments and
   * execution requests) instead of a payload from the engine. The caller verified the bid (process_bid).
   */
  builderBid?: {
    header: Record<string, unknown> & {timestamp: number};
    blobKzgCommitments?: Uint8Array[];
    executionRequests?: unknown;
    value: bigint;
  };
}

export interface ProducedBlock {
  block: BeaconBlockAllForks;
  proposerIndex: number;
  /** deneb+: the payload's blobs bundle (blobs and their KZG proofs / cell proofs). */
  blobsBundle?: BlobsBundle;
  /** Wei. */
  executionPayloadValue: bigint;
  /** A BlindedBeaconBlock (opts.builderBid): the body has `executionPayloadHeader`. */
  blinded: boolean;
}

export async function produceBlock(chain: IBeaconChain, opts: ProduceBlockOpts): Promise<ProducedBlock> {
  const {slot} = opts;
  const head = chain.head;
  if (!Number.isSafeInteger(slot) || slot <= head.slot) {
    throw new ChainError("INVALID_ARGUMENT", `cannot produce a block at slot ${slot} on a head at slot ${head.slot}`);
  }
  if (opts.randaoReveal?.length !== 96) throw new ChainError("INVALID_ARGUMENT", "randaoReveal must be 96 bytes");
  const graffiti = opts.graffiti ?? new Uint8Array(32);
  if (graffiti.length !== 32) throw new ChainError("INVALID_ARGUMENT", "graffiti must be 32 bytes");

  const state = chain.getBlockState(head.blockRoot).clone();
  if (state.state.slot < slot) processSlots(state, slot);
  const fork = state.fork;
  const proposerIndex = state.epochCtx.getBeaconProposer(slot);
  const parentRoot = Uint8Array.from(Buffer.from(head.blockRoot.slice(2), "hex"));

  // slashings, exits and BLS changes that still apply on this state (each re-checked on a copy)
  const ops = chain.opPool.getOperationsForBlock(state);
  const body: Record<string, unknown> = {
    randaoReveal: opts.randaoReveal,
    eth1Data: state.state.eth1Data.toValue(),
    graffiti,
    proposerSlashings: ops.proposerSlashings,
    attesterSlashings: ops.attesterSlashings,
    attestations: chain.attestationPool.getAttestationsForBlock(state),
    deposits: [],
    voluntaryExits: ops.voluntaryExits,
  };
  if (fork >= ForkSeq.altair) {
    body.syncAggregate = chain.syncCommitteePool.getSyncAggregate(state);
  }
  let blobsBundle: BlobsBundle | undefined;
  let executionPayloadValue = 0n;
  const bid = opts.builderBid;
  if (bid !== undefined && fork < ForkSeq.bellatrix) {
    throw new ChainError("INVALID_ARGUMENT", "a builder bid for a block before bellatrix");
  }
  if (bid !== undefined) {
    body.executionPayloadHeader = bid.header;
    executionPayloadValue = bid.value;
    if (fork >= ForkSeq.capella) body.blsToExecutionChanges = ops.blsToExecutionChanges;
    if (fork >= ForkSeq.deneb) body.blobKzgCommitments = bid.blobKzgCommitments ?? [];
    if (fork >= ForkSeq.electra) {
      body.executionRequests = bid.executionRequests ?? {deposits: [], withdrawals: [], consolidations: []};
    }
  } else if (fork >= ForkSeq.bellatrix) {
    const built = await buildPayload(chain, state, slot, head.blockRoot, parentRoot, opts.feeRecipient);
    body.executionPayload = built.executionPayload;
    executionPayloadValue = built.blockValue;
    if (fork >= ForkSeq.capella) body.blsToExecutionChanges = ops.blsToExecutionChanges;
    if (fork >= ForkSeq.deneb) {
      blobsBundle = built.blobsBundle ?? {commitments: [], proofs: [], blobs: []};
      body.blobKzgCommitments = blobsBundle.commitments;
    }
    if (fork >= ForkSeq.electra) {
      body.executionRequests = built.executionRequests ?? {deposits: [], withdrawals: [], consolidations: []};
    }
  }

  const block = {
    slot,
    proposerIndex,
    parentRoot,
    stateRoot: new Uint8Array(32),
    body,
  } as unknown as BeaconBlockAllForks;
  // compute_new_state_root on a copy (the block's signatures are not made yet)
  const blinded = bid !== undefined;
  const post = state.clone();
  try {
    processForStateRoot(post, block, blinded);
  } catch (e) {
    if ((body.attestations as unknown[]).length === 0) {
      throw new ChainError("PRODUCE_FAILED", `the produced block is invalid: ${(e as Error).message}`, {cause: e});
    }
    chain.logger.warn("Produced block invalid with pool attestations, retrying without", {
      slot,
      error: (e as Error).message,
    });
    body.attestations = [];
    const retry = state.clone();
    processForStateRoot(retry, block, blinded);
    block.stateRoot = retry.state.hashTreeRoot();
    return {block, proposerIndex, blobsBundle, executionPayloadValue, blinded};
  }
  block.stateRoot = post.state.hashTreeRoot();
  return {block, proposerIndex, blobsBundle, executionPayloadValue, blinded};
}

/**
 * process_block for compute_new_state_root. A blinded block (builder-specs) is processed as the block it commits
 * to: process_execution_payload checks the header's fields (parent hash, prev_randao, timestamp, blob limit)
 * exactly as the payload's and caches the header as it is, and process_withdrawals sees the expected withdrawals
 * (the bid's withdrawals_root was checked against them). So the payload stand-in carries the header's fields, no
 * transactions and the expected withdrawals, and the cached header is then set to the builder's own.
 */
export function processForStateRoot(cs: CachedBeaconState, block: BeaconBlockAllForks, blinded: boolean): void {
  if (!blinded) {
    processBlock(cs, block, {verifySignatures: false, executionPayloadValid: true});
    return;
  }
  const {executionPayloadHeader: header, ...rest} = block.body as unknown as Record<string, unknown> & {
    executionPayloadHeader: Record<string, unknown>;
  };
  const {transactionsRoot: _t, withdrawalsRoot: _w, ...fields} = header;
  const standIn: Record<string, unknown> = {...fields, transactions: []};
  if (cs.fork >= ForkSeq.capella) standIn.withdrawals = getExpectedWithdrawals(cs).withdrawals;
  const full = {...block, body: {...rest, executionPayload: standIn}} as unknown as BeaconBlockAllForks;
  processBlock(cs, full, {verifySignatures: false, executionPayloadValid: true});
  const headerType = (ssz[FORK_NAMES[cs.fork]] as unknown as Record<string, {toViewDU(v: unknown): unknown}>)
    .ExecutionPayloadHeader;
  (cs.state as unknown as {latestExecutionPayloadHeader: unknown}).latestExecutionPayloadHeader =
    headerType.toViewDU(header);
}

/**
 * An engine that times out or cannot be reached while building a payload is offline (el_offline in
 * /eth/v1/node/syncing) until a call succeeds again, as for newPayload and forkchoiceUpdated on import: a node with
 * no new blocks to import would otherwise never notice.
 */
function markEngineUnreachable(chain: IBeaconChain, e: unknown): void {
  if (e instanceof ExecutionEngineError && (e.code === "TIMEOUT" || e.code === "REQUEST_FAILED"))
    chain.elStatus = "ERROR";
}

/** forkchoiceUpdated with payload attributes on the head, then getPayload. */
async function buildPayload(
  chain: IBeaconChain,
  state: CachedBeaconState,
  slot: number,
  headRoot: string,
  parentRoot: Uint8Array,
  feeRecipient: Uint8Array | undefined,
): Promise<{
  executionPayload: ExecutionPayload;
  blockValue: bigint;
  blobsBundle?: BlobsBundle;
  executionRequests?: ExecutionRequests;
}> {
  const engine = chain.engine;
  if (engine === null) throw new ChainError("PRODUCE_FAILED", "no execution engine: cannot build a payload");
  const fork = state.fork;
  const attributes: PayloadAttributes = {
    timestamp: computeTimeAtSlot(chain.config.SLOT_DURATION_MS, state.state.genesisTime, slot),
    prevRandao: getRandaoMix(state.state, getCurrentEpoch(state.state)),
    suggestedFeeRecipient: feeRecipient ?? chain.opts.suggestedFeeRecipient ?? new Uint8Array(20),
  };
  if (fork >= ForkSeq.capella) attributes.withdrawals = getExpectedWithdrawals(state).withdrawals;
  if (fork >= ForkSeq.deneb) attributes.parentBeaconBlockRoot = parentRoot;
  const forkName = chain.forkNameAtSlot(slot);
  // bellatrix validator.md prepare_execution_payload: before the merge the payload builds on the terminal PoW block
  let headBlockHash = chain.executionHashOf(headRoot);
  if (!isMergeTransitionComplete(state)) {
    const terminal = chain.opts.terminalBlockHash;
    if (terminal === undefined) {
      throw new ChainError("PRODUCE_FAILED", "the merge has not happened and no terminal block hash is configured");
    }
    headBlockHash = terminal;
  }
  const forkchoiceState = {
    headBlockHash,
    safeBlockHash: chain.executionHashOf(chain.forkChoice.justifiedCheckpoint.root),
    finalizedBlockHash: chain.executionHashOf(chain.forkChoice.finalizedCheckpoint.root),
  };
  let payloadId: string | null;
  try {
    const result = await engine.notifyForkchoiceUpdated(forkName, forkchoiceState, attributes);
    payloadId = result.payloadId;
    if (payloadId === null) {
      throw Error(`engine answered ${result.payloadStatus.status} without a payload id`);
    }
  } catch (e) {
    markEngineUnreachable(chain, e);
    throw new ChainError(
      "EXECUTION_ENGINE_ERROR",
      `forkchoiceUpdated with attributes for slot ${slot} on ${toRootHex(forkchoiceState.headBlockHash)}: ${(e as Error).message}`,
      {cause: e},
    );
  }
  try {
    return await engine.getPayload(forkName, payloadId);
  } catch (e) {
    markEngineUnreachable(chain, e);
    throw new ChainError("EXECUTION_ENGINE_ERROR", `getPayload ${payloadId}: ${(e as Error).message}`, {cause: e});
  }
}
