/**
 * The Beacon API server's options and defaults (the CLI maps `--rest`, `--rest.address`, `--rest.port` and
 * `--rest.allowed-hosts` onto them; node/restApi.ts starts the server).
 */

export interface RestApiOpts {
  /** Listen address (default 127.0.0.1: local clients only). */
  address: string;
  /** Listen port (default 5052; 0: any free port). */
  port: number;
  /** Host header values accepted besides localhost, IP addresses and `address` (DNS rebinding guard). */
  allowedHosts?: string[];
}

export const defaultRestApiOptions: Readonly<Required<RestApiOpts>> = {
  address: "127.0.0.1",
  port: 5052,
  allowedHosts: [],
};

/** Interval of the SSE heartbeat comment on /eth/v1/events (keeps proxies from closing idle streams). */
export const SSE_HEARTBEAT_MS = 15_000;
