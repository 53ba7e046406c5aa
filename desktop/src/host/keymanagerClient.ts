/**
 * The validator client's Keymanager API as the host reaches it: `@ceibo/api`'s typed client (the routes are
 * defined once in packages/api). The bearer token is read from the file the validator client wrote and stays in
 * the host: it never reaches the renderer, a log, argv or the environment.
 */
import {readFileSync} from "node:fs";
import {createKeymanagerApiClient, type KeymanagerApiClient} from "@ceibo/api";

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

/** A typed client for the endpoint, with the token read from its file now (a restarted client may rotate it). */
export function keymanagerClient(km: KeymanagerEndpoint, timeoutMs = 10_000): KeymanagerApiClient {
  const token = readFileSync(km.tokenFile, "utf8").trim();
  return createKeymanagerApiClient({baseUrl: km.url, token, timeoutMs});
}

/** GET /eth/v1/keystores: the pubkeys the validator client has loaded. */
export async function listKeystores(km: KeymanagerEndpoint, timeoutMs = 10_000): Promise<string[]> {
  const res = await keymanagerClient(km, timeoutMs).listKeys();
  return res.data.map((k) => k.validatingPubkey);
}
