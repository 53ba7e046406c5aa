/**
 * The execution engine connection's options (the CLI maps `--execution-urls` and `--jwt-secret` onto them; the
 * node's engine step connects `ExecutionEngineHttp` with them).
 */

export interface ExecutionEngineOpts {
  /** Engine API URL, e.g. http://127.0.0.1:8551 (execution-apis authentication.md: port 8551 by convention). */
  url: string;
  /** The 32-byte JWT secret shared with the execution client (never logged). */
  jwtSecret: Uint8Array;
}

/** The Engine API port execution clients listen on by default. */
export const DEFAULT_ENGINE_API_PORT = 8551;
