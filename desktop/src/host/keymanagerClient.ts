/**
 * A small typed client for the validator client's Keymanager API, used by the host only: the bearer token
 * is read from the file the validator client wrote and never reaches the renderer. Stop-gap until the
 * Keymanager API routes are defined once in packages/api.
 */
import {readFileSync} from "node:fs";

export interface KeymanagerEndpoint {
  url: string;
  tokenFile: string;
}

/** `[dev] Keymanager API: http://127.0.0.1:P (bearer token in FILE)` → the endpoint. */
export function parseKeymanagerLine(line: string): KeymanagerEndpoint | null {
  const m =
    /Keymanager API:? (?:listening url=)?(http:\/\/[0-9.]+:\d+)(?: \(bearer token in (\S+)\)| tokenFile=(\S+))/.exec(
      line,
    );
  if (m === null) return null;
  return {url: m[1], tokenFile: m[2] ?? m[3]};
}

/** GET /eth/v1/keystores: the pubkeys the validator client has loaded. */
export async function listKeystores(km: KeymanagerEndpoint, timeoutMs = 10_000): Promise<string[]> {
  const token = readFileSync(km.tokenFile, "utf8").trim();
  const r = await fetch(new URL("/eth/v1/keystores", km.url), {
    headers: {authorization: `Bearer ${token}`, accept: "application/json"},
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!r.ok) throw new Error(`Keymanager API GET /eth/v1/keystores: HTTP ${r.status}`);
  const body = (await r.json()) as {data?: {validating_pubkey?: unknown}[]};
  if (!Array.isArray(body.data)) throw new Error("Keymanager API GET /eth/v1/keystores: no data array");
  return body.data.map((k) => String(k.validating_pubkey));
}
