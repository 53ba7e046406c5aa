/**
 * The req/resp domain (phase0..fulu p2p-interface.md "The Req/Resp domain", consensus-specs a08d8a6) on libp2p:
 * `ReqResp` registers the served protocols, answers each incoming stream with its method's handler (handlers/, one
 * per method of the protocol table in types.ts) and requests any method from a peer, checking what comes back
 * (responses.ts). Streams, framing, timeouts and rate limits are the transport's (transport.ts).
 */
import type {BeaconConfig} from "@ceibo/config";
import {toRootHex} from "@ceibo/fork-choice";
import {ForkSeq} from "@ceibo/params";
import {computeSyncCommitteePeriodAtSlot} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {bytesEqual, toHex} from "@ceibo/utils";
import type {Connection, Libp2p, Stream} from "@libp2p/interface";
import type {BeaconChain, Logger} from "../../chain/index.ts";
import type {BeaconDb, BlobSidecar, DataColumnSidecar} from "../../db/index.ts";
import type {ReqRespMetricsHook} from "../../metrics/hooks.ts";
import {encodeSuccessChunk} from "../encoding/sszSnappy.ts";
import type {BlockWithFork, MetadataMessage, PeerIdStr, PeerReporter, StatusMessage} from "../types.ts";
import {ReqRespError} from "./errors.ts";
import {HANDLERS} from "./handlers/index.ts";
import {
  LIGHT_CLIENT_RATE_LIMITS,
  type LightClientData,
  LightClientUpdatesByRangeRequest,
  MAX_REQUEST_LIGHT_CLIENT_UPDATES,
} from "./lightClient.ts";
import {deserializeMetadata, deserializeStatus, metadataType, serializeStatus, statusType} from "./messages.ts";
import {BeaconBlocksByHeadRequest, PROTOCOLS, type ProtocolDef, ReqRespMethod, RequestTypes} from "./protocols.ts";
import {RateLimiter, type RateLimitQuota} from "./rateLimiter.ts";
import {contextBytesAt, ResponseChecker} from "./responses.ts";
import {ChainServer} from "./serve.ts";
import {
  boundsOf,
  MAX_INBOUND_STREAMS,
  MAX_OUTBOUND_STREAMS,
  RESP_TIMEOUT_MS,
  type ReqRespTimeouts,
  ReqRespTransport,
  TTFB_TIMEOUT_MS,
} from "./transport.ts";
import type {Handler, HandlerContext, Method, ReqRespHandlers} from "./types.ts";

export {
  MAX_CONCURRENT_REQUESTS,
  RATE_LIMITED_RESP_CODE,
  RESP_TIMEOUT_MS,
  type ReqRespTimeouts,
  TTFB_TIMEOUT_MS,
} from "./transport.ts";
export type {ReqRespHandlers} from "./types.ts";

/** Per-peer quotas by method (units: requests, or blocks / sidecars for the bulk methods). */
export type RateLimits = Partial<Record<ReqRespMethod, RateLimitQuota>>;

export interface ReqRespModules {
  libp2p: Pick<Libp2p, "handle" | "unhandle" | "dialProtocol">;
  config: BeaconConfig;
  chain: BeaconChain;
  db: BeaconDb;
  handlers: ReqRespHandlers;
  logger: Logger;
  reporter: PeerReporter;
  rateLimits?: RateLimits;
  timeouts?: Partial<ReqRespTimeouts>;
  /** Serve the light-client protocols from chain.lightClient (default true; `--light-client-server`). */
  lightClientServer?: boolean;
  /** Request counts and durations (`--metrics`). */
  metricsHook?: ReqRespMetricsHook | null;
}

const RATE_LIMITER_PRUNE_MS = 60_000;

/**
 * Default per-peer quotas: a few Status / Ping / MetaData per 15 s, and for the bulk methods the most one
 * request may ask for (MAX_REQUEST_BLOCKS blocks, compute_max_request_blob_sidecars with the larger of the
 * deneb/electra blob limits, compute_max_request_data_column_sidecars) per 10 s.
 */
