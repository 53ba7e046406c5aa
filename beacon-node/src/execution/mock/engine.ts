/**
 * A mock execution engine: the execution-layer side of the Engine API for every fork bellatrix..fulu (Paris..Osaka),
 * without executing transactions. It keeps its own block tree keyed by block hash, validates newPayload the way
 * the execution-apis specs order it (transactions, block hash, blob versioned hashes, parent, number, timestamp),
 * builds payloads on forkchoiceUpdated with attributes (honouring timestamp, prevRandao, feeRecipient, withdrawals,
 * parentBeaconBlockRoot) with correct block hashes, and optionally fills them with blob transactions whose blobs
 * carry real KZG commitments and proofs. Transport-free: `handle(method, params)`; server.ts serves it over HTTP.
 */

import {createHash} from "node:crypto";
import {type ForkName, ForkSeq} from "@ceibo/params";
import {isZeroBytes, toHexUnprefixed} from "@ceibo/utils";
import {
  computeHeaderHash,
  computeRequestsHash,
  EMPTY_OMMERS_HASH,
  EMPTY_TRIE_ROOT,
  type ExecutionBlockHeader,
  executionBlockHeaderFromPayload,
  isValidBlockHash,
} from "../blockHash.ts";
import {
  asArray,
  detectPayloadAttributesVersion,
  detectPayloadVersion,
  parseExecutionPayload,
  parseForkchoiceState,
  parsePayloadAttributes,
  serializeBlobAndProofV1,
  serializeBlobAndProofV2,
  serializeExecutionPayload,
  serializePayloadStatus,
  serializeWithdrawal,
} from "../convert.ts";
import {EngineEncodingError, EngineRpcErrorCode} from "../errors.ts";
import {bytesToData, dataToBytes, numToQuantity} from "../hex.ts";
import {keccak256} from "../trie.ts";
import type {ExecutionPayload, PayloadAttributes, PayloadStatus} from "../types.ts";
import {BlobPool, type PooledBlob} from "./blobPool.ts";
import {blobVersionedHashesOfTransactions, buildBlobTransaction} from "./blobTransaction.ts";
import {buildPayload, type MockBlock} from "./builder.ts";
import {type ExecutionForkName, forkAtTimestamp, forkTimesFromGenesis, type MockForkTimes} from "./forks.ts";

/** A JSON-RPC error the server returns as {code, message, data}. */
export class RpcError extends Error {
  readonly code: number;
  readonly data: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = "RpcError";
    this.code = code;
    this.data = data;
  }
}

export interface MockEngineOpts {
  /** Fork activation timestamps (default: every fork through fulu active from timestamp 0). */
  forkTimes?: MockForkTimes;
  /**
   * Use this hash for the genesis block instead of computing it (e.g. the consensus side's eth1 block hash);
   * the genesis header is then taken as given.
   */
  genesisBlockHash?: Uint8Array;
  /** Genesis block timestamp (default 0). Built payloads need later timestamps. */
  genesisTimestamp?: number;
  /**
   * Number of the mock's first block (default 0). A node that starts from a checkpoint seeds the mock with the
   * checkpoint's payload (its hash, number and timestamp) so the payloads after it validate.
   */
  genesisBlockNumber?: number;
  /** Gas limit of every block (default 30,000,000). */
  gasLimit?: number;
  /** Base fee of the genesis block in wei (default 1 gwei). */
  genesisBaseFeePerGas?: bigint;
  /** Chain id written into blob transactions and served by eth_chainId (default 1337). */
  chainId?: bigint;
  /** Blob transactions (one blob each) in every payload built at deneb+ (default 0). */
  blobsPerBlock?: number;
  /** Trusted setup for the KZG proofs (consensus-specs JSON or c-kzg text; default: c-kzg's bundled mainnet one). */
  trustedSetupFile?: string;
  /** Wall clock in seconds, for the getBlobsV1 "Osaka activated" rule (default Date.now). */
  nowSeconds?: () => number;
  /** Called for each handled method (for the CLI's log). */
  log?: (message: string, context?: Record<string, unknown>) => void;
  /**
   * Fault injection for tests: newPayload answers INVALID (latestValidHash: the parent's) for a payload with one
   * of these timestamps, as an execution client that found its transactions invalid would.
   */
  invalidTimestamps?: number[];
}

