/**
 * The req/resp protocols: ids (`/eth2/beacon_chain/req/<name>/<version>/ssz_snappy`), which carry a
 * ForkDigest-context, and the request SSZ types whose limits depend on the chain config (p2p-interface.md of
 * phase0, altair, deneb, electra, fulu at consensus-specs a08d8a6).
 */
import type {BeaconConfig} from "@ceibo/config";
import {ForkSeq} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {ContainerType, ListCompositeType} from "@chainsafe/ssz";

export const PROTOCOL_PREFIX = "/eth2/beacon_chain/req";
export const ENCODING = "ssz_snappy";

/** The MessageName of each req/resp method. */
export const ReqRespMethod = {
  Status: "status",
  Goodbye: "goodbye",
  Ping: "ping",
  Metadata: "metadata",
  BeaconBlocksByRange: "beacon_blocks_by_range",
  BeaconBlocksByRoot: "beacon_blocks_by_root",
  BlobSidecarsByRange: "blob_sidecars_by_range",
  BlobSidecarsByRoot: "blob_sidecars_by_root",
  DataColumnSidecarsByRange: "data_column_sidecars_by_range",
  DataColumnSidecarsByRoot: "data_column_sidecars_by_root",
  BeaconBlocksByHead: "beacon_blocks_by_head",
  LightClientBootstrap: "light_client_bootstrap",
  LightClientUpdatesByRange: "light_client_updates_by_range",
  LightClientFinalityUpdate: "light_client_finality_update",
  LightClientOptimisticUpdate: "light_client_optimistic_update",
} as const;
export type ReqRespMethod = (typeof ReqRespMethod)[keyof typeof ReqRespMethod];

export interface ProtocolDef {
  method: ReqRespMethod;
  version: number;
  /** The libp2p protocol id. */
  id: string;
  /** Whether success response chunks carry the 4-byte ForkDigest-context (altair p2p-interface.md). */
  contextBytes: boolean;
  /** GetMetaData sends no request content. */
  hasRequest: boolean;
}

export function protocolId(method: ReqRespMethod, version: number): string {
  return `${PROTOCOL_PREFIX}/${method}/${version}/${ENCODING}`;
}

function def(method: ReqRespMethod, version: number, contextBytes = false, hasRequest = true): ProtocolDef {
  return {method, version, id: protocolId(method, version), contextBytes, hasRequest};
}

/**
 * Every protocol this node serves. Blocks v1 (deprecated, no context bytes) are not served; the metadata v1
 * answer is cheap and kept for old peers. The light-client protocols are served unless the node runs without its
 * light-client server (`lightClientServer: false`).
 */
export const PROTOCOLS: readonly ProtocolDef[] = [
  def(ReqRespMethod.Status, 1),
  def(ReqRespMethod.Status, 2),
  def(ReqRespMethod.Goodbye, 1),
  def(ReqRespMethod.Ping, 1),
  def(ReqRespMethod.Metadata, 1, false, false),
  def(ReqRespMethod.Metadata, 2, false, false),
  def(ReqRespMethod.Metadata, 3, false, false),
  def(ReqRespMethod.BeaconBlocksByRange, 2, true),
  def(ReqRespMethod.BeaconBlocksByRoot, 2, true),
  def(ReqRespMethod.BlobSidecarsByRange, 1, true),
  def(ReqRespMethod.BlobSidecarsByRoot, 1, true),
  def(ReqRespMethod.DataColumnSidecarsByRange, 1, true),
  def(ReqRespMethod.DataColumnSidecarsByRoot, 1, true),
  def(ReqRespMethod.BeaconBlocksByHead, 1, true),
  // altair light-client p2p-interface.md (reqresp/lightClient.ts)
  def(ReqRespMethod.LightClientBootstrap, 1, true),
  def(ReqRespMethod.LightClientUpdatesByRange, 1, true),
  def(ReqRespMethod.LightClientFinalityUpdate, 1, true, false),
  def(ReqRespMethod.LightClientOptimisticUpdate, 1, true, false),
];

const byId = new Map(PROTOCOLS.map((p) => [p.id, p]));

/** The protocol of a negotiated id, or undefined for one we do not speak. */
export function protocolById(id: string): ProtocolDef | undefined {
  return byId.get(id);
}

/** The protocol ids to offer when requesting `method`, preferred (newest) first. */
export function offeredProtocols(method: ReqRespMethod, config: BeaconConfig): string[] {
  const fuluScheduled = Number.isFinite(config.chain.FULU_FORK_EPOCH);
  return PROTOCOLS.filter((p) => p.method === method)
    .filter(
      (p) =>
        fuluScheduled || !((p.method === "status" && p.version === 2) || (p.method === "metadata" && p.version === 3)),
    )
    .sort((a, b) => b.version - a.version)
    .map((p) => p.id);
}