function defaultRateLimits(config: BeaconConfig, types: RequestTypes): Map<string, RateLimitQuota> {
  const c = config.chain;
  const maxBlobSidecars = c.MAX_REQUEST_BLOCKS_DENEB * Math.max(c.MAX_BLOBS_PER_BLOCK, c.MAX_BLOBS_PER_BLOCK_ELECTRA);
  const limits: Record<ReqRespMethod, RateLimitQuota> = {
    status: {quota: 5, quotaTimeMs: 15_000},
    goodbye: {quota: 1, quotaTimeMs: 10_000},
    ping: {quota: 5, quotaTimeMs: 15_000},
    metadata: {quota: 5, quotaTimeMs: 15_000},
    beacon_blocks_by_range: {quota: c.MAX_REQUEST_BLOCKS, quotaTimeMs: 10_000},
    beacon_blocks_by_root: {quota: c.MAX_REQUEST_BLOCKS_DENEB, quotaTimeMs: 10_000},
    blob_sidecars_by_range: {quota: maxBlobSidecars, quotaTimeMs: 10_000},
    blob_sidecars_by_root: {quota: maxBlobSidecars, quotaTimeMs: 10_000},
    data_column_sidecars_by_range: {quota: types.computeMaxRequestDataColumnSidecars(), quotaTimeMs: 10_000},
    data_column_sidecars_by_root: {quota: types.computeMaxRequestDataColumnSidecars(), quotaTimeMs: 10_000},
    beacon_blocks_by_head: {quota: c.MAX_REQUEST_BLOCKS_DENEB, quotaTimeMs: 10_000},
    ...LIGHT_CLIENT_RATE_LIMITS,
  };
  return new Map(Object.entries(limits));
}

export class ReqResp {
  private readonly libp2p: ReqRespModules["libp2p"];
  private readonly config: BeaconConfig;
  private readonly chain: BeaconChain;
  private readonly handlers: ReqRespHandlers;
  private readonly logger: Logger;
  private readonly types: RequestTypes;
  private readonly server: ChainServer;
  private readonly rateLimiter: RateLimiter;
  private readonly db: BeaconDb;
  private readonly transport: ReqRespTransport;
  private readonly check: ResponseChecker;
  /** What the handlers serve from. */
  private readonly handlerContext: HandlerContext;
  private started = false;
  /** The protocols registered with libp2p (every one of PROTOCOLS, or all but the light-client ones). */
  private readonly served: readonly ProtocolDef[];
  private pruneTimer: NodeJS.Timeout | null = null;
  private earliestSlot = 0;

  constructor(modules: ReqRespModules) {
    this.libp2p = modules.libp2p;
    this.config = modules.config;
    this.chain = modules.chain;
    this.db = modules.db;
    this.handlers = modules.handlers;
    this.logger = modules.logger;
    const timeouts: ReqRespTimeouts = {
      dialTimeoutMs: TTFB_TIMEOUT_MS,
      ttfbTimeoutMs: TTFB_TIMEOUT_MS,
      respTimeoutMs: RESP_TIMEOUT_MS,
      requestTimeoutMs: TTFB_TIMEOUT_MS,
      ...modules.timeouts,
    };
    this.types = new RequestTypes(this.config);
    this.server = new ChainServer(this.chain, this.db, this.config);
    const quotas = defaultRateLimits(this.config, this.types);
    for (const [method, quota] of Object.entries(modules.rateLimits ?? {})) {
      if (quota !== undefined) quotas.set(method, quota);
    }
    this.rateLimiter = new RateLimiter(quotas);
    this.transport = new ReqRespTransport({
      libp2p: this.libp2p,
      config: this.config,
      logger: this.logger,
      reporter: modules.reporter,
      timeouts,
      rateLimiter: this.rateLimiter,
      metricsHook: modules.metricsHook,
    });
    this.check = new ResponseChecker(this.config);
    const self = this;
    this.handlerContext = {
      config: this.config,
      types: this.types,
      server: this.server,
      lightClient: this.chain.lightClient,
      peerHandlers: this.handlers,
      get earliestAvailableSlot() {
        return self.earliestSlot;
      },
      logger: this.logger,
    };
    this.served =
      modules.lightClientServer === false ? PROTOCOLS.filter((p) => !p.method.startsWith("light_client_")) : PROTOCOLS;
  }