interface Build {
  fork: ExecutionForkName;
  payload: ExecutionPayload;
  blobs: PooledBlob[];
  blockValue: bigint;
}

const ZERO_HASH = new Uint8Array(32);
const MAX_BLOBS_REQUEST = 128;
const MAX_KEPT_BUILDS = 64;
const EXTRA_DATA = new TextEncoder().encode("ceibo mock engine");

/** Every method the mock serves (engine_exchangeCapabilities answers with these). */
export const MOCK_ENGINE_CAPABILITIES = [
  "engine_newPayloadV1",
  "engine_newPayloadV2",
  "engine_newPayloadV3",
  "engine_newPayloadV4",
  "engine_forkchoiceUpdatedV1",
  "engine_forkchoiceUpdatedV2",
  "engine_forkchoiceUpdatedV3",
  "engine_getPayloadV1",
  "engine_getPayloadV2",
  "engine_getPayloadV3",
  "engine_getPayloadV4",
  "engine_getPayloadV5",
  "engine_getBlobsV1",
  "engine_getBlobsV2",
] as const;

export class MockExecutionEngine {
  readonly forkTimes: MockForkTimes;
  readonly genesis: MockBlock;
  readonly chainId: bigint;
  readonly blobPool: BlobPool;
  private readonly blocks = new Map<string, MockBlock>();
  /** Hashes deemed INVALID, with the latestValidHash of the answer (payload validation is idempotent). */
  private readonly invalid = new Map<string, Uint8Array | null>();
  private readonly overrides = new Map<string, PayloadStatus["status"]>();
  private readonly invalidTimestamps: Set<number>;
  private readonly builds = new Map<string, Build>();
  private readonly blobsPerBlock: number;
  private readonly nowSeconds: () => number;
  private readonly log: (message: string, context?: Record<string, unknown>) => void;
  private txNonce = 0;
  head: MockBlock;
  safe: Uint8Array = ZERO_HASH;
  finalized: Uint8Array = ZERO_HASH;

  constructor(opts: MockEngineOpts = {}) {
    this.forkTimes = opts.forkTimes ?? forkTimesFromGenesis("fulu");
    this.chainId = opts.chainId ?? 1337n;
    this.blobsPerBlock = opts.blobsPerBlock ?? 0;
    if (!Number.isSafeInteger(this.blobsPerBlock) || this.blobsPerBlock < 0) {
      throw Error(`blobsPerBlock must be a non-negative integer, got ${opts.blobsPerBlock}`);
    }
    this.blobPool = new BlobPool(opts.trustedSetupFile);
    this.nowSeconds = opts.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
    this.log = opts.log ?? (() => {});
    this.invalidTimestamps = new Set(opts.invalidTimestamps ?? []);
    this.genesis = this.createGenesis(opts);
    this.blocks.set(toHexUnprefixed(this.genesis.hash), this.genesis);
    this.head = this.genesis;
  }

  private createGenesis(opts: MockEngineOpts): MockBlock {
    const timestamp = opts.genesisTimestamp ?? 0;
    const fork = forkAtTimestamp(this.forkTimes, timestamp);
    const seq = ForkSeq[fork];
    const header: ExecutionBlockHeader = {
      parentHash: ZERO_HASH,
      ommersHash: EMPTY_OMMERS_HASH,
      beneficiary: new Uint8Array(20),
      stateRoot: createHash("sha256").update("ceibo mock engine genesis state").digest(),
      transactionsRoot: EMPTY_TRIE_ROOT,
      receiptsRoot: EMPTY_TRIE_ROOT,
      logsBloom: new Uint8Array(256),
      difficulty: 0n,
      number: BigInt(opts.genesisBlockNumber ?? 0),
      gasLimit: BigInt(opts.gasLimit ?? 30_000_000),
      gasUsed: 0n,
      timestamp: BigInt(timestamp),
      extraData: new Uint8Array(0),
      mixHash: ZERO_HASH,
      nonce: new Uint8Array(8),
      baseFeePerGas: opts.genesisBaseFeePerGas ?? 1_000_000_000n,
    };
    if (seq >= ForkSeq.capella) header.withdrawalsRoot = EMPTY_TRIE_ROOT;
    if (seq >= ForkSeq.deneb) {
      header.blobGasUsed = 0n;
      header.excessBlobGas = 0n;
      header.parentBeaconBlockRoot = ZERO_HASH;
    }
    if (seq >= ForkSeq.electra) header.requestsHash = computeRequestsHash([]);
    const hash = opts.genesisBlockHash ?? computeHeaderHash(header);
    if (hash.length !== 32) throw Error("genesis block hash must be 32 bytes");
    return {hash, fork, header};
  }

