/**
 * The req/resp protocol table as types: what each method's request and response chunks are (phase0…fulu
 * p2p-interface.md "The Req/Resp domain" and altair light-client p2p-interface.md at consensus-specs a08d8a6:
 * https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/p2p-interface.md#the-reqresp-domain),
 * keyed by the spec's MessageName, and the shape of the one handler each method has (handlers/index.ts gathers
 * them in a `HandlerTable`, so a method without a handler does not compile).
 */
import type {BeaconConfig} from "@ceibo/config";
import type {Logger} from "../../chain/index.ts";
import type {BlobSidecar, DataColumnSidecar} from "../../db/index.ts";
import type {MetadataMessage, PeerIdStr, StatusMessage} from "../types.ts";
import type {LightClientChunk, LightClientSource} from "./lightClient.ts";
import type {ProtocolDef, ReqRespMethod, RequestTypes} from "./protocols.ts";
import type {ChainServer, ServedBlock} from "./serve.ts";

/** The request content of each method as the server decodes it (null: the method sends no request content). */
export interface RequestBodyByMethod {
  status: StatusMessage;
  goodbye: bigint;
  ping: bigint;
  metadata: null;
  beacon_blocks_by_range: {startSlot: number; count: number; step: number};
  beacon_blocks_by_root: Uint8Array[];
  blob_sidecars_by_range: {startSlot: number; count: number};
  blob_sidecars_by_root: {blockRoot: Uint8Array; index: number}[];
  data_column_sidecars_by_range: {startSlot: number; count: number; columns: number[]};
  data_column_sidecars_by_root: {blockRoot: Uint8Array; columns: number[]}[];
  beacon_blocks_by_head: {beaconRoot: Uint8Array; count: number};
  light_client_bootstrap: Uint8Array;
  light_client_updates_by_range: {startPeriod: number; count: number};
  light_client_finality_update: null;
  light_client_optimistic_update: null;
}

/** One success response chunk of each method, as the server produces it. */
export interface ResponseBodyByMethod {
  status: StatusMessage;
  goodbye: bigint;
  ping: bigint;
  metadata: MetadataMessage;
  beacon_blocks_by_range: ServedBlock;
  beacon_blocks_by_root: ServedBlock;
  blob_sidecars_by_range: BlobSidecar;
  blob_sidecars_by_root: BlobSidecar;
  data_column_sidecars_by_range: DataColumnSidecar;
  data_column_sidecars_by_root: DataColumnSidecar;
  beacon_blocks_by_head: ServedBlock;
  light_client_bootstrap: LightClientChunk;
  light_client_updates_by_range: LightClientChunk;
  light_client_finality_update: LightClientChunk;
  light_client_optimistic_update: LightClientChunk;
}

/** A req/resp method: a key of the protocol table. */
export type Method = keyof RequestBodyByMethod;

/** The table's methods, its request and response sides and `ReqRespMethod` (protocols.ts) name the same set. */
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const methodsAgree: SameKeys<Method, keyof ResponseBodyByMethod> & SameKeys<Method, ReqRespMethod> = true;

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

/** What a handler serves from. */
export interface HandlerContext {
  readonly config: BeaconConfig;
  readonly types: RequestTypes;
  readonly server: ChainServer;
  readonly lightClient: LightClientSource;
  /** The peer manager's callbacks (Status, Goodbye, Ping, MetaData). */
  readonly peerHandlers: ReqRespHandlers;
  /** The slot of the earliest block we can serve (Status v2, ResourceUnavailable below it). */
  readonly earliestAvailableSlot: number;
  readonly logger: Logger;
}

/** The SSZ request type of a method at a protocol version: its size bounds and its decoder. */
export interface RequestCodec<T> {
  minSize: number;
  maxSize: number;
  deserialize(bytes: Uint8Array): T;
}

/** One encoded success chunk: SSZ bytes, and for protocols with context bytes the slot whose fork digest it is. */
export interface EncodedChunk {
  ssz: Uint8Array;
  contextSlot?: number;
}

/** The server side of one method. */
export interface Handler<M extends Method> {
  /** The request's SSZ type for the negotiated protocol (null: the method has no request content). */
  requestType: ((def: ProtocolDef, ctx: HandlerContext) => RequestCodec<RequestBodyByMethod[M]>) | null;
  /** The rate-limit units a request costs (default 1): the blocks / sidecars it can make us send. */
  cost?: (request: RequestBodyByMethod[M], ctx: HandlerContext) => number;
  /** The response chunks of a valid request; a ResponseError thrown here becomes the error chunk. */
  handle: (
    request: RequestBodyByMethod[M],
    peer: PeerIdStr,
    ctx: HandlerContext,
    def: ProtocolDef,
  ) => Promise<ResponseBodyByMethod[M][]>;
  /** One response chunk's SSZ bytes (and context slot) for the negotiated protocol. */
  encode: (value: ResponseBodyByMethod[M], def: ProtocolDef, ctx: HandlerContext) => EncodedChunk;
}

/** One handler per method of the protocol table: a method added to the table without a handler is a type error. */
export type HandlerTable = {[M in Method]: Handler<M>};
