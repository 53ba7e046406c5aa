/** The host's small Beacon API reader (the node's URL is the host's; the renderer goes through the proxy). */

export class BeaconHttpError extends Error {
  readonly status: number;
  constructor(path: string, status: number, body: string) {
    super(`${path}: HTTP ${status} ${body.slice(0, 200)}`);
    this.status = status;
  }
}

/** GET (or POST with a JSON body) → `data` of the answer. Times out after `timeoutMs`. */
export async function beaconData<T>(base: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<T> {
  const r = await fetch(`${base}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: {accept: "application/json", ...(body === undefined ? {} : {"content-type": "application/json"})},
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!r.ok) throw new BeaconHttpError(path, r.status, await r.text().catch(() => ""));
  return ((await r.json()) as {data: T}).data;
}

/** null on 404 (a state or block the node does not have / an empty slot). */
export async function beaconDataOrNull<T>(base: string, path: string, body?: unknown): Promise<T | null> {
  try {
    return await beaconData<T>(base, path, body);
  } catch (e) {
    if (e instanceof BeaconHttpError && e.status === 404) return null;
    throw e;
  }
}
