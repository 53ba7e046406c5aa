/**
 * `IBeaconChain`: what the chain's own modules (the import pipeline, block production, the gossip validators) use
 * of `BeaconChain`, so they need not import chain.ts (which imports them): no import cycle, type imports included.
 * `BeaconChain` implements it. Also `BeaconChainOpts`, the chain's options.
 */
import type {EventEmitter} from "node:events";
import type {BeaconConfig, ChainConfig} from "@ceibo/config";
import type {CheckpointHex, ForkChoice, ProtoNode, RootHex} from "@ceibo/fork-choice";
import type {ForkName} from "@ceibo/params";
import type {CachedBeaconState, SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import type {BeaconDb} from "../db/index.ts";
import type {ExecutionEngine} from "../execution/index.ts";
import type {ChainMetricsHook} from "../metrics/hooks.ts";
import type {AttestationPool} from "./attestationPool.ts";
import type {BlsVerifier} from "./bls/pool.ts";
import type {Clock} from "./clock.ts";
import type {DataAvailabilityTracker} from "./da/availability.ts";
import type {DeferredBlockWrites} from "./deferredWrites.ts";
import type {ChainEvents} from "./events.ts";
import type {LightClientServer} from "./lightClient/server.ts";
import type {Logger} from "./logger.ts";
import type {OpPool} from "./opPool.ts";
import type {ChainStateCacheOpts} from "./stateCache.ts";
import type {SyncCommitteeMessagePool} from "./syncCommitteePool.ts";

export interface BeaconChainOpts extends ChainStateCacheOpts {
  /** Fee recipient for payloads this node builds (20 bytes; default the zero address). */
  suggestedFeeRecipient?: Uint8Array;
  /**
   * bellatrix validator.md get_terminal_pow_block for a chain that starts before bellatrix (dev chains: the
   * execution client's genesis block, TERMINAL_TOTAL_DIFFICULTY 0): the parent of the merge transition block's
   * payload. Without it no block can be produced at bellatrix+ before the merge.
   */
  terminalBlockHash?: Uint8Array;
  /** KZG trusted setup (default: c-kzg's bundled mainnet setup, loaded on the first blob). */
  trustedSetupFile?: string;
  /**
   * Store an unfinalized state snapshot (checkpoint state) every this many epochs (default 1): a restart then
   * replays at most this many epochs of blocks (snapshots.ts). Larger: less disk written, longer restarts.
   */
  stateSnapshotEpochs?: number;
  /**
   * BLS verification threads (`--bls.workers`): N > 0 a `BlsWorkerPool` of N workers that gossip validation and
   * block import share; 0 or undefined the main thread (`BlsSingleThread`). Ignored when `modules.bls` is given.
   */
  blsWorkers?: number;
}

export interface IBeaconChain {
  readonly config: ChainConfig;
  readonly beaconConfig: BeaconConfig;
  readonly db: BeaconDb;
  readonly engine: ExecutionEngine | null;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly opts: BeaconChainOpts;
  readonly bls: BlsVerifier;
  readonly forkChoice: ForkChoice;
  readonly attestationPool: AttestationPool;
  readonly syncCommitteePool: SyncCommitteeMessagePool;
  readonly opPool: OpPool;
  readonly da: DataAvailabilityTracker;
  readonly emitter: EventEmitter<ChainEvents>;
  readonly genesisTime: number;
  readonly genesisValidatorsRoot: Uint8Array;
  readonly blocks: Map<RootHex, SignedBeaconBlockAllForks>;
  readonly blockWrites: DeferredBlockWrites;
  readonly lightClient: LightClientServer;
  elStatus: string;
  metrics: ChainMetricsHook | null;
  readonly head: ProtoNode;
  readonly finalizedCheckpoint: CheckpointHex;
  getHeadState(): CachedBeaconState;
  getBlockState(root: RootHex): CachedBeaconState;
  forkNameAtSlot(slot: number): ForkName;
  executionHashOf(root: RootHex): Uint8Array;
  checkpointOf(root: RootHex, epoch: number): CheckpointHex;
  updateHead(): boolean;
  onFinalityMaybeChanged(): Promise<void>;
  notifyForkchoiceUpdate(): Promise<void>;
}
