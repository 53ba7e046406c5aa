/**
 * The req/resp domain (phase0..fulu p2p-interface.md "The Req/Resp domain") on libp2p: one stream per
 * request, ssz_snappy encoding, ForkDigest-context for blocks and sidecars. Serves Status, Goodbye, Ping,
 * MetaData (from the handlers the peer manager implements) and blocks / sidecars (from the chain and the
 * database), with per-peer rate limits; requests any of them from a peer and checks what comes back.
 */
import type {BeaconConfig} from "@ceibo/config";
import {toRootHex} from "@ceibo/fork-choice";
import {type ForkName, ForkSeq, SLOTS_PER_EPOCH} from "@ceibo/params";
import {
  computeEpochAtSlot,
  computeSyncCommitteePeriodAtSlot,
  type SignedBeaconBlockAllForks,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import type {Connection, Libp2p, Stream} from "@libp2p/interface";
import {peerIdFromString} from "@libp2p/peer-id";
import type {BeaconChain, Logger} from "../../chain/index.ts";
import type {BeaconDb, BlobSidecar, DataColumnSidecar} from "../../db/index.ts";
import type {ReqRespMetricsHook} from "../../metrics/hooks.ts";
import {ByteReader} from "../encoding/byteReader.ts";
import {isEncodingError} from "../encoding/errors.ts";
import {
  encodeErrorChunk,
  encodeSszSnappy,
  encodeSuccessChunk,
  RespCode,
  readRequest,
  readResponseChunk,
  type SszSizeBounds,
} from "../encoding/sszSnappy.ts";
import type {BlockWithFork, MetadataMessage, PeerIdStr, PeerReporter, StatusMessage} from "../types.ts";
import {ReqRespError, type ReqRespErrorCode, ResponseError} from "./errors.ts";
import {
  decodeLightClientChunk,
  LIGHT_CLIENT_RATE_LIMITS,
  type LightClientChunk,
  type LightClientData,
  type LightClientKind,
  LightClientUpdatesByRangeRequest,
  lightClientFormOf,
  lightClientType,
  MAX_REQUEST_LIGHT_CLIENT_UPDATES,
  serveLatestLightClientUpdate,
  serveLightClientBootstrap,
  serveLightClientUpdatesByRange,
} from "./lightClient.ts";
import {
  deserializeMetadata,
  deserializeStatus,
  metadataType,
  serializeMetadata,
  serializeStatus,
  statusType,
} from "./messages.ts";
import {
  BeaconBlocksByHeadRequest,
  offeredProtocols,
  PROTOCOLS,
  type ProtocolDef,
  protocolById,
  ReqRespMethod,
  RequestTypes,
} from "./protocols.ts";
import {RateLimiter, type RateLimitQuota} from "./rateLimiter.ts";
import {ChainServer, type ServedBlock} from "./serve.ts";

/**
 * Time to first byte of a response after the request was sent, and the time allowed for each response chunk
 * after that. These were TTFB_TIMEOUT and RESP_TIMEOUT in phase0 p2p-interface.md before the spec dropped them
 * from its configuration; clients keep these values.
 */
export const TTFB_TIMEOUT_MS = 5_000;
export const RESP_TIMEOUT_MS = 10_000;
/** phase0 p2p-interface.md MAX_CONCURRENT_REQUESTS: concurrent requests per protocol ID a client may issue. */
export const MAX_CONCURRENT_REQUESTS = 2;

/** What the peer manager provides: our Status and MetaData, and what peers told us. */
export interface ReqRespHandlers {
  getStatus(): StatusMessage;
  /** A peer's Status from its request (our response was sent or is being sent). */
  onStatus(peer: PeerIdStr, status: StatusMessage): void;
  onGoodbye(peer: PeerIdStr, reason: bigint): void;
  getMetadata(): MetadataMessage;
  /** A peer pinged us with its MetaData.seq_number. */
  onPing(peer: PeerIdStr, seq: bigint): void;
}

/** Per-peer quotas by method (units: requests, or blocks / sidecars for the bulk methods). */
export type RateLimits = Partial<Record<ReqRespMethod, RateLimitQuota>>;

export interface ReqRespTimeouts {
  /** Opening a stream (dial + protocol negotiation). */
  dialTimeoutMs: number;
  /** Requester: the first response byte after the request. */
  ttfbTimeoutMs: number;
  /** Requester: each response chunk; responder: each write that waits for the peer to read. */
  respTimeoutMs: number;
  /** Responder: the whole request, from the stream's opening. */
  requestTimeoutMs: number;
}

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
}

/**
 * The code a rate-limited request gets: ResourceUnavailable. (Lighthouse answers 139 "rate limited" from the
 * request-specific range 128-255; any non-zero code is an error to every client.)
 */
export const RATE_LIMITED_RESP_CODE = RespCode.RESOURCE_UNAVAILABLE;

/** Inbound streams per connection and protocol (the spec's MAX_CONCURRENT_REQUESTS, with room for closing ones). */
const MAX_INBOUND_STREAMS = MAX_CONCURRENT_REQUESTS * 2;
const MAX_OUTBOUND_STREAMS = MAX_CONCURRENT_REQUESTS * 2;
/** Writes go out in pieces of this size, waiting for the stream to drain in between. */
const WRITE_PIECE_BYTES = 64 * 1024;
const RATE_LIMITER_PRUNE_MS = 60_000;
/** How long a responder may keep a stream open after we read all we asked for. */
const STREAM_CLOSE_GRACE_MS = 1_000;

type Decoded<T> = {value: T; bytes: Uint8Array};

interface RequestSpec<T> {
  method: ReqRespMethod;
  /** The request SSZ for the negotiated protocol version (null: GetMetaData, no request content). */
  request: (def: ProtocolDef) => Uint8Array | null;
  /** Stop reading after this many success chunks. */
  maxChunks: number;
  /** The SSZ bounds of a success chunk (from its context bytes); throws ReqRespError for unknown context. */
  bounds: (def: ProtocolDef, contextBytes: Uint8Array | null) => SszSizeBounds;
  /** Decodes and checks one success chunk; throws ReqRespError for a bad one. */
  decode: (def: ProtocolDef, ssz: Uint8Array, contextBytes: Uint8Array | null) => T;
}