  /** Prepares the blobs (and their proofs) the fork schedule needs; CPU-heavy, call before serving. */
  prepareBlobs(): void {
    if (this.blobsPerBlock === 0) return;
    const t = this.forkTimes;
    const blobProofs = t.deneb !== undefined && (t.fulu === undefined || t.deneb < t.fulu);
    const cellProofs = t.fulu !== undefined;
    this.blobPool.prepare(this.blobsPerBlock, {blobProofs, cellProofs});
  }

  /** Makes newPayload answer `status` for this block hash (to test optimistic sync / invalidation paths). */
  setPayloadStatusOverride(blockHash: Uint8Array, status: PayloadStatus["status"] | null): void {
    if (status === null) this.overrides.delete(toHexUnprefixed(blockHash));
    else this.overrides.set(toHexUnprefixed(blockHash), status);
  }

  getBlock(blockHash: Uint8Array): MockBlock | undefined {
    return this.blocks.get(toHexUnprefixed(blockHash));
  }

  /** Dispatches one JSON-RPC call; throws RpcError for JSON-RPC errors. */
  async handle(method: string, params: unknown): Promise<unknown> {
    if (!Array.isArray(params)) {
      if (params === undefined) params = [];
      else throw new RpcError(EngineRpcErrorCode.INVALID_PARAMS, "params must be an array");
    }
    const p = params as unknown[];
    try {
      switch (method) {
        case "engine_exchangeCapabilities":
          asArray(p[0], "params[0]");
          return [...MOCK_ENGINE_CAPABILITIES];
        case "engine_newPayloadV1":
        case "engine_newPayloadV2":
        case "engine_newPayloadV3":
        case "engine_newPayloadV4":
          return serializePayloadStatus(this.newPayload(Number(method.slice(-1)), p));
        case "engine_forkchoiceUpdatedV1":
        case "engine_forkchoiceUpdatedV2":
        case "engine_forkchoiceUpdatedV3":
          return this.forkchoiceUpdated(Number(method.slice(-1)), p);
        case "engine_getPayloadV1":
        case "engine_getPayloadV2":
        case "engine_getPayloadV3":
        case "engine_getPayloadV4":
        case "engine_getPayloadV5":
          return this.getPayload(Number(method.slice(-1)), p);
        case "engine_getBlobsV1":
          return this.getBlobsV1(p);
        case "engine_getBlobsV2":
          return this.getBlobsV2(p);
        case "eth_chainId":
          return numToQuantity(this.chainId);
        case "eth_blockNumber":
          return numToQuantity(this.head.header.number);
        case "eth_syncing":
          return false;
        case "eth_getBlockByHash": {
          const block = this.blocks.get(toHexUnprefixed(dataToBytes(p[0], "params[0]", 32)));
          return block === undefined ? null : this.blockJson(block);
        }
        case "eth_getBlockByNumber":
          return this.getBlockByNumber(p[0]);
        case "mock_addInvalidPayloadTimestamps":
          // fault injection at runtime (same JWT-authenticated port): the `invalidTimestamps` option, added to
          for (const [i, t] of asArray(p[0], "params[0]").entries()) {
            if (!Number.isSafeInteger(t) || (t as number) < 0) {
              throw new RpcError(EngineRpcErrorCode.INVALID_PARAMS, `params[0][${i}] must be a timestamp in seconds`);
            }
            this.invalidTimestamps.add(t as number);
          }
          return [...this.invalidTimestamps];
        default:
          throw new RpcError(
            EngineRpcErrorCode.METHOD_NOT_FOUND,
            `the method ${method} does not exist/is not available`,
          );
      }
    } catch (e) {
      if (e instanceof EngineEncodingError) throw new RpcError(EngineRpcErrorCode.INVALID_PARAMS, e.message);
      throw e;
    }
  }

