import {ForkSeq} from "@ceibo/params";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {SyncAggregate} from "../signatureSets/syncAggregate.ts";
import type {BeaconBlockAllForks} from "../types.ts";
import {processBlockHeader} from "./processBlockHeader.ts";
import {processEth1Data} from "./processEth1Data.ts";
import {isExecutionEnabled, processExecutionPayload} from "./processExecutionPayload.ts";
import {processOperations} from "./processOperations.ts";
import {processRandao} from "./processRandao.ts";
import {processSyncAggregate} from "./processSyncAggregate.ts";
import {processWithdrawals, type Withdrawal} from "./processWithdrawals.ts";

export interface ProcessBlockOpts {
  /** Verify every signature inside the block as the spec does (off when the caller batch-verified them). */
  verifySignatures: boolean;
  /** The execution engine's verdict on the block's payload (execution_engine.verify_and_notify_new_payload). */
  executionPayloadValid: boolean;
}

/**
 * phase0 … fulu process_block. `cs` must be at the block's slot. Deposit signatures are always checked (they
 * decide whether a deposit creates a validator, not whether the block is valid).
 * Spec: `process_block` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/fulu/beacon-chain.md#block-processing (phase0; modified in altair, bellatrix, capella, electra, fulu)
 */
export function processBlock(cs: CachedBeaconState, block: BeaconBlockAllForks, opts: ProcessBlockOpts): void {
  const {verifySignatures} = opts;
  const body = block.body;
  processBlockHeader(cs, block);
  if (cs.fork >= ForkSeq.capella) {
    processWithdrawals(cs, (body as unknown as {executionPayload: {withdrawals: Withdrawal[]}}).executionPayload);
    processExecutionPayload(cs, body, opts.executionPayloadValid);
  } else if (cs.fork === ForkSeq.bellatrix && isExecutionEnabled(cs, body)) {
    processExecutionPayload(cs, body, opts.executionPayloadValid);
  }
  processRandao(cs, body, verifySignatures);
  processEth1Data(cs, body);
  processOperations(cs, body, verifySignatures);
  if (cs.fork >= ForkSeq.altair) {
    processSyncAggregate(cs, (body as {syncAggregate: SyncAggregate}).syncAggregate, verifySignatures);
  }
}