function boundsOf(type: {minSize: number; maxSize: number}): SszSizeBounds {
  return {minSize: type.minSize, maxSize: type.maxSize};
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

const hex = (b: Uint8Array): string => `0x${Buffer.from(b).toString("hex")}`;

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
    data_column_sidecars_by_range: {quota: types.maxRequestDataColumnSidecars(), quotaTimeMs: 10_000},
    data_column_sidecars_by_root: {quota: types.maxRequestDataColumnSidecars(), quotaTimeMs: 10_000},
    beacon_blocks_by_head: {quota: c.MAX_REQUEST_BLOCKS_DENEB, quotaTimeMs: 10_000},
    ...LIGHT_CLIENT_RATE_LIMITS,
  };
  return new Map(Object.entries(limits));
}

/** Limits concurrent outgoing requests per (peer, method) to MAX_CONCURRENT_REQUESTS; the rest wait in order. */
class ConcurrencyLimiter {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  async acquire(key: string): Promise<void> {
    const n = this.active.get(key) ?? 0;
    if (n < MAX_CONCURRENT_REQUESTS) {
      this.active.set(key, n + 1);
      return;
    }
    await new Promise<void>((resolve) => {
      const queue = this.waiting.get(key) ?? [];
      queue.push(resolve);
      this.waiting.set(key, queue);
    });
  }

  release(key: string): void {
    const queue = this.waiting.get(key);
    const next = queue?.shift();
    if (queue !== undefined && queue.length === 0) this.waiting.delete(key);
    if (next !== undefined) {
      next(); // the slot passes to the next waiter
      return;
    }
    const n = (this.active.get(key) ?? 1) - 1;
    if (n <= 0) this.active.delete(key);
    else this.active.set(key, n);
  }
}