  /** Request counts and durations (`--metrics`: modules.metricsHook). */
  get metricsHook(): ReqRespMetricsHook | null {
    return this.transport.metricsHook;
  }

  /** Registers a handler for every protocol of PROTOCOLS. */
  async start(): Promise<void> {
    if (this.started) return;
    this.earliestSlot = await this.findEarliestAvailableSlot();
    for (const def of this.served) {
      await this.libp2p.handle(
        def.id,
        (stream, connection) => {
          void this.onIncomingStream(def, stream, connection);
        },
        {maxInboundStreams: MAX_INBOUND_STREAMS, maxOutboundStreams: MAX_OUTBOUND_STREAMS},
      );
    }
    this.pruneTimer = setInterval(() => this.rateLimiter.prune(), RATE_LIMITER_PRUNE_MS);
    this.pruneTimer.unref();
    this.started = true;
    this.transport.started = true;
  }

  /** Unregisters the handlers; requests made afterwards fail with NOT_STARTED. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.transport.started = false;
    if (this.pruneTimer !== null) clearInterval(this.pruneTimer);
    this.pruneTimer = null;
    await this.libp2p.unhandle(this.served.map((p) => p.id));
  }

  /**
   * The slot of the earliest block this node can serve (fulu Status v2 earliest_available_slot): the genesis
   * block when the archive has it, else the first archived block (the anchor block a checkpoint sync started
   * from, or the first kept by --prune-history). Backfill lowers it and history pruning raises it with
   * setEarliestAvailableSlot.
   */
  get earliestAvailableSlot(): number {
    return this.earliestSlot;
  }

  setEarliestAvailableSlot(slot: number): void {
    this.earliestSlot = slot;
  }

  private async findEarliestAvailableSlot(): Promise<number> {
    if ((await this.db.blockArchive.getSerializedBySlot(0)) !== null) return 0;
    // the archive is contiguous from its first block (checkpoint anchor, backfill, or --prune-history's cut-off)
    return (await this.db.blockArchive.firstSlot()) ?? (await this.db.anchor.get())?.blockSlot ?? 0;
  }

  /** Forgets a disconnected peer's rate-limit buckets. */
  onPeerDisconnected(peer: PeerIdStr): void {
    this.rateLimiter.forgetPeer(peer);
  }

  // ---------------------------------------------------------------- requesting

  /** Status handshake: sends ours (v2 when both speak it), returns the peer's. */
  async status(peer: PeerIdStr, ours: StatusMessage): Promise<StatusMessage> {
    const [status] = await this.transport.request<StatusMessage>(peer, {
      method: ReqRespMethod.Status,
      request: (def) => serializeStatus(ours, def.version, this.earliestSlot),
      maxChunks: 1,
      bounds: (def) => boundsOf(statusType(def.version)),
      decode: (def, bytes) => deserializeStatus(bytes, def.version),
    });
    if (status === undefined) throw new ReqRespError("EMPTY_RESPONSE", "no Status in the response", {peer});
    return status;
  }

  /** Sends Goodbye (best effort: failures are logged, never thrown); the caller disconnects afterwards. */
  async goodbye(peer: PeerIdStr, reason: number): Promise<void> {
    try {
      await this.transport.request<bigint>(peer, {
        method: ReqRespMethod.Goodbye,
        request: () => ssz.phase0.Goodbye.serialize(BigInt(reason)),
        maxChunks: 1,
        bounds: () => boundsOf(ssz.phase0.Goodbye),
        decode: (_def, bytes) => ssz.phase0.Goodbye.deserialize(bytes),
      });
    } catch (e) {
      this.logger.debug("Goodbye not acknowledged", {peer, reason, error: (e as Error).message});
    }
  }

