/** The mock execution engine (dev chains, tests, `ceibo mock-engine`): not part of a production node. */
export {BlobPool, deterministicBlob, type PooledBlob} from "./blobPool.ts";
export {
  blobVersionedHashesOf,
  blobVersionedHashesOfTransactions,
  buildBlobTransaction,
} from "./blobTransaction.ts";
export {calcBaseFeePerGas, calcExcessBlobGas, GAS_PER_BLOB, type MockBlock} from "./builder.ts";
export {MOCK_ENGINE_CAPABILITIES, type MockEngineOpts, MockExecutionEngine, RpcError} from "./engine.ts";
export {
  type ExecutionForkName,
  forkAtTimestamp,
  forkTimesFromChainConfig,
  forkTimesFromGenesis,
  type MockForkTimes,
} from "./forks.ts";
export {MockEngineServer, type MockEngineServerOpts} from "./server.ts";
