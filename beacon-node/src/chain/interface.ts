/**
 * `IBeaconChain`: what the chain's own modules (the import pipeline, block production, the gossip validators) use
 * of `BeaconChain`, so they need not import chain.ts (which imports them): no import cycle, type imports included.
 * `BeaconChain` implements it. The chain's options (`BeaconChainOpts`) are in options.ts.
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
import type {BeaconChainOpts} from "./options.ts";
import type {SyncCommitteeMessagePool} from "./syncCommitteePool.ts";

export type {BeaconChainOpts} from "./options.ts";

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
