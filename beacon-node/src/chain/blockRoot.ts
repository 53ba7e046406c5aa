/** Block roots: hex ↔ bytes and hash_tree_root of a block of the fork active at its slot. */
import type {BeaconConfig} from "@ceibo/config";
import type {SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import {forkTypes} from "@ceibo/state-transition";

/** Hex root → bytes: fork-choice's strict `fromRootHex` (one error naming the bad root), kept on chain's API. */
export {fromRootHex} from "@ceibo/fork-choice";

/** hash_tree_root of a block of the fork active at its slot. */
export function blockRootOf(config: BeaconConfig, block: SignedBeaconBlockAllForks["message"]): Uint8Array {
  const type = forkTypes(config.getForkSeq(block.slot)).BeaconBlock as unknown as {
    hashTreeRoot(v: unknown): Uint8Array;
  };
  return type.hashTreeRoot(block);
}