/** fulu p2p-interface.md BeaconBlocksByHead v1 request: (beacon_root: Root, count: uint64). */
export const BeaconBlocksByHeadRequest = new ContainerType(
  {beaconRoot: ssz.phase0.Root, count: ssz.phase0.UintNum64},
  {typeName: "BeaconBlocksByHeadRequest", jsonCase: "eth2"},
);

/** A Root list type (BeaconBlockRoots) with a given limit. */
function rootsType(limit: number): ListCompositeType<typeof ssz.phase0.Root> {
  return new ListCompositeType(ssz.phase0.Root, limit);
}

/**
 * The SSZ request types whose limits come from the config, and the request limits of the fork in force:
 * BeaconBlockRoots (MAX_REQUEST_BLOCKS, deneb: MAX_REQUEST_BLOCKS_DENEB), BlobIdentifiers
 * (compute_max_request_blob_sidecars, electra-modified), DataColumnsByRootIdentifiers (MAX_REQUEST_BLOCKS_DENEB).
 */
export class RequestTypes {
  private readonly config: BeaconConfig;
  private readonly rootsTypes = new Map<number, ListCompositeType<typeof ssz.phase0.Root>>();
  private readonly blobIdsTypes = new Map<number, ListCompositeType<typeof ssz.deneb.BlobIdentifier>>();
  readonly DataColumnsByRootIdentifiers: ListCompositeType<typeof ssz.fulu.DataColumnsByRootIdentifier>;

  constructor(config: BeaconConfig) {
    this.config = config;
    this.DataColumnsByRootIdentifiers = new ListCompositeType(
      ssz.fulu.DataColumnsByRootIdentifier,
      config.chain.MAX_REQUEST_BLOCKS_DENEB,
    );
  }

  /** MAX_REQUEST_BLOCKS before deneb, MAX_REQUEST_BLOCKS_DENEB from deneb on. */
  maxRequestBlocks(epoch: number): number {
    return this.config.getForkInfoAtEpoch(epoch).seq >= ForkSeq.deneb
      ? this.config.chain.MAX_REQUEST_BLOCKS_DENEB
      : this.config.chain.MAX_REQUEST_BLOCKS;
  }

  /**
   * deneb/electra compute_max_request_blob_sidecars (electra's from electra on; fulu keeps it).
   * Spec: `compute_max_request_blob_sidecars` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/p2p-interface.md#modified-compute_max_request_blob_sidecars
   */
  computeMaxRequestBlobSidecars(epoch: number): number {
    return this.config.chain.MAX_REQUEST_BLOCKS_DENEB * this.maxBlobsPerBlockForRequests(epoch);
  }

  /** The MAX_BLOBS_PER_BLOCK that compute_max_request_blob_sidecars uses at an epoch. */
  maxBlobsPerBlockForRequests(epoch: number): number {
    return this.config.getForkInfoAtEpoch(epoch).seq >= ForkSeq.electra
      ? this.config.chain.MAX_BLOBS_PER_BLOCK_ELECTRA
      : this.config.chain.MAX_BLOBS_PER_BLOCK;
  }

  /**
   * fulu compute_max_request_data_column_sidecars.
   * Spec: `compute_max_request_data_column_sidecars` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/fulu/p2p-interface.md#new-compute_max_request_data_column_sidecars
   */
  computeMaxRequestDataColumnSidecars(): number {
    return this.config.chain.MAX_REQUEST_BLOCKS_DENEB * ssz.fulu.DataColumnIndices.limit;
  }

  BeaconBlockRoots(epoch: number): ListCompositeType<typeof ssz.phase0.Root> {
    const limit = this.maxRequestBlocks(epoch);
    let type = this.rootsTypes.get(limit);
    if (type === undefined) {
      type = rootsType(limit);
      this.rootsTypes.set(limit, type);
    }
    return type;
  }

  BlobIdentifiers(epoch: number): ListCompositeType<typeof ssz.deneb.BlobIdentifier> {
    const limit = this.computeMaxRequestBlobSidecars(epoch);
    let type = this.blobIdsTypes.get(limit);
    if (type === undefined) {
      type = new ListCompositeType(ssz.deneb.BlobIdentifier, limit);
      this.blobIdsTypes.set(limit, type);
    }
    return type;
  }
}
