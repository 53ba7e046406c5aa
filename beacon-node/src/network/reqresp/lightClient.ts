/**
 * The light-client req/resp protocols (specs/altair/light-client/p2p-interface.md "The Req/Resp domain" at
 * consensus-specs a08d8a6, with the capella/deneb/electra response types of the later light-client
 * p2p-interface.md files; fulu keeps electra's):
 * https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/light-client/p2p-interface.md#the-reqresp-domain
 *
 * - GetLightClientBootstrap (`light_client_bootstrap/1`): request a Root, response a LightClientBootstrap, context
 *   epoch compute_epoch_at_slot(bootstrap.header.beacon.slot); ResourceUnavailable when none can be produced.
 * - LightClientUpdatesByRange (`light_client_updates_by_range/1`): request (start_period, count), response up to
 *   min(MAX_REQUEST_LIGHT_CLIENT_UPDATES, count) LightClientUpdates in consecutive period order, each with the
 *   context epoch of its attested header.
 * - GetLightClientFinalityUpdate / GetLightClientOptimisticUpdate (no request): the latest one, context epoch of
 *   its attested header; ResourceUnavailable when none is available.
 *
 * Served from the chain's light-client server (chain/lightClient/server.ts). The SSZ type of a chunk is the
 * light-client form of the fork its context bytes name (altair for altair/bellatrix, capella, deneb, electra for
 * electra/fulu).
 */
