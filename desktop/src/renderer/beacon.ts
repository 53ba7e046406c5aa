/**
 * A small typed reader of the Beacon API paths the dashboard needs, through the host's proxy
 * (`transport.beaconBaseUrl()`). `@ceibo/api`'s client is not used here because that package also
 * exports the fastify server and native SSZ hashing, which do not bundle for a browser (named gap).
 */
import {transport} from "./transport.ts";

export interface SyncingStatus {
  head_slot: string;
  sync_distance: string;
  is_syncing: boolean;
  is_optimistic?: boolean;
  el_offline?: boolean;
}

export interface ValidatorEntry {
  index: string;
  balance: string;
  status: string;
  validator: {pubkey: string; effective_balance: string};
}

export interface Checkpoint {
  epoch: string;
  root: string;
}

async function get<T>(path: string): Promise<T> {
  const r = await fetch(`${transport.beaconBaseUrl()}${path}`, {headers: {accept: "application/json"}});
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return ((await r.json()) as {data: T}).data;
}

export const beacon = {
  syncing: () => get<SyncingStatus>("/eth/v1/node/syncing"),
  peerCount: () => get<{connected: string}>("/eth/v1/node/peer_count"),
  finality: () =>
    get<{previous_justified: Checkpoint; current_justified: Checkpoint; finalized: Checkpoint}>(
      "/eth/v1/beacon/states/head/finality_checkpoints",
    ),
  spec: () => get<Record<string, string>>("/eth/v1/config/spec"),
  validators: (ids: string[]) =>
    get<ValidatorEntry[]>(
      ids.length === 0
        ? "/eth/v1/beacon/states/head/validators"
        : `/eth/v1/beacon/states/head/validators?id=${ids.map(encodeURIComponent).join(",")}`,
    ),
  eventsUrl: (topics: string[]) => `${transport.beaconBaseUrl()}/eth/v1/events?topics=${topics.join(",")}`,
};

/** Gwei (decimal string) → ETH with 4 decimals. */
export function gweiToEth(gwei: string | number): string {
  return (Number(gwei) / 1e9).toFixed(4);
}
