/**
 * The node's metrics options and defaults (the CLI maps `--metrics`, `--validator-monitor-indices` onto them; the
 * metrics HTTP server itself is the CLI's, cli/src/metrics.ts).
 */

export interface NodeMetricsOpts {
  /** Validators to monitor from the start (--validator-monitor-indices). */
  validatorMonitorIndices?: number[];
  /** Per-validator monitor gauges up to this many validators (default VALIDATOR_MONITOR_INDIVIDUAL_LIMIT). */
  validatorMonitorIndividualLimit?: number;
}

/** Per-validator series are kept while at most this many validators are monitored (like Lighthouse's threshold). */
export const VALIDATOR_MONITOR_INDIVIDUAL_LIMIT = 64;
