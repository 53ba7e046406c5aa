/**
 * The consensus side of the Engine API: the `ExecutionEngine` protocol of the consensus specs (bellatrix
 * beacon-chain.md "Engine APIs": notify_new_payload / verify_and_notify_new_payload; bellatrix fork-choice.md
 * notify_forkchoice_updated; bellatrix..fulu validator.md get_payload) over the authenticated JSON-RPC port, with
 * the method version picked by fork (see methods.ts).
 */
import {type ForkName, ForkSeq} from "@ceibo/params";
import type {EngineMetricsHook} from "../metrics/hooks.ts";
import {
  asArray,
  asObject,
  parseBlobAndProofV1,
  parseBlobAndProofV2,
  parseBlobsBundle,
  parseExecutionPayload,
  parseExecutionRequests,
  parsePayloadStatus,
  payloadVersionOfFork,
  requiredField,
  serializeExecutionPayload,
  serializeExecutionRequests,
  serializeForkchoiceState,
  serializePayloadAttributes,
} from "./convert.ts";
import {EngineEncodingError, ExecutionEngineError} from "./errors.ts";
import {bytesToData, dataToBytes, quantityToBigint} from "./hex.ts";
import {JsonRpcHttpClient, type JsonRpcHttpClientOpts} from "./jsonRpcClient.ts";
import {CL_ENGINE_CAPABILITIES, defaultTimeoutMs, engineMethodsForFork} from "./methods.ts";
import type {
  BlobAndCellProofs,
  BlobAndProof,
  ExecutionPayload,
  ExecutionRequests,
  ForkchoiceState,
  ForkchoiceUpdateResult,
  GetPayloadResult,
  PayloadAttributes,
  PayloadStatus,
} from "./types.ts";

/** NewPayloadRequest (deneb/electra beacon-chain.md) minus the payload: what newPayloadV3/V4 add. */
export interface NewPayloadExtras {
  /** deneb+: kzg_commitment_to_versioned_hash of each blob_kzg_commitment, in block order. */
  versionedHashes?: Uint8Array[];
  /** deneb+. */
  parentBeaconBlockRoot?: Uint8Array;
  /** electra+. */
  executionRequests?: ExecutionRequests;
}

export type GetBlobsResult =
  | {version: 1; blobs: (BlobAndProof | null)[]}
  /** V2 is all-or-nothing: null when any blob is missing. */
  | {version: 2; blobs: BlobAndCellProofs[] | null};

/** What the beacon node needs from an execution engine; the HTTP client below and test doubles implement it. */
export interface ExecutionEngine {
  exchangeCapabilities(methods?: readonly string[]): Promise<string[]>;
  notifyNewPayload(fork: ForkName, payload: ExecutionPayload, extras?: NewPayloadExtras): Promise<PayloadStatus>;
  /**
   * Spec: `notify_forkchoice_updated` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/capella/fork-choice.md#notify_forkchoice_updated
   */
  notifyForkchoiceUpdated(
    fork: ForkName,
    state: ForkchoiceState,
    attributes?: PayloadAttributes,
  ): Promise<ForkchoiceUpdateResult>;
  getPayload(fork: ForkName, payloadId: string): Promise<GetPayloadResult>;
  getBlobs(fork: ForkName, versionedHashes: Uint8Array[]): Promise<GetBlobsResult>;
}

export interface ExecutionEngineHttpOpts extends JsonRpcHttpClientOpts {
  /** Per-method timeouts in ms (default: the spec's, 8 s / 1 s). */
  timeouts?: Partial<Record<string, number>>;
  /** Call durations and outcomes (`--metrics`). */
  metricsHook?: EngineMetricsHook | null;
}

export class ExecutionEngineHttp implements ExecutionEngine {
  private readonly rpc: JsonRpcHttpClient;
  private readonly timeouts: Partial<Record<string, number>>;
  /** Call durations (`--metrics`: opts.metricsHook). */
  readonly metricsHook: EngineMetricsHook | null;

