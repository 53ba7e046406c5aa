/**
 * What every Beacon API handler shares: the chain, state and block lookup by the API's ids (beacon-APIs
 * `state_id` / `block_id`), the "state advanced to a slot" cache, and the node-side records the API keeps
 * (fee recipients, subscriptions, liveness, operation pools, API-local events).
 */

import {EventEmitter} from "node:events";
import {ApiError, type BeaconEvent, type BlockId, type StateId} from "@ceibo/api";
import {type RootHex, toRootHex} from "@ceibo/fork-choice";
import type {ForkName} from "@ceibo/params";
import {
  type CachedBeaconState,
  computeStartSlotAtEpoch,
  createCachedBeaconState,
  processSlots,
  type SignedBeaconBlockAllForks,
} from "@ceibo/state-transition";
import type {BlockSidecars} from "../chain/da/index.ts";
import {type BeaconChain, blockRootOf, fromRootHex} from "../chain/index.ts";
import type {BuilderService} from "../execution/builder/index.ts";
import {LivenessTracker} from "./liveness.ts";
import {OperationPools} from "./opPools.ts";
import {SubmittedAttestations, SubmittedSyncMessages} from "./submitted.ts";

export interface ResolvedState {
  state: CachedBeaconState;
  /** The block whose (possibly slot-advanced) post-state this is, when known. */
  blockRoot: RootHex | null;
  executionOptimistic: boolean;
  finalized: boolean;
}

export interface ResolvedBlock {
  block: SignedBeaconBlockAllForks;
  root: RootHex;
  fork: ForkName;
  canonical: boolean;
  executionOptimistic: boolean;
  finalized: boolean;
}

export interface ApiBackendOpts {
  /** `ceibo/v0.1.0` style version string. */
  version: string;
  /** The p2p network (none: the node routes answer with an empty identity and no peers). */
  network?: ApiNetwork | null;
  /** The builder (MEV-boost) connection (`--builder-url`; api/builderFlow.ts uses it). */
  builder?: BuilderService | null;
}

/** A peer as the node/peers routes describe it. */
export interface ApiPeer {
  peerId: string;
  enr: string | null;
  lastSeenP2pAddress: string;
  state: "disconnected" | "connecting" | "connected" | "disconnecting";
  direction: "inbound" | "outbound";
}

/**
 * What the Beacon API needs from the p2p network (node/network.ts adapts the Network to it): identity and peers
 * for the node routes, and gossip publishing of what validators submit (called after the node accepted it).
 * Without a network (tests, a single dev node) the routes answer with an empty identity and no peers.
 */
export interface ApiNetwork {
  identity(): {
    peerId: string;
    enr: string;
    p2pAddresses: string[];
    discoveryAddresses: string[];
    metadata: {seqNumber: bigint; attnets: boolean[]; syncnets: boolean[]; custodyGroupCount?: number};
  };
  peers(): ApiPeer[];
  /** Beacon API /node/syncing: from the sync service when there is one. */
  syncing?(): {headSlot: number; syncDistance: number; isSyncing: boolean; isOptimistic: boolean} | null;
  /** A block published through the API (after import), with the blob sidecars / data columns built from it. */
  publishBlock(signedBlock: SignedBeaconBlockAllForks, sidecars: BlockSidecars): void;
  /** pre-electra: an Attestation with one bit; electra+: a SingleAttestation. */
  publishAttestation(attestation: unknown, committeeIndex: number): void;
  publishAggregateAndProof(signed: unknown): void;
  publishSyncCommitteeMessage(message: {
    slot: number;
    beaconBlockRoot: Uint8Array;
    validatorIndex: number;
    signature: Uint8Array;
  }): void;
  publishContributionAndProof(signed: unknown): void;
  publishVoluntaryExit(signed: unknown): void;
  publishProposerSlashing(slashing: unknown): void;
  publishAttesterSlashing(slashing: unknown): void;
  publishBlsToExecutionChange(change: unknown): void;
  /** A validator has an aggregation duty at `slot` in `committeeIndex` (beacon_committee_subscriptions). */
  subscribeToAttestationSubnet(slot: number, committeeIndex: number, committeesAtSlot: number): void;
  /** A validator is in the sync committee until `untilEpoch` at these sync committee indices. */
  subscribeToSyncSubnets(syncCommitteeIndices: number[], untilEpoch: number): void;
}

export interface ProposerPreparation {
  feeRecipient: Uint8Array;
  /** Epoch it was last sent (a VC re-sends every epoch). */
  epoch: number;
}

