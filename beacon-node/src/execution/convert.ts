/**
 * Converters between the consensus SSZ values (@ceibo/types, camelCase) and the Engine API JSON structures, in
 * both directions. Parsing checks every field's encoding and size and throws EngineEncodingError (with the field
 * path) on anything malformed, so a bad engine answer is a clear error, never a crash deeper in.
 */
import {
  BYTES_PER_FIELD_ELEMENT,
  BYTES_PER_LOGS_BLOOM,
  CELLS_PER_EXT_BLOB,
  FIELD_ELEMENTS_PER_BLOB,
  type ForkName,
  ForkSeq,
  MAX_BLOB_COMMITMENTS_PER_BLOCK,
  MAX_BYTES_PER_TRANSACTION,
  MAX_EXTRA_DATA_BYTES,
  MAX_TRANSACTIONS_PER_PAYLOAD,
  MAX_WITHDRAWALS_PER_PAYLOAD,
} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {EngineEncodingError} from "./errors.ts";
import {
  bytesToData,
  dataToBytes,
  dataToBytesMax,
  describe,
  numToQuantity,
  quantityToBigint,
  quantityToNum,
} from "./hex.ts";
import type {
  BlobAndCellProofs,
  BlobAndProof,
  BlobAndProofV1,
  BlobAndProofV2,
  BlobsBundle,
  BlobsBundleV1,
  ExecutionPayload,
  ExecutionPayloadDeneb,
  ExecutionPayloadJson,
  ExecutionPayloadV1,
  ExecutionPayloadV2,
  ExecutionRequests,
  ForkchoiceState,
  ForkchoiceStateV1,
  PayloadAttributes,
  PayloadAttributesJson,
  PayloadStatus,
  Withdrawal,
  WithdrawalV1,
} from "./types.ts";

export const BYTES_PER_BLOB = BYTES_PER_FIELD_ELEMENT * FIELD_ELEMENTS_PER_BLOB;
const BYTES_PER_COMMITMENT = 48;
const BYTES_PER_PROOF = 48;

/** Version of ExecutionPayloadV<n> / PayloadAttributesV<n> a fork uses: bellatrix 1, capella 2, deneb+ 3. */
export function payloadVersionOfFork(fork: ForkName): 1 | 2 | 3 {
  const seq = ForkSeq[fork];
  if (seq < ForkSeq.bellatrix) throw Error(`no execution payload before bellatrix (fork ${fork})`);
  return seq >= ForkSeq.deneb ? 3 : seq >= ForkSeq.capella ? 2 : 1;
}

// ---- small field readers ----

type Obj = Record<string, unknown>;

export function asObject(value: unknown, path: string): Obj {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new EngineEncodingError("INVALID_FIELD", path, `expected an object, got ${describe(value)}`);
  }
  return value as Obj;
}

export function asArray(value: unknown, path: string, maxLength?: number): unknown[] {
  if (!Array.isArray(value))
    throw new EngineEncodingError("INVALID_FIELD", path, `expected an array, got ${describe(value)}`);
  if (maxLength !== undefined && value.length > maxLength) {
    throw new EngineEncodingError("INVALID_LENGTH", path, `at most ${maxLength} items, got ${value.length}`);
  }
  return value;
}

function field(o: Obj, name: string, path: string): unknown {
  const v = o[name];
  if (v === undefined || v === null) throw new EngineEncodingError("MISSING_FIELD", `${path}.${name}`, "missing");
  return v;
}

// ---- withdrawals ----

export function serializeWithdrawal(w: Withdrawal): WithdrawalV1 {
  return {
    index: numToQuantity(w.index),
    validatorIndex: numToQuantity(w.validatorIndex),
    address: bytesToData(w.address),
    // Gwei, big-endian QUANTITY (shanghai.md WithdrawalV1 note)
    amount: numToQuantity(w.amount),
  };
}

export function parseWithdrawal(json: unknown, path: string): Withdrawal {
  const o = asObject(json, path);
  return {
    index: quantityToNum(field(o, "index", path), `${path}.index`),
    validatorIndex: quantityToNum(field(o, "validatorIndex", path), `${path}.validatorIndex`),
    address: dataToBytes(field(o, "address", path), `${path}.address`, 20),
    amount: quantityToNum(field(o, "amount", path), `${path}.amount`),
  };
}

