/**
 * builder-specs containers (ethereum/builder-specs specs/{bellatrix,capella,deneb,electra,fulu}/builder.md):
 * BuilderBid / SignedBuilderBid per fork, ExecutionPayloadAndBlobsBundle (deneb+), the signing domain of builder
 * messages, and `executionPayloadToHeader` (the header a payload is committed to, as process_execution_payload
 * caches it and as a blinded block carries it).
 */
import {computeDomain} from "@ceibo/config";
import {DOMAIN_APPLICATION_BUILDER, type ForkName, ForkSeq} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {ContainerType, type Type} from "@chainsafe/ssz";
import type {ExecutionPayloadCommonFields} from "../blockHash.ts";

export type BuilderFork = "bellatrix" | "capella" | "deneb" | "electra" | "fulu";
export const BUILDER_FORKS: readonly BuilderFork[] = ["bellatrix", "capella", "deneb", "electra", "fulu"];

export function isBuilderFork(fork: string): fork is BuilderFork {
  return (BUILDER_FORKS as readonly string[]).includes(fork);
}

const Uint256 = ssz.phase0.UintBn256;

function makeBidTypes(fork: BuilderFork) {
  const t = ssz[fork] as unknown as Record<string, Type<unknown>> & {
    BeaconBlockBody: {fields: Record<string, Type<unknown>>};
  };
  const fields: Record<string, Type<unknown>> = {header: t.ExecutionPayloadHeader};
  // deneb: blob_kzg_commitments; electra: execution_requests (fulu: unchanged from electra)
  if (ForkSeq[fork] >= ForkSeq.deneb) fields.blobKzgCommitments = t.BeaconBlockBody.fields.blobKzgCommitments;
  if (ForkSeq[fork] >= ForkSeq.electra) fields.executionRequests = ssz.electra.ExecutionRequests;
  fields.value = Uint256;
  fields.pubkey = ssz.phase0.BLSPubkey;
  const BuilderBid = new ContainerType(fields, {typeName: "BuilderBid", jsonCase: "eth2"});
  const SignedBuilderBid = new ContainerType(
    {message: BuilderBid, signature: ssz.phase0.BLSSignature},
    {typeName: "SignedBuilderBid", jsonCase: "eth2"},
  );
  return {BuilderBid, SignedBuilderBid};
}

const bidTypes = new Map<BuilderFork, ReturnType<typeof makeBidTypes>>();
export function builderBidTypes(fork: BuilderFork): ReturnType<typeof makeBidTypes> {
  let t = bidTypes.get(fork);
  if (t === undefined) {
    t = makeBidTypes(fork);
    bidTypes.set(fork, t);
  }
  return t;
}

/** A BuilderBid of any fork, as a value (fields present per fork). */
export interface BuilderBid {
  header: ExecutionPayloadHeader;
  blobKzgCommitments?: Uint8Array[];
  executionRequests?: {deposits: unknown[]; withdrawals: unknown[]; consolidations: unknown[]};
  value: bigint;
  pubkey: Uint8Array;
}
export interface SignedBuilderBid {
  message: BuilderBid;
  signature: Uint8Array;
}

/** ExecutionPayloadHeader of any fork (withdrawalsRoot from capella, blob gas fields from deneb). */
export interface ExecutionPayloadHeader extends ExecutionPayloadCommonFields {
  transactionsRoot: Uint8Array;
  withdrawalsRoot?: Uint8Array;
}

/**
 * builder-specs "Signing": compute_domain(DOMAIN_APPLICATION_BUILDER) — the GENESIS fork version (the default of
 * compute_domain) and a zero genesis_validators_root.
 */
export function builderDomain(genesisForkVersion: Uint8Array): Uint8Array {
  return computeDomain(DOMAIN_APPLICATION_BUILDER, genesisForkVersion, new Uint8Array(32));
}

/** The fork's ExecutionPayloadHeader of `payload`: every field, transactions and withdrawals by their root. */
export function executionPayloadToHeader(fork: ForkName, payload: Record<string, unknown>): ExecutionPayloadHeader {
  const type = (ssz[fork as BuilderFork] as unknown as Record<string, {fields: Record<string, unknown>}>)
    .ExecutionPayloadHeader;
  const header: Record<string, unknown> = {};
  for (const field of Object.keys(type.fields)) {
    if (field === "transactionsRoot") {
      header[field] = ssz.bellatrix.Transactions.hashTreeRoot(payload.transactions as Uint8Array[]);
    } else if (field === "withdrawalsRoot") {
      header[field] = ssz.capella.Withdrawals.hashTreeRoot(payload.withdrawals as never);
    } else header[field] = payload[field];
  }
  return header as unknown as ExecutionPayloadHeader;
}

/** The blinded form of a full block (bellatrix+): the body's payload replaced by its header. */
export function blindBlock<T extends {body: Record<string, unknown>}>(fork: ForkName, block: T): T {
  const {executionPayload, ...rest} = block.body;
  return {
    ...block,
    body: {
      ...rest,
      executionPayloadHeader: executionPayloadToHeader(fork, executionPayload as Record<string, unknown>),
    },
  };
}

/** The full form of a blinded block: its header replaced by the builder's payload (the caller checked they match). */
export function unblindBlock<T extends {body: Record<string, unknown>}>(block: T, executionPayload: unknown): T {
  const {executionPayloadHeader: _header, ...rest} = block.body;
  return {...block, body: {...rest, executionPayload}};
}
