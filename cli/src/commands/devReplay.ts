/**
 * `ceibo dev --data-dir` restarts: the mock execution engine keeps its blocks in memory only, so after a restart it
 * knows just its genesis block and answers SYNCING for the chain the beacon node resumed. Before the validator
 * client starts, the canonical chain's execution payloads are read from the node's Beacon API and handed to the
 * fresh engine with engine_newPayloadV1..V4 in order (what an execution client syncing from its consensus
 * client receives), so the engine can build on the head again.
 */
import {createHash} from "node:crypto";

type Json = Record<string, unknown>;

const QUANTITY_FIELDS = new Set([
  "block_number",
  "gas_limit",
  "gas_used",
  "timestamp",
  "base_fee_per_gas",
  "blob_gas_used",
  "excess_blob_gas",
  "index",
  "validator_index",
  "amount",
]);

function camel(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** A Beacon API (snake_case, decimal strings) ExecutionPayload as Engine API JSON (camelCase, hex quantities). */
export function payloadToEngineJson(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) return value.map((v) => payloadToEngineJson(v, key === "withdrawals" ? "" : key));
  if (value !== null && typeof value === "object") {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) out[camel(k)] = payloadToEngineJson(v, k);
    return out;
  }
  if (QUANTITY_FIELDS.has(key)) {
    if (typeof value !== "string" || !/^\d+$/.test(value)) throw Error(`${key}: not a decimal string: ${value}`);
    return `0x${BigInt(value).toString(16)}`;
  }
  return value;
}

/** deneb kzg_commitment_to_versioned_hash */
function versionedHash(commitment: string): string {
  const hash = createHash("sha256")
    .update(Buffer.from(commitment.slice(2), "hex"))
    .digest();
  hash[0] = 0x01;
  return `0x${hash.toString("hex")}`;
}

const VERSION: Record<string, number> = {bellatrix: 1, capella: 2, deneb: 3, electra: 4, fulu: 4};

async function getJson(url: string): Promise<{status: number; body: unknown}> {
  const res = await fetch(url, {headers: {accept: "application/json"}});
  const text = await res.text();
  return {status: res.status, body: text === "" ? null : JSON.parse(text)};
}

/**
 * Sends the payloads of the canonical blocks 1..head of the node at `apiUrl` to the engine (`call` is one
 * authenticated Engine API call). Resolves to the number of payloads sent; throws naming the slot on a failure.
 */
export async function replayPayloads(
  apiUrl: string,
  call: (method: string, params: unknown[]) => Promise<unknown>,
): Promise<number> {
  const head = await getJson(`${apiUrl}/eth/v1/beacon/headers/head`);
  if (head.status !== 200) throw Error(`GET /eth/v1/beacon/headers/head: HTTP ${head.status}`);
  const headSlot = Number((head.body as {data: {header: {message: {slot: string}}}}).data.header.message.slot);
  let sent = 0;
  for (let slot = 1; slot <= headSlot; slot++) {
    const r = await getJson(`${apiUrl}/eth/v2/beacon/blocks/${slot}`);
    if (r.status === 404) continue; // an empty slot
    if (r.status !== 200) throw Error(`GET /eth/v2/beacon/blocks/${slot}: HTTP ${r.status}`);
    const block = r.body as {version: string; data: {message: {parent_root: string; body: Json}}};
    const version = VERSION[block.version];
    if (version === undefined) continue; // phase0 / altair: no payload
    const body = block.data.message.body;
    const payload = body.execution_payload as Json;
    if (/^0x0+$/.test(payload.block_hash as string)) continue; // before the merge transition block
    const params: unknown[] = [payloadToEngineJson(payload)];
    if (version >= 3) {
      params.push((body.blob_kzg_commitments as string[]).map(versionedHash), block.data.message.parent_root);
    }
    if (version >= 4) {
      const requests = body.execution_requests as Record<string, unknown[]>;
      if (Object.values(requests).some((list) => list.length > 0)) {
        throw Error(`slot ${slot}: replaying execution requests is not supported`);
      }
      params.push([]);
    }
    const status = (await call(`engine_newPayloadV${version}`, params)) as {status: string; validationError?: string};
    if (status.status !== "VALID") {
      throw Error(
        `slot ${slot}: engine_newPayloadV${version} answered ${status.status} ${status.validationError ?? ""}`,
      );
    }
    sent++;
  }
  return sent;
}