function parseWithdrawals(value: unknown, path: string): Withdrawal[] {
  return asArray(value, path, MAX_WITHDRAWALS_PER_PAYLOAD).map((w, i) => parseWithdrawal(w, `${path}[${i}]`));
}

// ---- execution payload ----

/** SSZ ExecutionPayload of `fork` → ExecutionPayloadV1/V2/V3 JSON. */
export function serializeExecutionPayload(fork: ForkName, payload: ExecutionPayload): ExecutionPayloadJson {
  const version = payloadVersionOfFork(fork);
  const v1: ExecutionPayloadV1 = {
    parentHash: bytesToData(payload.parentHash),
    feeRecipient: bytesToData(payload.feeRecipient),
    stateRoot: bytesToData(payload.stateRoot),
    receiptsRoot: bytesToData(payload.receiptsRoot),
    logsBloom: bytesToData(payload.logsBloom),
    prevRandao: bytesToData(payload.prevRandao),
    blockNumber: numToQuantity(payload.blockNumber),
    gasLimit: numToQuantity(payload.gasLimit),
    gasUsed: numToQuantity(payload.gasUsed),
    timestamp: numToQuantity(payload.timestamp),
    extraData: bytesToData(payload.extraData),
    baseFeePerGas: numToQuantity(payload.baseFeePerGas),
    blockHash: bytesToData(payload.blockHash),
    transactions: payload.transactions.map(bytesToData),
  };
  if (version === 1) return v1;
  const p = payload as ExecutionPayloadDeneb;
  if (p.withdrawals === undefined) throw Error(`${fork} payload without withdrawals`);
  const v2: ExecutionPayloadV2 = {...v1, withdrawals: p.withdrawals.map(serializeWithdrawal)};
  if (version === 2) return v2;
  if (p.blobGasUsed === undefined || p.excessBlobGas === undefined) {
    throw Error(`${fork} payload without blobGasUsed/excessBlobGas`);
  }
  return {...v2, blobGasUsed: numToQuantity(p.blobGasUsed), excessBlobGas: numToQuantity(p.excessBlobGas)};
}

/**
 * ExecutionPayloadV<version> JSON → SSZ value (bellatrix shape for V1, capella for V2, deneb for V3). Fields of
 * later versions are ignored here; the mock engine checks the exact shape (detectPayloadVersion).
 */
export function parseExecutionPayload(json: unknown, version: 1 | 2 | 3, path = "executionPayload"): ExecutionPayload {
  const o = asObject(json, path);
  const f = (name: string) => field(o, name, path);
  const transactions = asArray(f("transactions"), `${path}.transactions`, MAX_TRANSACTIONS_PER_PAYLOAD).map((t, i) => {
    const tx = dataToBytes(t, `${path}.transactions[${i}]`);
    if (tx.length > MAX_BYTES_PER_TRANSACTION) {
      throw new EngineEncodingError("INVALID_LENGTH", `${path}.transactions[${i}]`, "transaction too large");
    }
    return tx;
  });
  const v1 = {
    parentHash: dataToBytes(f("parentHash"), `${path}.parentHash`, 32),
    feeRecipient: dataToBytes(f("feeRecipient"), `${path}.feeRecipient`, 20),
    stateRoot: dataToBytes(f("stateRoot"), `${path}.stateRoot`, 32),
    receiptsRoot: dataToBytes(f("receiptsRoot"), `${path}.receiptsRoot`, 32),
    logsBloom: dataToBytes(f("logsBloom"), `${path}.logsBloom`, BYTES_PER_LOGS_BLOOM),
    prevRandao: dataToBytes(f("prevRandao"), `${path}.prevRandao`, 32),
    blockNumber: quantityToNum(f("blockNumber"), `${path}.blockNumber`),
    gasLimit: quantityToNum(f("gasLimit"), `${path}.gasLimit`),
    gasUsed: quantityToNum(f("gasUsed"), `${path}.gasUsed`),
    timestamp: quantityToNum(f("timestamp"), `${path}.timestamp`),
    extraData: dataToBytesMax(f("extraData"), `${path}.extraData`, MAX_EXTRA_DATA_BYTES),
    baseFeePerGas: quantityToBigint(f("baseFeePerGas"), `${path}.baseFeePerGas`, 256),
    blockHash: dataToBytes(f("blockHash"), `${path}.blockHash`, 32),
    transactions,
  };
  if (version === 1) return v1;
  const v2 = {...v1, withdrawals: parseWithdrawals(f("withdrawals"), `${path}.withdrawals`)};
  if (version === 2) return v2;
  return {
    ...v2,
    blobGasUsed: quantityToNum(f("blobGasUsed"), `${path}.blobGasUsed`),
    excessBlobGas: quantityToNum(f("excessBlobGas"), `${path}.excessBlobGas`),
  };
}