  constructor(opts: ExecutionEngineHttpOpts) {
    this.rpc = new JsonRpcHttpClient(opts);
    this.timeouts = opts.timeouts ?? {};
    this.metricsHook = opts.metricsHook ?? null;
  }

  get url(): string {
    return this.rpc.url;
  }

  /** Calls a method and parses its result; encoding errors in the answer become INVALID_RESPONSE. */
  private async call<T>(
    method: string,
    params: unknown[],
    parse: (result: unknown) => T,
    signal?: AbortSignal,
  ): Promise<T> {
    const t0 = performance.now();
    let result: unknown;
    try {
      result = await this.rpc.request(method, params, this.timeouts[method] ?? defaultTimeoutMs(method), signal);
    } catch (e) {
      this.metricsHook?.(method, false, (performance.now() - t0) / 1000);
      throw e;
    }
    this.metricsHook?.(method, true, (performance.now() - t0) / 1000);
    try {
      return parse(result);
    } catch (e) {
      if (e instanceof EngineEncodingError) {
        throw new ExecutionEngineError("INVALID_RESPONSE", e.message, {method, cause: e});
      }
      throw e;
    }
  }

  private methods(fork: ForkName, what: string) {
    const m = engineMethodsForFork(fork);
    if (m === null) throw new ExecutionEngineError("UNSUPPORTED_FORK", `no ${what} before bellatrix (fork ${fork})`);
    return m;
  }

  /** engine_exchangeCapabilities (common.md): our method list → the engine's. */
  async exchangeCapabilities(methods: readonly string[] = CL_ENGINE_CAPABILITIES): Promise<string[]> {
    return this.call("engine_exchangeCapabilities", [methods], (r) =>
      asArray(r, "result").map((m, i) => {
        if (typeof m !== "string") throw new EngineEncodingError("INVALID_FIELD", `result[${i}]`, "expected a string");
        return m;
      }),
    );
  }

  /** notify_new_payload via engine_newPayloadV1..V4. */
  async notifyNewPayload(
    fork: ForkName,
    payload: ExecutionPayload,
    extras: NewPayloadExtras = {},
    signal?: AbortSignal,
  ): Promise<PayloadStatus> {
    const method = this.methods(fork, "newPayload").newPayload;
    const params: unknown[] = [serializeExecutionPayload(fork, payload)];
    if (ForkSeq[fork] >= ForkSeq.deneb) {
      if (extras.versionedHashes === undefined || extras.parentBeaconBlockRoot === undefined) {
        throw new ExecutionEngineError("INVALID_ARGUMENT", `${fork} needs versionedHashes and parentBeaconBlockRoot`, {
          method,
        });
      }
      params.push(extras.versionedHashes.map(bytesToData), bytesToData(extras.parentBeaconBlockRoot));
    }
    if (ForkSeq[fork] >= ForkSeq.electra) {
      if (extras.executionRequests === undefined) {
        throw new ExecutionEngineError("INVALID_ARGUMENT", `${fork} needs executionRequests`, {method});
      }
      params.push(serializeExecutionRequests(extras.executionRequests));
    }
    return this.call(method, params, (r) => parsePayloadStatus(r, "result"), signal);
  }

  /** notify_forkchoice_updated via engine_forkchoiceUpdatedV1..V3 (attributes of the fork's version). */
  async notifyForkchoiceUpdated(
    fork: ForkName,
    state: ForkchoiceState,
    attributes?: PayloadAttributes,
    signal?: AbortSignal,
  ): Promise<ForkchoiceUpdateResult> {
    const method = this.methods(fork, "forkchoiceUpdated").forkchoiceUpdated;
    let attrs: unknown = null;
    if (attributes !== undefined) {
      try {
        attrs = serializePayloadAttributes(fork, attributes);
      } catch (e) {
        throw new ExecutionEngineError("INVALID_ARGUMENT", (e as Error).message, {method});
      }
    }
    return this.call(
      method,
      [serializeForkchoiceState(state), attrs],
      (r) => {
        const o = asObject(r, "result");
        const payloadStatus = parsePayloadStatus(requiredField(o, "payloadStatus", "result"), "result.payloadStatus");
        const id = o.payloadId;
        const payloadId = id === null || id === undefined ? null : bytesToData(dataToBytes(id, "result.payloadId", 8));
        return {payloadStatus, payloadId};
      },
      signal,
    );
  }