  // ---- engine_newPayload ----

  /** paris/shanghai/cancun/prague.md engine_newPayloadV1..V4. */
  newPayload(version: number, params: unknown[]): PayloadStatus {
    const expectedParams = version >= 4 ? 4 : version === 3 ? 3 : 1;
    if (params.length !== expectedParams) {
      throw new RpcError(
        EngineRpcErrorCode.INVALID_PARAMS,
        `engine_newPayloadV${version} takes ${expectedParams} params`,
      );
    }
    const shape = detectPayloadVersion(params[0]);
    const payload = parseExecutionPayload(params[0], shape, "params[0]");
    const fork = forkAtTimestamp(this.forkTimes, payload.timestamp);
    this.checkPayloadVersion(`engine_newPayloadV${version}`, version, shape, fork);

    let versionedHashes: Uint8Array[] | undefined;
    let parentBeaconBlockRoot: Uint8Array | undefined;
    let requestsList: Uint8Array[] | undefined;
    if (version >= 3) {
      versionedHashes = asArray(params[1], "params[1]").map((h, i) => dataToBytes(h, `params[1][${i}]`, 32));
      parentBeaconBlockRoot = dataToBytes(params[2], "params[2]", 32);
    }
    if (version >= 4) requestsList = this.parseRequestsParam(params[3]);

    const hash = payload.blockHash;
    const override = this.overrides.get(toHexUnprefixed(hash));
    if (override !== undefined) return statusOf(override, hash);

    // 1. every transaction non-empty
    // (Verdicts before the block hash check are not remembered: the hash is not yet known to be the payload's.)
    if (payload.transactions.some((tx) => tx.length === 0)) {
      return {status: "INVALID", latestValidHash: null, validationError: "transaction of zero length"};
    }
    // 2. block hash (with the parent beacon block root and the requests commitment from cancun / prague on)
    const ctx = {parentBeaconBlockRoot, executionRequestsList: requestsList};
    if (!isValidBlockHash(fork, payload, ctx)) {
      const validationError = `blockHash ${bytesToData(hash)} is not the hash of the payload's header`;
      if (version === 1) return {status: "INVALID_BLOCK_HASH", latestValidHash: null, validationError};
      return {status: "INVALID", latestValidHash: null, validationError};
    }
    // 3. blob versioned hashes (cancun.md, run in all cases)
    if (versionedHashes !== undefined) {
      let actual: Uint8Array[];
      try {
        actual = blobVersionedHashesOfTransactions(payload.transactions);
      } catch (e) {
        return this.markInvalid(hash, null, `malformed blob transaction: ${(e as Error).message}`);
      }
      const expected = versionedHashes;
      if (actual.length !== expected.length || actual.some((h, i) => !Buffer.from(h).equals(expected[i]))) {
        // The request is wrong, not necessarily the payload (a beacon block may pair a good payload with bad
        // commitments): answer INVALID without condemning the payload.
        const validationError = "blob versioned hashes do not match the payload's blob transactions";
        return {status: "INVALID", latestValidHash: null, validationError};
      }
    }
    // 4. known verdicts are final
    const key = toHexUnprefixed(hash);
    if (this.invalid.has(key)) return this.invalidStatus(key, "payload was deemed INVALID before");
    if (this.blocks.has(key)) return {status: "VALID", latestValidHash: hash, validationError: null};
    // 5. ancestry
    const parentKey = toHexUnprefixed(payload.parentHash);
    if (this.invalidTimestamps.has(payload.timestamp)) {
      const lvh = this.blocks.has(parentKey) ? payload.parentHash : null;
      return this.markInvalid(hash, lvh, `payload at timestamp ${payload.timestamp} marked INVALID (fault injection)`);
    }
    if (this.invalid.has(parentKey)) {
      const lvh = this.invalid.get(parentKey) ?? null;
      return this.markInvalid(hash, lvh, "parent block is INVALID");
    }
    const parent = this.blocks.get(parentKey);
    if (parent === undefined) return {status: "SYNCING", latestValidHash: null, validationError: null};
    if (payload.blockNumber !== Number(parent.header.number) + 1) {
      return this.markInvalid(hash, parent.hash, `block number ${payload.blockNumber} does not follow the parent's`);
    }
    if (payload.timestamp <= Number(parent.header.timestamp)) {
      return this.markInvalid(hash, parent.hash, "timestamp is not greater than the parent's");
    }
    // Keep the exact header the block hash was checked against.
    const block: MockBlock = {hash, fork, payload, header: executionBlockHeaderFromPayload(fork, payload, ctx)};
    this.blocks.set(key, block);
    this.log("newPayload VALID", {number: payload.blockNumber, hash: bytesToData(hash), fork});
    return {status: "VALID", latestValidHash: hash, validationError: null};
  }

