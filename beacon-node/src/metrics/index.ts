export {BeaconMetrics, type BeaconMetricsSources} from "./beaconMetrics.ts";
export type * from "./hooks.ts";
export {NodeMetrics, type NodeMetricsOpts} from "./nodeMetrics.ts";
export {type EpochSummary, ValidatorMonitor, type ValidatorMonitorOpts} from "./validatorMonitor.ts";
