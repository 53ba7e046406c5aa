import type {ChainConfig} from "@ceibo/config";
import {ForkSeq, VERSIONED_HASH_VERSION_KZG} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {bytesEqual} from "@ceibo/utils";
import {digest} from "@chainsafe/as-sha256";
import type {ValueOf} from "@chainsafe/ssz";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {ExecutionPayloadError} from "../errors.ts";
import type {BeaconBlockBodyAllForks, BeaconStatePostBellatrix} from "../types.ts";
import {computeTimeAtSlot, getCurrentEpoch} from "../util/epoch.ts";
import {forkTypes} from "../util/forkTypes.ts";
import {getRandaoMix} from "../util/seed.ts";

type ExecutionPayloadBellatrix = ValueOf<typeof ssz.bellatrix.ExecutionPayload>;
type ExecutionPayloadAny = ExecutionPayloadBellatrix & {withdrawals?: unknown};
interface BodyWithPayload {
  executionPayload: ExecutionPayloadAny;
  blobKzgCommitments?: Uint8Array[];
}

interface ContainerTypeLike {
  fields: Record<string, unknown>;
  hashTreeRoot(value: unknown): Uint8Array;
  defaultValue(): unknown;
  toViewDU(value: unknown): unknown;
}

function headerType(fork: number): ContainerTypeLike {
  return (forkTypes(fork) as unknown as Record<string, ContainerTypeLike>).ExecutionPayloadHeader;
}

/**
 * bellatrix is_merge_transition_complete
 * Spec: `is_merge_transition_complete` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/bellatrix/beacon-chain.md#is_merge_transition_complete
 */
export function isMergeTransitionComplete(cs: CachedBeaconState): boolean {
  const state = cs.state as BeaconStatePostBellatrix;
  const type = headerType(cs.fork);
  return !bytesEqual(state.latestExecutionPayloadHeader.hashTreeRoot(), type.hashTreeRoot(type.defaultValue()));
}

/**
 * bellatrix is_merge_transition_block
 * Spec: `is_merge_transition_block` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/bellatrix/beacon-chain.md#is_merge_transition_block
 */
export function isMergeTransitionBlock(cs: CachedBeaconState, body: BeaconBlockBodyAllForks): boolean {
  const payloadType = (forkTypes(cs.fork) as unknown as Record<string, ContainerTypeLike>).ExecutionPayload;
  const payload = (body as unknown as BodyWithPayload).executionPayload;
  const isDefault = bytesEqual(payloadType.hashTreeRoot(payload), payloadType.hashTreeRoot(payloadType.defaultValue()));
  return !isMergeTransitionComplete(cs) && !isDefault;
}

/**
 * bellatrix is_execution_enabled
 * Spec: `is_execution_enabled` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/bellatrix/beacon-chain.md#is_execution_enabled
 */
export function isExecutionEnabled(cs: CachedBeaconState, body: BeaconBlockBodyAllForks): boolean {
  return isMergeTransitionBlock(cs, body) || isMergeTransitionComplete(cs);
}

/**
 * deneb kzg_commitment_to_versioned_hash
 * Spec: `kzg_commitment_to_versioned_hash` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/deneb/beacon-chain.md#kzg_commitment_to_versioned_hash
 */
export function kzgCommitmentToVersionedHash(kzgCommitment: Uint8Array): Uint8Array {
  const hash = digest(kzgCommitment);
  hash[0] = VERSIONED_HASH_VERSION_KZG;
  return hash;
}

/**
 * fulu get_blob_parameters (the blob schedule entry in force at `epoch`; electra's limit before any entry)
 * Spec: `get_blob_parameters` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/fulu/beacon-chain.md#new-get_blob_parameters
 */
export function getBlobParameters(config: ChainConfig, epoch: number): {epoch: number; maxBlobsPerBlock: number} {
  const entries = [...config.BLOB_SCHEDULE].sort((a, b) => b.EPOCH - a.EPOCH);
  for (const entry of entries) {
    if (epoch >= entry.EPOCH) return {epoch: entry.EPOCH, maxBlobsPerBlock: entry.MAX_BLOBS_PER_BLOCK};
  }
  return {epoch: config.ELECTRA_FORK_EPOCH, maxBlobsPerBlock: config.MAX_BLOBS_PER_BLOCK_ELECTRA};
}