/** Runs `run` with a deadline: on expiry the stream is aborted and the result is a ReqRespError(code). */
async function withDeadline<T>(
  stream: Stream,
  ms: number,
  code: ReqRespErrorCode,
  what: string,
  run: () => Promise<T>,
): Promise<T> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stream.abort(new Error(`${code}: ${what}`));
  }, ms);
  timer.unref();
  try {
    return await run();
  } catch (e) {
    if (timedOut) throw new ReqRespError(code, `${what} took more than ${ms} ms`, {cause: e});
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Ends an outgoing request's stream: aborted at once after a failure; otherwise the responder should close its
 * side now that we read what we wanted, and is given a moment to before the stream is aborted.
 */
function finishStream(stream: Stream, failed: boolean): void {
  if (stream.status !== "open" && stream.status !== "closing") return;
  if (failed) {
    stream.abort(new Error("request failed"));
    return;
  }
  const timer = setTimeout(() => {
    if (stream.status === "open" || stream.status === "closing")
      stream.abort(new Error("responder kept the stream open"));
  }, STREAM_CLOSE_GRACE_MS);
  timer.unref();
}

/** Sends bytes in pieces, waiting (at most `timeoutMs` each time) for the stream to drain when it asks to. */
async function sendAll(stream: Stream, bytes: Uint8Array, timeoutMs: number): Promise<void> {
  for (let offset = 0; offset < bytes.length; offset += WRITE_PIECE_BYTES) {
    const piece = bytes.subarray(offset, Math.min(offset + WRITE_PIECE_BYTES, bytes.length));
    if (!stream.send(piece)) await stream.onDrain({signal: AbortSignal.timeout(timeoutMs)});
  }
}

export class ReqResp {
  private readonly libp2p: ReqRespModules["libp2p"];
  private readonly config: BeaconConfig;
  private readonly chain: BeaconChain;
  private readonly handlers: ReqRespHandlers;
  private readonly logger: Logger;
  private readonly reporter: PeerReporter;
  private readonly timeouts: ReqRespTimeouts;
  private readonly types: RequestTypes;
  private readonly server: ChainServer;
  private readonly rateLimiter: RateLimiter;
  private readonly concurrency = new ConcurrencyLimiter();
  private readonly db: BeaconDb;
  /** Fork digest (0x hex) → fork, for context bytes. */
  private readonly forkByDigest = new Map<string, ForkName>();
  private started = false;
  /** The protocols registered with libp2p (every one of PROTOCOLS, or all but the light-client ones). */
  private readonly served: readonly ProtocolDef[];
  private pruneTimer: NodeJS.Timeout | null = null;
  private earliestSlot = 0;
  /** Request counts and durations (set by the node when it runs with --metrics). */
  metricsHook: ReqRespMetricsHook | null = null;

  constructor(modules: ReqRespModules) {
    this.libp2p = modules.libp2p;
    this.config = modules.config;
    this.chain = modules.chain;
    this.db = modules.db;
    this.handlers = modules.handlers;
    this.logger = modules.logger;
    this.reporter = modules.reporter;
    this.timeouts = {
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
    for (const {digest, fork} of this.config.allForkDigests()) this.forkByDigest.set(digest, fork);
    this.served =
      modules.lightClientServer === false ? PROTOCOLS.filter((p) => !p.method.startsWith("light_client_")) : PROTOCOLS;
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
  }

  /** Unregisters the handlers; requests made afterwards fail with NOT_STARTED. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
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
    const [status] = await this.request<StatusMessage>(peer, {
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
      await this.request<bigint>(peer, {
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
    const [theirs] = await this.request<bigint>(peer, {
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
    const [metadata] = await this.request<MetadataMessage>(peer, {
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
    this.checkArg(Number.isSafeInteger(req.startSlot) && req.startSlot >= 0, method, "startSlot must be a slot");
    this.checkArg(Number.isSafeInteger(req.count) && req.count >= 1 && req.count <= max, method, `count 1..${max}`);
    const endSlot = req.startSlot + req.count;
    let previous: {slot: number; root: Uint8Array} | null = null;
    const blocks = await this.request<BlockWithFork>(peer, {
      method,
      request: () =>
        ssz.phase0.BeaconBlocksByRangeRequest.serialize({startSlot: req.startSlot, count: req.count, step: 1}),
      maxChunks: req.count,
      bounds: (_def, context) => boundsOf(ssz[this.forkOfContext(peer, method, context)].SignedBeaconBlock),
      decode: (_def, bytes, context) => {
        const {value: block, bytes: blockBytes} = this.decodeBlock(peer, method, bytes, context);
        const slot = block.message.slot;
        if (slot < req.startSlot || slot >= endSlot) {
          this.violation(peer, method, `block at slot ${slot} outside [${req.startSlot}, ${endSlot})`);
        }
        if (previous !== null) {
          if (slot <= previous.slot) this.violation(peer, method, `slot ${slot} after slot ${previous.slot}`);
          if (!equalBytes(block.message.parentRoot, previous.root)) {
            this.violation(peer, method, `block at slot ${slot} does not descend from the block at ${previous.slot}`);
          }
        }
        previous = {slot, root: this.blockRoot(block)};
        return {block, bytes: blockBytes};
      },
    });
    return blocks;
  }

  /** BeaconBlocksByRoot v2: every returned block must be one we asked for (once). */
  async beaconBlocksByRoot(peer: PeerIdStr, roots: Uint8Array[]): Promise<BlockWithFork[]> {
    const method = ReqRespMethod.BeaconBlocksByRoot;
    const type = this.types.BeaconBlockRoots(this.server.currentEpoch);
    this.checkArg(roots.length >= 1 && roots.length <= type.limit, method, `1..${type.limit} roots`);
    const wanted = new Set(roots.map((r) => toRootHex(r)));
    return this.request<BlockWithFork>(peer, {
      method,
      request: () => type.serialize(roots),
      maxChunks: roots.length,
      bounds: (_def, context) => boundsOf(ssz[this.forkOfContext(peer, method, context)].SignedBeaconBlock),
      decode: (_def, bytes, context) => {
        const {value: block, bytes: blockBytes} = this.decodeBlock(peer, method, bytes, context);
        const root = toRootHex(this.blockRoot(block));
        if (!wanted.delete(root)) this.violation(peer, method, `block ${root} was not requested (or sent twice)`);
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
    this.checkArg(req.beaconRoot.length === 32, method, "beaconRoot must be 32 bytes");
    this.checkArg(Number.isSafeInteger(req.count) && req.count >= 1 && req.count <= max, method, `count 1..${max}`);
    let expectedRoot = req.beaconRoot;
    return this.request<BlockWithFork>(peer, {
      method,
      request: () => BeaconBlocksByHeadRequest.serialize({beaconRoot: req.beaconRoot, count: req.count}),
      maxChunks: req.count,
      bounds: (_def, context) => boundsOf(ssz[this.forkOfContext(peer, method, context)].SignedBeaconBlock),
      decode: (_def, bytes, context) => {
        const {value: block, bytes: blockBytes} = this.decodeBlock(peer, method, bytes, context);
        const root = this.blockRoot(block);
        if (!equalBytes(root, expectedRoot)) {
          this.violation(
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
    this.checkArg(Number.isSafeInteger(req.startSlot) && req.startSlot >= 0, method, "startSlot must be a slot");
    this.checkArg(
      Number.isSafeInteger(req.count) && req.count >= 1 && req.count <= maxBlocks,
      method,
      `count 1..${maxBlocks}`,
    );
    const endSlot = req.startSlot + req.count;
    const maxChunks = Math.min(
      req.count * this.types.maxBlobsPerBlockForRequests(epoch),
      this.types.maxRequestBlobSidecars(epoch),
    );
    let previous: {slot: number; index: number} | null = null;
    return this.request<BlobSidecar>(peer, {
      method,
      request: () => ssz.deneb.BlobSidecarsByRangeRequest.serialize({startSlot: req.startSlot, count: req.count}),
      maxChunks,
      bounds: (_def, context) => this.sidecarBounds(peer, method, context, ForkSeq.deneb, ssz.deneb.BlobSidecar),
      decode: (_def, bytes, context) => {
        const sidecar = this.decodeSidecar(peer, method, bytes, context, ssz.deneb.BlobSidecar);
        const slot = sidecar.signedBlockHeader.message.slot;
        if (slot < req.startSlot || slot >= endSlot) {
          this.violation(peer, method, `blob sidecar at slot ${slot} outside [${req.startSlot}, ${endSlot})`);
        }
        if (
          previous !== null &&
          (slot < previous.slot || (slot === previous.slot && sidecar.index <= previous.index))
        ) {
          this.violation(peer, method, `blob sidecar (${slot}, ${sidecar.index}) out of (slot, index) order`);
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
    this.checkArg(ids.length >= 1 && ids.length <= type.limit, method, `1..${type.limit} identifiers`);
    const wanted = new Set(ids.map((id) => `${toRootHex(id.blockRoot)}/${id.index}`));
    return this.request<BlobSidecar>(peer, {
      method,
      request: () => type.serialize(ids),
      maxChunks: ids.length,
      bounds: (_def, context) => this.sidecarBounds(peer, method, context, ForkSeq.deneb, ssz.deneb.BlobSidecar),
      decode: (_def, bytes, context) => {
        const sidecar = this.decodeSidecar(peer, method, bytes, context, ssz.deneb.BlobSidecar);
        const root = toRootHex(ssz.phase0.BeaconBlockHeader.hashTreeRoot(sidecar.signedBlockHeader.message));
        if (!wanted.delete(`${root}/${sidecar.index}`)) {
          this.violation(peer, method, `blob sidecar ${root}/${sidecar.index} was not requested (or sent twice)`);
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
    this.checkArg(Number.isSafeInteger(req.startSlot) && req.startSlot >= 0, method, "startSlot must be a slot");
    this.checkArg(
      Number.isSafeInteger(req.count) && req.count >= 1 && req.count <= maxBlocks,
      method,
      `count 1..${maxBlocks}`,
    );
    this.checkArg(
      req.columns.length >= 1 &&
        req.columns.length <= columnLimit &&
        req.columns.every((c) => c >= 0 && c < columnLimit),
      method,
      `1..${columnLimit} column indices below ${columnLimit}`,
    );
    const endSlot = req.startSlot + req.count;
    const columns = new Set(req.columns);
    const maxChunks = Math.min(req.count * columns.size, this.types.maxRequestDataColumnSidecars());
    let previous: {slot: number; index: number} | null = null;
    return this.request<DataColumnSidecar>(peer, {
      method,
      request: () =>
        ssz.fulu.DataColumnSidecarsByRangeRequest.serialize({
          startSlot: req.startSlot,
          count: req.count,
          columns: req.columns,
        }),
      maxChunks,
      bounds: (_def, context) => this.sidecarBounds(peer, method, context, ForkSeq.fulu, ssz.fulu.DataColumnSidecar),
      decode: (_def, bytes, context) => {
        const sidecar = this.decodeSidecar(peer, method, bytes, context, ssz.fulu.DataColumnSidecar);
        const slot = sidecar.signedBlockHeader.message.slot;
        if (slot < req.startSlot || slot >= endSlot) {
          this.violation(peer, method, `column sidecar at slot ${slot} outside [${req.startSlot}, ${endSlot})`);
        }
        if (!columns.has(sidecar.index)) this.violation(peer, method, `column ${sidecar.index} was not requested`);
        if (
          previous !== null &&
          (slot < previous.slot || (slot === previous.slot && sidecar.index <= previous.index))
        ) {
          this.violation(peer, method, `column sidecar (${slot}, ${sidecar.index}) out of (slot, column) order`);
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
    this.checkArg(ids.length >= 1 && ids.length <= type.limit, method, `1..${type.limit} identifiers`);
    const wanted = new Set<string>();
    for (const id of ids) for (const c of id.columns) wanted.add(`${toRootHex(id.blockRoot)}/${c}`);
    const maxChunks = Math.min(wanted.size, this.types.maxRequestDataColumnSidecars());
    this.checkArg(maxChunks >= 1, method, "at least one column");
    return this.request<DataColumnSidecar>(peer, {
      method,
      request: () => type.serialize(ids),
      maxChunks,
      bounds: (_def, context) => this.sidecarBounds(peer, method, context, ForkSeq.fulu, ssz.fulu.DataColumnSidecar),
      decode: (_def, bytes, context) => {
        const sidecar = this.decodeSidecar(peer, method, bytes, context, ssz.fulu.DataColumnSidecar);
        const root = toRootHex(ssz.phase0.BeaconBlockHeader.hashTreeRoot(sidecar.signedBlockHeader.message));
        if (!wanted.delete(`${root}/${sidecar.index}`)) {
          this.violation(peer, method, `column sidecar ${root}/${sidecar.index} was not requested (or sent twice)`);
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
    this.checkArg(blockRoot.length === 32, method, "blockRoot must be 32 bytes");
    const [bootstrap] = await this.request<LightClientData>(peer, {
      method,
      request: () => ssz.phase0.Root.serialize(blockRoot),
      maxChunks: 1,
      bounds: (_def, context) => this.lightClientBounds(peer, method, context, "LightClientBootstrap"),
      decode: (_def, bytes, context) => {
        const value = this.decodeLightClient(peer, method, bytes, context, "LightClientBootstrap");
        const root = ssz.phase0.BeaconBlockHeader.hashTreeRoot(value.data.header.beacon);
        if (!equalBytes(root, blockRoot)) {
          this.violation(peer, method, `bootstrap of block ${hex(root)}, requested ${hex(blockRoot)}`);
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
    this.checkArg(Number.isSafeInteger(req.startPeriod) && req.startPeriod >= 0, method, "startPeriod ≥ 0");
    this.checkArg(Number.isSafeInteger(req.count) && req.count >= 1 && req.count <= max, method, `count 1..${max}`);
    const end = req.startPeriod + req.count;
    let previous = -1;
    return this.request<LightClientData>(peer, {
      method,
      request: () => LightClientUpdatesByRangeRequest.serialize(req),
      maxChunks: req.count,
      bounds: (_def, context) => this.lightClientBounds(peer, method, context, "LightClientUpdate"),
      decode: (_def, bytes, context) => {
        const value = this.decodeLightClient(peer, method, bytes, context, "LightClientUpdate");
        const period = computeSyncCommitteePeriodAtSlot(value.data.attestedHeader.beacon.slot);
        if (period < req.startPeriod || period >= end) {
          this.violation(peer, method, `update of period ${period} outside [${req.startPeriod}, ${end})`);
        }
        if (period <= previous) this.violation(peer, method, `update of period ${period} after period ${previous}`);
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
    const [update] = await this.request<LightClientData>(peer, {
      method,
      request: () => null,
      maxChunks: 1,
      bounds: (_def, context) => this.lightClientBounds(peer, method, context, kind),
      decode: (_def, bytes, context) => this.decodeLightClient(peer, method, bytes, context, kind),
    });
    if (update === undefined) throw new ReqRespError("EMPTY_RESPONSE", `no ${kind}`, {peer, method});
    return update;
  }

  /** SSZ bounds of a light-client chunk: the form of the context's fork (none before altair). */
  private lightClientBounds(
    peer: PeerIdStr,
    method: ReqRespMethod,
    context: Uint8Array | null,
    kind: LightClientKind,
  ): SszSizeBounds {
    const fork = this.forkOfContext(peer, method, context);
    const form = lightClientFormOf(fork);
    if (form === null) {
      throw new ReqRespError("WRONG_CONTEXT_BYTES", `${kind} with the context of ${fork}`, {peer, method});
    }
    return boundsOf(lightClientType(form, kind));
  }

  /** Decodes a light-client chunk; its context bytes must be the fork digest of its header's (attested) epoch. */
  private decodeLightClient(
    peer: PeerIdStr,
    method: ReqRespMethod,
    bytes: Uint8Array,
    context: Uint8Array | null,
    kind: LightClientKind,
  ): LightClientData {
    const fork = this.forkOfContext(peer, method, context);
    let decoded: ReturnType<typeof decodeLightClientChunk>;
    try {
      decoded = decodeLightClientChunk(kind, fork, bytes);
    } catch (e) {
      throw new ReqRespError("INVALID_RESPONSE", `undecodable ${kind}: ${(e as Error).message}`, {
        peer,
        method,
        cause: e,
      });
    }
    const expected = this.config.computeForkDigest(decoded.contextEpoch);
    if (context === null || !equalBytes(context, expected)) {
      throw new ReqRespError(
        "WRONG_CONTEXT_BYTES",
        `${kind} of epoch ${decoded.contextEpoch} came with context ${context === null ? "none" : hex(context)}, its fork digest is ${hex(expected)}`,
        {peer, method},
      );
    }
    return decoded.value;
  }

  private checkArg(ok: boolean, method: ReqRespMethod, what: string): void {
    if (!ok) throw new ReqRespError("INVALID_REQUEST_ARGUMENT", `${method}: ${what}`, {method});
  }

  /** A response that breaks the method's rules. */
  private violation(peer: PeerIdStr, method: ReqRespMethod, what: string): never {
    throw new ReqRespError("INVALID_RESPONSE_CONTENT", what, {peer, method});
  }

  /** The fork named by a chunk's context bytes; WRONG_CONTEXT_BYTES for a digest of no fork of ours. */
  private forkOfContext(peer: PeerIdStr, method: ReqRespMethod, context: Uint8Array | null): ForkName {
    const fork = context === null ? undefined : this.forkByDigest.get(hex(context));
    if (fork === undefined) {
      throw new ReqRespError(
        "WRONG_CONTEXT_BYTES",
        `context bytes ${context === null ? "missing" : hex(context)} name no fork of this chain`,
        {
          peer,
          method,
        },
      );
    }
    return fork;
  }

  /** The context bytes a chunk of `slot` must carry: the fork digest of the slot's epoch. */
  private contextBytesAt(slot: number): Uint8Array {
    return this.config.computeForkDigest(computeEpochAtSlot(slot));
  }

  private decodeBlock(
    peer: PeerIdStr,
    method: ReqRespMethod,
    bytes: Uint8Array,
    context: Uint8Array | null,
  ): Decoded<SignedBeaconBlockAllForks> {
    const fork = this.forkOfContext(peer, method, context);
    let block: SignedBeaconBlockAllForks;
    try {
      block = (
        ssz[fork].SignedBeaconBlock as unknown as {deserialize(b: Uint8Array): SignedBeaconBlockAllForks}
      ).deserialize(bytes);
    } catch (e) {
      throw new ReqRespError("INVALID_RESPONSE", `undecodable ${fork} SignedBeaconBlock: ${(e as Error).message}`, {
        peer,
        method,
        cause: e,
      });
    }
    const expected = this.contextBytesAt(block.message.slot);
    if (context === null || !equalBytes(context, expected)) {
      throw new ReqRespError(
        "WRONG_CONTEXT_BYTES",
        `block at slot ${block.message.slot} came with context ${context === null ? "none" : hex(context)}, its fork digest is ${hex(expected)}`,
        {peer, method},
      );
    }
    return {value: block, bytes: Uint8Array.from(bytes)};
  }

  private sidecarBounds(
    peer: PeerIdStr,
    method: ReqRespMethod,
    context: Uint8Array | null,
    minFork: number,
    type: {minSize: number; maxSize: number},
  ): SszSizeBounds {
    const fork = this.forkOfContext(peer, method, context);
    if (ForkSeq[fork] < minFork) {
      throw new ReqRespError("WRONG_CONTEXT_BYTES", `${method} chunk with the context of ${fork}`, {peer, method});
    }
    return boundsOf(type);
  }

  private decodeSidecar<T extends {signedBlockHeader: {message: {slot: number}}}>(
    peer: PeerIdStr,
    method: ReqRespMethod,
    bytes: Uint8Array,
    context: Uint8Array | null,
    type: {deserialize(b: Uint8Array): T},
  ): T {
    let sidecar: T;
    try {
      sidecar = type.deserialize(bytes);
    } catch (e) {
      throw new ReqRespError("INVALID_RESPONSE", `undecodable sidecar: ${(e as Error).message}`, {
        peer,
        method,
        cause: e,
      });
    }
    const slot = sidecar.signedBlockHeader.message.slot;
    const expected = this.contextBytesAt(slot);
    if (context === null || !equalBytes(context, expected)) {
      throw new ReqRespError(
        "WRONG_CONTEXT_BYTES",
        `sidecar at slot ${slot} came with context ${context === null ? "none" : hex(context)}, its fork digest is ${hex(expected)}`,
        {peer, method},
      );
    }
    return sidecar;
  }

  private blockRoot(block: SignedBeaconBlockAllForks): Uint8Array {
    const type = ssz[this.config.getForkName(block.message.slot)].BeaconBlock as unknown as {
      hashTreeRoot(v: unknown): Uint8Array;
    };
    return type.hashTreeRoot(block.message);
  }

  /**
   * One request: opens a stream offering the method's protocol versions, writes the request and closes the
   * write side, then reads success chunks (TTFB_TIMEOUT for the first byte, RESP_TIMEOUT per chunk) until the
   * peer closes or `maxChunks` were read. An error chunk ends it with ERROR_RESPONSE. Bad responses are
   * reported (lowTolerance), timeouts too (midTolerance).
   */
  private async request<T>(peer: PeerIdStr, spec: RequestSpec<T>): Promise<T[]> {
    if (!this.started) throw new ReqRespError("NOT_STARTED", "req/resp is not running", {peer, method: spec.method});
    const key = `${peer}|${spec.method}`;
    const t0 = Date.now();
    await this.concurrency.acquire(key);
    let stream: Stream | null = null;
    let failed = false;
    let outcome = "ok";
    const items: T[] = [];
    try {
      try {
        stream = await this.libp2p.dialProtocol(peerIdFromString(peer), offeredProtocols(spec.method, this.config), {
          signal: AbortSignal.timeout(this.timeouts.dialTimeoutMs),
        });
      } catch (e) {
        throw new ReqRespError("DIAL_FAILED", (e as Error).message, {peer, method: spec.method, cause: e});
      }
      const s = stream;
      const def = protocolById(s.protocol);
      if (def === undefined) {
        throw new ReqRespError("DIAL_FAILED", `negotiated unknown protocol ${s.protocol}`, {peer, method: spec.method});
      }
      try {
        const request = spec.request(def);
        if (request !== null) {
          await withDeadline(s, this.timeouts.respTimeoutMs, "RESP_TIMEOUT", "writing the request", () =>
            sendAll(s, encodeSszSnappy(request), this.timeouts.respTimeoutMs),
          );
        }
        await withDeadline(s, this.timeouts.respTimeoutMs, "RESP_TIMEOUT", "closing the write side", () => s.close());
      } catch (e) {
        if (e instanceof ReqRespError) throw e;
        throw new ReqRespError("STREAM_ERROR", `writing the request: ${(e as Error).message}`, {
          peer,
          method: spec.method,
          cause: e,
        });
      }

      const reader = new ByteReader(s);
      try {
        const hasData = await withDeadline(s, this.timeouts.ttfbTimeoutMs, "TTFB_TIMEOUT", "first response byte", () =>
          reader.waitForData(),
        );
        while (hasData && items.length < spec.maxChunks) {
          const chunk = await withDeadline(s, this.timeouts.respTimeoutMs, "RESP_TIMEOUT", "response chunk", () =>
            readResponseChunk(reader, {
              contextBytes: def.contextBytes,
              boundsFor: (context) => spec.bounds(def, context),
              maxPayloadSize: this.config.chain.MAX_PAYLOAD_SIZE,
            }),
          );
          if (chunk === null) break;
          if ("errorMessage" in chunk) {
            throw new ReqRespError("ERROR_RESPONSE", `code ${chunk.result}: ${chunk.errorMessage}`, {
              peer,
              method: spec.method,
              status: chunk.result,
            });
          }
          items.push(this.decodeChunk(peer, spec, def, chunk.ssz, chunk.contextBytes));
        }
      } catch (e) {
        if (e instanceof ReqRespError) throw e;
        if (isEncodingError(e)) {
          throw new ReqRespError("INVALID_RESPONSE", e.message, {peer, method: spec.method, cause: e});
        }
        throw new ReqRespError("STREAM_ERROR", `reading the response: ${(e as Error).message}`, {
          peer,
          method: spec.method,
          cause: e,
        });
      } finally {
        await reader.release();
      }
      this.logger.debug("Req/resp request", {method: spec.method, peer, count: items.length, ms: Date.now() - t0});
      return items;
    } catch (e) {
      failed = true;
      outcome = e instanceof ReqRespError ? e.code : "error";
      this.onRequestError(peer, spec.method, e as Error, Date.now() - t0);
      throw e;
    } finally {
      if (stream !== null) finishStream(stream, failed);
      this.concurrency.release(key);
      this.metricsHook?.outgoingRequest(spec.method, outcome, (Date.now() - t0) / 1000);
    }
  }

  /** spec.decode, with any SSZ decoding failure turned into INVALID_RESPONSE. */
  private decodeChunk<T>(
    peer: PeerIdStr,
    spec: RequestSpec<T>,
    def: ProtocolDef,
    bytes: Uint8Array,
    context: Uint8Array | null,
  ): T {
    try {
      return spec.decode(def, bytes, context);
    } catch (e) {
      if (e instanceof ReqRespError) throw e;
      throw new ReqRespError("INVALID_RESPONSE", `undecodable ${def.method} chunk: ${(e as Error).message}`, {
        peer,
        method: spec.method,
        cause: e,
      });
    }
  }

  private onRequestError(peer: PeerIdStr, method: ReqRespMethod, e: Error, ms: number): void {
    const code = e instanceof ReqRespError ? e.code : undefined;
    switch (code) {
      case "INVALID_RESPONSE":
      case "WRONG_CONTEXT_BYTES":
      case "INVALID_RESPONSE_CONTENT":
        this.logger.warn("Req/resp protocol violation by peer", {method, peer, error: e.message});
        this.reporter.reportPeer(peer, "lowTolerance", `${method}: ${code}`);
        break;
      case "TTFB_TIMEOUT":
      case "RESP_TIMEOUT":
        this.logger.debug("Req/resp request timed out", {method, peer, error: e.message, ms});
        this.reporter.reportPeer(peer, "midTolerance", `${method}: ${code}`);
        break;
      default:
        this.logger.debug("Req/resp request failed", {method, peer, error: e.message, ms});
    }
  }

  // ---------------------------------------------------------------- serving

  private async onIncomingStream(def: ProtocolDef, stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString();
    const t0 = Date.now();
    const reader = new ByteReader(stream);
    let sent = 0;
    let outcome = "error";
    const write = async (bytes: Uint8Array): Promise<void> => {
      await sendAll(stream, bytes, this.timeouts.respTimeoutMs);
    };
    try {
      let request: Decoded<unknown> = {value: null, bytes: new Uint8Array(0)};
      if (def.hasRequest) {
        try {
          request = await withDeadline(
            stream,
            this.timeouts.requestTimeoutMs,
            "TTFB_TIMEOUT",
            "reading the request",
            () => this.readRequest(def, reader),
          );
        } catch (e) {
          if (!isEncodingError(e) && !(e instanceof ResponseError)) {
            // timeout, or the requester reset the stream: nothing to answer
            this.logger.debug("Req/resp request not received", {method: def.method, peer, error: (e as Error).message});
            return;
          }
          const message = (e as Error).message;
          if ((e as {code?: string}).code === "UNEXPECTED_EOF" && connection.status !== "open") {
            // the connection is going away (a Goodbye race, a disconnect): not the peer's fault
            this.logger.debug("Req/resp request cut by a closing connection", {method: def.method, peer});
            return;
          }
          this.logger.warn("Req/resp invalid request", {method: def.method, peer, error: message});
          this.reporter.reportPeer(peer, "lowTolerance", `${def.method}: invalid request`);
          await write(encodeErrorChunk(RespCode.INVALID_REQUEST, message));
          return;
        }
      }
      const cost = this.requestCost(def, request.value);
      if (!this.rateLimiter.allow(peer, def.method, cost)) {
        this.logger.debug("Req/resp rate limited", {method: def.method, peer, cost});
        this.reporter.reportPeer(peer, "highTolerance", "rate limit");
        await write(encodeErrorChunk(RATE_LIMITED_RESP_CODE, "rate limited"));
        return;
      }
      try {
        for await (const chunk of this.respond(def, peer, request)) {
          await write(chunk);
          sent++;
        }
        outcome = "ok";
      } catch (e) {
        if (e instanceof ResponseError) {
          await write(encodeErrorChunk(e.respCode, e.message));
        } else {
          this.logger.warn("Req/resp server error", {method: def.method, peer, error: (e as Error).message});
          await write(encodeErrorChunk(RespCode.SERVER_ERROR, "internal error"));
        }
      }
      this.logger.debug("Req/resp served", {method: def.method, peer, count: sent, ms: Date.now() - t0});
    } catch (e) {
      this.logger.debug("Req/resp response not delivered", {method: def.method, peer, error: (e as Error).message});
      if (stream.status === "open") stream.abort(e as Error);
    } finally {
      this.metricsHook?.incomingRequest(def.method, outcome, (Date.now() - t0) / 1000);
      await reader.release();
      if (stream.status === "open") {
        try {
          await stream.close({signal: AbortSignal.timeout(this.timeouts.respTimeoutMs)});
        } catch (e) {
          stream.abort(e as Error);
        }
      }
    }
  }

  /** The request of `def` from the stream (until EOF), decoded; throws for malformed input. */
  private async readRequest(def: ProtocolDef, reader: ByteReader): Promise<Decoded<unknown>> {
    const type = this.requestType(def);
    const bytes = await readRequest(reader, boundsOf(type), this.config.chain.MAX_PAYLOAD_SIZE);
    try {
      return {value: type.deserialize(bytes), bytes};
    } catch (e) {
      throw new ResponseError(RespCode.INVALID_REQUEST, `undecodable ${def.method} request: ${(e as Error).message}`);
    }
  }

  private requestType(def: ProtocolDef): {minSize: number; maxSize: number; deserialize(b: Uint8Array): unknown} {
    const epoch = this.server.currentEpoch;
    switch (def.method) {
      case "status":
        return statusType(def.version);
      case "goodbye":
        return ssz.phase0.Goodbye;
      case "ping":
        return ssz.phase0.Ping;
      case "beacon_blocks_by_range":
        return ssz.phase0.BeaconBlocksByRangeRequest;
      case "beacon_blocks_by_root":
        return this.types.BeaconBlockRoots(epoch);
      case "blob_sidecars_by_range":
        return ssz.deneb.BlobSidecarsByRangeRequest;
      case "blob_sidecars_by_root":
        return this.types.BlobIdentifiers(epoch);
      case "data_column_sidecars_by_range":
        return ssz.fulu.DataColumnSidecarsByRangeRequest;
      case "data_column_sidecars_by_root":
        return this.types.DataColumnsByRootIdentifiers;
      case "beacon_blocks_by_head":
        return BeaconBlocksByHeadRequest;
      case "light_client_bootstrap":
        return ssz.phase0.Root;
      case "light_client_updates_by_range":
        return LightClientUpdatesByRangeRequest;
      case "metadata":
      case "light_client_finality_update":
      case "light_client_optimistic_update":
        throw new Error(`${def.method} has no request content`);
    }
  }

  /** The rate-limit units a request costs: 1, or the blocks / sidecars it can make us send. */
  private requestCost(def: ProtocolDef, request: unknown): number {
    const epoch = this.server.currentEpoch;
    switch (def.method) {
      case "beacon_blocks_by_range": {
        const r = request as {count: number};
        return Math.max(1, Math.min(r.count, this.types.maxRequestBlocks(epoch)));
      }
      case "beacon_blocks_by_head": {
        const r = request as {count: number};
        return Math.max(1, Math.min(r.count, this.config.chain.MAX_REQUEST_BLOCKS_DENEB));
      }
      case "beacon_blocks_by_root":
      case "blob_sidecars_by_root":
        return Math.max(1, (request as unknown[]).length);
      case "blob_sidecars_by_range": {
        const r = request as {count: number};
        return Math.max(
          1,
          Math.min(r.count * this.types.maxBlobsPerBlockForRequests(epoch), this.types.maxRequestBlobSidecars(epoch)),
        );
      }
      case "data_column_sidecars_by_range": {
        const r = request as {count: number; columns: number[]};
        return Math.max(1, Math.min(r.count * r.columns.length, this.types.maxRequestDataColumnSidecars()));
      }
      case "light_client_updates_by_range": {
        const r = request as {count: number};
        return Math.max(1, Math.min(r.count, MAX_REQUEST_LIGHT_CLIENT_UPDATES));
      }
      case "data_column_sidecars_by_root": {
        let n = 0;
        for (const id of request as {columns: number[]}[]) n += id.columns.length;
        return Math.max(1, Math.min(n, this.types.maxRequestDataColumnSidecars()));
      }
      default:
        return 1;
    }
  }

  /** The encoded response chunks of a valid request (a ResponseError thrown here becomes the final error chunk). */
  private async *respond(def: ProtocolDef, peer: PeerIdStr, request: Decoded<unknown>): AsyncGenerator<Uint8Array> {
    switch (def.method) {
      case "status": {
        const theirs = deserializeStatus(request.bytes, def.version);
        this.callHandler("onStatus", () => this.handlers.onStatus(peer, theirs));
        yield encodeSuccessChunk(serializeStatus(this.handlers.getStatus(), def.version, this.earliestSlot));
        return;
      }
      case "goodbye":
        this.callHandler("onGoodbye", () => this.handlers.onGoodbye(peer, request.value as bigint));
        yield encodeSuccessChunk(ssz.phase0.Goodbye.serialize(0n));
        return;
      case "ping":
        this.callHandler("onPing", () => this.handlers.onPing(peer, request.value as bigint));
        yield encodeSuccessChunk(ssz.phase0.Ping.serialize(this.handlers.getMetadata().seqNumber));
        return;
      case "metadata":
        yield encodeSuccessChunk(serializeMetadata(this.handlers.getMetadata(), def.version));
        return;
      case "beacon_blocks_by_range": {
        const req = request.value as {startSlot: number; count: number; step: number};
        for (const b of await this.servedBlocksByRange(req))
          yield encodeSuccessChunk(b.bytes, this.contextBytesAt(b.slot));
        return;
      }
      case "beacon_blocks_by_head": {
        const req = request.value as {beaconRoot: Uint8Array; count: number};
        for (const b of await this.servedBlocksByHead(req))
          yield encodeSuccessChunk(b.bytes, this.contextBytesAt(b.slot));
        return;
      }
      case "beacon_blocks_by_root":
        for (const b of await this.server.blocksByRoot(request.value as Uint8Array[])) {
          yield encodeSuccessChunk(b.bytes, this.contextBytesAt(b.slot));
        }
        return;
      case "blob_sidecars_by_range": {
        const req = request.value as {startSlot: number; count: number};
        yield* this.encodeSidecars(await this.servedBlobSidecarsByRange(req), ssz.deneb.BlobSidecar);
        return;
      }
      case "blob_sidecars_by_root": {
        const ids = request.value as {blockRoot: Uint8Array; index: number}[];
        yield* this.encodeSidecars(await this.server.blobSidecarsByRoot(ids), ssz.deneb.BlobSidecar);
        return;
      }
      case "data_column_sidecars_by_range": {
        const req = request.value as {startSlot: number; count: number; columns: number[]};
        yield* this.encodeSidecars(await this.servedDataColumnsByRange(req), ssz.fulu.DataColumnSidecar);
        return;
      }
      case "data_column_sidecars_by_root": {
        const ids = request.value as {blockRoot: Uint8Array; columns: number[]}[];
        const sidecars = await this.server.dataColumnSidecarsByRoot(ids, this.types.maxRequestDataColumnSidecars());
        yield* this.encodeSidecars(sidecars, ssz.fulu.DataColumnSidecar);
        return;
      }
      case "light_client_bootstrap":
        yield* this.encodeLightClient(
          await serveLightClientBootstrap(this.chain.lightClient, request.value as Uint8Array),
        );
        return;
      case "light_client_updates_by_range": {
        const req = request.value as {startPeriod: number; count: number};
        yield* this.encodeLightClient(await serveLightClientUpdatesByRange(this.chain.lightClient, req));
        return;
      }
      case "light_client_finality_update":
        yield* this.encodeLightClient(
          serveLatestLightClientUpdate(this.chain.lightClient, "LightClientFinalityUpdate"),
        );
        return;
      case "light_client_optimistic_update":
        yield* this.encodeLightClient(
          serveLatestLightClientUpdate(this.chain.lightClient, "LightClientOptimisticUpdate"),
        );
        return;
    }
  }

  /** Light-client chunks with the fork digest of their (attested) header's epoch as context bytes. */
  private *encodeLightClient(chunks: LightClientChunk[]): Generator<Uint8Array> {
    for (const c of chunks) yield encodeSuccessChunk(c.ssz, this.contextBytesAt(c.contextSlot));
  }

  private callHandler(name: string, run: () => void): void {
    try {
      run();
    } catch (e) {
      this.logger.warn("Req/resp handler failed", {handler: name, error: (e as Error).message});
    }
  }

  private *encodeSidecars<T extends {signedBlockHeader: {message: {slot: number}}}>(
    sidecars: T[],
    type: {serialize(v: T): Uint8Array},
  ): Generator<Uint8Array> {
    for (const s of sidecars) {
      yield encodeSuccessChunk(type.serialize(s), this.contextBytesAt(s.signedBlockHeader.message.slot));
    }
  }

  /** ResourceUnavailable for a range that starts before the earliest block we have (checkpoint sync, no backfill). */
  private checkAvailable(startSlot: number): void {
    if (startSlot < this.earliestSlot) {
      throw new ResponseError(
        RespCode.RESOURCE_UNAVAILABLE,
        `blocks before slot ${this.earliestSlot} are not available (requested from ${startSlot})`,
      );
    }
  }

  private async servedBlocksByRange(req: {startSlot: number; count: number; step: number}): Promise<ServedBlock[]> {
    if (!Number.isSafeInteger(req.startSlot)) return []; // beyond any chain
    if (req.count < 1) throw new ResponseError(RespCode.INVALID_REQUEST, "count must be at least 1");
    if (req.step < 1) throw new ResponseError(RespCode.INVALID_REQUEST, "step must be 1");
    this.checkAvailable(req.startSlot);
    // step is deprecated: for step > 1 the spec allows answering with the first block only
    const count = req.step > 1 ? 1 : Math.min(req.count, this.types.maxRequestBlocks(this.server.currentEpoch));
    return this.server.blocksByRange(req.startSlot, count);
  }

  /**
   * The walk stops at min(count, MAX_REQUEST_BLOCKS_DENEB) blocks or before the first slot of
   * [current_epoch - compute_min_epochs_for_block_requests(), current_epoch].
   */
  private async servedBlocksByHead(req: {beaconRoot: Uint8Array; count: number}): Promise<ServedBlock[]> {
    if (req.count < 1) throw new ResponseError(RespCode.INVALID_REQUEST, "count must be at least 1");
    const c = this.config.chain;
    const minEpochs = c.MIN_VALIDATOR_WITHDRAWABILITY_DELAY + Math.floor(c.CHURN_LIMIT_QUOTIENT / 2);
    const minSlot = Math.max(0, this.server.currentEpoch - minEpochs) * SLOTS_PER_EPOCH;
    return this.server.blocksByHead(req.beaconRoot, Math.min(req.count, c.MAX_REQUEST_BLOCKS_DENEB), minSlot);
  }

  private async servedBlobSidecarsByRange(req: {startSlot: number; count: number}): Promise<BlobSidecar[]> {
    if (!Number.isSafeInteger(req.startSlot)) return []; // beyond any chain
    if (req.count < 1) throw new ResponseError(RespCode.INVALID_REQUEST, "count must be at least 1");
    this.checkAvailable(req.startSlot);
    const epoch = this.server.currentEpoch;
    const count = Math.min(req.count, this.config.chain.MAX_REQUEST_BLOCKS_DENEB);
    return this.server.blobSidecarsByRange(req.startSlot, count, this.types.maxRequestBlobSidecars(epoch));
  }

  private async servedDataColumnsByRange(req: {
    startSlot: number;
    count: number;
    columns: number[];
  }): Promise<DataColumnSidecar[]> {
    if (!Number.isSafeInteger(req.startSlot)) return []; // beyond any chain
    if (req.count < 1) throw new ResponseError(RespCode.INVALID_REQUEST, "count must be at least 1");
    if (req.columns.some((c) => c >= ssz.fulu.DataColumnIndices.limit)) {
      throw new ResponseError(RespCode.INVALID_REQUEST, "column index out of range");
    }
    this.checkAvailable(req.startSlot);
    const count = Math.min(req.count, this.config.chain.MAX_REQUEST_BLOCKS_DENEB);
    return this.server.dataColumnSidecarsByRange(
      req.startSlot,
      count,
      req.columns,
      this.types.maxRequestDataColumnSidecars(),
    );
  }
}
