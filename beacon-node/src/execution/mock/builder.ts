/**
 * Block-building arithmetic of the mock engine: the header values an execution client derives from the parent
 * (EIP-1559 base fee, EIP-4844 excess blob gas) and the payload it builds from payload attributes.
 */
import {ForkSeq} from "@ceibo/params";
import {
  computeHeaderHash,
  EMPTY_TRIE_ROOT,
  type ExecutionBlockHeader,
  type ExecutionPayloadFields,
  executionBlockHeaderFromPayload,
} from "../blockHash.ts";
import type {ExecutionPayload, PayloadAttributes} from "../types.ts";
import type {ExecutionForkName} from "./forks.ts";

export const GAS_PER_BLOB = 131072; // 2**17 (EIP-4844)
const ELASTICITY_MULTIPLIER = 2n;
const BASE_FEE_MAX_CHANGE_DENOMINATOR = 8n;
/** Target blobs per block: Cancun 3 (EIP-4844), Prague 6 (EIP-7691), Osaka 6 until a blob-parameter fork changes it. */
const TARGET_BLOBS: Record<ExecutionForkName, number> = {bellatrix: 0, capella: 0, deneb: 3, electra: 6, fulu: 6};

/** Everything the mock keeps about a block of its chain. */
export interface MockBlock {
  hash: Uint8Array;
  fork: ExecutionForkName;
  header: ExecutionBlockHeader;
  /** The payload as received or built (absent for the genesis block). */
  payload?: ExecutionPayload;
}

/** EIP-1559 base fee of a child of `parent`. */
export function calcBaseFeePerGas(parent: ExecutionBlockHeader): bigint {
  const target = parent.gasLimit / ELASTICITY_MULTIPLIER;
  const base = parent.baseFeePerGas;
  if (target === 0n || parent.gasUsed === target) return base;
  if (parent.gasUsed > target) {
    const delta = (base * (parent.gasUsed - target)) / target / BASE_FEE_MAX_CHANGE_DENOMINATOR;
    return base + (delta > 1n ? delta : 1n);
  }
  return base - (base * (target - parent.gasUsed)) / target / BASE_FEE_MAX_CHANGE_DENOMINATOR;
}

/** EIP-4844 calc_excess_blob_gas of a child of `parent` (0 after a pre-Cancun parent). */
export function calcExcessBlobGas(parent: MockBlock): number {
  if (ForkSeq[parent.fork] < ForkSeq.deneb) return 0;
  const used = Number(parent.header.excessBlobGas ?? 0n) + Number(parent.header.blobGasUsed ?? 0n);
  const target = TARGET_BLOBS[parent.fork] * GAS_PER_BLOB;
  return used < target ? 0 : used - target;
}

export interface BuildInput {
  parent: MockBlock;
  fork: ExecutionForkName;
  attributes: PayloadAttributes;
  transactions: Uint8Array[];
  blobCount: number;
  extraData: Uint8Array;
}

/**
 * The payload an execution client would build on `parent` (with the simplifications of a client that executes
 * nothing: state root carried over, empty receipts root and logs bloom), and its block hash.
 */
export function buildPayload(input: BuildInput): {payload: ExecutionPayload; header: ExecutionBlockHeader} {
  const {parent, fork, attributes: a} = input;
  const seq = ForkSeq[fork];
  const payload = {
    parentHash: parent.hash,
    feeRecipient: a.suggestedFeeRecipient,
    stateRoot: parent.header.stateRoot,
    receiptsRoot: EMPTY_TRIE_ROOT,
    logsBloom: new Uint8Array(256),
    prevRandao: a.prevRandao,
    blockNumber: Number(parent.header.number) + 1,
    gasLimit: Number(parent.header.gasLimit),
    gasUsed: 21000 * input.transactions.length,
    timestamp: a.timestamp,
    extraData: input.extraData,
    baseFeePerGas: calcBaseFeePerGas(parent.header),
    blockHash: new Uint8Array(32),
    transactions: input.transactions,
  } as ExecutionPayloadFields;
  if (seq >= ForkSeq.capella) payload.withdrawals = a.withdrawals ?? [];
  if (seq >= ForkSeq.deneb) {
    payload.blobGasUsed = input.blobCount * GAS_PER_BLOB;
    payload.excessBlobGas = calcExcessBlobGas(parent);
  }
  const ctx = {
    parentBeaconBlockRoot: seq >= ForkSeq.deneb ? a.parentBeaconBlockRoot : undefined,
    // The mock produces no EIP-7685 requests (no deposits, withdrawal or consolidation requests).
    executionRequestsList: seq >= ForkSeq.electra ? [] : undefined,
  };
  const header = executionBlockHeaderFromPayload(fork, payload, ctx);
  payload.blockHash = computeHeaderHash(header);
  return {payload: payload as ExecutionPayload, header};
}