  /** Ping with our MetaData.seq_number; returns the peer's. */
  async ping(peer: PeerIdStr, seq: bigint): Promise<bigint> {
    const [theirs] = await this.transport.request<bigint>(peer, {
      method: ReqRespMethod.Ping,
      request: () => ssz.phase0.Ping.serialize(seq),
      maxChunks: 1,
      bounds: () => boundsOf(ssz.phase0.Ping),
      decode: (_def, bytes) => ssz.phase0.Ping.deserialize(bytes),
    });
    if (theirs === undefined) throw new ReqRespError("EMPTY_RESPONSE", "no Ping in the response", {peer});
    return theirs;
  }

  /** GetMetaData (v3 in fulu, else v2, v1 for old peers). */
  async metadata(peer: PeerIdStr): Promise<MetadataMessage> {
    const [metadata] = await this.transport.request<MetadataMessage>(peer, {
      method: ReqRespMethod.Metadata,
      request: () => null,
      maxChunks: 1,
      bounds: (def) => boundsOf(metadataType(def.version)),
      decode: (def, bytes) => deserializeMetadata(bytes, def.version),
    });
    if (metadata === undefined) throw new ReqRespError("EMPTY_RESPONSE", "no MetaData in the response", {peer});
    return metadata;
  }

  /**
   * BeaconBlocksByRange v2 (step 1). The response must hold at most `count` blocks, in the range, in strictly
   * increasing slots, each one's parent_root the root of the block before it.
   */
  async beaconBlocksByRange(peer: PeerIdStr, req: {startSlot: number; count: number}): Promise<BlockWithFork[]> {
    const method = ReqRespMethod.BeaconBlocksByRange;
    const max = this.types.maxRequestBlocks(this.server.currentEpoch);
    this.check.checkArg(Number.isSafeInteger(req.startSlot) && req.startSlot >= 0, method, "startSlot must be a slot");
    this.check.checkArg(
      Number.isSafeInteger(req.count) && req.count >= 1 && req.count <= max,
      method,
      `count 1..${max}`,
    );
    const endSlot = req.startSlot + req.count;
    let previous: {slot: number; root: Uint8Array} | null = null;
    const blocks = await this.transport.request<BlockWithFork>(peer, {
      method,
      request: () =>
        ssz.phase0.BeaconBlocksByRangeRequest.serialize({startSlot: req.startSlot, count: req.count, step: 1}),
      maxChunks: req.count,
      bounds: (_def, context) => boundsOf(ssz[this.check.forkOfContext(peer, method, context)].SignedBeaconBlock),
      decode: (_def, bytes, context) => {
        const {value: block, bytes: blockBytes} = this.check.decodeBlock(peer, method, bytes, context);
        const slot = block.message.slot;
        if (slot < req.startSlot || slot >= endSlot) {
          this.check.violation(peer, method, `block at slot ${slot} outside [${req.startSlot}, ${endSlot})`);
        }
        if (previous !== null) {
          if (slot <= previous.slot) this.check.violation(peer, method, `slot ${slot} after slot ${previous.slot}`);
          if (!bytesEqual(block.message.parentRoot, previous.root)) {
            this.check.violation(
              peer,
              method,
              `block at slot ${slot} does not descend from the block at ${previous.slot}`,
            );
          }
        }
        previous = {slot, root: this.check.blockRoot(block)};
        return {block, bytes: blockBytes};
      },
    });
    return blocks;
  }

  /** BeaconBlocksByRoot v2: every returned block must be one we asked for (once). */
  async beaconBlocksByRoot(peer: PeerIdStr, roots: Uint8Array[]): Promise<BlockWithFork[]> {
    const method = ReqRespMethod.BeaconBlocksByRoot;
    const type = this.types.BeaconBlockRoots(this.server.currentEpoch);
    this.check.checkArg(roots.length >= 1 && roots.length <= type.limit, method, `1..${type.limit} roots`);
    const wanted = new Set(roots.map((r) => toRootHex(r)));
    return this.transport.request<BlockWithFork>(peer, {
      method,
      request: () => type.serialize(roots),
      maxChunks: roots.length,
      bounds: (_def, context) => boundsOf(ssz[this.check.forkOfContext(peer, method, context)].SignedBeaconBlock),
      decode: (_def, bytes, context) => {
        const {value: block, bytes: blockBytes} = this.check.decodeBlock(peer, method, bytes, context);
        const root = toRootHex(this.check.blockRoot(block));
        if (!wanted.delete(root)) this.check.violation(peer, method, `block ${root} was not requested (or sent twice)`);
        return {block, bytes: blockBytes};
      },
    });
  }