  private parseRequestsParam(value: unknown): Uint8Array[] {
    if (value === null || value === undefined) {
      throw new RpcError(EngineRpcErrorCode.INVALID_PARAMS, "executionRequests must not be null");
    }
    const list = asArray(value, "params[3]").map((r, i) => dataToBytes(r, `params[3][${i}]`));
    let prev = -1;
    for (const [i, r] of list.entries()) {
      // prague.md: ascending request_type, each longer than 1 byte, no type twice → else -32602
      if (r.length <= 1) throw new RpcError(EngineRpcErrorCode.INVALID_PARAMS, `executionRequests[${i}] is too short`);
      if (r[0] <= prev) {
        throw new RpcError(EngineRpcErrorCode.INVALID_PARAMS, `executionRequests[${i}]: types not strictly ascending`);
      }
      prev = r[0];
    }
    return list;
  }

  /** Which payload structure each method version takes, and in which fork's time frame (-32602 / -38005). */
  private checkPayloadVersion(method: string, version: number, shape: 1 | 2 | 3, fork: ExecutionForkName): void {
    const seq = ForkSeq[fork];
    const wantShape = version === 1 ? 1 : version === 2 ? (seq >= ForkSeq.capella ? 2 : 1) : 3;
    if (shape !== wantShape) {
      throw new RpcError(
        EngineRpcErrorCode.INVALID_PARAMS,
        `${method} expects ExecutionPayloadV${wantShape} at fork ${fork}, got V${shape}`,
      );
    }
    const ok =
      version === 1
        ? seq === ForkSeq.bellatrix
        : version === 2
          ? seq <= ForkSeq.capella
          : version === 3
            ? seq === ForkSeq.deneb
            : seq === ForkSeq.electra || seq === ForkSeq.fulu;
    if (!ok) throw new RpcError(EngineRpcErrorCode.UNSUPPORTED_FORK, `${method} does not support fork ${fork}`);
  }

  private markInvalid(hash: Uint8Array, latestValidHash: Uint8Array | null, validationError: string): PayloadStatus {
    this.invalid.set(toHexUnprefixed(hash), latestValidHash);
    this.log("newPayload INVALID", {hash: bytesToData(hash), validationError});
    return {status: "INVALID", latestValidHash, validationError};
  }

  private invalidStatus(key: string, validationError: string): PayloadStatus {
    return {status: "INVALID", latestValidHash: this.invalid.get(key) ?? null, validationError};
  }

  // ---- engine_forkchoiceUpdated ----

  /** paris/shanghai/cancun.md engine_forkchoiceUpdatedV1..V3. */
  forkchoiceUpdated(version: number, params: unknown[]): unknown {
    if (params.length < 1 || params.length > 2) {
      throw new RpcError(
        EngineRpcErrorCode.INVALID_PARAMS,
        "forkchoiceUpdated takes forkchoiceState and payloadAttributes",
      );
    }
    const state = parseForkchoiceState(params[0], "params[0]");
    const headKey = toHexUnprefixed(state.headBlockHash);
    const syncing = {payloadStatus: serializePayloadStatus(statusOf("SYNCING", null)), payloadId: null};
    if (this.invalid.has(headKey)) {
      return {payloadStatus: serializePayloadStatus(this.invalidStatus(headKey, "head is INVALID")), payloadId: null};
    }
    const head = this.blocks.get(headKey);
    if (head === undefined) return syncing;
    for (const [name, hash] of [
      ["safe", state.safeBlockHash],
      ["finalized", state.finalizedBlockHash],
    ] as const) {
      if (!isZeroBytes(hash) && !this.isAncestorOrSelf(hash, head)) {
        throw new RpcError(
          EngineRpcErrorCode.INVALID_FORKCHOICE_STATE,
          `${name} block ${bytesToData(hash)} is not on the chain of the head`,
        );
      }
    }
    this.head = head;
    this.safe = state.safeBlockHash;
    this.finalized = state.finalizedBlockHash;

    let payloadId: string | null = null;
    const attrsJson = params[1];
    if (attrsJson !== undefined && attrsJson !== null) {
      const attributes = this.parseAttributes(version, attrsJson, head);
      payloadId = this.startBuild(version, head, attributes);
    }
    const valid: PayloadStatus = {status: "VALID", latestValidHash: head.hash, validationError: null};
    return {payloadStatus: serializePayloadStatus(valid), payloadId};
  }

