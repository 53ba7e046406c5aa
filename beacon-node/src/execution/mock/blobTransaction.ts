/**
 * EIP-4844 blob transactions, as far as the mock engine needs them: building one that carries given versioned
 * hashes, and reading the versioned hashes out of a payload's transactions (engine_newPayloadV3 "expected blob
 * versioned hashes" check, cancun.md).
 *
 * Transaction = 0x03 || rlp([chain_id, nonce, max_priority_fee_per_gas, max_fee_per_gas, gas_limit, to, value,
 * data, access_list, max_fee_per_blob_gas, blob_versioned_hashes, y_parity, r, s]).
 * The mock does not sign: y_parity/r/s are fixed placeholders (a real execution client would reject the
 * transaction; the consensus side never looks at signatures).
 */
import {RlpError} from "../errors.ts";
import {asBytes, asList, rlpDecode, rlpEncode, uintToRlpBytes} from "../rlp.ts";

export const BLOB_TX_TYPE = 0x03;
const BLOB_TX_FIELDS = 14;
const BLOB_VERSIONED_HASHES_INDEX = 10;

export interface BlobTransactionOpts {
  chainId: bigint;
  nonce: number;
  versionedHashes: Uint8Array[];
  to?: Uint8Array;
}

export function buildBlobTransaction(opts: BlobTransactionOpts): Uint8Array {
  const gwei = 1_000_000_000n;
  const fields = [
    uintToRlpBytes(opts.chainId),
    uintToRlpBytes(opts.nonce),
    uintToRlpBytes(gwei), // max_priority_fee_per_gas
    uintToRlpBytes(100n * gwei), // max_fee_per_gas
    uintToRlpBytes(21000), // gas_limit
    opts.to ?? new Uint8Array(20).fill(0xb0), // a blob tx must have a `to`
    uintToRlpBytes(0), // value
    new Uint8Array(0), // data
    [], // access_list
    uintToRlpBytes(100n * gwei), // max_fee_per_blob_gas
    opts.versionedHashes,
    uintToRlpBytes(0), // y_parity
    uintToRlpBytes(1), // r (placeholder)
    uintToRlpBytes(1), // s (placeholder)
  ];
  const body = rlpEncode(fields);
  const out = new Uint8Array(1 + body.length);
  out[0] = BLOB_TX_TYPE;
  out.set(body, 1);
  return out;
}

/**
 * The blob versioned hashes of a transaction (EIP-2718 encoding): those of a type-3 transaction, none for any other
 * type. Throws RlpError on a malformed type-3 transaction.
 */
export function blobVersionedHashesOf(tx: Uint8Array): Uint8Array[] {
  if (tx.length === 0 || tx[0] !== BLOB_TX_TYPE) return [];
  const fields = asList(rlpDecode(tx.subarray(1)), "blob transaction");
  if (fields.length !== BLOB_TX_FIELDS) {
    throw new RlpError("UNEXPECTED_TYPE", `blob transaction has ${fields.length} fields, not ${BLOB_TX_FIELDS}`);
  }
  return asList(fields[BLOB_VERSIONED_HASHES_INDEX], "blob_versioned_hashes").map((h, i) => {
    const hash = asBytes(h, `blob_versioned_hashes[${i}]`);
    if (hash.length !== 32) throw new RlpError("UNEXPECTED_TYPE", `blob_versioned_hashes[${i}] is not 32 bytes`);
    return hash;
  });
}

/** The versioned hashes of all blob transactions of a payload, in inclusion order. */
export function blobVersionedHashesOfTransactions(transactions: readonly Uint8Array[]): Uint8Array[] {
  return transactions.flatMap(blobVersionedHashesOf);
}