import {type ForkName, ForkSeq} from "@ceibo/params";
import {
  computeEpochAtSlot,
  computeSyncCommitteePeriodAtSlot,
  type LightClientForkName,
  lightClientForkOf,
  lightClientTypes,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {toHex} from "@ceibo/utils";
import {ContainerType} from "@chainsafe/ssz";
import {MAX_REQUEST_LIGHT_CLIENT_UPDATES} from "../../chain/lightClient/server.ts";
import type {StoredLightClientData} from "../../db/repositories/lightClient.ts";
import {RespCode} from "../encoding/sszSnappy.ts";
import {ResponseError} from "./errors.ts";
import type {RateLimitQuota} from "./rateLimiter.ts";

export {MAX_REQUEST_LIGHT_CLIENT_UPDATES};

/** The light-client data a request returns: the fork whose SSZ form it has, and the value. */
export type LightClientData = StoredLightClientData;

export type LightClientKind =
  | "LightClientBootstrap"
  | "LightClientUpdate"
  | "LightClientFinalityUpdate"
  | "LightClientOptimisticUpdate";

/** altair light-client p2p-interface.md LightClientUpdatesByRange request: (start_period: Uint64, count: Uint64). */
export const LightClientUpdatesByRangeRequest = new ContainerType(
  {startPeriod: ssz.phase0.UintNum64, count: ssz.phase0.UintNum64},
  {typeName: "LightClientUpdatesByRangeRequest", jsonCase: "eth2"},
);

/** What serving needs from the light-client server (chain.lightClient). */
export interface LightClientSource {
  getBootstrap(blockRoot: Uint8Array): Promise<StoredLightClientData | null>;
  getBestUpdate(period: number): Promise<StoredLightClientData | null>;
  getFinalityUpdate(): StoredLightClientData | null;
  getOptimisticUpdate(): StoredLightClientData | null;
}

/**
 * Per-peer quotas: bootstraps and the latest updates a few per 15 s (a light client asks once per slot at most),
 * updates by range MAX_REQUEST_LIGHT_CLIENT_UPDATES updates per 10 s (a request costs its capped count).
 */
export const LIGHT_CLIENT_RATE_LIMITS: Record<
  | "light_client_bootstrap"
  | "light_client_updates_by_range"
  | "light_client_finality_update"
  | "light_client_optimistic_update",
  RateLimitQuota
> = {
  light_client_bootstrap: {quota: 5, quotaTimeMs: 15_000},
  light_client_updates_by_range: {quota: MAX_REQUEST_LIGHT_CLIENT_UPDATES, quotaTimeMs: 10_000},
  light_client_finality_update: {quota: 5, quotaTimeMs: 15_000},
  light_client_optimistic_update: {quota: 5, quotaTimeMs: 15_000},
};

/** The slot whose epoch gives a light-client object's ForkDigest context. */
export function lightClientContextSlot(kind: LightClientKind, data: {[k: string]: unknown}): number {
  const header = (kind === "LightClientBootstrap" ? data.header : data.attestedHeader) as {beacon: {slot: number}};
  return header.beacon.slot;
}

/** The light-client SSZ form of a (beacon) fork; null before altair (GENESIS_FORK_VERSION: n/a). */
export function lightClientFormOf(fork: ForkName): Exclude<LightClientForkName, "gloas"> | null {
  if (ForkSeq[fork] < ForkSeq.altair) return null;
  return lightClientForkOf(fork) as Exclude<LightClientForkName, "gloas">;
}

// biome-ignore lint/suspicious/noExplicitAny: an SSZ type of one light-client fork's data
type AnyType = {serialize(v: any): Uint8Array; deserialize(b: Uint8Array): any; minSize: number; maxSize: number};

export function lightClientType(form: Exclude<LightClientForkName, "gloas">, kind: LightClientKind): AnyType {
  return lightClientTypes(form)[kind] as unknown as AnyType;
}

/** One served chunk: SSZ bytes and the slot whose epoch's fork digest is the context. */
export interface LightClientChunk {
  ssz: Uint8Array;
  contextSlot: number;
}

function chunkOf(kind: LightClientKind, v: StoredLightClientData): LightClientChunk {
  return {ssz: lightClientType(v.fork, kind).serialize(v.data), contextSlot: lightClientContextSlot(kind, v.data)};
}

/** GetLightClientBootstrap: the bootstrap of `blockRoot`, or ResourceUnavailable. */
export async function serveLightClientBootstrap(
  source: LightClientSource,
  blockRoot: Uint8Array,
): Promise<LightClientChunk[]> {
  const bootstrap = await source.getBootstrap(blockRoot);
  if (bootstrap === null) {
    throw new ResponseError(RespCode.RESOURCE_UNAVAILABLE, `no light-client bootstrap for block ${toHex(blockRoot)}`);
  }
  return [chunkOf("LightClientBootstrap", bootstrap)];
}

/**
 * LightClientUpdatesByRange: the best update of each period of [start_period, start_period + min(count,
 * MAX_REQUEST_LIGHT_CLIENT_UPDATES)), from the earliest known one in the range and then consecutive periods up to
 * the first period without one (the spec: "MUST respond with at least the earliest known result within the
 * requested range, and MUST send results in consecutive order"). No update in the range: no chunks.
 */
export async function serveLightClientUpdatesByRange(
  source: LightClientSource,
  req: {startPeriod: number; count: number},
): Promise<LightClientChunk[]> {
  if (req.count < 1) return [];
  const count = Math.min(req.count, MAX_REQUEST_LIGHT_CLIENT_UPDATES);
  const end = Math.min(req.startPeriod + count, Number.MAX_SAFE_INTEGER);
  const out: LightClientChunk[] = [];
  for (let period = req.startPeriod; period < end; period++) {
    const update = await source.getBestUpdate(period);
    if (update === null) {
      if (out.length > 0) break;
      // nothing known yet at this period: the earliest known result may come later in the range, but never
      // beyond the head's period (no update is ever stored there), so stop once no later period can have one
      if (period > latestKnownPeriod(source)) break;
      continue;
    }
    out.push(chunkOf("LightClientUpdate", update));
  }
  return out;
}

/** The period of the latest optimistic update's attested header (the head's), or -1 before any. */
function latestKnownPeriod(source: LightClientSource): number {
  const latest = source.getOptimisticUpdate();
  return latest === null ? -1 : computeSyncCommitteePeriodAtSlot(latest.data.attestedHeader.beacon.slot);
}

/** GetLightClientFinalityUpdate / GetLightClientOptimisticUpdate: the latest one, or ResourceUnavailable. */
export function serveLatestLightClientUpdate(
  source: LightClientSource,
  kind: "LightClientFinalityUpdate" | "LightClientOptimisticUpdate",
): LightClientChunk[] {
  const update = kind === "LightClientFinalityUpdate" ? source.getFinalityUpdate() : source.getOptimisticUpdate();
  if (update === null) {
    throw new ResponseError(
      RespCode.RESOURCE_UNAVAILABLE,
      kind === "LightClientFinalityUpdate"
        ? "no light-client finality update available"
        : "no light-client optimistic update available",
    );
  }
  return [chunkOf(kind, update)];
}

/** Decodes a response chunk as the light-client form of the fork its context bytes name (`fork`). */
export function decodeLightClientChunk(
  kind: LightClientKind,
  fork: ForkName,
  bytes: Uint8Array,
): {value: LightClientData; contextEpoch: number} {
  const form = lightClientFormOf(fork);
  if (form === null) throw Error(`${kind} with the context of ${fork} (no light-client data before altair)`);
  const data = lightClientType(form, kind).deserialize(bytes);
  const slot = lightClientContextSlot(kind, data);
  return {value: {fork: form, data}, contextEpoch: computeEpochAtSlot(slot)};
}