/** The blob commitment limit of process_execution_payload (deneb / electra / fulu). */
function maxBlobsPerBlock(cs: CachedBeaconState): number {
  if (cs.fork >= ForkSeq.fulu) return getBlobParameters(cs.config, getCurrentEpoch(cs.state)).maxBlobsPerBlock;
  if (cs.fork >= ForkSeq.electra) return cs.config.MAX_BLOBS_PER_BLOCK_ELECTRA;
  return cs.config.MAX_BLOBS_PER_BLOCK;
}

/**
 * bellatrix / capella / deneb / electra / fulu process_execution_payload. `executionPayloadValid` is the execution
 * engine's verdict (verify_and_notify_new_payload with the payload, versioned hashes, parent beacon block root
 * and execution requests); the caller obtains it.
 * Spec: `process_execution_payload` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/fulu/beacon-chain.md#modified-process_execution_payload (bellatrix; modified in capella, deneb, electra, fulu)
 */
export function processExecutionPayload(
  cs: CachedBeaconState,
  body: BeaconBlockBodyAllForks,
  executionPayloadValid: boolean,
): void {
  const state = cs.state as BeaconStatePostBellatrix;
  const {executionPayload: payload, blobKzgCommitments} = body as unknown as BodyWithPayload;

  // bellatrix checks the parent hash only once the merge is complete; capella always
  if (cs.fork >= ForkSeq.capella || isMergeTransitionComplete(cs)) {
    if (!bytesEqual(payload.parentHash, state.latestExecutionPayloadHeader.blockHash)) {
      throw new ExecutionPayloadError(
        {code: "PARENT_HASH_MISMATCH"},
        "execution payload parent hash does not match the latest execution payload header",
      );
    }
  }
  if (!bytesEqual(payload.prevRandao, getRandaoMix(state, getCurrentEpoch(state)))) {
    throw new ExecutionPayloadError(
      {code: "PREV_RANDAO_MISMATCH"},
      "execution payload prev_randao does not match the RANDAO mix",
    );
  }
  const expectedTimestamp = computeTimeAtSlot(cs.config.SLOT_DURATION_MS, state.genesisTime, state.slot);
  if (payload.timestamp !== expectedTimestamp) {
    throw new ExecutionPayloadError(
      {code: "TIMESTAMP_MISMATCH", timestamp: payload.timestamp, expected: expectedTimestamp},
      `execution payload timestamp ${payload.timestamp} is not ${expectedTimestamp}`,
    );
  }
  if (cs.fork >= ForkSeq.deneb) {
    const limit = maxBlobsPerBlock(cs);
    const count = (blobKzgCommitments as Uint8Array[]).length;
    if (count > limit)
      throw new ExecutionPayloadError(
        {code: "TOO_MANY_BLOB_COMMITMENTS", count, limit},
        `block has ${count} blob commitments, the limit is ${limit}`,
      );
  }
  if (!executionPayloadValid)
    throw new ExecutionPayloadError(
      {code: "INVALID_BY_EXECUTION_ENGINE"},
      "execution payload is invalid (execution engine)",
    );

  // cache the execution payload header: every payload field, with transactions / withdrawals by their root
  const type = headerType(cs.fork);
  const header: Record<string, unknown> = {};
  for (const field of Object.keys(type.fields)) {
    if (field === "transactionsRoot") header[field] = ssz.bellatrix.Transactions.hashTreeRoot(payload.transactions);
    else if (field === "withdrawalsRoot") {
      header[field] = ssz.capella.Withdrawals.hashTreeRoot(
        payload.withdrawals as ValueOf<typeof ssz.capella.Withdrawals>,
      );
    } else header[field] = (payload as unknown as Record<string, unknown>)[field];
  }
  state.latestExecutionPayloadHeader = type.toViewDU(
    header,
  ) as BeaconStatePostBellatrix["latestExecutionPayloadHeader"];
}
