/**
 * The defaults of the beacon node's modules, for the CLI to map its flags onto (`@ceibo/beacon-node/options`; light:
 * loads none of the node's modules). Each default is defined next to its module, in that module's options.ts.
 */
export {defaultRestApiOptions, type RestApiOpts, SSE_HEARTBEAT_MS} from "./api/options.ts";
export {type BeaconChainOpts, defaultBlsWorkers} from "./chain/options.ts";
export {DEFAULT_ENGINE_API_PORT, type ExecutionEngineOpts} from "./execution/options.ts";
export {type NodeMetricsOpts, VALIDATOR_MONITOR_INDIVIDUAL_LIMIT} from "./metrics/options.ts";
export {defaultNetworkOptions} from "./network/options.ts";
export type {BeaconNodeOpts, CheckpointOpts, P2pOpts} from "./node/options.ts";
