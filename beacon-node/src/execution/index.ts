export * from "./blockHash.ts";
export * from "./convert.ts";
export * from "./engine.ts";
export * from "./errors.ts";
export * from "./hex.ts";
export * from "./jsonRpcClient.ts";
export * from "./jwt.ts";
export {loadKzg} from "./kzg.ts";
export * from "./methods.ts";
export {BlobPool, deterministicBlob, type PooledBlob} from "./mock/blobPool.ts";
export {
  blobVersionedHashesOf,
  blobVersionedHashesOfTransactions,
  buildBlobTransaction,
} from "./mock/blobTransaction.ts";
export {calcBaseFeePerGas, calcExcessBlobGas, GAS_PER_BLOB, type MockBlock} from "./mock/builder.ts";
export {MOCK_ENGINE_CAPABILITIES, type MockEngineOpts, MockExecutionEngine, RpcError} from "./mock/engine.ts";
export {
  type ExecutionForkName,
  forkAtTimestamp,
  forkTimesFromChainConfig,
  forkTimesFromGenesis,
  type MockForkTimes,
} from "./mock/forks.ts";
export {MockEngineServer, type MockEngineServerOpts} from "./mock/server.ts";
export * from "./rlp.ts";
export * from "./trie.ts";
export * from "./types.ts";