  private parseAttributes(version: number, json: unknown, head: MockBlock): PayloadAttributes {
    const shape = detectPayloadAttributesVersion(json);
    let attributes: PayloadAttributes;
    try {
      attributes = parsePayloadAttributes(json, shape, "params[1]");
    } catch (e) {
      throw new RpcError(EngineRpcErrorCode.INVALID_PAYLOAD_ATTRIBUTES, (e as Error).message);
    }
    const fork = forkAtTimestamp(this.forkTimes, attributes.timestamp);
    const seq = ForkSeq[fork];
    const wantShape = version === 1 ? 1 : version === 2 ? (seq >= ForkSeq.capella ? 2 : 1) : 3;
    if (shape !== wantShape) {
      throw new RpcError(
        EngineRpcErrorCode.INVALID_PAYLOAD_ATTRIBUTES,
        `engine_forkchoiceUpdatedV${version} expects PayloadAttributesV${wantShape} at fork ${fork}, got V${shape}`,
      );
    }
    const ok =
      version === 1 ? seq === ForkSeq.bellatrix : version === 2 ? seq <= ForkSeq.capella : seq >= ForkSeq.deneb;
    if (!ok) {
      throw new RpcError(
        EngineRpcErrorCode.UNSUPPORTED_FORK,
        `engine_forkchoiceUpdatedV${version} does not support ${fork}`,
      );
    }
    if (attributes.timestamp <= Number(head.header.timestamp)) {
      throw new RpcError(
        EngineRpcErrorCode.INVALID_PAYLOAD_ATTRIBUTES,
        `payload timestamp ${attributes.timestamp} is not greater than the head's ${head.header.timestamp}`,
      );
    }
    return attributes;
  }

  private isAncestorOrSelf(hash: Uint8Array, head: MockBlock): boolean {
    const target = this.blocks.get(toHexUnprefixed(hash));
    if (target === undefined) return false;
    let b: MockBlock | undefined = head;
    while (b !== undefined && b.header.number > target.header.number)
      b = this.blocks.get(toHexUnprefixed(b.header.parentHash));
    return b !== undefined && Buffer.from(b.hash).equals(target.hash);
  }

  /** Starts (or finds) the build process of these attributes on `parent`; → payloadId. */
  private startBuild(version: number, parent: MockBlock, attributes: PayloadAttributes): string {
    const id = createHash("sha256")
      .update(parent.hash)
      .update(JSON.stringify(serializeAttributesForId(attributes)))
      .update(String(version))
      .digest()
      .subarray(0, 8);
    const payloadId = bytesToData(id);
    if (this.builds.has(payloadId)) return payloadId; // payload-building step 6: do not restart
    const fork = forkAtTimestamp(this.forkTimes, attributes.timestamp);
    const blobs: PooledBlob[] = [];
    const transactions: Uint8Array[] = [];
    if (ForkSeq[fork] >= ForkSeq.deneb && this.blobsPerBlock > 0) {
      const fulu = ForkSeq[fork] >= ForkSeq.fulu;
      this.blobPool.prepare(this.blobsPerBlock, {blobProofs: !fulu, cellProofs: fulu});
      for (const blob of this.blobPool.blobs.slice(0, this.blobsPerBlock)) {
        blobs.push(blob);
        transactions.push(
          buildBlobTransaction({chainId: this.chainId, nonce: this.txNonce++, versionedHashes: [blob.versionedHash]}),
        );
      }
    }
    const {payload} = buildPayload({
      parent,
      fork,
      attributes,
      transactions,
      blobCount: blobs.length,
      extraData: EXTRA_DATA,
    });
    const priorityFeePerGas = 1_000_000_000n;
    this.builds.set(payloadId, {fork, payload, blobs, blockValue: BigInt(payload.gasUsed) * priorityFeePerGas});
    if (this.builds.size > MAX_KEPT_BUILDS) this.builds.delete(this.builds.keys().next().value as string);
    this.log("build started", {payloadId, number: payload.blockNumber, fork, blobs: blobs.length});
    return payloadId;
  }