  /**
   * BeaconBlocksByHead v1 (fulu): the block at `beaconRoot` and its ancestors, newest first. The first block
   * must be the one at beaconRoot, each next one the parent of the one before.
   */
  async beaconBlocksByHead(peer: PeerIdStr, req: {beaconRoot: Uint8Array; count: number}): Promise<BlockWithFork[]> {
    const method = ReqRespMethod.BeaconBlocksByHead;
    const max = this.config.chain.MAX_REQUEST_BLOCKS_DENEB;
    this.check.checkArg(req.beaconRoot.length === 32, method, "beaconRoot must be 32 bytes");
    this.check.checkArg(
      Number.isSafeInteger(req.count) && req.count >= 1 && req.count <= max,
      method,
      `count 1..${max}`,
    );
    let expectedRoot = req.beaconRoot;
    return this.transport.request<BlockWithFork>(peer, {
      method,
      request: () => BeaconBlocksByHeadRequest.serialize({beaconRoot: req.beaconRoot, count: req.count}),
      maxChunks: req.count,
      bounds: (_def, context) => boundsOf(ssz[this.check.forkOfContext(peer, method, context)].SignedBeaconBlock),
      decode: (_def, bytes, context) => {
        const {value: block, bytes: blockBytes} = this.check.decodeBlock(peer, method, bytes, context);
        const root = this.check.blockRoot(block);
        if (!bytesEqual(root, expectedRoot)) {
          this.check.violation(
            peer,
            method,
            `block ${toRootHex(root)} is not the expected ancestor ${toRootHex(expectedRoot)}`,
          );
        }
        expectedRoot = block.message.parentRoot;
        return {block, bytes: blockBytes};
      },
    });
  }

  /** BlobSidecarsByRange v1: sidecars in the range, in (slot, index) order, at most count × max blobs. */
  async blobSidecarsByRange(peer: PeerIdStr, req: {startSlot: number; count: number}): Promise<BlobSidecar[]> {
    const method = ReqRespMethod.BlobSidecarsByRange;
    const epoch = this.server.currentEpoch;
    const maxBlocks = this.config.chain.MAX_REQUEST_BLOCKS_DENEB;
    this.check.checkArg(Number.isSafeInteger(req.startSlot) && req.startSlot >= 0, method, "startSlot must be a slot");
    this.check.checkArg(
      Number.isSafeInteger(req.count) && req.count >= 1 && req.count <= maxBlocks,
      method,
      `count 1..${maxBlocks}`,
    );
    const endSlot = req.startSlot + req.count;
    const maxChunks = Math.min(
      req.count * this.types.maxBlobsPerBlockForRequests(epoch),
      this.types.computeMaxRequestBlobSidecars(epoch),
    );
    let previous: {slot: number; index: number} | null = null;
    return this.transport.request<BlobSidecar>(peer, {
      method,
      request: () => ssz.deneb.BlobSidecarsByRangeRequest.serialize({startSlot: req.startSlot, count: req.count}),
      maxChunks,
      bounds: (_def, context) => this.check.sidecarBounds(peer, method, context, ForkSeq.deneb, ssz.deneb.BlobSidecar),
      decode: (_def, bytes, context) => {
        const sidecar = this.check.decodeSidecar(peer, method, bytes, context, ssz.deneb.BlobSidecar);
        const slot = sidecar.signedBlockHeader.message.slot;
        if (slot < req.startSlot || slot >= endSlot) {
          this.check.violation(peer, method, `blob sidecar at slot ${slot} outside [${req.startSlot}, ${endSlot})`);
        }
        if (
          previous !== null &&
          (slot < previous.slot || (slot === previous.slot && sidecar.index <= previous.index))
        ) {
          this.check.violation(peer, method, `blob sidecar (${slot}, ${sidecar.index}) out of (slot, index) order`);
        }
        previous = {slot, index: sidecar.index};
        return sidecar;
      },
    });
  }

