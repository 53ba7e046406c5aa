/**
 * Engine API structures as JSON (execution-apis src/engine/{paris,shanghai,cancun,prague,osaka}.md "Structures")
 * and the consensus-side values they map onto (the SSZ types of @ceibo/types).
 */
import type {SszValue, ssz} from "@ceibo/types";

// ---- JSON (wire) shapes: DATA and QUANTITY are hex strings ----

export interface WithdrawalV1 {
  index: string;
  validatorIndex: string;
  address: string;
  amount: string;
}

export interface ExecutionPayloadV1 {
  parentHash: string;
  feeRecipient: string;
  stateRoot: string;
  receiptsRoot: string;
  logsBloom: string;
  prevRandao: string;
  blockNumber: string;
  gasLimit: string;
  gasUsed: string;
  timestamp: string;
  extraData: string;
  baseFeePerGas: string;
  blockHash: string;
  transactions: string[];
}
export interface ExecutionPayloadV2 extends ExecutionPayloadV1 {
  withdrawals: WithdrawalV1[];
}
export interface ExecutionPayloadV3 extends ExecutionPayloadV2 {
  blobGasUsed: string;
  excessBlobGas: string;
}
export type ExecutionPayloadJson = ExecutionPayloadV1 | ExecutionPayloadV2 | ExecutionPayloadV3;

export interface ForkchoiceStateV1 {
  headBlockHash: string;
  safeBlockHash: string;
  finalizedBlockHash: string;
}

export interface PayloadAttributesV1 {
  timestamp: string;
  prevRandao: string;
  suggestedFeeRecipient: string;
}
export interface PayloadAttributesV2 extends PayloadAttributesV1 {
  withdrawals: WithdrawalV1[];
}
export interface PayloadAttributesV3 extends PayloadAttributesV2 {
  parentBeaconBlockRoot: string;
}
export type PayloadAttributesJson = PayloadAttributesV1 | PayloadAttributesV2 | PayloadAttributesV3;

export interface PayloadStatusV1 {
  status: string;
  latestValidHash: string | null;
  validationError: string | null;
}

export interface ForkchoiceUpdatedResponse {
  payloadStatus: PayloadStatusV1;
  payloadId: string | null;
}

export interface BlobsBundleV1 {
  commitments: string[];
  proofs: string[];
  blobs: string[];
}
/** Same shape as V1; `proofs` holds CELLS_PER_EXT_BLOB cell proofs per blob. */
export type BlobsBundleV2 = BlobsBundleV1;

export interface BlobAndProofV1 {
  blob: string;
  proof: string;
}
export interface BlobAndProofV2 {
  blob: string;
  proofs: string[];
}

export interface GetPayloadV2Response {
  executionPayload: ExecutionPayloadV1 | ExecutionPayloadV2;
  blockValue: string;
}
export interface GetPayloadV3Response {
  executionPayload: ExecutionPayloadV3;
  blockValue: string;
  blobsBundle: BlobsBundleV1;
  shouldOverrideBuilder: boolean;
}
export interface GetPayloadV4Response extends GetPayloadV3Response {
  executionRequests: string[];
}
/** V5: blobsBundle is a BlobsBundleV2. */
export type GetPayloadV5Response = GetPayloadV4Response;

// ---- Consensus-side values ----

export type ExecutionPayloadBellatrix = SszValue<typeof ssz.bellatrix.ExecutionPayload>;
export type ExecutionPayloadCapella = SszValue<typeof ssz.capella.ExecutionPayload>;
export type ExecutionPayloadDeneb = SszValue<typeof ssz.deneb.ExecutionPayload>;
/** electra and fulu use deneb's ExecutionPayload. */
export type ExecutionPayload = ExecutionPayloadBellatrix | ExecutionPayloadCapella | ExecutionPayloadDeneb;
export type Withdrawal = SszValue<typeof ssz.capella.Withdrawal>;
export type ExecutionRequests = SszValue<typeof ssz.electra.ExecutionRequests>;
/** deneb BlobsBundle (one blob proof per blob) or fulu BlobsBundle (CELLS_PER_EXT_BLOB cell proofs per blob). */
export interface BlobsBundle {
  commitments: Uint8Array[];
  proofs: Uint8Array[];
  blobs: Uint8Array[];
}

export const ExecutionPayloadStatus = {
  VALID: "VALID",
  INVALID: "INVALID",
  SYNCING: "SYNCING",
  ACCEPTED: "ACCEPTED",
  INVALID_BLOCK_HASH: "INVALID_BLOCK_HASH",
} as const;
export type ExecutionPayloadStatus = (typeof ExecutionPayloadStatus)[keyof typeof ExecutionPayloadStatus];

/** PayloadStatusV1 as a typed result: which fields can be set depends on the status (paris.md). */
export type PayloadStatus =
  | {status: "VALID"; latestValidHash: Uint8Array; validationError: null}
  | {status: "INVALID"; latestValidHash: Uint8Array | null; validationError: string | null}
  | {status: "INVALID_BLOCK_HASH"; latestValidHash: null; validationError: string | null}
  | {status: "SYNCING" | "ACCEPTED"; latestValidHash: null; validationError: null};

export interface ForkchoiceState {
  headBlockHash: Uint8Array;
  safeBlockHash: Uint8Array;
  finalizedBlockHash: Uint8Array;
}

/** Payload attributes of any version: `withdrawals` from capella, `parentBeaconBlockRoot` from deneb. */
export interface PayloadAttributes {
  timestamp: number;
  prevRandao: Uint8Array;
  suggestedFeeRecipient: Uint8Array;
  withdrawals?: Withdrawal[];
  parentBeaconBlockRoot?: Uint8Array;
}

export interface ForkchoiceUpdateResult {
  payloadStatus: PayloadStatus;
  /** 8 bytes as 0x-hex, or null when no build process was started. */
  payloadId: string | null;
}

/** GetPayloadResponse (bellatrix/capella/deneb/electra validator.md) with the Engine API extras. */
export interface GetPayloadResult {
  executionPayload: ExecutionPayload;
  /** Wei; 0 for getPayloadV1, which does not report it. */
  blockValue: bigint;
  /** deneb+. */
  blobsBundle?: BlobsBundle;
  /** deneb+. */
  shouldOverrideBuilder?: boolean;
  /** electra+. */
  executionRequests?: ExecutionRequests;
}

export interface BlobAndProof {
  blob: Uint8Array;
  /** V1: the blob's KZG proof. */
  proof: Uint8Array;
}
export interface BlobAndCellProofs {
  blob: Uint8Array;
  /** V2: CELLS_PER_EXT_BLOB cell proofs. */
  proofs: Uint8Array[];
}
