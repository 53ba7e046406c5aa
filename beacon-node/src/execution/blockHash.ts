/**
 * The execution block hash of a payload: keccak256(RLP(ExecutionBlockHeader)), the check behind the consensus
 * spec's `is_valid_block_hash` (bellatrix, deneb, electra beacon-chain.md "Engine APIs") and execution-apis
 * paris.md engine_newPayloadV1 step 2. The header is the execution layer block header with the post-merge
 * constants of EIP-3675 (ommersHash = keccak256(RLP([])), difficulty 0, nonce 0), mixHash = prevRandao
 * (EIP-4399), and the fields each fork appends:
 *
 * | CL fork   | EL fork  | appended header fields                                      |
 * | bellatrix | Paris    | baseFeePerGas (London, EIP-1559)                            |
 * | capella   | Shanghai | withdrawalsRoot (EIP-4895)                                  |
 * | deneb     | Cancun   | blobGasUsed, excessBlobGas (EIP-4844), parentBeaconBlockRoot (EIP-4788) |
 * | electra   | Prague   | requestsHash (EIP-7685)                                     |
 * | fulu      | Osaka    | (none)                                                      |
 */
import {createHash} from "node:crypto";
import {type ForkName, ForkSeq} from "@ceibo/params";
import {type RlpItem, rlpEncode, uintToRlpBytes} from "./rlp.ts";
import {EMPTY_TRIE_ROOT, keccak256, orderedTrieRoot} from "./trie.ts";

/** keccak256(RLP([])): the ommers hash of every post-merge block. */
export const EMPTY_OMMERS_HASH: Uint8Array = keccak256(rlpEncode([]));
export {EMPTY_TRIE_ROOT};

/** A withdrawal as the SSZ types hold it (capella Withdrawal). */
export interface WithdrawalFields {
  index: number;
  validatorIndex: number;
  address: Uint8Array;
  amount: number;
}

/** The fields an ExecutionPayload and its ExecutionPayloadHeader share (bellatrix..fulu), as the SSZ types hold them. */
export interface ExecutionPayloadCommonFields {
  parentHash: Uint8Array;
  feeRecipient: Uint8Array;
  stateRoot: Uint8Array;
  receiptsRoot: Uint8Array;
  logsBloom: Uint8Array;
  prevRandao: Uint8Array;
  blockNumber: number;
  gasLimit: number;
  gasUsed: number;
  timestamp: number;
  extraData: Uint8Array;
  baseFeePerGas: bigint;
  blockHash: Uint8Array;
  /** deneb+ */
  blobGasUsed?: number;
  /** deneb+ */
  excessBlobGas?: number;
}

/** The fields of an ExecutionPayload of any fork (bellatrix..fulu), as the SSZ types hold them. */
export interface ExecutionPayloadFields extends ExecutionPayloadCommonFields {
  transactions: Uint8Array[];
  /** capella+ */
  withdrawals?: WithdrawalFields[];
}

/** The execution layer block header (post-London layout; optional fields per fork, in header order). */
export interface ExecutionBlockHeader {
  parentHash: Uint8Array;
  ommersHash: Uint8Array;
  beneficiary: Uint8Array;
  stateRoot: Uint8Array;
  transactionsRoot: Uint8Array;
  receiptsRoot: Uint8Array;
  logsBloom: Uint8Array;
  difficulty: bigint;
  number: bigint;
  gasLimit: bigint;
  gasUsed: bigint;
  timestamp: bigint;
  extraData: Uint8Array;
  mixHash: Uint8Array;
  nonce: Uint8Array;
  baseFeePerGas: bigint;
  withdrawalsRoot?: Uint8Array;
  blobGasUsed?: bigint;
  excessBlobGas?: bigint;
  parentBeaconBlockRoot?: Uint8Array;
  requestsHash?: Uint8Array;
}

export function encodeExecutionBlockHeader(h: ExecutionBlockHeader): Uint8Array {
  const fields: RlpItem[] = [
    h.parentHash,
    h.ommersHash,
    h.beneficiary,
    h.stateRoot,
    h.transactionsRoot,
    h.receiptsRoot,
    h.logsBloom,
    uintToRlpBytes(h.difficulty),
    uintToRlpBytes(h.number),
    uintToRlpBytes(h.gasLimit),
    uintToRlpBytes(h.gasUsed),
    uintToRlpBytes(h.timestamp),
    h.extraData,
    h.mixHash,
    h.nonce,
    uintToRlpBytes(h.baseFeePerGas),
  ];
  // Each later field exists only when all earlier ones do (the header is a fork-ordered list).
  const optional: (Uint8Array | bigint | undefined)[] = [
    h.withdrawalsRoot,
    h.blobGasUsed,
    h.excessBlobGas,
    h.parentBeaconBlockRoot,
    h.requestsHash,
  ];
  const present = optional.findLastIndex((f) => f !== undefined) + 1;
  for (let i = 0; i < present; i++) {
    const f = optional[i];
    if (f === undefined) throw Error(`execution block header: field ${i} missing before a later fork's field`);
    fields.push(typeof f === "bigint" ? uintToRlpBytes(f) : f);
  }
  return rlpEncode(fields);
}

