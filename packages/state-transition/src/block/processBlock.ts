import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import type {BeaconBlockAllForks} from "../types.ts";

export interface ProcessBlockOpts {
  /** Verify every signature inside the block as the spec does (off when the caller batch-verified them). */
  verifySignatures: boolean;
  /** The execution engine's verdict on the block's payload (execution_engine.verify_and_notify_new_payload). */
  executionPayloadValid: boolean;
}

/** phase0 … fulu process_block. */
export function processBlock(_cs: CachedBeaconState, _block: BeaconBlockAllForks, _opts: ProcessBlockOpts): void {
  throw Error("processBlock: not implemented yet");
}