/** Events the API itself produces (pool submissions, payload attributes), beside the chain's. */
export interface ApiEvents {
  event: [BeaconEvent];
}

export class ApiContext {
  readonly chain: BeaconChain;
  readonly opts: ApiBackendOpts;
  readonly feeRecipients = new Map<number, ProposerPreparation>();
  readonly beaconCommitteeSubscriptions = new Map<string, {validatorIndex: number; slot: number}>();
  readonly syncCommitteeSubscriptions = new Map<number, {untilEpoch: number; indices: number[]}>();
  readonly liveness = new LivenessTracker();
  readonly opPools = new OperationPools();
  readonly attestations = new SubmittedAttestations();
  readonly syncMessages = new SubmittedSyncMessages();
  readonly emitter = new EventEmitter<ApiEvents>();
  /** The p2p network (`opts.network`; tests may swap in their own). */
  network: ApiNetwork | null;
  /** The builder (MEV-boost) connection (`opts.builder`; api/builderFlow.ts uses it). */
  builder: BuilderService | null;
  /** `${headRoot}:${slot}` → the head state processed through empty slots (few entries). */
  private readonly advanced = new Map<string, CachedBeaconState>();

  constructor(chain: BeaconChain, opts: ApiBackendOpts) {
    this.chain = chain;
    this.opts = opts;
    this.network = opts.network ?? null;
    this.builder = opts.builder ?? null;
  }

  emit(event: BeaconEvent): void {
    this.emitter.emit("event", event);
  }

  isOptimistic(root: RootHex | null): boolean {
    if (root === null) return false;
    return this.chain.forkChoice.getBlock(root)?.executionStatus === "syncing";
  }

  /** Whether a block (by slot) is at or before the finalized checkpoint on the canonical chain. */
  isFinalizedSlot(slot: number): boolean {
    const fin = this.chain.forkChoice.getBlock(this.chain.finalizedCheckpoint.root);
    return fin !== undefined && slot <= fin.slot;
  }

  /**
   * The post-state of `blockRoot` advanced through empty slots to `slot` (a shared copy: do not mutate). The
   * validator duties and attestation data read it (validator.md "head_state processed through empty slots").
   */
  stateAtSlot(blockRoot: RootHex, slot: number): CachedBeaconState {
    const key = `${blockRoot}:${slot}`;
    const hit = this.advanced.get(key);
    if (hit !== undefined) return hit;
    const base = this.chain.getBlockState(blockRoot);
    let state = base;
    if (base.state.slot < slot) {
      state = base.clone();
      processSlots(state, slot);
    }
    this.advanced.set(key, state);
    while (this.advanced.size > 16) this.advanced.delete(this.advanced.keys().next().value as string);
    return state;
  }

  /** The head state advanced to the first slot of `epoch` if that is after the head (duties of a future epoch). */
  headStateAtEpoch(epoch: number): CachedBeaconState {
    const head = this.chain.head;
    const start = computeStartSlotAtEpoch(epoch);
    return start > head.slot ? this.stateAtSlot(head.blockRoot, start) : this.chain.getHeadState();
  }

  /** The canonical block root at `slot` (the last block at or before it), or null if before what is kept. */
  private canonicalNodeAtOrBefore(slot: number): {root: RootHex; slot: number} | null {
    const fc = this.chain.forkChoice;
    const head = this.chain.head;
    if (slot >= head.slot) return {root: head.blockRoot, slot: head.slot};
    const fin = fc.getBlock(this.chain.finalizedCheckpoint.root);
    const anchor = fc.protoArray.nodes[0];
    const lowest = anchor?.slot ?? fin?.slot ?? 0;
    if (slot < lowest) return null;
    const node = fc.getAncestor(head.blockRoot, slot);
    return {root: node.blockRoot, slot: node.slot};
  }

  // ---------------------------------------------------------------- states