/** Which ExecutionPayloadV<n> a JSON object is, by the fields it carries (null counts as absent). */
export function detectPayloadVersion(json: unknown): 1 | 2 | 3 {
  const o = asObject(json, "executionPayload");
  const has = (k: string) => o[k] !== undefined && o[k] !== null;
  if (has("blobGasUsed") || has("excessBlobGas")) return 3;
  if (has("withdrawals")) return 2;
  return 1;
}

// ---- forkchoice state, payload attributes, payload status ----

export function serializeForkchoiceState(s: ForkchoiceState): ForkchoiceStateV1 {
  return {
    headBlockHash: bytesToData(s.headBlockHash),
    safeBlockHash: bytesToData(s.safeBlockHash),
    finalizedBlockHash: bytesToData(s.finalizedBlockHash),
  };
}

export function parseForkchoiceState(json: unknown, path = "forkchoiceState"): ForkchoiceState {
  const o = asObject(json, path);
  return {
    headBlockHash: dataToBytes(field(o, "headBlockHash", path), `${path}.headBlockHash`, 32),
    safeBlockHash: dataToBytes(field(o, "safeBlockHash", path), `${path}.safeBlockHash`, 32),
    finalizedBlockHash: dataToBytes(field(o, "finalizedBlockHash", path), `${path}.finalizedBlockHash`, 32),
  };
}

/** PayloadAttributesV1 (bellatrix), V2 (+withdrawals, capella), V3 (+parentBeaconBlockRoot, deneb+). */
export function serializePayloadAttributes(fork: ForkName, a: PayloadAttributes): PayloadAttributesJson {
  const version = payloadVersionOfFork(fork);
  const v1 = {
    timestamp: numToQuantity(a.timestamp),
    prevRandao: bytesToData(a.prevRandao),
    suggestedFeeRecipient: bytesToData(a.suggestedFeeRecipient),
  };
  if (version === 1) return v1;
  if (a.withdrawals === undefined) throw Error(`${fork} payload attributes need withdrawals`);
  const v2 = {...v1, withdrawals: a.withdrawals.map(serializeWithdrawal)};
  if (version === 2) return v2;
  if (a.parentBeaconBlockRoot === undefined) throw Error(`${fork} payload attributes need parentBeaconBlockRoot`);
  return {...v2, parentBeaconBlockRoot: bytesToData(a.parentBeaconBlockRoot)};
}

export function parsePayloadAttributes(
  json: unknown,
  version: 1 | 2 | 3,
  path = "payloadAttributes",
): PayloadAttributes {
  const o = asObject(json, path);
  const a: PayloadAttributes = {
    timestamp: quantityToNum(field(o, "timestamp", path), `${path}.timestamp`),
    prevRandao: dataToBytes(field(o, "prevRandao", path), `${path}.prevRandao`, 32),
    suggestedFeeRecipient: dataToBytes(field(o, "suggestedFeeRecipient", path), `${path}.suggestedFeeRecipient`, 20),
  };
  if (version >= 2) a.withdrawals = parseWithdrawals(field(o, "withdrawals", path), `${path}.withdrawals`);
  if (version >= 3) {
    a.parentBeaconBlockRoot = dataToBytes(field(o, "parentBeaconBlockRoot", path), `${path}.parentBeaconBlockRoot`, 32);
  }
  return a;
}

/** Which PayloadAttributesV<n> a JSON object is, by its fields. */
export function detectPayloadAttributesVersion(json: unknown): 1 | 2 | 3 {
  const o = asObject(json, "payloadAttributes");
  const has = (k: string) => o[k] !== undefined && o[k] !== null;
  if (has("parentBeaconBlockRoot")) return 3;
  if (has("withdrawals")) return 2;
  return 1;
}

const STATUSES = new Set(["VALID", "INVALID", "SYNCING", "ACCEPTED", "INVALID_BLOCK_HASH"]);