  /** BlobSidecarsByRoot v1: every returned sidecar must be one we asked for (once). */
  async blobSidecarsByRoot(peer: PeerIdStr, ids: {blockRoot: Uint8Array; index: number}[]): Promise<BlobSidecar[]> {
    const method = ReqRespMethod.BlobSidecarsByRoot;
    const type = this.types.BlobIdentifiers(this.server.currentEpoch);
    this.check.checkArg(ids.length >= 1 && ids.length <= type.limit, method, `1..${type.limit} identifiers`);
    const wanted = new Set(ids.map((id) => `${toRootHex(id.blockRoot)}/${id.index}`));
    return this.transport.request<BlobSidecar>(peer, {
      method,
      request: () => type.serialize(ids),
      maxChunks: ids.length,
      bounds: (_def, context) => this.check.sidecarBounds(peer, method, context, ForkSeq.deneb, ssz.deneb.BlobSidecar),
      decode: (_def, bytes, context) => {
        const sidecar = this.check.decodeSidecar(peer, method, bytes, context, ssz.deneb.BlobSidecar);
        const root = toRootHex(ssz.phase0.BeaconBlockHeader.hashTreeRoot(sidecar.signedBlockHeader.message));
        if (!wanted.delete(`${root}/${sidecar.index}`)) {
          this.check.violation(peer, method, `blob sidecar ${root}/${sidecar.index} was not requested (or sent twice)`);
        }
        return sidecar;
      },
    });
  }

  /** DataColumnSidecarsByRange v1: the requested columns in the range, in (slot, column) order. */
  async dataColumnSidecarsByRange(
    peer: PeerIdStr,
    req: {startSlot: number; count: number; columns: number[]},
  ): Promise<DataColumnSidecar[]> {
    const method = ReqRespMethod.DataColumnSidecarsByRange;
    const maxBlocks = this.config.chain.MAX_REQUEST_BLOCKS_DENEB;
    const columnLimit = ssz.fulu.DataColumnIndices.limit;
    this.check.checkArg(Number.isSafeInteger(req.startSlot) && req.startSlot >= 0, method, "startSlot must be a slot");
    this.check.checkArg(
      Number.isSafeInteger(req.count) && req.count >= 1 && req.count <= maxBlocks,
      method,
      `count 1..${maxBlocks}`,
    );
    this.check.checkArg(
      req.columns.length >= 1 &&
        req.columns.length <= columnLimit &&
        req.columns.every((c) => c >= 0 && c < columnLimit),
      method,
      `1..${columnLimit} column indices below ${columnLimit}`,
    );
    const endSlot = req.startSlot + req.count;
    const columns = new Set(req.columns);
    const maxChunks = Math.min(req.count * columns.size, this.types.computeMaxRequestDataColumnSidecars());
    let previous: {slot: number; index: number} | null = null;
    return this.transport.request<DataColumnSidecar>(peer, {
      method,
      request: () =>
        ssz.fulu.DataColumnSidecarsByRangeRequest.serialize({
          startSlot: req.startSlot,
          count: req.count,
          columns: req.columns,
        }),
      maxChunks,
      bounds: (_def, context) =>
        this.check.sidecarBounds(peer, method, context, ForkSeq.fulu, ssz.fulu.DataColumnSidecar),
      decode: (_def, bytes, context) => {
        const sidecar = this.check.decodeSidecar(peer, method, bytes, context, ssz.fulu.DataColumnSidecar);
        const slot = sidecar.signedBlockHeader.message.slot;
        if (slot < req.startSlot || slot >= endSlot) {
          this.check.violation(peer, method, `column sidecar at slot ${slot} outside [${req.startSlot}, ${endSlot})`);
        }
        if (!columns.has(sidecar.index))
          this.check.violation(peer, method, `column ${sidecar.index} was not requested`);
        if (
          previous !== null &&
          (slot < previous.slot || (slot === previous.slot && sidecar.index <= previous.index))
        ) {
          this.check.violation(peer, method, `column sidecar (${slot}, ${sidecar.index}) out of (slot, column) order`);
        }
        previous = {slot, index: sidecar.index};
        return sidecar;
      },
    });
  }