  /** get_payload via engine_getPayloadV1..V5. */
  async getPayload(fork: ForkName, payloadId: string, signal?: AbortSignal): Promise<GetPayloadResult> {
    const method = this.methods(fork, "getPayload").getPayload;
    try {
      dataToBytes(payloadId, "payloadId", 8);
    } catch (e) {
      throw new ExecutionEngineError("INVALID_ARGUMENT", (e as Error).message, {method});
    }
    const version = payloadVersionOfFork(fork);
    const seq = ForkSeq[fork];
    return this.call(
      method,
      [payloadId],
      (r) => {
        if (seq === ForkSeq.bellatrix) {
          return {executionPayload: parseExecutionPayload(r, 1, "result"), blockValue: 0n};
        }
        const o = asObject(r, "result");
        const out: GetPayloadResult = {
          executionPayload: parseExecutionPayload(
            requiredField(o, "executionPayload", "result"),
            version,
            "result.executionPayload",
          ),
          blockValue: quantityToBigint(requiredField(o, "blockValue", "result"), "result.blockValue", 256),
        };
        if (seq >= ForkSeq.deneb) {
          out.blobsBundle = parseBlobsBundle(
            requiredField(o, "blobsBundle", "result"),
            seq >= ForkSeq.fulu ? 2 : 1,
            "result.blobsBundle",
          );
          const override = o.shouldOverrideBuilder;
          if (override !== undefined && typeof override !== "boolean") {
            throw new EngineEncodingError("INVALID_FIELD", "result.shouldOverrideBuilder", "expected a boolean");
          }
          out.shouldOverrideBuilder = override ?? false;
        }
        if (seq >= ForkSeq.electra) {
          out.executionRequests = parseExecutionRequests(
            requiredField(o, "executionRequests", "result"),
            "result.executionRequests",
          );
        }
        return out;
      },
      signal,
    );
  }

  /** engine_getBlobsV1 (deneb, electra) or engine_getBlobsV2 (fulu): blobs from the engine's pool. */
  async getBlobs(fork: ForkName, versionedHashes: Uint8Array[], signal?: AbortSignal): Promise<GetBlobsResult> {
    const method = this.methods(fork, "getBlobs").getBlobs;
    if (method === null) throw new ExecutionEngineError("UNSUPPORTED_FORK", `no getBlobs before deneb (fork ${fork})`);
    const params = [versionedHashes.map(bytesToData)];
    if (method === "engine_getBlobsV1") {
      return this.call(
        method,
        params,
        (r) => {
          const arr = asArray(r, "result");
          if (arr.length !== versionedHashes.length) {
            throw new EngineEncodingError("INVALID_LENGTH", "result", `expected ${versionedHashes.length} entries`);
          }
          return {
            version: 1 as const,
            blobs: arr.map((b, i) => (b === null ? null : parseBlobAndProofV1(b, `result[${i}]`))),
          };
        },
        signal,
      );
    }
    return this.call(
      method,
      params,
      (r) => {
        if (r === null) return {version: 2 as const, blobs: null};
        const arr = asArray(r, "result");
        if (arr.length !== versionedHashes.length) {
          throw new EngineEncodingError("INVALID_LENGTH", "result", `expected ${versionedHashes.length} entries`);
        }
        return {version: 2 as const, blobs: arr.map((b, i) => parseBlobAndProofV2(b, `result[${i}]`))};
      },
      signal,
    );
  }
}