/**
 * PayloadStatusV1 → typed result. VALID must name its latestValidHash; SYNCING / ACCEPTED / INVALID_BLOCK_HASH
 * carry none (a value sent anyway is dropped, as paris.md defines it null for these).
 */
export function parsePayloadStatus(json: unknown, path = "payloadStatus"): PayloadStatus {
  const o = asObject(json, path);
  const status = o.status;
  if (typeof status !== "string" || !STATUSES.has(status)) {
    throw new EngineEncodingError("INVALID_FIELD", `${path}.status`, `unknown payload status ${describe(status)}`);
  }
  const lvhRaw = o.latestValidHash;
  const lvh = lvhRaw === null || lvhRaw === undefined ? null : dataToBytes(lvhRaw, `${path}.latestValidHash`, 32);
  const errRaw = o.validationError;
  if (errRaw !== null && errRaw !== undefined && typeof errRaw !== "string") {
    throw new EngineEncodingError("INVALID_FIELD", `${path}.validationError`, "expected a string or null");
  }
  const validationError = typeof errRaw === "string" ? errRaw : null;
  switch (status) {
    case "VALID":
      if (lvh === null) throw new EngineEncodingError("MISSING_FIELD", `${path}.latestValidHash`, "VALID without it");
      return {status, latestValidHash: lvh, validationError: null};
    case "INVALID":
      return {status, latestValidHash: lvh, validationError};
    case "INVALID_BLOCK_HASH":
      return {status, latestValidHash: null, validationError};
    default:
      return {status: status as "SYNCING" | "ACCEPTED", latestValidHash: null, validationError: null};
  }
}

export function serializePayloadStatus(s: PayloadStatus): {
  status: string;
  latestValidHash: string | null;
  validationError: string | null;
} {
  return {
    status: s.status,
    latestValidHash: s.latestValidHash === null ? null : bytesToData(s.latestValidHash),
    validationError: s.validationError,
  };
}

// ---- execution requests (EIP-7685) ----

export const DEPOSIT_REQUEST_TYPE = 0x00;
export const WITHDRAWAL_REQUEST_TYPE = 0x01;
export const CONSOLIDATION_REQUEST_TYPE = 0x02;

/** get_execution_requests_list (electra beacon-chain.md): request_type ++ ssz(list), empty lists left out. */
export function getExecutionRequestsList(requests: ExecutionRequests): Uint8Array[] {
  const out: Uint8Array[] = [];
  const lists: [number, Uint8Array][] = [
    [DEPOSIT_REQUEST_TYPE, ssz.electra.DepositRequests.serialize(requests.deposits)],
    [WITHDRAWAL_REQUEST_TYPE, ssz.electra.WithdrawalRequests.serialize(requests.withdrawals)],
    [CONSOLIDATION_REQUEST_TYPE, ssz.electra.ConsolidationRequests.serialize(requests.consolidations)],
  ];
  for (const [type, data] of lists) {
    if (data.length > 0) out.push(Uint8Array.of(type, ...data));
  }
  return out;
}

/**
 * get_execution_requests (electra validator.md): known types only, non-empty data, strictly ascending types;
 * each part SSZ-decoded. Throws EngineEncodingError("INVALID_EXECUTION_REQUESTS") otherwise.
 */
export function getExecutionRequests(list: readonly Uint8Array[], path = "executionRequests"): ExecutionRequests {
  const requests: ExecutionRequests = {deposits: [], withdrawals: [], consolidations: []};
  let prev = -1;
  list.forEach((request, i) => {
    const p = `${path}[${i}]`;
    if (request.length === 0) throw new EngineEncodingError("INVALID_EXECUTION_REQUESTS", p, "empty request");
    const type = request[0];
    const data = request.subarray(1);
    if (type > CONSOLIDATION_REQUEST_TYPE) {
      throw new EngineEncodingError("INVALID_EXECUTION_REQUESTS", p, `unknown request type ${type}`);
    }
    if (data.length === 0) throw new EngineEncodingError("INVALID_EXECUTION_REQUESTS", p, "empty request data");
    if (type <= prev) {
      throw new EngineEncodingError("INVALID_EXECUTION_REQUESTS", p, "request types not strictly ascending");
    }
    prev = type;
    try {
      if (type === DEPOSIT_REQUEST_TYPE) requests.deposits = ssz.electra.DepositRequests.deserialize(data);
      else if (type === WITHDRAWAL_REQUEST_TYPE)
        requests.withdrawals = ssz.electra.WithdrawalRequests.deserialize(data);
      else requests.consolidations = ssz.electra.ConsolidationRequests.deserialize(data);
    } catch (e) {
      throw new EngineEncodingError("INVALID_EXECUTION_REQUESTS", p, `bad SSZ: ${(e as Error).message}`);
    }
  });
  return requests;
}

