/** Block roots: hex ↔ bytes and hash_tree_root of a block of the fork active at its slot. */
import type {BeaconConfig} from "@ceibo/config";
import type {RootHex} from "@ceibo/fork-choice";
import type {SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import {forkTypes} from "@ceibo/state-transition";

export function fromRootHex(hex: RootHex): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.slice(2), "hex"));
}

/** hash_tree_root of a block of the fork active at its slot. */
export function blockRootOf(config: BeaconConfig, block: SignedBeaconBlockAllForks["message"]): Uint8Array {
  const type = forkTypes(config.getForkSeq(block.slot)).BeaconBlock as unknown as {
    hashTreeRoot(v: unknown): Uint8Array;
  };
  return type.hashTreeRoot(block);
}
