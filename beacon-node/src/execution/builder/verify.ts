/**
 * Bid processing (builder-specs specs/bellatrix/validator.md "Bid processing", process_bid and
 * verify_bid_signature), plus the checks a proposer needs before it commits to a header it cannot see the
 * payload of: the bid's fork, a value above 0, and the header fields the state transition will check
 * (timestamp, prev_randao, capella+ withdrawals_root, deneb+ the blob commitment limit).
 */

import {computeSigningRoot} from "@ceibo/config";
import type {SignatureSet} from "@ceibo/state-transition";
import {bytesEqual, toHex} from "@ceibo/utils";
import {PublicKey, Signature, verify} from "@chainsafe/blst";
import {type BuilderFork, builderBidTypes, builderDomain, type SignedBuilderBid} from "./types.ts";

export class BidError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BidError";
  }
}

/** verify_bid_signature's signing root: the BuilderBid under compute_domain(DOMAIN_APPLICATION_BUILDER). */
function bidSigningRoot(fork: BuilderFork, bid: SignedBuilderBid, genesisForkVersion: Uint8Array): Uint8Array {
  return computeSigningRoot(
    builderBidTypes(fork).BuilderBid as never,
    bid.message as never,
    builderDomain(genesisForkVersion),
  );
}

/** verify_bid_signature: the bid's pubkey signed the BuilderBid under compute_domain(DOMAIN_APPLICATION_BUILDER). */
export function verifyBidSignature(fork: BuilderFork, bid: SignedBuilderBid, genesisForkVersion: Uint8Array): boolean {
  const signingRoot = bidSigningRoot(fork, bid, genesisForkVersion);
  try {
    return verify(signingRoot, PublicKey.fromBytes(bid.message.pubkey, true), Signature.fromBytes(bid.signature, true));
  } catch {
    return false; // not a valid point: not a valid signature
  }
}

/**
 * verify_bid_signature as a signature set, to verify off the main thread (the chain's BLS worker pool); null when
 * the bid's pubkey is not a valid public key (the signature cannot be valid).
 */
export function getBidSignatureSet(
  fork: BuilderFork,
  bid: SignedBuilderBid,
  genesisForkVersion: Uint8Array,
): SignatureSet | null {
  let pubkey: PublicKey;
  try {
    pubkey = PublicKey.fromBytes(bid.message.pubkey, true);
  } catch {
    return null;
  }
  return {type: "single", pubkey, signingRoot: bidSigningRoot(fork, bid, genesisForkVersion), signature: bid.signature};
}

/** What verifies signature sets (the chain's `BlsVerifier`, e.g. the BLS worker pool). */
export interface BidSignatureVerifier {
  verifySignatureSets(sets: readonly SignatureSet[]): Promise<boolean>;
}

export interface BidExpectations {
  /** The fork of the proposal slot. */
  fork: BuilderFork;
  /** state.latest_execution_payload_header.block_hash of the proposal state. */
  parentHash: Uint8Array;
  /** The proposer's most recently registered fee recipient (process_bid). */
  feeRecipient: Uint8Array;
  genesisForkVersion: Uint8Array;
  /** compute_time_at_slot(state, slot). */
  timestamp: number;
  /** get_randao_mix(state, get_current_epoch(state)). */
  prevRandao: Uint8Array;
  /** capella+: hash_tree_root(get_expected_withdrawals(state)). */
  withdrawalsRoot?: Uint8Array;
  /** deneb+: the blob commitment limit of the slot. */
  maxBlobsPerBlock?: number;
  /** The builder's pubkey, when the operator pinned it (--builder.pubkey style); otherwise any. */
  builderPubkey?: Uint8Array;
}

/** process_bid and the proposal-safety checks; throws BidError naming the first failed check. */
export function processBid(version: string, bid: SignedBuilderBid, want: BidExpectations): void {
  checkBidWithoutSignature(version, bid, want);
  if (!verifyBidSignature(want.fork, bid, want.genesisForkVersion)) {
    throw new BidError(`invalid signature (builder pubkey ${toHex(bid.message.pubkey)})`);
  }
}

/** processBid with the signature verified by `bls` (the BLS worker pool: off the main thread). */
export async function processBidAsync(
  version: string,
  bid: SignedBuilderBid,
  want: BidExpectations,
  bls: BidSignatureVerifier,
): Promise<void> {
  checkBidWithoutSignature(version, bid, want);
  const set = getBidSignatureSet(want.fork, bid, want.genesisForkVersion);
  if (set === null || !(await bls.verifySignatureSets([set]))) {
    throw new BidError(`invalid signature (builder pubkey ${toHex(bid.message.pubkey)})`);
  }
}

/** Every check of processBid before the signature, in the same order. */
function checkBidWithoutSignature(version: string, bid: SignedBuilderBid, want: BidExpectations): void {
  if (version !== want.fork) throw new BidError(`the bid is a ${version} bid, the slot is ${want.fork}`);
  const header = bid.message.header;
  if (!bytesEqual(header.parentHash, want.parentHash)) {
    throw new BidError(`parent hash ${toHex(header.parentHash)} is not the head's ${toHex(want.parentHash)}`);
  }
  if (!bytesEqual(header.feeRecipient, want.feeRecipient)) {
    throw new BidError(`fee recipient ${toHex(header.feeRecipient)} is not the registered ${toHex(want.feeRecipient)}`);
  }
  if (bid.message.value <= 0n) throw new BidError(`the bid's value is ${bid.message.value}, not above 0`);
  if (header.timestamp !== want.timestamp) {
    throw new BidError(`timestamp ${header.timestamp} is not the slot's ${want.timestamp}`);
  }
  if (!bytesEqual(header.prevRandao, want.prevRandao)) throw new BidError("prev_randao is not the state's RANDAO mix");
  if (
    want.withdrawalsRoot !== undefined &&
    !bytesEqual(header.withdrawalsRoot ?? new Uint8Array(0), want.withdrawalsRoot)
  ) {
    throw new BidError("withdrawals_root is not the root of the expected withdrawals");
  }
  const blobs = bid.message.blobKzgCommitments?.length ?? 0;
  if (want.maxBlobsPerBlock !== undefined && blobs > want.maxBlobsPerBlock) {
    throw new BidError(`${blobs} blob commitments, the limit is ${want.maxBlobsPerBlock}`);
  }
  if (want.builderPubkey !== undefined && !bytesEqual(bid.message.pubkey, want.builderPubkey)) {
    throw new BidError(`signed by ${toHex(bid.message.pubkey)}, not the configured builder key`);
  }
}