export function serializeExecutionRequests(requests: ExecutionRequests): string[] {
  return getExecutionRequestsList(requests).map(bytesToData);
}

export function parseExecutionRequests(json: unknown, path = "executionRequests"): ExecutionRequests {
  const list = asArray(json, path).map((r, i) => dataToBytes(r, `${path}[${i}]`));
  return getExecutionRequests(list, path);
}

// ---- blobs ----

export function serializeBlobsBundle(b: BlobsBundle): BlobsBundleV1 {
  return {
    commitments: b.commitments.map(bytesToData),
    proofs: b.proofs.map(bytesToData),
    blobs: b.blobs.map(bytesToData),
  };
}

/**
 * BlobsBundleV1 (one proof per blob) or BlobsBundleV2 (CELLS_PER_EXT_BLOB cell proofs per blob) → value, with
 * the length rules of cancun.md / osaka.md.
 */
export function parseBlobsBundle(json: unknown, version: 1 | 2, path = "blobsBundle"): BlobsBundle {
  const o = asObject(json, path);
  const commitments = asArray(field(o, "commitments", path), `${path}.commitments`, MAX_BLOB_COMMITMENTS_PER_BLOCK).map(
    (c, i) => dataToBytes(c, `${path}.commitments[${i}]`, BYTES_PER_COMMITMENT),
  );
  const blobs = asArray(field(o, "blobs", path), `${path}.blobs`, MAX_BLOB_COMMITMENTS_PER_BLOCK).map((b, i) =>
    dataToBytes(b, `${path}.blobs[${i}]`, BYTES_PER_BLOB),
  );
  const proofs = asArray(field(o, "proofs", path), `${path}.proofs`).map((p, i) =>
    dataToBytes(p, `${path}.proofs[${i}]`, BYTES_PER_PROOF),
  );
  if (blobs.length !== commitments.length) {
    throw new EngineEncodingError(
      "INVALID_LENGTH",
      path,
      `${blobs.length} blobs but ${commitments.length} commitments`,
    );
  }
  const expectedProofs = version === 1 ? blobs.length : blobs.length * CELLS_PER_EXT_BLOB;
  if (proofs.length !== expectedProofs) {
    throw new EngineEncodingError(
      "INVALID_LENGTH",
      `${path}.proofs`,
      `expected ${expectedProofs} proofs for ${blobs.length} blobs (BlobsBundleV${version}), got ${proofs.length}`,
    );
  }
  return {commitments, proofs, blobs};
}

export function serializeBlobAndProofV1(b: BlobAndProof): BlobAndProofV1 {
  return {blob: bytesToData(b.blob), proof: bytesToData(b.proof)};
}

export function parseBlobAndProofV1(json: unknown, path: string): BlobAndProof {
  const o = asObject(json, path);
  return {
    blob: dataToBytes(field(o, "blob", path), `${path}.blob`, BYTES_PER_BLOB),
    proof: dataToBytes(field(o, "proof", path), `${path}.proof`, BYTES_PER_PROOF),
  };
}

export function serializeBlobAndProofV2(b: BlobAndCellProofs): BlobAndProofV2 {
  return {blob: bytesToData(b.blob), proofs: b.proofs.map(bytesToData)};
}

export function parseBlobAndProofV2(json: unknown, path: string): BlobAndCellProofs {
  const o = asObject(json, path);
  const proofs = asArray(field(o, "proofs", path), `${path}.proofs`).map((p, i) =>
    dataToBytes(p, `${path}.proofs[${i}]`, BYTES_PER_PROOF),
  );
  if (proofs.length !== CELLS_PER_EXT_BLOB) {
    throw new EngineEncodingError("INVALID_LENGTH", `${path}.proofs`, `expected ${CELLS_PER_EXT_BLOB} cell proofs`);
  }
  return {blob: dataToBytes(field(o, "blob", path), `${path}.blob`, BYTES_PER_BLOB), proofs};
}

export {field as requiredField};