  // ---- engine_getPayload ----

  /** paris..osaka.md engine_getPayloadV1..V5. */
  getPayload(version: number, params: unknown[]): unknown {
    if (params.length !== 1) throw new RpcError(EngineRpcErrorCode.INVALID_PARAMS, "getPayload takes one payloadId");
    const payloadId = bytesToData(dataToBytes(params[0], "params[0]", 8));
    const build = this.builds.get(payloadId);
    if (build === undefined) throw new RpcError(EngineRpcErrorCode.UNKNOWN_PAYLOAD, "Unknown payload");
    const seq = ForkSeq[build.fork];
    const ok =
      version === 1
        ? seq === ForkSeq.bellatrix
        : version === 2
          ? seq <= ForkSeq.capella
          : version === 3
            ? seq === ForkSeq.deneb
            : version === 4
              ? seq === ForkSeq.electra
              : seq === ForkSeq.fulu;
    if (!ok) {
      throw new RpcError(
        EngineRpcErrorCode.UNSUPPORTED_FORK,
        `engine_getPayloadV${version} does not serve ${build.fork} payloads`,
      );
    }
    const executionPayload = serializeExecutionPayload(build.fork as ForkName, build.payload);
    if (version === 1) return executionPayload;
    const out: Record<string, unknown> = {executionPayload, blockValue: numToQuantity(build.blockValue)};
    if (version >= 3) {
      out.blobsBundle = {
        commitments: build.blobs.map((b) => bytesToData(b.commitment)),
        proofs: build.blobs.flatMap((b) => {
          const proofs = version >= 5 ? b.cellProofs : b.proof === undefined ? undefined : [b.proof];
          if (proofs === undefined) throw new RpcError(EngineRpcErrorCode.INTERNAL_ERROR, "blob proofs not prepared");
          return proofs.map(bytesToData);
        }),
        blobs: build.blobs.map((b) => bytesToData(b.blob)),
      };
      out.shouldOverrideBuilder = false;
    }
    if (version >= 4) out.executionRequests = [];
    return out;
  }

  // ---- engine_getBlobs ----

  private parseHashes(params: unknown[]): Uint8Array[] {
    if (params.length !== 1)
      throw new RpcError(EngineRpcErrorCode.INVALID_PARAMS, "getBlobs takes one array of hashes");
    const hashes = asArray(params[0], "params[0]").map((h, i) => dataToBytes(h, `params[0][${i}]`, 32));
    if (hashes.length > MAX_BLOBS_REQUEST) {
      throw new RpcError(EngineRpcErrorCode.TOO_LARGE_REQUEST, `at most ${MAX_BLOBS_REQUEST} versioned hashes`);
    }
    return hashes;
  }

  /** cancun.md engine_getBlobsV1; osaka.md: -38005 once Osaka is active. */
  getBlobsV1(params: unknown[]): unknown {
    const hashes = this.parseHashes(params);
    const fulu = this.forkTimes.fulu;
    if (fulu !== undefined && this.nowSeconds() >= fulu) {
      throw new RpcError(EngineRpcErrorCode.UNSUPPORTED_FORK, "engine_getBlobsV1 is not served after Osaka");
    }
    return hashes.map((h) => {
      const b = this.blobPool.get(h);
      return b?.proof === undefined ? null : serializeBlobAndProofV1({blob: b.blob, proof: b.proof});
    });
  }

  /** osaka.md engine_getBlobsV2: all requested blobs with cell proofs, or null. */
  getBlobsV2(params: unknown[]): unknown {
    const hashes = this.parseHashes(params);
    const found = hashes.map((h) => this.blobPool.get(h));
    if (found.some((b) => b?.cellProofs === undefined)) return null;
    return found.map((b) =>
      serializeBlobAndProofV2({blob: (b as PooledBlob).blob, proofs: (b as PooledBlob).cellProofs ?? []}),
    );
  }