  /** DataColumnSidecarsByRoot v1: every returned sidecar must be one we asked for (once). */
  async dataColumnSidecarsByRoot(
    peer: PeerIdStr,
    ids: {blockRoot: Uint8Array; columns: number[]}[],
  ): Promise<DataColumnSidecar[]> {
    const method = ReqRespMethod.DataColumnSidecarsByRoot;
    const type = this.types.DataColumnsByRootIdentifiers;
    this.check.checkArg(ids.length >= 1 && ids.length <= type.limit, method, `1..${type.limit} identifiers`);
    const wanted = new Set<string>();
    for (const id of ids) for (const c of id.columns) wanted.add(`${toRootHex(id.blockRoot)}/${c}`);
    const maxChunks = Math.min(wanted.size, this.types.computeMaxRequestDataColumnSidecars());
    this.check.checkArg(maxChunks >= 1, method, "at least one column");
    return this.transport.request<DataColumnSidecar>(peer, {
      method,
      request: () => type.serialize(ids),
      maxChunks,
      bounds: (_def, context) =>
        this.check.sidecarBounds(peer, method, context, ForkSeq.fulu, ssz.fulu.DataColumnSidecar),
      decode: (_def, bytes, context) => {
        const sidecar = this.check.decodeSidecar(peer, method, bytes, context, ssz.fulu.DataColumnSidecar);
        const root = toRootHex(ssz.phase0.BeaconBlockHeader.hashTreeRoot(sidecar.signedBlockHeader.message));
        if (!wanted.delete(`${root}/${sidecar.index}`)) {
          this.check.violation(
            peer,
            method,
            `column sidecar ${root}/${sidecar.index} was not requested (or sent twice)`,
          );
        }
        return sidecar;
      },
    });
  }

  /**
   * GetLightClientBootstrap v1: the bootstrap of a post-altair block root. The header must be that block's
   * (hash_tree_root(header.beacon) == blockRoot); the peer answers ResourceUnavailable (ERROR_RESPONSE, status 3)
   * when it cannot produce one.
   */
  async lightClientBootstrap(peer: PeerIdStr, blockRoot: Uint8Array): Promise<LightClientData> {
    const method = ReqRespMethod.LightClientBootstrap;
    this.check.checkArg(blockRoot.length === 32, method, "blockRoot must be 32 bytes");
    const [bootstrap] = await this.transport.request<LightClientData>(peer, {
      method,
      request: () => ssz.phase0.Root.serialize(blockRoot),
      maxChunks: 1,
      bounds: (_def, context) => this.check.lightClientBounds(peer, method, context, "LightClientBootstrap"),
      decode: (_def, bytes, context) => {
        const value = this.check.decodeLightClient(peer, method, bytes, context, "LightClientBootstrap");
        const root = ssz.phase0.BeaconBlockHeader.hashTreeRoot(value.data.header.beacon);
        if (!bytesEqual(root, blockRoot)) {
          this.check.violation(peer, method, `bootstrap of block ${toHex(root)}, requested ${toHex(blockRoot)}`);
        }
        return value;
      },
    });
    if (bootstrap === undefined) throw new ReqRespError("EMPTY_RESPONSE", "no LightClientBootstrap", {peer, method});
    return bootstrap;
  }