export function computeHeaderHash(h: ExecutionBlockHeader): Uint8Array {
  return keccak256(encodeExecutionBlockHeader(h));
}

/** RLP([index, validatorIndex, address, amount]) of EIP-4895 (amount in Gwei). */
export function encodeWithdrawal(w: WithdrawalFields): Uint8Array {
  return rlpEncode([uintToRlpBytes(w.index), uintToRlpBytes(w.validatorIndex), w.address, uintToRlpBytes(w.amount)]);
}

/** transactionsRoot: the ordered trie of the transactions' EIP-2718 encodings (the payload holds exactly those). */
export function computeTransactionsRoot(transactions: readonly Uint8Array[]): Uint8Array {
  return orderedTrieRoot(transactions);
}

export function computeWithdrawalsRoot(withdrawals: readonly WithdrawalFields[]): Uint8Array {
  return orderedTrieRoot(withdrawals.map(encodeWithdrawal));
}

/**
 * EIP-7685 requests commitment: sha256(sha256(r_0) ++ sha256(r_1) ++ …) over the requests whose data is not empty
 * (each r = request_type ++ request_data). No requests → sha256("").
 */
export function computeRequestsHash(executionRequestsList: readonly Uint8Array[]): Uint8Array {
  const outer = createHash("sha256");
  for (const r of executionRequestsList) {
    if (r.length > 1) outer.update(createHash("sha256").update(r).digest());
  }
  return new Uint8Array(outer.digest());
}

export interface BlockHashContext {
  /** deneb+: the parent beacon block root (EIP-4788). */
  parentBeaconBlockRoot?: Uint8Array;
  /** electra+: get_execution_requests_list(execution_requests) (EIP-7685 typed bytes). */
  executionRequestsList?: readonly Uint8Array[];
}

/** The execution block header that a payload of `fork` stands for. */
export function executionBlockHeaderFromPayload(
  fork: ForkName,
  payload: ExecutionPayloadFields,
  ctx: BlockHashContext = {},
): ExecutionBlockHeader {
  const seq = ForkSeq[fork];
  if (seq < ForkSeq.bellatrix) throw Error(`no execution payload before bellatrix (fork ${fork})`);
  const header: ExecutionBlockHeader = {
    parentHash: payload.parentHash,
    ommersHash: EMPTY_OMMERS_HASH,
    beneficiary: payload.feeRecipient,
    stateRoot: payload.stateRoot,
    transactionsRoot: computeTransactionsRoot(payload.transactions),
    receiptsRoot: payload.receiptsRoot,
    logsBloom: payload.logsBloom,
    difficulty: 0n,
    number: toBig(payload.blockNumber),
    gasLimit: toBig(payload.gasLimit),
    gasUsed: toBig(payload.gasUsed),
    timestamp: toBig(payload.timestamp),
    extraData: payload.extraData,
    mixHash: payload.prevRandao,
    nonce: new Uint8Array(8),
    baseFeePerGas: payload.baseFeePerGas,
  };
  if (seq >= ForkSeq.capella) {
    if (payload.withdrawals === undefined) throw Error(`${fork} payload without withdrawals`);
    header.withdrawalsRoot = computeWithdrawalsRoot(payload.withdrawals);
  }
  if (seq >= ForkSeq.deneb) {
    if (payload.blobGasUsed === undefined || payload.excessBlobGas === undefined) {
      throw Error(`${fork} payload without blobGasUsed/excessBlobGas`);
    }
    if (ctx.parentBeaconBlockRoot === undefined) throw Error(`${fork} block hash needs the parent beacon block root`);
    header.blobGasUsed = toBig(payload.blobGasUsed);
    header.excessBlobGas = toBig(payload.excessBlobGas);
    header.parentBeaconBlockRoot = ctx.parentBeaconBlockRoot;
  }
  if (seq >= ForkSeq.electra) {
    if (ctx.executionRequestsList === undefined) throw Error(`${fork} block hash needs the execution requests`);
    header.requestsHash = computeRequestsHash(ctx.executionRequestsList);
  }
  return header;
}

/** keccak256(RLP(header)) of the header the payload stands for. */
export function computeExecutionBlockHash(
  fork: ForkName,
  payload: ExecutionPayloadFields,
  ctx: BlockHashContext = {},
): Uint8Array {
  return computeHeaderHash(executionBlockHeaderFromPayload(fork, payload, ctx));
}

/** is_valid_block_hash: the payload's block_hash is the hash of the header it stands for. */
export function isValidBlockHash(fork: ForkName, payload: ExecutionPayloadFields, ctx: BlockHashContext = {}): boolean {
  return Buffer.from(computeExecutionBlockHash(fork, payload, ctx)).equals(payload.blockHash);
}

function toBig(n: number): bigint {
  if (n === Number.POSITIVE_INFINITY) return (1n << 64n) - 1n;
  return BigInt(n);
}