  async resolveState(stateId: StateId): Promise<ResolvedState> {
    const chain = this.chain;
    const fromBlock = (root: RootHex, finalized: boolean): ResolvedState => ({
      state: chain.getBlockState(root),
      blockRoot: root,
      executionOptimistic: this.isOptimistic(root),
      finalized,
    });
    if (stateId === "head") return fromBlock(chain.head.blockRoot, false);
    if (stateId === "finalized") return fromBlock(chain.finalizedCheckpoint.root, true);
    if (stateId === "justified") {
      const root = chain.justifiedCheckpoint.root;
      return fromBlock(root, this.isFinalizedSlot(chain.forkChoice.getBlock(root)?.slot ?? 0));
    }
    if (stateId === "genesis") return this.stateAtSlotId(0);
    if (typeof stateId === "number") return this.stateAtSlotId(stateId);
    // a state root
    for (const node of chain.forkChoice.protoArray.nodes) {
      if (node.stateRoot === stateId) return fromBlock(node.blockRoot, this.isFinalizedSlot(node.slot));
    }
    const stored = await chain.db.stateArchive.getByRoot(fromRootHex(stateId));
    if (stored !== null) {
      return {
        state: createCachedBeaconState(stored.state, chain.config, stored.forkSeq, {pubkeyCache: chain.pubkeyCache}),
        blockRoot: null,
        executionOptimistic: false,
        finalized: true,
      };
    }
    throw ApiError.notFound(`State not found: no state with root ${stateId}`);
  }

  private async stateAtSlotId(slot: number): Promise<ResolvedState> {
    const chain = this.chain;
    const currentSlot = chain.clock.currentSlot;
    if (slot > Math.max(currentSlot, chain.head.slot)) {
      throw ApiError.notFound(`State not found: slot ${slot} is in the future (current slot ${currentSlot})`);
    }
    const node = this.canonicalNodeAtOrBefore(slot);
    if (node !== null) {
      return {
        state: node.slot === slot ? chain.getBlockState(node.root) : this.stateAtSlot(node.root, slot),
        blockRoot: node.root,
        executionOptimistic: this.isOptimistic(node.root),
        finalized: this.isFinalizedSlot(slot),
      };
    }
    const stored = await chain.db.stateArchive.getBySlot(slot);
    if (stored !== null) {
      return {
        state: createCachedBeaconState(stored.state, chain.config, stored.forkSeq, {pubkeyCache: chain.pubkeyCache}),
        blockRoot: null,
        executionOptimistic: false,
        finalized: true,
      };
    }
    throw ApiError.notFound(`State not found: the state at slot ${slot} is not kept (finalized and not archived)`);
  }

  // ---------------------------------------------------------------- blocks

  async resolveBlock(blockId: BlockId): Promise<ResolvedBlock> {
    const chain = this.chain;
    let root: RootHex;
    if (blockId === "head") root = chain.head.blockRoot;
    else if (blockId === "finalized") root = chain.finalizedCheckpoint.root;
    else if (blockId === "genesis" || typeof blockId === "number") {
      const slot = blockId === "genesis" ? 0 : blockId;
      if (slot > chain.head.slot) throw ApiError.notFound(`Block not found: slot ${slot} is after the head`);
      const node = this.canonicalNodeAtOrBefore(slot);
      if (node !== null) {
        if (node.slot !== slot) throw ApiError.notFound(`Block not found: slot ${slot} has no canonical block`);
        root = node.root;
      } else {
        const archived = await chain.db.blockArchive.getBySlot(slot);
        if (archived === null) throw ApiError.notFound(`Block not found: slot ${slot} has no canonical block`);
        return this.resolvedFromStored(archived.block, archived.fork, true);
      }
    } else root = blockId;
    const block = chain.blocks.get(root);
    if (block !== undefined) {
      const node = chain.forkChoice.getBlock(root);
      const canonical = node !== undefined && chain.forkChoice.protoArray.isDescendant(root, chain.head.blockRoot);
      return {
        block,
        root,
        fork: chain.forkNameAtSlot(block.message.slot),
        canonical,
        executionOptimistic: this.isOptimistic(root),
        finalized: canonical && this.isFinalizedSlot(block.message.slot),
      };
    }
    const stored = await chain.db.getBlock(fromRootHex(root));
    if (stored === null) throw ApiError.notFound(`Block not found: no block with root ${root}`);
    const archivedSlot = await chain.db.blockArchive.getSlotByRoot(fromRootHex(root));
    return this.resolvedFromStored(stored.block, stored.fork, archivedSlot !== null, root);
  }

  private resolvedFromStored(
    block: SignedBeaconBlockAllForks,
    fork: ForkName,
    archived: boolean,
    root?: RootHex,
  ): ResolvedBlock {
    const r = root ?? toRootHex(blockRootOf(this.chain.beaconConfig, block.message));
    return {block, root: r, fork, canonical: archived, executionOptimistic: false, finalized: archived};
  }
}