  // ---- eth_ ----

  private getBlockByNumber(tag: unknown): unknown {
    let block: MockBlock | undefined;
    if (tag === "latest" || tag === "pending") block = this.head;
    else if (tag === "earliest") block = this.genesis;
    else if (tag === "safe" || tag === "finalized") {
      block = this.blocks.get(toHexUnprefixed(tag === "safe" ? this.safe : this.finalized));
    } else {
      if (typeof tag !== "string" || !/^0x(0|[1-9a-fA-F][0-9a-fA-F]*)$/.test(tag)) {
        throw new RpcError(EngineRpcErrorCode.INVALID_PARAMS, "block number must be a QUANTITY or a tag");
      }
      const n = BigInt(tag);
      for (
        let b: MockBlock | undefined = this.head;
        b !== undefined;
        b = this.blocks.get(toHexUnprefixed(b.header.parentHash))
      ) {
        if (b.header.number === n) {
          block = b;
          break;
        }
        if (b.header.number < n) break;
      }
    }
    return block === undefined ? null : this.blockJson(block);
  }

  /** eth_getBlockBy* result (header fields and transaction hashes). */
  private blockJson(block: MockBlock): Record<string, unknown> {
    const h = block.header;
    const json: Record<string, unknown> = {
      hash: bytesToData(block.hash),
      parentHash: bytesToData(h.parentHash),
      sha3Uncles: bytesToData(h.ommersHash),
      miner: bytesToData(h.beneficiary),
      stateRoot: bytesToData(h.stateRoot),
      transactionsRoot: bytesToData(h.transactionsRoot),
      receiptsRoot: bytesToData(h.receiptsRoot),
      logsBloom: bytesToData(h.logsBloom),
      difficulty: numToQuantity(h.difficulty),
      totalDifficulty: "0x0",
      number: numToQuantity(h.number),
      gasLimit: numToQuantity(h.gasLimit),
      gasUsed: numToQuantity(h.gasUsed),
      timestamp: numToQuantity(h.timestamp),
      extraData: bytesToData(h.extraData),
      mixHash: bytesToData(h.mixHash),
      nonce: bytesToData(h.nonce),
      baseFeePerGas: numToQuantity(h.baseFeePerGas),
      uncles: [],
      transactions: (block.payload?.transactions ?? []).map((tx) => bytesToData(keccak256(tx))),
    };
    if (h.withdrawalsRoot !== undefined) {
      json.withdrawalsRoot = bytesToData(h.withdrawalsRoot);
      const withdrawals = (block.payload as {withdrawals?: Parameters<typeof serializeWithdrawal>[0][]} | undefined)
        ?.withdrawals;
      json.withdrawals = (withdrawals ?? []).map(serializeWithdrawal);
    }
    if (h.blobGasUsed !== undefined) json.blobGasUsed = numToQuantity(h.blobGasUsed);
    if (h.excessBlobGas !== undefined) json.excessBlobGas = numToQuantity(h.excessBlobGas);
    if (h.parentBeaconBlockRoot !== undefined) json.parentBeaconBlockRoot = bytesToData(h.parentBeaconBlockRoot);
    if (h.requestsHash !== undefined) json.requestsHash = bytesToData(h.requestsHash);
    return json;
  }
}

function statusOf(status: PayloadStatus["status"], hash: Uint8Array | null): PayloadStatus {
  switch (status) {
    case "VALID":
      return {status, latestValidHash: hash ?? ZERO_HASH, validationError: null};
    case "INVALID":
      return {status, latestValidHash: null, validationError: "forced INVALID"};
    case "INVALID_BLOCK_HASH":
      return {status, latestValidHash: null, validationError: "forced INVALID_BLOCK_HASH"};
    default:
      return {status, latestValidHash: null, validationError: null};
  }
}

function serializeAttributesForId(a: PayloadAttributes): unknown {
  return {
    timestamp: a.timestamp,
    prevRandao: bytesToData(a.prevRandao),
    feeRecipient: bytesToData(a.suggestedFeeRecipient),
    withdrawals: a.withdrawals?.map(serializeWithdrawal),
    parentBeaconBlockRoot: a.parentBeaconBlockRoot && bytesToData(a.parentBeaconBlockRoot),
  };
}
