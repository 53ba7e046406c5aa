export {AttestationPool} from "./attestationPool.ts";
export {
  type BlsPoolStats,
  BlsSingleThread,
  type BlsVerifier,
  BlsWorkerPool,
  type BlsWorkerPoolOptions,
  type VerifyOptions,
} from "./bls/pool.ts";
export {
  BeaconChain,
  type BeaconChainModules,
  type BeaconChainOpts,
  blockRootOf,
  fromRootHex,
  genesisBlockOf,
  type SingleAttestation,
} from "./chain.ts";
export {Clock, type ClockJump, type ClockOpts} from "./clock.ts";
export {BlockError, type BlockErrorCode, ChainError, type ChainErrorCode} from "./errors.ts";
export type * from "./events.ts";
export type {ImportBlockOpts, ImportedBlock} from "./importBlock.ts";
export {type Logger, silentLogger} from "./logger.ts";
export type {ProduceBlockOpts, ProducedBlock} from "./produceBlock.ts";
export {ChainStateCache, type ChainStateCacheOpts} from "./stateCache.ts";
export {G2_POINT_AT_INFINITY, type SyncAggregateValue, SyncCommitteeMessagePool} from "./syncCommitteePool.ts";