  /**
   * LightClientUpdatesByRange v1: at most min(count, MAX_REQUEST_LIGHT_CLIENT_UPDATES) updates, each of a period in
   * [startPeriod, startPeriod + count) (the period of its attested header), in increasing period order.
   */
  async lightClientUpdatesByRange(
    peer: PeerIdStr,
    req: {startPeriod: number; count: number},
  ): Promise<LightClientData[]> {
    const method = ReqRespMethod.LightClientUpdatesByRange;
    const max = MAX_REQUEST_LIGHT_CLIENT_UPDATES;
    this.check.checkArg(Number.isSafeInteger(req.startPeriod) && req.startPeriod >= 0, method, "startPeriod ≥ 0");
    this.check.checkArg(
      Number.isSafeInteger(req.count) && req.count >= 1 && req.count <= max,
      method,
      `count 1..${max}`,
    );
    const end = req.startPeriod + req.count;
    let previous = -1;
    return this.transport.request<LightClientData>(peer, {
      method,
      request: () => LightClientUpdatesByRangeRequest.serialize(req),
      maxChunks: req.count,
      bounds: (_def, context) => this.check.lightClientBounds(peer, method, context, "LightClientUpdate"),
      decode: (_def, bytes, context) => {
        const value = this.check.decodeLightClient(peer, method, bytes, context, "LightClientUpdate");
        const period = computeSyncCommitteePeriodAtSlot(value.data.attestedHeader.beacon.slot);
        if (period < req.startPeriod || period >= end) {
          this.check.violation(peer, method, `update of period ${period} outside [${req.startPeriod}, ${end})`);
        }
        if (period <= previous)
          this.check.violation(peer, method, `update of period ${period} after period ${previous}`);
        previous = period;
        return value;
      },
    });
  }

  /** GetLightClientFinalityUpdate v1: the peer's latest LightClientFinalityUpdate. */
  lightClientFinalityUpdate(peer: PeerIdStr): Promise<LightClientData> {
    return this.latestLightClientUpdate(peer, ReqRespMethod.LightClientFinalityUpdate, "LightClientFinalityUpdate");
  }

  /** GetLightClientOptimisticUpdate v1: the peer's latest LightClientOptimisticUpdate. */
  lightClientOptimisticUpdate(peer: PeerIdStr): Promise<LightClientData> {
    return this.latestLightClientUpdate(peer, ReqRespMethod.LightClientOptimisticUpdate, "LightClientOptimisticUpdate");
  }

  private async latestLightClientUpdate(
    peer: PeerIdStr,
    method: ReqRespMethod,
    kind: "LightClientFinalityUpdate" | "LightClientOptimisticUpdate",
  ): Promise<LightClientData> {
    const [update] = await this.transport.request<LightClientData>(peer, {
      method,
      request: () => null,
      maxChunks: 1,
      bounds: (_def, context) => this.check.lightClientBounds(peer, method, context, kind),
      decode: (_def, bytes, context) => this.check.decodeLightClient(peer, method, bytes, context, kind),
    });
    if (update === undefined) throw new ReqRespError("EMPTY_RESPONSE", `no ${kind}`, {peer, method});
    return update;
  }

  // ---------------------------------------------------------------- serving

  private onIncomingStream(def: ProtocolDef, stream: Stream, connection: Connection): Promise<void> {
    return this.serveWith(HANDLERS[def.method] as Handler<Method>, def, stream, connection);
  }

  /** Serves one stream with the handler of its method (handlers/), the transport doing the stream work. */
  private serveWith<M extends Method>(
    handler: Handler<M>,
    def: ProtocolDef,
    stream: Stream,
    connection: Connection,
  ): Promise<void> {
    const ctx = this.handlerContext;
    const peer = connection.remotePeer.toString();
    const config = this.config;
    const requestType = handler.requestType;
    type Req = Parameters<Handler<M>["handle"]>[0];
    return this.transport.serve(def, stream, connection, {
      requestType: requestType === null ? null : () => requestType(def, ctx),
      cost: (request) => (handler.cost === undefined ? 1 : handler.cost(request as Req, ctx)),
      respond: async function* (request) {
        for (const value of await handler.handle(request as Req, peer, ctx, def)) {
          const chunk = handler.encode(value, def, ctx);
          yield chunk.contextSlot === undefined
            ? encodeSuccessChunk(chunk.ssz)
            : encodeSuccessChunk(chunk.ssz, contextBytesAt(config, chunk.contextSlot));
        }
      },
    });
  }
}
